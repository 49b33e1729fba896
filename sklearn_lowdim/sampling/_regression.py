"""l_p regression by IRLS, damped Newton or an LP, optionally on a coreset."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import get_namespace, is_dask_array, to_numpy
from ..utils._doc_link import DocLinkMixin
from ..utils._sklearn_compat import (
    Interval,
    StrOptions,
    _assert_all_finite,
    _check_sample_weight,
    _fit_context,
)
from . import _backend, _linalg
from ._dask_estimators import lp_fit_dask, predict_dask
from ._linalg import row_chunks
from ._objective import full_objective, standardise
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

    On a device (``array_api_dispatch=True`` and a CuPy/PyTorch/... ``X``) the
    coreset, the standardisation and the IRLS/Newton steps run there (one
    weighted ``d x d`` Gram matrix per step comes to the host for the solve);
    the HiGHS linear program of ``p = 1`` runs on the host and is used there
    only for a coreset (``solver="auto"`` otherwise uses IRLS, and
    ``solver="linprog"`` without ``coreset_size`` is refused). ``coef_`` and
    ``predict`` are then arrays of ``X``'s namespace on its device. On a
    row-chunked dask array ``coreset_size`` is required: the coreset is drawn
    as by :class:`SensitivitySampler` (its passes), gathered in one more pass
    and solved in memory, and one last block pass computes
    ``full_objective_``; ``predict`` is lazy with ``X``'s row chunks.

    The solvers see the rows centred (with an intercept) and scaled per column
    (weighted by the row weights), and ``y`` likewise; ``coef_`` and
    ``intercept_`` are mapped back. The fit is therefore translation-equivariant
    and unit-free in float64: features whose mean is ``1e8`` give the same
    predictions as the centred features.

    Parameters
    ----------
    p : float, default=1.5
        The exponent, ``p >= 1`` (``p = 1``: least absolute deviations, robust to
        outliers; ``p = 2``: least squares; ``p > 2``: towards the minimax fit).
    fit_intercept : bool, default=True
        Fit an intercept ``b`` (not weighted by any penalty).
    coreset_size : int, float, "auto" or None, default=None
        ``None`` solves on all rows; otherwise the ``n_samples`` of
        :class:`SensitivitySampler`. It must be at least the number of
        coefficients (``n_features + fit_intercept``): a smaller coreset leaves
        the regression underdetermined, and ``fit`` raises a ``ValueError``.
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
    verbose : int, default=0
        Report the solver's iterations (objective per iteration) and the
        coreset's Lewis-weight iterations through
        :class:`sklearn_lowdim.utils.Progress`.

    Attributes
    ----------
    coef_ : ndarray of shape (n_features,)
        The coefficients (float32 for float32 ``X``).
    intercept_ : float
        The intercept (0.0 with ``fit_intercept=False``).
    n_iter_ : int
        Iterations of the solver (LP iterations for ``"linprog"``).
    objective_ : float
        ``sum_i s_i |y_i - x_i coef_ - intercept_|^p`` on the rows the solver saw
        (the weighted coreset when ``coreset_size`` is set).
    full_objective_ : float
        ``sum_i s_i |y_i - x_i coef_ - intercept_|^p`` over all rows of ``X``
        (one more pass over ``X`` with a coreset; ``objective_`` without one).
    coreset_indices_ : ndarray of shape (n_kept,) or None
        Rows of the coreset (``None`` without one).
    coreset_weights_ : ndarray of shape (n_kept,) or None
        Their weights (``None`` without a coreset).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during ``fit``, when they are all strings.

    See Also
    --------
    sklearn.linear_model.QuantileRegressor : ``p = 1`` with ``quantile=0.5``
        (and an L1 penalty), solved by HiGHS on all rows.
    SensitivitySampler : The coreset construction.

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
        "verbose": ["verbose"],
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
        verbose=0,
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
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the l_p regression.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The features.
        y : array-like of shape (n_samples,)
            The target.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights ``s_i`` of the loss.

        Returns
        -------
        self : LpRegression
            The fitted regressor.
        """
        if is_dask_array(X):
            return lp_fit_dask(self, X, y, sample_weight)
        X, y, sw = self._validate(X, y, sample_weight)
        if self.coreset_size is not None:
            sampler = self._sampler().fit(X, y, sample_weight=sample_weight)
            idx = sampler.sample_indices_
            take = _backend.take_rows
            Xs, ys, ws = take(X, idx), take(y, idx), sampler.sample_weight_
            self.coreset_indices_ = idx
            self.coreset_weights_ = ws
        else:
            Xs, ys, ws = X, y, sw
            self.coreset_indices_ = None
            self.coreset_weights_ = None
        coef, intercept, self.n_iter_, self.objective_ = self._solve(Xs, ys, ws)
        self._set_coef(coef, intercept, X)
        self.full_objective_ = (
            self.objective_ if self.coreset_size is None
            else full_objective(X, y, sw, coef, intercept, self.p))
        return self

    def _set_coef(self, coef, intercept, X):
        """``coef_`` in ``X``'s namespace, device and dtype; ``intercept_``."""
        xp, _ = get_namespace(X)
        self.coef_ = xp.astype(_backend.put_like(coef, X), X.dtype)
        self.intercept_ = intercept

    def _validate(self, X, y, sample_weight):
        """Checked ``(X, y, sample_weight)``; ``y`` and the weights in float64."""
        # X's NaN/inf check: by the sampler when there is a coreset (which may
        # get it for free from its CountSketch), here otherwise
        dtypes = _backend.float_dtypes(X)
        X, y = validate_data(self, X, y, dtype=dtypes,
                             y_numeric=True, ensure_all_finite=False)
        if self.coreset_size is None:
            _assert_all_finite(X, input_name="X")
        sw = _check_sample_weight(sample_weight, X, dtype=dtypes[0])
        _backend.check_weights(sw)
        self._check_solver(_linalg.namespace_of(X) is not None)
        self._check_coreset_size(*X.shape)
        return X, _backend.to_float64(y), sw

    def _check_solver(self, on_device):
        if self.solver == "linprog" and self.p != 1:
            raise ValueError(
                f"solver='linprog' solves p=1 only, got p={self.p:g}; use "
                "solver='irls' or 'auto'."
            )
        if self.solver == "linprog" and on_device and self.coreset_size is None:
            raise ValueError(
                "solver='linprog' solves its LP on the host, which would copy X "
                "there; on a device use it with a coreset (coreset_size) or use "
                "solver='irls' or 'auto'."
            )

    def _check_coreset_size(self, n, d):
        size = self.coreset_size
        if size is None or size == "auto":
            return
        m = size if isinstance(size, Integral) else math.ceil(size * n)
        n_coef = d + int(self.fit_intercept)
        if m < n_coef:
            raise ValueError(
                f"coreset_size={size!r} gives about {m} rows, fewer than the "
                f"{n_coef} coefficients ({d} features"
                + (" and the intercept" if self.fit_intercept else "")
                + "): the coreset regression would be underdetermined. Use "
                f"coreset_size >= {n_coef} (a few times more for a (1 +- eps) "
                "fit), or coreset_size='auto'."
            )

    def _solve(self, X, y, w):
        """``(coef, intercept, n_iter, objective)`` from the standardised rows."""
        w = _backend.to_float64(w)
        Z, yz, shift = standardise(X, y, w, self.fit_intercept)
        beta, n_iter = self._run_solver(Z, yz, w)
        objective = lp_objective(Z, yz, beta, self.p, w)
        x_mean, x_scale, y_mean, y_scale = shift
        d = X.shape[1]
        coef = beta[:d] * (y_scale / x_scale)
        intercept = 0.0
        if self.fit_intercept:
            intercept = float(y_mean + y_scale * beta[d] - x_mean @ coef)
        with np.errstate(over="warn"):
            objective = float(np.float64(objective) * np.float64(y_scale) ** self.p)
        return coef, intercept, int(n_iter), objective

    def _run_solver(self, Z, y, w):
        solver = self.solver
        if solver == "auto":
            if self.p == 2:
                solver = "lstsq"
            elif self.p == 1 and Z.shape[0] <= _LINPROG_MAX_ROWS and (
                self.coreset_size is not None or _linalg.namespace_of(Z) is None
            ):
                solver = "linprog"  # on the host: all rows or a coreset only
            else:
                solver = "irls"
        if solver == "lstsq":
            return solve_l2(Z, y, w), 1
        if solver == "linprog":
            return solve_linprog(*(to_numpy(a) for a in (Z, y, w)))
        beta, n_iter, _ = solve_irls(
            Z, y, w, self.p, tol=self.tol, max_iter=self.max_iter,
            verbose=self.verbose,
        )
        return beta, n_iter

    def _sampler(self):
        return SensitivitySampler(
            p=self.p,
            n_samples=self.coreset_size,
            scores=self.scores,
            score_method=self.score_method,
            augment_y=True,
            fit_intercept=self.fit_intercept,
            random_state=self.random_state,
            verbose=self.verbose,
        )

    def predict(self, X):
        """Predict ``X @ coef_ + intercept_``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows to predict.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            The predictions.
        """
        check_is_fitted(self)
        if is_dask_array(X):
            return predict_dask(self, "predict", X, self.n_features_in_)
        X = validate_data(self, X, dtype=_backend.float_dtypes(X), reset=False)
        xp = _linalg.namespace_of(X)
        if xp is not None:
            return X @ xp.astype(self.coef_, X.dtype) + self.intercept_
        out = np.empty(X.shape[0], dtype=X.dtype)
        for rows in row_chunks(X.shape[0], 8 * (X.shape[1] + 1)):
            out[rows] = X[rows] @ self.coef_ + self.intercept_
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
