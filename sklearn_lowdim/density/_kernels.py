"""Numba kernels for KDE mode finding: fused distance, weight and weighted sum."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np
from numba import prange

from ..utils import njit
from ._kernel_functions import (
    BOX,
    GAUSSIAN,
    GENERALIZED_GAUSSIAN,
    LOGISTIC,
    T_FLOOR,
)

# Scalar versions of RadialKernel.log_value / weight_ratio; tests check they agree.


@njit(fastmath=False)
def _log_kernel(t, code, beta):
    if code == GAUSSIAN:
        return -0.5 * t
    if code == GENERALIZED_GAUSSIAN:
        return -(t**beta)
    if code == BOX:
        return 0.0 if t <= 1.0 else -np.inf
    r = math.sqrt(t)
    if code == LOGISTIC:
        return -r - 2.0 * math.log1p(math.exp(-r))
    return math.log(2.0 / math.pi) - r - math.log1p(math.exp(-2.0 * r))


@njit(fastmath=False)
def _weight_ratio(t, code, beta):
    if code == GAUSSIAN:
        return 0.5
    if code == GENERALIZED_GAUSSIAN:
        return beta * max(t, T_FLOOR) ** (beta - 1.0)
    if code == BOX:
        return 1.0
    r = math.sqrt(t)
    u = math.exp(-r)
    if code == LOGISTIC:
        ratio = -math.expm1(-r) / r if r > 0.0 else 1.0
        return ratio / (2.0 * (1.0 + u))
    ratio = -math.expm1(-2.0 * r) / r if r > 0.0 else 2.0
    return ratio / (2.0 * (1.0 + u * u))


# Fast-math without 'nnan'/'ninf': the kernel tests for -inf (box kernel, zero
# weights), which those two flags would let LLVM delete.
_FAST = {"nsz", "arcp", "contract", "afn", "reassoc"}
# A point whose log kernel is this far below the running maximum changes the
# sums by less than exp(-50) = 2e-22 of the largest term each, so its exp and
# weighted sum are skipped: most points, once a start sits in one component.
_NEGLIGIBLE = 50.0


@njit(parallel=True, fastmath=_FAST)
def kernel_partials(queries, points, values, sample_weight, inv_h2, code, beta):
    """Kernel and mean-shift sums of every query over the points, fused.

    Returns ``(tops, kernel_sums, weight_sums, numerators)``: ``tops[s]`` is the
    largest ``log w_i + log kappa(t_i)``, and the sums of ``w_i kappa(t_i)``,
    ``w_i g(t_i)`` and ``w_i g(t_i) values[i]`` are scaled by ``exp(-tops[s])``,
    so they neither underflow nor overflow and partial sums over blocks of
    points merge (``_mean_shift.merge_partials``). Distances come from
    ``points``; the numerator sums ``values`` (the points themselves for a
    mean-shift step, the unsketched points for the lifting step, no columns
    for density only). Terms below ``exp(-50)`` times the running largest term
    are skipped (relative error below ``n_points * 2e-22``); no
    (queries x points) array is built.
    """
    n_queries, dim = queries.shape
    n_points, n_values = values.shape
    tops = np.full(n_queries, -np.inf)
    kernel_sums = np.zeros(n_queries)
    weight_sums = np.zeros(n_queries)
    numerators = np.zeros((n_queries, n_values))
    for s in prange(n_queries):
        top = -np.inf
        kernel_sum = 0.0
        weight_sum = 0.0
        for i in range(n_points):
            if sample_weight[i] == 0.0:
                continue
            t = 0.0
            for j in range(dim):
                diff = queries[s, j] - points[i, j]
                t += diff * diff
            t *= inv_h2
            log_k = _log_kernel(t, code, beta) + math.log(sample_weight[i])
            if log_k < top - _NEGLIGIBLE or log_k == -np.inf:
                continue
            if log_k > top:
                scale = math.exp(top - log_k) if top > -np.inf else 0.0
                kernel_sum *= scale
                weight_sum *= scale
                for j in range(n_values):
                    numerators[s, j] *= scale
                top = log_k
            k = math.exp(log_k - top)
            g = k * _weight_ratio(t, code, beta)
            kernel_sum += k
            weight_sum += g
            for j in range(n_values):
                numerators[s, j] += g * values[i, j]
        tops[s] = top
        kernel_sums[s] = kernel_sum
        weight_sums[s] = weight_sum
    return tops, kernel_sums, weight_sums, numerators


# exp(x) for x <= 0 without a libm call, so that LLVM vectorises the loop around
# it (this llvmlite has no SVML, and the scalar exp bounded the fused kernel):
# x = n ln2 + r with |r| <= ln2/2, exp(r) by its degree-13 Taylor polynomial
# (truncation below 2e-17 relative), 2^n from a table. Below -700 it returns
# about 1e-304; callers zero -inf inputs themselves.
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01
_LN2_LO = 1.90821492927058770002e-10
_POW2_NEG = np.ldexp(1.0, -np.arange(1100))
_C = np.array([1.0 / math.factorial(i) for i in range(14)])


@njit(inline="always", fastmath=_FAST)
def _exp_nonpositive(x):
    v = max(x, -700.0)
    n = math.floor(v * _LOG2E + 0.5)
    r = v - n * _LN2_HI - n * _LN2_LO
    p = _C[13]
    for c in range(12, -1, -1):
        p = p * r + _C[c]
    return p * _POW2_NEG[int(-n)]


@njit(parallel=True, fastmath=_FAST)
def gaussian_weights_inplace(G, query_sq, point_sq, log_w, half_inv_h2, tops,
                             sums):
    """Turn the cross products ``G = Q P^T`` into scaled Gaussian kernel weights.

    Row by row, in place: ``t = (|q|^2 + |p|^2 - 2 q.p) / h^2``, the log weight
    ``log w - t/2``, its row maximum ``tops[s]``, then
    ``G[s, i] = w_i exp(-t/2) / exp(tops[s])`` and ``sums[s]`` their sum. Two
    vectorised passes (a row of a few thousand points stays in cache between
    them) replace the eight elementwise NumPy passes of the same computation;
    the mean-shift numerator is then one GEMM ``G @ P``. A one-pass version
    with a running maximum measured 3x slower: the maximum rises often, and
    each rise forces a rescale.
    """
    n_rows, n_points = G.shape
    for s in prange(n_rows):
        top = -np.inf
        for i in range(n_points):
            t = max(query_sq[s] + point_sq[i] - 2.0 * G[s, i], 0.0)
            v = log_w[i] - half_inv_h2 * t
            G[s, i] = v
            top = max(top, v)
        acc = 0.0
        if top > -np.inf:
            for i in range(n_points):
                v = G[s, i]
                e = _exp_nonpositive(v - top)
                e = e if v > -np.inf else 0.0
                G[s, i] = e
                acc += e
        tops[s] = top
        sums[s] = acc


@njit(inline="always", fastmath=_FAST)
def _log_k(t, code, beta):
    # the Gaussian inline, so that LLVM vectorises its loops (no call, no branch)
    return -0.5 * t if code == GAUSSIAN else _log_kernel(t, code, beta)


@njit(fastmath=_FAST)
def _row_log_sums(sq_row, log_w, h2, code, beta):
    """``(top, scaled sum)`` of ``log w + p log k`` for p = 1, 2, over one row."""
    top1 = -np.inf
    top2 = -np.inf
    for i in range(sq_row.shape[0]):
        log_k = _log_k(sq_row[i] / h2, code, beta)
        top1 = max(top1, log_w[i] + log_k)
        top2 = max(top2, log_w[i] + 2.0 * log_k)
    sum1 = 0.0
    sum2 = 0.0
    if top1 > -np.inf:  # else every term is zero (no weight or no support)
        for i in range(sq_row.shape[0]):
            log_k = _log_k(sq_row[i] / h2, code, beta)
            v1 = log_w[i] + log_k
            v2 = log_w[i] + 2.0 * log_k
            e1 = _exp_nonpositive(v1 - top1)
            e2 = _exp_nonpositive(v2 - top2)
            sum1 += e1 if v1 > -np.inf else 0.0
            sum2 += e2 if v2 > -np.inf else 0.0
    return top1, top2, sum1, sum2


@njit(parallel=True, fastmath=_FAST)
def log_sum_partials(sq_dist, log_w, bandwidths, code, beta):
    """``log sum w k`` and ``log sum w k^2`` at every bandwidth, as partials.

    The NumPy fast path of ``_bandwidth._lse_partials`` (the same terms):
    ``k = kappa(sq_dist / h^2)``; returns ``(tops, sums)`` of shape
    ``(n_bandwidths, 2, n_queries)``, the largest term and the sum of the terms
    scaled by it, without the ``(queries x points)`` temporaries that NumPy
    builds for every bandwidth and power.
    """
    n_queries = sq_dist.shape[0]
    n_bandwidths = bandwidths.shape[0]
    tops = np.empty((n_bandwidths, 2, n_queries))
    sums = np.empty((n_bandwidths, 2, n_queries))
    for s in prange(n_queries):
        for b in range(n_bandwidths):
            top1, top2, sum1, sum2 = _row_log_sums(
                sq_dist[s], log_w, bandwidths[b] * bandwidths[b], code, beta)
            tops[b, 0, s] = top1
            tops[b, 1, s] = top2
            sums[b, 0, s] = sum1
            sums[b, 1, s] = sum2
    return tops, sums
