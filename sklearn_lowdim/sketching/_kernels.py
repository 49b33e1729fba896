"""Numba kernels of the sketching subpackage: the CountSketch scatter-adds.

``countsketch_rows`` is the package's one kernel for ``S @ A`` (the sampling
package calls it too, on ``[X, 1, y]`` weighted by row scales, without building
that matrix); ``countsketch_right`` is the same sketch applied to the columns.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import njit


@njit
def countsketch_rows(A, extra, scale, buckets, signs, out):
    """``out[buckets[i]] += signs[i] * scale[i] * [A[i], extra[i]]`` for all rows.

    ``extra`` (rows of further columns, possibly zero columns) is read where it
    lies, so ``[A, extra]`` is never built; ``scale`` of length 0 means no
    scaling. ``out`` has ``A.shape[1] + extra.shape[1]`` columns and accumulates.
    """
    n, d = A.shape
    e = extra.shape[1]
    scaled = scale.shape[0] > 0
    for i in range(n):
        b = buckets[i]
        s = signs[i] * scale[i] if scaled else signs[i]
        for j in range(d):
            out[b, j] += s * A[i, j]
        for j in range(e):
            out[b, d + j] += s * extra[i, j]


@njit
def countsketch_right(A, buckets, signs, sketch_size):
    """Return ``A @ S.T``: column ``j`` of ``A`` is added, signed, to ``buckets[j]``."""
    out = np.zeros((A.shape[0], sketch_size), dtype=A.dtype)
    for i in range(A.shape[0]):
        for j in range(A.shape[1]):
            out[i, buckets[j]] += signs[j] * A[i, j]
    return out


def countsketch_left(A, buckets, signs, sketch_size, *, extra=None, scale=None,
                     out=None):
    """``S @ [A, extra] * scale[:, None]`` accumulated into ``out`` (returned).

    ``A`` and ``extra`` are 2-D with the same rows; ``out`` defaults to zeros of
    ``A``'s dtype.
    """
    n = A.shape[0]
    if extra is None:
        extra = np.empty((n, 0), dtype=A.dtype)
    if out is None:
        out = np.zeros((int(sketch_size), A.shape[1] + extra.shape[1]), dtype=A.dtype)
    no_scale = np.empty(0, dtype=out.dtype)
    countsketch_rows(
        A, extra, no_scale if scale is None else scale, buckets, signs, out
    )
    return out
