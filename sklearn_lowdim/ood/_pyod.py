"""PyOD's detector interface on the scikit-learn detectors of this package.

PyOD (Zhao, Nasrullah and Li, JMLR 2019; ``pyod/models/base.py``) orients
scores the other way round: higher is more abnormal. The PyOD-named members
below follow PyOD's orientation; ``score_samples``, ``decision_function``,
``predict`` and ``offset_`` keep scikit-learn's. The two views are tied by

* ``decision_scores_ = -score_samples(X_fit)`` (PyOD's training outlier scores),
* ``threshold_ = -offset_``,
* ``labels_ = (decision_scores_ > threshold_)`` as 0 (inlier) / 1 (outlier),
  equal to ``predict(X_fit) == -1``.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.special import erf
from scipy.stats import binom
from sklearn.utils.validation import check_is_fitted

__all__ = ["PyODMixin"]


class PyODMixin:
    """``decision_scores_``, ``threshold_``, ``labels_``, ``predict_proba``,
    ``predict_confidence`` as PyOD defines them.

    The detector calls ``self._record_fit_scores(scores)`` with the
    ``score_samples`` of the fit rows that placed ``offset_`` (all fit rows up
    to 20,000; evenly spaced ones beyond, see the detector; after
    ``partial_fit``, the rows of the last batch).
    """

    def _record_fit_scores(self, scores):
        self.decision_scores_ = -np.asarray(scores, dtype=np.float64).ravel()
        # every (partial) fit calls this: calibration scores of the previous
        # model would give invalid p-values, so they go
        self.__dict__.pop("calibration_scores_", None)

    @property
    def threshold_(self):
        """PyOD's threshold on outlier scores: ``-offset_``."""
        check_is_fitted(self, "offset_")
        return -float(self.offset_)

    @property
    def labels_(self):
        """PyOD's 0 (inlier) / 1 (outlier) labels of the fit rows."""
        check_is_fitted(self, "decision_scores_")
        return (self.decision_scores_ > self.threshold_).astype(int)

    def _outlier_scores(self, X):
        check_is_fitted(self, "decision_scores_")
        return -np.asarray(self.score_samples(X), dtype=np.float64)

    def predict_proba(self, X, method="linear"):
        """Probability of being an outlier, PyOD's two conversions.

        ``method="linear"`` min-max scales the outlier score by the range of
        ``decision_scores_`` and clips to [0, 1]; ``method="unify"`` is
        ``erf((s - mean) / (std sqrt(2)))`` over the same scores, clipped at 0
        (Kriegel, Kroger, Schubert and Zimek, SDM 2011).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to convert.
        method : {"linear", "unify"}, default="linear"
            The conversion: min-max scaling or Gaussian scaling (see above).

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Columns: probability of inlier, of outlier (PyOD's order).
        """
        test = self._outlier_scores(X)
        train = self.decision_scores_
        if method == "linear":
            low, high = train.min(), train.max()
            span = high - low if high > low else 1.0
            outlier = np.clip((test - low) / span, 0.0, 1.0)
        elif method == "unify":
            sigma = train.std()
            sigma = sigma if sigma > 0 else 1.0
            outlier = np.clip(erf((test - train.mean()) / (sigma * np.sqrt(2))), 0, 1)
        else:
            raise ValueError(
                f"method must be 'linear' or 'unify', got {method!r}."
            )
        return np.column_stack([1.0 - outlier, outlier])

    def predict_confidence(self, X):
        """Confidence that the label would stay under a resampled fit set.

        ExCeeD (Perini, Vercruyssen and Davis, ECML PKDD 2020), as PyOD computes
        it: with ``n`` fit scores and ``k`` of them ``<=`` the row's outlier
        score, ``p = (1 + k) / (2 + n)``; the confidence of an outlier label is
        ``1 - BinomCDF(n - floor(n c); n, p)`` and of an inlier label one minus
        that, where ``c`` is ``contamination`` (for ``"auto"``, the fraction of
        fit rows labelled outliers).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows whose ``predict`` label is assessed.

        Returns
        -------
        confidence : ndarray of shape (n_samples,)
            In [0, 1]: the confidence in the label the threshold ``offset_``
            gives each row (outlier where its outlier score exceeds
            ``threshold_``).
        """
        test = self._outlier_scores(X)
        train = np.sort(self.decision_scores_)
        n = train.size
        contamination = self.contamination
        if not isinstance(contamination, (int, float)):
            contamination = self.labels_.sum() / n
        counts = np.searchsorted(train, test, side="right")
        posterior = (1.0 + counts) / (2.0 + n)
        confidence = 1.0 - binom.cdf(n - int(n * contamination), n, posterior)
        inlier = test <= self.threshold_
        confidence[inlier] = 1.0 - confidence[inlier]
        return confidence
