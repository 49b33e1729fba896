"""Feature-space out-of-distribution detectors on the Gaussian core.

All are scikit-learn outlier detectors (``score_samples`` higher for
in-distribution rows, ``decision_function = score_samples - offset_``, ``predict``
in {+1, -1}). The supervised ones take class labels in ``fit(X, y)`` (``y=None``
is one class); :class:`RobustMahalanobis` is unsupervised.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from ._conformal import benjamini_hochberg, conformal_pvalues
from ._knn import KNNOOD
from ._layer_ensemble import LayerEnsembleOOD
from ._mahalanobis import MahalanobisOOD
from ._robust import RobustMahalanobis
from ._vim import ResidualOOD, ViM
from ._wdisc import WDiscOOD

__all__ = [
    "KNNOOD",
    "LayerEnsembleOOD",
    "MahalanobisOOD",
    "ResidualOOD",
    "RobustMahalanobis",
    "ViM",
    "WDiscOOD",
    "benjamini_hochberg",
    "conformal_pvalues",
]
