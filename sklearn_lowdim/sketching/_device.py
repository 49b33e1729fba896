"""The sketches on an array-API input (CuPy, PyTorch, ...), on its device.

The random numbers of a sketch (a ``k x p`` Gaussian or Haar matrix, ``p`` signs,
bucket indices and sampled rows) are drawn on the host with NumPy, exactly as for
NumPy input, and moved to the input's device when applied: they are ``O(k p)`` or
``O(p)`` numbers, never the data, and the same ``random_state`` gives the same
sketch on every backend. The products run on the device:

* ``"gaussian"`` and ``"orthogonal"``: one matrix product;
* ``"srht"``: random signs, zero padding and a fast Walsh-Hadamard transform by
  ``log2(p)`` butterfly steps in the namespace;
* ``"srdct"``: random signs and an orthonormal DCT-II computed with the
  namespace's FFT (Makhoul's reordering: one complex FFT of length ``p``); a
  namespace without ``fft`` gets a ``TypeError`` naming the alternatives;
* ``"countsketch"``: a scatter-add (``index_add_`` on torch,
  ``cupyx.scatter_add`` on CuPy, otherwise a one-hot matrix product by row
  blocks within the working-memory budget).

Outputs keep the input's namespace, device and floating dtype.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np

from ..utils import device, gen_row_chunks

__all__ = ["check_device_matrix", "apply_left_device", "countsketch_device"]


def _put(values, A, xp, dtype=None):
    """Host ``values`` as an array on ``A``'s device (in ``dtype``)."""
    out = xp.asarray(np.asarray(values), device=device(A))
    return out if dtype is None else xp.astype(out, dtype)


def check_device_matrix(A, xp, n_features, axis):
    """Validate an array-API operand in its namespace (no copy to the host)."""
    if A.ndim not in (1, 2):
        raise ValueError(f"Expected a 1-d or 2-d array, got shape {tuple(A.shape)}.")
    if A.shape[axis] != n_features:
        raise ValueError(
            f"The sketched axis of A has length {A.shape[axis]}, but the sketch "
            f"was made for n_features={n_features}; pass a matrix whose "
            "sketched dimension matches."
        )
    if A.dtype == getattr(xp, "float16", None):
        A = xp.astype(A, xp.float32)  # no half precision products everywhere
    elif xp.isdtype(A.dtype, ("integral", "bool")):
        A = xp.astype(A, xp.float64)
    elif not xp.isdtype(A.dtype, "real floating"):
        raise TypeError(
            f"A must hold real numbers, got dtype {A.dtype}; convert it with "
            "xp.astype(A, xp.float64)."
        )
    if not bool(xp.all(xp.isfinite(A))):
        raise ValueError(
            "A contains NaN or infinity. Impute them first, for example with "
            "sklearn.impute.SimpleImputer in a Pipeline."
        )
    return A


def _fwht(B, xp):
    """Orthonormal Walsh-Hadamard transform along axis 0 (length a power of 2)."""
    n, k = B.shape
    h = 1
    while h < n:
        H = xp.reshape(B, (n // (2 * h), 2, h, k))
        a, b = H[:, 0, :, :], H[:, 1, :, :]
        B = xp.reshape(xp.stack([a + b, a - b], axis=1), (n, k))
        h *= 2
    return B / math.sqrt(n)


def _dct2(B, xp):
    """Orthonormal DCT-II along axis 0 through one complex FFT (Makhoul, 1980)."""
    if not hasattr(xp, "fft"):
        raise TypeError(
            f"kind='srdct' needs an FFT, and the namespace {xp.__name__} has no "
            "fft module; use kind='srht' (no FFT needed) or NumPy input."
        )
    n = B.shape[0]
    v = xp.concat([B[0::2, :], xp.flip(B[1::2, :], axis=0)], axis=0)
    cdtype = xp.complex64 if B.dtype == xp.float32 else xp.complex128
    V = xp.fft.fft(xp.astype(v, cdtype), axis=0)
    angle = -np.pi * np.arange(n) / (2 * n)
    ortho = np.full(n, math.sqrt(2.0 / n))
    ortho[0] = math.sqrt(1.0 / n)
    # Re(V e^{i angle}) with the orthonormal scaling folded into the factors
    cos = _put((np.cos(angle) * ortho)[:, None], B, xp, B.dtype)
    sin = _put((np.sin(angle) * ortho)[:, None], B, xp, B.dtype)
    return xp.real(V) * cos - xp.imag(V) * sin


def _subsampled_transform(sketch, A2, xp):
    st = sketch._state
    B = A2 * _put(st["signs"][:, None], A2, xp, A2.dtype)
    if sketch.kind == "srdct":
        B = _dct2(B, xp)
    else:
        pad = st["padded"] - sketch.n_features
        if pad:
            zeros = xp.zeros((pad, B.shape[1]), dtype=B.dtype, device=device(B))
            B = xp.concat([B, zeros], axis=0)
        B = _fwht(B, xp)
    rows = _put(st["rows"], A2, xp)
    return xp.take(B, rows, axis=0) * float(st["scale"])


def countsketch_device(A, buckets, signs, sketch_size, xp):
    """``S @ A`` for the CountSketch ``(buckets, signs)`` (NumPy arrays).

    ``A`` is a 2-D array-API array; the result has its dtype and device.
    """
    import array_api_compat

    n, k = A.shape
    out = xp.zeros((int(sketch_size), k), dtype=A.dtype, device=device(A))
    buckets_dev = _put(np.asarray(buckets, dtype=np.int64), A, xp)
    signs_dev = _put(np.asarray(signs)[:, None], A, xp, A.dtype)
    itemsize = 4 if A.dtype == xp.float32 else 8
    if array_api_compat.is_torch_namespace(xp):
        for rows in gen_row_chunks(n, itemsize * k):
            out.index_add_(0, buckets_dev[rows], A[rows, :] * signs_dev[rows, :])
        return out
    if array_api_compat.is_cupy_namespace(xp):
        import cupyx

        for rows in gen_row_chunks(n, itemsize * k):
            cupyx.scatter_add(out, buckets_dev[rows], A[rows, :] * signs_dev[rows, :])
        return out
    # generic namespaces: a (sketch_size x block) one-hot matrix per row block
    targets = xp.arange(int(sketch_size), device=device(A))[:, None]
    for rows in gen_row_chunks(n, itemsize * (k + int(sketch_size))):
        hot = xp.astype(buckets_dev[None, rows] == targets, A.dtype)
        out = out + hot @ (A[rows, :] * signs_dev[rows, :])
    return out


def apply_left_device(sketch, A, xp):
    """``S @ A`` for an array-API ``A`` (validated), in its namespace."""
    vec = A.ndim == 1
    A2 = A[:, None] if vec else A
    st = sketch._state
    if sketch.kind in ("gaussian", "orthogonal"):
        out = _put(st["matrix"], A2, xp, A2.dtype) @ A2
    elif sketch.kind == "countsketch":
        out = countsketch_device(A2, st["buckets"], st["signs"], sketch.sketch_size,
                                 xp)
    else:
        out = _subsampled_transform(sketch, A2, xp)
    return out[:, 0] if vec else out
