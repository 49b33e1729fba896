"""l_p regression by IRLS, damped Newton or an LP, optionally on a coreset."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._doc_link import DocLinkMixin
from ..utils._sklearn_compat import (
    Interval,
    StrOptions,
    _assert_all_finite,
    _check_sample_weight,
    _fit_context,
)
from ._linalg import row_chunks
from ._sampler import SensitivitySampler
from ._solvers import lp_objective, solve_irls, solve_l2, solve_linprog

__all__ = ["LpRegression"]

#: ``solver="auto"`` uses HiGHS at p = 1 up to this many (coreset) rows.
_LINPROG_MAX_ROWS = 500


class LpRegression(DocLinkMixin, RegressorMixin, BaseEstimator):
    """Linear regression minimising ``sum_i s_i |y_i - x_i beta - b|^p``.

    Solved by iteratively reweighted least squares for ``p < 2``, a damped
    Newton method for ``p > 2`` (an IRLS step with a line search), least squares
    for ``p = 2`` and, for ``p = 1``, exactly as a linear program (HiGHS). With
    ``coreset_size`` the problem is first reduced to a weighted coreset of rows
    drawn by :class:`SensitivitySampler` on ``[X, 1, y]``, so the solve costs
    ``O(m d^2)`` per iteration instead of ``O(n d^2)``; the coreset is re-drawn at
    every ``fit`` (so every cross-validation fold gets its own).

    Parameters
    ----------
    p : float, default=1.5
        The exponent, ``p >= 1`` (``p = 1``: least absolute deviations, robust to
        outliers; ``p = 2``: least squares; ``p > 2``: towards the minimax fit).
    fit_intercept : bool, default=True
    coreset_size : int, float, "auto" or None, default=None
        ``None`` solves on all rows; otherwise the ``n_samples`` of
        :class:`SensitivitySampler`.
    scores : {"lewis", "leverage", "root_leverage", "mixture", "uniform"}, \
            default="lewis"
        The importance scores of the coreset, see :class:`SensitivitySampler`.
    score_method : {"auto", "exact", "sketch"}, default="auto"
        How the scores are computed, see :class:`SensitivitySampler`
        (``"auto"`` sketches when ``n_samples >= 40 (n_features + 2)^2``).
    solver : {"auto", "irls", "linprog"}, default="auto"
        ``"linprog"`` (``p = 1`` only) is exact; ``"irls"`` is the iterative
        solver (MM-IRLS for ``p < 2``, damped Newton for ``p > 2``). ``"auto"``
        uses least squares at ``p = 2``, ``"linprog"`` at ``p = 1`` for at most
        500 rows (HiGHS time grows quickly with the rows: about 0.2 s at 1,000 and
        8 s at 8,000 rows, d = 21), and ``"irls"`` otherwise (at ``p = 1`` its
        objective is within about 1e-6 relative of the optimum).
    tol : float, default=1e-8
        Relative decrease of the objective below which the iterations stop.
    max_iter : int, default=300
        IRLS at ``p = 1`` converges slowly near the end (about 30 iterations
        on 100,000 rows, about 200 on a weighted coreset of 1,000 rows; each is
        cheap); Newton (``p > 1``) needs 5-30.
    random_state : int, RandomState instance or None, default=None
        Seeds the coreset.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
    intercept_ : float
    n_iter_ : int
        Iterations of the solver (LP iterations for ``"linprog"``).
    objective_ : float
        ``sum_i s_i |y_i - x_i coef_ - intercept_|^p`` on the rows the solver saw
        (the weighted coreset when ``coreset_size`` is set).
    coreset_indices_ : ndarray of shape (n_kept,) or None
    coreset_weights_ : ndarray of shape (n_kept,) or None
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    See Also
    --------
    sklearn.linear_model.QuantileRegressor : ``p = 1`` with ``quantile=0.5``
        (and an L1 penalty), solved by HiGHS on all rows.
    SensitivitySampler : the coreset construction.

    References
    ----------
    M. B. Cohen and R. Peng, "l_p Row Sampling by Lewis Weights", STOC 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.sampling import LpRegression
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((500, 2))
    >>> y = X @ np.array([1.0, -2.0]) + 0.5 + rng.laplace(scale=0.1, size=500)
    >>> y[:25] += 100.0  # gross outliers: l_1 regression ignores them
    >>> reg = LpRegression(p=1).fit(X, y)
    >>> reg.coef_.round(1), round(float(reg.intercept_), 1)
    (array([ 1., -2.]), 0.5)
    """

    _parameter_constraints: dict = {
        "p": [Interval(Real, 1, None, closed="left")],
        "fit_intercept": ["boolean"],
        "coreset_size": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
            StrOptions({"auto"}),
            None,
        ],
        "scores": [
            StrOptions(
                {
                    "lewis",
                    "leverage",
                    "root_leverage",
                    "mixture",
                    "uniform",
                }
            )
        ],
        "score_method": [StrOptions({"auto", "exact", "sketch"})],
        "solver": [StrOptions({"auto", "irls", "linprog"})],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        p=1.5,
        *,
        fit_intercept=True,
        coreset_size=None,
        scores="lewis",
        score_method="auto",
        solver="auto",
        tol=1e-8,
        max_iter=300,
        random_state=None,
    ):
        self.p = p
        self.fit_intercept = fit_intercept
        self.coreset_size = coreset_size
        self.scores = scores
        self.score_method = score_method
        self.solver = solver
        self.tol = tol
        self.max_iter = max_iter
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the l_p regression.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : LpRegression
        """
        # X's NaN/inf check: by the sampler when there is a coreset (which may
        # get it for free from its CountSketch), here otherwise
        X, y = validate_data(self, X, y, dtype=[np.float64, np.float32],
                             y_numeric=True, ensure_all_finite=False)
        if self.coreset_size is None:
            _assert_all_finite(X, input_name="X")
        out_dtype = X.dtype
        sw = _check_sample_weight(sample_weight, X, dtype=np.float64)
        if self.solver == "linprog" and self.p != 1:
            raise ValueError(
                f"solver='linprog' solves p=1 only, got p={self.p:g}; use "
                "solver='irls' or 'auto'."
            )
        y = np.asarray(y, dtype=np.float64)
        if self.coreset_size is not None:
            sampler = self._sampler().fit(X, y, sample_weight=sample_weight)
            idx = sampler.sample_indices_
            Xs = np.asarray(X[idx], dtype=np.float64)
            ys, ws = y[idx], sampler.sample_weight_
            self.coreset_indices_ = idx
            self.coreset_weights_ = ws
        else:
            Xs, ys, ws = np.asarray(X, dtype=np.float64), y, sw
            self.coreset_indices_ = None
            self.coreset_weights_ = None
        if self.fit_intercept:
            Xs = np.hstack([Xs, np.ones((Xs.shape[0], 1))])
        solver = self.solver
        if solver == "auto":
            if self.p == 2:
                solver = "lstsq"
            elif self.p == 1 and Xs.shape[0] <= _LINPROG_MAX_ROWS:
                solver = "linprog"
            else:
                solver = "irls"
        if solver == "lstsq":
            beta, n_iter = solve_l2(Xs, ys, ws), 1
        elif solver == "linprog":
            beta, n_iter = solve_linprog(Xs, ys, ws)
        else:
            beta, n_iter, _ = solve_irls(
                Xs, ys, ws, self.p, tol=self.tol, max_iter=self.max_iter
            )
        self.n_iter_ = int(n_iter)
        self.objective_ = lp_objective(Xs, ys, beta, self.p, ws)
        if self.fit_intercept:
            self.coef_ = beta[:-1].astype(out_dtype)
            self.intercept_ = float(beta[-1])
        else:
            self.coef_ = beta.astype(out_dtype)
            self.intercept_ = 0.0
        return self

    def _sampler(self):
        return SensitivitySampler(
            p=self.p,
            n_samples=self.coreset_size,
            scores=self.scores,
            score_method=self.score_method,
            augment_y=True,
            fit_intercept=self.fit_intercept,
            random_state=self.random_state,
        )

    def predict(self, X):
        """Predict ``X @ coef_ + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        out = np.empty(X.shape[0], dtype=X.dtype)
        for rows in row_chunks(X.shape[0], 8 * (X.shape[1] + 1)):
            out[rows] = X[rows] @ self.coef_ + self.intercept_
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
