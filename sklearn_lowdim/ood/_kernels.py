"""Numba epilogue of the blocked exact k-nearest-neighbour search.

One block ``S = Q @ R^T`` (query rows x reference rows) at a time, each row
keeps a min-heap of its ``k`` largest keys ``S[i, j] + bias[j]``: one
comparison per entry, a sift only for the rare entry that beats the heap's
root. Unlike the covariance epilogues (O(rows x classes)), this scan is
O(rows x refs), a sizeable share of the GEMM's time on many cores, so it runs
its rows in parallel (between two GEMMs, when BLAS's threads are idle).

Numba is imported at the top: this module is imported lazily, on the first
search, never with the package.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numba

from ..utils import njit


@njit
def _replace_root(heap, value, k):
    """Put ``value`` at the root of the min-heap ``heap[:k]`` and sift it down."""
    i = 0
    while True:
        child = 2 * i + 1
        if child >= k:
            break
        right = child + 1
        if right < k and heap[right] < heap[child]:
            child = right
        if heap[child] >= value:
            break
        heap[i] = heap[child]
        i = child
    heap[i] = value


@njit(parallel=True)
def topk_update(S, bias, heaps):
    """Merge the block ``S + bias`` into each row's heap of the ``k`` largest."""
    m, b = S.shape
    k = heaps.shape[1]
    for i in numba.prange(m):
        heap = heaps[i]
        root = heap[0]
        for j in range(b):
            value = S[i, j] + bias[j]
            if value > root:
                _replace_root(heap, value, k)
                root = heap[0]
