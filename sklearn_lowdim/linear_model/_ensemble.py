"""Subsample ridge ensembles, fixed or tuned by (corrected) GCV on the full data."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ._base import (
    _COMMON_PARAMS,
    _CRITERIA,
    _RidgeEnsembleMixin,
    grid_results,
    select_grid_point,
)
from ._gcv_path import subsample_path
from ._problem import PathProblem

__all__ = ["SubsampleRidgeEnsemble", "SubsampleRidgeEnsembleCV"]


class _SubsampleMixin(_RidgeEnsembleMixin):
    def _path(self, Xc, yc, sample_weight, alphas, sizes):
        problem = PathProblem(Xc, yc, alphas, sample_weight, x_absmax=self._x_absmax)
        return subsample_path(
            problem, sizes, n_estimators=self.n_estimators,
            bootstrap=self.bootstrap, random_state=self.random_state,
            n_jobs=self.n_jobs, verbose=self.verbose,
        )


class SubsampleRidgeEnsemble(_SubsampleMixin, RegressorMixin, BaseEstimator):
    """Average of ridge fits on random subsamples, with its GCV risk estimates.

    The penalty is per sample, not scikit-learn's: with all ``n`` rows
    (the default ``subsample_size=1.0``), ``SubsampleRidgeEnsemble(alpha=a)``
    behaves like ``sklearn.linear_model.Ridge(alpha=n * a)``, and a member on
    ``k`` rows like ``Ridge(alpha=k * a)`` on those rows. To reproduce
    ``Ridge(alpha=A)``, pass ``alpha=A / n_samples`` (``A / sum(sample_weight)``
    with weights).

    Each of ``n_estimators`` members solves
    ``argmin_b (1/k)||y_I - X_I b||^2 + alpha ||b||^2`` on ``k`` rows drawn
    without replacement; ``alpha=0`` is the minimum-norm (ridgeless)
    least-squares fit. The ensemble averages the members' coefficients, so
    ``predict`` is one GEMV. ``fit`` also reports GCV, corrected GCV (Bellec et
    al. 2023) and union GCV for every ensemble size up to ``n_estimators``, and
    the ``1/M`` risk extrapolation.

    With ``sample_weight`` a member minimises
    ``(1/W_I) sum_{i in I} w_i (y_i - x_i b)^2 + alpha ||b||^2``, ``W_I`` the
    weight of its rows: integer weights are repeated rows for a full-sample
    member, and multiplying all weights by a constant changes no coefficient. Rows are
    drawn uniformly, whatever their weight (a weight is not a sampling
    probability), and ``subsample_size`` counts rows. The criteria weight the
    squared residuals and use the total weight in place of ``n``; corrected GCV
    uses the expected member weight ``k sum(w) / n``.

    Parameters
    ----------
    alpha : float, default=1.0
        Per-sample normalised penalty, >= 0 (scikit-learn's ``Ridge`` penalty
        divided by the number of rows).
    subsample_size : int or float, default=1.0
        Rows per member: an int count in ``[2, n]`` or a fraction in (0, 1].
        With all rows and ``bootstrap=False`` every member is the same ridge fit,
        so one is fitted.
    n_estimators : int, default=50
        Number of members ``M``.
    bootstrap : bool, default=False
        Draw rows with replacement (scikit-learn's bagging default). The papers'
        setting, and the default here, is without.
    fit_intercept : bool, default=True
        Centre ``X`` and ``y`` by their full-data means first.
    n_jobs : int, default=None
        Number of joblib workers for the members (one BLAS thread each).
        ``None`` follows the active joblib backend, as in scikit-learn: one
        process normally, the cluster inside ``joblib.parallel_backend("dask")``.
        Results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Seeds the members' random draws; the fit depends only on it, not on
        ``n_jobs``.
    verbose : int, default=0
        Report progress over the members to stderr when positive.

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
    SubsampleRidgeEnsembleCV : Tunes ``alpha`` and the subsample size by GCV.

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
    def fit(self, X, y, sample_weight=None):
        """Fit the members and keep their average.

        A row-chunked Dask ``X`` is never materialised: ``fit`` reads it in
        three block passes (column statistics and checks; every member's
        ``X_I^T X_I`` and ``X_I^T y_I`` for all subsample sizes at once; the
        residual sums of the criteria), then runs the in-memory path on the
        ``p x p`` Gram matrices. The Gram pass is split into one pass per group
        of members when their ``p x (p + t)`` matrices together exceed the
        working-memory budget. ``y`` and ``sample_weight`` are brought into
        memory. Members use the ``p x p`` Gram matrix whatever their size (in
        memory a member with fewer rows than features, or a ridgeless one near
        interpolation, uses its rows directly; the results agree to rounding).
        ``predict`` is lazy; ``predict_interval`` reads ``X`` once more.

        Under ``sklearn.config_context(array_api_dispatch=True)`` an array-API
        ``X`` (CuPy, PyTorch, ...) never leaves its device: finiteness, column
        means, the member Gram matrices and the criteria's residual sums are
        reductions there (in float64 where the device has it); the ``p x p``
        eigendecompositions run on the host in float64 (the same LAPACK call
        as for NumPy). ``coef_`` and ``intercept_`` live on the device in
        ``X``'s dtype (float32 stays float32); the criteria are NumPy arrays.
        ``y`` and ``sample_weight`` are copied to the host.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights; see the class docstring.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        Xc, yc, w = self._validate_xy(X, y, sample_weight)
        path = self._path(Xc, yc, w, [self.alpha], self.subsample_size)
        self._set_model(Xc, yc, path, 0, 0, "cgcv")
        self.subsample_size_ = int(path["subsample_sizes"][0])
        for key, values in self.criteria_by_n_estimators_.items():
            setattr(self, f"{key}_score_", float(values[-1]))
        return self


class SubsampleRidgeEnsembleCV(_SubsampleMixin, RegressorMixin, BaseEstimator):
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
        Draw each member's rows with replacement; see
        :class:`SubsampleRidgeEnsemble`.
    fit_intercept : bool, default=True
        Centre ``X`` and ``y`` by their full-data means first.
    n_jobs : int, default=None
        Number of joblib workers for the members (one BLAS thread each).
        ``None`` follows the active joblib backend, as in scikit-learn: one
        process normally, the cluster inside ``joblib.parallel_backend("dask")``.
        Results do not depend on it.
    random_state : int, RandomState instance or None, default=None
        Seeds the members' random draws; the fit depends only on it, not on
        ``n_jobs``.
    verbose : int, default=0
        Report progress over the members to stderr when positive.

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

    See Also
    --------
    SubsampleRidgeEnsemble : One ensemble at a fixed penalty and size.
    ridge_ensemble_gcv_path : The criteria over the whole grid.

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
    def fit(self, X, y, sample_weight=None):
        """Score every grid point by the criterion and keep the best ensemble.

        A row-chunked Dask ``X`` is never materialised: three block passes, as
        in :meth:`SubsampleRidgeEnsemble.fit` (the member Gram matrices of every
        grid size in one pass); ``predict`` is lazy. An array-API ``X`` under
        dispatch is fitted on its device, as in :meth:`SubsampleRidgeEnsemble.fit`.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights; see :class:`SubsampleRidgeEnsemble`.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        Xc, yc, w = self._validate_xy(X, y, sample_weight)
        n = Xc.shape[0]
        alphas = np.logspace(-3, 1, 10) if self.alphas is None else self.alphas
        sizes = self.subsample_sizes
        if sizes is None:
            sizes = np.unique(np.clip(np.round(np.geomspace(0.1, 1, 10) * n), 2, n))
            sizes = sizes.astype(np.intp)
        path = self._path(Xc, yc, w, alphas, sizes)
        scores = {key: path[key][:, :, -1, :].mean(axis=-1) for key in _CRITERIA}
        grid = scores[self.criterion]
        i, j = select_grid_point(grid)
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
