"""Numba kernels of the sampling passes over ``[X, extra] * scale[:, None]``.

The scored matrix of a regression coreset is ``[X, 1, y]`` weighted by
``s_i^(1/p)``. These kernels read ``X``, the few extra columns and the row scales
where they lie, so no block of the augmented matrix is ever copied together.
They are serial: the GEMM before :func:`add_extra_sq_norms` has the cores.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import njit


@njit
def countsketch_augmented(X, extra, scale, buckets, signs, out):
    """``out[buckets[i]] += signs[i] * scale[i] * [X[i], extra[i]]`` for all rows.

    ``scale`` of length 0 means no scaling.
    """
    n, d = X.shape
    e = extra.shape[1]
    scaled = scale.shape[0] > 0
    for i in range(n):
        b = buckets[i]
        s = signs[i] * scale[i] if scaled else signs[i]
        for j in range(d):
            out[b, j] += s * X[i, j]
        for j in range(e):
            out[b, d + j] += s * extra[i, j]


@njit(fastmath={"reassoc", "contract"})
def add_extra_sq_norms(Z, extra, T_extra, scale, out):
    """``out[i] = scale[i]^2 ||Z[i] + extra[i] @ T_extra||^2`` (one pass over ``Z``).

    ``Z`` holds ``X_block @ T[:d]``; the extra columns (an intercept and ``y``)
    add their rank-``e`` term here instead of in a second, tiny-K GEMM.
    ``scale`` of length 0 means no scaling. The row is built in a small buffer
    and the sum of squares may be reassociated, so both loops vectorise (8x
    faster than the scalar loop).
    """
    n, r = Z.shape
    e = extra.shape[1]
    scaled = scale.shape[0] > 0
    row = np.empty(r)
    for i in range(n):
        for k in range(r):
            row[k] = Z[i, k]
        for j in range(e):
            a = extra[i, j]
            for k in range(r):
                row[k] += a * T_extra[j, k]
        total = 0.0
        for k in range(r):
            total += row[k] * row[k]
        if scaled:
            total *= scale[i] * scale[i]
        out[i] = total
