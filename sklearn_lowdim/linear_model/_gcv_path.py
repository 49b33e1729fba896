"""Subsample ridge ensembles along a penalty path: GCV, corrected GCV, every M.

The cheap algorithm (Du, Patil, Kuchibhotla 2023; Bellec et al. 2023): one
eigendecomposition of the smaller Gram matrix per member serves every penalty;
members are never stored, only running sums of their coefficients, residuals and
degrees of freedom, which give GCV, corrected GCV and union GCV for every
ensemble size ``M' <= M``.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np

from ._members import RunningEnsemble, draw_seeds, gcv_criterion, run_members
from ._problem import PathProblem, check_n_estimators
from ._reduced import first_member, member_grams, residual_sums
from ._spectral import gram_spectrum, ridge_filter, spectral_ridge

__all__ = ["ridge_ensemble_gcv_path", "subsample_sizes_from", "extrapolate_risk"]


def subsample_sizes_from(sizes, n_samples):
    """Row counts from ints (counts) or floats (fractions of ``n_samples``).

    Parameters
    ----------
    sizes : int, float or array-like of them
    n_samples : int

    Returns
    -------
    counts : ndarray of int
        Sorted, unique, each in ``[2, n_samples]``.

    Examples
    --------
    >>> from sklearn_lowdim.linear_model._gcv_path import subsample_sizes_from
    >>> subsample_sizes_from([0.5, 1.0, 30], 100)
    array([ 30,  50, 100])
    """
    counts = []
    for size in np.atleast_1d(np.asarray(sizes, dtype=object)).ravel():
        if isinstance(size, (numbers.Integral, np.integer)) and not isinstance(
            size, bool
        ):
            k = int(size)
        elif isinstance(size, (numbers.Real, np.floating)):
            if not 0 < float(size) <= 1:
                raise ValueError(
                    f"subsample size fractions must lie in (0, 1], got {size}; pass "
                    "an int for a number of rows."
                )
            k = int(round(float(size) * n_samples))
        else:
            raise ValueError(f"subsample sizes must be ints or floats, got {size!r}.")
        if not 2 <= k <= n_samples:
            raise ValueError(
                f"subsample size {size} gives k={k} rows, outside [2, n_samples="
                f"{n_samples}]; choose sizes in (1, n]."
            )
        counts.append(k)
    if not counts:
        raise ValueError("subsample_sizes is empty; pass at least one size.")
    return np.unique(np.asarray(counts, dtype=np.intp))


def _subsample_member(X, y, idx, penalties, n_eff, k_eff, need_svd):
    """One member's coefficients, dfs, full-data residuals and CGCV bracket.

    ``X`` and ``y`` hold the rows scaled by the square roots of their weights;
    ``k_eff`` is the member's rows (or weight), which scales the penalties."""
    XI = np.asarray(X[idx], dtype=np.float64)
    p = XI.shape[1]
    L, t = penalties.shape[0], y.shape[1]
    coef, dof, _ = spectral_ridge(XI, y[idx], k_eff * penalties, need_svd)
    resid = (np.tile(y, (1, L)) - X @ coef).reshape(X.shape[0], L, t)
    sq = np.einsum("nlt,nlt->lt", resid, resid)
    return coef.reshape(p, L, t), dof, resid, member_bracket(sq, dof, n_eff, k_eff), idx


def member_bracket(sq, dof, n_eff, k_eff):
    """Bellec et al.'s single-member risk estimate (per-member ``d_m`` form) from
    the member's residual sum of squares ``sq`` (L, t) on all rows."""
    with np.errstate(divide="ignore", invalid="ignore"):
        # infinite for an interpolating member (dof = k = n): masked by dof < n
        return sq / (n_eff - 2 * dof + dof**2 / max(k_eff, np.finfo(float).tiny))[
            :, None]


class _SubsampleSums(RunningEnsemble):
    """Adds corrected GCV (the members' brackets) and union GCV (their rows)."""

    criteria = ("gcv", "cgcv", "gcv_union")

    def __init__(self, n, p, L, t, M, n_eff, k_eff, weights):
        super().__init__(n, p, L, t, M, n_eff)
        self.k_eff, self.weights = k_eff, weights
        self.bracket = np.zeros((L, t))
        self.union = np.zeros(n, dtype=bool)

    def _add_extra(self, extra):
        bracket, idx = extra
        self.bracket += bracket
        self.union[idx] = True

    def _row_sums(self, sq):
        return {"all": sq.sum(axis=0), "union": sq[self.union].sum(axis=0)}

    def _criteria(self, sums, dbar):
        out = super()._criteria(sums, dbar)
        n, m = self.n_eff, self.m
        frac = dbar / n
        with np.errstate(divide="ignore", invalid="ignore"):
            corr = (frac**2 / (1 - frac) ** 2) * (n / self.k_eff - 1) / m
            cgcv = out["gcv"] - corr[:, None] * (self.bracket / m)
        out["cgcv"] = np.where((frac < 1)[:, None], cgcv, np.inf)
        n_u = (self.union.sum() if self.weights is None
               else self.weights[self.union].sum())
        out["gcv_union"] = gcv_criterion(sums["union"], dbar, n_u)
        return out


def extrapolate_risk(risks):
    """Fit ``R_M = R_1 / M + (1 - 1/M) R_inf`` to risks at ``M = 1..len(risks)``.

    Least squares over the leading axis (the 1/M structure of i.i.d. ensembles,
    Du et al. 2023). With a single ``M`` the two are equal.

    Parameters
    ----------
    risks : ndarray of shape (n_M, ...)

    Returns
    -------
    r1, r_inf : ndarrays of shape risks.shape[1:]

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.linear_model._gcv_path import extrapolate_risk
    >>> M = np.arange(1, 6)
    >>> extrapolate_risk(3.0 / M + (1 - 1 / M) * 1.0)
    (array(3.), array(1.))
    """
    risks = np.asarray(risks, dtype=np.float64)
    if risks.shape[0] == 1:
        return risks[0].copy(), risks[0].copy()
    inv = 1.0 / np.arange(1, risks.shape[0] + 1)
    A = np.stack([inv, 1 - inv], axis=1)
    flat = risks.reshape(risks.shape[0], -1)
    finite = np.all(np.isfinite(flat), axis=0)
    sol = np.full((2, flat.shape[1]), np.inf)
    if finite.any():
        sol[:, finite] = np.linalg.lstsq(A, flat[:, finite], rcond=None)[0]
    return sol[0].reshape(risks.shape[1:]), sol[1].reshape(risks.shape[1:])


def ridge_ensemble_gcv_path(
    X,
    y,
    alphas,
    *,
    subsample_sizes=None,
    n_estimators=10,
    bootstrap=False,
    random_state=None,
    n_jobs=None,
    verbose=0,
    sample_weight=None,
):
    """GCV, corrected GCV and union GCV of subsample ridge ensembles on a grid.

    Each member is ridge regression without intercept on ``k`` rows drawn
    without replacement (``bootstrap=True``: with replacement), with the
    per-sample normalised penalty
    ``argmin_b (1/k)||y_I - X_I b||^2 + alpha ||b||^2``, which equals
    scikit-learn's ``Ridge(alpha=k * alpha, fit_intercept=False)``;
    ``alpha = 0`` is the minimum-norm least-squares member. The ensemble
    averages its members' coefficients. For every subsample size, penalty and
    ensemble size ``M' = 1..n_estimators`` it returns

    * GCV: ``(1/n)||y - X b||^2 / (1 - dof/n)^2`` on all rows;
    * corrected GCV (Bellec et al. 2023, the per-member form), which removes
      GCV's bias for finite ensembles and equals GCV when ``k = n``;
    * union GCV: GCV on the union of the members' rows.

    One eigendecomposition per member serves every penalty (an SVD when the
    grid holds 0 and ``k`` is within 10% of ``p``); members are never stored.

    Parameters
    ----------
    X : ndarray or dask array of shape (n_samples, n_features)
        Training rows (no intercept is fitted: centre them first if needed).
        A row-chunked dask array is read in three block passes and never
        materialised: ``max|X|`` (for the rescaling); every member's Gram
        matrix (one pass for all sizes); the residual sums of the criteria.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Targets.
    alphas : array-like of shape (n_alphas,)
        Penalties, >= 0.
    subsample_sizes : int, float or array-like, default=None
        Rows per member: ints are counts, floats fractions of ``n_samples``.
        ``None`` is all rows.
    n_estimators : int, default=10
        Members ``M`` per subsample size.
    bootstrap : bool, default=False
        Draw each member's rows with replacement (scikit-learn's bagging
        default); the papers, and this default, draw without.
    random_state : int, RandomState instance or None, default=None
        The draws depend only on it, not on ``n_jobs``.
    n_jobs : int, default=None
        Number of joblib workers for the members (one BLAS thread each).
        ``None`` follows the active joblib backend, as in scikit-learn: one
        process normally, the cluster inside ``joblib.parallel_backend("dask")``.
        Results do not depend on it.
    verbose : int, default=0
        Progress over the members.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative row weights. A member on rows ``I`` minimises
        ``(1/W_I) sum_{i in I} w_i (y_i - x_i b)^2 + alpha ||b||^2`` with
        ``W_I`` the weight of its rows, so integer weights equal repeated rows
        for the full-sample member; rows are drawn uniformly, whatever their
        weight. The criteria weight the squared residuals and use the total
        weight in place of ``n``.

    Returns
    -------
    path : dict of ndarrays
        ``alphas`` (L,), ``subsample_sizes`` (K,), ``coef`` (K, L, t, p)
        ensemble coefficients at ``M``, ``dof`` (K, L) mean member degrees of
        freedom, ``gcv``, ``cgcv``, ``gcv_union`` (K, L, M, t) for every
        ensemble size ``M'`` (axis 2 holds ``M' - 1``). ``t = 1`` for 1-D
        ``y``.

    See Also
    --------
    SubsampleRidgeEnsembleCV : The estimator tuned by this path.
    sketched_ridge_gcv_path : The same for feature-sketched members.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.linear_model import ridge_ensemble_gcv_path
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 20))
    >>> y = X[:, 0] + 0.5 * rng.standard_normal(200)
    >>> path = ridge_ensemble_gcv_path(X, y, [0.01, 0.1, 1.0],
    ...                                subsample_sizes=[100, 200],
    ...                                n_estimators=5, random_state=0)
    >>> path["cgcv"].shape
    (2, 3, 5, 1)
    >>> bool(np.allclose(path["cgcv"][1], path["gcv"][1]))  # k = n: no correction
    True
    """
    problem = PathProblem(X, y, alphas, sample_weight)
    return subsample_path(problem, subsample_sizes, n_estimators=n_estimators,
                          bootstrap=bootstrap, random_state=random_state,
                          n_jobs=n_jobs, verbose=verbose)


def subsample_path(problem, subsample_sizes, *, n_estimators, bootstrap,
                   random_state, n_jobs, verbose):
    """:func:`ridge_ensemble_gcv_path` of a checked :class:`PathProblem`."""
    n, p, t = problem.n, problem.p, problem.t
    alphas = problem.alphas
    sizes = subsample_sizes_from(n if subsample_sizes is None else subsample_sizes, n)
    M = check_n_estimators(n_estimators)
    # one stream per size: the first M' members do not depend on M
    seeds = draw_seeds(random_state, sizes.size)
    draws = [_draw(n, int(k), M, bootstrap, seed) for k, seed in zip(sizes, seeds)]
    ridgeless = bool(np.any(alphas == 0))
    tasks = [
        (i, (problem.X, problem.y, idx, problem.penalties, problem.n_eff,
             problem.member_weight(idx),
             ridgeless and min(len(idx), p) > 0.9 * max(len(idx), p)))
        for i, subsets in enumerate(draws) for idx in subsets
    ]
    L = alphas.size
    out = {
        "alphas": alphas,
        "subsample_sizes": sizes,
        "coef": np.empty((sizes.size, L, t, p)),
        "dof": np.empty((sizes.size, L)),
        **{key: np.empty((sizes.size, L, M, t)) for key in _SubsampleSums.criteria},
    }

    def new_state(i):
        # corrected GCV uses the expected member weight (k rows without weights)
        k_eff = problem.n_eff * int(sizes[i]) / n
        return _SubsampleSums(n, p, L, t, M, problem.n_eff, k_eff, problem.weights)

    finish = lambda i, state: state.store(out, i)  # noqa: E731
    if problem.reduced:
        _fold_reduced(problem, draws, new_state, finish)
    else:
        run_members(_subsample_member, tasks, new_state=new_state, finish=finish,
                    n_jobs=n_jobs, verbose=verbose, desc="ridge members",
                    max_dim=min(int(sizes.max()), p))
    return problem.unscale(out, _SubsampleSums.criteria)


def _fold_reduced(problem, draws, new_state, finish):
    """The members of a Dask ``X`` from their block Grams (one pass, or one per
    group of members beyond the working memory), the criteria from one more pass
    for the residuals; the fold is the in-memory one."""
    p, t, L = problem.p, problem.t, problem.alphas.size
    members = [idx for subsets in draws for idx in subsets]
    grams, passes = member_grams(problem.X, problem.y_rows, members)
    fits = []
    for idx, gram in zip(members, grams):
        k_eff = problem.member_weight(idx)
        e, V, z = gram_spectrum(gram[:, :p].copy(), gram[:, p:], len(idx))
        fits.append((*ridge_filter(e, V, z, k_eff * problem.penalties), k_eff))
    ends = np.cumsum([len(subsets) for subsets in draws])
    fits = [fits[end - len(subsets):end] for subsets, end in zip(draws, ends)]
    coefs = [np.stack([coef for coef, _, _ in group]) for group in fits]
    firsts = [first_member(problem.n, subsets) for subsets in draws]
    sums = residual_sums(problem.X, problem.y_rows, coefs, firsts, L)
    problem.passes += passes + 1
    for i, subsets in enumerate(draws):
        state = new_state(i)
        for m, (idx, (coef, dof, k_eff)) in enumerate(zip(subsets, fits[i])):
            own, mean, union = (sums[i][r, m].reshape(L, t) for r in range(3))
            bracket = member_bracket(own, dof, problem.n_eff, k_eff)
            state.add_reduced(coef.reshape(p, L, t), dof, (bracket, idx),
                              {"all": mean, "union": union})
        finish(i, state)


def _draw(n, k, M, bootstrap, seed):
    if k == n and not bootstrap:
        return [np.arange(n)]  # every member would be the same full fit
    rng = np.random.RandomState(seed)
    return [np.sort(rng.choice(n, k, replace=bool(bootstrap))) for _ in range(M)]
