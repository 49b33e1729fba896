"""Shared machinery of the supervised feature-space OOD detectors."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin, clone
from sklearn.utils.validation import check_is_fitted, validate_data

from ..covariance import GaussianStatistics, covariance_from_statistics
from ..covariance._dask import is_dask_array, statistics_from_dask
from ..covariance._whitening import degenerate_features, fit_whitener, warn_singular
from ..utils import (
    Progress,
    check_rows_in_namespace,
    check_sample_weight_values,
    device,
    device_float,
    get_namespace,
    to_numpy,
)
from ..utils._doc_link import DocLinkMixin
from ..utils._outlier import OffsetOutlierMixin
from ..utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    check_same_namespace,
    move_to,
)
from ._conformal import AUTO_ALPHA, ConformalMixin
from ._likelihood import GaussianLikelihoodMixin
from ._pyod import PyODMixin
from ._rows import (  # re-exported: the other detectors import them from here
    _divide,
    _lives_on,
    check_weights,
    class_labels,
    dask_rows,
    l2_normalize,
    power_of_two_unit,
    weighted_percentile,
)

# at most this many fit rows are scored to place offset_ (every s-th row, s the
# smallest power of two that keeps them under it, so that a stream can keep the
# same rows as fit)
_OFFSET_ROWS = 20_000


def offset_stride(n_rows):
    """Smallest power of two ``s`` with ``ceil(n_rows / s) <= _OFFSET_ROWS``."""
    stride = 1
    while -(-n_rows // stride) > _OFFSET_ROWS:
        stride *= 2
    return stride


# doubles of per-class scatter kept for exact streaming Ledoit-Wolf (128 MiB)
_CLASS_SCATTER_BUDGET = 2**24


class _SupervisedDetectorAPI(DocLinkMixin, ConformalMixin, PyODMixin,
                             OffsetOutlierMixin, OutlierMixin, BaseEstimator):
    """scikit-learn's outlier API for detectors that take class labels in ``fit``.

    ``y=None`` is one class. Subclasses provide ``fit`` (setting ``offset_``)
    and ``score_samples``.
    """

    # the fitted attribute whose namespace and device inputs must share
    _namespace_attribute = "location_"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags

    def _check_namespace(self, X, method):
        """Rows of another namespace or device than ``fit``'s: a ValueError.

        It names scikit-learn's ``move_estimator_to``, which moves a fitted
        detector (its array attributes) to the namespace and device of ``X``.
        """
        check_same_namespace(X, self, attribute=self._namespace_attribute,
                             method=method)

    def fit_predict(self, X, y=None, **kwargs):
        """Fit on ``(X, y)`` and return +1 (inlier) / -1 (outlier) for ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows; they are also the rows labelled.
        y : array-like of shape (n_samples,), default=None
            Class labels; ``None`` is one class.
        **kwargs : dict
            Passed to ``fit`` (for example ``sample_weight``).

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            ``predict(X)`` of the fitted detector: +1 inlier, -1 outlier.
        """
        return self.fit(X, y, **kwargs).predict(X)


class _SupervisedGaussianDetector(GaussianLikelihoodMixin, _SupervisedDetectorAPI):
    """Class-conditional Gaussians with a tied covariance, from the Gaussian core.

    Subclasses implement ``_finish_fit(covariance)``, ``_score`` and
    ``_score_xp``.
    """

    _parameter_constraints: dict = {
        "covariance": [
            StrOptions({"empirical", "ledoit_wolf", "oas"}),
            Interval(Real, 0, 1, closed="both"),
            HasMethods("fit"),
        ],
        "normalize": [StrOptions({"l2"}), None],
        "contamination": [Interval(Real, 0, 0.5, closed="right"),
                          StrOptions({"auto"})],
        "calibration": [Interval(Real, 0, 1, closed="neither"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # ----- statistics -------------------------------------------------------
    def _prepare(self, X, reset, min_samples=1):
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=reset,
                          ensure_min_samples=min_samples)
        return l2_normalize(X) if self.normalize == "l2" else X

    def _prepare_rows(self, X):
        """Rows already validated, L2-normalised if asked (Dask layer blocks)."""
        return l2_normalize(X) if self.normalize == "l2" else X

    def _encode(self, y):
        unknown = ~np.isin(y, self.classes_)
        if unknown.any():
            raise ValueError(
                f"y holds labels {np.unique(y[unknown]).tolist()} not among the "
                f"classes {self.classes_.tolist()}; pass every class to the first "
                "partial_fit call with classes=."
            )
        return np.searchsorted(self.classes_, y)

    def _statistics_options(self, n_features, merged_later):
        # Ledoit-Wolf's beta term needs fourth moments about the final class
        # means; merging them exactly needs the per-class scatter, kept while
        # it fits in 128 MiB (beyond that the merge is approximate, see
        # GaussianStatistics).
        moments = self.covariance == "ledoit_wolf"
        small = len(self.classes_) * n_features**2 <= _CLASS_SCATTER_BUDGET
        return {"moments": moments,
                "class_scatter": moments and merged_later and small}

    def _tied_covariance(self, X=None, y_idx=None, sample_weight=None):
        """Pooled within-class covariance as the ``covariance`` parameter says."""
        if not hasattr(self.covariance, "fit"):
            shrinkage = None if self.covariance == "empirical" else self.covariance
            return covariance_from_statistics(self.statistics_, shrinkage)[0]
        if X is None:
            raise ValueError(
                "A covariance estimator object needs the data: use fit, not "
                "partial_fit, or pass covariance='empirical'/'ledoit_wolf'/'oas'."
            )
        if sample_weight is not None:
            raise ValueError(
                "sample_weight cannot be passed to a covariance estimator object "
                "(scikit-learn's take none); pass covariance='empirical', "
                "'ledoit_wolf', 'oas' or a float, or repeat the rows."
            )
        centred = X - self.statistics_.means[y_idx]
        # a clone: the user's estimator object is never fitted in place
        estimator = clone(self.covariance).fit(centred)
        return np.asarray(estimator.covariance_, dtype=float)

    def _set_classes(self, y, n_rows, classes=None):
        """Check the labels and set ``classes_`` (``y=None`` is one class)."""
        y = class_labels(y, n_rows)
        self.classes_ = np.unique(y if classes is None else np.asarray(classes))
        return y

    def fit(self, X, y=None, sample_weight=None):
        """Fit the class means and the tied covariance, then the threshold.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            In-distribution features. An array-API array (CuPy, torch; with
            ``array_api_dispatch=True``) is fitted on its device (see the
            class docstring). A dask array chunked by rows is reduced
            block by block to the Gaussian core's sufficient statistics (the
            same model as in memory, one pass); the rows that place
            ``offset_`` are then gathered and scored.
        y : array-like of shape (n_samples,), default=None
            Their class labels (a dask array is computed); ``None`` is one
            class.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights; integer weights fit the same model as
            the rows repeated that many times, ``offset_`` included.

        Returns
        -------
        self : object
            The fitted detector.
        """
        self._validate_params()
        X, y, X_cal = self._hold_out_calibration(X, y, sample_weight)
        if is_dask_array(X):
            return self._fit_dask(X, y, sample_weight)
        xp, is_array_api = get_namespace(X)
        if is_array_api:
            self._fit_namespace(X, y, sample_weight, xp)
        else:
            X = self._prepare(X, reset=True, min_samples=2)
            sample_weight = check_weights(sample_weight, X)
            self._fit_rows(X, self._encode(self._set_classes(y, X.shape[0])),
                           sample_weight)
        if X_cal is not None:
            self.calibrate(X_cal)
        return self

    def _fit_namespace(self, X, y, sample_weight, xp):
        """Fit on an array-API input, on its device (see ``_fit_rows``)."""
        if hasattr(self.covariance, "fit"):
            raise ValueError(
                "A covariance estimator object runs on NumPy rows only; on an "
                "array-API input pass covariance='empirical', 'ledoit_wolf', "
                "'oas' or a float, or convert X with numpy.asarray."
            )
        X = check_rows_in_namespace(X, xp, estimator=self, reset=True, min_samples=2)
        X = self._prepare_rows(X)
        y_idx = self._labels_in_namespace(y, X.shape[0], xp, device(X))
        self._fit_rows(X, y_idx, check_weights(sample_weight, X))
        self._publish(xp, device(X))

    def _labels_in_namespace(self, y, n_rows, xp, dev):
        """Class indices on ``dev``; ``classes_`` (one per class) on the host."""
        if y is None or not get_namespace(y)[1]:
            y = self._encode(self._set_classes(y, n_rows))
            return xp.asarray(y, device=dev)
        y = move_to(y, xp=xp, device=dev)  # labels of another device: to X's
        if y.ndim != 1 or y.shape[0] != n_rows:
            raise ValueError(
                f"y must be 1-D with {n_rows} labels, got shape {tuple(y.shape)}.")
        if xp.isdtype(y.dtype, "real floating") and not bool(
                xp.all(y == xp.round(y))):
            raise ValueError(
                "Unknown label type: continuous. y holds non-integer values; "
                "pass class labels.")
        labels, y_idx = xp.unique_inverse(y)
        self.classes_ = to_numpy(labels)
        return y_idx

    def _publish(self, xp, dev):
        """Move the fitted arrays to the input's device (scikit-learn's rule).

        They are computed on the host in float64 and published in float64
        where the device has it, as a NumPy fit keeps them; ``classes_`` and
        the objects (statistics, whiteners) stay on the host.
        """
        self._device_params = self._scoring_params(xp, dev)
        host_dtype = np.float64 if device_float(xp, dev) == xp.float64 else np.float32
        for name, value in list(vars(self).items()):
            if isinstance(value, np.ndarray) and name != "classes_":
                if value.dtype.kind == "f":
                    value = value.astype(host_dtype, copy=False)
                setattr(self, name, xp.asarray(value, device=dev))

    def _scoring_params(self, xp, dev):
        """The scoring constants on ``dev``: kept by a fit there, else moved."""
        params = getattr(self, "_device_params", None)
        if params is not None and _lives_on(params["location"], xp, dev):
            return params
        # computed where location_ lives (the host after a NumPy fit, the
        # device after move_estimator_to), in float64 where it has it
        xq, _ = get_namespace(self.location_)
        where = device(self.location_)
        dtype = device_float(xq, where)

        def lift(value):
            return xq.asarray(value, dtype=dtype, device=where)

        params = self._model_params(lift, xq)
        dtype = device_float(xp, dev)
        return {name: xp.asarray(value, dtype=dtype, device=dev)
                if hasattr(value, "shape") else value
                for name, value in params.items()}

    def _model_params(self, lift, xq):
        """Scoring constants; ``lift`` puts a fitted array in namespace ``xq``
        on the device of ``location_``. Subclasses add their own."""
        location, W = lift(self.location_), lift(self.whitener_.W_)
        return {"location": location, "W": W,
                "means": (lift(self.means_) - location) @ W}

    def _fit_rows(self, X, y_idx, sample_weight):
        """Statistics (one pass over X, on its device), the host model, offset_.

        The d x d covariance and its whitener are factorised on the host in
        float64; only ``C x d`` and ``d x d`` statistics leave X's device.
        """
        self.__dict__.pop("_offset_sample", None)
        self._unit = power_of_two_unit(X, self.covariance == "empirical")
        X_unit = _divide(X, self._unit)
        with Progress(3, self.verbose, desc=type(self).__name__) as progress:
            self.statistics_ = GaussianStatistics.from_data(
                X_unit, y_idx, n_classes=len(self.classes_),
                sample_weight=sample_weight,
                **self._statistics_options(X.shape[1], merged_later=False))
            progress.update(message="class statistics (one pass over X)")
            self._fit_model(self._tied_covariance(X_unit, y_idx, sample_weight))
            progress.update(message="covariance and whitener")
            stride = offset_stride(X.shape[0])
            self._set_offset(X[::stride, ...], None if sample_weight is None
                             else sample_weight[::stride])
            progress.update(message="offset_ from the fit rows' scores")

    def _fit_dask(self, X, y, sample_weight):
        """Statistics per row block merged by Chan's update; only they travel."""
        if hasattr(self.covariance, "fit"):
            raise ValueError(
                "A covariance estimator object needs all the rows in memory; on a "
                "dask array pass covariance='empirical', 'ledoit_wolf', 'oas' or a "
                "float."
            )
        y = self._set_classes(y, X.shape[0])
        self.__dict__.pop("_offset_sample", None)
        self.n_features_in_ = X.shape[1]
        self.__dict__.pop("feature_names_in_", None)
        X = dask_rows(X, self.normalize)
        if sample_weight is not None:
            sample_weight = check_sample_weight_values(
                np.asarray(sample_weight, dtype=np.float64))
        statistics = statistics_from_dask(
            X, self._encode(y), len(self.classes_), sample_weight=sample_weight,
            **self._statistics_options(X.shape[1], merged_later=True),
        )
        # the same rows as in memory, gathered to this process
        stride = offset_stride(X.shape[0])
        return self._fit_statistics(
            statistics, np.asarray(X[::stride].compute()),
            None if sample_weight is None else sample_weight[::stride])

    def _fit_statistics(self, statistics, offset_rows, offset_weights=None):
        """Finish a fit from merged statistics of unscaled rows (Dask paths).

        ``classes_`` and ``n_features_in_`` are set; ``offset_rows`` are the
        prepared fit rows of :func:`offset_stride` that place ``offset_``.
        """
        self._unit = np.ones(statistics.n_features)
        self.statistics_ = statistics
        self._fit_model(self._tied_covariance())
        self._set_offset(offset_rows, offset_weights)
        return self

    def partial_fit(self, X, y=None, classes=None, sample_weight=None):
        """Update the statistics with a batch (Chan's merge), then refit.

        The result equals ``fit`` on all batches together, ``offset_``
        included: the detector keeps the fit rows that ``fit`` scores to place
        ``offset_`` (every ``s``-th row, ``s`` the smallest power of two that
        keeps at most 20,000; ``s`` doubles as the stream grows) and scores
        them with the updated model, so ``offset_`` is exact, not a sketch
        (memory: at most 20,000 rows). After ``fit``, which keeps no rows,
        ``offset_`` comes from the rows of the later ``partial_fit`` calls.
        With ``covariance='ledoit_wolf'`` the equality needs per-class scatter
        matrices, kept while
        ``n_classes * n_features**2 <= 2**24`` (128 MiB); beyond that the
        shrinkage intensity of the merged statistics is approximate.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            A batch of in-distribution rows.
        y : array-like of shape (n_samples,), default=None
            Their labels; ``None`` is one class.
        classes : array-like, default=None
            All class labels, on the first call. ``None`` takes the labels of the
            first batch; a later batch with a new label then raises.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights.

        Returns
        -------
        self : object
            The updated detector.
        """
        if get_namespace(X)[1]:
            raise ValueError(
                "partial_fit runs on NumPy batches; fit an array-API input in "
                "one call with fit, or pass numpy arrays.")
        first = not hasattr(self, "statistics_")
        if first:
            self._validate_params()
        X = self._prepare(X, reset=first)
        sample_weight = check_weights(sample_weight, X)
        y = class_labels(y, X.shape[0])
        if first:
            self._set_classes(y, X.shape[0], classes)
            self._unit = power_of_two_unit(X, self.covariance == "empirical")
            self.statistics_ = GaussianStatistics(
                len(self.classes_), X.shape[1],
                **self._statistics_options(X.shape[1], merged_later=True))
        if not hasattr(self, "_offset_sample"):
            # after fit, which keeps no rows: offset_ comes from the rows
            # streamed from here on
            self._offset_sample = _OffsetSample()
        self.statistics_.update(_divide(X, self._unit), self._encode(y),
                                sample_weight=sample_weight)
        self._fit_model(self._tied_covariance())
        rows, weights = self._offset_sample.add(X, sample_weight)
        self._set_offset(rows, weights)
        return self

    def _fit_model(self, covariance):
        """The model from the statistics of ``X / _unit``, in the units of X."""
        _check_covariance(covariance)
        self.__dict__.pop("_device_params", None)  # of an earlier fit
        self._warn_constant_features()
        self._finish_fit(covariance)
        unit = self._unit
        if np.all(unit == 1.0):
            return
        self.means_ = self.means_ * unit
        self.location_ = self.location_ * unit
        for name in ("whitener_", "background_whitener_"):
            whitener = getattr(self, name, None)
            if whitener is not None:
                whitener.W_ = whitener.W_ / unit[:, None]
                whitener.scale_ = whitener.scale_ * unit
                whitener.logdet_ += 2.0 * float(np.sum(np.log(unit)))
        self._rescale(unit)

    def _rescale(self, unit):
        """Subclasses move their own unit-bearing attributes to the units of X."""

    def _fit_whitener(self, covariance):
        """The whitener of ``covariance``: pseudo-inverse or floor, scale-free."""
        return fit_whitener(covariance, self.covariance == "empirical",
                            np.abs(self.statistics_.means).max(axis=0))

    def _warn_constant_features(self):
        """One warning naming the features with no variance inside any class."""
        stats = self.statistics_
        within = stats.sq_dev.sum(axis=0) / max(stats.n_samples, 1e-300)
        constant = np.flatnonzero(degenerate_features(
            within, np.abs(stats.means).max(axis=0)))
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
    def _set_offset(self, X, sample_weight=None):
        # Scoring every fit row cost as much as the rest of a large fit (100k x
        # 768, C=1000: 2.9 s of 4.2 s); a percentile needs far fewer: every
        # s-th row, 10,000 to 20,000 of them, estimates it to about 0.002 in
        # probability at contamination 0.05.
        xp, is_array_api = get_namespace(X)
        scores = self._score_xp(X, xp) if is_array_api else self._score(X)
        level = AUTO_ALPHA if self.contamination == "auto" else self.contamination
        self.offset_ = weighted_percentile(scores, 100.0 * level, sample_weight)
        self._record_fit_scores(scores)

    def score_samples(self, X):
        """Score of each row; higher is more in-distribution.

        float32 rows stay float32 (see
        :func:`~sklearn_lowdim.covariance.mahalanobis_distances` for how the
        nearest-class distance stays accurate on ill-conditioned features).
        Array-API rows (dispatch on) are validated and scored on their device,
        in their namespace and float dtype (float64 where float32 rounding
        would swamp the distances); rows of another namespace or device than
        ``fit``'s raise a ValueError. A dask array gives lazy dask scores.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score (NaN and infinity are rejected).

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Higher is more in-distribution.
        """
        check_is_fitted(self)
        if is_dask_array(X):
            X = dask_rows(X, None)
            return X.map_blocks(self.score_samples, drop_axis=1, dtype=np.float64)
        xp, is_array_api = self._prepared_namespace(X, "score_samples")
        if is_array_api:
            return self._score_xp(self._prepare_xp(X, xp), xp)
        return self._score(self._prepare(X, reset=False))

    def _prepared_namespace(self, X, method):
        """``(xp, is_array_api)`` of X, checked against the fitted namespace."""
        self._check_namespace(X, method)
        return get_namespace(X)

    def _prepare_xp(self, X, xp):
        """Array-API rows validated on their device, L2-normalised if asked."""
        X = check_rows_in_namespace(X, xp, estimator=self)
        return self._prepare_rows(X)


class _OffsetSample:
    """The rows ``fit`` would score for ``offset_``, kept along a stream.

    Every ``stride``-th row by position in the stream; when more than
    ``_OFFSET_ROWS`` are kept, ``stride`` doubles and every other kept row goes.
    At any point the rows are those of :func:`offset_stride` on the stream so
    far, which are what ``fit`` scores.
    """

    def __init__(self):
        self.n_seen, self.stride = 0, 1
        self.rows, self.weights = None, None

    def add(self, X, sample_weight):
        take = slice((-self.n_seen) % self.stride, None, self.stride)
        weights = (np.ones(X.shape[0]) if sample_weight is None
                   else sample_weight)[take]
        rows = X[take]
        if self.rows is not None:
            rows = np.concatenate([self.rows, rows.astype(self.rows.dtype)])
            weights = np.concatenate([self.weights, weights])
        self.n_seen += X.shape[0]
        while rows.shape[0] > _OFFSET_ROWS:
            self.stride *= 2
            rows, weights = rows[::2], weights[::2]
        self.rows, self.weights = rows, weights
        unit = np.all(weights == 1.0)
        return rows, (None if unit else weights)


def _check_covariance(covariance):
    """A clear error where the covariance cannot define a distance."""
    covariance = np.asarray(covariance)
    if not np.all(np.isfinite(covariance)):
        raise ValueError(
            "X holds values so large that their squares overflow float64 (the "
            "covariance is not finite); rescale X, for example with "
            "sklearn.preprocessing.StandardScaler."
        )
    if not np.any(np.diag(covariance) > 0):
        raise ValueError(
            "The within-class covariance is zero: no class has two distinct rows. "
            "Fit on more rows per class."
        )
