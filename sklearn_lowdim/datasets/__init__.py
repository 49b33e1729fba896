"""Data sets: offline real-data loaders and generators with known truth."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from ._marchenko_pastur import marchenko_pastur_ridge_risk
from ._mixtures import make_gaussian_mixture
from ._modes import make_mode_finding_problem
from ._wordnet import (
    WORDNET_IN_DISTRIBUTION,
    WORDNET_OUT_OF_DISTRIBUTION,
    load_wordnet_embeddings,
)

__all__ = [
    "WORDNET_IN_DISTRIBUTION",
    "WORDNET_OUT_OF_DISTRIBUTION",
    "load_wordnet_embeddings",
    "make_gaussian_mixture",
    "make_mode_finding_problem",
    "marchenko_pastur_ridge_risk",
]
