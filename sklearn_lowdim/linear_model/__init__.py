"""Subsample ridge ensembles tuned by generalised cross-validation."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from ._ensemble import SubsampleRidgeEnsemble, SubsampleRidgeEnsembleCV
from ._gcv_path import ridge_ensemble_gcv_path

__all__ = [
    "SubsampleRidgeEnsemble",
    "SubsampleRidgeEnsembleCV",
    "ridge_ensemble_gcv_path",
]
