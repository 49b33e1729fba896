"""A meta-estimator that fits any estimator on a weighted coreset of rows."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    _raise_for_params,
    _routing_enabled,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import (
    _check_method_params,
    check_is_fitted,
    has_fit_parameter,
    validate_data,
)

from ..utils._doc_link import DocLinkMixin
from ..utils._sklearn_compat import HasMethods, _check_sample_weight, _fit_context
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
    estimator.

    Parameters
    ----------
    estimator : estimator object
        Must accept ``sample_weight`` in ``fit``.
    sampler : SensitivitySampler, default=None
        The row sampler; ``None`` uses ``SensitivitySampler()`` (``p = 2``,
        Lewis = leverage scores, ``n_samples="auto"``). Its ``p`` should match
        the estimator's loss.

    Attributes
    ----------
    estimator_ : estimator object
        The estimator fitted on the coreset.
    sampler_ : SensitivitySampler
        The fitted sampler (``sample_indices_``, ``sample_weight_``, ...).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
    classes_ : ndarray
        The estimator's classes, for classifiers.

    See Also
    --------
    SensitivitySampler : the sampler and its options.
    LpRegression : l_p regression with a built-in coreset.

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
    }

    def __init__(self, estimator, sampler=None):
        self.estimator = estimator
        self.sampler = sampler

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, sample_weight=None, **fit_params):
        """Draw the coreset and fit the estimator on it.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the original rows; they enter the scores and multiply
            the sampling weights.
        **fit_params : dict
            Further parameters of ``estimator.fit``; sample-aligned ones are
            subset to the coreset. With metadata routing enabled, only those
            the estimator requested are passed.

        Returns
        -------
        self : CoresetEstimator
        """
        _raise_for_params(fit_params, self, "fit")
        if not has_fit_parameter(self.estimator, "sample_weight"):
            raise ValueError(
                f"{type(self.estimator).__name__}.fit does not accept "
                "sample_weight; a coreset needs it to carry the sampling weights. "
                "Pick an estimator that supports sample_weight."
            )
        if y is None and not get_tags(self).target_tags.required:
            X = validate_data(self, X, dtype=None, ensure_all_finite=True)
        else:
            X, y = validate_data(
                self, X, y, dtype=None, multi_output=True, ensure_all_finite=True
            )
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        sampler = SensitivitySampler() if self.sampler is None else self.sampler
        self.sampler_ = clone(sampler)
        y_num = None
        if y is not None:
            y_num = y if np.issubdtype(np.asarray(y).dtype, np.number) else None
            if y_num is None and getattr(self.sampler_, "augment_y", False):
                self.sampler_.set_params(augment_y=False)
        self.sampler_.fit(X, y_num, sample_weight=sample_weight)
        idx = self.sampler_.sample_indices_
        weights = self.sampler_.sample_weight_
        if _routing_enabled():
            routed = process_routing(self, "fit", **fit_params)
            params = dict(routed.estimator.fit)
        else:
            params = dict(fit_params)
        params.pop("sample_weight", None)
        params = _check_method_params(X, params=params, indices=idx)
        self.estimator_ = clone(self.estimator)
        X_s = X[idx]
        if y is None:
            self.estimator_.fit(X_s, sample_weight=weights, **params)
        else:
            y_s = np.asarray(y)[idx]
            self.estimator_.fit(X_s, y_s, sample_weight=weights, **params)
        return self

    @property
    def classes_(self):
        """The classes of the fitted classifier."""
        check_is_fitted(self)
        return self.estimator_.classes_

    def _delegate(self, method, X):
        check_is_fitted(self)
        X = validate_data(self, X, dtype=None, reset=False, ensure_all_finite=True)
        return getattr(self.estimator_, method)(X)

    @available_if(_estimator_has("predict"))
    def predict(self, X):
        """Predict with the estimator fitted on the coreset."""
        return self._delegate("predict", X)

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X):
        """Class probabilities from the estimator fitted on the coreset."""
        return self._delegate("predict_proba", X)

    @available_if(_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X):
        """Log class probabilities from the estimator fitted on the coreset."""
        return self._delegate("predict_log_proba", X)

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X):
        """Decision function of the estimator fitted on the coreset."""
        return self._delegate("decision_function", X)

    @available_if(_estimator_has("transform"))
    def transform(self, X):
        """Transform with the estimator fitted on the coreset."""
        return self._delegate("transform", X)

    @available_if(_estimator_has("score"))
    def score(self, X, y, sample_weight=None):
        """The estimator's ``score`` on ``(X, y)``."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=None, reset=False, ensure_all_finite=True)
        if sample_weight is None:
            return self.estimator_.score(X, y)
        return self.estimator_.score(X, y, sample_weight=sample_weight)

    def get_metadata_routing(self):
        """Metadata routing: ``sample_weight`` is consumed here, the rest is routed.

        Returns
        -------
        routing : MetadataRouter
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
