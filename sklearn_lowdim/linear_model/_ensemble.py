"""Subsample ridge ensemble tuned by GCV over penalties and subsample sizes."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted, validate_data

from ._gcv_path import ridge_ensemble_gcv_path

__all__ = ["SubsampleRidgeEnsembleCV"]


class SubsampleRidgeEnsembleCV(RegressorMixin, BaseEstimator):
    """Ensemble of ridge fits on random subsamples, tuned by GCV.

    Each of ``n_estimators`` members is a ridge regression on ``k`` rows drawn without
    replacement, with per-sample normalised penalty ``lambda`` (equal to sklearn's
    ``Ridge(alpha=k * lambda)``); the ensemble averages their coefficients. Every
    ``(lambda, k)`` pair of the grid is scored by generalised cross-validation
    (one SVD per member serves all penalties) and the best is kept.

    Parameters
    ----------
    lambdas : array-like, default=None
        Penalty grid; ``None`` is ``np.logspace(-4, 2, 25)`` (plus 0).
    max_samples : array-like of int or float, default=None
        Subsample sizes to try: ints are row counts, floats fractions of
        ``n_samples``. ``None`` tries ``[1.0]`` (full-data ridge).
    n_estimators : int, default=10
        Members per ensemble.
    gcv : {"full", "union"}, default="full"
        GCV variant (see :func:`ridge_ensemble_gcv_path`).
    fit_intercept : bool, default=True
        Centre ``X`` and ``y`` by their means before fitting.
    n_jobs : int, default=None
        joblib workers for the members.
    random_state : int, RandomState instance or None, default=None

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    lambda_ : float
        Selected penalty.
    max_samples_ : int
        Selected subsample size.
    gcv_scores_ : ndarray of shape (n_max_samples, n_lambdas)
    lambdas_ : ndarray of shape (n_lambdas,)
    max_samples_grid_ : ndarray of shape (n_max_samples,)
    best_score_ : float
        Smallest GCV estimate of the prediction risk.
    n_features_in_ : int

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.linear_model import SubsampleRidgeEnsembleCV
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 10))
    >>> y = X @ np.ones(10) + rng.standard_normal(300)
    >>> est = SubsampleRidgeEnsembleCV(max_samples=[0.5, 1.0], random_state=0).fit(X, y)
    >>> round(est.score(X, y), 1)
    0.9
    """

    _parameter_constraints = {
        "lambdas": ["array-like", None],
        "max_samples": ["array-like", None],
        "n_estimators": [Interval(numbers.Integral, 1, None, closed="left")],
        "gcv": [StrOptions({"full", "union"})],
        "fit_intercept": ["boolean"],
        "n_jobs": [numbers.Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        lambdas=None,
        max_samples=None,
        n_estimators=10,
        gcv="full",
        fit_intercept=True,
        n_jobs=None,
        random_state=None,
    ):
        self.lambdas = lambdas
        self.max_samples = max_samples
        self.n_estimators = n_estimators
        self.gcv = gcv
        self.fit_intercept = fit_intercept
        self.n_jobs = n_jobs
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Fit every grid point, score it by GCV, keep the best ensemble.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)

        Returns
        -------
        self : object
        """
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32], y_numeric=True)
        n = X.shape[0]
        lambdas = (
            np.concatenate([[0.0], np.logspace(-4, 2, 25)])
            if self.lambdas is None
            else np.asarray(self.lambdas, dtype=np.float64).ravel()
        )
        if lambdas.size == 0 or np.any(lambdas < 0):
            raise ValueError("lambdas must be non-empty and >= 0.")
        grid = []
        for m in [1.0] if self.max_samples is None else np.ravel(self.max_samples):
            if isinstance(m, (numbers.Integral, np.integer)):
                k = int(m)
            else:
                if not 0 < float(m) <= 1:
                    raise ValueError(
                        f"max_samples floats must be in (0, 1], got {m}; pass an "
                        "int for a row count."
                    )
                k = max(1, int(round(float(m) * n)))
            if not 1 <= k <= n:
                raise ValueError(f"max_samples={m} gives k={k} outside [1, {n}].")
            grid.append(k)
        grid = np.asarray(grid)
        if self.fit_intercept:
            x_mean = X.mean(axis=0)
            y_mean = float(np.mean(y))
            Xc, yc = X - x_mean, y - y_mean
        else:
            x_mean, y_mean, Xc, yc = np.zeros(X.shape[1], X.dtype), 0.0, X, y
        scores = np.empty((grid.size, lambdas.size))
        best = (np.inf, 0, 0, None)
        for i, k in enumerate(grid):
            res = ridge_ensemble_gcv_path(
                Xc,
                yc,
                lambdas,
                max_samples=int(k),
                n_estimators=self.n_estimators if k < n else 1,
                gcv=self.gcv,
                random_state=self.random_state,
                n_jobs=self.n_jobs,
            )
            scores[i] = res["gcv"]
            j = int(np.argmin(res["gcv"]))
            if res["gcv"][j] < best[0] or best[3] is None:
                best = (res["gcv"][j], i, j, res["coef"][j])
        self.gcv_scores_ = scores
        self.lambdas_ = lambdas
        self.max_samples_grid_ = grid
        self.best_score_ = float(best[0])
        self.max_samples_ = int(grid[best[1]])
        self.lambda_ = float(lambdas[best[2]])
        self.coef_ = best[3].astype(X.dtype)
        self.intercept_ = float(y_mean - x_mean @ best[3])
        return self

    def predict(self, X):
        """Predict with the averaged coefficients.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return X @ self.coef_.astype(X.dtype) + X.dtype.type(self.intercept_)
