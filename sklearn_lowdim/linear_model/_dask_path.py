"""Block reductions over a row-chunked Dask ``X`` for the ridge paths.

A ridge member needs only ``A^T A`` and ``A^T y`` of its design; the criteria need
row sums of squared residuals. Both are sums over row blocks, so a Dask ``X`` is
read block by block and never held whole:

* :func:`member_grams` — one pass gives every member's Gram matrix and
  cross-product (a member is a row selection: in each block, the rows of that
  block that belong to it, repeats included for the bootstrap);
* :func:`residual_sums` — one pass gives, for every member ``m``, the sums over
  rows of the squared residuals of member ``m``, of the mean of members ``1..m``,
  and of that mean over the union of their rows.

Squared residuals are in principle functions of Gram matrices too
(``||y - X b||^2 = y^T y - 2 b^T X^T y + b^T X^T X b``), but that expansion
cancels catastrophically when the fit is good; the second pass computes them
as the in-memory path does, so the two agree to rounding.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import chunk_rows, working_memory_budget

__all__ = ["block_sum", "check_block", "first_member", "member_grams",
           "residual_sums"]


def block_sum(X, func, block_args, shape):
    """``sum_b func(X_b, *block_args(lo, hi))`` over the row blocks of ``X``.

    Each block's partial result (``shape``, float64) is computed where the block
    lives; the partials are summed by a tree reduction. ``X`` is read once.
    """
    import dask
    import dask.array as da

    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    bounds = np.cumsum((0,) + tuple(X.chunks[0]))
    parts = [
        da.from_delayed(
            dask.delayed(func)(block, *block_args(int(bounds[b]), int(bounds[b + 1]))),
            shape=shape, dtype=np.float64)
        for b, block in enumerate(X.to_delayed().ravel())
    ]
    return np.asarray(da.stack(parts).sum(axis=0).compute())


def check_block(block):
    """A block of ``X`` in float64, or the ValueError for NaN or infinity."""
    block = np.asarray(block, dtype=np.float64)
    if not np.all(np.isfinite(block)):
        raise ValueError(
            "X contains NaN or infinity. Impute them first, for example with "
            "sklearn.impute.SimpleImputer."
        )
    return block


def _block_grams(block, y, selections):
    block = check_block(block)
    p = block.shape[1]
    out = np.zeros((len(selections), p, p + y.shape[1]))
    for j, rows in enumerate(selections):
        if rows.size:
            A = block[rows]
            out[j, :, :p] = A.T @ A
            out[j, :, p:] = A.T @ y[rows]
    return out


def member_grams(X, y, members):
    """``[A_m^T A_m, A_m^T y_m]`` of every member ``A_m = X[members[m]]``.

    Parameters
    ----------
    X : dask array of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_targets)
    members : list of sorted int ndarrays
        Each member's rows (repeated for a row drawn more than once).

    Returns
    -------
    grams : ndarray of shape (n_members, n_features, n_features + n_targets)
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

        def block_args(lo, hi, chunk=chunk):
            local = [idx[np.searchsorted(idx, lo):np.searchsorted(idx, hi)] - lo
                     for idx in chunk]
            return y[lo:hi], local

        grams[start:start + group] = block_sum(
            X, _block_grams, block_args, (len(chunk), p, p + t))
        passes += 1
    return grams, passes


def first_member(n, members):
    """For every row, the index of the first member holding it (``len(members)``
    for rows of none): row ``i`` is in the union of members ``0..m`` iff
    ``first[i] <= m``."""
    first = np.full(n, len(members), dtype=np.int32)
    for m in range(len(members) - 1, -1, -1):
        first[members[m]] = m
    return first


def _size_sums(block, y, coef, first, L):
    """(3, m, L t): squared residuals of each member, of the running means and of
    the running means on the running union, summed over the block's rows."""
    m, p, lt = coef.shape
    resid = np.tile(y, (1, L))[:, None, :] - (block @ coef.transpose(1, 0, 2).reshape(
        p, m * lt)).reshape(-1, m, lt)
    out = np.empty((3, m, lt))
    out[0] = np.einsum("nml,nml->ml", resid, resid)
    # the running sums in member order, as the in-memory path accumulates them
    mean = np.cumsum(resid, axis=1) / np.arange(1, m + 1)[None, :, None]
    sq = mean * mean
    out[1] = sq.sum(axis=0)
    if first is None:
        out[2] = out[1]
    else:
        inside = (first[:, None] <= np.arange(m)[None, :]).astype(np.float64)
        out[2] = np.einsum("nml,nm->ml", sq, inside)
    return out


def _block_residuals(block, y, coefs, firsts, L):
    block = check_block(block)
    width = max(coef.shape[0] * coef.shape[2] for coef in coefs)
    step = chunk_rows(4 * 8 * width, max_rows=max(block.shape[0], 1))
    parts = []
    for coef, first in zip(coefs, firsts):
        total = 0.0
        for lo in range(0, block.shape[0], step):
            rows = slice(lo, lo + step)
            total = total + _size_sums(block[rows], y[rows], coef,
                                       None if first is None else first[rows], L)
        parts.append(np.broadcast_to(total, (3,) + coef.shape[::2]).ravel())
    return np.concatenate(parts)


def residual_sums(X, y, coefs, firsts, L):
    """Row sums of squared residuals for every ensemble size, in one pass.

    Parameters
    ----------
    X : dask array of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_targets)
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
    flat = block_sum(X, _block_residuals,
                     lambda lo, hi: (y[lo:hi], coefs,
                                     [None if f is None else f[lo:hi] for f in firsts],
                                     L),
                     (sum(sizes),))
    bounds = np.cumsum([0] + sizes)
    return [flat[bounds[i]:bounds[i + 1]].reshape(3, coef.shape[0], coef.shape[2])
            for i, coef in enumerate(coefs)]

