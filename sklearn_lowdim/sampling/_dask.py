"""Out-of-core leverage scores and Lewis weights for tall dask arrays.

A tall ``A`` (chunked along rows only) never has to fit on one machine:

1. TSQR keeping only ``R``: a QR (``R`` only) of every row block, then one QR of
   the stacked ``d x d`` factors. Nothing of size ``n`` leaves the workers.
2. A second pass: the scores of a block are the squared row norms of
   ``A_block @ T`` with the small ``T`` from the SVD of ``R``.

Lewis weights read ``A`` once per iteration: each block updates its weights
from the current ``r x r`` Gram matrix and, in the same read, reduces the Gram
matrix of the new weights; the weights stay on the workers (persisted) between
iterations.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import Progress
from . import _linalg
from ._lewis import (
    RelaxationSchedule,
    approximate_lewis,
    lewis_gram,
    warn_not_converged,
)
from ._numeric import bernoulli_scale, half_power


def _row_blocks(A):
    import dask.array as da

    if A.ndim != 2:
        raise ValueError(f"A must be a 2-D dask array, got {A.ndim} dimension(s).")
    if A.numblocks[1] != 1:
        A = A.rechunk({1: -1})
    if not np.issubdtype(A.dtype, np.floating):
        A = A.astype(np.float64)
    return A, da


def _check_block(block):
    if not np.all(np.isfinite(block)):
        raise ValueError(
            "A contains NaN or infinity. Impute them first, for example with "
            "sklearn.impute.SimpleImputer."
        )
    return block


def dask_factor(A, rcond=None):
    """``(T, rank)`` from a TSQR of ``A`` that keeps only ``R``."""
    import dask

    blocks = A.to_delayed().ravel()
    rs = [dask.delayed(lambda b: _linalg.qr_r(_check_block(b)))(b) for b in blocks]
    R = dask.delayed(lambda rs: _linalg.qr_r(np.vstack(rs)))(rs).compute()
    return _linalg.factor_from_r(R, rcond)


def dask_leverage_scores(A, rcond=None):
    """Leverage scores of a row-chunked dask array, as a lazy dask array."""
    A, da = _row_blocks(A)
    T, _ = dask_factor(A, rcond)
    out_dtype = np.float32 if A.dtype == np.float32 else np.float64
    return A.map_blocks(
        lambda b: _linalg.row_sq_norms_of_product(b, T).astype(out_dtype),
        drop_axis=1,
        dtype=out_dtype,
    )


def _block_step(block, T, w, scale, M, p, beta):
    """One Lewis step on a row block, fused with the next step's Gram.

    Returns the block's new (unnormalised) weights, its fixed-point residual at
    ``w * scale``, the sum of the new weights and their Gram ``U^T W^{1-2/p} U``
    (the Gram of the normalised weights is this one times
    ``c^{1-2/p}``, so the normalisation ``c`` can wait for the sums of all
    blocks). ``M is None`` starts the iteration from the leverage scores.
    """
    U = np.asarray(_check_block(block), dtype=np.float64) @ T
    if M is None:
        new, residual = _linalg.row_sq_norms(U), 0.0
    else:
        w = w * scale
        q = _linalg.quadratic_forms(U, M)
        g = q ** (p / 2)
        pos = w > 0
        residual = (float(np.max(np.abs(g[pos] - w[pos]) / w[pos])) if pos.any()
                    else 0.0)
        new = np.where(q > 0, g, 0.0)
        new[pos] = w[pos] * np.exp(beta * np.log(g[pos] / w[pos]))
    return new, residual, float(new.sum()), lewis_gram(U, new, p)


def _run_steps(blocks, T, state, p, beta):
    """Persist one fused step of every block; bring back the small parts."""
    import operator

    import dask

    w, scale, M = state
    steps = dask.persist(*[
        dask.delayed(_block_step)(b, T, wb, scale, M, p, beta)
        for b, wb in zip(blocks, w)
    ])
    new = [dask.delayed(operator.itemgetter(0))(s) for s in steps]
    small = dask.compute(*[dask.delayed(operator.itemgetter(1, 2, 3))(s)
                           for s in steps])
    residual = max(r for r, _, _ in small)
    total = sum(t for _, t, _ in small)
    gram = sum(g for _, _, g in small)
    return new, residual, total, gram


def dask_lewis_weights(A, p, *, tol, max_iter, rcond, return_info, verbose,
                       factor=None):
    """Lewis weights of a row-chunked dask array (the same fixed point as NumPy's).

    Passes over ``A``: one for the TSQR, one for the leverage scores that start
    the iteration, then one per iteration: a block computes its new weights
    from the current Gram matrix and, in the same read, the Gram of those new
    weights for the next iteration. The step size therefore follows the
    residuals up to the previous iteration (NumPy's iteration also uses the
    current one), so the iterates differ by the last relaxation decision and
    the weights agree to the tolerance. ``factor``: a ``(T, rank)`` already
    computed (saves the TSQR pass).
    """
    import dask

    A, da = _row_blocks(A)
    T, rank = dask_factor(A, rcond) if factor is None else factor
    blocks = list(A.to_delayed().ravel())
    sizes = A.chunks[0]
    w, _, _, M = _run_steps(blocks, T, ([None] * len(blocks), 1.0, None), p, 1.0)
    scale = 1.0  # the leverage scores already sum to the rank
    schedule = RelaxationSchedule(p)
    residual, history, n_iter = np.inf, [], 0
    if rank == 0:
        residual, max_iter = 0.0, 0
    with Progress(max_iter, verbose=verbose, desc=f"lewis p={p:g} (dask)") as prog:
        for n_iter in range(1, max_iter + 1):
            new, residual, total, gram = _run_steps(
                blocks, T, (w, scale, M), p, schedule.beta)
            history.append(residual)
            prog.update(message=f"residual {residual:.2e}")
            if residual <= tol:
                break  # keep the weights at which the residual was measured
            w, scale = new, rank / total
            M = gram * scale ** (1.0 - 2.0 / p)
            schedule.update(history)
    warn_not_converged(p, residual, tol, n_iter, stacklevel=4)
    w = [dask.delayed(np.multiply)(wb, scale) for wb in w]
    out_dtype = np.float32 if A.dtype == np.float32 else np.float64
    weights = da.concatenate(
        [
            da.from_delayed(dask.delayed(np.asarray)(wb, out_dtype), (size,), out_dtype)
            for wb, size in zip(w, sizes)
        ]
    )
    if return_info:
        return weights, {
            "n_iter": n_iter,
            "residual": residual,
            "residual_history": history,
            "rank": rank,
        }
    return weights


def _compute(*arrays):
    import dask

    return dask.compute(*arrays)


def bernoulli_dask(s, m):
    """Lazy :func:`bernoulli_probabilities` of a dask vector of scores.

    The ``m + 1`` largest scores (a top-k reduction) and the sum of the others
    give the scale ``c``; the rows at least as large as the ``k``-th largest are
    kept with probability one (ties there, of measure zero for continuous
    scores, are all kept).
    """
    import dask.array as da

    n = s.shape[0]
    n_pos, total = _compute((s > 0).sum(), s.sum())
    if not total > 0:
        raise ValueError(
            "every row has score 0 (the scored matrix is zero), so there is "
            "nothing to sample; check X, or set fit_intercept=True."
        )
    if int(n_pos) <= m:
        return (s > 0).astype(np.float64)
    top = np.asarray(da.topk(s, min(int(m), n - 1) + 1).compute(), np.float64)
    t = top[-1]
    below, at_least = _compute(da.where(s < t, s, 0.0).sum(), (s >= t).sum())
    rest = float(below) + (int(at_least) - len(top)) * t
    c, k = bernoulli_scale(top, rest, m)
    pi = da.minimum(1.0, c * s)
    return da.where(s >= top[k - 1], 1.0, pi) if k > 0 else pi


def _kept(u, pi, sw, offset):
    keep = np.flatnonzero(u < pi)
    weight = 1.0 / pi[keep]
    if sw is not None:
        weight = weight * sw[keep]
    return keep + offset, weight


def _draw(pi, u, sw):
    """Kept indices and weights, one small result per block."""
    import dask

    offsets = np.concatenate([[0], np.cumsum(pi.chunks[0])[:-1]])
    sw_blocks = [None] * len(offsets) if sw is None else sw.to_delayed().ravel()
    parts = [
        dask.delayed(_kept, nout=2)(u[o:o + size], pb, swb, o)
        for o, size, pb, swb in zip(offsets, pi.chunks[0], pi.to_delayed().ravel(),
                                    sw_blocks)
    ]
    results = dask.compute(*parts)
    keep = np.concatenate([r[0] for r in results]).astype(np.int64)
    return keep, np.concatenate([r[1] for r in results])


class _DaskOps:
    """The steps of :func:`approximate_lewis` on a row-chunked dask ``A``."""

    @staticmethod
    def factor(A, rng, rcond):
        return dask_factor(A, rcond)  # TSQR: exact, one pass

    @staticmethod
    def exact(A, T, rank, p, tol, max_iter, verbose):
        return dask_lewis_weights(A, p, tol=tol, max_iter=max_iter, rcond=None,
                                  return_info=True, verbose=verbose,
                                  factor=(T, rank))

    @staticmethod
    def draw(A, T_tau, p, m, rng):
        """One pass for the scores (kept on the workers); the draw reads them."""
        tau = A.map_blocks(lambda b: _linalg.row_sq_norms_of_product(b, T_tau),
                           drop_axis=1, dtype=np.float64).persist()
        scores = tau.map_blocks(lambda t: np.maximum(t, half_power(t, p)),
                                dtype=np.float64)
        keep, inverse_pi = _draw(bernoulli_dask(scores, m),
                                 rng.random_sample(A.shape[0]), None)
        return keep, 1.0 / inverse_pi

    @staticmethod
    def rows_times(A, rows, T):
        return np.asarray(A[rows].compute(), dtype=np.float64) @ T

    @staticmethod
    def half_power_norms(A, T, p):
        w = A.map_blocks(
            lambda b: half_power(_linalg.row_sq_norms_of_product(b, T), p),
            drop_axis=1, dtype=np.float64).persist()
        return w, float(w.sum().compute())


def dask_approximate_lewis(A, p, *, tol, max_iter, rcond, rng, return_info,
                           verbose):
    """``lewis_weights(method="approximate")`` of a row-chunked dask array.

    Four passes over ``A``: the TSQR basis, the subproblem's sampling scores,
    the sampled rows, and the weights of all rows (kept on the workers). The
    subproblem is solved in memory. The basis is exact rather than sketched and
    the draw uses another stream, so the weights are another draw of the same
    approximation as in memory.
    """
    A, _ = _row_blocks(A)
    w, info = approximate_lewis(A, p, tol, max_iter, rcond, rng, verbose,
                                ops=_DaskOps)
    out_dtype = np.float32 if A.dtype == np.float32 else np.float64
    w = w.astype(out_dtype)
    return (w, info) if return_info else w
