"""Standardisation of an l_p regression problem and its objective over all rows.

Both run on NumPy arrays or on a device (array-API arrays): the per-column
statistics (``d`` numbers) come to the host; the rows stay where they are.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import get_namespace, to_numpy
from . import _linalg
from ._backend import put_like
from ._linalg import row_chunks

__all__ = ["standardise", "full_objective", "block_power_sum", "merge_power_sums"]


def _weighted_scale(Z, w, total):
    """Weighted root mean square of the columns of ``Z`` (1 where it is 0)."""
    xp, _ = get_namespace(Z)
    sq = np.zeros(Z.shape[1])
    for rows in row_chunks(Z.shape[0], 8 * 2 * Z.shape[1]):
        sq += to_numpy(w[rows] @ xp.square(Z[rows, :]))
    scale = np.sqrt(sq / total)
    scale[~(scale > 0) | ~np.isfinite(scale)] = 1.0
    return scale


def _max_abs(Z):
    """Largest magnitude of each column (1 for a zero column), on the host."""
    xp, _ = get_namespace(Z)
    m = to_numpy(xp.max(xp.abs(Z), axis=0)) if Z.shape[0] else np.ones(Z.shape[1])
    return np.where(m > 0, m, 1.0)


def _centre_and_scale(Z, w, total, centre):
    """Centre (optionally) and scale the columns of ``Z`` in place.

    Dividing by the largest magnitude first keeps the weighted sums inside
    float64 for any units (1e-300 to 1e300). Returns ``(mean, scale)`` with
    ``Z_new = (Z_old - mean) / scale``.
    """
    first = _max_abs(Z)
    Z /= put_like(first, Z)
    mean = to_numpy(w @ Z) / total if centre else np.zeros(Z.shape[1])
    Z -= put_like(mean, Z)
    second = _weighted_scale(Z, w, total)
    Z /= put_like(second, Z)
    return mean * first, first * second


def standardise(X, y, w, fit_intercept):
    """``(Z, y_z, (x_mean, x_scale, y_mean, y_scale))`` for the solvers.

    ``Z = [(X - x_mean) / x_scale, 1]`` (without the ones column and the
    centring when there is no intercept) and ``y_z = (y - y_mean) / y_scale``.
    The l_p problem in these variables has the same minimiser up to the affine
    map undone in :meth:`LpRegression._solve`; the centring is what keeps
    features with a large common offset from losing their digits in the
    normal equations of the IRLS steps. One copy of ``X`` (two on a device,
    where the ones column is appended after the scaling).
    """
    n, d = X.shape
    xp = _linalg.namespace_of(X)
    total = float(get_namespace(w)[0].sum(w))
    if xp is None:
        Z = np.empty((n, d + int(fit_intercept)))
        Z[:, :d] = X
        x_mean, x_scale = _centre_and_scale(Z[:, :d], w, total, fit_intercept)
        if fit_intercept:
            Z[:, d] = 1.0
        yz = np.array(y, dtype=np.float64)[:, None]
    else:
        Z = xp.astype(X, xp.float64, copy=True)
        x_mean, x_scale = _centre_and_scale(Z, w, total, fit_intercept)
        if fit_intercept:
            ones = xp.ones((n, 1), dtype=Z.dtype, device=Z.device)
            Z = xp.concat([Z, ones], axis=1)
        yz = xp.reshape(xp.astype(y, xp.float64, copy=True), (n, 1))
    y_mean, y_scale = _centre_and_scale(yz, w, total, fit_intercept)
    return Z, yz[:, 0], (x_mean, x_scale, float(y_mean[0]), float(y_scale[0]))


def block_power_sum(Xb, yb, wb, coef, intercept, p):
    """``(m, s)`` with ``sum_i w_i |y_i - x_i coef - b|^p = s * m^p`` on a block.

    ``m`` is the block's largest residual magnitude, so ``s`` stays in range for
    any units; blocks merge with :func:`merge_power_sums`. ``coef`` is a
    float64 host vector; the block may live on a device.
    """
    xp, _ = get_namespace(Xb)
    Xb = xp.astype(Xb, xp.float64)
    r = xp.abs(yb - Xb @ put_like(coef, Xb) - intercept)
    m = float(xp.max(r)) if r.shape[0] else 0.0
    if m == 0.0:
        return 0.0, 0.0
    s = 1.0 if wb is None else wb
    return m, float(xp.sum(s * (r / m) ** p))


def merge_power_sums(parts, p):
    """The objective ``s * m^p`` from the ``(m, s)`` of the blocks."""
    top = max((m for m, _ in parts), default=0.0)
    if top == 0.0:
        return 0.0
    total = sum(s * (m / top) ** p for m, s in parts if m > 0)
    with np.errstate(over="warn"):
        return float(np.float64(total) * np.float64(top) ** p)


def full_objective(X, y, w, coef, intercept, p):
    """``sum_i w_i |y_i - x_i coef - b|^p`` over all rows of ``X`` (one pass).

    ``coef`` is the float64 host vector of the fit; ``w`` may be ``None``.
    """
    coef = np.asarray(to_numpy(coef), dtype=np.float64)
    parts = [
        block_power_sum(X[rows, :], y[rows], None if w is None else w[rows],
                        coef, intercept, p)
        for rows in row_chunks(X.shape[0], 8 * (X.shape[1] + 3))
    ]
    return merge_power_sums(parts, p)
