"""Shared machinery of the supervised feature-space OOD detectors."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..covariance import GaussianStatistics, Whitener, covariance_from_statistics
from ..covariance._dask import is_dask_array, statistics_from_dask
from ..covariance._whitening import warn_singular
from ..utils import check_n_classes, get_namespace, to_numpy
from ..utils._doc_link import DocLinkMixin
from ..utils._outlier import OffsetOutlierMixin
from ..utils._sklearn_compat import HasMethods, Interval, StrOptions
from ._conformal import ConformalMixin
from ._likelihood import GaussianLikelihoodMixin
from ._pyod import PyODMixin

# fit rows scored to place offset_ (evenly spaced when there are more)
_OFFSET_ROWS = 20_000
# doubles of per-class scatter kept for exact streaming Ledoit-Wolf (128 MiB)
_CLASS_SCATTER_BUDGET = 2**24


def l2_normalize(X):
    """Rows scaled to unit L2 norm (zero rows stay zero)."""
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    return X / np.where(norms > 0, norms, 1.0)


class _SupervisedDetectorAPI(DocLinkMixin, ConformalMixin, PyODMixin,
                             OffsetOutlierMixin, OutlierMixin, BaseEstimator):
    """scikit-learn's outlier API for detectors that need class labels in ``fit``.

    Subclasses provide ``fit(X, y)`` (setting ``offset_``) and ``score_samples``.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.allow_nan = False
        return tags

    def fit_predict(self, X, y=None, **kwargs):
        """Fit on ``(X, y)`` and return +1 (inlier) / -1 (outlier) for ``X``."""
        return self.fit(X, y, **kwargs).predict(X)

    def set_threshold(self, X_val, tpr=0.95):
        """Set ``offset_`` so that ``tpr`` of held-out ID rows are inliers.

        Parameters
        ----------
        X_val : array-like of shape (n_samples, n_features)
            Held-out in-distribution rows (not used for fitting).
        tpr : float in (0, 1], default=0.95

        Returns
        -------
        self
        """
        check_is_fitted(self)
        if not 0 < tpr <= 1:
            raise ValueError(f"tpr must lie in (0, 1], got {tpr!r}.")
        scores = self.score_samples(X_val)
        self.offset_ = float(np.quantile(scores, 1.0 - tpr, method="lower"))
        return self


class _SupervisedGaussianDetector(GaussianLikelihoodMixin, _SupervisedDetectorAPI):
    """Class-conditional Gaussians with a tied covariance, from the Gaussian core.

    Subclasses implement ``_finish_fit()`` and ``score_samples``.
    """

    _parameter_constraints: dict = {
        "covariance": [
            StrOptions({"empirical", "ledoit_wolf", "oas"}),
            Interval(Real, 0, 1, closed="both"),
            HasMethods("fit"),
        ],
        "normalize": [StrOptions({"l2"}), None],
        "contamination": [Interval(Real, 0, 0.5, closed="right")],
    }

    # ----- statistics -------------------------------------------------------
    def _prepare(self, X, reset):
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=reset)
        return l2_normalize(X) if self.normalize == "l2" else X

    def _encode(self, y):
        check_classification_targets(y)
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(
                f"y holds labels {np.unique(y[unknown]).tolist()} not among the "
                f"classes {self.classes_.tolist()}; pass every class to the first "
                "partial_fit call with classes=."
            )
        return np.searchsorted(self.classes_, y)

    def _statistics(self, X, y_idx, merged_later=False):
        return GaussianStatistics.from_data(
            X, y_idx, n_classes=len(self.classes_),
            **self._statistics_options(X.shape[1], merged_later),
        )

    def _statistics_options(self, n_features, merged_later):
        # Ledoit-Wolf's beta term needs fourth moments about the final class
        # means; merging them exactly needs the per-class scatter, kept while
        # it fits in 128 MiB (beyond that the merge is approximate, see
        # GaussianStatistics).
        moments = self.covariance == "ledoit_wolf"
        small = len(self.classes_) * n_features**2 <= _CLASS_SCATTER_BUDGET
        return {"moments": moments,
                "class_scatter": moments and merged_later and small}

    def _tied_covariance(self, X=None, y_idx=None):
        """Pooled within-class covariance as the ``covariance`` parameter says."""
        if hasattr(self.covariance, "fit"):
            if X is None:
                raise ValueError(
                    "A covariance estimator object needs the data: use fit, not "
                    "partial_fit, or pass covariance='empirical'/'ledoit_wolf'/'oas'."
                )
            centred = X - self.statistics_.means[y_idx]
            return np.asarray(self.covariance.fit(centred).covariance_, dtype=float)
        shrinkage = None if self.covariance == "empirical" else self.covariance
        return covariance_from_statistics(self.statistics_, shrinkage)[0]

    def _require_y(self, y):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is "
                "None: call fit(X, y) with the class labels of the in-distribution "
                "rows. For unlabelled data use a one-class detector such as "
                "sklearn.covariance.EllipticEnvelope."
            )

    def _set_classes(self, y, n_rows):
        """Check the labels (a dask array is computed) and set ``classes_``."""
        self._require_y(y)
        y = np.asarray(y.compute() if hasattr(y, "compute") else y)
        if y.ndim != 1 or y.shape[0] != n_rows:
            raise ValueError(
                f"y must be 1-D with {n_rows} labels, got shape {y.shape}."
            )
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        check_n_classes(self.classes_)
        return y

    def _fit_arrays(self, X, y):
        X = self._prepare(X, reset=True)
        y_idx = self._encode(self._set_classes(y, X.shape[0]))
        self.statistics_ = self._statistics(X, y_idx)
        return X, y_idx

    def fit(self, X, y=None):
        """Fit the class means and the tied covariance, then the threshold.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            In-distribution features. A dask array chunked by rows is reduced
            block by block to the Gaussian core's sufficient statistics (the
            same model as in memory); the fit rows are then scored blockwise
            to set ``offset_``.
        y : array-like of shape (n_samples,)
            Their class labels (required; a dask array is computed).

        Returns
        -------
        self
        """
        self._validate_params()
        if is_dask_array(X):
            return self._fit_dask(X, y)
        X, y_idx = self._fit_arrays(X, y)
        self._fit_model(self._tied_covariance(X, y_idx))
        self._set_offset(X)
        return self

    def _fit_dask(self, X, y):
        """Statistics per row block merged by Chan's update; only they travel."""
        if hasattr(self.covariance, "fit"):
            raise ValueError(
                "A covariance estimator object needs all the rows in memory; on a "
                "dask array pass covariance='empirical', 'ledoit_wolf', 'oas' or a "
                "float."
            )
        y = self._set_classes(y, X.shape[0])
        self.n_features_in_ = X.shape[1]
        self.__dict__.pop("feature_names_in_", None)
        X = _dask_rows(X, self.normalize)
        self.statistics_ = statistics_from_dask(
            X, self._encode(y), len(self.classes_),
            **self._statistics_options(X.shape[1], merged_later=True),
        )
        self._fit_model(self._tied_covariance())
        # the same rows as in memory, gathered to this process
        self._set_offset(np.asarray(X[_offset_rows(X.shape[0])].compute()))
        return self

    def partial_fit(self, X, y, classes=None):
        """Update the statistics with a batch (Chan's merge), then refit.

        The result equals ``fit`` on all batches together (to rounding). With
        ``covariance='ledoit_wolf'`` that needs per-class scatter matrices,
        kept while ``n_classes * n_features**2 <= 2**24`` (128 MiB); beyond that
        the shrinkage intensity of the merged statistics is approximate.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like, default=None
            All class labels, on the first call. ``None`` takes the labels of the
            first batch; a later batch with a new label then raises.

        Returns
        -------
        self
        """
        first = not hasattr(self, "statistics_")
        if first:
            self._validate_params()
            X = self._prepare(X, reset=True)
            y = np.asarray(y)
            check_classification_targets(y)
            self.classes_ = np.unique(y if classes is None else np.asarray(classes))
            check_n_classes(self.classes_)
            self.statistics_ = self._statistics(
                X, self._encode(np.asarray(y)), merged_later=True)
        else:
            X = self._prepare(X, reset=False)
            self.statistics_.update(X, self._encode(np.asarray(y)))
        self._fit_model(self._tied_covariance())
        self._set_offset(X)
        return self

    def _fit_model(self, covariance):
        self._warn_constant_features()
        self._finish_fit(covariance)

    def _warn_constant_features(self):
        """One warning naming the features with no variance inside any class."""
        within = self.statistics_.sq_dev.sum(axis=0)
        constant = np.flatnonzero(within <= 1e-12 * max(within.max(initial=0.0),
                                                        1e-300))
        if constant.size == 0:
            return
        handling = ("dropped by the pseudo-inverse" if self.covariance == "empirical"
                    else "floored by the whitener")
        warn_singular(
            f"{type(self).__name__}: feature(s) {constant[:10].tolist()} have zero "
            f"variance within every class; their direction is {handling}. Remove "
            "constant columns first (sklearn.feature_selection.VarianceThreshold) "
            "to silence this."
        )

    # ----- thresholds -------------------------------------------------------
    def _set_offset(self, X):
        # Scoring every fit row cost as much as the rest of a large fit (100k x
        # 768, C=1000: 2.9 s of 4.2 s); a percentile needs far fewer. Up to
        # _OFFSET_ROWS evenly spaced rows (all of them below that) estimate it
        # to about 0.002 in probability at contamination 0.05.
        self._set_offset_from_scores(self._score(X[_offset_rows(X.shape[0])]))

    def _set_offset_from_scores(self, scores):
        self.offset_ = float(np.percentile(scores, 100.0 * self.contamination))
        self._record_fit_scores(scores)

    def score_samples(self, X):
        """Score of each row; higher is more in-distribution.

        float32 rows stay float32 (see
        :func:`~sklearn_lowdim.covariance.mahalanobis_distances` for how the
        nearest-class distance stays accurate on ill-conditioned features).
        Other array-API arrays (torch, CuPy, with
        ``sklearn.set_config(array_api_dispatch=True)``) are scored in their own
        namespace and on their device, in float64 or, where the rounding
        allows, float32; a dask array gives a lazy dask array of scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        if is_dask_array(X):
            X = _dask_rows(X, None)
            return X.map_blocks(self.score_samples, drop_axis=1, dtype=np.float64)
        xp, is_array_api = get_namespace(X)
        if is_array_api:
            validate_data(self, to_numpy(X), dtype=[np.float64, np.float32],
                          reset=False)
            if self.normalize == "l2":
                norms = xp.linalg.vector_norm(X, axis=1, keepdims=True)
                X = X / xp.where(norms > 0, norms, xp.ones_like(norms))
            return self._score_xp(X, xp)
        return self._score(self._prepare(X, reset=False))

def _offset_rows(n_rows):
    """All rows, or ``_OFFSET_ROWS`` evenly spaced ones when there are more."""
    if n_rows <= _OFFSET_ROWS:
        return slice(None)
    return np.linspace(0, n_rows - 1, _OFFSET_ROWS).astype(np.intp)


def _dask_rows(X, normalize):
    """A float dask array chunked by rows only, L2-normalised if asked."""
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got {X.ndim} dimension(s).")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    return X.map_blocks(l2_normalize, dtype=X.dtype) if normalize == "l2" else X


def pinv_whitener(covariance):
    """The official recipe's pseudo-inverse precision as a whitener."""
    return Whitener(method="eigh", singular="pinv").fit(covariance)
