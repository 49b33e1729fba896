"""Feature-sketched ridge ensembles along a penalty path, with GCV for every K.

Patil and LeJeune (2024): each member solves ridge on the sketched features
``X S^T`` (``S`` from :func:`sklearn_lowdim.sketching.make_sketch`), its
coefficients lifted back by ``S^T``; ``K`` independent sketches are averaged.
One eigendecomposition per member serves every penalty, including the negative
ones the paper allows.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import numbers

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils import check_random_state

from ..sketching import make_sketch
from ..utils import Progress, blas_threads
from ._gcv_path import _eigh

__all__ = ["sketched_ridge_gcv_path", "ORTHOGONAL_SKETCHES"]

# sketches with (asymptotically) orthonormal rows, for which the implicit ridge
# equivalence of the ensemble trick holds
ORTHOGONAL_SKETCHES = ("orthogonal", "srdct", "srht")


def sketch_sizes_from(sizes, n_features):
    """Sketch sizes from ints (columns) or floats (fractions of ``n_features``)."""
    counts = []
    for size in np.atleast_1d(np.asarray(sizes, dtype=object)).ravel():
        if isinstance(size, (numbers.Integral, np.integer)) and not isinstance(
            size, bool
        ):
            q = int(size)
        elif isinstance(size, (numbers.Real, np.floating)) and 0 < float(size) <= 1:
            q = max(1, int(round(float(size) * n_features)))
        else:
            raise ValueError(
                f"sketch sizes must be positive ints or fractions in (0, 1], got "
                f"{size!r}."
            )
        if q < 1:
            raise ValueError(f"sketch sizes must be >= 1, got {size!r}.")
        counts.append(q)
    if not counts:
        raise ValueError("sketch_sizes is empty; pass at least one size.")
    return np.unique(np.asarray(counts, dtype=np.intp))


def _fit_member(X, y, q, kind, seed, alphas, single_thread):
    """One sketch's lifted coefficients, dfs, residuals and spectrum summary."""
    ctx = blas_threads(1) if single_thread else contextlib.nullcontext()
    with ctx:
        n, p = X.shape
        sketch = make_sketch(kind, p, int(q), random_state=seed)
        Z = np.asarray(sketch.apply_right(X), dtype=np.float64)  # n x q
        if q <= n:
            e, V = _eigh(Z.T @ Z)
        else:
            e, U = _eigh(Z @ Z.T)
        keep = e > max(e.max(initial=0.0), 0.0) * max(n, q) * np.finfo(float).eps
        e = e[keep]
        if q <= n:
            V = V[:, keep]
        else:
            V = (Z.T @ U[:, keep]) / np.sqrt(e)
        z = V.T @ (Z.T @ y)  # r x t
        lam_n = n * alphas[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            filt = 1.0 / (e[:, None] + lam_n)
            dof = (e[:, None] * filt).sum(axis=0)
        L, t = alphas.size, y.shape[1]
        coef_q = V @ (filt[:, :, None] * z[:, None, :]).reshape(len(e), L * t)
        resid = (np.tile(y, (1, L)) - Z @ coef_q).reshape(n, L, t)
        # lift back to the original features: beta = S^T beta_q
        coef = sketch.toarray().T @ coef_q
        sq = np.einsum("nlt,nlt->lt", resid, resid) / n
        gcv1 = sq / ((1 - dof / n) ** 2)[:, None]
        mu = _implicit_ridge_penalty(e / n, alphas, q / p)
    return coef.reshape(p, L, t), dof, resid, gcv1, mu, e.min(initial=np.inf) / n


def _implicit_ridge_penalty(eigenvalues, alphas, ratio):
    """Unsketched ridge penalty equivalent to ``alphas`` under an orthogonal-type
    sketch of aspect ratio ``q/p`` (Patil and LeJeune, ``ortho_equiv_mu``):
    ``mu = alpha * S(-ratio * mean_j e_j / (e_j + alpha))`` with
    ``S(w) = ratio (1 + w) / (ratio + w)``, and at ``alpha = 0``
    ``mu = (1 - ratio) / mean_j (1 / e_j)``; ``e_j`` are the eigenvalues of
    ``(X S^T)^T (X S^T) / n`` (its nonzero ones)."""
    e = np.asarray(eigenvalues)
    mu = np.empty_like(alphas)
    for j, lam in enumerate(alphas):
        if lam == 0:
            mu[j] = (1 - ratio) / np.mean(1.0 / e) if e.size else np.nan
            continue
        w = -ratio * np.mean(e / (e + lam))
        mu[j] = lam * ratio * (1 + w) / (ratio + w)
    return mu


class _SketchState:
    def __init__(self, n, p, L, t, K):
        self.m = 0
        self.coef = np.zeros((p, L, t))
        self.resid = np.zeros((n, L, t))
        self.dof = np.zeros(L)
        self.gcv = np.empty((K, L, t))
        self.first_two = []  # single-member GCVs of the first two, for the trick
        self.mu = np.zeros(L)
        self.floor = np.inf

    def add(self, member):
        coef, dof, resid, gcv1, mu, floor = member
        self.coef += coef
        self.resid += resid
        self.dof += dof
        self.mu += mu
        self.floor = min(self.floor, floor)
        if len(self.first_two) < 2:
            self.first_two.append(gcv1)
        self.m += 1
        n = resid.shape[0]
        frac = self.dof / self.m / n
        mean = self.resid / self.m
        with np.errstate(divide="ignore", invalid="ignore"):
            gcv = np.mean(mean * mean, axis=0) / ((1 - frac) ** 2)[:, None]
        self.gcv[self.m - 1] = np.where((frac < 1)[:, None], gcv, np.inf)


def sketched_ridge_gcv_path(X, y, alphas, *, sketch_sizes, sketch="orthogonal",
                            n_estimators=10, random_state=None, n_jobs=None,
                            verbose=0):
    """GCV of feature-sketched ridge ensembles on a grid of penalties and sizes.

    A member with sketch ``S`` (``q x p``, ``E[S^T S] = I``) fits
    ``argmin_c (1/n)||y - X S^T c||^2 + alpha ||c||^2`` and predicts with
    ``beta = S^T c``; ``K = n_estimators`` independent sketches are averaged.
    The penalty is normalised by ``n`` and may be negative, down to (not
    including) minus the smallest nonzero eigenvalue of ``(X S^T)^T X S^T / n``
    (Patil and LeJeune 2024). GCV is ``(1/n)||y - X beta||^2 / (1 - df/n)^2``
    with the members' mean ``df = sum_j e_j / (e_j + n alpha)``, for every
    ensemble size ``K' = 1..K``.

    The ensemble trick (Patil and LeJeune, section "ensemble trick"): the 1/K
    structure of the risk makes ``2 GCV_{K=2} - GCV_{K=1}`` (the latter averaged
    over the first two members) an estimate of the risk of *unsketched* ridge at
    the equivalent penalty ``mu``, returned for orthogonal-type sketches.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
    alphas : array-like of shape (n_alphas,)
    sketch_sizes : int, float or array-like
        ``q`` per member: ints, or fractions of ``n_features``.
    sketch : {"gaussian", "orthogonal", "countsketch", "srdct", "srht"}, \
            default="orthogonal"
    n_estimators : int, default=10
    random_state : int, RandomState instance or None, default=None
    n_jobs : int, default=None
        joblib workers over the members (one BLAS thread each).
    verbose : int, default=0

    Returns
    -------
    path : dict of ndarrays
        ``alphas`` (L,), ``sketch_sizes`` (Q,), ``coef`` (Q, L, t, p), ``dof``
        (Q, L), ``gcv`` (Q, L, K, t), and for ``K >= 2`` ``ridge_risk``
        (Q, L, t), the ensemble trick's estimate, and ``equivalent_alpha``
        (Q, L), the mean implicit unsketched penalty (meaningful for
        orthogonal-type sketches).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.linear_model import sketched_ridge_gcv_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((300, 40))
    >>> y = X @ rng.standard_normal(40) / 6 + rng.standard_normal(300)
    >>> path = sketched_ridge_gcv_path(X, y, [-0.1, 0.0, 0.5], sketch_sizes=[10, 20],
    ...                                n_estimators=4, random_state=0)
    >>> path["gcv"].shape
    (2, 3, 4, 1)
    """
    X = np.asarray(X)
    y = np.asarray(y, dtype=np.float64)
    y2 = y[:, None] if y.ndim == 1 else y
    n, p = X.shape
    alphas = np.asarray(alphas, dtype=np.float64).ravel()
    if alphas.size == 0 or not np.all(np.isfinite(alphas)):
        raise ValueError(f"alphas must be a non-empty array of finite values, got "
                         f"{alphas}.")
    sizes = sketch_sizes_from(sketch_sizes, p)
    K = int(n_estimators)
    if K < 1:
        raise ValueError(f"n_estimators must be >= 1, got {n_estimators}.")
    seeds = check_random_state(random_state).randint(2**31 - 1, size=(sizes.size, K))
    n_jobs_eff = 1 if n_jobs is None else int(n_jobs)
    single = n_jobs_eff != 1 or min(int(sizes.max()), n) <= 2048
    tasks = [(i, seeds[i, m]) for i in range(sizes.size) for m in range(K)]
    calls = (delayed(_fit_member)(X, y2, int(sizes[i]), sketch, seed, alphas, single)
             for i, seed in tasks)
    if n_jobs_eff == 1:
        results = (call[0](*call[1], **call[2]) for call in calls)
    else:
        results = Parallel(n_jobs=n_jobs, return_as="generator")(calls)
    L, t, Q = alphas.size, y2.shape[1], sizes.size
    out = {"alphas": alphas, "sketch_sizes": sizes,
           "coef": np.empty((Q, L, t, p)), "dof": np.empty((Q, L)),
           "gcv": np.empty((Q, L, K, t)), "ridge_risk": np.full((Q, L, t), np.nan),
           "equivalent_alpha": np.empty((Q, L))}
    states = {}
    with Progress(len(tasks), verbose=verbose, desc="sketched members") as progress:
        for (i, _), member in zip(tasks, results):
            state = states.setdefault(i, _SketchState(n, p, L, t, K))
            state.add(member)
            progress.update()
            if state.m == K:
                _check_penalties(alphas, states[i].floor, int(sizes[i]))
                _store(out, i, states.pop(i))
    return out


def _check_penalties(alphas, floor, q):
    if np.any(alphas <= -floor):
        raise ValueError(
            f"penalties must exceed minus the smallest nonzero eigenvalue of the "
            f"sketched Gram matrix / n ({-floor:.4g} at sketch size {q}); got "
            f"min(alphas)={alphas.min():.4g}. Raise the smallest penalty."
        )


def _store(out, i, state):
    K = state.m
    out["coef"][i] = np.moveaxis(state.coef / K, 0, -1)
    out["dof"][i] = state.dof / K
    out["gcv"][i] = np.moveaxis(state.gcv, 0, 1)
    out["equivalent_alpha"][i] = state.mu / K
    if K >= 2:
        out["ridge_risk"][i] = 2 * state.gcv[1] - 0.5 * (state.first_two[0]
                                                          + state.first_two[1])
