"""Numba epilogue of the weighted exact k-nearest-neighbour search of KNNOOD.

With row weights (multiplicities) the k-th neighbour of a query is the
nearest radius at which the weights of the fit rows inside reach ``k``. Each
query row keeps the smallest set of its largest keys ``S[i, j] + bias[j]``
whose weights reach its threshold, sorted in decreasing order: a candidate
that beats the set's last key is inserted (rare after the first blocks), then
keys drop off the end while the rest still reaches the threshold. The set
never holds more rows than the smallest weights need to reach the threshold,
plus one, which bounds the buffers (see ``_knn.weighted_capacity``).

Numba is imported at the top: this module is imported lazily, on the first
weighted search, never with the package.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numba
import numpy as np

from ..utils import njit


@njit
def _insert(keys, wts, size, value, weight):
    """Insert ``(value, weight)`` into the decreasing ``keys[:size]``."""
    pos = size
    while pos > 0 and keys[pos - 1] < value:
        keys[pos] = keys[pos - 1]
        wts[pos] = wts[pos - 1]
        pos -= 1
    keys[pos] = value
    wts[pos] = weight


@njit(parallel=True)
def weighted_update(S, bias, weights, thresholds, keys, wts, sizes):
    """Merge the block ``S + bias`` (column weights ``weights``) into the sets."""
    m, b = S.shape
    cap = keys.shape[1]
    for i in numba.prange(m):
        size, threshold = sizes[i], thresholds[i]
        total = 0.0
        for t in range(size):
            total += wts[i, t]
        last = -np.inf
        if size > 0 and total >= threshold:
            last = keys[i, size - 1]
        for j in range(b):
            value = S[i, j] + bias[j]
            if weights[j] <= 0.0 or value <= last:
                continue
            if size == cap:  # never reached with the capacity of the fit
                size -= 1
                total -= wts[i, size]
            _insert(keys[i], wts[i], size, value, weights[j])
            size += 1
            total += weights[j]
            while size > 1 and total - wts[i, size - 1] >= threshold:
                size -= 1
                total -= wts[i, size]
            if total >= threshold:
                last = keys[i, size - 1]
        sizes[i] = size
