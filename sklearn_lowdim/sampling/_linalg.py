"""Private linear algebra shared by the sampling functions.

One factorisation serves everything: from the ``R`` factor of a QR decomposition of
``A`` (or of a sketch of ``A``) an SVD of the small ``R`` gives a ``d x r`` matrix
``T`` with ``A @ T`` an orthonormal basis of the column space of ``A`` (``r`` is the
numerical rank). Leverage scores are the squared row norms of ``A @ T``.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
import sklearn

from ..utils import gen_row_chunks


def is_dask_array(A):
    """Whether ``A`` is a ``dask.array.Array`` (without importing dask)."""
    return type(A).__module__.split(".")[0] == "dask" and hasattr(A, "chunks")


def qr_r(A):
    """The ``R`` factor of a dense matrix, without forming ``Q``."""
    A = np.asarray(A, dtype=np.float64)
    if A.shape[0] == 0:
        return np.zeros((0, A.shape[1]))
    return sla.qr(A, mode="r", check_finite=False)[0]


def factor_from_r(R, rcond=None):
    """``(T, rank)`` with ``A @ T`` orthonormal, from the ``R`` factor of ``A``.

    Singular values of ``R`` below ``rcond * s_max`` are treated as zero, so a
    rank-deficient ``A`` gets the scores of its column space.
    """
    R = np.asarray(R, dtype=np.float64)
    d = R.shape[1]
    if R.size == 0:
        return np.zeros((d, 0)), 0
    _, s, Vt = sla.svd(R, full_matrices=False, check_finite=False)
    if rcond is None:
        rcond = max(R.shape) * np.finfo(np.float64).eps
    if s.size == 0 or s[0] == 0:
        return np.zeros((d, 0)), 0
    rank = int(np.sum(s > rcond * s[0]))
    T = Vt[:rank].T / s[:rank]
    return T, rank


def row_chunks(n_rows, bytes_per_row):
    """Row slices of at most 32 MiB of temporaries (or scikit-learn's budget).

    Small blocks are reused from the allocator's cache; blocks of hundreds of
    MiB are fresh mappings whose first-touch page faults cost more than the
    GEMM on them (measured: a score pass over 1e6 x 52 rows took 1.0 s in one
    block, 0.2 s in 32 MiB blocks).
    """
    budget = min(sklearn.get_config()["working_memory"], 32)
    return gen_row_chunks(n_rows, bytes_per_row, working_memory=budget)


def row_sq_norms_of_product(A, T):
    """``((A @ T) ** 2).sum(axis=1)`` computed in chunks (dense or sparse ``A``)."""
    n = A.shape[0]
    out = np.empty(n, dtype=np.float64)
    if T.shape[1] == 0:
        out[:] = 0.0
        return out
    for rows in row_chunks(n, 8 * (A.shape[1] + 2 * T.shape[1])):
        block = A[rows]
        Z = block @ T if sp.issparse(block) else np.asarray(block, np.float64) @ T
        Z = np.asarray(Z)
        out[rows] = np.einsum("ij,ij->i", Z, Z)
    return out


def apply_in_chunks(A, T):
    """``A @ T`` as a float64 array, chunk by chunk."""
    n = A.shape[0]
    out = np.empty((n, T.shape[1]), dtype=np.float64)
    for rows in row_chunks(n, 8 * (A.shape[1] + T.shape[1])):
        block = A[rows]
        if sp.issparse(block):
            out[rows] = np.asarray(block @ T)
        else:
            out[rows] = np.asarray(block, dtype=np.float64) @ T
    return out


def count_sketch(A, sketch_size, rng):
    """``S @ A`` for a CountSketch ``S`` (one random +-1 per column), in O(nnz(A)).

    Dense ``A`` goes through the sketching subpackage's Numba scatter-add (one
    pass, no sparse matrix: 0.18 s -> about 0.05 s at 1e6 x 52); sparse ``A``
    through a sparse product.
    """
    n = A.shape[0]
    buckets = rng.randint(0, sketch_size, size=n)
    signs = rng.choice(np.array([-1.0, 1.0]), size=n)
    if not sp.issparse(A):
        from ..sketching._kernels import countsketch_left

        return countsketch_left(np.ascontiguousarray(A, dtype=np.float64),
                                buckets.astype(np.int64), signs, int(sketch_size))
    S = sp.csr_matrix((signs, (buckets, np.arange(n))), shape=(sketch_size, n))
    return np.asarray((S @ A).toarray(), dtype=np.float64)
