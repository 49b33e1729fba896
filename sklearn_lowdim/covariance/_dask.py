"""Sufficient statistics of a row-chunked dask array: one state per block, merged."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import is_dask_array
from ._statistics import GaussianStatistics

__all__ = ["is_dask_array", "statistics_from_dask"]


def _block_stats(block, y_idx, w, n_classes, kwargs):
    block = np.asarray(block)
    if not np.all(np.isfinite(block)):
        raise ValueError(
            "X contains NaN or infinity. Impute them first, for example with "
            "sklearn.impute.SimpleImputer."
        )
    return GaussianStatistics.from_data(
        block, y_idx, n_classes=n_classes, sample_weight=w, **kwargs
    )


def _merge_all(states):
    # pairwise tree: every merge combines states of similar size
    states = list(states)
    while len(states) > 1:
        nxt = [a.merge(b) for a, b in zip(states[::2], states[1::2])]
        if len(states) % 2:
            nxt.append(states[-1])
        states = nxt
    return states[0]


def statistics_from_dask(X, y_idx, n_classes, sample_weight=None, **kwargs):
    """:class:`GaussianStatistics` of a dask array ``X`` chunked by rows.

    Each row block is reduced to its exact statistics on the workers; the states
    (``O(C d + d^2)`` each) are merged with Chan's update. Only the statistics
    travel, never the rows.

    Parameters
    ----------
    X : dask.array.Array of shape (n_samples, n_features)
        Rows, chunked along the first axis (column chunks are merged first);
        NaN or infinity in a block raises a ValueError.
    y_idx : ndarray of int of shape (n_samples,)
        Class indices (in memory: one integer per row).
    n_classes : int
        Number of classes.
    sample_weight : ndarray of shape (n_samples,), default=None
        Non-negative row weights (in memory); ``None`` gives every row weight 1.
    **kwargs
        ``pooled_scatter``, ``class_scatter``, ``moments`` of
        :meth:`GaussianStatistics.from_data`.

    Returns
    -------
    stats : GaussianStatistics
        The statistics of all rows, equal to :meth:`GaussianStatistics.from_data`
        on the whole array up to rounding.

    See Also
    --------
    GaussianStatistics.from_data : The same statistics of an in-memory array.

    Examples
    --------
    >>> import numpy as np
    >>> import dask.array as da
    >>> from sklearn_lowdim.covariance import (GaussianStatistics,
    ...     statistics_from_dask)
    >>> X = np.random.default_rng(0).normal(size=(60, 3))
    >>> y = np.repeat([0, 1], 30)
    >>> stats = statistics_from_dask(da.from_array(X, chunks=(20, 3)), y, 2)
    >>> ref = GaussianStatistics.from_data(X, y, n_classes=2)
    >>> bool(np.allclose(stats.scatter, ref.scatter))
    True
    """
    import dask

    if X.ndim != 2:
        raise ValueError(f"X must be 2-D, got {X.ndim} dimension(s).")
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    bounds = np.cumsum((0,) + tuple(X.chunks[0]))
    parts = []
    for i, block in enumerate(X.to_delayed().ravel()):
        sl = slice(bounds[i], bounds[i + 1])
        w = None if sample_weight is None else sample_weight[sl]
        parts.append(
            dask.delayed(_block_stats)(block, y_idx[sl], w, n_classes, kwargs)
        )
    return dask.delayed(_merge_all)(parts).compute()
