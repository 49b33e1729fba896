"""Private l_p regression solvers: IRLS (p <= 2), damped Newton (p > 2), HiGHS (p = 1).

All of them minimise ``sum_i w_i |x_i @ beta - y_i| ** p`` over ``beta`` on dense
float64 arrays; the callers handle the intercept column and validation.

``X``, ``y`` and ``w`` may live on a device (array-API arrays, float64): IRLS and
Newton then run there, one weighted ``d x d`` Gram matrix and one ``d``-vector per
step coming to the host, where the small solves run; ``beta`` is a host vector.
HiGHS (``solve_linprog``) is host-only: its callers pass it a coreset.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from scipy.optimize import linprog
from sklearn.exceptions import ConvergenceWarning

from ..utils import Progress, blas_threads, get_namespace, to_numpy
from . import _linalg
from ._backend import put_like, take_rows
from ._linalg import row_chunks

#: ``n d^2`` up to which the IRLS/Newton solvers run BLAS on one thread.
_ONE_THREAD_FLOPS = 2**24


def lp_objective(X, y, beta, p, w):
    """``sum_i w_i |x_i beta - y_i|^p`` (chunked)."""
    xp, _ = get_namespace(X)
    beta = put_like(beta, X)
    total = 0.0
    for rows in row_chunks(X.shape[0], 8 * 4):
        r = xp.abs(X[rows, :] @ beta - y[rows])
        total += float(xp.sum(w[rows] * r**p))
    return total


def _weighted_gram(X, c, rhs):
    """``X.T @ diag(c) @ X`` and ``X.T @ (c * rhs)`` (chunked, BLAS-3)."""
    d = X.shape[1]
    G = np.zeros((d, d))
    b = np.zeros(d)
    for rows in row_chunks(X.shape[0], 8 * (d + 2)):
        Xc = X[rows, :]
        cc = c[rows]
        G += to_numpy(Xc.T @ (Xc * cc[:, None]))
        b += to_numpy(Xc.T @ (cc * rhs[rows]))
    return G, b


def _solve_psd(G, b):
    scale = max(float(np.max(np.abs(np.diag(G)))), np.finfo(float).tiny)
    try:
        return sla.solve(
            G + 1e-13 * scale * np.eye(len(b)), b, assume_a="pos", check_finite=False
        )
    except (np.linalg.LinAlgError, sla.LinAlgError):
        return sla.lstsq(G, b, check_finite=False)[0]


def solve_l2(X, y, w):
    """Weighted least squares, the minimum-norm solution when rank-deficient."""
    xp = _linalg.namespace_of(X)
    if xp is not None:
        return _device_l2(X, y, w, xp)
    sw = np.sqrt(w)
    # singular values below max(n, d) * eps of the largest are zero (numpy's
    # rule): with LAPACK's default (eps) the noise directions of a
    # rank-deficient problem enter the solution
    cond = max(X.shape) * np.finfo(np.float64).eps
    beta = sla.lstsq(
        X * sw[:, None], y * sw, cond=cond, check_finite=False,
        lapack_driver="gelsy",
    )
    return beta[0]


def _device_l2(X, y, w, xp):
    """:func:`solve_l2` on a device: QR of ``sqrt(w) X`` there, ``R`` on the host.

    With ``A T`` an orthonormal basis of the column space of ``A = sqrt(w) X``
    (``T`` from the SVD of ``R``, the same rank rule as LAPACK's ``lstsq``
    above), the minimum-norm solution is ``T T^T A^T sqrt(w) y``.
    """
    sw = xp.sqrt(w)
    A = X * sw[:, None]
    R = to_numpy(xp.linalg.qr(A)[1])
    T, _ = _linalg.factor_from_r(R, max(X.shape) * np.finfo(np.float64).eps)
    return T @ (T.T @ to_numpy(A.T @ (y * sw)))


def solve_linprog(X, y, w):
    """Exact weighted l_1 regression as an LP solved by HiGHS.

    Variables ``[beta (free), t (>= 0)]``; minimise ``w @ t`` subject to
    ``-t <= X beta - y <= t``.
    """
    n, d = X.shape
    keep = w > 0
    X, y, w = X[keep], y[keep], w[keep]
    n = X.shape[0]
    eye = sp.identity(n, format="csr")
    Xs = sp.csr_matrix(X)
    A_ub = sp.vstack([sp.hstack([Xs, -eye]), sp.hstack([-Xs, -eye])], format="csr")
    b_ub = np.concatenate([y, -y])
    c = np.concatenate([np.zeros(d), w])
    bounds = [(None, None)] * d + [(0, None)] * n
    messages = []
    # "highs" picks a method itself; when it gives up (numerical trouble,
    # iteration limits) the other two HiGHS methods often still succeed
    for method in ("highs", "highs-ipm", "highs-ds"):
        res = linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method=method)
        if res.status == 0:
            return res.x[:d], int(getattr(res, "nit", 0) or 0)
        messages.append(f"{method}: {str(res.message).strip()}")
    warnings.warn(
        "the linear program of l_1 regression failed in HiGHS ("
        + "; ".join(messages)
        + "); solved by IRLS instead, whose objective may exceed the optimum "
        "by about 1e-4 relative.",
        ConvergenceWarning,
        stacklevel=3,
    )
    beta, n_iter, _ = solve_irls(X, y, w, 1.0, tol=1e-10, max_iter=500)
    return beta, n_iter


def _smoothed_objective(X, y, beta, p, w, eta):
    xp, _ = get_namespace(X)
    beta = put_like(beta, X)
    total = 0.0
    for rows in row_chunks(X.shape[0], 8 * 4):
        r = X[rows, :] @ beta - y[rows]
        total += float(xp.sum(w[rows] * (r * r + eta * eta) ** (p / 2)))
    return total


def _newton_weights(r, w, p, eta, xp):
    """Per-row gradient and curvature of ``w (r^2 + eta^2)^(p/2)`` in ``r``."""
    s = r * r + eta * eta
    if p >= 2:
        return w * p * r * s ** (p / 2 - 1), w * p * (p - 1) * s ** (p / 2 - 1)
    pos = s > 0
    s_safe = xp.where(pos, s, 1.0)  # rows with s = 0 contribute nothing
    grad_r = xp.where(pos, w * p * r * s_safe ** (p / 2 - 1), 0.0)
    hess_r = xp.where(
        pos, w * p * s_safe ** (p / 2 - 2) * ((p - 1) * r * r + eta * eta), 0.0)
    return grad_r, hess_r


def _newton(X, y, w, p, beta, eta, tol, max_iter, progress):
    """Damped Newton on ``sum w (r^2 + eta^2)^(p/2)`` (``eta = 0`` for ``p >= 2``)."""
    xp, _ = get_namespace(X)
    f = _smoothed_objective(X, y, beta, p, w, eta)
    for n_iter in range(1, max_iter + 1):
        r = X @ put_like(beta, X) - y
        grad_r, hess_r = _newton_weights(r, w, p, eta, xp)
        G, _ = _weighted_gram(X, hess_r, r)
        step = -_solve_psd(G, to_numpy(X.T @ grad_r))
        t = 1.0
        while True:
            beta_try = beta + t * step
            f_try = _smoothed_objective(X, y, beta_try, p, w, eta)
            if f_try <= f or t < 1e-12:
                break
            t *= 0.5
        if f_try <= f:
            beta, f = beta_try, f_try
        progress.update(message=f"objective {f:.8g}")
        moved = t * float(np.max(np.abs(step))) if step.size else 0.0
        if moved <= tol * max(1.0, float(np.max(np.abs(beta)))) or f_try > f:
            return beta, n_iter, True
    return beta, max_iter, False


def solve_irls(X, y, w, p, tol=1e-8, max_iter=100, beta0=None, verbose=0):
    """Minimise ``sum w |X beta - y|^p``; returns ``(beta, n_iter, converged)``.

    - ``p = 1``: MM-IRLS on the smoothed loss ``(r^2 + eta^2)^(1/2)``, ``eta``
      shrinking geometrically to ``1e-6`` times the mean absolute residual (so
      the smoothing changes the objective by at most about ``1e-6`` relative);
      after each step the vertex through the ``d`` rows of smallest residual is
      tried and returned when a dual certificate proves it optimal (then the
      result is exact, like the LP's); otherwise it stops when the relative
      decrease of the objective is below ``max(tol, 1e-7)`` (the smoothing
      limits the accuracy to about 1e-6 relative anyway).
    - ``1 < p < 2``: damped Newton on ``(r^2 + eta^2)^(p/2)`` with
      ``eta = 1e-12`` times the residual scale (a smooth, strictly convex
      surrogate whose minimiser is the l_p one up to that floor).
    - ``p > 2``: damped Newton on ``|r|^p``; a Newton step is an IRLS step with
      weights ``|r|^(p-2)`` scaled by ``1 / (p - 1)``.

    Newton stops when a step moves ``beta`` by at most ``tol`` (relative).
    ``verbose`` reports the objective per iteration through ``Progress``.
    """
    with Progress(max_iter, verbose=verbose, desc=f"l_{p:g} regression") as progress:
        if X.shape[0] * X.shape[1] ** 2 <= _ONE_THREAD_FLOPS:
            # small (coreset) problems: each step is a few small BLAS calls,
            # where waking a second BLAS thread costs more than it saves
            with blas_threads(1):
                return _solve_irls(X, y, w, p, tol, max_iter, beta0, progress)
        return _solve_irls(X, y, w, p, tol, max_iter, beta0, progress)


def _solve_irls(X, y, w, p, tol, max_iter, beta0, progress):
    if beta0 is None:
        beta = solve_l2(X, y, w)
    else:
        beta = np.asarray(beta0, dtype=np.float64).copy()
    if p == 2:
        return beta, 1, True
    xp, _ = get_namespace(X)
    r = y - X @ put_like(beta, X)
    scale = float(xp.max(xp.abs(r))) if X.shape[0] else 0.0
    if scale == 0.0:
        return beta, 0, True
    if p > 1:
        eta = 0.0 if p >= 2 else 1e-12 * scale
        beta, n_iter, converged = _newton(
            X, y, w, p, beta, eta, tol, max_iter, progress
        )
    else:
        beta, n_iter, converged = _irls_l1(
            X, y, w, beta, r, scale, tol, max_iter, progress
        )
    if not converged:
        warnings.warn(
            f"l_{p:g} regression did not converge in max_iter={max_iter} "
            "iterations; increase max_iter or loosen tol.",
            ConvergenceWarning,
            stacklevel=4,
        )
    return beta, n_iter, converged


def _l1_vertex(X, y, w, r, n_tries=3):
    """Round to a vertex near the IRLS iterate and certify it optimal.

    ``beta`` solving ``X_B beta = y_B`` on ``d`` rows ``B`` is optimal for
    ``sum w |y - X beta|`` iff some ``u_B`` in ``[-1, 1]`` gives
    ``X_B^T (w_B u_B) = -X_N^T (w_N sign(r_N))`` (the subgradient condition).
    ``B`` is the ``d - 1`` rows of smallest residual plus one of the next
    ``n_tries``. Returns the certified ``beta`` or ``None``.
    """
    d = X.shape[1]
    xp, _ = get_namespace(X)
    order = _smallest_residuals(w, r, d, n_tries, xp)
    if order is None:
        return None
    for extra in order[d - 1 :]:
        cand = np.append(order[: d - 1], extra)
        XB, yB, wB = (to_numpy(take_rows(a, cand)) for a in (X, y, w))
        try:
            beta = np.linalg.solve(XB, yB)
            ws = w * xp.sign(y - X @ put_like(beta, X))
            # the basis rows carry u_B instead: their terms leave the sum
            rhs = to_numpy(X.T @ ws) - XB.T @ to_numpy(take_rows(ws, cand))
            v = np.linalg.solve(XB.T, -rhs)
        except np.linalg.LinAlgError:
            continue
        if not (np.all(np.isfinite(beta)) and np.all(np.isfinite(v))):
            continue
        if np.max(np.abs(v / wB)) <= 1 + 1e-9:
            return beta
    return None


def _smallest_residuals(w, r, d, n_tries, xp):
    """Host indices of the ``d - 1 + n_tries`` weighted rows of smallest ``|r|``
    (stable order), or ``None`` when at most ``d`` rows have weight."""
    n_weighted = int(xp.sum(xp.astype(w > 0, xp.int64)))
    if n_weighted <= d:
        return None
    key = xp.where(w > 0, xp.abs(r), xp.inf)
    return to_numpy(xp.argsort(key, stable=True)[: min(d - 1 + n_tries, n_weighted)])


def _irls_l1(X, y, w, beta, r, scale, tol, max_iter, progress):
    # the smoothing floor limits the accuracy to about 1e-6 relative: a smaller
    # tol would only add iterations
    tol = max(tol, 1e-7)
    f = lp_objective(X, y, beta, 1.0, w)
    eta = 0.1 * scale
    xp, _ = get_namespace(X)
    eta_floor = 1e-6 * float(xp.sum(w * xp.abs(r))) / float(xp.sum(w))
    # the vertex check costs a few passes over X: every 4th step on small
    # problems, only at the end on large ones
    check_every_step = X.shape[0] * X.shape[1] <= 2_000_000
    converged = False
    for n_iter in range(1, max_iter + 1):
        c = w / xp.sqrt(r * r + eta * eta)
        G, b = _weighted_gram(X, c, y)
        beta_new = _solve_psd(G, b)
        f_new = lp_objective(X, y, beta_new, 1.0, w)
        rel = (f - f_new) / f if f > 0 else 0.0
        if f_new <= f:
            beta, f = beta_new, f_new
            r = y - X @ put_like(beta, X)
        progress.update(message=f"objective {f:.8g}")
        if check_every_step and eta < 1e-2 * scale and n_iter % 4 == 0:
            vertex = _l1_vertex(X, y, w, r)
            if vertex is not None:
                return vertex, n_iter, True  # certified optimal (exact)
        if eta > eta_floor:
            eta = max(eta_floor, eta * (0.1 if rel < 0.1 else 0.5))
        elif rel <= tol:
            converged = True
            break
    if not check_every_step:
        vertex = _l1_vertex(X, y, w, r)
        if vertex is not None:
            return vertex, n_iter, True
    return beta, n_iter, converged
