"""Covariance estimates computed from sufficient statistics."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._checks import check_finite_result, check_rows
from ._spectral import shrinkage_intensity

__all__ = [
    "covariance_from_statistics",
    "ledoit_wolf_shrinkage_from_moments",
    "oas_shrinkage",
    "shrink_covariance",
    "lda_shrunk_covariance",
]


def shrink_covariance(cov, shrinkage, target="scaled_identity"):
    """Convex combination ``(1 - s) S + s T`` with ``T = (tr S / d) I`` or ``diag(S)``.

    ``S`` is read as float64 and never modified; ``s`` is used as given.

    Parameters
    ----------
    cov : array-like of shape (d, d)
        Covariance ``S`` to shrink; not modified.
    shrinkage : float in [0, 1]
        Intensity ``s`` (not range-checked here).
    target : {"scaled_identity", "diagonal"}, default="scaled_identity"
        ``T = (tr S / d) I`` or ``T = diag(S)``.

    Returns
    -------
    shrunk : ndarray of shape (d, d)
        ``(1 - s) S + s T`` in float64 (a new array).

    See Also
    --------
    oas_shrinkage : An OAS intensity ``s`` for the scaled identity.
    ledoit_wolf_shrinkage_from_moments : A Ledoit-Wolf intensity ``s``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.covariance import shrink_covariance
    >>> shrink_covariance(np.array([[2.0, 1.0], [1.0, 4.0]]), 0.5)
    array([[2.5, 0.5],
           [0.5, 3.5]])
    """
    cov = np.asarray(cov, dtype=np.float64)
    if cov.ndim != 2 or cov.shape[0] != cov.shape[1] or not np.all(np.isfinite(cov)):
        raise ValueError(
            f"cov must be a square matrix of finite numbers, got shape {cov.shape}."
        )
    if not 0.0 <= shrinkage <= 1.0:
        raise ValueError(f"shrinkage must be in [0, 1], got {shrinkage!r}.")
    d = cov.shape[0]
    out = (1.0 - shrinkage) * cov
    if target == "scaled_identity":
        out.flat[:: d + 1] += shrinkage * np.trace(cov) / d
    elif target == "diagonal":
        out.flat[:: d + 1] += shrinkage * np.diag(cov)
    else:
        raise ValueError(
            f"target must be 'scaled_identity' or 'diagonal', got {target!r}."
        )
    return out


def ledoit_wolf_shrinkage_from_moments(cov, n_samples, fourth_moment_sum):
    """Ledoit-Wolf shrinkage intensity from ``S``, ``n`` and ``sum_i ||x_i - mu||^4``.

    Identical to :func:`sklearn.covariance.ledoit_wolf_shrinkage` on the centred
    data, but its beta term costs ``O(n d)`` (the sum of fourth powers of the row
    norms) instead of an ``O(n d^2)`` product.

    Parameters
    ----------
    cov : ndarray of shape (d, d)
        Biased covariance ``S = X_c^T X_c / n``.
    n_samples : float
        Number of samples (total weight) behind ``S``.
    fourth_moment_sum : float
        ``sum_i ||x_c,i||^4``.

    Returns
    -------
    shrinkage : float
        Intensity in ``[0, 1]`` toward ``(tr S / d) I`` (0 when ``d <= 1`` or
        ``n_samples <= 0``).

    See Also
    --------
    oas_shrinkage : The OAS intensity of the same covariance.
    shrink_covariance : Apply an intensity to a covariance.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.covariance import ledoit_wolf_shrinkage
    >>> from sklearn_lowdim.covariance import ledoit_wolf_shrinkage_from_moments
    >>> X = np.random.default_rng(0).normal(size=(50, 4))
    >>> Xc = X - X.mean(0)
    >>> s = ledoit_wolf_shrinkage_from_moments(
    ...     Xc.T @ Xc / 50, 50, np.sum(np.sum(Xc**2, 1) ** 2))
    >>> bool(np.isclose(s, ledoit_wolf_shrinkage(Xc, assume_centered=True)))
    True
    """
    return _intensity_of(cov, n_samples, "ledoit_wolf", fourth_moment_sum)


def oas_shrinkage(cov, n_samples):
    """Oracle approximating shrinkage intensity (scikit-learn's formula).

    The intensity depends on ``S`` only through ``tr S`` and ``||S||_F^2``, so
    it costs ``O(d^2)`` and needs no data.

    Parameters
    ----------
    cov : array-like of shape (d, d)
        Biased covariance ``S``.
    n_samples : float
        Number of samples (total weight) behind ``S``.

    Returns
    -------
    shrinkage : float
        Intensity in ``[0, 1]`` toward ``(tr S / d) I`` (0 when ``d <= 1`` or
        ``n_samples <= 0``).

    See Also
    --------
    ledoit_wolf_shrinkage_from_moments : The Ledoit-Wolf intensity.
    shrink_covariance : Apply an intensity to a covariance.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.covariance import OAS
    >>> from sklearn_lowdim.covariance import oas_shrinkage
    >>> X = np.random.default_rng(0).normal(size=(30, 5))
    >>> S = np.cov(X.T, bias=True)
    >>> bool(np.isclose(oas_shrinkage(S, 30), OAS().fit(X).shrinkage_))
    True
    """
    return _intensity_of(cov, n_samples, "oas")


def _intensity_of(cov, n_samples, shrinkage, fourth_sum=None):
    cov = np.asarray(cov, dtype=np.float64)
    return shrinkage_intensity(
        shrinkage, trace=float(np.trace(cov)), fro2=float(np.sum(cov * cov)),
        n_features=cov.shape[0], n_samples=n_samples, fourth_sum=fourth_sum,
    )


def covariance_from_statistics(
    stats, shrinkage=None, *, target="scaled_identity", per_class=False
):
    """Covariance estimate(s) from :class:`GaussianStatistics`.

    The empirical covariance is a scatter divided by its total weight; the
    intensity (a given float, or Ledoit-Wolf's or OAS's computed from the
    statistics) is applied by :func:`shrink_covariance`. No rows are needed.

    Parameters
    ----------
    stats : GaussianStatistics
        The statistics; pooled estimates need ``pooled_scatter=True``,
        per-class ones ``class_scatter=True`` or ``class_factors=True``, and
        ``"ledoit_wolf"`` needs ``moments=True``.
    shrinkage : None, float, "ledoit_wolf" or "oas", default=None
        ``None`` is the empirical (biased, maximum-likelihood) covariance. Shrinkage
        is toward ``target``; Ledoit-Wolf and OAS intensities are computed on the
        class-centred residuals (pooled) or per class (``per_class=True``).
        ``"auto"`` is an alias of ``"ledoit_wolf"``.
    target : {"scaled_identity", "diagonal"}, default="scaled_identity"
        Ledoit-Wolf and OAS are defined for the scaled identity only.
    per_class : bool, default=False
        Return the (C, d, d) per-class covariances (needs ``class_scatter=True``
        or ``class_factors=True``) instead of the pooled one.

    Returns
    -------
    covariance : ndarray of shape (d, d) or (C, d, d)
        The pooled covariance, or one per class with ``per_class=True``, each
        shrunk by its intensity.
    shrinkage : float or ndarray of shape (C,)
        The intensity used (0.0 for ``shrinkage=None``); one per class with
        ``per_class=True``.

    See Also
    --------
    GaussianStatistics : The statistics this function reads.
    shrink_covariance : The shrinkage applied to the empirical covariance.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.covariance import LedoitWolf
    >>> from sklearn_lowdim.covariance import (GaussianStatistics,
    ...     covariance_from_statistics)
    >>> X = np.random.default_rng(0).normal(size=(40, 3))
    >>> stats = GaussianStatistics.from_data(X, moments=True)
    >>> cov, s = covariance_from_statistics(stats, "ledoit_wolf")
    >>> bool(np.allclose(cov, LedoitWolf().fit(X).covariance_))
    True
    """
    if shrinkage in ("ledoit_wolf", "oas") and target != "scaled_identity":
        raise ValueError(
            f"shrinkage={shrinkage!r} is defined for target='scaled_identity' only; "
            "use a float shrinkage with target='diagonal'."
        )
    if not per_class:
        cov = stats.covariance()
        fourth = None if stats.fourth is None else float(stats.fourth.sum())
        s = _intensity_of(cov, stats.n_samples, shrinkage, fourth)
        return (shrink_covariance(cov, s, target) if s else cov), s
    covs = stats.class_covariances()
    out = np.empty_like(covs)
    shr = np.zeros(stats.n_classes)
    for k in range(stats.n_classes):
        fourth = None if stats.fourth is None else float(stats.fourth[k])
        shr[k] = _intensity_of(covs[k], max(stats.counts[k], 1e-300), shrinkage, fourth)
        out[k] = shrink_covariance(covs[k], shr[k], target) if shr[k] else covs[k]
    return out, shr


def lda_shrunk_covariance(X, y, priors, shrinkage="auto"):
    """Within-class covariance of scikit-learn's ``LDA(solver='lsqr')``.

    The compatibility recipe of scikit-learn's ``shrinkage='auto'``: each class is
    standardised, shrunk with Ledoit-Wolf, rescaled, and the per-class results are
    summed with weights ``priors``. A float ``shrinkage`` shrinks each class's
    covariance toward its own scaled identity. It needs the data, not only the
    statistics.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Training rows.
    y : ndarray of int of shape (n_samples,)
        Class indices ``0 .. C-1``.
    priors : ndarray of shape (C,)
        Weight of each class's covariance in the sum.
    shrinkage : "auto" or float, default="auto"
        ``"auto"``: Ledoit-Wolf on each standardised class; a float: that
        intensity toward each class's scaled identity.

    Returns
    -------
    covariance : ndarray of shape (d, d)
        ``sum_k priors[k] * C_k`` of the shrunk per-class covariances ``C_k``.

    See Also
    --------
    covariance_from_statistics : Pooled shrinkage from the statistics alone.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as LDA
    >>> from sklearn_lowdim.covariance import lda_shrunk_covariance
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(60, 4)), np.repeat([0, 1], 30)
    >>> lda = LDA(solver="lsqr", shrinkage="auto").fit(X, y)
    >>> cov = lda_shrunk_covariance(X, y, lda.priors_)
    >>> bool(np.allclose(cov, lda.covariance_))
    True
    """
    from sklearn.covariance import ledoit_wolf
    from sklearn.preprocessing import StandardScaler

    X = check_rows(X).astype(np.float64, copy=False)
    check_finite_result(np.einsum("ij,ij->", X, X), "X's squares")
    y = np.asarray(y)
    priors = np.asarray(priors, dtype=np.float64)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must hold one class index per row of X ({X.shape[0]}).")
    if not np.all(np.isfinite(priors)) or np.any(priors < 0):
        raise ValueError(f"priors must be finite and non-negative, got {priors!r}.")
    d = X.shape[1]
    cov = np.zeros((d, d))
    for k, p in enumerate(priors):
        Xk = X[y == k]
        if shrinkage == "auto":
            sc = StandardScaler().fit(Xk)
            s = ledoit_wolf(sc.transform(Xk))[0]
            ck = sc.scale_[:, None] * s * sc.scale_[None, :]
        else:
            Xkc = Xk - Xk.mean(axis=0)
            ck = shrink_covariance(Xkc.T @ Xkc / Xk.shape[0], float(shrinkage))
        cov += p * ck
    return cov
