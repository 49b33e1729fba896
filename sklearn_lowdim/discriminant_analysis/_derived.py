"""What a fitted GDA model derives on demand, and the row checks of its scorers.

The model is fitted in standardised coordinates ``z = (x - location) / scale``;
the functions here translate its parameters back to the units of ``X``
(``covariance_``, ``coef_``, ``intercept_``, ``scalings_``), and rebuild what
the covariance recipes that need the rows ask for.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from collections import namedtuple

import numpy as np
from sklearn.base import clone

from ..covariance import lda_shrunk_covariance
from ..covariance._checks import warn_if_unrepresentable
from ..utils import device, get_namespace, is_dask_array

__all__ = [
    "Data",
    "check_dask_features",
    "covariance_in_units",
    "discriminant_axes",
    "estimator_covariance",
    "estimator_spectra",
    "linear_form",
    "per_class_standardized",
    "project",
    "uncentred_row_term",
]

Data = namedtuple("Data", ["X", "y_idx", "sample_weight"])


# ------------------------------------------------ recipes that need the rows
def _fitted_covariance(estimator, X, what):
    est = clone(estimator).fit(X)
    cov = getattr(est, "covariance_", None)
    if cov is None:
        raise ValueError(
            f"covariance_estimator {type(estimator).__name__} has no covariance_ "
            f"after fit (on {what}); pass a covariance estimator such as "
            "sklearn.covariance.LedoitWolf()."
        )
    cov = np.asarray(cov, dtype=np.float64)
    d = X.shape[1]
    if cov.shape != (d, d) or not np.all(np.isfinite(cov)):
        raise ValueError(
            f"covariance_estimator {type(estimator).__name__} gave a covariance_ of "
            f"shape {cov.shape} with non-finite entries or the wrong shape; it must "
            f"be a finite ({d}, {d}) matrix."
        )
    return cov


def estimator_covariance(estimator, data, means):
    """``(covariance, 0.0)`` of a covariance estimator fitted on the residuals."""
    residuals = data.X - means[data.y_idx]
    return _fitted_covariance(estimator, residuals, "the class-centred rows"), 0.0


def estimator_spectra(estimator, data, n_classes):
    """Per-class spectra of a covariance estimator fitted on each class."""
    out = []
    for k in range(n_classes):
        cov = _fitted_covariance(estimator, data.X[data.y_idx == k], f"class {k}")
        lam, V = np.linalg.eigh(cov)
        out.append((np.maximum(lam[::-1], 0.0), np.ascontiguousarray(V[:, ::-1])))
    return out


def per_class_standardized(data, priors, shrinkage):
    """scikit-learn's ``LDA(solver='lsqr', shrinkage=...)`` covariance recipe."""
    return lda_shrunk_covariance(data.X, data.y_idx, priors, shrinkage), np.nan


# ------------------------------------------------- parameters in X's units
def covariance_in_units(est):
    """``covariance_`` in GaussianMixture's shapes, in the units of ``X``."""
    with np.errstate(over="ignore", under="ignore"):
        cov = _covariance_in_units(est)
    warn_if_unrepresentable(cov, "covariance_")
    return cov


def _covariance_in_units(est):
    p, s, ct = est._params, est._scale, est.covariance_type
    outer = s[:, None] * s[None, :]
    if ct == "tied":
        return est._public(p.covariance * outer)
    if ct == "tied_diag":
        return est._public(np.diag(p.covariance) * s * s)
    if ct == "tied_spherical":
        return float(p.covariance[0, 0] * s[0] ** 2)
    if ct == "diag":
        return est._public(p.variances * s * s)
    if ct == "spherical":
        return est._public(p.variances[:, 0] * s[0] ** 2)
    return est._public(p.covariances() * outer)


def _absolute_whitened_means(est):
    """``W^T S^{-1} mu_k`` and ``u = W^T S^{-1} c`` (the whitened centre)."""
    p = est._params
    u = (est._location / est._scale) @ p.W
    return p.Mw + u, u


def linear_form(est):
    """``coef_`` and ``intercept_`` of a linear model, in X's units (float64)."""
    p = est._params
    Mw_abs, u = _absolute_whitened_means(est)
    coef = (p.A.T + u @ p.W.T) / est._scale  # Sigma^{-1} mu_k
    with np.errstate(divide="ignore"):
        log_priors = np.log(est._priors_f64)
    intercept = -0.5 * np.einsum("ij,ij->i", Mw_abs, Mw_abs) + log_priors
    if len(est.classes_) == 2:
        return (coef[1] - coef[0])[None, :], np.array([intercept[1] - intercept[0]])
    return coef, intercept


def uncentred_row_term(est, X):
    """``x^T Sigma^{-1} c - c^T Sigma^{-1} c / 2``, the part of scikit-learn's
    uncentred linear form that is the same for every class (``c``: location)."""
    p = est._params
    _, u = _absolute_whitened_means(est)
    v = (p.W @ u) / est._scale
    const = 0.5 * float(u @ u)
    if is_dask_array(X):
        return (X - est._location) @ v + const
    xp, is_array_api = get_namespace(X)
    if not is_array_api:
        return (X - est._location) @ v + const
    dev = device(X)
    loc = xp.asarray(est._location, dtype=X.dtype, device=dev)
    return (X - loc) @ xp.asarray(v, dtype=X.dtype, device=dev) + const


def discriminant_axes(est):
    """``(scalings_, explained_variance_ratio_)`` from an SVD of the whitened,
    prior-weighted class means (scikit-learn's LDA 'svd' directions)."""
    p = est._params
    C = len(est.classes_)
    Mw = p.Mw
    xbar_w = est._priors_f64 @ Mw
    fac = 1.0 / max(C - 1, 1)
    B = np.sqrt(est.n_samples_seen_ * est._priors_f64 * fac)[:, None] * (Mw - xbar_w)
    _, S, Vt = np.linalg.svd(B, full_matrices=False)
    rank = int(np.sum(S > 1e-4 * S[0])) if S.size and S[0] > 0 else 0
    scalings = (p.W @ Vt[: max(rank, 1)].T) / est._scale[:, None]
    total = np.sum(S**2)
    ratio = S**2 / total if total > 0 else np.zeros_like(S)
    return est._public(scalings), ratio[: est._max_components]


def project(X, centre, directions, xp=None):
    """``(X - centre) @ directions`` in X's dtype, namespace and device."""
    if xp is None or isinstance(X, np.ndarray):
        dtype = X.dtype if X.dtype == np.float32 else np.float64
        return (X - centre.astype(dtype)) @ directions.astype(dtype)
    dev = device(X)
    return (X - xp.asarray(centre, dtype=X.dtype, device=dev)) @ xp.asarray(
        directions, dtype=X.dtype, device=dev)


# --------------------------------------------------------------- row checks
def check_dask_features(est, X):
    """Shape check of a dask input (its values are checked block by block)."""
    if X.ndim != 2 or X.shape[1] != est.n_features_in_:
        raise ValueError(
            f"X has shape {X.shape} but the model was fitted with "
            f"{est.n_features_in_} features; pass a 2-D array with that many columns."
        )
    return X
