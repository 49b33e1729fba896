"""Random sketches behind one small API: :func:`make_sketch` and :class:`Sketch`."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np
import scipy.sparse as sp
from scipy import fft as sp_fft
from sklearn.utils import check_random_state

from ..utils import check_all_finite, get_namespace
from ._device import apply_left_device, check_device_matrix

__all__ = ["Sketch", "make_sketch", "SKETCH_KINDS"]

SKETCH_KINDS = ("gaussian", "orthogonal", "countsketch", "srdct", "srht")


def _fwht(A):
    """Orthonormal fast Walsh-Hadamard transform along axis 0 (length a power of 2)."""
    n = A.shape[0]
    H = A.reshape(n, -1).copy()
    h = 1
    while h < n:
        H = H.reshape(n // (2 * h), 2, h, -1)
        a = H[:, 0].copy()
        b = H[:, 1]
        H[:, 0] = a + b
        H[:, 1] = a - b
        H = H.reshape(n, -1)
        h *= 2
    H /= np.sqrt(n)
    return H.reshape(A.shape)


class Sketch:
    """A random linear map ``S`` of shape ``(sketch_size, n_features)``.

    Normalised so that ``E[S.T @ S] = I``. Build it with :func:`make_sketch`.

    Parameters
    ----------
    kind : str
        The sketch type, one of ``SKETCH_KINDS``.
    n_features : int
        The dimension sketched.
    sketch_size : int
        The sketched dimension.
    state : dict
        The random draw (private layout, made by :func:`make_sketch`).

    Attributes
    ----------
    kind : str
        The sketch type.
    n_features : int
        The dimension sketched (columns of ``S``).
    sketch_size : int
        The sketched dimension (rows of ``S``).

    See Also
    --------
    make_sketch : Draw a sketch of a given kind.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.sketching import make_sketch
    >>> S = make_sketch("countsketch", n_features=6, sketch_size=3, random_state=0)
    >>> S
    Sketch(kind='countsketch', n_features=6, sketch_size=3)
    >>> A = np.arange(12.0).reshape(6, 2)
    >>> bool(np.allclose(S.apply_left(A), S.toarray() @ A))
    True
    """

    def __init__(self, kind, n_features, sketch_size, state):
        self.kind = kind
        self.n_features = n_features
        self.sketch_size = sketch_size
        self._state = state

    def __repr__(self):
        return (
            f"Sketch(kind={self.kind!r}, n_features={self.n_features}, "
            f"sketch_size={self.sketch_size})"
        )

    def _check(self, A, axis):
        if sp.issparse(A):
            raise TypeError(
                "A sparse matrix was passed, but the sketches need dense data; "
                "densify it first with A.toarray()."
            )
        A = np.asarray(A)
        if A.ndim not in (1, 2):
            raise ValueError(f"Expected a 1-d or 2-d array, got shape {A.shape}.")
        if A.shape[axis] != self.n_features:
            raise ValueError(
                f"The sketched axis of A has length {A.shape[axis]}, but the sketch "
                f"was made for n_features={self.n_features}; pass a matrix whose "
                "sketched dimension matches."
            )
        if A.dtype == np.float16:
            # The kernels (and BLAS) have no half precision; float32 keeps it exact.
            A = A.astype(np.float32)
        if not np.issubdtype(A.dtype, np.floating):
            if not (np.issubdtype(A.dtype, np.integer) or A.dtype == bool):
                raise TypeError(
                    f"A must hold real numbers, got dtype {A.dtype}; convert it "
                    "with A.astype(float)."
                )
            A = A.astype(np.float64)
        check_all_finite(A, name="A")
        return A

    def apply_left(self, A):
        """Return ``S @ A``.

        Parameters
        ----------
        A : array of shape (n_features,) or (n_features, k)
            Finite real numbers; integers are converted to float64 and
            float16 to float32. Sparse matrices are refused (densify them).
            Under ``sklearn.config_context(array_api_dispatch=True)`` an
            array-API array (CuPy, PyTorch, ...) is sketched on its device.

        Returns
        -------
        SA : array of shape (sketch_size,) or (sketch_size, k)
            The sketch, in the namespace, on the device and in the floating
            dtype of ``A``.
        """
        xp, is_array_api = get_namespace(A)
        if is_array_api:
            A = check_device_matrix(A, xp, self.n_features, 0)
            return apply_left_device(self, A, xp)
        A = self._check(A, 0)
        vec = A.ndim == 1
        A2 = A[:, None] if vec else A
        st = self._state
        if self.kind in ("gaussian", "orthogonal"):
            out = st["matrix"].astype(A2.dtype, copy=False) @ A2
        elif self.kind == "countsketch":
            from ._kernels import countsketch_left

            out = countsketch_left(
                np.ascontiguousarray(A2),
                st["buckets"],
                st["signs"].astype(A2.dtype),
                self.sketch_size,
            )
        else:
            B = A2 * st["signs"].astype(A2.dtype)[:, None]
            if self.kind == "srdct":
                B = sp_fft.dct(B, type=2, norm="ortho", axis=0)
            else:
                pad = st["padded"] - self.n_features
                if pad:
                    B = np.vstack([B, np.zeros((pad, B.shape[1]), dtype=B.dtype)])
                B = _fwht(B)
            out = B[st["rows"]] * A2.dtype.type(st["scale"])
        out = np.asarray(out, dtype=A2.dtype)
        return out[:, 0] if vec else out

    def apply_right(self, A):
        """Return ``A @ S.T`` (sketch the columns of ``A``, e.g. features of ``X``).

        Parameters
        ----------
        A : array of shape (m, n_features)
            Finite real numbers; integers are converted to float64. An
            array-API array is sketched on its device (see :meth:`apply_left`).

        Returns
        -------
        AS : array of shape (m, sketch_size)
            The sketched columns, in the namespace, on the device and in the
            floating dtype of ``A``.
        """
        xp, is_array_api = get_namespace(A)
        if is_array_api:
            A = check_device_matrix(A, xp, self.n_features, -1)
            if A.ndim == 1:
                return apply_left_device(self, A, xp)
            return apply_left_device(self, A.T, xp).T
        A = self._check(A, -1)
        if A.ndim == 1:
            return self.apply_left(A)
        if self.kind == "countsketch":
            from ._kernels import countsketch_right

            st = self._state
            return countsketch_right(
                np.ascontiguousarray(A),
                st["buckets"],
                st["signs"].astype(A.dtype),
                self.sketch_size,
            )
        return np.ascontiguousarray(self.apply_left(A.T).T)

    def toarray(self, dtype=np.float64):
        """Return ``S`` as a dense ndarray of shape ``(sketch_size, n_features)``.

        Parameters
        ----------
        dtype : numpy dtype, default=numpy.float64
            The floating dtype of the result.

        Returns
        -------
        S : ndarray of shape (sketch_size, n_features)
            The sketch matrix.
        """
        return self.apply_left(np.eye(self.n_features, dtype=dtype))


def make_sketch(kind, n_features, sketch_size, random_state=None):
    """Draw a random sketch ``S`` of shape ``(sketch_size, n_features)``.

    All kinds satisfy ``E[S.T @ S] = I``. ``S @ A`` is ``sketch.apply_left(A)``;
    ``A @ S.T`` (sketching the columns, e.g. the features of ``X``) is
    ``sketch.apply_right(A)``.

    Parameters
    ----------
    kind : {"gaussian", "orthogonal", "countsketch", "srdct", "srht"}
        ``"gaussian"``: i.i.d. N(0, 1/sketch_size) entries. ``"orthogonal"``: Haar
        distributed orthonormal rows scaled by ``sqrt(n_features/sketch_size)``
        (needs ``sketch_size <= n_features``). ``"countsketch"``: one ``+-1`` per
        column at a random row, applied by a Numba scatter-add. ``"srdct"`` and
        ``"srht"``: random signs, an orthonormal DCT (resp. Walsh-Hadamard, after
        zero padding to a power of 2), then ``sketch_size`` coordinates drawn without
        replacement, scaled to unit expected isometry.
    n_features : int
        Dimension sketched.
    sketch_size : int
        Output dimension.
    random_state : int, RandomState instance or None
        Seed.

    Returns
    -------
    sketch : Sketch
        The random map, with ``apply_left``, ``apply_right`` and ``toarray``.

    See Also
    --------
    Sketch : The returned map and its methods.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.sketching import make_sketch
    >>> S = make_sketch("srdct", n_features=100, sketch_size=20, random_state=0)
    >>> S.apply_left(np.ones((100, 3))).shape
    (20, 3)
    >>> S.apply_right(np.ones((5, 100))).shape
    (5, 20)
    """
    if kind not in SKETCH_KINDS:
        raise ValueError(f"kind must be one of {SKETCH_KINDS}, got {kind!r}.")
    for name, v in (("n_features", n_features), ("sketch_size", sketch_size)):
        if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{name} must be a positive integer, got {v!r}.")
    n_features, sketch_size = int(n_features), int(sketch_size)
    rng = check_random_state(random_state)
    p, m = n_features, sketch_size
    if kind in ("orthogonal", "srdct") and m > p:
        raise ValueError(
            f"kind={kind!r} needs sketch_size <= n_features, got sketch_size={m} > "
            f"n_features={p}; use kind='gaussian' or 'countsketch' to expand."
        )
    state = {}
    if kind == "gaussian":
        state["matrix"] = rng.standard_normal((m, p)) / np.sqrt(m)
    elif kind == "orthogonal":
        G = rng.standard_normal((p, m))
        Q, R = np.linalg.qr(G)
        Q *= np.sign(np.where(np.diag(R) == 0, 1.0, np.diag(R)))  # Haar measure
        state["matrix"] = np.ascontiguousarray(Q.T) * np.sqrt(p / m)
    elif kind == "countsketch":
        state["buckets"] = rng.randint(0, m, size=p).astype(np.int64)
        state["signs"] = rng.choice(np.array([-1.0, 1.0]), size=p)
    else:
        padded = p if kind == "srdct" else 1 << max(0, int(np.ceil(np.log2(p))))
        if m > padded:
            raise ValueError(f"kind={kind!r} needs sketch_size <= {padded}, got {m}.")
        state["signs"] = rng.choice(np.array([-1.0, 1.0]), size=p)
        state["rows"] = np.sort(rng.choice(padded, size=m, replace=False))
        state["padded"] = padded
        state["scale"] = np.sqrt(padded / m)
    return Sketch(kind, n_features, sketch_size, state)
