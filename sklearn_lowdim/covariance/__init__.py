"""The Gaussian core: sufficient statistics, covariance estimates, whitening, distances.

Public API
----------
:class:`GaussianStatistics`
    Per-class weighted counts, means, pooled (and optionally per-class) centred
    scatter, per-feature sums of squares and the moments that make Ledoit-Wolf
    exact. ``GaussianStatistics.from_data(X, y, n_classes=C, sample_weight=w)``
    builds them chunk by chunk (one sparse one-hot product for the sums, one
    ``X_c^T X_c`` per chunk for the scatter); ``a.merge(b)`` is Chan's exact merge
    (Dask partitions, parallel blocks) and ``stats.update(X, y)`` serves
    ``partial_fit``. ``stats.covariance()`` is the pooled biased covariance
    ``scatter / sum(counts)``.
:func:`covariance_from_statistics`
    ``(covariance, shrinkage)`` from the statistics: ``None`` (empirical), a float,
    ``"ledoit_wolf"`` (``O(n d)`` beta term) or ``"oas"``; pooled or per class.
:func:`shrink_covariance`, :func:`ledoit_wolf_shrinkage_from_moments`,
:func:`oas_shrinkage`
    The formulas themselves.
:func:`shrinkage_intensity`, :func:`shrinkage_from_spectrum`
    Ledoit-Wolf and OAS intensities from a covariance's traces or its spectrum.
:func:`floor_eigenvalues`, :func:`spectrum_from_factor`
    The small-eigenvalue policy (floor, pseudo-inverse or raise) and the
    spectrum of a low-rank scatter factor: the one implementation behind the
    whitener, the discriminant models and the detectors.
:func:`lda_shrunk_covariance`
    scikit-learn ``LinearDiscriminantAnalysis(solver='lsqr', shrinkage='auto')``'s
    per-class standardised recipe, for compatibility.
:class:`Whitener`
    ``Whitener(method="cholesky", singular="floor"|"pinv"|"variance_norm"|"raise",
    eig_floor=1e-12).fit(cov)`` gives ``W_`` with ``d^2 = ||(x - mu) W_||^2``,
    ``rank_``, ``logdet_``; a singular covariance emits one
    :class:`SingularCovarianceWarning` and never NaN.
:func:`mahalanobis_distances`
    ``mahalanobis_distances(X, centres, whitener, location=None, reduction=None |
    "min" | "argmin" | "logsumexp" | "argmax", factor=-0.5, bias=None)``: chunked
    squared distances of rows to many centres, one GEMM per chunk plus a fused
    Numba reduction.
:class:`RobustShrinkageCovariance`
    Robust location and comedian scatter shrunk toward simple targets (Cabana,
    Lillo and Laniado). Its outlier detector, ``RobustMahalanobis``, lives in
    :mod:`sklearn_lowdim.ood` (importing it from here is deprecated).
:func:`statistics_from_dask`
    ``statistics_from_dask(X_dask, y_idx, n_classes, sample_weight=None, **kw)``:
    the same statistics from a row-chunked dask array (per-block states, merged).
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from ._dask import statistics_from_dask
from ._distances import mahalanobis_distances
from ._robust import RobustShrinkageCovariance
from ._shrinkage import (
    covariance_from_statistics,
    lda_shrunk_covariance,
    ledoit_wolf_shrinkage_from_moments,
    oas_shrinkage,
    shrink_covariance,
)
from ._spectral import (
    SingularCovarianceWarning,
    floor_eigenvalues,
    shrinkage_from_spectrum,
    shrinkage_intensity,
    spectrum_from_factor,
)
from ._statistics import GaussianStatistics
from ._whitening import Whitener

__all__ = [
    "GaussianStatistics",
    "RobustShrinkageCovariance",
    "SingularCovarianceWarning",
    "Whitener",
    "covariance_from_statistics",
    "floor_eigenvalues",
    "lda_shrunk_covariance",
    "ledoit_wolf_shrinkage_from_moments",
    "mahalanobis_distances",
    "oas_shrinkage",
    "shrink_covariance",
    "shrinkage_from_spectrum",
    "shrinkage_intensity",
    "spectrum_from_factor",
    "statistics_from_dask",
]


def __getattr__(name):
    # RobustMahalanobis is a detector and moved to sklearn_lowdim.ood; the old
    # import keeps working for one release. importlib, because covariance must
    # not import a family (the layer rule).
    if name == "RobustMahalanobis":
        import importlib
        import warnings

        warnings.warn(
            "sklearn_lowdim.covariance.RobustMahalanobis moved to "
            "sklearn_lowdim.ood.RobustMahalanobis; the old import will be removed "
            "in the next release.",
            FutureWarning,
            stacklevel=2,
        )
        return importlib.import_module("sklearn_lowdim.ood").RobustMahalanobis
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
