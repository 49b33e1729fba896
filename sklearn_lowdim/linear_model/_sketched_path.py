"""Feature-sketched ridge ensembles along a penalty path, with GCV for every K.

Patil and LeJeune (2024): each member solves ridge on the sketched features
``X S^T`` (``S`` from :func:`sklearn_lowdim.sketching.make_sketch`), its
coefficients lifted back by ``S^T``; ``K`` independent sketches are averaged.
One eigendecomposition per member serves every penalty, including the negative
ones the paper allows.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers
import warnings

import numpy as np

from ..sketching import make_sketch
from ._members import RunningEnsemble, draw_seeds, run_members
from ._problem import PathProblem, check_n_estimators
from ._reduced import member_grams, residual_sums
from ._spectral import gram_spectrum, ridge_filter, spectral_ridge

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


def _sketched_member(X, y, q, kind, seed, penalties, n_eff):
    """One sketch's lifted coefficients, dfs, residuals and spectrum summary."""
    n, p = X.shape
    L, t = penalties.shape[0], y.shape[1]
    sketch = make_sketch(kind, p, int(q), random_state=seed)
    Z = np.asarray(sketch.apply_right(X), dtype=np.float64)  # n x q
    coef_q, dof, e = spectral_ridge(Z, y, n_eff * penalties)
    resid = (np.tile(y, (1, L)) - Z @ coef_q).reshape(n, L, t)
    # lift back to the original features: beta = S^T beta_q
    coef = sketch.toarray().T @ coef_q
    sq = np.einsum("nlt,nlt->lt", resid, resid)
    return (coef.reshape(p, L, t), dof, resid,
            *_member_summary(sq, dof, e, penalties, n_eff, q / p))


def _member_summary(sq, dof, e, penalties, n_eff, ratio):
    """A member's own GCV (from its residual sum of squares ``sq``), implicit
    penalties and spectrum floor."""
    with np.errstate(divide="ignore", invalid="ignore"):
        gcv1 = sq / n_eff / ((1 - dof / n_eff) ** 2)[:, None]
    mu = _implicit_ridge_penalty(e / n_eff, penalties, ratio)
    return gcv1, mu, e.min(initial=np.inf) / n_eff


def _fold_reduced(problem, sizes, kind, seeds, new_state, finish):
    """Sketched members of a Dask ``X``: every member's sketched Gram matrix is
    ``S (X^T X) S^T`` (one block pass for ``X^T X`` and ``X^T y``), the criteria
    need one more pass for the residuals."""
    n, p, t, L = problem.n, problem.p, problem.t, problem.alphas.size
    grams, passes = member_grams(problem.X, problem.y_rows, [np.arange(n)])
    gram, cross = grams[0][:, :p], grams[0][:, p:]
    fits = []
    for i, q in enumerate(sizes):
        fits.append([])
        for seed in seeds[i]:
            sketch = make_sketch(kind, p, int(q), random_state=seed)
            sgs = sketch.apply_right(np.ascontiguousarray(sketch.apply_right(gram).T))
            e, V, z = gram_spectrum(sgs, sketch.apply_right(cross.T).T, n)
            coef_q, dof = ridge_filter(e, V, z, problem.n_eff * problem.penalties)
            fits[-1].append((sketch.toarray().T @ coef_q, dof, e))
    sums = residual_sums(problem.X, problem.y_rows,
                         [np.stack([fit[0] for fit in group]) for group in fits],
                         [None] * len(fits), L)
    problem.passes += passes + 1
    for i, group in enumerate(fits):
        state = new_state(i)
        for m, (coef, dof, e) in enumerate(group):
            extra = _member_summary(sums[i][0, m].reshape(L, t), dof, e,
                                    problem.penalties, problem.n_eff, sizes[i] / p)
            state.add_reduced(coef.reshape(p, L, t), dof, extra,
                              {"all": sums[i][1, m].reshape(L, t)})
        finish(i, state)


def _implicit_ridge_penalty(eigenvalues, alphas, ratio):
    """Unsketched ridge penalty equivalent to ``alphas`` under an orthogonal-type
    sketch of aspect ratio ``q/p`` (Patil and LeJeune, ``ortho_equiv_mu``):
    ``mu = alpha * S(-ratio * mean_j e_j / (e_j + alpha))`` with
    ``S(w) = ratio (1 + w) / (ratio + w)``, and at ``alpha = 0``
    ``mu = (1 - ratio) / mean_j (1 / e_j)``; ``e_j`` are the eigenvalues of
    ``(X S^T)^T (X S^T) / n`` (its nonzero ones)."""
    e = np.asarray(eigenvalues)
    mu = np.full(alphas.shape, np.nan)
    if not e.size:
        return mu
    with np.errstate(divide="ignore"):
        for j, lam in enumerate(alphas):
            # ratio + w = ratio * lam * mean(1 / (e + lam)) exactly; dividing it
            # out avoids 0/0 when lam is negligible next to every e_j (which
            # gives the alpha = 0 formula as its limit).
            w = -ratio * np.mean(e / (e + lam))
            mu[j] = (1 + w) / np.mean(1.0 / (e + lam))
    return mu


class _SketchSums(RunningEnsemble):
    """Adds the implicit penalties, the spectrum floor and the first two GCVs."""

    def __init__(self, n, p, L, t, K, n_eff):
        super().__init__(n, p, L, t, K, n_eff)
        self.first_two = []  # single-member GCVs of the first two, for the trick
        self.mu = np.zeros(L)
        self.floor = np.inf

    def _add_extra(self, extra):
        gcv1, mu, floor = extra
        self.mu += mu
        self.floor = min(self.floor, floor)
        if len(self.first_two) < 2:
            self.first_two.append(gcv1)


def sketched_ridge_gcv_path(X, y, alphas, *, sketch_sizes, sketch="orthogonal",
                            n_estimators=10, random_state=None, n_jobs=None,
                            verbose=0, sample_weight=None):
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
    X : ndarray or dask array of shape (n_samples, n_features)
        Training rows (no intercept is fitted: centre them first if needed).
        A row-chunked dask array is read in three block passes and never
        materialised: ``max|X|`` (for the rescaling); ``X^T X``, from which
        every sketched member follows; the residual sums of the criteria.
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Targets.
    alphas : array-like of shape (n_alphas,)
        Penalties normalised by ``n``; may be negative (see above).
    sketch_sizes : int, float or array-like
        ``q`` per member: ints, or fractions of ``n_features``.
    sketch : {"gaussian", "orthogonal", "countsketch", "srdct", "srht"}, \
            default="orthogonal"
        The sketch kind, see :func:`~sklearn_lowdim.sketching.make_sketch`.
    n_estimators : int, default=10
        Members ``K`` (independent sketches) per grid point.
    random_state : int, RandomState instance or None, default=None
        Seeds the sketches; the draws depend only on it, not on ``n_jobs``.
    n_jobs : int, default=None
        Number of joblib workers for the members (one BLAS thread each).
        ``None`` follows the active joblib backend, as in scikit-learn: one
        process normally, the cluster inside ``joblib.parallel_backend("dask")``.
        Results do not depend on it.
    verbose : int, default=0
        Report progress over the members to stderr when positive.
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative row weights: a member minimises
        ``(1/W) sum_i w_i (y_i - x_i S^T c)^2 + alpha ||c||^2`` with ``W`` the
        total weight (integer weights equal repeated rows), and GCV weights the
        squared residuals and uses ``W`` in place of ``n``.

    Returns
    -------
    path : dict of ndarrays
        ``alphas`` (L,), ``sketch_sizes`` (Q,), ``coef`` (Q, L, t, p), ``dof``
        (Q, L), ``gcv`` (Q, L, K, t), and for ``K >= 2`` ``ridge_risk``
        (Q, L, t), the ensemble trick's estimate, and ``equivalent_alpha``
        (Q, L), the mean implicit unsketched penalty (meaningful for
        orthogonal-type sketches; ``inf`` where float64 cannot hold it, for
        ``X`` beyond about 1e150).

    See Also
    --------
    SketchedRidgeEnsembleCV : The estimator tuned by this path.
    ridge_ensemble_gcv_path : The same for subsampled members.

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
    problem = PathProblem(X, y, alphas, sample_weight, nonnegative=False)
    return sketched_path(problem, sketch_sizes, sketch=sketch,
                         n_estimators=n_estimators, random_state=random_state,
                         n_jobs=n_jobs, verbose=verbose)


def sketched_path(problem, sketch_sizes, *, sketch, n_estimators, random_state,
                  n_jobs, verbose):
    """:func:`sketched_ridge_gcv_path` of a checked :class:`PathProblem`."""
    n, p, t = problem.n, problem.p, problem.t
    alphas = problem.alphas
    sizes = sketch_sizes_from(sketch_sizes, p)
    K = check_n_estimators(n_estimators)
    seeds = draw_seeds(random_state, (sizes.size, K))
    tasks = [(i, (problem.X, problem.y, int(sizes[i]), sketch, seeds[i, m],
                  problem.penalties, problem.n_eff))
             for i in range(sizes.size) for m in range(K)]
    L, Q = alphas.size, sizes.size
    out = {"alphas": alphas, "sketch_sizes": sizes,
           "coef": np.empty((Q, L, t, p)), "dof": np.empty((Q, L)),
           "gcv": np.empty((Q, L, K, t)), "ridge_risk": np.full((Q, L, t), np.nan),
           "equivalent_alpha": np.empty((Q, L))}

    def finish(i, state):
        with np.errstate(over="ignore"):
            floor = state.floor * problem.sx * problem.sx
        _check_penalties(alphas, floor, int(sizes[i]))
        _store(out, i, state)

    def new_state(i):
        return _SketchSums(n, p, L, t, K, problem.n_eff)

    if problem.reduced:
        _fold_reduced(problem, sizes, sketch, seeds, new_state, finish)
    else:
        run_members(_sketched_member, tasks, new_state=new_state, finish=finish,
                    n_jobs=n_jobs, verbose=verbose, desc="sketched members",
                    max_dim=min(int(sizes.max()), n))
    out = problem.unscale(out, ("gcv", "ridge_risk"),
                          penalties=("equivalent_alpha",))
    if not np.all(np.isfinite(out["equivalent_alpha"])):
        warnings.warn(
            "equivalent_alpha (the equivalent unsketched ridge penalty) overflows "
            "float64 at this magnitude of X (it scales as max|X|^2) and is "
            "returned as inf; divide X by a constant c first (ridge is "
            "equivariant: X -> X / c with alpha -> alpha / c^2).", UserWarning,
            stacklevel=3)  # the caller of the public function or of fit
    return out


def _check_penalties(alphas, floor, q):
    if np.any(alphas <= -floor):
        raise ValueError(
            f"alpha (the penalties) must exceed minus the smallest nonzero eigenvalue "
            f"of the sketched Gram matrix / n ({-floor:.4g} at sketch size {q}); got "
            f"min(alphas)={alphas.min():.4g}. Raise the smallest penalty."
        )


def _store(out, i, state):
    state.store(out, i)
    K = state.m
    out["equivalent_alpha"][i] = state.mu / K
    if K >= 2:
        gcv = state.curves["gcv"]
        out["ridge_risk"][i] = 2 * gcv[1] - 0.5 * (state.first_two[0]
                                                    + state.first_two[1])
