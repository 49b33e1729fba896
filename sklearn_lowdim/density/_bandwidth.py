"""Bandwidth rules that stay meaningful in high dimension."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.optimize import brentq

__all__ = ["clt_bandwidth_factor", "select_bandwidth"]


def _second_moment_gap(h):
    # g(h) of the spec: the CLT holds for the KDE of N(0, I_d) data at a typical
    # point when g(h) < log(n) / d.
    return np.log((1 + h * h) / (h * np.sqrt(2 + h * h))) + 1 / (
        (1 + h * h) * (2 + h * h)
    )


def clt_bandwidth_factor(n_samples, n_features):
    """Smallest bandwidth (in data-sd units) where the KDE obeys a CLT.

    Solves ``g(h) = log(n) / d`` with
    ``g(h) = log((1 + h^2) / (h sqrt(2 + h^2))) + 1 / ((1 + h^2)(2 + h^2))``,
    the second-moment condition ``E[K^2] / (n E[K]^2) -> 0`` for standard Gaussian
    data. Below it a handful of points dominate the estimate (Biroli and Mezard
    2024 describe these regimes).

    Examples
    --------
    >>> from sklearn_lowdim.density._bandwidth import clt_bandwidth_factor
    >>> round(clt_bandwidth_factor(5000, 100), 2)
    1.71
    """
    alpha = np.log(max(n_samples, 2)) / n_features
    return float(brentq(lambda h: _second_moment_gap(h) - alpha, 1e-6, 1e6))


def select_bandwidth(rule, X, sample_weight):
    """The bandwidth for ``rule`` in {'auto', 'scott', 'silverman'} or a float.

    ``sample_weight`` are frequency weights: ``n = sum(sample_weight)``.
    The data scale ``s`` is the root mean per-feature weighted variance.

    - 'scott': ``s * n ** (-1 / (d + 4))``;
    - 'silverman': ``s * (n (d + 2) / 4) ** (-1 / (d + 4))``;
    - 'auto': ``s * max(scott factor, h_CLT(log(n) / d))``.

    Scott and Silverman tend to one data sd as ``d`` grows, below the CLT threshold
    which grows like ``(d / log n) ** (1/4)``: the KDE is then dominated by single
    points. 'auto' never goes below the threshold.
    """
    if not isinstance(rule, str):
        return float(rule)
    n = float(sample_weight.sum())
    d = X.shape[1]
    mean = sample_weight @ X / n
    variance = sample_weight @ ((X - mean) ** 2) / n
    scale = float(np.sqrt(variance.mean()))
    if scale == 0.0:
        raise ValueError(
            "All samples are identical, so no data-driven bandwidth exists; pass a "
            "float bandwidth."
        )
    scott = n ** (-1.0 / (d + 4))
    if rule == "scott":
        return scale * scott
    if rule == "silverman":
        return scale * (n * (d + 2) / 4.0) ** (-1.0 / (d + 4))
    return scale * max(scott, clt_bandwidth_factor(n, d))
