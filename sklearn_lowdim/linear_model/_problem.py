"""The checked, weighted and rescaled least-squares problem both ridge paths solve."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np
import scipy.sparse as sp

from ..utils import (
    accumulation_dtype,
    check_all_finite,
    check_rows_in_namespace,
    check_sample_weight_values,
    device,
    get_namespace,
    is_dask_array,
    to_numpy,
)
from ._reduced import member_grams
from ._spectral import (
    gram_spectrum,
    power_of_two_scale,
    rescale,
    ridge_filter,
    spectral_ridge,
)

__all__ = ["PathProblem", "accumulation_dtype", "check_cancellation", "check_x",
           "host_rows", "like", "check_n_estimators", "column_mean",
           "column_range", "refit_full_ridge"]


# Centring a feature (or target) whose values vary by less than this fraction of
# their magnitude leaves fewer than about six significant digits of the
# variation in float64: the fit would not be translation-equivariant.
_MIN_RELATIVE_SPREAD = 1e-10


def column_mean(A, weights):
    """Column means in float64, rescaled so that the sums cannot overflow."""
    scale = power_of_two_scale(A)
    B = A / scale if scale != 1 else A
    if weights is None:
        return B.mean(axis=0, dtype=np.float64) * scale
    return np.average(np.asarray(B, dtype=np.float64), axis=0, weights=weights) * scale


def column_range(A):
    """Column minima and maxima (``inf`` and ``-inf`` without rows)."""
    return (np.min(A, axis=0, initial=np.inf), np.max(A, axis=0, initial=-np.inf))


def check_cancellation(lo, hi, name):
    """Raise where float64 cannot hold a column's variation around its offset,
    from the column minima ``lo`` and maxima ``hi``."""
    spread = np.where(hi >= lo, hi - lo, 0.0)
    with np.errstate(over="ignore"):
        magnitude = np.maximum(np.abs(lo), np.abs(hi))
    bad = (spread > 0) & (spread < _MIN_RELATIVE_SPREAD * magnitude)
    if np.any(bad):
        j = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name} column {j} varies by {spread[j]:.3g} around values of magnitude "
            f"{magnitude[j]:.3g}: float64 keeps fewer than 6 significant digits of "
            "that variation, so the fit cannot be translation-equivariant. Subtract "
            "the offset (for example the column mean, computed in higher precision "
            "or before any large shift) before fitting."
        )


def check_n_estimators(n_estimators):
    """``n_estimators`` as an int >= 1, or a ValueError naming it."""
    if (not isinstance(n_estimators, numbers.Integral | np.integer)
            or isinstance(n_estimators, bool) or n_estimators < 1):
        raise ValueError(f"n_estimators must be an int >= 1, got {n_estimators!r}.")
    return int(n_estimators)


def _check_alphas(alphas, nonnegative):
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    bad = alphas.size == 0 or not np.all(np.isfinite(alphas))
    if bad or (nonnegative and np.any(alphas < 0)):
        need = "finite penalties >= 0" if nonnegative else "finite penalties"
        raise ValueError(
            f"alphas must be a non-empty array of {need} (subsample ridge ensembles "
            f"need a non-negative penalty), got {alphas}."
        )
    return alphas


class PathProblem:
    """Rows scaled by the square roots of their weights, then by powers of two.

    With weights ``w``, a member on rows ``I`` minimises
    ``(1 / W_I) sum_{i in I} w_i (y_i - x_i b)^2 + alpha ||b||^2`` with
    ``W_I = sum_{i in I} w_i``: integer weights are repeated rows, and scaling all
    weights changes no coefficient. ``X`` and ``y`` outside ``[2**-300, 2**300]`` are
    divided by a power of two (exact), the penalties by its square, so that Gram
    matrices neither overflow nor underflow; :meth:`unscale` returns to the
    user's units.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
    alphas : array-like of shape (n_alphas,)
    sample_weight : array-like of shape (n_samples,) or None
    nonnegative : bool
        Whether the penalties must be >= 0.
    """

    def __init__(self, X, y, alphas, sample_weight=None, nonnegative=True,
                 x_absmax=None):
        if sp.issparse(X):
            raise TypeError("X is a sparse matrix, but the ridge paths need dense "
                            "data; densify it first with X.toarray().")
        X, self.xp = check_x(X)
        self.lazy = is_dask_array(X)
        # Dask X, or an array-API X under dispatch: reduced where it lives
        self.reduced = self.lazy or self.xp is not None
        # y and the weights are per-row vectors, brought into memory (X is not)
        y, sample_weight = (host_rows(v) for v in (y, sample_weight))
        y = check_all_finite(np.asarray(y, dtype=np.float64), "y")
        y = y[:, None] if y.ndim == 1 else y
        if X.ndim != 2 or y.ndim != 2 or y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X must be 2-D and y 1-D or 2-D with as many rows; got X of shape "
                f"{X.shape} and y of shape {y.shape}."
            )
        if X.shape[1] == 0:
            raise ValueError(f"X has {X.shape[0]} rows but no feature (shape "
                             f"{X.shape}); pass at least one column.")
        self.alphas = _check_alphas(alphas, nonnegative)
        self.n, self.p = X.shape
        self.t = y.shape[1]
        self.weights = None
        self.n_eff = float(self.n)
        if sample_weight is not None:
            w = check_sample_weight_values(
                np.asarray(sample_weight, dtype=np.float64).ravel())
            if w.shape[0] != self.n:
                raise ValueError(f"sample_weight has {w.shape[0]} entries for "
                                 f"{self.n} rows of X; pass one weight per row.")
            self.weights, self.n_eff = w, float(w.sum())
            root = np.sqrt(w)[:, None]
            X, y = X * like(root, X, self.xp), y * root
        # block passes over a Dask X so far (the callers add theirs)
        self.passes = int(self.lazy and x_absmax is None)
        self.sx = np.float64(_scale(X, x_absmax, self.weights) if self.reduced
                             else power_of_two_scale(X))
        self.sy = np.float64(power_of_two_scale(y))
        self.X = X / like(self.sx, X, self.xp) if self.sx != 1 else X
        self.y = y / self.sy if self.sy != 1 else y
        # y where the reductions over X's rows need it: on X's device, in the
        # accumulation dtype (float64 where the device has it)
        self.y_rows = self.y if self.xp is None else self.xp.asarray(
            self.y, dtype=accumulation_dtype(self.xp, X), device=device(X))
        with np.errstate(over="ignore", under="ignore"):
            # underflow to 0 is right: the penalty is negligible at this scale
            self.penalties = self.alphas / self.sx / self.sx
        if np.any(np.isinf(self.penalties)):
            raise ValueError(
                f"alphas (max {np.abs(self.alphas).max():.3g}) are too large for "
                f"the magnitude of X (about {self.sx:.3g}): alpha / max|X|^2 "
                "overflows float64 and every coefficient would underflow to zero. "
                "Multiply X by a constant c first (ridge is equivariant: X -> c X "
                "with alpha -> c^2 alpha)."
            )

    def member_weight(self, idx):
        """Rows of a member, or their total weight."""
        return float(len(idx) if self.weights is None else self.weights[idx].sum())

    def unscale(self, out, criteria, penalties=()):
        """Coefficients, criteria and penalties of ``out`` in the user's units."""
        out["coef"] = rescale(out["coef"], (self.sy, 1 / self.sx), "the coefficients")
        for key in criteria:
            out[key] = rescale(out[key], (self.sy, self.sy), "the squared errors of y")
        with np.errstate(over="ignore", under="ignore"):
            for key in penalties:
                # inf where float64 cannot hold it; a caller that needs it checks
                out[key] = out[key] * self.sx * self.sx
        return out


def check_x(X):
    """A float ``X`` and its array namespace (``None`` for NumPy and Dask); a Dask
    ``X`` is checked block by block when it is read, a device one on its device."""
    if is_dask_array(X):
        return (X if X.dtype in (np.float32, np.float64)
                else X.astype(np.float64)), None
    xp, is_array_api = get_namespace(X)
    if not is_array_api:
        return check_all_finite(np.asarray(X), "X"), None
    return check_rows_in_namespace(X, xp), xp


def host_rows(v):
    """A per-row vector (``y``, weights) in host memory."""
    if v is None or isinstance(v, np.ndarray):
        return v
    if is_dask_array(v):
        return v.compute()
    return to_numpy(v) if get_namespace(v)[1] else v


def like(values, X, xp):
    """NumPy ``values`` in ``X``'s dtype, namespace and device."""
    if xp is None:
        return np.asarray(values).astype(X.dtype)
    return xp.asarray(np.asarray(values), dtype=X.dtype, device=device(X))


def _scale(X, x_absmax, weights):
    """:func:`power_of_two_scale` of a reduced ``X`` (already weighted), from a
    bound on ``max|X|`` when the caller has one (its column statistics), else from
    one reduction over ``X``. A power of two changes no digit, so a bound serves."""
    if x_absmax is None:
        if is_dask_array(X):
            x_absmax = float(abs(X).max().compute())
        else:
            xp, _ = get_namespace(X)
            x_absmax = float(xp.max(xp.abs(X))) if X.shape[0] else 0.0
    elif weights is not None:
        x_absmax = x_absmax * float(np.sqrt(weights.max(initial=0.0)))
    return power_of_two_scale(np.array([x_absmax]))


def refit_full_ridge(X, y, alpha, sample_weight=None, x_absmax=None):
    """Ridge on all rows of ``X`` at the penalty ``alpha`` normalised by ``n``.

    The spectral filter of the members on the whole (weighted, rescaled) problem;
    a Dask ``X`` takes one block pass, for its Gram matrix.

    Parameters
    ----------
    X : ndarray or dask array of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_targets)
    alpha : float
        May be negative, above minus the smallest nonzero eigenvalue of
        ``X^T X / n``.
    sample_weight : ndarray of shape (n_samples,) or None, default=None
    x_absmax : float, default=None
        A bound on ``max|X|`` for a Dask ``X`` (see :class:`PathProblem`).

    Returns
    -------
    coef : ndarray of shape (n_targets, n_features)
    dof : float
    """
    problem = PathProblem(X, y, [alpha], sample_weight, nonnegative=False,
                          x_absmax=x_absmax)
    penalties = problem.n_eff * problem.penalties
    if problem.reduced:
        gram = member_grams(problem.X, problem.y_rows, [np.arange(problem.n)])[0][0]
        p = problem.p
        e, V, z = gram_spectrum(gram[:, :p].copy(), gram[:, p:], problem.n)
        coef, dof = ridge_filter(e, V, z, penalties)
    else:
        coef, dof, _ = spectral_ridge(np.asarray(problem.X, dtype=np.float64),
                                      problem.y, penalties)
    coef = rescale(coef, (problem.sy, 1 / problem.sx), "the coefficients")
    return coef.T, float(dof[0])
