"""Subsample ridge ensembles tuned by generalised cross-validation."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from ._ensemble import SubsampleRidgeEnsembleCV
from ._gcv_path import ridge_ensemble_gcv_path

__all__ = ["SubsampleRidgeEnsembleCV", "ridge_ensemble_gcv_path"]
