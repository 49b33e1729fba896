"""Robust shrinkage covariance (Cabana, Lillo and Laniado) and its outlier detector."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from scipy.stats import chi2
from sklearn.base import BaseEstimator, OutlierMixin, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import gen_row_chunks
from ..utils._doc_link import DocLinkMixin
from ..utils._outlier import OffsetOutlierMixin
from ..utils._sklearn_compat import HasMethods, Interval, StrOptions, _fit_context
from ._whitening import Whitener

__all__ = ["RobustShrinkageCovariance", "RobustMahalanobis"]

# Median of a chi-square with one degree of freedom: med(y^2) = 0.4549 sigma^2.
_CHI2_1_MEDIAN = chi2.ppf(0.5, 1)


def _l1_medoid(X):
    """The data point minimising the summed L1 distance to all rows (chunked)."""
    totals = np.empty(X.shape[0])
    for rows in gen_row_chunks(X.shape[0], 8 * X.shape[0] * 2):
        totals[rows] = np.abs(X[rows, None, :] - X[None, :, :]).sum(axis=(1, 2))
    return X[int(np.argmin(totals))].copy()


def _spatial_median(X, max_iter=200, tol=1e-10):
    """Weiszfeld's iteration for the multivariate L1 (spatial) median."""
    m = np.median(X, axis=0)
    for _ in range(max_iter):
        dist = np.linalg.norm(X - m, axis=1)
        weights = 1.0 / np.maximum(dist, 1e-12)
        new = weights @ X / weights.sum()
        if np.linalg.norm(new - m) <= tol * (1.0 + np.linalg.norm(m)):
            return new
        m = new
    return m


def _location_intensity(X, centre):
    """Sandwich-variance intensity of the shrinkage toward ``mean(centre) * 1``."""
    n, p = X.shape
    Y = X - centre
    norms = np.abs(Y).sum(axis=1)
    keep = norms > 0
    Y, norms = Y[keep], norms[keep]
    U = Y / norms[:, None]
    A = (np.eye(p) * np.sum(1.0 / norms) - (Y / norms[:, None] ** 3).T @ Y) / n
    B = U.T @ U / n
    A_inv = np.linalg.pinv(A)
    variance = A_inv @ B @ A_inv / n
    target = np.full(p, centre.mean())
    gap = float(np.sum((centre - target) ** 2))
    intensity = 1.0 if gap == 0 else float(np.clip(np.trace(variance) / gap, 0, 1))
    return intensity, target


def _comedian(Y):
    """``S[j, k] = median_i (Y_ij Y_ik)``, one column block at a time."""
    p = Y.shape[1]
    S = np.empty((p, p))
    for j in range(p):
        S[j, j:] = np.median(Y[:, j : j + 1] * Y[:, j:], axis=0)
        S[j:, j] = S[j, j:]
    return S


class RobustShrinkageCovariance(DocLinkMixin, BaseEstimator):
    """Robust location and scatter shrunk toward simple targets.

    Following the robust shrinkage Mahalanobis distance of Cabana, Lillo and
    Laniado (arXiv:1904.02596) as one public implementation computes it (the R
    function ``rmdv62`` of otsegun/outliertools; the paper's own formulas could
    not be checked, so the preset ``location='l1_medoid'`` reproduces that code):

    1. a robust centre: the spatial (L1) median, the L1 medoid or the
       coordinate-wise median;
    2. the centre shrunk toward ``mean(centre) * 1`` with the intensity
       ``tr(V) / ||m0 - nu 1||^2`` (clipped to [0, 1]), ``V`` the sandwich variance
       of the L1 location estimate;
    3. the comedian-type scatter ``S0[j, k] = median_i(Y_ij Y_ik)`` about that
       centre, its diagonal divided by the chi-square(1) median 0.4549 for
       consistency at the normal;
    4. the scatter shrunk toward ``mean(diag S0) I`` with a Ledoit-Wolf-type
       intensity (``shrinkage='auto'``) or a given one.

    The comedian is not guaranteed positive definite: distances use an
    eigenvalue floor (:class:`Whitener`). Costs: the comedian takes ``p``
    medians over ``n x p`` products; the L1 medoid is ``O(n^2 p)`` (chunked).

    Parameters
    ----------
    location : {'l1_median', 'l1_medoid', 'median'}, default='l1_median'
    shrink_location : bool, default=True
    shrinkage : 'auto' or float in [0, 1], default='auto'
        Scatter shrinkage intensity.

    Attributes
    ----------
    raw_location_ : ndarray of shape (n_features,)
    location_ : ndarray of shape (n_features,)
    location_shrinkage_ : float
    raw_covariance_ : ndarray of shape (n_features, n_features)
        The consistency-scaled comedian.
    covariance_ : ndarray of shape (n_features, n_features)
    shrinkage_ : float
    precision_ : ndarray of shape (n_features, n_features)
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.covariance import RobustShrinkageCovariance
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 3))
    >>> X[:100] += 1e6  # 20% gross outliers
    >>> est = RobustShrinkageCovariance().fit(X)
    >>> bool(np.abs(est.location_).max() < 1), bool(est.covariance_.max() < 5)
    (True, True)
    """

    _parameter_constraints: dict = {
        "location": [StrOptions({"l1_median", "l1_medoid", "median"})],
        "shrink_location": ["boolean"],
        "shrinkage": [StrOptions({"auto"}), Interval(Real, 0, 1, closed="both")],
    }

    def __init__(self, location="l1_median", *, shrink_location=True,
                 shrinkage="auto"):
        self.location = location
        self.shrink_location = shrink_location
        self.shrinkage = shrinkage

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Estimate the robust location and scatter.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        n = X.shape[0]
        if self.location == "l1_medoid":
            centre = _l1_medoid(X)
        elif self.location == "l1_median":
            centre = _spatial_median(X)
        else:
            centre = np.median(X, axis=0)
        self.raw_location_ = centre
        self.location_shrinkage_ = 0.0
        if self.shrink_location:
            intensity, target = _location_intensity(X, centre)
            self.location_shrinkage_ = intensity
            centre = intensity * target + (1 - intensity) * centre
        self.location_ = centre
        Y = X - centre
        S0 = _comedian(Y)
        S0[np.diag_indices_from(S0)] /= _CHI2_1_MEDIAN
        self.raw_covariance_ = S0
        target = np.eye(len(S0)) * np.mean(np.diag(S0))
        if self.shrinkage == "auto":
            squares = Y * Y
            phi = float(np.sum(squares.T @ squares / n - S0 * S0))
            gamma = float(np.sum((S0 - target) ** 2))
            rho = 0.0 if gamma == 0 else float(np.clip(phi / gamma / n, 0, 1))
        else:
            rho = float(self.shrinkage)
        self.shrinkage_ = rho
        self.covariance_ = rho * target + (1 - rho) * S0
        self._whitener = Whitener(method="eigh", singular="floor").fit(
            self.covariance_
        )
        self.precision_ = self._whitener.W_ @ self._whitener.W_.T
        return self

    def mahalanobis(self, X):
        """Squared Mahalanobis distances to ``location_`` (eigenvalue floor).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        dist : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Z = (X - self.location_) @ self._whitener.W_
        return np.einsum("ij,ij->i", Z, Z)


class RobustMahalanobis(DocLinkMixin, OffsetOutlierMixin, OutlierMixin, BaseEstimator):
    """Unsupervised outlier detector with a robust shrinkage Mahalanobis distance.

    Like :class:`sklearn.covariance.EllipticEnvelope`, but on
    :class:`RobustShrinkageCovariance` (or any estimator with ``fit`` and
    ``mahalanobis``). ``score_samples = -d^2``; with ``contamination='auto'`` a row
    is an outlier when ``d^2`` exceeds the ``quantile`` of a chi-square with
    ``n_features`` degrees of freedom (``cutoff_df='p-1'`` reproduces the R code).

    Parameters
    ----------
    estimator : estimator, default=None
        ``None`` is ``RobustShrinkageCovariance()``.
    quantile : float in (0, 1), default=0.975
    cutoff_df : {'p', 'p-1'}, default='p'
    contamination : 'auto' or float in (0, 0.5], default='auto'
        'auto': the chi-square cut-off; a float: that share of the fit rows.

    Attributes
    ----------
    estimator_ : fitted covariance estimator
    threshold_ : float
        The squared-distance cut-off.
    offset_ : float
        ``-threshold_``.
    dist_ : ndarray of shape (n_samples,)
        Squared distances of the fit rows.
    outlier_mask_ : ndarray of bool
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.covariance import RobustMahalanobis
    >>> X = np.random.default_rng(0).normal(size=(300, 2))
    >>> RobustMahalanobis().fit(X).predict([[0.0, 0.0], [8.0, 8.0]])
    array([ 1, -1])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "mahalanobis"]), None],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
        "cutoff_df": [StrOptions({"p", "p-1"})],
        "contamination": [StrOptions({"auto"}), Interval(Real, 0, 0.5, closed="right")],
    }

    def __init__(self, estimator=None, *, quantile=0.975, cutoff_df="p",
                 contamination="auto"):
        self.estimator = estimator
        self.quantile = quantile
        self.cutoff_df = cutoff_df
        self.contamination = contamination

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Fit the robust covariance and the cut-off.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : None
            Ignored.

        Returns
        -------
        self
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        base = RobustShrinkageCovariance() if self.estimator is None else self.estimator
        self.estimator_ = clone(base).fit(X)
        self.dist_ = self.estimator_.mahalanobis(X)
        if self.contamination == "auto":
            df = X.shape[1] - (self.cutoff_df == "p-1")
            self.threshold_ = float(chi2.ppf(self.quantile, max(df, 1)))
        else:
            self.threshold_ = float(np.percentile(self.dist_,
                                                  100 * (1 - self.contamination)))
        self.offset_ = -self.threshold_
        self.outlier_mask_ = self.dist_ > self.threshold_
        return self

    def score_samples(self, X):
        """``-d^2``: higher is more normal.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        return -self.estimator_.mahalanobis(X)
