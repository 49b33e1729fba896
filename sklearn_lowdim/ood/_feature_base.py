"""Shared ``fit`` plumbing of the label-free feature detectors (KNN, ViM).

Validation, the optional held-out calibration fraction, the threshold
(``contamination`` as a float or ``"auto"``), PyOD's members and a lazy Dask
scoring path, so that each detector only says how it fits and scores.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator, OutlierMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from ..covariance import GaussianStatistics
from ..utils import (
    Progress,
    asarray_like,
    check_rows_in_namespace,
    device,
    get_namespace,
    is_dask_array,
    to_numpy,
)
from ..utils._doc_link import DocLinkMixin
from ..utils._outlier import OffsetOutlierMixin
from ..utils._sklearn_compat import Interval, StrOptions
from ._base import check_weights, dask_rows, power_of_two_unit, weighted_percentile
from ._conformal import AUTO_ALPHA, ConformalMixin
from ._pyod import PyODMixin

# fit rows scored to place offset_ (evenly spaced when there are more), as in
# the Gaussian detectors
_OFFSET_ROWS = 20_000


def offset_rows(n_rows):
    """All rows, or ``_OFFSET_ROWS`` evenly spaced ones when there are more."""
    if n_rows <= _OFFSET_ROWS:
        return np.arange(n_rows)
    return np.linspace(0, n_rows - 1, _OFFSET_ROWS).astype(np.intp)


def check_labels(y, n_rows):
    """``y`` as a 1-D array of ``n_rows`` labels (``None`` stays ``None``)."""
    if y is None:
        return None
    y = np.asarray(y)
    if y.shape != (n_rows,):
        raise ValueError(
            f"y must be 1-D with {n_rows} labels, got shape {y.shape}."
        )
    return y


def drop_weightless(X, y, sample_weight):
    """Rows of weight zero removed: a weight is a multiplicity, zero is absent."""
    if sample_weight is None or np.all(sample_weight > 0):
        return X, y, sample_weight
    keep = np.asarray(sample_weight > 0)
    return X[keep], None if y is None else y[keep], sample_weight[keep]


def _in_memory(values):
    """Labels or weights of a dask fit (n values, never X) as a NumPy array."""
    if values is None:
        return None
    return np.asarray(values.compute() if is_dask_array(values) else values)


def block_parts(X, sample_weight, func, *args):
    """``func(block, block_weights, *args)`` delayed for each row block of ``X``."""
    import dask

    bounds = np.cumsum((0,) + tuple(X.chunks[0]))
    return [dask.delayed(func)(block, None if sample_weight is None
                               else sample_weight[bounds[i]:bounds[i + 1]], *args)
            for i, block in enumerate(X.to_delayed().ravel())]


def tree_reduce(parts, merge, *args):
    """Delayed pairwise merge of delayed parts (a tree, depth log2(len))."""
    import dask

    parts = list(parts)
    while len(parts) > 1:
        merged = [dask.delayed(merge)(a, b, *args)
                  for a, b in zip(parts[::2], parts[1::2])]
        parts = merged + parts[len(merged) * 2:]
    return parts[0]


def _block_statistics(block, w, scatter, rescale):
    """Weighted statistics of one block, of ``block / unit`` (a power of two)."""
    unit = power_of_two_unit(block, per_feature=False)[0] if rescale else 1.0
    stats = GaussianStatistics.from_data(block if unit == 1 else block / unit,
                                         sample_weight=w, pooled_scatter=scatter)
    return stats, unit


def _merge_statistics(a, b):
    """Chan's update of two blocks' statistics, in the larger unit of the two."""
    unit = max(a[1], b[1])
    return _rescaled(*a, unit).merge(_rescaled(*b, unit)), unit


def _rescaled(stats, unit, target):
    if unit == target:
        return stats
    ratio = unit / target  # at most 1: nothing overflows
    stats.means = stats.means * ratio
    stats.sq_dev = stats.sq_dev * ratio**2
    if stats.scatter is not None:
        stats.scatter = stats.scatter * ratio**2
    return stats


def block_statistics(X, sample_weight, rows, *, scatter=True, rescale=False):
    """One pass over a row-chunked dask array: statistics and a row sample.

    Each block is reduced to its weighted mean and scatter (of the block
    divided by a power of two with ``rescale``), the states are merged by
    Chan's update on the way, and the rows ``rows`` are gathered in the same
    computation: X is read once and never materialised.

    Returns
    -------
    stats : GaussianStatistics
        One class: ``counts[0]`` the total weight, ``means[0]``, ``scatter``.
    unit : float
        The power of two the statistics are in (1 without ``rescale``).
    gathered : ndarray of shape (len(rows), n_features)
        ``X[rows]``.
    """
    import dask

    merged = tree_reduce(block_parts(X, sample_weight, _block_statistics, scatter,
                                     rescale), _merge_statistics)
    (stats, unit), gathered = dask.compute(merged, X[rows])
    return stats, unit, np.asarray(gathered)


class _FeatureDetector(DocLinkMixin, ConformalMixin, PyODMixin, OffsetOutlierMixin,
                       OutlierMixin, BaseEstimator):
    """Base of :class:`KNNOOD`, :class:`ResidualOOD` and :class:`ViM`.

    Subclasses implement ``_fit(X, y, sample_weight)`` and ``_score(X)`` on
    validated arrays, name the fit step in ``_fit_message``, and may override
    ``_fit_scores(X, rows, sample_weight)`` (the scores of the fit rows
    ``rows`` that place ``offset_``; KNN scores them leave-one-out).
    """

    _parameter_constraints: dict = {
        "contamination": [Interval(Real, 0, 0.5, closed="right"),
                          StrOptions({"auto"})],
        "calibration": [Interval(Real, 0, 1, closed="neither"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    _fit_message = "statistics"

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = False
        return tags

    def fit(self, X, y=None, sample_weight=None):
        """Fit on in-distribution rows, then place the threshold.

        With ``calibration`` set, that fraction of the rows (drawn with
        ``random_state``) is held out of the fit and becomes the conformal
        calibration set (see :meth:`calibrate`).

        A dask array chunked by rows is read in the passes the detector
        states and never materialised. An array-API array (torch, CuPy, with
        ``sklearn.set_config(array_api_dispatch=True)``) is fitted on its
        device: the ``d``-sized fitted parameters are NumPy float64 (small
        ``d x d`` factorisations run on the host), KNNOOD's search bank stays
        on the device.

        Parameters
        ----------
        X : array-like, dask array or array-API array of shape \
                (n_samples, n_features)
            In-distribution rows.
        y : array-like of shape (n_samples,), default=None
            Class labels, used only where the detector says so (``None`` is
            one class).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row multiplicities: a row of integer weight ``w`` fits
            the same detector as the row repeated ``w`` times (``offset_``
            included), a row of weight zero the same as the row absent. Not
            combined with ``calibration`` (call :meth:`calibrate` instead).

        Returns
        -------
        self : object
            The fitted detector.
        """
        self._validate_params()
        if is_dask_array(X):
            return self._fit_lazy(X, y, sample_weight)
        xp, is_array_api = get_namespace(X)
        if is_array_api:
            return self._fit_device(X, y, sample_weight, xp)
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        y = check_labels(y, X.shape[0])
        sample_weight = check_weights(sample_weight, X)
        X, y, X_cal = self._hold_out_calibration(X, y, sample_weight)
        X, y, sample_weight = drop_weightless(X, y, sample_weight)
        with Progress(2, self.verbose, desc=type(self).__name__) as progress:
            self._fit(X, y, sample_weight)
            progress.update(message=self._fit_message)
            rows = offset_rows(X.shape[0])
            self._set_offset(self._fit_scores(X, rows, sample_weight),
                             None if sample_weight is None else sample_weight[rows])
            progress.update(message="offset_ from the fit rows' scores")
        if X_cal is not None:
            self._set_calibration_scores(self._score(X_cal))
        return self

    def _fit_lazy(self, X, y, sample_weight):
        """Fit on a dask array: the passes of ``_fit_dask``, X never whole."""
        self._hold_out_calibration(X, y, sample_weight)  # no split on dask
        X = dask_rows(X, None)
        self.n_features_in_ = X.shape[1]
        self.__dict__.pop("feature_names_in_", None)
        y = check_labels(_in_memory(y), X.shape[0])
        sample_weight = check_weights(_in_memory(sample_weight), X)
        X, y, sample_weight = drop_weightless(X, y, sample_weight)
        with Progress(1, self.verbose, desc=type(self).__name__) as progress:
            rows = offset_rows(X.shape[0])
            scores = self._fit_dask(X, y, sample_weight, rows)
            self._set_offset(scores, None if sample_weight is None
                             else sample_weight[rows])
            progress.update(message=self._fit_message + " and offset_ (dask)")
        return self

    def _fit_device(self, X, y, sample_weight, xp):
        """Fit on an array-API array: its rows never leave the device (labels,
        weights and the ``offset_`` rows' scores come to the host)."""
        if self.calibration is not None:
            raise ValueError(
                "calibration= holds out rows in memory; with array-API input fit "
                "with calibration=None and call calibrate(X_cal) on held-out "
                "in-distribution rows."
            )
        X = check_rows_in_namespace(X, xp, estimator=self, reset=True)
        n = X.shape[0]
        y = check_labels(None if y is None else to_numpy(y), n)
        if sample_weight is not None:
            sample_weight = check_weights(to_numpy(sample_weight), np.empty((n, 0)))
            if not np.all(sample_weight > 0):
                keep = np.flatnonzero(sample_weight > 0)
                X = xp.take(X, xp.asarray(keep, device=device(X)), axis=0)
                y = None if y is None else y[keep]
                sample_weight = sample_weight[keep]
        with Progress(1, self.verbose, desc=type(self).__name__) as progress:
            self._fit_xp(X, y, sample_weight, xp)
            rows = offset_rows(X.shape[0])
            scores = self._fit_scores_xp(X, rows, sample_weight, xp)
            self._set_offset(to_numpy(scores).astype(np.float64),
                             None if sample_weight is None else sample_weight[rows])
            progress.update(message=self._fit_message + " and offset_ (device)")
        return self

    def _score_dask(self, X):
        """Lazy scores of a row-chunked dask array, block by block."""
        return X.map_blocks(self.score_samples, drop_axis=1, dtype=np.float64)

    def _set_offset(self, scores, weights):
        """``offset_`` at the contamination level of the (weighted) fit scores."""
        scores = np.asarray(scores, dtype=np.float64)
        level = AUTO_ALPHA if self.contamination == "auto" else self.contamination
        self.offset_ = weighted_percentile(scores, 100.0 * level, weights)
        self._record_fit_scores(scores)

    def _fit_scores(self, X, rows, sample_weight):
        return self._score(X[rows])

    def score_samples(self, X):
        """Score of each row; higher is more in-distribution.

        A dask array gives a lazy dask array of scores (block by block).
        Other array-API arrays (torch, CuPy, with
        ``sklearn.set_config(array_api_dispatch=True)``) are scored in their
        own namespace and on their device, in their float dtype.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score (dense: NumPy array-like, dask array or array-API
            array, see above).

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            The detector's score (float64 for NumPy input; a lazy dask array
            or an array of ``X``'s namespace otherwise).
        """
        check_is_fitted(self)
        if is_dask_array(X):
            return self._score_dask(dask_rows(X, None))
        xp, is_array_api = get_namespace(X)
        if is_array_api:
            return self._score_xp(check_rows_in_namespace(X, xp, estimator=self), xp)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return np.asarray(self._score(X), dtype=np.float64)

    def predict(self, X, *, fdr=None, alpha=None):
        """+1 for inliers, -1 for outliers; with an error guarantee if asked.

        See :meth:`ConformalMixin.predict`. Array-API rows (without ``fdr``
        or ``alpha``) get labels in their namespace, on their device; a dask
        array lazy labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to label.
        fdr : float in (0, 1), default=None
            Benjamini-Hochberg false-discovery rate over this batch (needs
            calibration).
        alpha : float in (0, 1), default=None
            Per-row false-alarm rate (needs calibration).

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 for rows kept as in-distribution, -1 for flagged rows.
        """
        xp, is_array_api = get_namespace(X)
        if not is_array_api or fdr is not None or alpha is not None:
            return super().predict(X, fdr=fdr, alpha=alpha)
        decision = self.decision_function(X)
        inlier = xp.ones(decision.shape, dtype=xp.int64, device=device(decision))
        return xp.where(decision < 0, -inlier, inlier)

    def _on_device(self, values, X, xp):
        """A fitted NumPy array in ``X``'s namespace, device and float dtype."""
        return xp.astype(asarray_like(values, X, xp), X.dtype)
