"""Robust shrinkage covariance (Cabana, Lillo and Laniado)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Real

import numpy as np
from scipy.stats import chi2
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import Progress, check_sample_weight_values, gen_row_chunks
from ..utils._doc_link import DocLinkMixin
from ..utils._sklearn_compat import (
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
)
from ._whitening import Whitener

__all__ = ["RobustShrinkageCovariance", "weighted_median"]

# Median of a chi-square with one degree of freedom: med(y^2) = 0.4549 sigma^2.
_CHI2_1_MEDIAN = chi2.ppf(0.5, 1)
# a comedian whose eigenvalues reach down to this fraction of the largest is
# treated as not positive definite
_PD_TOL = 1e-8


def weighted_median(A, weights=None):
    """Column medians of ``A``; integer ``weights`` equal repeating the rows.

    Parameters
    ----------
    A : ndarray of shape (n_samples, n_columns)
    weights : ndarray of shape (n_samples,), default=None
        Non-negative row weights. The median is that of numpy on the rows
        repeated ``weights`` times (the mean of the two middle values for an
        even total), interpolated the same way for fractional weights.

    Returns
    -------
    medians : ndarray of shape (n_columns,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.covariance._robust import weighted_median
    >>> A = np.array([[1.0], [2.0], [10.0]])
    >>> weighted_median(A, np.array([1.0, 3.0, 2.0]))  # 1 2 2 2 10 10
    array([2.])
    """
    if weights is None:
        return np.median(A, axis=0)
    order = np.argsort(A, axis=0, kind="stable")
    sorted_A = np.take_along_axis(A, order, axis=0)
    cumulative = np.cumsum(weights[order], axis=0)
    total = cumulative[-1, 0]
    cols = np.arange(A.shape[1])
    lo = (cumulative > np.floor((total - 1.0) / 2.0)).argmax(axis=0)
    hi = (cumulative > np.floor(total / 2.0)).argmax(axis=0)
    return (sorted_A[lo, cols] + sorted_A[hi, cols]) / 2.0


def _l1_medoid(X, w):
    """The data point minimising the weighted summed L1 distance to all rows."""
    totals = np.empty(X.shape[0])
    for rows in gen_row_chunks(X.shape[0], 8 * X.shape[0] * 2):
        totals[rows] = np.abs(X[rows, None, :] - X[None, :, :]).sum(axis=2) @ w
    totals[w <= 0] = np.inf  # a row of weight zero is not in the data
    return X[int(np.argmin(totals))].copy()


def _spatial_median(X, w, max_iter=200, tol=1e-10):
    """Weiszfeld's iteration for the weighted multivariate L1 (spatial) median."""
    m = weighted_median(X, w)
    for _ in range(max_iter):
        dist = np.linalg.norm(X - m, axis=1)
        weights = w / np.maximum(dist, 1e-12)
        new = weights @ X / weights.sum()
        if np.linalg.norm(new - m) <= tol * (1.0 + np.linalg.norm(m)):
            return new
        m = new
    return m


def _location_intensity(X, w, centre):
    """Sandwich-variance intensity of the shrinkage toward ``mean(centre) * 1``."""
    p = X.shape[1]
    n = w.sum()
    Y = X - centre
    norms = np.abs(Y).sum(axis=1)
    keep = norms > 0
    Y, norms, w = Y[keep], norms[keep], w[keep]
    U = Y / norms[:, None]
    A = (np.eye(p) * np.sum(w / norms)
         - (Y * (w / norms**3)[:, None]).T @ Y) / n
    B = (U * w[:, None]).T @ U / n
    A_inv = np.linalg.pinv(A)
    variance = A_inv @ B @ A_inv / n
    target = np.full(p, centre.mean())
    gap = float(np.sum((centre - target) ** 2))
    intensity = 1.0 if gap == 0 else float(np.clip(np.trace(variance) / gap, 0, 1))
    return intensity, target


def _comedian(Y, w, progress):
    """``S[j, k] = median_i (Y_ij Y_ik)``, one column block at a time."""
    p = Y.shape[1]
    S = np.empty((p, p))
    for j in range(p):
        S[j, j:] = weighted_median(Y[:, j : j + 1] * Y[:, j:], w)
        S[j:, j] = S[j, j:]
        progress.update(message="comedian column")
    return S


def _consistent_diagonal(S0, Y, w):
    """Diagonal scaled for consistency at the normal; degenerate ones replaced.

    A feature where more than half of the (weighted) rows sit at the centre
    (one-hot or zero-inflated columns) has comedian variance zero, which would
    give every row off the centre an infinite distance. Such a feature takes
    its classical second moment about the centre instead (zero only for a
    constant feature).
    """
    diag = np.diag(S0) / _CHI2_1_MEDIAN
    degenerate = diag <= 0
    if np.any(degenerate):
        Yd = Y[:, degenerate]
        diag[degenerate] = w @ (Yd * Yd) / w.sum()
    S0[np.diag_indices_from(S0)] = diag
    return S0


def _orthogonalised(S0, Y, w):
    """The comedian made positive definite by Maronna and Zamar's OGK step.

    The comedian of dependent or discrete features (one-hot columns, dead
    dimensions) can be indefinite; an eigenvalue floor would then make an
    arbitrary direction dominate every distance. Each eigenvalue that is not
    positive (below 1e-8 of the largest) is re-estimated as the robust
    variance of the rows projected on its eigenvector (median of squares over
    the chi-square(1) median; the classical second moment where that median is
    zero), as the orthogonalised Gnanadesikan-Kettenring estimator does; the
    other eigenvalues, and a positive definite comedian (the R code's result),
    are kept.
    """
    lam, V = np.linalg.eigh(S0)
    bad = lam <= _PD_TOL * max(lam[-1], 0.0)
    if not np.any(bad):
        return S0
    P = Y @ V[:, bad]
    robust = weighted_median(P * P, w) / _CHI2_1_MEDIAN
    ones = np.ones(Y.shape[0]) if w is None else w
    classical = ones @ (P * P) / ones.sum()
    lam[bad] = np.where(robust > 0, robust, classical)
    return (V * lam) @ V.T


def _power_of_two_exponent(top):
    """``k`` with ``2**k <= top < 2**(k+1)`` (0 for 0): ``X / 2**k`` is exact."""
    return int(np.frexp(top)[1]) - 1 if top > 0 else 0


def _in_units(M, exponent, name=None):
    """``M * 2**exponent`` exactly; a warning where it leaves float64's range.

    The model is exact on the data divided by a power of two; a matrix reported
    in the units of X holds squares (or inverse squares) of the data, which
    overflow to inf or underflow to 0 beyond 1e+-154.
    """
    with np.errstate(over="ignore", under="ignore"):
        out = np.ldexp(M, exponent)
    lost = np.any(~np.isfinite(out)) or np.any((out == 0) & (M != 0))
    if name is not None and lost:
        warnings.warn(
            f"{name} is outside float64's range at this scale of the data (its "
            "entries are squares or inverse squares of values beyond 1e+-154) and "
            "over- or underflows; mahalanobis(), location_ and whitener_ are "
            "computed without it and are exact. Rescale X (e.g. StandardScaler) "
            f"to read {name}.", UserWarning, stacklevel=3)
    return out


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

    Departures from the R code, for inputs it fails on: a feature whose
    comedian variance is zero (more than half of the rows at the centre, as
    one-hot or zero-inflated columns) takes its classical second moment about
    the centre instead, so that it cannot dominate every distance; the data
    are divided by a power of two near ``max |X|`` before any product (exact in
    floating point), so magnitudes from 1e-300 to 1e300 give the same
    distances (``covariance_`` and ``precision_`` themselves then under- or
    overflow float64 where their entries do; ``whitener_`` stays finite).

    The comedian is not guaranteed positive definite: distances use an
    eigenvalue floor (:class:`Whitener`). Costs: the comedian takes ``p``
    medians over ``n x p`` products; the L1 medoid is ``O(n^2 p)`` (chunked).
    The fit has no concentration steps: one centre, one scatter.

    Parameters
    ----------
    location : {'l1_median', 'l1_medoid', 'median'}, default='l1_median'
        The robust centre.
    shrink_location : bool, default=True
        Shrink the centre toward ``mean(centre) * 1``.
    shrinkage : 'auto' or float in [0, 1], default='auto'
        Scatter shrinkage intensity.
    verbose : int, default=0
        Report progress (the centre, then each comedian column) to stderr.

    Attributes
    ----------
    raw_location_ : ndarray of shape (n_features,)
        The robust centre before shrinkage.
    location_ : ndarray of shape (n_features,)
        The shrunk centre.
    location_shrinkage_ : float
        Intensity of the location shrinkage.
    raw_covariance_ : ndarray of shape (n_features, n_features)
        The consistency-scaled comedian.
    covariance_ : ndarray of shape (n_features, n_features)
        The shrunk scatter.
    shrinkage_ : float
        Intensity of the scatter shrinkage.
    precision_ : ndarray of shape (n_features, n_features)
        The (floored) inverse of ``covariance_``.
    whitener_ : Whitener
        ``d^2(x) = ||(x - location_) whitener_.W_||^2``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen in ``fit`` (string column names only).

    See Also
    --------
    sklearn.covariance.MinCovDet : The minimum covariance determinant estimator.
    Whitener : The eigenvalue-floored factor behind ``whitener_``.

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
        "verbose": ["verbose"],
    }

    def __init__(self, location="l1_median", *, shrink_location=True,
                 shrinkage="auto", verbose=0):
        self.location = location
        self.shrink_location = shrink_location
        self.shrinkage = shrinkage
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Estimate the robust location and scatter.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights; integer weights give the estimate of the
            rows repeated that many times (weighted medians, weighted sums).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        X = validate_data(self, X, dtype=np.float64, ensure_min_samples=2)
        w = None
        if sample_weight is not None:
            w = check_sample_weight_values(
                _check_sample_weight(sample_weight, X, dtype=np.float64))
        e = _power_of_two_exponent(float(np.max(np.abs(X))))
        with Progress(X.shape[1] + 1, self.verbose,
                      desc=type(self).__name__) as progress:
            location, S0, cov = self._fit_scaled(np.ldexp(X, -e), w, progress)
        whitener = Whitener(method="eigh", singular="floor").fit(cov)
        self.raw_location_ = np.ldexp(self.raw_location_, e)
        self.location_ = np.ldexp(location, e)
        # the estimate itself is computed on X / 2**e; only these reported
        # matrices can leave float64's range (|X| beyond 1e+-154)
        self.raw_covariance_ = _in_units(S0, 2 * e)
        self.covariance_ = _in_units(cov, 2 * e, "covariance_")
        self.precision_ = _in_units(whitener.W_ @ whitener.W_.T, -2 * e,
                                    "precision_")
        whitener.W_ = np.ldexp(whitener.W_, -e)
        whitener.logdet_ += 2 * X.shape[1] * e * np.log(2.0)
        self.whitener_ = whitener
        return self

    def _fit_scaled(self, X, w, progress):
        """The estimate on ``X`` already divided by its power-of-two scale."""
        ones = np.ones(X.shape[0]) if w is None else w
        if self.location == "l1_medoid":
            centre = _l1_medoid(X, ones)
        elif self.location == "l1_median":
            centre = _spatial_median(X, ones)
        else:
            centre = weighted_median(X, w)
        self.raw_location_ = centre
        self.location_shrinkage_ = 0.0
        if self.shrink_location:
            intensity, target = _location_intensity(X, ones, centre)
            self.location_shrinkage_ = intensity
            centre = intensity * target + (1 - intensity) * centre
        progress.update(message="centre")
        Y = X - centre
        S0 = _consistent_diagonal(_comedian(Y, w, progress), Y, ones)
        S0 = _orthogonalised(S0, Y, w)
        target = np.eye(len(S0)) * np.mean(np.diag(S0))
        if self.shrinkage == "auto":
            squares = Y * Y
            n = ones.sum()
            phi = float(np.sum((squares * ones[:, None]).T @ squares / n - S0 * S0))
            gamma = float(np.sum((S0 - target) ** 2))
            rho = 0.0 if gamma == 0 else float(np.clip(phi / gamma / n, 0, 1))
        else:
            rho = float(self.shrinkage)
        self.shrinkage_ = rho
        return centre, S0, rho * target + (1 - rho) * S0

    def mahalanobis(self, X):
        """Squared Mahalanobis distances to ``location_`` (eigenvalue floor).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to measure (NaN and infinity are rejected).

        Returns
        -------
        dist : ndarray of shape (n_samples,)
            Squared distances.
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        Z = self.whitener_.transform(X, self.location_)
        return np.einsum("ij,ij->i", Z, Z)

