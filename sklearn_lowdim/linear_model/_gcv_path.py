"""Subsample ridge ensembles along a penalty path with GCV (the cheap algorithm).

One eigendecomposition (of the smaller Gram matrix) per member serves every
penalty; members are never stored, only running sums
of coefficients and degrees of freedom.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from joblib import Parallel, delayed
from sklearn.utils import check_random_state

from ..utils import blas_threads

__all__ = ["ridge_ensemble_gcv_path"]


def _member_sums(X, y, lambdas, subsets, single_thread):
    """Sums over ``subsets`` of the member coefficients and dfs for every penalty."""
    p = X.shape[1]
    coef_sum = np.zeros((lambdas.shape[0], p), dtype=np.float64)
    df_sum = np.zeros(lambdas.shape[0], dtype=np.float64)
    # moderate Gram matrices: threaded BLAS loses to one thread (measured 50x on a
    # loaded 2-core machine at k=1000, p=200)
    small = min(len(subsets[0]), p) <= 2048 if subsets else True
    ctx = blas_threads(1) if (single_thread or small) else _null()
    with ctx:
        for idx in subsets:
            XI = np.asarray(X[idx], dtype=np.float64)
            k = XI.shape[0]
            yI = y[idx]
            # eigendecomposition of the smaller Gram matrix: s^2 and one factor
            if k <= p:
                s2, U = np.linalg.eigh(XI @ XI.T)
                keep = s2 > s2.max(initial=0.0) * max(k, p) * 1e-13
                U, s2 = U[:, keep], s2[keep]
                s = np.sqrt(s2)
                Uty = U.T @ yI
                Vt = (U.T @ XI) / s[:, None]
            else:
                s2, V = np.linalg.eigh(XI.T @ XI)
                keep = s2 > s2.max(initial=0.0) * max(k, p) * 1e-13
                V, s2 = V[:, keep], s2[keep]
                s = np.sqrt(s2)
                Vt = V.T
                Uty = (Vt @ (XI.T @ yI)) / s
            s2 = s * s
            lam_k = k * lambdas[:, None]
            with np.errstate(divide="ignore", invalid="ignore"):
                filt = np.where(lam_k > 0, s / (s2 + lam_k), 1.0 / s)
                dff = np.where(lam_k > 0, s2 / (s2 + lam_k), 1.0)
            coef_sum += (filt * Uty) @ Vt
            df_sum += dff.sum(axis=1)
    return coef_sum, df_sum


class _null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def ridge_ensemble_gcv_path(
    X,
    y,
    lambdas,
    *,
    max_samples=None,
    n_estimators=10,
    gcv="full",
    random_state=None,
    n_jobs=None,
):
    """GCV path of a subsample ridge ensemble over a grid of penalties.

    Each member is ridge regression without intercept on ``max_samples`` rows drawn
    without replacement, with per-sample normalised penalty
    ``argmin_b (1/k)||y_I - X_I b||^2 + lambda ||b||^2`` (sklearn's
    ``Ridge(alpha=k * lambda, fit_intercept=False)``); ``lambda = 0`` is the
    minimum-norm least-squares fit. The ensemble averages the members' coefficients.
    One SVD per member serves every penalty, and only running sums are kept.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    y : ndarray of shape (n_samples,)
    lambdas : array-like of shape (n_lambdas,)
        Non-negative penalties.
    max_samples : int or None
        Subsample size ``k`` (``None``: all rows, i.e. plain ridge when
        ``n_estimators=1``).
    n_estimators : int
        Number of members ``M``.
    gcv : {"full", "union"}
        ``"full"``: ``(1/n)||y - X b||^2 / (1 - df/n)^2``; ``"union"``: the same on
        the union of the subsamples with ``n_U`` in place of ``n``.
    random_state : int, RandomState instance or None
    n_jobs : int or None
        Members fan out through joblib, single-threaded BLAS in each worker.

    Returns
    -------
    result : dict
        ``coef`` (n_lambdas, n_features) ensemble coefficients, ``df`` (n_lambdas,)
        mean member degrees of freedom, ``gcv`` (n_lambdas,) GCV estimates of the
        prediction risk, ``lambdas``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.linear_model import ridge_ensemble_gcv_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 20)); y = X[:, 0] + 0.5 * rng.standard_normal(200)
    >>> res = ridge_ensemble_gcv_path(X, y, [0.01, 0.1, 1.0], max_samples=100,
    ...                               n_estimators=5, random_state=0)
    >>> res["gcv"].shape, bool(res["gcv"].argmin() == 0)
    ((3,), True)
    """
    X = np.asarray(X)
    y = np.asarray(y, dtype=np.float64)
    n, p = X.shape
    lambdas = np.asarray(lambdas, dtype=np.float64).ravel()
    if lambdas.size == 0 or np.any(lambdas < 0) or not np.all(np.isfinite(lambdas)):
        raise ValueError("lambdas must be a non-empty array of finite values >= 0.")
    k = n if max_samples is None else int(max_samples)
    if not 1 <= k <= n:
        raise ValueError(f"max_samples must be in [1, n_samples={n}], got {k}.")
    if int(n_estimators) < 1:
        raise ValueError(f"n_estimators must be >= 1, got {n_estimators}.")
    if gcv not in ("full", "union"):
        raise ValueError(f"gcv must be 'full' or 'union', got {gcv!r}.")
    rng = check_random_state(random_state)
    subsets = [
        np.arange(n) if k == n else np.sort(rng.choice(n, k, replace=False))
        for _ in range(int(n_estimators))
    ]
    n_jobs_eff = 1 if n_jobs is None else int(n_jobs)
    if n_jobs_eff == 1 or len(subsets) == 1:
        parts = [_member_sums(X, y, lambdas, subsets, False)]
    else:
        batches = [
            b for b in np.array_split(np.arange(len(subsets)), n_jobs_eff) if b.size
        ]
        parts = Parallel(n_jobs=n_jobs)(
            delayed(_member_sums)(X, y, lambdas, [subsets[i] for i in b], True)
            for b in batches
        )
    coef = sum(c for c, _ in parts) / len(subsets)
    df = sum(d for _, d in parts) / len(subsets)
    resid = y[:, None] - X @ coef.T.astype(X.dtype, copy=False)
    if gcv == "full":
        rows, n_eff = slice(None), n
    else:
        union = np.unique(np.concatenate(subsets))
        rows, n_eff = union, union.size
    with np.errstate(divide="ignore", invalid="ignore"):
        num = np.mean(np.asarray(resid[rows], dtype=np.float64) ** 2, axis=0)
        score = num / (1.0 - df / n_eff) ** 2
    score = np.where(df >= n_eff, np.inf, score)
    return {"coef": coef, "df": df, "gcv": score, "lambdas": lambdas}
