"""Gaussian discriminant analysis classifiers."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from ._gda import GaussianDiscriminantAnalysis

__all__ = ["GaussianDiscriminantAnalysis"]
