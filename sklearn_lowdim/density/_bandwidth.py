"""Bandwidth rules that stay meaningful in high dimension."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.optimize import brentq
from scipy.special import logsumexp

__all__ = ["check_bandwidth", "clt_bandwidth_factor", "select_bandwidth",
           "standardise"]


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

    Parameters
    ----------
    n_samples : float
        Number of points (or total frequency weight), finite and positive.
    n_features : float
        Dimension, finite and at least 1.

    Returns
    -------
    factor : float
        The bandwidth in units of the data's standard deviation.

    See Also
    --------
    KDEMode : Its ``bandwidth='auto'`` never goes below this factor.

    Examples
    --------
    >>> from sklearn_lowdim.density import clt_bandwidth_factor
    >>> round(clt_bandwidth_factor(5000, 100), 2)
    1.71
    """
    for name, value, low in (("n_samples", n_samples, 0.0),
                             ("n_features", n_features, 1.0)):
        if (isinstance(value, bool) or not np.isscalar(value)
                or not np.isreal(value) or not np.isfinite(value) or value < low
                or (name == "n_samples" and value == 0)):
            raise ValueError(
                f"{name} must be a finite number {'>= 1' if low else '> 0'}, got "
                f"{value!r}."
            )
    alpha = np.log(max(n_samples, 2)) / n_features
    return float(brentq(lambda h: _second_moment_gap(h) - alpha, 1e-6, 1e6))


def select_bandwidth(rule, X, sample_weight):
    """The bandwidth for ``rule`` in {'auto', 'scott', 'silverman'} or a float.

    ``sample_weight`` are frequency weights: ``n = sum(sample_weight)``.
    The data scale ``s`` is the root mean per-feature weighted variance.

    - 'scott': ``s * n ** (-1 / (d + 4))``;
    - 'silverman': ``s * (n (d + 2) / 4) ** (-1 / (d + 4))``;
    - 'auto': ``s * max(scott factor, h_CLT(log(n) / d))``, then raised if
      needed until the median effective sample size of the Gaussian kernel weights
      at up to 100 data points reaches 10 (real data such as sentence embeddings
      are far from Gaussian, and the Gaussian threshold alone can leave every
      point's density carried by itself).

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
    bandwidth = scale * max(scott, clt_bandwidth_factor(n, d))
    return _raise_to_effective_size(X, sample_weight, bandwidth)


def _median_effective_size(sq_dist, log_w, bandwidth):
    # Frequency weights: (sum w k)^2 / sum w k^2, as for repeated rows.
    log_k = -0.5 * sq_dist / bandwidth**2
    return np.median(np.exp(2 * logsumexp(log_w + log_k, axis=1)
                            - logsumexp(log_w + 2 * log_k, axis=1)))


def _raise_to_effective_size(X, sample_weight, bandwidth, min_size=10.0,
                             n_queries=100):
    """Smallest bandwidth >= ``bandwidth`` with median effective size >= min_size.

    The effective size ``(sum k_i)^2 / sum k_i^2`` is measured at data points
    (their own term included). Queries sit at evenly spaced quantiles of the
    cumulative weight, so integer weights give the same bandwidth as repeated rows.
    """
    total = sample_weight.sum()
    min_size = min(min_size, 0.5 * total)
    # Depends on the total weight only, so that weights equal repeated rows.
    n_queries = max(1, int(min(n_queries, total)))
    levels = (np.arange(n_queries) + 0.5) * total / n_queries
    index = np.searchsorted(np.cumsum(sample_weight), levels)
    queries = X[index]
    sq_dist = (np.einsum("ij,ij->i", queries, queries)[:, None]
               + np.einsum("ij,ij->i", X, X) - 2 * queries @ X.T)
    np.maximum(sq_dist, 0, out=sq_dist)
    with np.errstate(divide="ignore"):
        log_w = np.log(sample_weight)
    if _median_effective_size(sq_dist, log_w, bandwidth) >= min_size:
        return bandwidth
    low, high = np.log(bandwidth), np.log(bandwidth)
    while _median_effective_size(sq_dist, log_w, np.exp(high)) < min_size:
        low, high = high, high + np.log(2.0)
    for _ in range(20):  # bisection on log h: 2^-20 of a factor 2
        middle = 0.5 * (low + high)
        if _median_effective_size(sq_dist, log_w, np.exp(middle)) >= min_size:
            high = middle
        else:
            low = middle
    return float(np.exp(high))


def standardise(X, sample_weight):
    """Centre ``X`` and, far from unit scale, divide it by a power of two.

    Mean shift and the KDE are translation invariant, and centring keeps the
    GEMM form of the distances accurate. A power-of-two scale is exact, so data
    at 1e-300 or 1e300 run the same arithmetic as data at 1. Returns
    ``(points, center, scale, spread)`` with ``X = points * scale + center`` and
    ``spread`` the largest absolute coordinate of ``X - center``.
    """
    X = X.astype(np.float64)
    top = float(np.abs(X).max())
    unit = X / top if top > 0 else X
    center = (sample_weight @ unit / sample_weight.sum()) * (top if top > 0 else 1)
    with np.errstate(over="ignore", invalid="ignore"):
        points = X - center
    spread = float(np.abs(points).max())
    if not np.isfinite(spread):
        raise ValueError(
            "X spans more than float64 can represent once centred (values near "
            "+-1e308 of both signs); rescale it, for example with "
            "sklearn.preprocessing.MaxAbsScaler."
        )
    scale = 1.0
    if spread > 0 and not 2.0**-64 <= spread <= 2.0**64:
        scale = float(2.0 ** np.round(np.log2(spread)))
        points /= scale
    return points, center, scale, spread


def check_bandwidth(bandwidth, spread):
    """``float(bandwidth)``, or a ValueError if float64 cannot carry it.

    Below 1e-5 spreads, the rounding of squared distances (``eps * spread^2``)
    is no longer small against ``h^2`` and a point would lose its own kernel
    term; above 1e100 spreads, ``1 / h^2`` underflows.
    """
    h = float(bandwidth)
    ratio = h / spread if spread > 0 else h
    low, high = (1e-5, 1e100) if spread > 0 else (1e-150, 1e150)
    if not low <= ratio <= high:
        raise ValueError(
            f"bandwidth={bandwidth!r} is out of range for this data: it must lie "
            f"between {low:g} and {high:g} times the data's spread (the largest "
            f"distance of a coordinate from the weighted mean, {spread:.3g}), so "
            "that squared scaled distances are accurate and finite in float64. "
            "Use bandwidth='auto'."
        )
    return h
