"""One scorer for every covariance family, every array namespace and dask.

Rows are standardised block by block (``Z = (X - location) / scale``), handed
to the family's ``scores`` and reduced (argmax, softmax, log-sum-exp) before
the next block, so memory stays within the working-memory budget. NumPy
inputs keep the fast path (BLAS products, the Numba log-sum-exp kernel,
float64 accumulation); other namespaces (CuPy, torch, array-api-strict) run
the same formulas in their own namespace and on their own device, in the
input's float dtype. Dask inputs give lazy results, block by block.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import array_api_compat.numpy as np_compat
import numpy as np
import scipy.sparse as sp

from ..covariance import _kernels
from ..utils import device, gen_row_chunks, get_namespace, is_dask_array
from ._families import FAMILIES

__all__ = ["score_rows"]

_LOG2PI = math.log(2.0 * math.pi)

# methods whose output has one column per class (the others give one value per row)
_PER_CLASS = ("joint", "log_proba", "proba", "decision", "mahalanobis")


def score_rows(est, X, method):
    """Per-row outputs of a fitted GDA model for validated ``X``.

    Parameters
    ----------
    est : GaussianDiscriminantAnalysis
        A fitted model.
    X : array of shape (n_samples, n_features)
        NumPy, array-API or dask array (already validated).
    method : {"predict", "joint", "log_proba", "proba", "decision", \
            "score_samples", "mahalanobis"}

    Returns
    -------
    out : array
        Class indices for ``"predict"``, else scores; in ``X``'s namespace.
    """
    if is_dask_array(X):
        return _score_dask(est, X, method)
    xp, is_array_api = get_namespace(X)
    if is_array_api:
        return _score_namespace(est, X, method, xp)
    return _score_numpy(est, X, method)


def _per_row_bytes(est, d):
    C = len(est.classes_)
    extra = est._params.V.shape[1] if est.covariance_type == "full" else 0
    return 8 * (3 * C + 2 * d + extra)


def _exact_offset(est, d):
    """The terms of ``log p(x, y=k)`` no family carries: the Gaussian's
    normalisation and the Jacobian of the standardisation."""
    return -0.5 * d * _LOG2PI - float(np.sum(np.log(est._scale)))


def _block_scores(est, Z, params, xp, method):
    family = FAMILIES[est.covariance_type]
    if method == "mahalanobis":
        return xp.clip(family.mahalanobis(params, Z, xp), min=0.0)
    exact = method in ("joint", "score_samples")
    S = family.scores(params, Z, xp, exact)
    if exact:
        S = S + _exact_offset(est, Z.shape[1])
    return S


def _reduce(S, method, xp):
    """Softmax-type reductions of a block of class scores, namespace-generic."""
    if method in ("joint", "decision", "mahalanobis"):
        return S
    if method == "predict":
        return xp.argmax(S, axis=1)
    m = xp.max(S, axis=1, keepdims=True)
    lse = m + xp.log(xp.sum(xp.exp(S - m), axis=1, keepdims=True))
    if method == "score_samples":
        return lse[:, 0]
    return xp.exp(S - lse) if method == "proba" else S - lse


# --------------------------------------------------------------------- NumPy
def _numpy_params(est, dtype):
    """Matrices in the rows' dtype for the products; vectors stay float64."""
    out = {}
    for name, value in est._params.arrays().items():
        if isinstance(value, np.ndarray) and value.ndim == 2:
            value = value.astype(dtype, copy=False)
        out[name] = value
    return out


def _score_numpy(est, X, method):
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    params = _numpy_params(est, dtype)
    loc = est._location.astype(dtype)
    inv_scale = (1.0 / est._scale).astype(dtype)
    n, C = X.shape[0], len(est.classes_)
    if method == "predict":
        out = np.empty(n, dtype=np.intp)
    elif method in _PER_CLASS:
        out = np.empty((n, C))
    else:
        out = np.empty(n)
    arg = np.empty(n, dtype=np.intp) if method == "score_samples" else None
    folded = _folded_linear_scores(est, dtype, method)
    for sl in gen_row_chunks(n, _per_row_bytes(est, X.shape[1])):
        if folded is not None:
            S = X[sl] @ folded[0]
            S += folded[1]
        else:
            Z = X[sl] - loc
            Z *= inv_scale
            S = _block_scores(est, Z, params, np_compat, method)
        if method == "score_samples":
            _kernels.lse_argmax_rows(np.ascontiguousarray(S, dtype=np.float64),
                                     out[sl], arg[sl])
        elif method in ("proba", "log_proba"):
            out[sl] = _softmax_inplace(np.asarray(S, dtype=np.float64), method)
        else:
            out[sl] = _reduce(S, method, np_compat)
    return out


# |location| / scale up to which the uncentred linear form keeps every digit that
# matters: the rounding of x.a is then at most ~1e2 eps of the score spread
_FOLD_MAX_OFFSET = 100.0


def _folded_linear_scores(est, dtype, method):
    """``(A', b')`` with ``X A' + b'`` = the centred linear scores, or None.

    For float64 rows of a linear model whose data sit within 100 standard
    deviations of the origin, the centring and scaling fold into the
    coefficients: one GEMM per block on ``X`` itself (as scikit-learn's LDA),
    with no rounding that matters. Far from the origin (an offset of 1e8),
    the rows are centred first, since ``x.a`` would then cancel.
    """
    if not (FAMILIES[est.covariance_type].linear and dtype == np.float64
            and method in ("predict", "proba", "log_proba", "decision")):
        return None
    offset = est._location / est._scale
    if np.max(np.abs(offset), initial=0.0) > _FOLD_MAX_OFFSET:
        return None
    A = est._params.A / est._scale[:, None]
    return A, est._params.bias - offset @ est._params.A


def _softmax_inplace(S, method):
    # NumPy's vectorised exp beats a scalar Numba loop here; the blocks bound
    # the temporaries
    S -= S.max(axis=1, keepdims=True)
    E = np.exp(S)
    total = E.sum(axis=1, keepdims=True)
    if method == "proba":
        E /= total
        return E
    S -= np.log(total)
    return S


# ----------------------------------------------------------------- namespaces
def _namespace_params(est, xp, dtype, dev):
    out = {}
    for name, value in est._params.arrays().items():
        if sp.issparse(value):
            value = value.toarray()
        out[name] = xp.asarray(np.asarray(value, dtype=np.float64), dtype=dtype,
                               device=dev)
    return out


def _score_namespace(est, X, method, xp):
    dtype = X.dtype if X.dtype == xp.float32 else xp.float64
    X = xp.astype(X, dtype)
    dev = device(X)
    params = _namespace_params(est, xp, dtype, dev)
    loc = xp.asarray(est._location, dtype=dtype, device=dev)
    inv_scale = xp.asarray(1.0 / est._scale, dtype=dtype, device=dev)
    parts = []
    for sl in gen_row_chunks(X.shape[0], _per_row_bytes(est, X.shape[1])):
        Z = (X[sl.start:sl.stop, ...] - loc) * inv_scale
        parts.append(_reduce(_block_scores(est, Z, params, xp, method), method, xp))
    return xp.concat(parts, axis=0)


# ---------------------------------------------------------------------- dask
def _score_dask(est, X, method):
    """Lazy scores, one task per row block; the model enters the graph once."""
    import dask
    import dask.array as da

    model = dask.delayed(est, pure=True)
    if method in _PER_CLASS:
        dtype, new_axis = np.float64, {"chunks": (X.chunks[0], (len(est.classes_),))}
    else:
        dtype = np.intp if method == "predict" else np.float64
        new_axis = {"drop_axis": 1}
    X = X.rechunk({1: -1})
    return da.map_blocks(_score_block, X, model, method, dtype=dtype, **new_axis)


def _score_block(block, est, method):
    return _score_numpy(est, np.asarray(block), method)
