"""Robust shrinkage covariance (Cabana, Lillo and Laniado)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Real

import numpy as np
from scipy.stats import chi2
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import (
    Progress,
    check_sample_weight_values,
    gen_row_chunks,
    get_namespace,
    is_dask_array,
    to_numpy,
)
from ..utils._doc_link import DocLinkMixin
from ..utils._sklearn_compat import (
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
)
from ._robust_rows import RowAccess, weighted_median
from ._whitening import Whitener

__all__ = ["RobustShrinkageCovariance", "weighted_median"]

# Median of a chi-square with one degree of freedom: med(y^2) = 0.4549 sigma^2.
_CHI2_1_MEDIAN = chi2.ppf(0.5, 1)
# a comedian whose eigenvalues reach down to this fraction of the largest is
# treated as not positive definite
_PD_TOL = 1e-8


def _l1_medoid(X, w):
    """The data point minimising the weighted summed L1 distance to all rows."""
    totals = np.empty(X.shape[0])
    for rows in gen_row_chunks(X.shape[0], 8 * X.shape[0] * 2):
        totals[rows] = np.abs(X[rows, None, :] - X[None, :, :]).sum(axis=2) @ w
    totals[w <= 0] = np.inf  # a row of weight zero is not in the data
    return X[int(np.argmin(totals))].copy()


def _spatial_median(rows, X, max_iter=200, tol=1e-10):
    """Weiszfeld's iteration for the weighted multivariate L1 (spatial) median.

    Starts at the coordinate-wise median; each step is one sum over rows.
    """
    xp = rows.xp
    m = rows.medians(X)

    def step(w, X, c):
        weights = w / xp.maximum(xp.linalg.vector_norm(X - c, axis=1), 1e-12)
        return xp.sum(weights), weights @ X

    for _ in range(max_iter):
        total, weighted = rows.reduce(step, X, rows.asarray(m, X))
        new = weighted / total
        if np.linalg.norm(new - m) <= tol * (1.0 + np.linalg.norm(m)):
            return new
        m = new
    return m


def _location_intensity(rows, X, centre):
    """Sandwich-variance intensity of the shrinkage toward ``mean(centre) * 1``."""
    xp, p = rows.xp, X.shape[1]

    def sums(w, X, c):
        Y = X - c
        norms = xp.sum(xp.abs(Y), axis=1)
        safe = xp.where(norms > 0, norms, xp.ones_like(norms))
        inverse = xp.where(norms > 0, w / safe, xp.zeros_like(norms))
        U = Y / safe[:, None]
        return (xp.sum(w), xp.sum(inverse), (Y * (inverse / safe**2)[:, None]).T @ Y,
                (U * w[:, None]).T @ U)

    n, inverse, cubic, B = rows.reduce(sums, X, rows.asarray(centre, X))
    A = (np.eye(p) * inverse - cubic) / n
    A_inv = np.linalg.pinv(A)
    variance = A_inv @ (B / n) @ A_inv / n
    target = np.full(p, centre.mean())
    gap = float(np.sum((centre - target) ** 2))
    intensity = 1.0 if gap == 0 else float(np.clip(np.trace(variance) / gap, 0, 1))
    return intensity, target


def _comedian(rows, Y, progress):
    """``S[j, k] = median_i (Y_ij Y_ik)``: a column block at a time in memory,
    every pair in one distributed selection on a dask array."""
    p = Y.shape[1]
    S = np.empty((p, p))
    if rows.dask:
        upper = np.triu_indices(p)
        S[upper] = rows.medians(Y, lambda B: B[:, upper[0]] * B[:, upper[1]])
        S.T[upper] = S[upper]
        progress.update(p, message="comedian (all columns)")
        return S
    for j in range(p):
        S[j, j:] = rows.medians(Y[:, j : j + 1] * Y[:, j:])
        S[j:, j] = S[j, j:]
        progress.update(message="comedian column")
    return S


def _second_moments(rows, Y, fourth):
    """``sum_i w_i Y_i^2`` and, if ``fourth``, ``sum_i w_i (Y_i^2)^T (Y_i^2)``."""
    def sums(w, Y):
        squares = Y * Y
        if not fourth:
            return (w @ squares,)
        return w @ squares, (squares * w[:, None]).T @ squares

    return rows.reduce(sums, Y) + (None,) * (not fourth)


def _consistent_diagonal(S0, moments, n):
    """Diagonal scaled for consistency at the normal; degenerate ones replaced.

    A feature where more than half of the (weighted) rows sit at the centre
    (one-hot or zero-inflated columns) has comedian variance zero, which would
    give every row off the centre an infinite distance. Such a feature takes
    its classical second moment about the centre instead (zero only for a
    constant feature).
    """
    diag = np.diag(S0) / _CHI2_1_MEDIAN
    degenerate = diag <= 0
    diag[degenerate] = moments[degenerate] / n
    S0[np.diag_indices_from(S0)] = diag
    return S0


def _orthogonalised(rows, S0, Y):
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
    P = Y @ rows.asarray(V[:, bad], Y)
    robust = rows.medians(P * P) / _CHI2_1_MEDIAN
    classical = _second_moments(rows, P, False)[0]
    lam[bad] = np.where(robust > 0, robust, classical / rows.total_weight())
    return (V * lam) @ V.T


def _scaled(X, exponent):
    """``X * 2**exponent``, exact (two factors where one is not a float)."""
    half = exponent // 2
    if abs(exponent) <= 1000:
        return X * 2.0**exponent
    return (X * 2.0**half) * 2.0 ** (exponent - half)


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
    overflow float64 where their entries do, with a ``UserWarning``;
    ``location_`` and ``whitener_`` stay exact).

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
        ``d^2(x) = ||(x - location_) whitener_.W_||^2`` (NumPy, on the host,
        also after an array-API fit).
    n_passes_ : int
        Block passes over a dask ``X`` (0 in memory).
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
        X : array-like, array-API array or dask array of shape (n_samples, n_features)
            Training rows. An array-API input (under
            ``sklearn.config_context(array_api_dispatch=True)``) is fitted on
            its device in float64 (the ``d x d`` factorisations on the host)
            and the fitted arrays are in its namespace and dtype. A dask array
            is read block by block, never whole: one pass for ``max |X|``, an
            exact distributed selection for the coordinate-wise median (5
            passes up to 128 features), one pass per Weiszfeld step (at most
            200, about 15 on Gaussian-like data), one for the location
            shrinkage, one for the second and fourth moments, one selection
            for all ``d (d + 1) / 2`` comedian entries (5 passes up to
            ``d = 15``, 7 at ``d = 32``, 16 at ``d = 256`` with the default
            working-memory budget), and one more selection plus a pass when
            the comedian is not positive definite; the result equals the
            in-memory fit. ``n_passes_`` tells the count.
            ``location='l1_medoid'`` needs NumPy input.
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
        in_dtype = getattr(X, "dtype", None)  # float32 device input stays float32
        X, w = _validated_rows(self, X, sample_weight)
        rows = RowAccess(X, w)
        if self.location == "l1_medoid" and (rows.dask or rows.array_api):
            raise ValueError(
                "location='l1_medoid' compares every pair of rows and needs a "
                "NumPy X; use location='l1_median' or 'median' on dask or "
                "array-API input.")
        top = float(np.max(rows.max_abs(X)))
        if not np.isfinite(top):  # NumPy input was checked; this is dask's check
            raise ValueError("Input X contains NaN or infinity. Impute them "
                             "first, for example with sklearn.impute.SimpleImputer.")
        e = _power_of_two_exponent(top)
        with Progress(X.shape[1] + 1, self.verbose,
                      desc=type(self).__name__) as progress:
            location, S0, cov = self._fit_scaled(rows, _scaled(X, -e), progress)
        self.n_passes_ = rows.passes
        whitener = Whitener(method="eigh", singular="floor").fit(cov)
        like = in_dtype if rows.array_api else None
        self.raw_location_ = rows.asarray(np.ldexp(self.raw_location_, e), like)
        self.location_ = rows.asarray(np.ldexp(location, e), like)
        # the estimate itself is computed on X / 2**e; only these reported
        # matrices can leave float64's range (|X| beyond 1e+-154)
        self.raw_covariance_ = rows.asarray(_in_units(S0, 2 * e), like)
        self.covariance_ = rows.asarray(_in_units(cov, 2 * e, "covariance_"), like)
        self.precision_ = rows.asarray(
            _in_units(whitener.W_ @ whitener.W_.T, -2 * e, "precision_"), like)
        whitener.W_ = np.ldexp(whitener.W_, -e)
        whitener.logdet_ += 2 * X.shape[1] * e * np.log(2.0)
        self.whitener_ = whitener
        return self

    def _fit_scaled(self, rows, X, progress):
        """The estimate on ``X`` already divided by its power-of-two scale."""
        if self.location == "l1_medoid":
            centre = _l1_medoid(X, rows.ones())
        elif self.location == "l1_median":
            centre = _spatial_median(rows, X)
        else:
            centre = rows.medians(X)
        self.raw_location_ = centre
        self.location_shrinkage_ = 0.0
        if self.shrink_location:
            intensity, target = _location_intensity(rows, X, centre)
            self.location_shrinkage_ = intensity
            centre = intensity * target + (1 - intensity) * centre
        progress.update(message="centre")
        Y = X - rows.asarray(centre, X)
        squares, fourth = _second_moments(rows, Y, self.shrinkage == "auto")
        n = rows.total_weight()
        S0 = _consistent_diagonal(_comedian(rows, Y, progress), squares, n)
        S0 = _orthogonalised(rows, S0, Y)
        target = np.eye(len(S0)) * np.mean(np.diag(S0))
        if self.shrinkage == "auto":
            phi = float(np.sum(fourth / n - S0 * S0))
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
        X : array-like, array-API array or dask array of shape (n_samples, n_features)
            Rows to measure (NaN and infinity are rejected); an array-API
            array gives distances in its namespace and dtype, a dask array a
            lazy dask array.

        Returns
        -------
        dist : ndarray of shape (n_samples,)
            Squared distances.
        """
        check_is_fitted(self)
        if is_dask_array(X):
            X, _ = _validated_rows(self, X, None, reset=False)
            return X.map_blocks(self.mahalanobis, drop_axis=1, dtype=np.float64)
        xp, array_api = get_namespace(X)
        if not array_api:
            X = validate_data(self, X, dtype=np.float64, reset=False)
            Z = self.whitener_.transform(X, to_numpy(self.location_))
            return np.einsum("ij,ij->i", Z, Z)
        X, _ = _validated_rows(self, X, None, reset=False)
        rows = RowAccess(X)
        Z = (X - rows.asarray(to_numpy(self.location_), X)) @ rows.asarray(
            self.whitener_.W_, X)
        return xp.sum(Z * Z, axis=1)


def _validated_rows(est, X, sample_weight, reset=True):
    """``(X, w)`` checked where they live: NumPy, an array-API device or dask.

    Never copies an array-API or dask ``X`` to the host; a device ``X`` is
    fitted in float64 on its device (``reset=True``).
    """
    xp, array_api = (None, False) if is_dask_array(X) else get_namespace(X)
    if not (array_api or is_dask_array(X)):
        X = validate_data(est, X, dtype=np.float64, reset=reset,
                          ensure_min_samples=2 if reset else 1)
        w = None if sample_weight is None else check_sample_weight_values(
            _check_sample_weight(sample_weight, X, dtype=np.float64))
        return X, w
    if X.ndim != 2 or X.shape[0] < (2 if reset else 1) or X.shape[1] < 1:
        raise ValueError(
            f"X must be 2-D with at least {2 if reset else 1} row(s) and one "
            f"feature, got shape {tuple(X.shape)}.")
    if reset:
        est.n_features_in_ = X.shape[1]
        est.__dict__.pop("feature_names_in_", None)
    elif X.shape[1] != est.n_features_in_:
        raise ValueError(f"X has {X.shape[1]} features, but {type(est).__name__} "
                         f"is expecting {est.n_features_in_} features as input.")
    if is_dask_array(X):
        X = X.rechunk({1: -1}) if X.numblocks[1] != 1 else X
        X = X.astype(np.float64) if X.dtype != np.float64 else X
    else:
        if not bool(xp.all(xp.isfinite(X))):
            raise ValueError("Input X contains NaN or infinity. Impute them "
                             "first, for example with sklearn.impute.SimpleImputer.")
        X = xp.astype(X, xp.float64) if reset else X
    w = None
    if sample_weight is not None:
        w = check_sample_weight_values(np.asarray(to_numpy(sample_weight),
                                                  dtype=np.float64))
        if w.shape != (X.shape[0],):
            raise ValueError(f"sample_weight must have shape ({X.shape[0]},), got "
                             f"{w.shape}.")
        w = w if xp is None else RowAccess(X).asarray(w)
    return X, w
