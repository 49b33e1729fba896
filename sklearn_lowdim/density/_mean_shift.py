"""Mean shift for any radial kernel, as mergeable sums over blocks of points.

One mean-shift step from queries ``q`` needs, over the points ``p_i``, the sums
of ``w_i kappa(t_i)`` (the density), ``w_i g(t_i)`` and ``w_i g(t_i) p_i``.
:func:`kernel_partials` computes them over one block of points, scaled by the
block's largest log term; :func:`merge_partials` merges blocks; a step is
:func:`finish_step` of the merge. In memory the points are one block: NumPy
runs a fused Numba kernel or GEMMs around a Numba pass, any other array
namespace runs the same formulas with its own operations on its device. For a
row-chunked dask array each step is one block reduction (one pass over the
points, :mod:`._dask_support`).
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from typing import NamedTuple

import numpy as np

from ..utils import (
    device,
    gen_row_chunks,
    get_namespace,
    is_dask_array,
    is_numpy_namespace,
)
from ._kernel_functions import GAUSSIAN

# Up to this dimension the fused Numba kernel beats GEMM + elementwise work;
# above it the distance computation is BLAS-bound and the blocked path wins.
FUSED_MAX_DIM = 64


class Partial(NamedTuple):
    """Sums over a block of points, scaled by ``exp(-top)`` per query."""

    top: object
    kernel_sum: object
    weight_sum: object
    numerator: object


def _concat(parts, xp):
    """Concatenate per-chunk partials along the queries."""
    if len(parts) == 1:
        return parts[0]
    return Partial(*(xp.concat([getattr(p, f) for p in parts], axis=0)
                     for f in Partial._fields))


def _xp_partials(queries, points, values, log_w, kernel, bandwidth, xp):
    """Partials by GEMM distances and the kernel in the namespace ``xp``."""
    point_sq = xp.sum(points * points, axis=1)
    t = (xp.sum(queries * queries, axis=1)[:, None] + point_sq[None, :]
         - 2.0 * (queries @ xp.matrix_transpose(points)))
    t = xp.maximum(t, xp.zeros_like(t)) / bandwidth**2
    log_k = kernel.log_value(t, xp) + log_w[None, :]
    top = xp.max(log_k, axis=1)
    finite = xp.isfinite(top)
    k = xp.exp(log_k - xp.where(finite, top, xp.zeros_like(top))[:, None])
    g = k * kernel.weight_ratio(t, xp)
    top = xp.where(finite, top, xp.full_like(top, -xp.inf))
    return Partial(top, xp.sum(k, axis=1), xp.sum(g, axis=1), g @ values)


def _gaussian_partials(queries, points, values, log_w, bandwidth):
    """Gaussian partials: GEMM, a fused Numba pass per row, GEMM.

    The Gaussian weight is proportional to the kernel, so its weight sum is
    the kernel sum (the factor 1/2 cancels in the step): BLAS forms the cross
    products and the weighted sums, one Numba pass per row turns cross
    products into weights (distance, log weight, running maximum, exp by a
    vectorisable polynomial), never running NumPy's eight elementwise passes.
    """
    from ._kernels import gaussian_weights_inplace

    point_sq = np.einsum("ij,ij->i", points, points)
    G = queries @ points.T
    tops, sums = np.empty(G.shape[0]), np.empty(G.shape[0])
    gaussian_weights_inplace(G, np.einsum("ij,ij->i", queries, queries), point_sq,
                             log_w, 0.5 / bandwidth**2, tops, sums)
    return Partial(tops, sums, sums, G @ values)


def kernel_partials(queries, points, sample_weight, kernel, bandwidth, *,
                    values=None, fused=None):
    """:class:`Partial` sums of every query over one block of points.

    Distances are measured to ``points``; the numerator sums ``values``
    (default: ``points``; the unsketched points when lifting from a sketch; an
    array without columns for the density only). ``points`` should be centred
    so that ``|q|^2 + |p|^2 - 2 q.p`` does not cancel. NumPy: the Gaussian
    kernel runs GEMMs around a Numba pass in any dimension, other kernels the
    fused Numba kernel up to ``FUSED_MAX_DIM`` dimensions (``fused=False``
    forces GEMMs, the benchmark's reference); other namespaces run the GEMM
    form on their device. Queries are processed in chunks within the working
    memory budget.
    """
    xp, _ = get_namespace(queries, points)
    values = points if values is None else values
    numpy = is_numpy_namespace(xp)
    if numpy:
        queries, points, values = (np.ascontiguousarray(a, dtype=np.float64)
                                   for a in (queries, points, values))
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
    if fused is None:
        fused = points.shape[1] <= FUSED_MAX_DIM or kernel.code == GAUSSIAN
    if numpy and fused and kernel.code != GAUSSIAN:
        from ._kernels import kernel_partials as numba_partials

        return Partial(*numba_partials(queries, points, values, sample_weight,
                                       1.0 / bandwidth**2, kernel.code, kernel.beta))
    with np.errstate(divide="ignore"):
        log_w = xp.log(sample_weight)
    parts = []
    for rows in gen_row_chunks(queries.shape[0], 3 * 8 * points.shape[0]):
        if numpy and fused:
            parts.append(_gaussian_partials(queries[rows], points, values, log_w,
                                            bandwidth))
        else:
            parts.append(_xp_partials(queries[rows, ...], points, values, log_w,
                                      kernel, bandwidth, xp))
    return _concat(parts, xp)


def merge_partials(a, b):
    """Sums over the union of two blocks of points (NumPy partials)."""
    top = np.maximum(a.top, b.top)
    with np.errstate(invalid="ignore"):
        scale_a = np.where(np.isfinite(a.top), np.exp(a.top - top), 0.0)
        scale_b = np.where(np.isfinite(b.top), np.exp(b.top - top), 0.0)
    return Partial(top, a.kernel_sum * scale_a + b.kernel_sum * scale_b,
                   a.weight_sum * scale_a + b.weight_sum * scale_b,
                   a.numerator * scale_a[:, None] + b.numerator * scale_b[:, None])


def finish_step(queries, partial):
    """``(shifted, log_sums)`` from merged partials.

    A query with no weight on any point (box kernel, far away) stays put and
    gets ``log_sums = -inf``.
    """
    xp, _ = get_namespace(queries)
    ok = partial.weight_sum > 0
    denominator = xp.where(ok, partial.weight_sum, xp.ones_like(partial.weight_sum))
    moved = partial.numerator / denominator[:, None]
    if moved.shape[1] == 0:  # the density only
        shifted = queries
    elif moved.shape[1] == queries.shape[1]:
        shifted = xp.where(ok[:, None], moved, xp.astype(queries, moved.dtype))
    else:  # lifting from a sketch: every weight is positive there
        shifted = moved
    has_mass = partial.kernel_sum > 0
    safe = xp.where(has_mass, partial.kernel_sum, xp.ones_like(partial.kernel_sum))
    log_sums = xp.where(has_mass, partial.top + xp.log(safe),
                        xp.full_like(partial.top, -xp.inf))
    return shifted, log_sums


def step(queries, points, sample_weight, kernel, bandwidth, fused=None, *,
         values=None, shift=True):
    """One mean-shift step: ``(shifted queries, log sum_i w_i kappa(t_i))``.

    ``points`` may be a row-chunked dask array (``values`` too, with the same
    chunks): the step is then one block reduction over its rows. ``shift=False``
    returns the queries unmoved (density only).
    """
    if not shift:
        xp, _ = get_namespace(queries)
        values = None if is_dask_array(points) else xp.zeros(
            (points.shape[0], 0), dtype=queries.dtype, device=device(queries))
    if is_dask_array(points):
        partial = dask_partials(queries, points, sample_weight, kernel, bandwidth,
                                values=values, fused=fused, shift=shift)
    else:
        partial = kernel_partials(queries, points, sample_weight, kernel,
                                  bandwidth, values=values, fused=fused)
    return finish_step(queries, partial)


def _block_partials(points, values, sample_weight, queries, kernel, bandwidth,
                    fused, shift):
    points = np.asarray(points, dtype=np.float64)
    if not shift:
        values = np.zeros((points.shape[0], 0))
    return kernel_partials(queries, points, sample_weight, kernel, bandwidth,
                           values=None if values is None else np.asarray(values),
                           fused=fused)


def dask_partials(queries, points, sample_weight, kernel, bandwidth, *,
                  values=None, fused=None, shift=True):
    """:class:`Partial` sums of the queries over a dask ``points``.

    One pass over ``points`` (and ``values``, the unsketched points when
    lifting, read in the same pass): each block reduced on the workers,
    the partials merged pairwise.
    """
    from ._dask_support import reduce_rows

    queries = np.asarray(queries, dtype=np.float64)
    if values is None or not shift:
        return reduce_rows(
            lambda p, w, *a: _block_partials(p, None, w, *a), merge_partials,
            [points], sample_weight, queries, kernel, bandwidth, fused, shift)
    return reduce_rows(_block_partials, merge_partials, [points, values],
                       sample_weight, queries, kernel, bandwidth, fused, shift)


def blocked_step(queries, points, sample_weight, kernel, bandwidth):
    """One mean-shift step by GEMMs and NumPy's elementwise kernel (the reference)."""
    return step(queries, points, sample_weight, kernel, bandwidth, fused=False)


def gaussian_step(queries, points, sample_weight, bandwidth, shift=True):
    """One Gaussian mean-shift step (GEMM, Numba weights, GEMM)."""
    from ._kernel_functions import make_kernel

    return step(queries, points, sample_weight, make_kernel("gaussian"), bandwidth,
                True, shift=shift)


def mean_shift(starts, points, sample_weight, kernel, bandwidth, *, max_iter, tol,
               fused=None):
    """Run mean shift from every start until it moves less than ``tol * bandwidth``.

    Returns ``(positions, log_sums, n_iter)``, where ``log_sums`` is
    ``log sum_i w_i kappa(t_i)`` at the returned positions. Starts that have
    stopped leave the active set, so each step costs only the moving ones; a
    dask ``points`` costs one pass over its rows per step, plus one for the
    final densities.
    """
    xp, _ = get_namespace(starts)
    positions = xp.asarray(starts, copy=True)
    index = xp.arange(positions.shape[0], device=device(positions))
    done_index, done_positions = [], []
    n_iter = 0
    for n_iter in range(1, max_iter + 1):
        shifted, _ = step(positions, points, sample_weight, kernel, bandwidth, fused)
        moved = xp.sqrt(xp.sum((shifted - positions) ** 2, axis=1))
        moving = moved > tol * bandwidth
        done_index.append(index[~moving])
        done_positions.append(shifted[~moving])
        positions, index = shifted[moving], index[moving]
        if positions.shape[0] == 0:
            break
    done_index.append(index)
    done_positions.append(positions)
    order = xp.argsort(xp.concat(done_index))
    positions = xp.take(xp.concat(done_positions, axis=0), order, axis=0)
    # Exact density at the final positions.
    log_sums = log_kernel_sums(positions, points, sample_weight, kernel, bandwidth)
    return positions, log_sums, n_iter


def block_log_sums(queries, points, sample_weight, *, kernel, bandwidth):
    """:func:`log_kernel_sums` of in-memory blocks (of dask arrays), in float64."""
    return log_kernel_sums(np.asarray(queries, dtype=np.float64),
                           np.asarray(points, dtype=np.float64), sample_weight,
                           kernel, bandwidth)


def log_kernel_sums(queries, points, sample_weight, kernel, bandwidth):
    """``log sum_i w_i kappa(||q - p_i||^2 / h^2)`` for every query."""
    return step(queries, points, sample_weight, kernel, bandwidth, shift=False)[1]


def _packed_block(queries, moving, points, sample_weight, kernel, bandwidth):
    """Partials of the moving queries over one block, packed in one array.

    Columns: top, kernel sum, weight sum, numerator; rows that have stopped
    get an empty state (they are not moved again).
    """
    queries = np.asarray(queries, dtype=np.float64)
    packed = np.zeros((queries.shape[0], 3 + queries.shape[1]))
    packed[:, 0] = -np.inf
    rows = np.flatnonzero(moving)
    if rows.size:
        part = kernel_partials(queries[rows], np.asarray(points, dtype=np.float64),
                               sample_weight, kernel, bandwidth)
        packed[rows, 0], packed[rows, 1], packed[rows, 2] = part[:3]
        packed[rows, 3:] = part.numerator
    return packed


def _merge_packed(a, b):
    merged = merge_partials(Partial(a[:, 0], a[:, 1], a[:, 2], a[:, 3:]),
                            Partial(b[:, 0], b[:, 1], b[:, 2], b[:, 3:]))
    return np.column_stack([merged.top, merged.kernel_sum, merged.weight_sum,
                            merged.numerator])


def _advance(queries, moving, packed, threshold):
    """One step of the moving rows: new positions and which still move."""
    part = Partial(packed[:, 0], packed[:, 1], packed[:, 2], packed[:, 3:])
    shifted, _ = finish_step(queries, part)
    shifted = np.where(moving[:, None], shifted, queries)
    moved = np.sqrt(((shifted - queries) ** 2).sum(axis=1))
    return np.column_stack([shifted, moving & (moved > threshold)])


def lazy_mean_shift(queries, points, sample_weight, kernel, bandwidth, *, max_iter,
                    tol):
    """Where mean shift from every row of a dask ``queries`` stops (lazy).

    ``points`` is a row-chunked dask array. Each of the ``max_iter`` steps is
    one task per (query block, point block) pair on the rows still moving,
    merged per query block: ``max_iter`` passes over ``points``, never more
    than a query block and a point block in one task. A row stops as in
    :func:`mean_shift` (the same positions), the others run on.
    """
    import dask.array as da

    from ..utils._dask import merge_pairwise
    from ._dask_support import row_slices

    queries = queries.rechunk({1: -1})
    d = queries.shape[1]
    moving = da.ones(queries.shape[0], dtype=bool, chunks=(queries.chunks[0],))
    for _ in range(max_iter):
        parts = [da.blockwise(_packed_block, "ia", queries, "ij", moving, "i",
                              points.blocks[k], "kl", sample_weight[rows], None,
                              kernel, None, bandwidth, None, dtype=np.float64,
                              new_axes={"a": 3 + d}, concatenate=True)
                 for k, rows in enumerate(row_slices(points))]
        state = da.blockwise(_advance, "ib", queries, "ij", moving, "i",
                             merge_pairwise(parts, _pair), "ia", tol * bandwidth, None,
                             dtype=np.float64, new_axes={"b": d + 1},
                             concatenate=True)
        queries, moving = state[:, :d], state[:, d] > 0
    return queries


def _pair(a, b):
    import dask.array as da

    return da.map_blocks(_merge_packed, a, b, dtype=np.float64)
