"""Row preparation, weights, labels and thresholds of the supervised detectors.

Namespace-generic where the rows may live on an array-API device (NumPy, or
the input's namespace under ``array_api_dispatch=True``): the NumPy branch of
each function is the original one.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils.multiclass import check_classification_targets

from ..utils import (
    check_sample_weight_values,
    device,
    device_float,
    get_namespace,
    to_numpy,
)
from ..utils._sklearn_compat import _check_sample_weight, move_to


def l2_normalize(X):
    """Rows scaled to unit L2 norm (zero rows stay zero).

    Each row is first divided by its largest absolute entry, so that the norm
    neither underflows (|x| near 1e-300) nor overflows (near 1e300).
    """
    if X.shape[1] == 0:
        return X
    xp, _ = get_namespace(X)
    peaks = xp.max(xp.abs(X), axis=1, keepdims=True)
    X = X / xp.where(peaks > 0, peaks, xp.ones_like(peaks))
    norms = xp.linalg.vector_norm(X, axis=1, keepdims=True)
    return X / xp.where(norms > 0, norms, xp.ones_like(norms))


# units beyond 2**400 (about 1e120) only: ordinary data are never copied
_SAFE_EXPONENT = 400


def power_of_two_unit(X, per_feature):
    """Powers of two near ``max |X|``, per feature or one for all, shape (d,).

    The statistics are computed on ``X / unit``: exact in floating point, the
    same model up to rounding, and squares in float64's range for any
    magnitude from 1e-300 to 1e300. One unit per feature also keeps features
    of very different magnitudes apart from each other's range; it is used
    where the model is equivariant to per-feature scaling (the empirical
    covariance), one common unit where it is not (shrinkage toward a scaled
    identity). Magnitudes that need no rescaling get unit 1, so that the
    usual data are not copied.
    """
    if X.shape[0] == 0:
        return np.ones(X.shape[1])
    xp, _ = get_namespace(X)
    # two reading passes (on X's device); abs(X) would allocate a copy of X
    top = to_numpy(xp.maximum(xp.max(X, axis=0), -xp.min(X, axis=0)))
    top = np.asarray(top, dtype=np.float64)
    if not per_feature:
        top = np.full(X.shape[1], np.max(top, initial=0.0))
    exponent = np.floor(np.log2(np.where(top > 0, top, 1.0)))
    safe = np.abs(exponent) <= _SAFE_EXPONENT
    return np.where(safe | (top == 0), 1.0, 2.0**exponent)


def _divide(X, unit):
    """``X / unit`` without a copy when every unit is 1."""
    if np.all(unit == 1.0):
        return X
    xp, is_array_api = get_namespace(X)
    if is_array_api:
        return X / xp.asarray(unit, dtype=X.dtype, device=device(X))
    return X / unit


def weighted_percentile(values, q, weights=None):
    """``np.percentile(values, q)`` of the rows repeated ``weights`` times.

    Integer weights give exactly the percentile of the repeated rows (numpy's
    linear interpolation between order statistics); other weights interpolate
    the same way on the cumulative weight.
    """
    xp, is_array_api = get_namespace(values)
    if is_array_api:
        return _weighted_percentile_xp(values, q, weights, xp)
    values = np.asarray(values, dtype=np.float64)
    if weights is None:
        return float(np.percentile(values, q))
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    cumulative = np.cumsum(np.asarray(weights, dtype=np.float64)[order])
    last = max(cumulative[-1] - 1.0, 0.0)
    h = q / 100.0 * last
    lo = np.floor(h)
    idx = np.searchsorted(cumulative, [lo, min(lo + 1.0, np.floor(last))],
                          side="right")
    a, b = sorted_values[np.minimum(idx, len(values) - 1)]
    return _lerp(float(a), float(b), h - lo)


def _lerp(a, b, t):
    # numpy's _lerp, for bit-identical results with unit weights
    return float(a + (b - a) * t if t < 0.5 else b - (b - a) * (1.0 - t))


def _weighted_percentile_xp(values, q, weights, xp):
    """:func:`weighted_percentile` on the device: one sort, two scalars back."""
    dev = device(values)
    values = xp.astype(values, device_float(xp, dev))
    n = values.shape[0]
    if weights is None:
        h = q / 100.0 * (n - 1)
        lo = int(np.floor(h))
        ordered = xp.sort(values)
        return _lerp(float(ordered[lo]), float(ordered[min(lo + 1, n - 1)]), h - lo)
    order = xp.argsort(values, stable=True)
    cumulative = xp.cumulative_sum(xp.take(xp.astype(weights, values.dtype), order))
    last = max(float(cumulative[-1]) - 1.0, 0.0)
    h = q / 100.0 * last
    lo = np.floor(h)
    probes = xp.asarray([lo, min(lo + 1.0, np.floor(last))], dtype=values.dtype,
                        device=dev)
    idx = xp.clip(xp.searchsorted(cumulative, probes, side="right"), max=n - 1)
    ab = xp.take(values, xp.take(order, idx))
    return _lerp(float(ab[0]), float(ab[1]), h - lo)


def check_weights(sample_weight, X):
    """Validated float64 weights of the rows of ``X`` (``None`` stays ``None``)."""
    if sample_weight is None:
        return None
    xp, is_array_api = get_namespace(X)
    if not is_array_api:
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        return check_sample_weight_values(sample_weight)
    # on X's device: shape from the metadata, values checked by reductions
    w = (move_to(sample_weight, xp=xp, device=device(X))
         if get_namespace(sample_weight)[1] else xp.asarray(sample_weight,
                                                            device=device(X)))
    w = xp.astype(w, device_float(xp, device(X)))
    if w.ndim != 1 or w.shape[0] != X.shape[0]:
        raise ValueError(
            f"sample_weight.shape == {tuple(w.shape)}, expected ({X.shape[0]},)!")
    if not bool(xp.all(xp.isfinite(w) & (w >= 0))) or not bool(xp.any(w > 0)):
        raise ValueError(
            "sample_weight must be finite and non-negative with a positive sum; "
            "drop the rows of weight NaN or below zero.")
    return w


def class_labels(y, n_rows):
    """Labels as a 1-D array (a dask array is computed); ``None`` is one class."""
    if y is None:
        return np.zeros(n_rows, dtype=np.intp)
    y = np.asarray(y.compute() if hasattr(y, "compute") else y)
    if y.ndim != 1 or y.shape[0] != n_rows:
        raise ValueError(f"y must be 1-D with {n_rows} labels, got shape {y.shape}.")
    check_classification_targets(y)
    return y


def _lives_on(array, xp, dev):
    """Whether ``array`` is in namespace ``xp`` on device ``dev``."""
    namespace, is_array_api = get_namespace(array)
    return is_array_api and namespace is xp and device(array) == dev


def dask_rows(X, normalize):
    """A float dask array chunked by rows only, L2-normalised if asked."""
    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got {X.ndim} dimension(s).")
    if X.dtype not in (np.float32, np.float64):
        X = X.astype(np.float64)
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    return X.map_blocks(l2_normalize, dtype=X.dtype) if normalize == "l2" else X
