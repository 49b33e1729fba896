"""One detector per block of columns (network layers), scores combined."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegressionCV
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data

from ..covariance import GaussianStatistics
from ..utils import (
    Progress,
    check_rows_in_namespace,
    check_sample_weight_values,
    device,
    get_namespace,
    is_dask_array,
    to_numpy,
)
from ..utils._sklearn_compat import HasMethods, Interval, StrOptions
from ._base import (
    _SupervisedDetectorAPI,
    _SupervisedGaussianDetector,
    check_weights,
    class_labels,
    dask_rows,
    offset_stride,
    weighted_percentile,
)
from ._conformal import AUTO_ALPHA
from ._mahalanobis import MahalanobisOOD

__all__ = ["LayerEnsembleOOD"]


class LayerEnsembleOOD(_SupervisedDetectorAPI):
    """One OOD detector per block of columns, with the scores combined.

    For features of several network layers concatenated column-wise: a clone of
    ``detector`` is fitted on each block. Label-free by default, each block's score
    is standardised by its mean and standard deviation on the in-distribution fit
    rows and the standardised scores are summed. When ``X_outlier`` is passed to
    :meth:`fit`, a :class:`~sklearn.linear_model.LogisticRegressionCV` learns the
    combination from the fit rows (label 1) and those outliers (label 0), as the
    official Mahalanobis recipe (Lee et al. 2018) does. **That recipe uses
    examples of the OOD data it is later evaluated on**; its numbers are not
    comparable with label-free detectors.

    With ``sklearn.set_config(array_api_dispatch=True)`` an array-API ``X``
    (CuPy, torch) is fitted and scored on its device: each layer's detector
    (the Gaussian ones support it) fits its block of columns there, and
    ``score_mean_``, ``score_std_`` and every per-row output are in ``X``'s
    namespace. The logistic combination (``X_outlier``) needs NumPy rows.
    Rows of another namespace or device than ``fit``'s raise a ValueError.

    Parameters
    ----------
    layers : list of int or list of array-like of int, default=None
        Block widths in column order (they must sum to ``n_features``), or the
        column indices of each block. ``None`` is one block of all columns.
    detector : estimator, default=None
        A supervised detector with ``fit(X, y)`` and ``score_samples``;
        ``None`` is :class:`MahalanobisOOD`.
    contamination : float in (0, 0.5] or 'auto', default=0.05
        Share of the fit rows below ``offset_``; ``'auto'`` is the conformal
        threshold of a 5% false-alarm rate once calibration rows are given.
    verbose : int, default=0
        Report each fitted layer to stderr.
    calibration : float in (0, 1) or None, default=None
        Fraction of the fit rows held out and passed to :meth:`calibrate`
        (in-memory, unweighted fits only).
    random_state : int, RandomState instance or None, default=None
        Seed of the calibration split.

    Attributes
    ----------
    detectors_ : list of fitted detectors
        One per block of columns.
    blocks_ : list of ndarray of int
        The column indices of each block.
    score_mean_, score_std_ : ndarray of shape (n_layers,)
        Standardisation of each layer's score on the fit rows (weighted).
    combiner_ : LogisticRegressionCV or None
        The learnt combination (only with ``X_outlier``).
    classes_ : ndarray
        The class labels (``[0]`` when fitted without labels).
    offset_ : float
        ``decision_function = score_samples - offset_``.
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen in ``fit`` (string column names only).

    See Also
    --------
    MahalanobisOOD : The default per-block detector (Lee et al.).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.ood import LayerEnsembleOOD
    >>> rng = np.random.default_rng(0)
    >>> X = np.hstack([rng.normal(size=(200, 3)), rng.normal(size=(200, 4))])
    >>> y = rng.integers(0, 2, 200)
    >>> ensemble = LayerEnsembleOOD(layers=[3, 4]).fit(X, y)
    >>> len(ensemble.detectors_)
    2
    """

    _parameter_constraints: dict = {
        "layers": [list, None],
        "detector": [HasMethods(["fit", "score_samples"]), None],
        "contamination": [Interval(Real, 0, 0.5, closed="right"),
                          StrOptions({"auto"})],
        "verbose": ["verbose"],
        "calibration": [Interval(Real, 0, 1, closed="neither"), None],
        "random_state": ["random_state"],
    }

    def __init__(self, layers=None, *, detector=None, contamination=0.05,
                 verbose=0, calibration=None, random_state=None):
        self.layers = layers
        self.detector = detector
        self.contamination = contamination
        self.verbose = verbose
        self.calibration = calibration
        self.random_state = random_state

    # the fitted array whose namespace and device inputs must share
    _namespace_attribute = "score_mean_"

    def _blocks(self, n_features):
        if self.layers is None:
            return [np.arange(n_features)]
        if all(isinstance(width, Integral) for width in self.layers):
            if sum(self.layers) != n_features or min(self.layers) < 1:
                raise ValueError(
                    f"layers={self.layers} must be positive block widths summing to "
                    f"n_features={n_features}."
                )
            edges = np.cumsum([0, *self.layers])
            return [np.arange(a, b) for a, b in zip(edges[:-1], edges[1:])]
        blocks = [np.asarray(block, dtype=int) for block in self.layers]
        if any(b.min() < 0 or b.max() >= n_features for b in blocks):
            raise ValueError(f"layers hold column indices outside [0, {n_features}).")
        return blocks

    def _layer_scores(self, X):
        xp, _ = get_namespace(X)
        return xp.stack([
            det.score_samples(_columns(X, block, xp))
            for det, block in zip(self.detectors_, self.blocks_)
        ], axis=1)

    def _combine(self, layer_scores):
        standardized = (layer_scores - self.score_mean_) / self.score_std_
        if self.combiner_ is not None:
            return self.combiner_.decision_function(standardized)
        xp, _ = get_namespace(standardized)
        return xp.sum(standardized, axis=1)

    def fit(self, X, y=None, X_outlier=None, sample_weight=None):
        """Fit one detector per block; learn the combination if outliers are given.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            In-distribution rows. A dask array chunked by rows is read in one
            pass that reduces every block to the statistics of all layers
            (the detectors must be Gaussian-core ones with a named or float
            ``covariance``); then the offset rows are gathered. The
            standardisation of the layer scores and ``offset_`` use the fit
            rows that the detectors use for their own offsets (every ``s``-th
            row, ``s`` the smallest power of two keeping at most 20,000).
        y : array-like of shape (n_samples,), default=None
            Their class labels; ``None`` is one class.
        X_outlier : array-like of shape (n_outliers, n_features), default=None
            Validation outliers for the logistic combination (uses OOD data).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows of ``X``, passed to every layer's
            detector; the standardisation and ``offset_`` are weighted too, so
            that integer weights equal repeated rows (for the label-free
            combination; the logistic one weights its in-distribution rows).

        Returns
        -------
        self : object
            The fitted ensemble.
        """
        self._validate_params()
        X, y, X_cal = self._hold_out_calibration(X, y, sample_weight)
        if is_dask_array(X):
            return self._fit_dask(X, y, X_outlier, sample_weight)
        X = self._validate_fit_rows(X, X_outlier)
        w = check_weights(sample_weight, X)
        xp, is_array_api = get_namespace(X)
        if is_array_api and y is not None and get_namespace(y)[1]:
            # the labels stay on a device: only the distinct ones come back
            if y.ndim != 1 or y.shape[0] != X.shape[0]:
                raise ValueError(f"y must be 1-D with {X.shape[0]} labels, got "
                                 f"shape {tuple(y.shape)}.")
            self.classes_ = to_numpy(get_namespace(y)[0].unique_values(y))
        else:
            y = class_labels(y, X.shape[0])
            self.classes_ = np.unique(y)
        self.blocks_ = self._blocks(X.shape[1])
        self.detectors_ = self._fit_layers(X, y, w)
        stride = offset_stride(X.shape[0])
        self._fit_combination(X[::stride, ...],
                              None if w is None else w[::stride], X_outlier)
        return self if X_cal is None else self.calibrate(X_cal)

    def _validate_fit_rows(self, X, X_outlier):
        """``validate_data`` for NumPy, checks on the device for array-API rows."""
        xp, is_array_api = get_namespace(X)
        if not is_array_api:
            return validate_data(self, X, dtype=[np.float64, np.float32],
                                 ensure_min_samples=2)
        if X_outlier is not None:
            raise ValueError(
                "X_outlier (the logistic combination) runs on NumPy rows only; "
                "pass numpy arrays, or drop X_outlier for the label-free sum."
            )
        return check_rows_in_namespace(X, xp, estimator=self, reset=True,
                                       min_samples=2)

    def _fit_combination(self, rows, w, X_outlier):
        """Standardisation, combiner and ``offset_`` from the offset rows."""
        scores = self._layer_scores(rows)
        xp, _ = get_namespace(scores)
        weights = (xp.ones(rows.shape[0], dtype=scores.dtype, device=device(scores))
                   if w is None else xp.astype(w, scores.dtype))
        total = xp.sum(weights)
        self.score_mean_ = weights @ scores / total
        spread = xp.sqrt(weights @ (scores - self.score_mean_) ** 2 / total)
        self.score_std_ = xp.clip(spread, min=xp.finfo(scores.dtype).smallest_normal)
        self.combiner_ = None
        if X_outlier is not None:
            self.combiner_ = self._fit_combiner(scores, X_outlier, w)
        combined = self._combine(scores)
        level = AUTO_ALPHA if self.contamination == "auto" else self.contamination
        self.offset_ = weighted_percentile(combined, 100 * level, w)
        self._record_fit_scores(combined)
        return self

    def _fit_dask(self, X, y, X_outlier, sample_weight):
        """Every layer's statistics in one pass over the row blocks."""
        base = MahalanobisOOD() if self.detector is None else self.detector
        if not isinstance(base, _SupervisedGaussianDetector) or hasattr(
                base.covariance, "fit"):
            raise ValueError(
                "On a dask array every layer's detector must be built on the "
                "Gaussian core (MahalanobisOOD or WDiscOOD) with covariance="
                "'empirical', 'ledoit_wolf', 'oas' or a float."
            )
        y = class_labels(y, X.shape[0])
        w = (None if sample_weight is None else check_sample_weight_values(
            np.asarray(sample_weight, dtype=np.float64)))
        self.classes_ = np.unique(y)
        self.n_features_in_ = X.shape[1]
        self.__dict__.pop("feature_names_in_", None)
        X = dask_rows(X, None)
        self.blocks_ = self._blocks(X.shape[1])
        self.detectors_ = [clone(base) for _ in self.blocks_]
        for det, block in zip(self.detectors_, self.blocks_):
            det._validate_params()
            det.classes_, det.n_features_in_ = self.classes_, len(block)
        states = layer_statistics_from_dask(
            X, np.searchsorted(self.classes_, y), w, self.blocks_, self.detectors_)
        stride = offset_stride(X.shape[0])
        rows = np.asarray(X[::stride].compute())
        w_rows = None if w is None else w[::stride]
        for det, block, state in zip(self.detectors_, self.blocks_, states):
            det._fit_statistics(state, det._prepare_rows(rows[:, block]), w_rows)
        return self._fit_combination(rows, w_rows, X_outlier)

    def _fit_layers(self, X, y, w):
        base = MahalanobisOOD() if self.detector is None else self.detector
        if w is not None and not has_fit_parameter(base, "sample_weight"):
            raise ValueError(
                f"sample_weight was passed but {type(base).__name__}.fit does not "
                "accept it; choose a detector that does, or repeat the rows."
            )
        extra = {} if w is None else {"sample_weight": w}
        detectors = []
        with Progress(len(self.blocks_), self.verbose,
                      desc=type(self).__name__) as progress:
            xp, _ = get_namespace(X)
            for block in self.blocks_:
                detectors.append(clone(base).fit(_columns(X, block, xp), y, **extra))
                progress.update(message=f"layer of {len(block)} features")
        return detectors

    def _fit_combiner(self, scores, X_outlier, w):
        X_outlier = validate_data(self, X_outlier, dtype=[np.float64, np.float32],
                                  reset=False)
        outlier_scores = self._layer_scores(X_outlier)
        features = (np.vstack([scores, outlier_scores]) - self.score_mean_) / (
            self.score_std_
        )
        labels = np.r_[np.ones(len(scores)), np.zeros(len(outlier_scores))]
        weights = None if w is None else np.r_[w, np.ones(len(outlier_scores))]
        return LogisticRegressionCV(cv=5).fit(features, labels,
                                              sample_weight=weights)

    def score_samples(self, X):
        """Combined score; higher is more in-distribution.

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
            return dask_rows(X, None).map_blocks(self.score_samples, drop_axis=1,
                                                 dtype=np.float64)
        self._check_namespace(X, "score_samples")
        xp, is_array_api = get_namespace(X)
        if is_array_api:
            X = check_rows_in_namespace(X, xp, estimator=self)
        else:
            X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self._combine(self._layer_scores(X))


def _columns(X, block, xp):
    """``X[:, block]``; on a device a slice where the block is contiguous."""
    if not get_namespace(X)[1]:
        return X[:, block]
    if block.size and np.all(np.diff(block) == 1):
        return X[:, int(block[0]):int(block[-1]) + 1]
    return xp.take(X, xp.asarray(block, device=device(X)), axis=1)


def _block_layer_statistics(block, y_idx, w, blocks, detectors):
    block = np.asarray(block)
    if not np.all(np.isfinite(block)):
        raise ValueError(
            "X contains NaN or infinity. Impute them first, for example with "
            "sklearn.impute.SimpleImputer."
        )
    return [
        GaussianStatistics.from_data(
            det._prepare_rows(block[:, cols]), y_idx, n_classes=len(det.classes_),
            sample_weight=w,
            **det._statistics_options(len(cols), merged_later=True))
        for cols, det in zip(blocks, detectors)
    ]


def _merge_layers(parts):
    # pairwise tree per layer: every merge combines states of similar size
    while len(parts) > 1:
        merged = [[a.merge(b) for a, b in zip(pa, pb)]
                  for pa, pb in zip(parts[::2], parts[1::2])]
        parts = merged + ([parts[-1]] if len(parts) % 2 else [])
    return parts[0]


def layer_statistics_from_dask(X, y_idx, w, blocks, detectors):
    """Each layer's :class:`GaussianStatistics`, in one pass over X's row blocks.

    Every row block is read once and reduced to the statistics of all layers;
    only those travel and are merged (Chan's update).
    """
    import dask

    bounds = np.cumsum((0,) + tuple(X.chunks[0]))
    parts = []
    for i, block in enumerate(X.to_delayed().ravel()):
        sl = slice(bounds[i], bounds[i + 1])
        parts.append(dask.delayed(_block_layer_statistics)(
            block, y_idx[sl], None if w is None else w[sl], blocks, detectors))
    return dask.delayed(_merge_layers)(parts).compute()
