"""Numba epilogues for blocked Mahalanobis distances.

Each kernel reads one block ``G = Z @ M^T`` (rows x centres) with the squared row
norms ``z2`` and centre norms ``m2`` and reduces
``d2 = max(z2 - 2 G + m2, 0)`` row by row, never writing an n x C matrix.

The kernels are serial on purpose: they cost O(rows x C) against the
O(rows x C x d) GEMM before them, and they leave all cores to the multithreaded
BLAS (no Numba thread pool competing with OpenBLAS's threads).
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import njit


@njit
def sqdist_inplace(G, z2, m2):
    """``G <- max(z2[:, None] - 2 G + m2[None, :], 0)`` in place."""
    n, C = G.shape
    for i in range(n):
        for j in range(C):
            v = z2[i] - 2.0 * G[i, j] + m2[j]
            G[i, j] = v if v > 0.0 else 0.0


@njit
def min_argmin(G, z2, m2, out_min, out_arg):
    """Row-wise min and argmin of the squared distances."""
    n, C = G.shape
    for i in range(n):
        best = np.inf
        arg = 0
        for j in range(C):
            v = m2[j] - 2.0 * G[i, j]
            if v < best:
                best = v
                arg = j
        v = z2[i] + best
        out_min[i] = v if v > 0.0 else 0.0
        out_arg[i] = arg


@njit
def score_lse_argmax(G, z2, m2, factor, bias, out_lse, out_arg):
    """For ``s_j = factor * d2_j + bias_j``: row-wise log-sum-exp and argmax."""
    n, C = G.shape
    for i in range(n):
        best = -np.inf
        arg = 0
        for j in range(C):
            v = z2[i] - 2.0 * G[i, j] + m2[j]
            if v < 0.0:
                v = 0.0
            s = factor * v + bias[j]
            if s > best:
                best = s
                arg = j
        acc = 0.0
        for j in range(C):
            v = z2[i] - 2.0 * G[i, j] + m2[j]
            if v < 0.0:
                v = 0.0
            acc += np.exp(factor * v + bias[j] - best)
        out_lse[i] = best + np.log(acc)
        out_arg[i] = arg


@njit
def lse_argmax_rows(S, out_lse, out_arg):
    """Row-wise log-sum-exp and argmax of a score block."""
    n, C = S.shape
    for i in range(n):
        best = -np.inf
        arg = 0
        for j in range(C):
            if S[i, j] > best:
                best = S[i, j]
                arg = j
        acc = 0.0
        for j in range(C):
            acc += np.exp(S[i, j] - best)
        out_lse[i] = best + np.log(acc)
        out_arg[i] = arg


@njit(fastmath=True)
def min_argmin_refine(G, z2, m2, Z, M, margin, m_norm_max, out_min, out_arg):
    """Nearest centre from a float32 block, with the candidates recomputed exactly.

    ``G = Z @ M^T`` was computed in float32, so each ``m2_j - 2 G_ij`` is off by at
    most ``margin * |z_i| * |m|_max``. Every centre whose approximate value lies
    within twice that of the approximate minimum is a candidate for the true one;
    for those the distance ``||z_i - m_j||^2`` is summed in float64 directly,
    which cannot cancel the way the GEMM form does. ``fastmath`` lets LLVM
    vectorise the scans; the inputs are finite, and reordering the float64 sum
    changes it by far less than the float32 rounding of ``z``.
    """
    n, C = G.shape
    r = Z.shape[1]
    for i in range(n):
        best = np.inf
        for j in range(C):
            v = m2[j] - 2.0 * G[i, j]
            if v < best:
                best = v
        threshold = best + 2.0 * margin * np.sqrt(z2[i]) * m_norm_max
        exact_best = np.inf
        arg = 0
        for j in range(C):
            if m2[j] - 2.0 * G[i, j] <= threshold:
                acc = 0.0
                for k in range(r):
                    t = np.float64(Z[i, k]) - M[j, k]
                    acc += t * t
                if acc < exact_best:
                    exact_best = acc
                    arg = j
        out_min[i] = exact_best
        out_arg[i] = arg


@njit
def centre_and_square(X, y, means, weights, out, sq_dev):
    """``out[i] = X[i] - means[y[i]]`` and ``sq_dev[y[i]] += w[i] out[i]**2``.

    One pass over a block of rows instead of five NumPy passes (copy, gather of
    the class means, subtract, square, one-hot product): the block stays in
    cache for the SYRK that follows.
    """
    n, d = X.shape
    for i in range(n):
        k = y[i]
        w = weights[i]
        for j in range(d):
            v = X[i, j] - means[k, j]
            out[i, j] = v
            sq_dev[k, j] += w * v * v


@njit
def centre_in_class_order(X, order, bounds, weights, counts, means, sq_dev, out,
                          state):
    """Fill ``out`` with rows of ``X`` centred by their class means, in class order.

    ``order`` lists the rows grouped by class; class ``k`` owns
    ``order[bounds[k]:bounds[k + 1]]``. Entering a class, the kernel first sums its
    rows into ``means[k]`` (zero on entry) and divides by ``counts[k]``; then it
    writes the centred rows and adds ``w * (x - mean)**2`` to ``sq_dev[k]``. A
    class's rows are read twice while they are still in cache, so ``X`` streams
    from memory once instead of once for the sums and once for the centring.

    ``state = [class, position in order]`` carries a class that does not fit in
    ``out`` over to the next call. Returns the number of rows written.
    """
    n_classes = bounds.shape[0] - 1
    rows, d = out.shape
    k, pos = state[0], state[1]
    r = 0
    while r < rows and k < n_classes:
        lo, hi = bounds[k], bounds[k + 1]
        mean = means[k]
        if pos == lo and hi > lo:
            for p in range(lo, hi):
                i = order[p]
                w = weights[i]
                for j in range(d):
                    mean[j] += w * X[i, j]
            if counts[k] > 0:
                for j in range(d):
                    mean[j] /= counts[k]
        sq = sq_dev[k]
        stop = min(hi, pos + rows - r)
        for p in range(pos, stop):
            i = order[p]
            w = weights[i]
            for j in range(d):
                v = X[i, j] - mean[j]
                out[r, j] = v
                sq[j] += w * v * v
            r += 1
        pos = stop
        if pos == hi:
            k += 1
    state[0], state[1] = k, pos
    return r
