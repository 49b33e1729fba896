"""Validation of dask and array-API inputs without computing or moving them."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils.validation import validate_data

from ..utils import (
    check_rows_in_namespace,
    check_sample_weight_values,
    device,
    get_namespace,
    is_dask_array,
)
from ..utils._sklearn_compat import _check_sample_weight

__all__ = ["check_lazy_rows", "check_weight_shape", "namespace_weights",
           "validate_fit_data"]


def validate_fit_data(est, X, sample_weight):
    """``(X, sample_weight)`` checked without moving or computing ``X``.

    NumPy-like input: ``validate_data`` (float64 weights). A dask array or,
    under ``array_api_dispatch=True``, another namespace: shape and dtype
    from metadata; finiteness is checked by the first reduction over ``X``
    (``standardise``) or in the namespace; weights in memory (dask) or on
    ``X``'s device in its float dtype.
    """
    xp, is_array_api = get_namespace(X)
    if not (is_dask_array(X) or is_array_api):
        X = validate_data(est, X, dtype=[np.float64, np.float32],
                          ensure_min_samples=2)
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
        return X, check_sample_weight_values(sample_weight)
    X = check_lazy_rows(est, X, xp, reset=True)
    if not is_dask_array(X):
        return X, namespace_weights(sample_weight, X, xp)
    if sample_weight is None:
        return X, np.ones(X.shape[0])
    if hasattr(sample_weight, "compute"):  # n numbers: computed
        sample_weight = sample_weight.compute()
    sample_weight = np.asarray(sample_weight, dtype=np.float64)
    check_weight_shape(sample_weight, X.shape[0])
    return X, check_sample_weight_values(sample_weight)


def check_lazy_rows(est, X, xp, reset):
    """Shape and dtype of a dask or array-API ``X`` from its metadata.

    A dask ``X`` gets one column chunk (its row chunks are kept) and float64
    blocks; its finiteness is checked by the first reduction over it. Another
    namespace keeps float32 (anything else becomes float64) and is checked for
    NaN and infinity on its device.
    """
    X = check_rows_in_namespace(X, xp, estimator=est, reset=reset,
                                min_samples=2 if reset else 1)
    if is_dask_array(X) and X.numblocks[1] != 1:
        return X.rechunk({1: -1})
    return X


def check_weight_shape(sample_weight, n_samples):
    """Raise unless ``sample_weight`` is one weight per row."""
    if tuple(sample_weight.shape) != (n_samples,):
        raise ValueError(
            f"sample_weight.shape == {tuple(sample_weight.shape)}, expected "
            f"({n_samples},): one weight per row of X.")


def namespace_weights(sample_weight, X, xp):
    """``sample_weight`` on ``X``'s device in its dtype, checked there."""
    if sample_weight is None:
        return xp.ones(X.shape[0], dtype=X.dtype, device=device(X))
    if isinstance(sample_weight, np.ndarray | list | tuple):
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
    w = xp.asarray(sample_weight, dtype=X.dtype, device=device(X))
    check_weight_shape(w, X.shape[0])
    if not bool(xp.all(xp.isfinite(w))):
        raise ValueError("sample_weight contains NaN or infinity; pass finite "
                         "weights.")
    if bool(xp.any(w < 0)):
        raise ValueError("sample_weight has negative entries; weights must be >= 0.")
    if not bool(xp.sum(w) > 0):
        raise ValueError("sample_weight sums to zero; at least one row needs a "
                         "positive weight.")
    return w
