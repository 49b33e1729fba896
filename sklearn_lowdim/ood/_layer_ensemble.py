"""One detector per block of columns (network layers), scores combined."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegressionCV
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..utils._sklearn_compat import HasMethods, Interval
from ._base import _SupervisedDetectorAPI
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

    Parameters
    ----------
    layers : list of int or list of array-like of int, default=None
        Block widths in column order (they must sum to ``n_features``), or the
        column indices of each block. ``None`` is one block of all columns.
    detector : estimator, default=None
        A supervised detector with ``fit(X, y)`` and ``score_samples``;
        ``None`` is :class:`MahalanobisOOD`.
    contamination : float in (0, 0.5], default=0.05

    Attributes
    ----------
    detectors_ : list of fitted detectors
    blocks_ : list of ndarray of int
    score_mean_, score_std_ : ndarray of shape (n_layers,)
        Standardisation of each layer's score on the fit rows.
    combiner_ : LogisticRegressionCV or None
    classes_ : ndarray
    offset_ : float
    n_features_in_ : int

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
        "contamination": [Interval(Real, 0, 0.5, closed="right")],
    }

    def __init__(self, layers=None, *, detector=None, contamination=0.05):
        self.layers = layers
        self.detector = detector
        self.contamination = contamination

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
        return np.column_stack([
            det.score_samples(X[:, block])
            for det, block in zip(self.detectors_, self.blocks_)
        ])

    def _combine(self, layer_scores):
        standardized = (layer_scores - self.score_mean_) / self.score_std_
        if self.combiner_ is not None:
            return self.combiner_.decision_function(standardized)
        return standardized.sum(axis=1)

    def fit(self, X, y=None, X_outlier=None):
        """Fit one detector per block; learn the combination if outliers are given.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Class labels of the in-distribution rows (required).
        X_outlier : array-like of shape (n_outliers, n_features), default=None
            Validation outliers for the logistic combination (uses OOD data).

        Returns
        -------
        self
        """
        self._validate_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        if y is None:
            raise ValueError(
                "LayerEnsembleOOD requires y to be passed, but the target y is None: "
                "call fit(X, y) with the class labels of the in-distribution rows."
            )
        y = np.asarray(y)
        check_classification_targets(y)
        self.classes_ = np.unique(y)
        self.blocks_ = self._blocks(X.shape[1])
        base = MahalanobisOOD() if self.detector is None else self.detector
        self.detectors_ = [clone(base).fit(X[:, block], y) for block in self.blocks_]
        scores = self._layer_scores(X)
        self.score_mean_ = scores.mean(axis=0)
        self.score_std_ = np.maximum(scores.std(axis=0), np.finfo(float).tiny)
        self.combiner_ = None
        if X_outlier is not None:
            X_outlier = validate_data(self, X_outlier, dtype=[np.float64, np.float32],
                                      reset=False)
            outlier_scores = self._layer_scores(X_outlier)
            features = (np.vstack([scores, outlier_scores]) - self.score_mean_) / (
                self.score_std_
            )
            labels = np.r_[np.ones(len(scores)), np.zeros(len(outlier_scores))]
            self.combiner_ = LogisticRegressionCV(cv=5).fit(features, labels)
        combined = self._combine(scores)
        self.offset_ = float(np.percentile(combined, 100 * self.contamination))
        self._record_fit_scores(combined)
        return self

    def score_samples(self, X):
        """Combined score; higher is more in-distribution.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,)
        """
        check_is_fitted(self)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return self._combine(self._layer_scores(X))
