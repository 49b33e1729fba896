"""Bandwidth rules that stay meaningful in high dimension."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy.optimize import brentq

from ..utils import device, get_namespace, is_dask_array, is_numpy_namespace
from ._kernel_functions import RadialKernel

GAUSSIAN_KERNEL = RadialKernel("gaussian")

__all__ = ["check_bandwidth", "clt_bandwidth_factor", "effective_sample_size",
           "select_bandwidth", "standardise", "to_points"]


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


def _reduce(fn, merge, X, sample_weight, *args):
    """``fn(X, w, *args)`` in memory; a block reduction for a dask ``X``."""
    if is_dask_array(X):
        from ._dask_support import reduce_rows

        return reduce_rows(fn, merge, [X], sample_weight, *args)
    return fn(X, sample_weight, *args)


def _moments_block(X, w):
    """``(total weight, weighted mean, weighted sum of squared deviations)``."""
    xp, _ = get_namespace(X, w)
    X = xp.asarray(X)
    n = xp.sum(w)
    mean = (w @ X) / n
    return n, mean, w @ ((X - mean) ** 2)


def _merge_moments(a, b):
    # Chan's parallel update; a block without weight adds nothing.
    if not b[0] > 0:
        return a
    if not a[0] > 0:
        return b
    n = a[0] + b[0]
    delta = b[1] - a[1]
    return n, a[1] + delta * (b[0] / n), a[2] + b[2] + delta**2 * (a[0] * b[0] / n)


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

    ``X`` may live in any array namespace (the sums run on its device) or be a
    row-chunked dask array: the variance is then one block pass, and 'auto'
    two more (its query rows; the start and 4 doublings), plus one per 4
    more doublings or 4 bisection steps when the threshold has to be raised
    (see :func:`_raise_to_effective_size`).
    """
    if not isinstance(rule, str):
        return float(rule)
    n, _, m2 = _reduce(_moments_block, _merge_moments, X, sample_weight)
    n, d = float(n), X.shape[1]
    xp, _ = get_namespace(m2)
    scale = float(xp.sqrt(xp.mean(m2 / n)))
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


def _log_sum_exp(a, xp):
    """``log sum exp`` along the last axis, ``(top, scaled sum)`` form."""
    top = xp.max(a, axis=-1)
    finite = xp.isfinite(top)
    shift = xp.where(finite, top, xp.zeros_like(top))
    return xp.where(finite, top, xp.full_like(top, -xp.inf)), xp.sum(
        xp.exp(a - shift[..., None]), axis=-1)


def _lse_partials(sq_dist, log_w, bandwidths, kernel, xp):
    """Per bandwidth and query, ``log sum w k`` and ``log sum w k^2`` as partials.

    ``k = kappa(sq_dist / h^2)``; the result is ``(tops, scaled sums)``, each
    of shape ``(n_bandwidths, 2, n_queries)``, mergeable over blocks of points.
    NumPy inputs take the fused Numba kernel (no temporaries per bandwidth).
    """
    if is_numpy_namespace(xp):
        from ._kernels import log_sum_partials

        return log_sum_partials(
            np.ascontiguousarray(sq_dist, dtype=np.float64),
            np.ascontiguousarray(log_w, dtype=np.float64),
            np.asarray(bandwidths, dtype=np.float64), kernel.code, kernel.beta)
    tops, sums = [], []
    for h in bandwidths:
        log_k = kernel.log_value(sq_dist / float(h) ** 2, xp)
        for power in (1.0, 2.0):
            top, total = _log_sum_exp(log_w[None, :] + power * log_k, xp)
            tops.append(top)
            sums.append(total)
    shape = (len(bandwidths), 2, sq_dist.shape[0])
    return (xp.reshape(xp.stack(tops), shape), xp.reshape(xp.stack(sums), shape))


def _effective_sizes(partials, xp):
    """``(sum w k)^2 / sum w k^2`` from the partials, per bandwidth and query."""
    tops, sums = partials
    with np.errstate(divide="ignore"):
        log_sums = tops + xp.log(sums)
    return xp.exp(2 * log_sums[:, 0, :] - log_sums[:, 1, :])


def _median(values, xp):
    """Median along the last axis (mean of the two middle values when even)."""
    ordered = xp.sort(values, axis=-1)
    m = ordered.shape[-1]
    return 0.5 * (ordered[..., (m - 1) // 2] + ordered[..., m // 2])


def _bisection_midpoints(low, high, depth):
    """Every midpoint ``depth`` bisection steps from ``[low, high]`` may visit."""
    if depth == 0:
        return []
    middle = 0.5 * (low + high)
    return ([middle] + _bisection_midpoints(low, middle, depth - 1)
            + _bisection_midpoints(middle, high, depth - 1))


def _doubling_bracket(evaluate, bandwidth, min_size, depth):
    """``[low, high]`` in log bandwidth with ``f(exp(high)) >= min_size``.

    ``high`` doubles from ``bandwidth`` until the median effective size reaches
    ``min_size``; ``depth`` doublings are evaluated per call of ``evaluate``.
    Returns ``None`` when ``bandwidth`` itself is large enough.
    """
    log2 = np.log(2.0)
    low = high = np.log(bandwidth)
    first = True
    while True:
        seq = [high]
        for _ in range(depth - 1):
            seq.append(seq[-1] + log2)
        sizes = evaluate(([bandwidth] if first else []) + [np.exp(s) for s in seq])
        if first:
            if sizes[0] >= min_size:
                return None
            sizes, first = sizes[1:], False
        hits = [j for j, size in enumerate(sizes) if size >= min_size]
        if hits:
            low = seq[hits[0] - 1] if hits[0] > 0 else low
            return low, seq[hits[0]]
        low, high = seq[-1], seq[-1] + log2


def _raise_to_effective_size(X, sample_weight, bandwidth, min_size=10.0,
                             n_queries=100):
    """Smallest bandwidth >= ``bandwidth`` with median effective size >= min_size.

    The effective size ``(sum k_i)^2 / sum k_i^2`` is measured at data points
    (their own term included). Queries sit at evenly spaced quantiles of the
    cumulative weight, so integer weights give the same bandwidth as repeated
    rows. The bandwidth doubles until the size is reached, then 20 bisection
    steps on ``log h`` narrow it to a factor ``2**(2**-20)``. In memory the
    squared distances are computed once; for a dask ``X`` each evaluation is a
    block pass, so the doublings are evaluated 4 at a time and the bisection
    evaluates the 15 midpoints its next 4 steps may visit in one pass (the same
    steps, so the same answer).
    """
    xp, _ = get_namespace(sample_weight)
    total = float(xp.sum(sample_weight))
    min_size = min(min_size, 0.5 * total)
    # Depends on the total weight only, so that weights equal repeated rows.
    n_queries = max(1, int(min(n_queries, total)))
    levels = (np.arange(n_queries) + 0.5) * total / n_queries
    cumulative = xp.cumulative_sum(sample_weight)
    index = xp.searchsorted(cumulative, xp.asarray(
        levels, dtype=cumulative.dtype, device=device(cumulative)))
    if is_dask_array(X):
        from ._dask_support import reduce_rows

        queries = np.asarray(X[np.asarray(index)].compute(), dtype=np.float64)

        def evaluate(bandwidths):
            partials = reduce_rows(_lse_block, _merge_lse, [X], sample_weight,
                                   queries, bandwidths, GAUSSIAN_KERNEL)
            return [float(v) for v in _median(_effective_sizes(partials, np), np)]

        depth = 4
    else:
        queries = xp.take(X, index, axis=0)
        sq_dist = _squared_distances(queries, X, xp)
        with np.errstate(divide="ignore"):
            log_w = xp.log(sample_weight)

        def evaluate(bandwidths):
            partials = _lse_partials(sq_dist, log_w, bandwidths, GAUSSIAN_KERNEL, xp)
            return [float(v) for v in _median(_effective_sizes(partials, xp), xp)]

        depth = 1
    bracket = _doubling_bracket(evaluate, bandwidth, min_size, depth)
    if bracket is None:
        return bandwidth
    low, high = bracket
    for done in range(0, 20, depth):  # bisection on log h: 2^-20 of a factor 2
        steps = min(depth, 20 - done)
        midpoints = _bisection_midpoints(low, high, steps)
        sizes = dict(zip(midpoints, evaluate([np.exp(m) for m in midpoints])))
        for _ in range(steps):
            middle = 0.5 * (low + high)
            if sizes[middle] >= min_size:
                high = middle
            else:
                low = middle
    return float(np.exp(high))


def _squared_distances(queries, X, xp):
    """``||q - x||^2`` by the GEMM form, clipped at 0 (``X`` centred)."""
    sq = (xp.sum(queries * queries, axis=1)[:, None] + xp.sum(X * X, axis=1)[None, :]
          - 2.0 * (queries @ xp.matrix_transpose(X)))
    return xp.maximum(sq, xp.zeros_like(sq))


def _lse_block(X, w, queries, bandwidths, kernel):
    X = np.asarray(X, dtype=np.float64)
    with np.errstate(divide="ignore"):
        log_w = np.log(w)
    return _lse_partials(_squared_distances(queries, X, np), log_w, bandwidths,
                         kernel, np)


def _merge_lse(a, b):
    top = np.maximum(a[0], b[0])
    with np.errstate(invalid="ignore"):
        scale_a = np.where(np.isfinite(a[0]), np.exp(a[0] - top), 0.0)
        scale_b = np.where(np.isfinite(b[0]), np.exp(b[0] - top), 0.0)
    return top, a[1] * scale_a + b[1] * scale_b


def effective_sample_size(query, points, sample_weight, kernel, bandwidth):
    """``(sum w k)^2 / sum w k^2`` of the kernel values at one query row.

    In memory in the namespace of ``points``; one block pass for a dask
    ``points``.
    """
    if is_dask_array(points):
        from ._dask_support import reduce_rows

        partials = reduce_rows(_lse_block, _merge_lse, [points], sample_weight,
                               np.asarray(query, dtype=np.float64), [bandwidth],
                               kernel)
        return float(_effective_sizes(partials, np)[0, 0])
    xp, _ = get_namespace(points)
    with np.errstate(divide="ignore"):
        log_w = xp.log(sample_weight)
    partials = _lse_partials(_squared_distances(query, points, xp), log_w,
                             [bandwidth], kernel, xp)
    return float(_effective_sizes(partials, xp)[0, 0])


def _extent_block(X, w):
    """Largest magnitude, column extremes and ``w @ (X / top)`` of a block."""
    xp, _ = get_namespace(X, w)
    X = xp.asarray(X)
    if is_numpy_namespace(xp):
        X = np.asarray(X, dtype=np.float64)
    top = xp.max(xp.abs(X))
    unit = X / top if float(top) > 0 else X
    return (float(top), xp.min(X, axis=0), xp.max(X, axis=0), w @ unit,
            float(xp.sum(w)))


def _merge_extent(a, b):
    top = max(a[0], b[0])
    if not np.isfinite(top):
        return top, a[1], a[2], a[3], a[4]
    # Blocks of zeros have a zero unit sum: any finite ratio leaves them 0.
    unit = sum(part[3] * (part[0] / top if top > 0 else 1.0) for part in (a, b))
    return (top, np.minimum(a[1], b[1]), np.maximum(a[2], b[2]), unit, a[4] + b[4])


def standardise(X, sample_weight):
    """Centre ``X`` and, far from unit scale, divide it by a power of two.

    Mean shift and the KDE are translation invariant, and centring keeps the
    GEMM form of the distances accurate. A power-of-two scale is exact, so data
    at 1e-300 or 1e300 run the same arithmetic as data at 1. Returns
    ``(points, center, scale, spread)`` with ``X = points * scale + center`` and
    ``spread`` the largest absolute coordinate of ``X - center`` (from the
    column extremes: subtraction is monotone, so this is exact). ``X`` may live
    in any array namespace; a dask ``X`` is read in one block pass and
    ``points`` is then a lazy dask array.
    """
    top, low, high, unit, total = _reduce(_extent_block, _merge_extent, X,
                                          sample_weight)
    if not np.isfinite(top):
        raise ValueError(
            "X contains NaN or infinity. Impute them first, for example with "
            "sklearn.impute.SimpleImputer in a Pipeline.")
    xp, _ = get_namespace(unit)
    center = (unit / total) * (top if top > 0 else 1)
    with np.errstate(over="ignore", invalid="ignore"):
        spread = float(xp.max(xp.maximum(xp.abs(high - center),
                                          xp.abs(low - center))))
    if not np.isfinite(spread):
        raise ValueError(
            "X spans more than float64 can represent once centred (values near "
            "+-1e308 of both signs); rescale it, for example with "
            "sklearn.preprocessing.MaxAbsScaler."
        )
    scale = 1.0
    if spread > 0 and not 2.0**-64 <= spread <= 2.0**64:
        scale = float(2.0 ** np.round(np.log2(spread)))
    if is_dask_array(X):
        points = X.map_blocks(to_points, center, scale, dtype=np.float64)
    else:
        points = to_points(X, center, scale)
    return points, center, scale, spread


def to_points(X, center, scale):
    xp, _ = get_namespace(X, center)
    if is_numpy_namespace(xp):
        X = np.asarray(X, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        points = X - center
    return points / scale if scale != 1.0 else points


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
