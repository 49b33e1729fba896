"""The threshold half of scikit-learn's outlier API, shared by every detector."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = ["OffsetOutlierMixin"]


class OffsetOutlierMixin:
    """``decision_function`` and ``predict`` from ``score_samples`` and ``offset_``.

    Place it before :class:`sklearn.base.OutlierMixin` in the bases; the detector
    provides ``score_samples`` (higher is more normal) and sets ``offset_`` in
    ``fit``.
    """

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        decision : ndarray of shape (n_samples,)
            ``score_samples(X) - offset_``: negative where the row is flagged
            as an outlier.
        """
        return self.score_samples(X) - self.offset_

    def predict(self, X):
        """+1 for inliers (in-distribution rows), -1 for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        labels : ndarray of shape (n_samples,)
        """
        return np.where(self.decision_function(X) < 0, -1, 1)
