"""Ridge paths by reductions over rows: a row-chunked Dask ``X``, or a device array.

A ridge member needs only ``A^T A`` and ``A^T y`` of its design; the criteria need
row sums of squared residuals. Both are sums over row blocks, so ``X`` is read
block by block (Dask: never held whole) or reduced where it lives (array API:
never copied to the host), and only ``p x p`` matrices and the criteria's sums
reach the host:

* :func:`member_grams` — one pass gives every member's Gram matrix and
  cross-product (a member is a row selection: in each block, the rows of that
  block that belong to it, repeats included for the bootstrap);
* :func:`residual_sums` — one pass gives, for every member ``m``, the sums over
  rows of the squared residuals of member ``m``, of the mean of members ``1..m``,
  and of that mean over the union of their rows.

Squared residuals are in principle functions of Gram matrices too
(``||y - X b||^2 = y^T y - 2 b^T X^T y + b^T X^T X b``), but that expansion
cancels catastrophically when the fit is good; the second pass computes them
as the in-memory path does, so the two agree to rounding. The block functions are
written once against an array namespace: NumPy for Dask blocks, the input's
namespace on a device.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import (
    blas_threads,
    chunk_rows,
    device,
    is_dask_array,
    to_numpy,
    working_memory_budget,
)
from ..utils._dask import merge_pairwise

__all__ = ["block_sum", "check_block", "first_member", "member_grams",
           "namespace_quantiles", "residual_sums", "tree_sum"]


def block_sum(X, func, block_args, shape):
    """``sum_b func(X_b, *block_args(lo, hi))`` over the row blocks of ``X``.

    Each block's partial result (``shape``, float64) is computed where the block
    lives; the partials are summed pairwise (:func:`tree_sum`), so that a worker
    holds few of them at once. ``X`` is read once.
    """
    import dask

    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    bounds = np.cumsum((0,) + tuple(X.chunks[0]))
    parts = [
        dask.delayed(func)(block, *block_args(int(bounds[b]), int(bounds[b + 1])))
        for b, block in enumerate(X.to_delayed().ravel())
    ]
    return np.asarray(tree_sum(parts).compute(), dtype=np.float64).reshape(shape)


def tree_sum(parts):
    """The sum of delayed arrays, added pairwise (:func:`merge_pairwise`), so
    that a worker holds about ``log2(len(parts))`` partials, not many."""
    import operator

    import dask

    return merge_pairwise(parts, dask.delayed(operator.add))


def check_block(block):
    """A block of ``X`` in float64, or the ValueError for NaN or infinity."""
    block = np.asarray(block, dtype=np.float64)
    if not np.all(np.isfinite(block)):
        raise ValueError(
            "X contains NaN or infinity. Impute them first, for example with "
            "sklearn.impute.SimpleImputer."
        )
    return block


def _gram(block, y, rows, xp):
    """``[A^T A, A^T y]`` of the selection ``A`` of the block's rows, in ``y``'s
    (accumulation) dtype and namespace.

    The selection is copied a row chunk at a time (within the working memory), so
    that a member holding most of the block does not copy all of it at once.
    """
    p, t = block.shape[1], y.shape[1]
    step = chunk_rows(8 * (p + t), max_rows=max(block.shape[0], 1))
    gram = xp.zeros((p, p + t), dtype=y.dtype, device=device(y))
    for lo in range(0, rows.shape[0], step):
        sub = rows[lo:min(lo + step, rows.shape[0])]  # the spec's bounds
        A = xp.astype(xp.take(block, sub, axis=0), y.dtype, copy=False)
        gram = gram + xp.concat([A.T @ A, A.T @ xp.take(y, sub, axis=0)], axis=1)
    return gram


def _block_grams(block, y, selections):
    """(J, p, p + t) float64: :func:`_gram` of each selection of a Dask block."""
    block = check_block(block)
    xp = _numpy()
    out = np.empty((len(selections), block.shape[1], block.shape[1] + y.shape[1]))
    # blocks run in parallel (Dask's threads or workers): one BLAS thread each,
    # as the in-memory members do
    with blas_threads(1):
        for j, rows in enumerate(selections):
            out[j] = _gram(block, y, rows, xp)  # written in place: no stacked copy
    return out


def _numpy():
    import array_api_compat.numpy

    return array_api_compat.numpy


def member_grams(X, y, members):
    """``[A_m^T A_m, A_m^T y_m]`` of every member ``A_m = X[members[m]]``.

    Parameters
    ----------
    X : dask array or array-API array of shape (n_samples, n_features)
        A Dask ``X`` is reduced block by block; a device array on its device.
    y : ndarray of shape (n_samples, n_targets)
        In ``X``'s namespace and on its device for a device ``X`` (its dtype is
        the accumulation dtype).
    members : list of sorted int ndarrays
        Each member's rows (repeated for a row drawn more than once).

    Returns
    -------
    grams : ndarray of shape (n_members, n_features, n_features + n_targets)
        On the host, in float64.
    passes : int
        Block passes over ``X``: one, or more when the members' Gram matrices do
        not fit the working-memory budget together (members are then taken in
        groups, one pass each).
    """
    p, t = X.shape[1], y.shape[1]
    group = max(1, int(working_memory_budget() * 2**20 // (8 * p * (p + t))))
    grams = np.empty((len(members), p, p + t))
    passes = 0
    for start in range(0, len(members), group):
        chunk = members[start:start + group]
        if is_dask_array(X):
            def block_args(lo, hi, chunk=chunk):
                local = [idx[np.searchsorted(idx, lo):np.searchsorted(idx, hi)] - lo
                         for idx in chunk]
                return y[lo:hi], local

            grams[start:start + group] = block_sum(
                X, _block_grams, block_args, (len(chunk), p, p + t))
        else:
            xp, dev = _namespace(X)
            rows = [xp.asarray(idx, device=dev) for idx in chunk]
            grams[start:start + group] = to_numpy(
                xp.stack([_gram(X, y, r, xp) for r in rows]))
        passes += 1
    return grams, passes


def _namespace(X):
    import array_api_compat

    return array_api_compat.array_namespace(X), device(X)


def first_member(n, members):
    """For every row, the index of the first member holding it (``len(members)``
    for rows of none): row ``i`` is in the union of members ``0..m`` iff
    ``first[i] <= m``."""
    first = np.full(n, len(members), dtype=np.int32)
    for m in range(len(members) - 1, -1, -1):
        first[members[m]] = m
    return first


def _size_sums(block, y, coef, first, L, xp):
    """(3, m, L t): squared residuals of each member, of the running means and of
    the running means on the running union, summed over the block's rows."""
    m, p, lt = coef.shape
    fitted = xp.reshape(block @ xp.reshape(xp.permute_dims(coef, (1, 0, 2)),
                                           (p, m * lt)), (-1, m, lt))
    resid = xp.concat([y] * L, axis=1)[:, None, :] - fitted
    # the running sums in member order, as the in-memory path accumulates them
    steps = xp.arange(1, m + 1, dtype=block.dtype, device=device(block))
    mean = xp.cumulative_sum(resid, axis=1) / steps[None, :, None]
    sq = mean * mean
    if first is None:
        union = xp.sum(sq, axis=0)
    else:
        inside = first[:, None] <= xp.arange(m, device=device(block))[None, :]
        union = xp.sum(sq * xp.astype(inside, sq.dtype)[:, :, None], axis=0)
    return xp.stack([xp.sum(resid * resid, axis=0), xp.sum(sq, axis=0), union])


def _row_sums(X, y, coefs, firsts, L, xp):
    """:func:`_size_sums` of every grid row over ``X``'s rows, in row chunks
    within the working memory, flattened."""
    width = max(coef.shape[0] * coef.shape[2] for coef in coefs)
    step = chunk_rows(4 * 8 * width, max_rows=max(X.shape[0], 1))
    parts = []
    for coef, first in zip(coefs, firsts):
        total = xp.zeros((3,) + coef.shape[::2], dtype=y.dtype, device=device(y))
        for lo in range(0, X.shape[0], step):
            hi = min(lo + step, X.shape[0])
            total = total + _size_sums(
                xp.astype(X[lo:hi, :], y.dtype), y[lo:hi, :], coef,
                None if first is None else first[lo:hi], L, xp)
        parts.append(xp.reshape(total, (-1,)))
    return xp.concat(parts)


def _block_residuals(block, y, coefs, firsts, L):
    with blas_threads(1):
        return np.asarray(_row_sums(check_block(block), y, coefs, firsts, L,
                                    _numpy()))


def residual_sums(X, y, coefs, firsts, L):
    """Row sums of squared residuals for every ensemble size, in one pass.

    Parameters
    ----------
    X : dask array or array-API array of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_targets)
        As in :func:`member_grams`.
    coefs : list of ndarray of shape (n_members, n_features, L * n_targets)
        Per grid row, every member's coefficients (columns ordered (penalty,
        target)).
    firsts : list of ndarray of shape (n_samples,) or None
        Per grid row, :func:`first_member` of its members (``None``: no union).
    L : int
        Penalties.

    Returns
    -------
    sums : list of ndarray of shape (3, n_members, L * n_targets)
        Per grid row: the member's own residuals, the mean of members ``0..m``,
        and that mean on the union of their rows.
    """
    sizes = [3 * coef.shape[0] * coef.shape[2] for coef in coefs]
    if is_dask_array(X):
        flat = block_sum(
            X, _block_residuals,
            lambda lo, hi: (y[lo:hi], coefs,
                            [None if f is None else f[lo:hi] for f in firsts], L),
            (sum(sizes),))
    else:
        xp, dev = _namespace(X)
        flat = to_numpy(_row_sums(
            X, y, [xp.asarray(coef, dtype=y.dtype, device=dev) for coef in coefs],
            [None if f is None else xp.asarray(f, device=dev) for f in firsts],
            L, xp))
    bounds = np.cumsum([0] + sizes)
    return [flat[bounds[i]:bounds[i + 1]].reshape(3, coef.shape[0], coef.shape[2])
            for i, coef in enumerate(coefs)]



def namespace_quantiles(values, levels, dtype):
    """NumPy's default (linear) quantiles of ``values`` over rows, on their device.

    Parameters
    ----------
    values : array of shape (n, t)
        In an array-API namespace.
    levels : sequence of float in [0, 1]
    dtype : dtype
        Of the result.

    Returns
    -------
    q : array of shape (len(levels), t)
    """
    import array_api_compat

    xp = array_api_compat.array_namespace(values)
    ordered = xp.sort(values, axis=0)
    n = ordered.shape[0]
    rows = []
    for level in levels:
        pos = level * (n - 1)
        lo = int(np.floor(pos))
        hi = min(lo + 1, n - 1)
        rows.append(ordered[lo, :] + (ordered[hi, :] - ordered[lo, :]) * (pos - lo))
    return xp.astype(xp.stack(rows), dtype)
