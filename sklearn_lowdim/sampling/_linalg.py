"""Private linear algebra shared by the sampling functions.

Factorisations here use ``numpy.linalg``, not ``scipy.linalg``: NumPy and SciPy
wheels each bundle their own OpenBLAS, and a call into one thread pool while the
other's threads still spin after a large product slows both (measured: the
score pass after a SciPy QR of the sketch ran 1.7x slower).

One factorisation serves everything: from the ``R`` factor of a QR decomposition of
``A`` (or of a sketch of ``A``) an SVD of the small ``R`` gives a ``d x r`` matrix
``T`` with ``A @ T`` an orthonormal basis of the column space of ``A`` (``r`` is the
numerical rank). Leverage scores are the squared row norms of ``A @ T``.

Array-API inputs (CuPy, PyTorch, ... under ``array_api_dispatch=True``) take the
device branch of the same functions: the QR, the sketch and every product with
``A`` run on the device in float64 (:func:`device_work_copy`); only ``d x d``
objects (``R``, ``T``, Gram matrices) come to the host, where the SVD and the
small inverses run in float64, as for NumPy input.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

from ..sketching._device import countsketch_device
from ..sketching._kernels import countsketch_left
from ..utils import (
    asarray_like,
    device,
    gen_row_chunks,
    get_namespace,
    supported_float_dtypes,
    to_numpy,
)
from ..utils._validation import raise_not_finite
from . import _kernels

_NO_SCALE = np.empty(0)


def namespace_of(A):
    """The namespace of a device (array-API, non-NumPy) array, else ``None``."""
    if sp.issparse(A) or isinstance(A, AugmentedRows):
        return None
    xp, is_array_api = get_namespace(A)
    return xp if is_array_api else None


def device_work_copy(A, xp):
    """``A`` in float64 on its device (the dtype the scores are computed in),
    or in its own dtype on a device without float64."""
    try:
        return xp.astype(A, xp.float64, copy=False)
    except (TypeError, ValueError, RuntimeError):
        return A


def row_sq_norms(U):
    """``||u_i||^2`` for all rows of ``U``, in its namespace."""
    xp = namespace_of(U)
    if xp is None:
        return np.einsum("ij,ij->i", U, U)
    return xp.sum(U * U, axis=1)


def qr_r(A):
    """The ``R`` factor of a dense matrix, without forming ``Q``."""
    A = np.asarray(A, dtype=np.float64)
    if A.shape[0] == 0:
        return np.zeros((0, A.shape[1]))
    return np.linalg.qr(A, mode="r")


def factor_from_r(R, rcond=None):
    """``(T, rank)`` with ``A @ T`` orthonormal, from the ``R`` factor of ``A``.

    Singular values of ``R`` below ``rcond * s_max`` are treated as zero, so a
    rank-deficient ``A`` gets the scores of its column space.
    """
    R = np.asarray(R, dtype=np.float64)
    d = R.shape[1]
    if R.size == 0:
        return np.zeros((d, 0)), 0
    _, s, Vt = np.linalg.svd(R, full_matrices=False)
    if rcond is None:
        rcond = max(R.shape) * np.finfo(np.float64).eps
    if s.size == 0 or s[0] == 0:
        return np.zeros((d, 0)), 0
    rank = int(np.sum(s > rcond * s[0]))
    T = Vt[:rank].T / s[:rank]
    return T, rank


def row_chunks(n_rows, bytes_per_row):
    """Row slices within the package's working-memory budget.

    Blocks of hundreds of MiB are fresh mappings whose first-touch page faults
    cost more than the GEMM on them; budget-sized blocks are reused from the
    allocator's cache.
    """
    return gen_row_chunks(n_rows, bytes_per_row)


def check_matrix(A, accept_sparse=False, name="A", build=True):
    """Validate a dense (or sparse) 2-D finite float matrix; keep float32.

    An :class:`AugmentedRows` is built into an array and checked when ``build``
    (for the exact methods), and passes as it is otherwise (the sketched
    methods read it block by block; its CountSketch checks the entries).
    """
    if isinstance(A, AugmentedRows):
        if not build:
            return A
        A = np.asarray(A)
    xp, _ = get_namespace(A)
    return check_array(
        A,
        accept_sparse=["csr", "csc"] if accept_sparse else False,
        dtype=list(supported_float_dtypes(xp)),
        ensure_all_finite=True,
        ensure_min_samples=1,
        ensure_min_features=1,
        input_name=name,
    )


def sketch_factor(A, sketch_size, rng, rcond):
    """``(T, rank)`` from the QR of a CountSketch of ``A``."""
    n, d = A.shape
    if sketch_size is None:
        sketch_size = max(4 * d * d, 10 * d, 100)
    sketch_size = int(min(sketch_size, n))
    return exact_factor(count_sketch(A, sketch_size, rng), rcond)


def exact_factor(A, rcond):
    """``(T, rank)`` with ``A @ T`` orthonormal, from the QR of ``A`` (dense).

    The columns are scaled to unit largest magnitude first (``T`` absorbs the
    scales, so ``A @ T`` is the same): the rank cut-off then does not depend on
    the units of the columns, and ``R`` neither overflows nor underflows for
    magnitudes from 1e-300 to 1e300. Scores do not depend on column scales.
    """
    xp = namespace_of(A)
    if xp is None:
        A = np.asarray(A)
        col_max = np.max(np.abs(A), axis=0) if A.shape[0] else np.ones(A.shape[1])
    else:
        col_max = to_numpy(xp.max(xp.abs(A), axis=0))
    scale = np.where(col_max > 0, col_max, 1.0)
    if xp is None:
        R = qr_r(np.asarray(A, dtype=np.float64) / scale)
    else:  # the QR on the device; only R (d x d) comes to the host
        R = to_numpy(xp.linalg.qr(A / asarray_like(scale, A, xp))[1])
    T, rank = factor_from_r(R, rcond)
    return T / scale[:, None], rank


def inverse_root(M):
    """``F`` with ``F F^T = M^{-1}`` (the pseudo-inverse when ``M`` is singular)."""
    try:
        L = np.linalg.cholesky(M)
        Linv = np.linalg.inv(L)
        if not np.all(np.isfinite(Linv)):
            raise np.linalg.LinAlgError("singular Cholesky factor")
        return Linv.T
    except np.linalg.LinAlgError:
        evals, evecs = np.linalg.eigh(M)
        keep = evals > evals[-1] * len(M) * np.finfo(float).eps
        return evecs[:, keep] / np.sqrt(evals[keep])


def quadratic_forms(U, M):
    """``u_i^T M^{-1} u_i`` for all rows of ``U``."""
    return row_sq_norms_of_product(U, inverse_root(M))


def block_product(A, rows, T):
    """``A[rows] @ T`` as a dense float64 array (dense, sparse or lazy ``A``)."""
    if isinstance(A, AugmentedRows):
        return A.product(rows, T)
    block = A[rows]
    if sp.issparse(block):
        return np.asarray(block @ T)
    return np.asarray(block, dtype=np.float64) @ T


def row_sq_norms_of_product(A, T):
    """``((A @ T) ** 2).sum(axis=1)`` computed in chunks (dense or sparse ``A``)."""
    n = A.shape[0]
    xp = namespace_of(A)
    if xp is not None:
        return _device_row_sq_norms(A, T, xp)
    out = np.empty(n, dtype=np.float64)
    if T.shape[1] == 0:
        out[:] = 0.0
        return out
    if isinstance(A, AugmentedRows):
        return A.sq_norms_of_product(T, out)
    for rows in row_chunks(n, 8 * (A.shape[1] + 2 * T.shape[1])):
        Z = block_product(A, rows, T)
        out[rows] = np.einsum("ij,ij->i", Z, Z)
    return out


def _device_row_sq_norms(A, T, xp):
    """``((A @ T) ** 2).sum(axis=1)`` on ``A``'s device, by row blocks."""
    if T.shape[1] == 0:
        return xp.zeros(A.shape[0], dtype=A.dtype, device=device(A))
    T = xp.astype(asarray_like(T, A, xp), A.dtype)
    parts = [row_sq_norms(A[rows, :] @ T)
             for rows in row_chunks(A.shape[0], 8 * (A.shape[1] + 2 * T.shape[1]))]
    return xp.concat(parts) if parts else xp.zeros(0, dtype=A.dtype,
                                                   device=device(A))


def apply_in_chunks(A, T):
    """``A @ T`` as a float64 array, chunk by chunk (one product on a device)."""
    xp = namespace_of(A)
    if xp is not None:
        return A @ xp.astype(asarray_like(T, A, xp), A.dtype)
    n = A.shape[0]
    out = np.empty((n, T.shape[1]), dtype=np.float64)
    for rows in row_chunks(n, 8 * (A.shape[1] + T.shape[1])):
        out[rows] = block_product(A, rows, T)
    return out


def count_sketch(A, sketch_size, rng):
    """``S @ A`` for a CountSketch ``S`` (one random +-1 per column), in O(nnz(A)).

    Dense ``A`` (or :class:`AugmentedRows`) goes through the sketching
    subpackage's Numba scatter-add, block by block (no sparse matrix: 0.18 s ->
    0.03 s at 1e6 x 52); sparse ``A`` through a sparse product.
    """
    n = A.shape[0]
    buckets = rng.randint(0, sketch_size, size=n)
    signs = rng.choice(np.array([-1.0, 1.0]), size=n)
    xp = namespace_of(A)
    if xp is not None:  # on the device; the (sketch_size x d) result comes back
        return to_numpy(countsketch_device(A, buckets, signs, sketch_size, xp))
    if isinstance(A, AugmentedRows):
        return A.count_sketch(buckets, signs, int(sketch_size))
    if not sp.issparse(A):
        out = np.zeros((int(sketch_size), A.shape[1]))
        for rows in row_chunks(n, 8 * A.shape[1]):
            countsketch_left(np.ascontiguousarray(A[rows], dtype=np.float64),
                             buckets[rows], signs[rows], sketch_size, out=out)
        if not np.all(np.isfinite(out)):
            raise_not_finite(A, input_name="A")
        return out
    S = sp.csr_matrix((signs, (buckets, np.arange(n))), shape=(sketch_size, n))
    return np.asarray((S @ A).toarray(), dtype=np.float64)


class AugmentedRows:
    """``[X, extra] * scale[:, None]`` whose row blocks are built on access.

    The sampler scores ``[X, 1, y]`` (weighted by ``s_i^(1/p)``); building it
    whole costs a fresh copy of ``X`` whose first-touch page faults cost more
    than the sketched scores themselves (up to 0.9 s at 1e6 x 52). The
    sketch-based score functions only read row blocks, so they take this
    instead; ``numpy.asarray`` builds the full matrix for the exact methods.
    """

    ndim = 2
    dtype = np.dtype(np.float64)

    def __init__(self, X, extra, scale=None):
        self._X, self._extra, self._scale = X, extra, scale
        self.shape = (X.shape[0], X.shape[1] + extra.shape[1])

    def __getitem__(self, rows):
        block = np.hstack([np.asarray(self._X[rows], dtype=np.float64),
                           self._extra[rows]])
        if self._scale is not None:
            block *= self._scale[rows, None]
        return block

    def product(self, rows, T):
        """``self[rows] @ T`` without building the block: two GEMMs."""
        d = self._X.shape[1]
        Z = np.asarray(self._X[rows], dtype=np.float64) @ T[:d]
        Z += self._extra[rows] @ T[d:]
        if self._scale is not None:
            Z *= self._scale[rows, None]
        return Z

    def _scale_of(self, rows):
        return _NO_SCALE if self._scale is None else self._scale[rows]

    def count_sketch(self, buckets, signs, sketch_size):
        """``S @ self`` for the CountSketch ``(buckets, signs)``, one pass over X."""
        out = np.zeros((sketch_size, self.shape[1]))
        for rows in row_chunks(self.shape[0], 8 * self._X.shape[1]):
            countsketch_left(
                np.asarray(self._X[rows], dtype=np.float64), buckets[rows],
                signs[rows], sketch_size, extra=self._extra[rows],
                scale=self._scale_of(rows), out=out)
        # every entry reached one bucket: this is the NaN/inf check of X
        # (SensitivitySampler skips its own pass over X when it sketches)
        if not np.all(np.isfinite(out)):
            raise_not_finite(self._X)
        return out

    def sq_norms_of_product(self, T, out):
        """``out[i] = ||self[i] @ T||^2``: one GEMM per block on ``X`` and a Numba
        epilogue for the extra columns and the scale."""
        d, r = self._X.shape[1], T.shape[1]
        T_X = np.ascontiguousarray(T[:d])
        T_extra = np.ascontiguousarray(T[d:])
        Z = None
        for rows in row_chunks(self.shape[0], 8 * (d + r)):
            Xb = np.asarray(self._X[rows], dtype=np.float64)
            if Z is None:
                Z = np.empty((Xb.shape[0], r))
            Zb = Z[: Xb.shape[0]]
            np.matmul(Xb, T_X, out=Zb)
            _kernels.add_extra_sq_norms(Zb, self._extra[rows], T_extra,
                                        self._scale_of(rows), out[rows])
        return out

    def __len__(self):
        return self.shape[0]

    def __array__(self, dtype=None, copy=None):
        full = self[:]
        return full if dtype is None else full.astype(dtype, copy=False)
