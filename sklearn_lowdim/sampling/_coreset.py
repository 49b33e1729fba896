"""A meta-estimator that fits any estimator on a weighted coreset of rows."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    get_routing_for_object,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    check_is_fitted,
    has_fit_parameter,
    validate_data,
)

from ..utils import is_dask_array
from ..utils._doc_link import DocLinkMixin
from ..utils._sklearn_compat import (
    HasMethods,
    _check_sample_weight,
    _fit_context,
    _raise_for_params,
    _routing_enabled,
    _safe_indexing,
    _safe_set_output,
)
from . import _backend, _linalg
from ._dask_estimators import coreset_fit_dask, predict_dask
from ._sampler import SensitivitySampler

__all__ = ["CoresetEstimator"]


def _estimator_has(attr):
    def check(self):
        if hasattr(self, "estimator_"):
            return hasattr(self.estimator_, attr)
        return hasattr(self.estimator, attr)

    return check


class CoresetEstimator(DocLinkMixin, MetaEstimatorMixin, BaseEstimator):
    """Fit an estimator on a sensitivity-sampled coreset, with the sampling weights.

    ``fit`` draws rows with ``sampler`` (a :class:`SensitivitySampler` by
    default), then fits a clone of ``estimator`` on the kept rows with
    ``sample_weight = sampler.sample_weight_`` (times the user's
    ``sample_weight``). For an estimator whose loss is ``sum_i |a_i x - b_i|^p``
    (``LinearRegression`` and ``Ridge`` with ``p = 2``,
    ``QuantileRegressor(quantile=0.5)`` with ``p = 1``, :class:`LpRegression`)
    the weighted coreset loss is an unbiased, ``(1 +- eps)``-accurate estimate of
    the full loss for every model; for other losses (Huber, logistic) it is a
    reasonable heuristic without that guarantee. The coreset is re-drawn at every
    ``fit``, so it composes with ``Pipeline``, ``GridSearchCV`` and
    ``cross_validate``. All prediction methods are delegated to the fitted
    estimator, and :meth:`set_output` is available when it transforms.

    On a device (``array_api_dispatch=True`` and a CuPy/PyTorch/... ``X``) the
    coreset is drawn there (see :class:`SensitivitySampler`) and the estimator
    receives the kept rows and their weights as arrays of ``X``'s namespace on
    its device (it must support the array API, as ``Ridge(solver="svd")`` or
    ``LinearRegression`` do). On a row-chunked dask array only the coreset is
    materialised: the sampler's passes (see :class:`SensitivitySampler`) plus
    one pass that gathers the kept rows; the estimator is fitted on NumPy rows,
    and ``predict``, ``predict_proba``, ``decision_function`` and ``transform``
    of a dask array are lazy, block by block, with its row chunks.

    With metadata routing enabled, an ``estimator`` whose
    ``set_fit_request(sample_weight=False)`` was called is fitted on the kept
    rows without the sampling weights (the coreset loss is then no longer an
    unbiased estimate of the full loss).

    Parameters
    ----------
    estimator : estimator object
        Must accept ``sample_weight`` in ``fit``.
    sampler : SensitivitySampler, default=None
        The row sampler; ``None`` uses ``SensitivitySampler()`` (``p = 2``,
        Lewis = leverage scores, ``n_samples="auto"``). Its ``p`` should match
        the estimator's loss.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw of the coreset: when not ``None`` it replaces the
        sampler's own ``random_state`` (so that the default sampler can be
        seeded); ``None`` keeps the sampler's.

    Attributes
    ----------
    estimator_ : estimator object
        The estimator fitted on the coreset.
    sampler_ : SensitivitySampler
        The fitted sampler (``sample_indices_``, ``sample_weight_``, ...).
    n_features_in_ : int
        Number of features seen during ``fit``.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during ``fit``, when they are all strings.
    classes_ : ndarray
        The estimator's classes, for classifiers.

    See Also
    --------
    SensitivitySampler : The sampler and its options.
    LpRegression : An l_p regression with a built-in coreset.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklearn_lowdim.sampling import CoresetEstimator, SensitivitySampler
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((20000, 5))
    >>> y = X @ np.arange(1.0, 6.0) + rng.standard_normal(20000)
    >>> model = CoresetEstimator(
    ...     LinearRegression(), SensitivitySampler(p=2, n_samples=500, random_state=0)
    ... ).fit(X, y)
    >>> bool(np.all(np.abs(model.estimator_.coef_ - np.arange(1.0, 6.0)) < 0.2))
    True
    >>> len(model.sampler_.sample_indices_) < 700
    True
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit"])],
        "sampler": [HasMethods(["fit"]), None],
        "random_state": ["random_state"],
    }

    def __init__(self, estimator, sampler=None, *, random_state=None):
        self.estimator = estimator
        self.sampler = sampler
        self.random_state = random_state

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, sample_weight=None, **fit_params):
        """Draw the coreset and fit the estimator on it.

        Parameters
        ----------
        X : {array-like, dataframe} of shape (n_samples, n_features)
            The rows. A DataFrame reaches the estimator as a DataFrame (its
            kept rows), so the estimator records the feature names.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            The targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the original rows; they enter the scores
            and multiply the sampling weights.
        **fit_params : dict
            Further parameters of ``estimator.fit``; sample-aligned ones are
            subset to the coreset. With metadata routing enabled, only those
            the estimator requested are passed.

        Returns
        -------
        self : CoresetEstimator
            The fitted meta-estimator.
        """
        _raise_for_params(fit_params, self, "fit")
        if not has_fit_parameter(self.estimator, "sample_weight"):
            raise ValueError(
                f"{type(self.estimator).__name__}.fit does not accept "
                "sample_weight; a coreset needs it to carry the sampling weights. "
                "Pick an estimator that supports sample_weight."
            )
        if is_dask_array(X):
            return coreset_fit_dask(self, X, y, sample_weight, fit_params)
        X_in, y_in = X, y
        X, y, sample_weight = self._validate(X, y, sample_weight)
        self.sampler_ = self._make_sampler(y)
        y_num = y if _is_numeric(y) else None
        self.sampler_.fit(X, y_num, sample_weight=sample_weight)
        idx = self.sampler_.sample_indices_
        X_s = self._rows_for_estimator(X_in, X, idx)
        y_s = None if y is None else self._rows_for_estimator(y_in, y, idx)
        self._fit_estimator(X_s, y_s, idx, X.shape[0], fit_params)
        return self

    def _fit_estimator(self, X_s, y_s, idx, n, fit_params):
        """Fit a clone of the estimator on the coreset ``X_s`` (rows ``idx`` of
        ``n``) with the sampling weights."""
        params = self._estimator_fit_params(fit_params, idx, n)
        self.estimator_ = clone(self.estimator)
        config = getattr(self, "_sklearn_output_config", {}).get("transform")
        if config is not None:
            _safe_set_output(self.estimator_, transform=config)
        args = () if y_s is None else (y_s,)
        self.estimator_.fit(X_s, *args, **params)

    def _validate(self, X, y, sample_weight):
        if y is None and not get_tags(self).target_tags.required:
            X = validate_data(self, X, dtype=None, ensure_all_finite=True)
        else:
            X, y = validate_data(
                self, X, y, dtype=None, multi_output=True, ensure_all_finite=True
            )
            if _linalg.namespace_of(y) is None:
                y = np.asarray(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=_backend.float_dtypes(X)[0])
            _backend.check_weights(sample_weight)
        return X, y, sample_weight

    def _make_sampler(self, y):
        sampler = clone(SensitivitySampler() if self.sampler is None else self.sampler)
        if self.random_state is not None and "random_state" in sampler.get_params():
            sampler.set_params(random_state=self.random_state)
        numeric = _is_numeric(y)
        if y is not None and not numeric and getattr(sampler, "augment_y", False):
            sampler.set_params(augment_y=False)
        return sampler

    def _estimator_fit_params(self, fit_params, idx, n):
        """Parameters of ``estimator.fit``: routed ones subset to the coreset, and
        the sampling weights unless the estimator declined ``sample_weight``."""
        if _routing_enabled():
            params = dict(process_routing(self, "fit", **fit_params).estimator.fit)
        else:
            params = dict(fit_params)
        params.pop("sample_weight", None)
        params = {
            key: _subset(value, idx, n) for key, value in params.items()
        }
        if self._estimator_takes_weights():
            params["sample_weight"] = self.sampler_.sample_weight_
        return params

    def _estimator_takes_weights(self):
        if not _routing_enabled():
            return True
        requests = get_routing_for_object(self.estimator).fit.requests
        return requests.get("sample_weight") is not False

    def _rows_for_estimator(self, original, validated, idx):
        """The kept rows, as a DataFrame/Series when the input was one."""
        if hasattr(original, "iloc") or hasattr(original, "__dataframe__"):
            return _safe_indexing(original, idx, axis=0)
        return _backend.take_rows(validated, idx)

    @property
    def classes_(self):
        """The classes of the fitted classifier."""
        check_is_fitted(self)
        return self.estimator_.classes_

    def _delegate(self, method, X):
        check_is_fitted(self)
        if is_dask_array(X):
            return predict_dask(self.estimator_, method, X, self.n_features_in_)
        X_checked = validate_data(
            self, X, dtype=None, reset=False, ensure_all_finite=True
        )
        # the estimator saw a DataFrame at fit when there were feature names
        named = hasattr(self, "feature_names_in_") and hasattr(X, "columns")
        return getattr(self.estimator_, method)(X if named else X_checked)

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict with the estimator fitted on the coreset.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows, with the features seen in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The estimator's ``predict`` on ``X``.
        """
        return self._delegate("predict", X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the estimator fitted on the coreset.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows, with the features seen in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            The estimator's ``predict_proba`` on ``X``.
        """
        return self._delegate("predict_proba", X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities from the estimator fitted on the coreset.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows, with the features seen in ``fit``.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            The estimator's ``predict_log_proba`` on ``X``.
        """
        return self._delegate("predict_log_proba", X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the estimator fitted on the coreset.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows, with the features seen in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The estimator's ``decision_function`` on ``X``.
        """
        return self._delegate("decision_function", X)

    @available_if(_estimator_has("transform"))
    def transform(self, X):
        """Transform with the estimator fitted on the coreset.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows, with the features seen in ``fit``.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_features_new)
            The estimator's ``transform`` of ``X``.
        """
        return self._delegate("transform", X)

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """Return the estimator's ``score`` on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows, with the features seen in ``fit``.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights, passed on to the estimator's ``score`` when given.

        Returns
        -------
        score : float
            The estimator's ``score`` on ``(X, y)``.
        """
        check_is_fitted(self)
        X_checked = validate_data(
            self, X, dtype=None, reset=False, ensure_all_finite=True
        )
        named = hasattr(self, "feature_names_in_") and hasattr(X, "columns")
        X = X if named else X_checked
        if sample_weight is None:
            return self.estimator_.score(X, y)
        return self.estimator_.score(X, y, sample_weight=sample_weight)

    @available_if(_estimator_has("get_feature_names_out"))
    def get_feature_names_out(self, input_features=None):
        """Output feature names of the fitted estimator's ``transform``.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Passed to the fitted estimator's ``get_feature_names_out``.

        Returns
        -------
        feature_names_out : ndarray of str
            The fitted estimator's output feature names.
        """
        check_is_fitted(self)
        return self.estimator_.get_feature_names_out(input_features)

    @available_if(_estimator_has("transform"))
    def set_output(self, *, transform=None):
        """Set the output container of :meth:`transform` (as the estimator's).

        Parameters
        ----------
        transform : {"default", "pandas", "polars"}, default=None
            Passed to the estimator's ``set_output`` at every ``fit`` (and now,
            when fitted); ``None`` leaves the configuration unchanged.

        Returns
        -------
        self : CoresetEstimator
            This estimator.
        """
        if transform is None:
            return self
        self._sklearn_output_config = {"transform": transform}
        if hasattr(self, "estimator_"):
            _safe_set_output(self.estimator_, transform=transform)
        return self

    def get_metadata_routing(self):
        """Metadata routing: ``sample_weight`` is consumed here, the rest is routed.

        Returns
        -------
        routing : MetadataRouter
            ``sample_weight`` requested by this estimator; the rest routed to
            ``estimator``.
        """
        router = MetadataRouter(owner=self).add_self_request(self)
        router.add(
            estimator=self.estimator,
            method_mapping=MethodMapping()
            .add(caller="fit", callee="fit")
            .add(caller="predict", callee="predict")
            .add(caller="score", callee="score"),
        )
        return router

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = get_tags(self.estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = inner.classifier_tags
        tags.regressor_tags = inner.regressor_tags
        tags.target_tags.required = inner.target_tags.required
        tags.target_tags.single_output = inner.target_tags.single_output
        tags.target_tags.multi_output = inner.target_tags.multi_output
        tags.input_tags.sparse = False
        return tags


def _is_numeric(y):
    """Whether ``y`` (host or device) holds numbers (regression targets)."""
    if y is None:
        return False
    xp = _linalg.namespace_of(y)
    if xp is None:
        return np.issubdtype(y.dtype, np.number)
    return xp.isdtype(y.dtype, "numeric")


def _subset(value, idx, n):
    """Rows ``idx`` of a sample-aligned fit parameter; other values as they are."""
    if hasattr(value, "shape") or isinstance(value, (list, tuple)):
        if len(value) == n:
            return _safe_indexing(value, idx, axis=0)
    return value
