"""Sensitivity sampling: leverage scores, Lewis weights, coresets, l_p regression."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from ._coreset import CoresetEstimator
from ._distortion import subspace_distortion
from ._numeric import bernoulli_probabilities
from ._regression import LpRegression
from ._sampler import SensitivitySampler
from ._scores import (
    leverage_scores,
    lewis_weights,
    lp_sensitivities,
    root_leverage_scores,
)

__all__ = [
    "CoresetEstimator",
    "LpRegression",
    "SensitivitySampler",
    "bernoulli_probabilities",
    "leverage_scores",
    "lewis_weights",
    "lp_sensitivities",
    "root_leverage_scores",
    "subspace_distortion",
]
