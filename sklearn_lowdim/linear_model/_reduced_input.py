"""Dask and array-API inputs of the ridge ensembles: checks and column statistics.

A Dask ``X`` is checked and summarised in one block pass; a device ``X`` by
reductions on its device. Only ``y``, the weights and per-column results reach the
host.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import check_sample_weight_values, device, to_numpy
from ._problem import accumulation_dtype, check_x, column_mean, column_range, host_rows
from ._reduced import check_block

__all__ = ["column_stats", "reduced_inputs"]


def _block_column_stats(block, w):
    block = np.asarray(block)
    weight = float(block.shape[0] if w is None else w.sum())
    lo, hi = column_range(block)
    mean = column_mean(block, w) if weight > 0 else np.zeros(block.shape[1])
    return lo, hi, mean, weight


def column_stats(X, sample_weight=None, xp=None):
    """Column minima, maxima and (weighted) means of a Dask ``X`` in one pass, or
    of a device ``X`` (namespace ``xp``) on its device.

    Each Dask block's mean is taken in float64 by :func:`column_mean` and the
    block means are combined with their weights (no sum that could overflow).
    NaN or infinity raises a ValueError.

    Returns
    -------
    lo, hi, mean : ndarrays of shape (n_features,)
        On the host, in float64.
    """
    import dask

    if xp is not None:
        return _namespace_stats(X, sample_weight, xp)

    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    bounds = np.cumsum((0,) + tuple(X.chunks[0]))
    parts = dask.compute(*[
        dask.delayed(_block_column_stats)(
            block, None if sample_weight is None
            else sample_weight[bounds[b]:bounds[b + 1]])
        for b, block in enumerate(X.to_delayed().ravel())])
    lo = np.min([part[0] for part in parts], axis=0).astype(np.float64)
    hi = np.max([part[1] for part in parts], axis=0).astype(np.float64)
    if not (np.all(np.isfinite(lo)) and np.all(np.isfinite(hi))):
        check_block(np.array([np.nan]))  # the one message for NaN or infinity
    total = sum(part[3] for part in parts)
    mean = sum(part[2] * (part[3] / total) for part in parts if part[3] > 0)
    return lo, hi, mean


def _namespace_stats(X, sample_weight, xp):
    acc = accumulation_dtype(xp, X)
    Xa = xp.astype(X, acc)
    if sample_weight is None:
        mean = xp.mean(Xa, axis=0)
    else:
        w = xp.asarray(sample_weight, dtype=acc, device=device(X))
        mean = xp.sum(Xa * w[:, None], axis=0) / float(sample_weight.sum())
    return tuple(np.asarray(to_numpy(v), dtype=np.float64) for v in (
        xp.min(X, axis=0), xp.max(X, axis=0), mean))


def reduced_inputs(X, y, sample_weight):
    """A 2-D float ``X`` (Dask: its values unread; device: checked finite there)
    and its namespace (``None`` for Dask), ``y`` and the weights in memory."""
    from sklearn.utils import check_array

    if X.ndim != 2:
        raise ValueError(f"X must be 2-D of shape (n_samples, n_features), got "
                         f"{X.ndim} dimension(s).")
    X, xp = check_x(X)
    y, sample_weight = (host_rows(v) for v in (y, sample_weight))
    y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
    if y.ndim > 2 or y.shape[0] != X.shape[0] or X.shape[0] < 2:
        raise ValueError(
            f"X has shape {X.shape} and y {y.shape}: pass at least 2 rows and a 1-D "
            "or 2-D y with one row per row of X."
        )
    if sample_weight is not None:
        sample_weight = check_sample_weight_values(
            np.asarray(sample_weight, dtype=np.float64).ravel())
        if sample_weight.shape[0] != X.shape[0]:
            raise ValueError(f"sample_weight has {sample_weight.shape[0]} entries "
                             f"for {X.shape[0]} rows of X; pass one weight per row.")
    return X, xp, y, sample_weight
