"""Metrics for out-of-distribution detection (ID is the positive class)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from ._display import OODScoreDisplay
from ._ood import detection_report, fpr_at_tpr, ood_aupr, ood_auroc
from ._scorer import make_ood_scorer

__all__ = [
    "OODScoreDisplay",
    "detection_report",
    "fpr_at_tpr",
    "make_ood_scorer",
    "ood_aupr",
    "ood_auroc",
]
