"""Mean shift for any radial kernel: a fused Numba path and a blocked BLAS path."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import gen_row_chunks
from ._kernel_functions import GAUSSIAN

# Up to this dimension the fused Numba kernel beats GEMM + elementwise work;
# above it the distance computation is BLAS-bound and the blocked path wins.
FUSED_MAX_DIM = 64


def blocked_step(queries, points, sample_weight, kernel, bandwidth):
    """One mean-shift step by blocks of queries: GEMM distances, kernel, GEMM sums.

    Peak temporary memory is bounded by scikit-learn's ``working_memory``.
    ``points`` should be centred (the caller centres data and queries together)
    so that ``|q|^2 + |p|^2 - 2 q.p`` does not cancel catastrophically.
    """
    n_points = points.shape[0]
    point_sq = np.einsum("ij,ij->i", points, points)
    with np.errstate(divide="ignore"):
        log_w = np.log(sample_weight)
    shifted = np.empty_like(queries)
    log_sums = np.empty(queries.shape[0])
    inv_h2 = 1.0 / bandwidth**2
    for rows in gen_row_chunks(queries.shape[0], 3 * 8 * n_points):
        q = queries[rows]
        t = (np.einsum("ij,ij->i", q, q)[:, None] + point_sq) - 2.0 * (q @ points.T)
        np.maximum(t, 0.0, out=t)
        t *= inv_h2
        log_k = kernel.log_value(t) + log_w
        top = np.max(log_k, axis=1, keepdims=True)
        top[~np.isfinite(top)] = 0.0
        k = np.exp(log_k - top)
        g = k * kernel.weight_ratio(t)
        g_sum = g.sum(axis=1)
        moved = g @ points
        ok = g_sum > 0
        denominator = np.where(ok, g_sum, 1.0)[:, None]
        shifted[rows] = np.where(ok[:, None], moved / denominator, q)
        with np.errstate(divide="ignore"):
            log_sums[rows] = top[:, 0] + np.log(k.sum(axis=1))
    return shifted, log_sums


def gaussian_step(queries, points, sample_weight, bandwidth, shift=True):
    """One Gaussian mean-shift step: GEMM, fused Numba weights, GEMM.

    The Gaussian kernel's mean-shift weight is proportional to the kernel, so
    the step is ``K P / K 1`` with ``K`` the kernel block: BLAS forms the cross
    products and the weighted sums, and one Numba pass per row turns cross
    products into weights (distance, log weight, running maximum, exp by a
    vectorisable polynomial), never running NumPy's eight elementwise passes.
    ``shift=False`` skips the second GEMM and returns the queries unmoved (for
    density evaluation only).
    """
    from ._kernels import gaussian_weights_inplace

    queries = np.ascontiguousarray(queries, dtype=np.float64)
    points = np.ascontiguousarray(points, dtype=np.float64)
    point_sq = np.einsum("ij,ij->i", points, points)
    with np.errstate(divide="ignore"):
        log_w = np.log(np.asarray(sample_weight, dtype=np.float64))
    shifted = np.empty_like(queries)
    log_sums = np.empty(queries.shape[0])
    half_inv_h2 = 0.5 / bandwidth**2
    for rows in gen_row_chunks(queries.shape[0], 8 * points.shape[0]):
        q = queries[rows]
        G = q @ points.T
        tops, sums = np.empty(G.shape[0]), np.empty(G.shape[0])
        gaussian_weights_inplace(G, np.einsum("ij,ij->i", q, q), point_sq, log_w,
                                 half_inv_h2, tops, sums)
        moved = G @ points if shift else q
        ok = sums > 0
        shifted[rows] = np.where(ok[:, None],
                                 moved / np.where(ok, sums, 1.0)[:, None], q)
        with np.errstate(divide="ignore"):
            log_sums[rows] = np.where(ok, tops + np.log(np.where(ok, sums, 1.0)),
                                      -np.inf)
    return shifted, log_sums


def step(queries, points, sample_weight, kernel, bandwidth, fused=None):
    """One mean-shift step.

    Gaussian kernel: :func:`gaussian_step` (GEMMs around a fused Numba pass) in
    any dimension. Other kernels: the fused Numba kernel in low dimension, the
    blocked NumPy path above ``FUSED_MAX_DIM``. ``fused=False`` forces the
    blocked NumPy path (the benchmark's reference).
    """
    if fused is None:
        fused = points.shape[1] <= FUSED_MAX_DIM or kernel.code == GAUSSIAN
    if fused and kernel.code == GAUSSIAN:
        return gaussian_step(queries, points, sample_weight, bandwidth)
    if fused:
        from ._kernels import mean_shift_step

        return mean_shift_step(
            np.ascontiguousarray(queries, dtype=np.float64),
            np.ascontiguousarray(points, dtype=np.float64),
            np.ascontiguousarray(sample_weight, dtype=np.float64),
            1.0 / bandwidth**2,
            kernel.code,
            kernel.beta,
        )
    return blocked_step(queries, points, sample_weight, kernel, bandwidth)


def mean_shift(starts, points, sample_weight, kernel, bandwidth, *, max_iter, tol,
               fused=None):
    """Run mean shift from every start until it moves less than ``tol * bandwidth``.

    Returns ``(positions, log_sums, n_iter)``, where ``log_sums`` is
    ``log sum_i w_i kappa(t_i)`` at the returned positions.
    """
    positions = np.array(starts, dtype=np.float64, copy=True)
    log_sums = np.full(positions.shape[0], -np.inf)
    active = np.arange(positions.shape[0])
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        shifted, sums = step(positions[active], points, sample_weight, kernel,
                             bandwidth, fused)
        moved = np.sqrt(((shifted - positions[active]) ** 2).sum(axis=1))
        positions[active] = shifted
        log_sums[active] = sums  # density at the previous position (a lower bound)
        active = active[moved > tol * bandwidth]
        if active.size == 0:
            break
    # Exact density at the final positions.
    _, log_sums = step(positions, points, sample_weight, kernel, bandwidth, fused)
    return positions, log_sums, n_iter


def log_kernel_sums(queries, points, sample_weight, kernel, bandwidth):
    """``log sum_i w_i kappa(||q - p_i||^2 / h^2)`` for every query."""
    if kernel.code == GAUSSIAN:
        return gaussian_step(queries, points, sample_weight, bandwidth,
                             shift=False)[1]
    return step(queries, points, sample_weight, kernel, bandwidth)[1]
