"""Out-of-core leverage scores and Lewis weights for tall dask arrays.

A tall ``A`` (chunked along rows only) never has to fit on one machine:

1. TSQR keeping only ``R``: a QR (``R`` only) of every row block, then one QR of
   the stacked ``d x d`` factors. Nothing of size ``n`` leaves the workers.
2. A second pass: the scores of a block are the squared row norms of
   ``A_block @ T`` with the small ``T`` from the SVD of ``R``.

Lewis weights repeat step 2 once per iteration: a reduction of the ``r x r``
weighted Gram matrices of the blocks, then a block-wise update of the weights,
which stay on the workers (persisted) between iterations.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import Progress
from . import _linalg
from ._lewis import RelaxationSchedule, lewis_gram, warn_not_converged


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


def _block_gram(block, T, w, p):
    return lewis_gram(np.asarray(block, dtype=np.float64) @ T, w, p)


def _block_update(block, T, w, M, p, beta):
    """New weights of a block, and the block's fixed-point residual at ``w``."""
    U = np.asarray(block, dtype=np.float64) @ T
    q = _linalg.quadratic_forms(U, M)
    g = q ** (p / 2)
    pos = w > 0
    residual = float(np.max(np.abs(g[pos] - w[pos]) / w[pos])) if pos.any() else 0.0
    new = np.where(q > 0, g, 0.0)
    new[pos] = w[pos] * np.exp(beta * np.log(g[pos] / w[pos]))
    return new, residual


def dask_lewis_weights(A, p, *, tol, max_iter, rcond, return_info, verbose):
    """Lewis weights of a row-chunked dask array (the same iteration as NumPy's)."""
    import dask

    A, da = _row_blocks(A)
    T, rank = dask_factor(A, rcond)
    blocks = list(A.to_delayed().ravel())
    sizes = A.chunks[0]
    w = dask.persist(
        *[
            dask.delayed(lambda b: _linalg.row_sq_norms_of_product(b, T))(b)
            for b in blocks
        ]
    )
    schedule = RelaxationSchedule(p)
    residual, history, n_iter = np.inf, [], 0
    if rank == 0:
        residual, max_iter = 0.0, 0
    with Progress(max_iter, verbose=verbose, desc=f"lewis p={p:g} (dask)") as prog:
        for n_iter in range(1, max_iter + 1):
            grams = [dask.delayed(_block_gram)(b, T, wb, p) for b, wb in zip(blocks, w)]
            M = dask.delayed(sum)(grams).compute()
            upd = [
                dask.delayed(_block_update, nout=2)(b, T, wb, M, p, schedule.beta)
                for b, wb in zip(blocks, w)
            ]
            results = dask.persist(*[u[0] for u in upd])
            residual = max(dask.compute(*[u[1] for u in upd]))
            history.append(residual)
            prog.update(message=f"residual {residual:.2e}")
            if residual <= tol:
                break  # keep the weights at which the residual was measured
            total = sum(dask.compute(*[dask.delayed(np.sum)(r) for r in results]))
            scale = rank / total
            w = dask.persist(*[dask.delayed(np.multiply)(r, scale) for r in results])
            schedule.update(history)
    warn_not_converged(p, residual, tol, n_iter, stacklevel=4)
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
