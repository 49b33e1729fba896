"""What every ridge ensemble shares: validation, centring, refit, selection."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils import check_sample_weight_values, device, get_namespace, is_dask_array
from ..utils._doc_link import DocLinkMixin
from ..utils._sklearn_compat import Interval, _check_sample_weight
from ._gcv_path import extrapolate_risk
from ._problem import (
    accumulation_dtype,
    check_cancellation,
    check_x,
    column_mean,
    column_range,
    like,
)
from ._reduced import namespace_quantiles
from ._reduced_input import column_stats, reduced_inputs

__all__ = ["grid_results", "select_grid_point"]

_CRITERIA = ("gcv", "cgcv", "gcv_union")

def _is_float32(X, xp):
    return X.dtype == (np.float32 if xp is None else xp.float32)


def _device_namespace(X):
    """The array-API namespace of a device ``X`` (``None`` for NumPy and Dask)."""
    if is_dask_array(X) or isinstance(X, np.ndarray):
        return None
    xp, is_array_api = get_namespace(X)
    return xp if is_array_api else None


class _RidgeEnsembleMixin(DocLinkMixin):
    """Shared fitting glue, prediction, risk extrapolation and intervals.

    Subclasses set ``coef_`` (averaged member), ``intercept_``, ``dof_``,
    ``risk_extrapolation_`` and ``_interval_residuals`` through :meth:`_set_model`.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def __getstate__(self):
        # After a Dask fit the interval residuals are a lazy graph over the
        # training X: a pickle would carry that graph (for an X built from
        # in-memory arrays, the data itself) and fail once the data are gone.
        # They are computed here instead (one block pass over the training X).
        state = dict(super().__getstate__())
        resid = state.get("_interval_residuals")
        if is_dask_array(resid):
            state["_interval_residuals"] = resid.compute()
        return state

    def _validate_xy(self, X, y, sample_weight=None):
        """Checked, centred ``X`` and 2-D ``y``, and the checked weights.

        A Dask ``X`` stays lazy (centred block by block when it is read); its
        column statistics take one block pass. An array-API ``X`` (under
        dispatch) stays on its device; ``y`` and the weights come to the host."""
        xp = None
        if is_dask_array(X) or get_namespace(X)[1]:
            X, xp, y, w = reduced_inputs(X, y, sample_weight)
            self.n_features_in_ = X.shape[1]
            self.__dict__.pop("feature_names_in_", None)
            lo, hi, x_mean = column_stats(X, w, xp)
            self._x_absmax = 0.0  # set below
        else:
            X, y = validate_data(self, X, y, dtype=[np.float64, np.float32],
                                 y_numeric=True, multi_output=True,
                                 ensure_min_samples=2)
            y = np.asarray(y, dtype=np.float64)
            w = None
            if sample_weight is not None:
                w = check_sample_weight_values(
                    _check_sample_weight(sample_weight, X, dtype=np.float64))
            x_mean, self._x_absmax = None, None
        y2 = self._check_y(y, w)
        self._x_mean = np.zeros(X.shape[1])
        self._y_mean = np.zeros(y2.shape[1])
        if self.fit_intercept:
            if x_mean is None:
                lo, hi = column_range(X)
            check_cancellation(lo, hi, "X")
            check_cancellation(*column_range(y2), "y")
            # full-data (weighted) means (the papers leave per-subsample centring
            # open; it changes the degrees of freedom by about one)
            self._x_mean = column_mean(X, w) if x_mean is None else x_mean
            self._y_mean = column_mean(y2, w)
        dtype = np.float32 if _is_float32(X, xp) else np.float64
        centre = self._x_mean.astype(dtype)
        if self._x_absmax is not None:
            # a bound on |X - mean| (rounded as X - mean is), for the power-of-two
            # rescaling of a reduced X without another pass over it
            lo, hi = lo.astype(dtype) - centre, hi.astype(dtype) - centre
            self._x_absmax = float(np.max(np.maximum(np.abs(lo), np.abs(hi)),
                                          initial=0.0))
        if self.fit_intercept:
            X = X - (centre if xp is None else like(centre, X, xp))
        return X, y2 - self._y_mean, w

    def _check_y(self, y, w):
        """2-D ``y``; the 1-D flag and the rows (or total weight) are kept."""
        y2 = y[:, None] if y.ndim == 1 else y
        self._n_eff = float(y.shape[0] if w is None else w.sum())
        if np.any(np.ptp(y2, axis=0) == 0):
            raise ValueError(
                "y is constant (in at least one target column): every penalty fits "
                "it exactly, so GCV cannot choose one. Drop that target, or predict "
                "its constant value directly."
            )
        self._y_1d = y.ndim == 1
        return y2

    def _set_coef(self, coef, dof, Xc, yc):
        """Keep coefficients ``coef`` (t, p) with ``dof`` degrees of freedom: the one
        place a fit becomes ``coef_``, ``intercept_`` and the interval residuals."""
        # host float64 copies, from which predict takes the input's dtype
        self._coef = coef[0] if self._y_1d else coef
        intercept = self._y_mean - coef @ self._x_mean
        self._intercept = float(intercept[0]) if self._y_1d else intercept
        self.coef_, self.intercept_ = self._coef, self._intercept
        self.dof_ = float(dof)
        shrink = max(1.0 - self.dof_ / self._n_eff, 1e-12)
        xp = _device_namespace(Xc)
        if xp is not None:
            # on the device, in X's dtype (float32 stays float32)
            self.coef_, self.intercept_ = (like(v, Xc, xp)
                                           for v in (self._coef, self._intercept))
            acc = accumulation_dtype(xp, Xc)
            resid = xp.asarray(yc, dtype=acc, device=device(Xc)) - xp.astype(
                Xc, acc) @ xp.asarray(coef.T, dtype=acc, device=device(Xc))
            self._interval_residuals = resid / shrink
            return
        # lazy for a Dask X: predict_interval reads X once more
        Xc = Xc.astype(np.float64) if is_dask_array(Xc) else np.asarray(
            Xc, dtype=np.float64)
        self._interval_residuals = (yc - Xc @ coef.T) / shrink

    def _set_model(self, Xc, yc, path, i, j, criterion, criteria=_CRITERIA):
        """Keep the ensemble at size index ``i`` and penalty index ``j``."""
        self._set_coef(path["coef"][i, j], path["dof"][i, j], Xc, yc)
        self.criteria_by_n_estimators_ = {
            key: path[key][i, j].mean(axis=-1) for key in criteria
        }
        r1, r_inf = extrapolate_risk(self.criteria_by_n_estimators_[criterion])
        self.risk_extrapolation_ = np.array([r1, r_inf])

    def predict(self, X):
        """Predict with the averaged coefficients (one GEMV, whatever M).

        A dask array gives a lazy dask array with ``X``'s row chunks (one
        block product each; ``X`` is never materialised). Under
        ``sklearn.config_context(array_api_dispatch=True)`` an array-API ``X``
        (CuPy, PyTorch, ...) is predicted on its device, in its dtype.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            Rows to predict, with the features seen in ``fit``.

        Returns
        -------
        y_pred : ndarray or dask array of shape (n_samples,) or \
                (n_samples, n_targets)
            ``X @ coef_.T + intercept_`` (float32 for float32 ``X``).
        """
        check_is_fitted(self)
        if is_dask_array(X):
            return self._predict_dask(X)
        xp, is_array_api = get_namespace(X)
        if is_array_api:
            X, _ = check_x(X)
            if X.ndim != 2 or X.shape[1] != self.n_features_in_:
                raise ValueError(
                    f"X has shape {tuple(X.shape)}, but {type(self).__name__} was "
                    f"fitted on {self.n_features_in_} features.")
            return self._predict_block(X, xp)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        return self._predict_block(X)

    def _predict_block(self, X, xp=None):
        coef = like(self._coef.T, X, xp)
        if not np.any(self._x_mean):
            return X @ coef + like(self._intercept, X, xp)
        # centred, as in fit: rows near a large common offset keep their digits
        Xc = X - like(self._x_mean, X, xp)
        return Xc @ coef + like(self._y_mean[0] if self._y_1d else self._y_mean, X, xp)

    def _predict_dask(self, X):
        if X.ndim != 2 or X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has shape {X.shape}, but {type(self).__name__} was fitted on "
                f"{self.n_features_in_} features; pass (n_samples, "
                f"{self.n_features_in_})."
            )
        dtype = X.dtype if X.dtype in (np.float32, np.float64) else np.float64
        X = X.astype(dtype).rechunk({1: -1})
        if self._y_1d:
            return X.map_blocks(self._predict_block, drop_axis=1, dtype=dtype)
        t = self.coef_.shape[0]
        return X.map_blocks(self._predict_block, chunks=(X.chunks[0], (t,)),
                            dtype=dtype)

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
        X : array-like or dask array of shape (n_samples, n_features)
            Rows to predict, with the features seen in ``fit``. After a fit on
            a Dask ``X`` the training residuals are computed here (one block
            pass over the training ``X``) and brought into memory; pickling
            such a model computes them too, so that the pickle holds ``n``
            residuals rather than the training ``X``'s graph.
        coverage : float in (0, 1), default=0.9
            Target probability that a new response lies in its interval.

        Returns
        -------
        lower : ndarray of shape (n_samples,) or (n_samples, n_targets)
            :meth:`predict` plus the ``(1 - coverage) / 2`` residual quantile.
        upper : ndarray of shape (n_samples,) or (n_samples, n_targets)
            :meth:`predict` plus the ``(1 + coverage) / 2`` residual quantile.
        """
        if not 0 < coverage < 1:
            raise ValueError(f"coverage must lie in (0, 1), got {coverage!r}.")
        pred = self.predict(X)
        resid = self._interval_residuals
        if is_dask_array(resid):
            resid = resid.compute()  # one block pass over the training X
        levels = [(1 - coverage) / 2, (1 + coverage) / 2]
        if isinstance(resid, np.ndarray):
            q = np.quantile(resid, levels, axis=0)
        else:
            q = namespace_quantiles(resid, levels, pred.dtype)
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



def select_grid_point(grid):
    """Row and column of the smallest finite criterion (the first of ties).

    Parameters
    ----------
    grid : ndarray of shape (n_sizes, n_alphas)

    Returns
    -------
    i, j : int
    """
    finite = np.isfinite(grid)
    if not finite.any():
        raise ValueError(
            "no grid point has a finite criterion (every ensemble interpolates the "
            "data: degrees of freedom >= n). Use larger penalties or smaller "
            "subsample or sketch sizes."
        )
    i, j = np.unravel_index(np.argmin(np.where(finite, grid, np.inf)), grid.shape)
    return int(i), int(j)


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
