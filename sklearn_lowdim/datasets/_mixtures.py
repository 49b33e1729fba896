"""Gaussian mixture generators with known components."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils import check_random_state

__all__ = ["make_gaussian_mixture"]


def make_gaussian_mixture(
    n_samples=1000,
    n_features=100,
    *,
    n_components=8,
    separation=4.0,
    weights=None,
    scale_range=(0.8, 1.2),
    random_state=None,
):
    """Isotropic Gaussian mixture with separated components.

    Component centres are Gaussian with pairwise distances of about
    ``separation * sqrt(n_features)``; each component has its own standard
    deviation drawn uniformly from ``scale_range``.

    Parameters
    ----------
    n_samples : int, default=1000
        Number of rows.
    n_features : int, default=100
        Number of columns.
    n_components : int, default=8
        Number of mixture components.
    separation : float, default=4.0
        Typical distance between centres in units of ``sqrt(n_features)``.
    weights : array-like of shape (n_components,), default=None
        Mixing weights; ``None`` draws them from a Dirichlet(2) distribution. Nearly
        equal weights give close peaks, the hard case for mode finding.
    scale_range : (float, float), default=(0.8, 1.2)
        Range of the components' standard deviations.
    random_state : int, RandomState instance or None, default=None
        Seed of the centres, weights, labels and noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The rows.
    labels : ndarray of shape (n_samples,)
        The component of each row.
    centers : ndarray of shape (n_components, n_features)
        The component means.

    See Also
    --------
    sklearn.datasets.make_blobs : Isotropic blobs of one scale per blob.

    Examples
    --------
    >>> from sklearn_lowdim.datasets import make_gaussian_mixture
    >>> X, labels, centers = make_gaussian_mixture(50, 3, random_state=0)
    >>> X.shape, centers.shape
    ((50, 3), (8, 3))
    """
    for name, value in (("n_samples", n_samples), ("n_features", n_features),
                        ("n_components", n_components)):  # fmt: skip
        if int(value) != value or value < 1:
            raise ValueError(f"{name} must be a positive integer, got {value!r}.")
    rng = check_random_state(random_state)
    centers = rng.standard_normal((n_components, n_features)) * separation / np.sqrt(2)
    if weights is None:
        weights = rng.dirichlet(np.full(n_components, 2.0))
    weights = np.asarray(weights, dtype=float)
    if (weights.shape != (n_components,) or not np.all(np.isfinite(weights))
            or np.any(weights < 0) or weights.sum() <= 0):  # fmt: skip
        raise ValueError(
            f"weights must be {n_components} finite non-negative numbers with a "
            f"positive sum, got {weights!r}."
        )
    weights = weights / weights.sum()
    labels = rng.choice(n_components, size=n_samples, p=weights)
    scales = rng.uniform(*scale_range, size=n_components)
    X = centers[labels] + rng.standard_normal((n_samples, n_features)) * scales[
        labels, None
    ]
    return X, labels, centers
