"""The Cohen-Peng fixed-point iteration for Lewis weights, exact and on a sample.

Private: :func:`~sklearn_lowdim.sampling.lewis_weights` is the public entry
point; the dask path shares the step-size schedule and the warning.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..utils import Progress, asarray_like, device, get_namespace, to_numpy
from . import _linalg
from ._numeric import bernoulli_probabilities, half_power

#: Columns of the JL projection for the leverage scores that sample the
#: subproblem of ``lewis_weights(method="approximate")``.
SUBPROBLEM_JL_DIM = 16


class RelaxationSchedule:
    """Step size of the relaxed update ``log w <- log w + beta (log g - log w)``.

    The Jacobian of the plain map (``beta = 1``) has its spectrum in
    ``[0, 1 - p/2]`` (p < 2) or ``[1 - p/2, 0]`` (p > 2), so ``beta = 4 / (p + 2)``
    gives the local contraction ``|p - 2| / (p + 2)`` for all ``p > 0``. For
    ``p < 2`` the relaxed step starts once the residual is below 0.5 and is
    dropped for good if the residual ever increases (then the plain map, which
    contracts, takes over).
    """

    def __init__(self, p):
        self.p = p
        self.relax = p > 2
        self.may_relax = True
        self.beta_relax = 4.0 / (p + 2.0)

    @property
    def beta(self):
        return self.beta_relax if self.relax else 1.0

    def update(self, history):
        """Adapt to the residuals so far (``history[-1]`` is the newest)."""
        if self.p >= 2:
            return
        if self.may_relax and not self.relax and history[-1] < 0.5:
            self.relax = True
        if len(history) > 2 and history[-1] > history[-2]:
            self.relax = self.may_relax = False


def warn_not_converged(p, residual, tol, n_iter, stacklevel=3):
    """The ``ConvergenceWarning`` of a Lewis iteration that missed ``tol``."""
    if residual <= tol:
        return
    warnings.warn(
        f"Lewis weights (p={p:g}) reached residual {residual:.2e} > tol={tol:g} "
        f"after {n_iter} iterations; increase max_iter"
        + (" (p >= 4 has no convergence guarantee)." if p >= 4 else "."),
        ConvergenceWarning,
        stacklevel=stacklevel,
    )


def lewis_iterate(U, p, tol, max_iter, verbose=0, w0=None):
    """Cohen-Peng fixed point on an orthonormal-ish basis ``U`` (n x r, float64).

    Returns ``(w, n_iter, residual, history)``. ``residual`` is the fixed-point
    residual ``max_i |(u_i^T M(w)^{-1} u_i)^{p/2} - w_i| / w_i`` *at the returned*
    ``w``, with ``M(w) = U^T W^{1-2/p} U``. ``U`` may live on a device: the
    weights stay there, only ``M`` (r x r) and the residual come to the host.
    """
    xp, _ = get_namespace(U)
    n, r = U.shape
    if r == 0:
        return xp.zeros(n, dtype=U.dtype, device=device(U)), 0, 0.0, []
    w = _linalg.row_sq_norms(U) if w0 is None else xp.asarray(w0, copy=True)
    if p == 2:
        # Lewis weights at p = 2 are the leverage scores; one step certifies them.
        max_iter = max(max_iter, 1)
    schedule = RelaxationSchedule(p)
    history, residual, n_iter = [], np.inf, 0
    with Progress(max_iter, verbose=verbose, desc=f"lewis p={p:g}") as progress:
        for n_iter in range(1, max_iter + 1):
            q = _lewis_quadratic_forms(U, w, p)
            g = q ** (p / 2)
            pos = w > 0
            w_safe = xp.where(pos, w, 1.0)
            rel = xp.where(pos, xp.abs(g - w) / w_safe, 0.0)
            residual = float(xp.max(rel)) if bool(xp.any(pos)) else 0.0
            history.append(residual)
            progress.update(message=f"residual {residual:.2e}")
            if residual <= tol:
                break
            step = xp.where(pos, xp.log(xp.where(pos, g, 1.0) / w_safe), 0.0)
            schedule.update(history)
            w = xp.where(pos, w * xp.exp(schedule.beta * step),
                         xp.where(q > 0, g, 0.0))
            w = w * (r / float(xp.sum(w)))
    return w, n_iter, residual, history


def lewis_gram(U, w, p):
    """``U^T W^{1-2/p} U`` (chunked BLAS-3), a float64 NumPy ``r x r`` matrix."""
    xp, _ = get_namespace(U)
    n, r = U.shape
    pos = w > 0
    root_v = xp.where(pos, xp.where(pos, w, 1.0) ** (0.5 - 1.0 / p), 0.0)
    M = np.zeros((r, r))
    for rows in _linalg.row_chunks(n, 8 * 2 * r):
        Y = U[rows, :] * root_v[rows, None]
        M += to_numpy(Y.T @ Y)
    return M


def _lewis_quadratic_forms(U, w, p):
    """``u_i^T (U^T W^{1-2/p} U)^{-1} u_i`` for all rows."""
    return _linalg.quadratic_forms(U, lewis_gram(U, w, p))


def _info(n_iter, residual, history, rank, **extra):
    return {"n_iter": n_iter, "residual": residual, "residual_history": history,
            "rank": rank, **extra}


def exact_lewis(A, T, rank, p, tol, max_iter, verbose):
    """Lewis weights on the basis ``A @ T``, and the info dict."""
    U = _linalg.apply_in_chunks(A, T)
    w, n_iter, residual, history = lewis_iterate(U, p, tol, max_iter, verbose)
    return w, _info(n_iter, residual, history, rank)


def approximate_lewis(A, p, tol, max_iter, rcond, rng, verbose, ops=None):
    """Lewis weights from a leverage-sampled subproblem plus one pass.

    See ``lewis_weights(method="approximate")``. ``ops`` supplies the steps
    that read ``A`` (:class:`InMemoryOps` by default; the dask path passes its
    block-wise ones), so the algorithm is written once.
    """
    ops = InMemoryOps if ops is None else ops
    n = A.shape[0]
    T, rank = ops.factor(A, rng, rcond)
    r = max(rank, 1)
    m0 = int(math.ceil(30 * r * max(1.0, math.log(r))))
    if rank == 0 or m0 >= n // 2:
        return ops.exact(A, T, rank, p, tol, max_iter, verbose)
    # The subproblem's sampling probabilities need the leverage scores only up
    # to a constant factor: a JL projection of the basis to k columns gives them
    # with a thin GEMM (the sample is reweighted by 1 / pi, so it stays unbiased).
    T_tau = T
    if SUBPROBLEM_JL_DIM < rank:
        G = rng.standard_normal((rank, SUBPROBLEM_JL_DIM))
        T_tau = T @ (G / math.sqrt(SUBPROBLEM_JL_DIM))
    keep, pi_keep = ops.draw(A, T_tau, p, m0, rng)
    Us = ops.rows_times(A, keep, T)
    Us = Us * _column(pi_keep ** (-1.0 / p), Us)
    ws, n_iter, residual, history = lewis_iterate(Us, p, tol, max_iter, verbose)
    M = lewis_gram(Us, ws, p)
    # q_i = a_i T M^{-1} T^T a_i^T = ||a_i T F||^2 with F F^T = M^{-1}: one pass
    w, total = ops.half_power_norms(A, T @ _linalg.inverse_root(M), p)
    if total > 0:
        w = w * (rank / total)
    return w, _info(n_iter, residual, history, rank, sample_size=len(keep))


class InMemoryOps:
    """The steps of :func:`approximate_lewis` that read an in-memory ``A``."""

    @staticmethod
    def factor(A, rng, rcond):
        return _linalg.sketch_factor(A, None, rng, rcond)

    exact = staticmethod(exact_lewis)

    @staticmethod
    def draw(A, T_tau, p, m, rng):
        """Rows kept with ``pi ~ max(tau, tau^{p/2})`` (``sum pi = m``), and pi."""
        # the n scores (not A) come to the host for the draw
        tau = to_numpy(_linalg.row_sq_norms_of_product(A, T_tau))
        pi = bernoulli_probabilities(np.maximum(tau, half_power(tau, p)), m)
        keep = np.flatnonzero(rng.random_sample(A.shape[0]) < pi)
        return keep, pi[keep]

    @staticmethod
    def rows_times(A, rows, T):
        return _rows_times(A, rows, T)

    @staticmethod
    def half_power_norms(A, T, p):
        """``||a_i T||^p`` for all rows, and their sum."""
        w = half_power(_linalg.row_sq_norms_of_product(A, T), p)
        return w, float(get_namespace(w)[0].sum(w))


def _column(values, A):
    """Host ``values`` as a column on ``A``'s device (NumPy for host ``A``)."""
    xp = _linalg.namespace_of(A)
    return values[:, None] if xp is None else asarray_like(values[:, None], A, xp)


def _rows_times(A, rows, T):
    """``A[rows] @ T`` in float64, on ``A``'s device."""
    xp = _linalg.namespace_of(A)
    if xp is None:
        return np.asarray(A[rows], dtype=np.float64) @ T
    sub = xp.take(A, asarray_like(rows, A, xp), axis=0)
    return sub @ xp.astype(asarray_like(T, A, xp), A.dtype)
