"""Numba kernels of the sketching subpackage (CountSketch scatter-adds)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import njit


@njit
def countsketch_left(A, buckets, signs, sketch_size):
    """Return ``S @ A``: row ``j`` of ``A`` is added, signed, to row ``buckets[j]``."""
    out = np.zeros((sketch_size, A.shape[1]), dtype=A.dtype)
    for j in range(A.shape[0]):
        b = buckets[j]
        s = signs[j]
        for k in range(A.shape[1]):
            out[b, k] += s * A[j, k]
    return out


@njit
def countsketch_right(A, buckets, signs, sketch_size):
    """Return ``A @ S.T``: column ``j`` of ``A`` is added, signed, to ``buckets[j]``."""
    out = np.zeros((A.shape[0], sketch_size), dtype=A.dtype)
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            out[i, buckets[j]] += signs[j] * A[i, j]
    return out
