"""Ridge ensembles (subsample and sketched) tuned by generalised cross-validation."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from ._display import GCVPathDisplay
from ._ensemble import SubsampleRidgeEnsemble, SubsampleRidgeEnsembleCV
from ._gcv_path import ridge_ensemble_gcv_path
from ._sketched import SketchedRidgeEnsemble, SketchedRidgeEnsembleCV
from ._sketched_path import sketched_ridge_gcv_path

__all__ = [
    "GCVPathDisplay",
    "SketchedRidgeEnsemble",
    "SketchedRidgeEnsembleCV",
    "SubsampleRidgeEnsemble",
    "SubsampleRidgeEnsembleCV",
    "ridge_ensemble_gcv_path",
    "sketched_ridge_gcv_path",
]
