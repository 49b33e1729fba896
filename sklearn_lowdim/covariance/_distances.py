"""Chunked squared Mahalanobis distances of rows to many centres."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import device, gen_row_chunks
from . import _kernels
from ._checks import check_finite_result, check_rows

__all__ = [
    "centre_distances_xp",
    "mahalanobis_distances",
    "nearest_centres",
    "nearest_centres_xp",
    "whiten_xp",
]

_REDUCTIONS = (None, "min", "argmin", "logsumexp", "argmax")


def mahalanobis_distances(
    X,
    centres,
    whitener,
    *,
    location=None,
    reduction=None,
    factor=-0.5,
    bias=None,
    working_memory=None,
):
    """Squared Mahalanobis distances of the rows of ``X`` to every centre.

    ``d2[i, k] = (x_i - mu_k)^T Sigma^{-1} (x_i - mu_k)`` with the whitener ``W`` of
    ``Sigma``: rows are centred by ``location``, whitened (``z = (x - c) W``) and
    compared to the whitened centres with one GEMM per row chunk,
    ``d2 = ||z||^2 - 2 z.m_k + ||m_k||^2``, followed by a fused Numba reduction.
    Memory is bounded by sklearn's ``working_memory`` per chunk: never an
    ``n x C x d`` tensor.

    float32 rows stay float32 in both GEMMs (the whitener and the centres are
    estimated in float64). Centring by ``location`` first helps, but on
    ill-conditioned features the GEMM form still cancels in float32, so: the
    ``"min"``/``"argmin"`` reductions use it only to pick candidate centres and
    sum the candidates' distances in float64 (exact nearest centre, distances
    with the float32 rounding of the whitened row: relative error 6e-4 measured
    at condition number 1e9); the other outputs fall back to float64 when the
    rounding would swamp the distances.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Rows to score; finite (NaN or infinity raises a ValueError). float32
        rows are computed in float32 where that is accurate enough.
    centres : ndarray of shape (n_centres, n_features)
        The centres ``mu_k``.
    whitener : Whitener
        A fitted :class:`Whitener` (``singular="variance_norm"`` gives
        ``outside_value`` to points outside the span).
    location : ndarray of shape (n_features,), default=None
        Centring vector; defaults to the mean of the centres.
    reduction : {None, "min", "argmin", "logsumexp", "argmax"}, default=None
        ``None`` returns the (n, C) matrix; ``"min"`` returns ``(min d2, argmin)``;
        ``"argmin"`` the argmin only; ``"logsumexp"`` returns
        ``(logsumexp_k s_k, argmax_k s_k)`` of the scores
        ``s_k = factor * d2_k + bias_k``; ``"argmax"`` the argmax of ``s`` only.
    factor : float, default=-0.5
        Multiplier of ``d2_k`` in the scores ``s_k`` (``"logsumexp"`` and
        ``"argmax"`` only).
    bias : ndarray of shape (n_centres,), default=None
        Added to the scores ``s_k`` (``"logsumexp"`` and ``"argmax"`` only);
        ``None`` means zeros.
    working_memory : float, default=None
        Chunk budget in MiB; ``None`` uses
        :func:`~sklearn_lowdim.utils.working_memory_budget`.

    Returns
    -------
    out : ndarray or tuple of ndarrays
        See ``reduction``: the (n_samples, n_centres) distances (float32 for
        float32 ``X`` unless that would be too coarse), or per-row float64
        values and/or intp indices of shape (n_samples,).

    See Also
    --------
    Whitener : The whitening factor of the covariance used here.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.covariance import Whitener, mahalanobis_distances
    >>> w = Whitener().fit(np.diag([4.0, 1.0]))
    >>> X = np.array([[2.0, 1.0], [0.0, 0.0]])
    >>> mahalanobis_distances(X, np.array([[0.0, 0.0], [2.0, 0.0]]), w)
    array([[2., 1.],
           [0., 1.]])
    >>> d2, k = mahalanobis_distances(X, np.array([[0.0, 0.0], [2.0, 0.0]]), w,
    ...                               reduction="min")
    >>> d2, k
    (array([1., 0.]), array([1, 0]))
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"reduction must be one of {_REDUCTIONS}, got {reduction!r}.")
    X = check_rows(X)
    dtype = np.float32 if X.dtype == np.float32 else np.float64
    centres = np.asarray(centres, dtype=np.float64)
    if centres.ndim != 2 or centres.shape[1] != X.shape[1]:
        raise ValueError(
            f"centres must have shape (n_centres, {X.shape[1]}) to match X's "
            f"{X.shape[1]} features, got {centres.shape}."
        )
    location = centres.mean(axis=0) if location is None else location
    location = np.asarray(location, dtype=np.float64)
    W = whitener.W_
    M = (centres - location) @ W
    m2 = np.einsum("ij,ij->i", M, M)
    # nearest-centre reductions stay float32 whatever the conditioning: the
    # candidates are recomputed exactly (see nearest_centres)
    refine = dtype == np.float32 and reduction in ("min", "argmin")
    if dtype == np.float32 and not refine and _float32_too_coarse(m2, W.shape[1]):
        dtype = np.float64
    ctx = _Context(
        W=W.astype(dtype), M=M, Md=M.astype(dtype), m2=m2,
        location=location.astype(dtype), dtype=dtype, reduction=reduction,
        factor=float(factor),
        bias=np.zeros(len(centres)) if bias is None else np.asarray(bias, np.float64),
        outside=_outside_span(whitener, centres, location),
    )
    out = _allocate(X.shape[0], len(centres), dtype, reduction)
    bytes_per_row = (len(centres) + W.shape[1] + X.shape[1]) * np.dtype(
        dtype).itemsize * 2
    for sl in gen_row_chunks(X.shape[0], bytes_per_row,
                             working_memory=working_memory):
        _distance_block(X[sl], sl, ctx, out)
    if ctx.outside is None:  # variance_norm gives +inf on purpose
        check_finite_result(out["D"] if reduction is None else out["value"],
                            "The squared distances")
    if reduction is None:
        return out["D"]
    if reduction in ("argmin", "argmax"):
        return out["arg"]
    return out["value"], out["arg"]


class _Context(dict):
    """The per-call constants of :func:`mahalanobis_distances` (attribute access)."""

    __getattr__ = dict.__getitem__


def _outside_span(whitener, centres, location):
    """What the variance-norm test needs, or None for the other whiteners."""
    W = whitener.W_
    if getattr(whitener, "singular", None) != "variance_norm" or (
        W.shape[1] >= W.shape[0]
    ):
        return None
    B = whitener.basis_
    Mc = centres - location
    Mp = Mc @ B
    return _Context(B=B, Mc=Mc, Mp=Mp, mc2=np.einsum("ij,ij->i", Mc, Mc),
                    mp2=np.einsum("ij,ij->i", Mp, Mp), tol=whitener.outside_tol,
                    value=whitener.outside_value)


def _allocate(n, C, dtype, reduction):
    if reduction is None:
        return {"D": np.empty((n, C), dtype=dtype)}
    return {"value": np.empty(n), "arg": np.empty(n, dtype=np.intp)}


def _distance_block(X, sl, ctx, out):
    Xc = X.astype(ctx.dtype, copy=True)
    Xc -= ctx.location
    Z = Xc @ ctx.W
    z2 = np.einsum("ij,ij->i", Z, Z, dtype=np.float64)
    G = Z @ ctx.Md.T
    if ctx.outside is not None:
        D = G.astype(np.float64)
        _kernels.sqdist_inplace(D, z2, ctx.m2)
        D[_outside_mask(Xc, ctx.outside, ctx.dtype)] = ctx.outside.value
        _reduce_dense(D, ctx.reduction, ctx.factor, ctx.bias, sl, out)
    elif ctx.reduction is None:
        _kernels.sqdist_inplace(G, z2.astype(ctx.dtype), ctx.m2.astype(ctx.dtype))
        out["D"][sl] = G
    elif ctx.reduction in ("min", "argmin"):
        nearest_centres(Z, ctx.M, ctx.Md, ctx.m2, out["value"][sl], out["arg"][sl],
                        G=G, z2=z2)
    else:
        _kernels.score_lse_argmax(G, z2, ctx.m2, ctx.factor, ctx.bias,
                                  out["value"][sl], out["arg"][sl])


def _outside_mask(Xc, o, dtype):
    """Rows whose relative squared component outside span(basis) is too large."""
    P = Xc @ o.B.astype(dtype)
    full = (np.einsum("ij,ij->i", Xc, Xc, dtype=np.float64)[:, None]
            - 2.0 * (Xc @ o.Mc.T.astype(dtype)) + o.mc2)
    proj = (np.einsum("ij,ij->i", P, P, dtype=np.float64)[:, None]
            - 2.0 * (P @ o.Mp.T.astype(dtype)) + o.mp2)
    off = (full - proj) > (o.tol**2) * np.maximum(full, 0.0)
    return off & (full > 1e-30)


def nearest_centres(Z, M, Md, m2, out_min, out_arg, *, G=None, z2=None):
    """Squared distance of each whitened row to its nearest whitened centre.

    ``Z`` holds whitened, centred rows; ``M`` the whitened centres in float64 and
    ``Md`` the same in ``Z``'s dtype; ``m2`` their squared norms. Float64 blocks are
    reduced straight from the GEMM form ``|z|^2 - 2 z.m + |m|^2``. In float32 that
    form can lose every digit (``eps32 |m|^2`` exceeds the spread of the distances
    on ill-conditioned features), so it only selects candidates: every centre
    within a rigorous bound on the GEMM's rounding error of the approximate
    nearest one; their distances ``||z - m||^2`` are then summed in float64. The
    result is exact up to the float32 rounding of ``z`` itself.
    """
    if G is None:
        G = Z @ Md.T
    if z2 is None:
        z2 = np.einsum("ij,ij->i", Z, Z, dtype=np.float64)
    if Z.dtype != np.float32:
        _kernels.min_argmin(G, z2, m2, out_min, out_arg)
        return
    # |fl(z.m) - z.m| <= (r + 2) u |z| |m| (dot product plus rounding of m)
    margin = 2.0 * 1.01 * (Z.shape[1] + 2) * np.finfo(np.float32).eps / 2
    m_norm_max = float(np.sqrt(np.max(m2, initial=0.0)))
    _kernels.min_argmin_refine(G, z2, m2, Z, M, margin, m_norm_max, out_min, out_arg)


def whiten_xp(X, location, W, xp, centre_sq_norms):
    """``(X - location) @ W`` in ``X``'s array namespace and on its device.

    float32 stays float32 unless its rounding would swamp the distances to
    centres of squared whitened norms ``centre_sq_norms`` (an array or their
    maximum; then float64). ``location`` and ``W`` are float64 arrays estimated
    on the host, NumPy or already on ``X``'s device.
    """
    norms = np.asarray(centre_sq_norms, dtype=np.float64).reshape(-1)
    dtype = xp.float32 if X.dtype == xp.float32 and not _float32_too_coarse(
        norms, W.shape[1]) else xp.float64
    dev = device(X)
    loc = xp.asarray(location, dtype=dtype, device=dev)
    return (xp.astype(X, dtype) - loc) @ xp.asarray(W, dtype=dtype, device=dev)


def centre_distances_xp(Z, M, xp, reduce=None, working_memory=None):
    """Squared distances of whitened namespace rows to centres ``M``, reduced.

    The GEMM form ``|z|^2 - 2 z.m + |m|^2`` per row chunk, in ``Z``'s dtype and
    namespace (``Z`` comes from :func:`whiten_xp`, which picks a dtype the
    distances survive); ``M`` is NumPy or on ``Z``'s device. ``reduce`` maps a
    chunk's ``(rows, n_centres)`` distances to per-row values (``None``: keep
    the matrix); never an ``n x n_centres`` block beyond the memory budget.
    """
    Mx = xp.asarray(M, dtype=Z.dtype, device=device(Z))
    m2 = xp.sum(Mx * Mx, axis=1)
    bytes_per_row = (M.shape[0] + Z.shape[1]) * 8 * 2
    parts = []
    for sl in gen_row_chunks(Z.shape[0], bytes_per_row,
                             working_memory=working_memory):
        Zc = Z[sl.start:sl.stop, ...]
        d2 = xp.sum(Zc * Zc, axis=1)[:, None] - 2.0 * (Zc @ Mx.T) + m2[None, :]
        d2 = xp.clip(d2, min=0.0)
        parts.append(d2 if reduce is None else reduce(d2))
    return xp.concat(parts, axis=0)


def nearest_centres_xp(Z, M, xp, working_memory=None):
    """``min_k ||z_i - m_k||^2`` of whitened namespace rows to centres ``M``.

    See :func:`centre_distances_xp`.
    """
    return centre_distances_xp(Z, M, xp, lambda d2: xp.min(d2, axis=1),
                               working_memory=working_memory)


def _float32_too_coarse(centre_sq_norms, rank):
    """Whether float32 rounding of ``|z|^2 + |m|^2 - 2 z.m`` swamps the distances.

    Centring helps only as far as the whitened centres are close to the centring
    point. On ill-conditioned features they are not (``|m|^2`` of 1e9 was measured
    at d=768), and the rounding error ``eps32 * |m|^2`` then exceeds the spread of
    the squared distances (about ``sqrt(2 rank)`` for Gaussian rows): float32
    scores ranked rows no better than chance (Spearman 0.05 against float64). Such
    inputs are computed in float64; the test is a tenth of that spread.
    """
    if centre_sq_norms.size == 0:
        return False
    rounding = np.finfo(np.float32).eps * float(np.max(centre_sq_norms))
    return rounding > 0.1 * np.sqrt(2.0 * max(rank, 1))


def _reduce_dense(D, reduction, factor, bias, sl, out):
    """Reductions on an explicit distance block (variance-norm path)."""
    if reduction is None:
        out["D"][sl] = D
        return
    if reduction in ("min", "argmin"):
        a = np.argmin(D, axis=1)
        out["arg"][sl] = a
        out["value"][sl] = D[np.arange(D.shape[0]), a]
        return
    with np.errstate(invalid="ignore"):
        S = factor * D + bias
    S[np.isnan(S)] = -np.inf
    _kernels.lse_argmax_rows(S, out["value"][sl], out["arg"][sl])
