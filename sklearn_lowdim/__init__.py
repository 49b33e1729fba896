"""scikit-learn estimators that exploit low-dimensional and Gaussian structure.

Subpackages are imported on demand (``from sklearn_lowdim.ood import MahalanobisOOD``);
importing the top-level package is cheap and pulls in neither Numba nor SciPy.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

__version__ = "0.1.0"

__all__ = [
    "covariance",
    "datasets",
    "density",
    "discriminant_analysis",
    "linear_model",
    "metrics",
    "ood",
    "sampling",
    "sketching",
    "utils",
]
