"""KDEMode on a row-chunked dask array: every sum over the points a block reduction.

The points (the standardised rows of ``X``) stay a lazy dask array; each
function here reads them once, block by block, reduces each block to a small
state on the workers (per query: a log-scale and a few sums) and merges the
states pairwise, so only ``n_queries x n_features`` numbers ever travel.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils._dask import merge_pairwise

__all__ = ["lazy_log_sums", "reduce_rows", "row_slices"]


def row_slices(X):
    """The row slice of each block of a dask array chunked by rows."""
    bounds = np.cumsum((0,) + tuple(X.chunks[0]))
    return [slice(int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]


def reduce_rows(fn, merge, arrays, sample_weight, *args):
    """``fn(*blocks, weights, *args)`` over the row blocks, merged by ``merge``.

    ``arrays`` are dask arrays with the same row chunks (one column chunk);
    ``sample_weight`` is an in-memory vector. One pass over the arrays.
    """
    import dask

    blocks = [a.to_delayed().ravel() for a in arrays]
    parts = [dask.delayed(fn)(*(b[i] for b in blocks), sample_weight[rows], *args)
             for i, rows in enumerate(row_slices(arrays[0]))]
    return dask.delayed(merge_pairwise)(parts, merge).compute()


def lazy_log_sums(block_log_sums, queries, points, sample_weight):
    """Lazy ``log sum_i w_i kappa(t_i)`` of a dask ``queries`` over ``points``.

    ``block_log_sums(q, p, w)`` computes it for in-memory blocks. ``points``
    in memory: one task per query block. ``points`` a dask array: one task per
    (query block, point block) pair, merged by ``logaddexp`` over the point
    blocks; the result has the chunks of ``queries``' rows.
    """
    import dask.array as da

    queries = queries.rechunk({1: -1})
    if not hasattr(points, "chunks"):
        return queries.map_blocks(block_log_sums, points, sample_weight,
                                  drop_axis=1, dtype=np.float64)
    parts = [da.blockwise(block_log_sums, "i", queries, "ij", points.blocks[k],
                          "kj", sample_weight[rows], None, dtype=np.float64,
                          concatenate=True)
             for k, rows in enumerate(row_slices(points))]
    return merge_pairwise(parts, da.logaddexp)
