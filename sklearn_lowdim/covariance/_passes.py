"""The block passes of :class:`GaussianStatistics` over the rows of ``X``.

Rows are centred by their class means block by block (in input order for narrow
rows, gathered by class for wide ones) and handed on to the products that
accumulate the scatter; per-class factors are collected and compressed here too.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.sparse as sp

from ..utils._validation import raise_not_finite
from . import _kernels


def _onehot(y_idx, n_classes, weights):
    n = y_idx.shape[0]
    return sp.csr_matrix(
        (weights, (y_idx, np.arange(n))), shape=(n_classes, n), dtype=np.float64
    )


# Rows of at least 512 bytes are gathered in class order as cheaply as they
# stream; narrower rows stream in their own order after a separate sum pass.
_CLASS_ORDER_MIN_FEATURES = 64


def _streamed_blocks(X, y, w, stats, chunk):
    """Yield ``(rows, X[rows] - means[y[rows]])`` in input order.

    The class sums come first (one sparse one-hot product over all of X)."""
    sums = np.asarray(_onehot(y, stats.n_classes, w) @ X, dtype=np.float64)
    if not np.all(np.isfinite(sums)):
        raise_not_finite(X)
    nz = stats.counts > 0
    stats.means[nz] = sums[nz] / stats.counts[nz, None]
    buffer = np.empty((min(chunk, X.shape[0]), X.shape[1]))
    for start in range(0, X.shape[0], chunk):
        rows = slice(start, min(start + chunk, X.shape[0]))
        Xc = buffer[: rows.stop - rows.start]
        _kernels.centre_and_square(X[rows], y[rows], stats.means, w[rows], Xc,
                                   stats.sq_dev)
        yield rows, Xc


def _class_ordered_blocks(X, y, w, stats, chunk):
    """Yield ``(rows, X[rows] - means[y[rows]])`` with the rows grouped by class.

    Each class's mean is computed just before its rows are centred, while they are
    in cache (see ``centre_in_class_order``), so X is read from memory once; the
    scatter, a sum over rows, does not depend on their order."""
    if X.shape[0] == 0:
        return
    order = np.argsort(y, kind="stable")
    bounds = np.zeros(stats.n_classes + 1, dtype=np.intp)
    np.cumsum(np.bincount(y, minlength=stats.n_classes), out=bounds[1:])
    buffer = np.empty((min(chunk, X.shape[0]), X.shape[1]))
    state = np.zeros(2, dtype=np.intp)
    while state[0] < stats.n_classes:
        first = state[1]
        n_rows = _kernels.centre_in_class_order(
            X, order, bounds, w, stats.counts, stats.means, stats.sq_dev, buffer,
            state)
        if n_rows:
            yield order[first : first + n_rows], buffer[:n_rows]
    # a NaN or infinity anywhere in X reached its class's mean (or raw sum)
    if not np.all(np.isfinite(stats.means)):
        raise_not_finite(X)


def _syrk_update(block, scatter, product):
    """``scatter += block^T block``, the product written into ``product``.

    NumPy runs ``a.T @ a`` as a BLAS ``syrk``. It is NumPy's BLAS on purpose: a
    second multithreaded BLAS (SciPy's) in the same loop fights NumPy's idle,
    still-spinning threads for the cores (measured: 2x slower calls)."""
    if block.shape[0]:
        np.matmul(block.T, block, out=product)
        scatter += product
    return scatter


def _collect_class_rows(Xc, yc, parts):
    """Append copies of each class's (centred, weighted) rows to ``parts[k]``."""
    order = np.argsort(yc, kind="stable")
    ys = yc[order]
    cuts = np.flatnonzero(np.diff(ys)) + 1
    for idx in np.split(order, cuts):
        if idx.size:
            parts[yc[idx[0]]].append(Xc[idx])


def _compress_factor(blocks, n_features):
    """One factor ``R`` with ``R^T R = sum_b B_b^T B_b``, at most d rows.

    Classes with fewer rows than features keep their rows (the spectrum is then
    a thin SVD); larger ones keep the triangular factor of a QR."""
    blocks = [b for b in blocks if b.shape[0]]
    if not blocks:
        return np.zeros((0, n_features))
    R = np.concatenate(blocks, axis=0) if len(blocks) > 1 else blocks[0].copy()
    if R.shape[0] > n_features:
        R = np.linalg.qr(R, mode="r")
    return R
