"""Feature-sketched ridge ensembles, fixed or tuned by GCV (Patil and LeJeune)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from ..sketching import SKETCH_KINDS
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ._base import _COMMON_PARAMS, _RidgeEnsembleMixin, grid_results, select_grid_point
from ._problem import PathProblem, refit_full_ridge
from ._sketched_path import ORTHOGONAL_SKETCHES, sketched_path

__all__ = ["SketchedRidgeEnsemble", "SketchedRidgeEnsembleCV"]

_PARAMS = {key: _COMMON_PARAMS[key] for key in
           ("n_estimators", "fit_intercept", "n_jobs", "random_state", "verbose")}


class _SketchedMixin(_RidgeEnsembleMixin):
    def _path(self, Xc, yc, sample_weight, alphas, sizes):
        problem = PathProblem(Xc, yc, alphas, sample_weight, nonnegative=False,
                              x_absmax=self._x_absmax)
        return sketched_path(
            problem, sizes, sketch=self.sketch, n_estimators=self.n_estimators,
            random_state=self.random_state, n_jobs=self.n_jobs, verbose=self.verbose,
        )


class SketchedRidgeEnsemble(_SketchedMixin, RegressorMixin, BaseEstimator):
    """Average of ridge fits on independently sketched features.

    Each of ``n_estimators`` members draws a sketch ``S`` of the features
    (:func:`sklearn_lowdim.sketching.make_sketch`, shape
    ``(sketch_size, n_features)``), solves
    ``argmin_c (1/n)||y - X S^T c||^2 + alpha ||c||^2`` and predicts with
    ``beta = S^T c``; the ensemble averages the lifted coefficients, so
    ``predict`` is one GEMV. The penalty is normalised by ``n`` (a member
    equals ``Ridge(alpha=n * alpha)`` on ``X S^T``) and may be negative, down to
    minus the smallest nonzero eigenvalue of the sketched Gram matrix over
    ``n``: sketching already regularises, and the best penalty can be below 0.

    Parameters
    ----------
    alpha : float, default=1.0
        Penalty normalised by ``n``; may be negative (see above).
    sketch_size : int or float, default=0.5
        Sketched features per member: an int, or a fraction of
        ``n_features``.
    sketch : {"orthogonal", "gaussian", "countsketch", "srdct", "srht"}, \
            default="orthogonal"
        Orthogonal-type sketches (orthogonal, SRDCT, SRHT) need
        ``sketch_size <= n_features``.
    n_estimators : int, default=10
        Number of members (independent sketches).
    fit_intercept : bool, default=True
        Centre ``X`` and ``y`` by their means first.
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
    sketch_size_ : int
    gcv_score_ : float
    criteria_by_n_estimators_ : dict
        ``{"gcv": ndarray of shape (n_estimators,)}``: GCV for every ensemble
        size.
    risk_extrapolation_ : ndarray of shape (2,)
        ``(R_1, R_inf)`` fitted to GCV over the ensemble sizes.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    SketchedRidgeEnsembleCV : Tunes ``alpha`` and the sketch size by GCV.
    SubsampleRidgeEnsemble : Members on subsampled rows instead.

    References
    ----------
    Pratik Patil and Daniel LeJeune, "Asymptotically free sketched ridge
    ensembles: Risks, cross-validation, and tuning", ICLR 2024
    (arXiv:2310.04357).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.linear_model import SketchedRidgeEnsemble
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 50))
    >>> y = X @ rng.standard_normal(50) / 7 + 0.5 * rng.standard_normal(300)
    >>> est = SketchedRidgeEnsemble(alpha=0.0, sketch_size=0.5,
    ...                             random_state=0).fit(X, y)
    >>> est.coef_.shape
    (50,)
    >>> bool(est.risk_path(1) > est.risk_path(10))
    True
    """

    _parameter_constraints = {
        "alpha": [Interval(numbers.Real, None, None, closed="neither")],
        "sketch_size": [Interval(numbers.Integral, 1, None, closed="left"),
                        Interval(numbers.Real, 0, 1, closed="right")],
        "sketch": [StrOptions(set(SKETCH_KINDS))],
        **_PARAMS,
    }

    def __init__(self, alpha=1.0, *, sketch_size=0.5, sketch="orthogonal",
                 n_estimators=10, fit_intercept=True, n_jobs=None,
                 random_state=None, verbose=0):
        self.alpha = alpha
        self.sketch_size = sketch_size
        self.sketch = sketch
        self.n_estimators = n_estimators
        self.fit_intercept = fit_intercept
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the sketched members and keep their average.

        A row-chunked Dask ``X`` is never materialised: ``fit`` reads it in
        three block passes (column statistics and checks; ``X^T X`` and
        ``X^T y``, from which every member's sketched Gram matrix
        ``S X^T X S^T`` follows; the residual sums of GCV), then runs
        the in-memory path on the small matrices. ``y`` and ``sample_weight``
        are brought into memory. ``predict`` is lazy; ``predict_interval``
        reads ``X`` once more. An array-API ``X`` under dispatch is fitted on
        its device (``X^T X`` and the residual sums there, the sketched
        spectra on the host in float64), as in
        :meth:`SubsampleRidgeEnsemble.fit`.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights: each row's squared error is weighted and
            the penalty is normalised by the total weight (integer weights equal
            repeated rows).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        Xc, yc, w = self._validate_xy(X, y, sample_weight)
        path = self._path(Xc, yc, w, [self.alpha], self.sketch_size)
        self._set_model(Xc, yc, path, 0, 0, "gcv", criteria=("gcv",))
        self.sketch_size_ = int(path["sketch_sizes"][0])
        self.gcv_score_ = float(self.criteria_by_n_estimators_["gcv"][-1])
        return self


class SketchedRidgeEnsembleCV(_SketchedMixin, RegressorMixin, BaseEstimator):
    """Sketched ridge ensemble tuned over (penalty, sketch size) by GCV.

    Every grid point's ensemble (see :class:`SketchedRidgeEnsemble`) is scored
    by GCV on the full data, one eigendecomposition per member serving every
    penalty, and the best is kept.

    With ``ensemble_trick=True`` (orthogonal-type sketches, ``n_estimators >=
    2``) the estimator instead tunes *unsketched* ridge: by the ``1/K``
    structure of the risk, ``2 GCV_{K=2} - GCV_{K=1}`` estimates the risk of
    ridge on all features at the equivalent penalty ``mu`` of each grid point
    (Patil and LeJeune's ensemble trick); the grid point with the smallest
    estimate wins and ``coef_`` is plain ridge at its ``mu`` (one more fit).
    The trick's estimates and penalties are in ``ridge_risk_estimates_`` and
    ``equivalent_alphas_``.

    Parameters
    ----------
    alphas : array-like of shape (n_alphas,), default=None
        Penalties normalised by ``n``, may be negative (see
        :class:`SketchedRidgeEnsemble`). ``None`` is ``np.logspace(-3, 1, 10)``.
    sketch_sizes : array-like of int or float, default=None
        ``None`` is five sizes from 10% to 90% of ``n_features``.
    sketch : str, default="orthogonal"
        The sketch kind, see :class:`SketchedRidgeEnsemble`.
    n_estimators : int, default=10
        Number of members (independent sketches) per grid point.
    ensemble_trick : bool, default=False
        Tune unsketched ridge by the ensemble trick described above.
    fit_intercept : bool, default=True
        Centre ``X`` and ``y`` by their means first.
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
        Selected penalty (for the trick: the sketched one; the ridge penalty is
        ``equivalent_alpha_``).
    sketch_size_ : int
    best_score_ : float
    best_params_ : dict
        ``{"alpha": alpha_, "sketch_size": sketch_size_}``.
    alphas_ : ndarray of shape (n_alphas,)
    sketch_sizes_ : ndarray of shape (n_sizes,)
    gcv_scores_ : ndarray of shape (n_sizes, n_alphas)
        GCV at ``K = n_estimators`` (averaged over targets).
    cv_results_ : dict of ndarrays
        ``param_alpha``, ``param_sketch_size``, ``params``, ``gcv``, ``dof``,
        ``rank_test_score`` over the flattened grid.
    dof_ : float
    criteria_by_n_estimators_ : dict
    risk_extrapolation_ : ndarray of shape (2,)
    ridge_risk_estimates_, equivalent_alphas_ : ndarray of shape \
            (n_sizes, n_alphas)
        The ensemble trick's estimates (when ``n_estimators >= 2``).
    equivalent_alpha_, ridge_risk_estimate_ : float
        At the selected point, with ``ensemble_trick=True``.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    SketchedRidgeEnsemble : One ensemble at a fixed penalty and size.
    sketched_ridge_gcv_path : The criteria over the whole grid.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.linear_model import SketchedRidgeEnsembleCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 50))
    >>> y = X @ rng.standard_normal(50) / 7 + 0.5 * rng.standard_normal(300)
    >>> est = SketchedRidgeEnsembleCV(alphas=[-0.05, 0.0, 0.1, 1.0],
    ...                               random_state=0).fit(X, y)
    >>> est.gcv_scores_.shape
    (5, 4)
    >>> trick = SketchedRidgeEnsembleCV(alphas=[0.0, 0.1, 1.0], ensemble_trick=True,
    ...                                 random_state=0).fit(X, y)
    >>> bool(trick.equivalent_alpha_ > 0)
    True
    """

    _parameter_constraints = {
        "alphas": ["array-like", None],
        "sketch_sizes": ["array-like", None],
        "sketch": [StrOptions(set(SKETCH_KINDS))],
        "ensemble_trick": ["boolean"],
        **_PARAMS,
    }

    def __init__(self, alphas=None, *, sketch_sizes=None, sketch="orthogonal",
                 n_estimators=10, ensemble_trick=False, fit_intercept=True,
                 n_jobs=None, random_state=None, verbose=0):
        self.alphas = alphas
        self.sketch_sizes = sketch_sizes
        self.sketch = sketch
        self.n_estimators = n_estimators
        self.ensemble_trick = ensemble_trick
        self.fit_intercept = fit_intercept
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Score every grid point by GCV (or the ensemble trick), keep the best.

        A row-chunked Dask ``X`` is never materialised: ``fit`` reads it in
        three block passes (column statistics and checks; ``X^T X`` and
        ``X^T y``, from which every member's sketched Gram matrix
        ``S X^T X S^T`` follows; the residual sums of GCV), and one more
        pass for the refit of the ensemble trick, then runs the in-memory
        path on the small matrices. ``y`` and ``sample_weight``
        are brought into memory. ``predict`` is lazy; ``predict_interval``
        reads ``X`` once more. An array-API ``X`` under dispatch is fitted on
        its device (``X^T X`` and the residual sums there, the sketched
        spectra on the host in float64), as in
        :meth:`SubsampleRidgeEnsemble.fit`.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            Training rows.
        y : array-like of shape (n_samples,) or (n_samples, n_targets)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights: each row's squared error is weighted and
            the penalty is normalised by the total weight (integer weights equal
            repeated rows).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        if self.ensemble_trick and (self.sketch not in ORTHOGONAL_SKETCHES
                                    or self.n_estimators < 2):
            raise ValueError(
                "ensemble_trick=True needs an orthogonal-type sketch "
                f"{ORTHOGONAL_SKETCHES} and n_estimators >= 2; got "
                f"sketch={self.sketch!r}, n_estimators={self.n_estimators}."
            )
        Xc, yc, w = self._validate_xy(X, y, sample_weight)
        p = Xc.shape[1]
        alphas = np.logspace(-3, 1, 10) if self.alphas is None else self.alphas
        sizes = self.sketch_sizes
        if sizes is None:
            sizes = np.unique(np.clip(np.round(np.linspace(0.1, 0.9, 5) * p), 1, p))
            sizes = sizes.astype(np.intp)
        path = self._path(Xc, yc, w, alphas, sizes)
        gcv = path["gcv"][:, :, -1, :].mean(axis=-1)
        trick = path["ridge_risk"].mean(axis=-1)
        grid = trick if self.ensemble_trick else gcv
        i, j = select_grid_point(grid)
        self._set_model(Xc, yc, path, i, j, "gcv", criteria=("gcv",))
        self.alphas_ = path["alphas"]
        self.sketch_sizes_ = path["sketch_sizes"]
        self.gcv_scores_ = gcv
        self.ridge_risk_estimates_ = trick
        self.equivalent_alphas_ = path["equivalent_alpha"]
        self.alpha_ = float(self.alphas_[j])
        self.sketch_size_ = int(self.sketch_sizes_[i])
        self.best_score_ = float(grid[i, j])
        self.best_params_ = {"alpha": self.alpha_, "sketch_size": self.sketch_size_}
        self.cv_results_ = grid_results(
            path["alphas"], path["sketch_sizes"], "sketch_size", grid,
            {"gcv": gcv, "dof": path["dof"]})
        if self.ensemble_trick:
            self.equivalent_alpha_ = float(self.equivalent_alphas_[i, j])
            if not np.isfinite(self.equivalent_alpha_):
                raise ValueError(
                    "the equivalent ridge penalty of the selected point overflows "
                    "float64 at this magnitude of X; divide X by a constant first "
                    "(ridge is equivariant: X -> c X with alpha -> c^2 alpha)."
                )
            self.ridge_risk_estimate_ = self.best_score_
            coef, dof = refit_full_ridge(Xc, yc, self.equivalent_alpha_, w,
                                         x_absmax=self._x_absmax)
            self._set_coef(coef, dof, Xc, yc)
            self.risk_extrapolation_ = np.array([self.ridge_risk_estimate_] * 2)
        return self
