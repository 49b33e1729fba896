"""Subsample ridge ensembles, fixed or tuned by (corrected) GCV on the full data."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._doc_link import DocLinkMixin
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ._gcv_path import extrapolate_risk, ridge_ensemble_gcv_path

__all__ = ["SubsampleRidgeEnsemble", "SubsampleRidgeEnsembleCV"]

_CRITERIA = ("gcv", "cgcv", "gcv_union")


class _RidgeEnsembleMixin(DocLinkMixin):
    """Shared fitting glue, prediction, risk extrapolation and intervals.

    Subclasses set ``coef_`` (averaged member), ``intercept_``, ``dof_``,
    ``risk_extrapolation_`` and ``_interval_residuals`` through :meth:`_set_model`.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def _validate_xy(self, X, y):
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32],
                             y_numeric=True, multi_output=True,
                             ensure_min_samples=2)
        y = np.asarray(y, dtype=np.float64)
        y2 = y[:, None] if y.ndim == 1 else y
        if np.any(np.ptp(y2, axis=0) == 0):
            raise ValueError(
                "y is constant (in at least one target column): every penalty fits "
                "it exactly, so GCV cannot choose one. Drop that target, or predict "
                "its constant value directly."
            )
        self._y_1d = y.ndim == 1
        if self.fit_intercept:
            # full-data means (the papers leave per-subsample centring open; it
            # changes the degrees of freedom by about one)
            self._x_mean = X.mean(axis=0, dtype=np.float64)
            self._y_mean = y2.mean(axis=0)
            return X - self._x_mean.astype(X.dtype), y2 - self._y_mean
        self._x_mean = np.zeros(X.shape[1])
        self._y_mean = np.zeros(y2.shape[1])
        return X, y2

    def _set_model(self, Xc, yc, path, i, j, criterion, criteria=_CRITERIA):
        """Keep the ensemble at size index ``i`` and penalty index ``j``."""
        coef = path["coef"][i, j]  # (t, p)
        self.coef_ = coef[0] if self._y_1d else coef
        intercept = self._y_mean - coef @ self._x_mean
        self.intercept_ = float(intercept[0]) if self._y_1d else intercept
        self.dof_ = float(path["dof"][i, j])
        n = Xc.shape[0]
        self.criteria_by_n_estimators_ = {
            key: path[key][i, j].mean(axis=-1) for key in criteria
        }
        r1, r_inf = extrapolate_risk(self.criteria_by_n_estimators_[criterion])
        self.risk_extrapolation_ = np.array([r1, r_inf])
        resid = yc - np.asarray(Xc, dtype=np.float64) @ coef.T
        with np.errstate(divide="ignore"):
            self._interval_residuals = resid / max(1.0 - self.dof_ / n, 1e-12)

    def predict(self, X):
        """Predict with the averaged coefficients (one GEMV, whatever M).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_targets)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        pred = X @ self.coef_.T.astype(X.dtype) + np.asarray(self.intercept_,
                                                            dtype=X.dtype)
        return pred

    def risk_path(self, n_estimators):
        """Estimated prediction risk of the same ensemble with other sizes M.

        ``R_M = R_1 / M + (1 - 1/M) R_inf`` (the 1/M structure of i.i.d.
        ensembles), with ``R_1`` and ``R_inf`` fitted by least squares to the
        criterion at ``M' = 1..n_estimators`` during ``fit``: tune with a small
        ensemble and read off the risk of a large one (``np.inf`` allowed).

        Parameters
        ----------
        n_estimators : int, float or array-like
            Ensemble sizes ``M >= 1``.

        Returns
        -------
        risk : float or ndarray
            Estimated risk (mean squared prediction error on new rows, noise
            included, averaged over targets).
        """
        check_is_fitted(self)
        M = np.asarray(n_estimators, dtype=np.float64)
        if np.any(M < 1) or np.any(np.isnan(M)):
            raise ValueError(f"n_estimators must be >= 1, got {n_estimators}.")
        r1, r_inf = self.risk_extrapolation_
        risk = r1 / M + (1 - 1 / M) * r_inf
        return float(risk) if risk.ndim == 0 else risk

    def predict_interval(self, X, coverage=0.9):
        """Prediction intervals from GCV-corrected residuals (Patil, LeJeune).

        The training residuals of the ensemble divided by ``1 - dof_/n`` stand in
        for out-of-sample errors; their empirical ``(1 -/+ coverage) / 2``
        quantiles are added to the prediction. Coverage is asymptotically
        correct conditional on the training data; the fitted estimator keeps
        the ``n`` corrected residuals for this.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        coverage : float in (0, 1), default=0.9

        Returns
        -------
        lower, upper : ndarrays shaped like :meth:`predict`'s output
        """
        if not 0 < coverage < 1:
            raise ValueError(f"coverage must lie in (0, 1), got {coverage!r}.")
        pred = self.predict(X)
        q = np.quantile(self._interval_residuals,
                        [(1 - coverage) / 2, (1 + coverage) / 2], axis=0)
        if self._y_1d:
            q = q[:, 0]
        return pred + q[0], pred + q[1]


_COMMON_PARAMS = {
    "n_estimators": [Interval(numbers.Integral, 1, None, closed="left")],
    "bootstrap": ["boolean"],
    "fit_intercept": ["boolean"],
    "n_jobs": [numbers.Integral, None],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


class SubsampleRidgeEnsemble(_RidgeEnsembleMixin, RegressorMixin, BaseEstimator):
    """Average of ridge fits on random subsamples, with its GCV risk estimates.

    Each of ``n_estimators`` members solves
    ``argmin_b (1/k)||y_I - X_I b||^2 + alpha ||b||^2`` on ``k`` rows drawn
    without replacement; a member equals scikit-learn's
    ``Ridge(alpha=k * alpha)`` on those rows, and ``alpha=0`` is the
    minimum-norm (ridgeless) least-squares fit. The ensemble averages the
    members' coefficients, so ``predict`` is one GEMV. ``fit`` also reports GCV,
    corrected GCV (Bellec et al. 2023) and union GCV for every ensemble size up
    to ``n_estimators``, and the ``1/M`` risk extrapolation.

    Parameters
    ----------
    alpha : float, default=1.0
        Per-sample normalised penalty, >= 0.
    subsample_size : int or float, default=1.0
        Rows per member: an int count in ``[2, n]`` or a fraction in (0, 1].
        With all rows and ``bootstrap=False`` every member is the same ridge fit,
        so one is fitted.
    n_estimators : int, default=50
    bootstrap : bool, default=False
        Draw rows with replacement (scikit-learn's bagging default). The papers'
        setting, and the default here, is without.
    fit_intercept : bool, default=True
        Centre ``X`` and ``y`` by their full-data means first.
    n_jobs : int, default=None
        joblib workers for the members (one BLAS thread each; works with
        ``joblib.parallel_backend("dask")``). Results do not depend on it.
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    dof_ : float
        Mean member degrees of freedom ``tr(L)``.
    subsample_size_ : int
    gcv_score_, cgcv_score_, gcv_union_score_ : float
        The criteria at ``M = n_estimators`` (averaged over targets).
    criteria_by_n_estimators_ : dict of ndarray of shape (n_estimators,)
        ``"gcv"``, ``"cgcv"``, ``"gcv_union"`` for every ensemble size.
    risk_extrapolation_ : ndarray of shape (2,)
        ``(R_1, R_inf)`` fitted to corrected GCV over the ensemble sizes.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    SubsampleRidgeEnsembleCV : tunes ``alpha`` and the subsample size by GCV.

    References
    ----------
    Jin-Hong Du, Pratik Patil, Arun Kuchibhotla, "Subsample Ridge Ensembles:
    Equivalences and Generalized Cross-Validation", ICML 2023.
    Pierre Bellec, Jin-Hong Du, Takuya Koriyama, Pratik Patil, Kai Tan,
    "Corrected generalized cross-validation for finite ensembles of penalized
    estimators", arXiv:2310.01374.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.linear_model import SubsampleRidgeEnsemble
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 10))
    >>> y = X @ np.ones(10) + rng.standard_normal(300)
    >>> est = SubsampleRidgeEnsemble(alpha=0.01, subsample_size=0.5,
    ...                              n_estimators=20, random_state=0).fit(X, y)
    >>> round(est.score(X, y), 1)
    0.9
    >>> bool(est.risk_path(1) > est.risk_path(20))  # larger ensembles do better
    True
    """

    _parameter_constraints = {
        "alpha": [Interval(numbers.Real, 0, None, closed="left")],
        "subsample_size": [Interval(numbers.Integral, 2, None, closed="left"),
                           Interval(numbers.Real, 0, 1, closed="right")],
        **_COMMON_PARAMS,
    }

    def __init__(self, alpha=1.0, *, subsample_size=1.0, n_estimators=50,
                 bootstrap=False, fit_intercept=True, n_jobs=None,
                 random_state=None, verbose=0):
        self.alpha = alpha
        self.subsample_size = subsample_size
        self.n_estimators = n_estimators
        self.bootstrap = bootstrap
        self.fit_intercept = fit_intercept
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit the members and keep their average.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self : object
        """
        Xc, yc = self._validate_xy(X, y)
        path = ridge_ensemble_gcv_path(
            Xc, yc, [self.alpha], subsample_sizes=self.subsample_size,
            n_estimators=self.n_estimators, bootstrap=self.bootstrap,
            random_state=self.random_state, n_jobs=self.n_jobs,
            verbose=self.verbose,
        )
        self._set_model(Xc, yc, path, 0, 0, "cgcv")
        self.subsample_size_ = int(path["subsample_sizes"][0])
        for key, values in self.criteria_by_n_estimators_.items():
            setattr(self, f"{key}_score_", float(values[-1]))
        return self


class SubsampleRidgeEnsembleCV(_RidgeEnsembleMixin, RegressorMixin, BaseEstimator):
    """Subsample ridge ensemble tuned over (penalty, subsample size) without a split.

    Every grid point's ensemble (see :class:`SubsampleRidgeEnsemble`) is scored
    on the full data by corrected GCV (Bellec et al. 2023; default), plain GCV
    or union GCV, all computed by :func:`ridge_ensemble_gcv_path` at the cost of
    one eigendecomposition per member; the best ensemble is kept. No data is
    held out, and the criteria are available for every ensemble size up to
    ``n_estimators``.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,), default=None
        Per-sample normalised penalties (>= 0; a member with penalty ``alpha``
        on ``k`` rows equals ``Ridge(alpha=k * alpha)``). ``None`` is
        ``np.logspace(-3, 1, 10)``.
    subsample_sizes : array-like of int or float, default=None
        Rows per member: int counts in ``[2, n]`` or fractions in (0, 1].
        ``None`` is ten sizes spaced geometrically from ``0.1 n`` to ``n``.
    n_estimators : int, default=50
        Members per grid point.
    criterion : {"cgcv", "gcv", "gcv_union"}, default="cgcv"
        Corrected GCV is consistent for every ensemble size; plain GCV is
        biased for small ensembles (and ridgeless members near
        interpolation).
    bootstrap : bool, default=False
    fit_intercept : bool, default=True
    n_jobs : int, default=None
        joblib workers for the members (``joblib.parallel_backend("dask")``
        works unchanged).
    random_state : int, RandomState instance or None, default=None
    verbose : int, default=0

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,) or (n_targets, n_features)
    intercept_ : float or ndarray of shape (n_targets,)
    alpha_ : float
    subsample_size_ : int
    best_score_ : float
        The criterion's estimate of the prediction risk at the selected point
        (lower is better).
    best_params_ : dict
        ``{"alpha": alpha_, "subsample_size": subsample_size_}``.
    alphas_ : ndarray of shape (n_alphas,)
    subsample_sizes_ : ndarray of shape (n_sizes,)
    gcv_scores_ : ndarray of shape (n_sizes, n_alphas)
        The criterion at ``M = n_estimators`` (averaged over targets).
    cv_results_ : dict of ndarrays
        Over the flattened grid: ``param_alpha``, ``param_subsample_size``,
        ``gcv``, ``cgcv``, ``gcv_union``, ``dof``, ``rank_test_score`` and
        ``params``, in the spirit of ``GridSearchCV``.
    dof_ : float
    n_estimators_ : int
        Members fitted at the selected point (1 for all rows without
        bootstrap).
    criteria_by_n_estimators_ : dict of ndarray of shape (n_estimators,)
        The three criteria at the selected point for every ensemble size.
    risk_extrapolation_ : ndarray of shape (2,)
        ``(R_1, R_inf)`` at the selected point; see :meth:`risk_path`.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.linear_model import SubsampleRidgeEnsembleCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 10))
    >>> y = X @ np.ones(10) + rng.standard_normal(300)
    >>> est = SubsampleRidgeEnsembleCV(subsample_sizes=[0.5, 1.0], n_estimators=10,
    ...                                random_state=0).fit(X, y)
    >>> est.gcv_scores_.shape
    (2, 10)
    >>> round(est.score(X, y), 1)
    0.9
    """

    _parameter_constraints = {
        "alphas": ["array-like", None],
        "subsample_sizes": ["array-like", None],
        "criterion": [StrOptions(set(_CRITERIA))],
        **_COMMON_PARAMS,
    }

    def __init__(self, alphas=None, *, subsample_sizes=None, n_estimators=50,
                 criterion="cgcv", bootstrap=False, fit_intercept=True, n_jobs=None,
                 random_state=None, verbose=0):
        self.alphas = alphas
        self.subsample_sizes = subsample_sizes
        self.n_estimators = n_estimators
        self.criterion = criterion
        self.bootstrap = bootstrap
        self.fit_intercept = fit_intercept
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Score every grid point by the criterion and keep the best ensemble.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets)

        Returns
        -------
        self : object
        """
        Xc, yc = self._validate_xy(X, y)
        n = Xc.shape[0]
        alphas = np.logspace(-3, 1, 10) if self.alphas is None else self.alphas
        sizes = self.subsample_sizes
        if sizes is None:
            sizes = np.unique(np.clip(np.round(np.geomspace(0.1, 1, 10) * n), 2, n))
            sizes = sizes.astype(np.intp)
        path = ridge_ensemble_gcv_path(
            Xc, yc, alphas, subsample_sizes=sizes, n_estimators=self.n_estimators,
            bootstrap=self.bootstrap, random_state=self.random_state,
            n_jobs=self.n_jobs, verbose=self.verbose,
        )
        scores = {key: path[key][:, :, -1, :].mean(axis=-1) for key in _CRITERIA}
        grid = scores[self.criterion]
        finite = np.where(np.isfinite(grid), grid, np.inf)
        i, j = np.unravel_index(np.argmin(finite), grid.shape)
        self._set_model(Xc, yc, path, i, j, self.criterion)
        self.alphas_ = path["alphas"]
        self.subsample_sizes_ = path["subsample_sizes"]
        self.gcv_scores_ = grid
        self.alpha_ = float(self.alphas_[j])
        self.subsample_size_ = int(self.subsample_sizes_[i])
        self.best_score_ = float(grid[i, j])
        self.best_params_ = {"alpha": self.alpha_,
                             "subsample_size": self.subsample_size_}
        self.n_estimators_ = 1 if (self.subsample_size_ == n and not self.bootstrap) \
            else int(self.n_estimators)
        self.cv_results_ = grid_results(
            path["alphas"], path["subsample_sizes"], "subsample_size", grid,
            {**{key: scores[key] for key in _CRITERIA}, "dof": path["dof"]})
        return self


def grid_results(alphas, sizes, size_name, grid, columns):
    """``cv_results_`` over the flattened (size, penalty) grid, ranked by ``grid``.

    ``columns`` maps names to (n_sizes, n_alphas) arrays to flatten alongside.
    """
    n_sizes, n_alphas = grid.shape
    flat = grid.ravel()
    order = np.argsort(np.where(np.isfinite(flat), flat, np.inf), kind="stable")
    rank = np.empty(flat.size, dtype=np.int32)
    rank[order] = np.arange(1, flat.size + 1)
    alpha = np.tile(alphas, n_sizes)
    size = np.repeat(sizes, n_alphas)
    return {
        "param_alpha": alpha,
        f"param_{size_name}": size,
        "params": [{"alpha": float(a), size_name: int(k)}
                   for a, k in zip(alpha, size)],
        **{name: np.asarray(values).ravel() for name, values in columns.items()},
        "rank_test_score": rank,
    }
