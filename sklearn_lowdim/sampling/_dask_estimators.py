"""Dask paths of the sampling estimators: only the coreset is ever materialised.

A row-chunked ``dask.array.Array`` ``X`` (with ``y`` and ``sample_weight`` as
dask arrays or NumPy vectors) is scored by the out-of-core functions of
:mod:`._dask` (TSQR, then block passes), the inclusion probabilities are a lazy
function of the scores (the scale ``c`` comes from a top-``m`` selection and two
sums over the scores, which stay on the workers), and the draw compares them,
block by block, with the uniforms that NumPy's generator draws for the in-memory
path: the same ``random_state`` keeps the same rows. Only the kept indices,
their weights and, for the estimators, the kept rows come to the client.

Passes over ``X`` (the scored matrix ``[X, 1, y]`` is built lazily, block by
block):

* ``scores="leverage"``/``"root_leverage"``: 2 (TSQR, then the scores);
* ``scores="lewis"``: 2 + 1 per Lewis iteration (each read updates the
  weights and reduces the next Gram matrix); ``"mixture"``: 2 more than ``"lewis"`` (its
  leverage scores);
* ``scores="uniform"``: 0 (no NaN check but that of the gathered rows);
* :class:`CoresetEstimator` and :class:`LpRegression` add 1 to gather the
  coreset; :class:`LpRegression` 1 more for the objective over all rows.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils import check_random_state

from ..utils import check_sample_weight_values
from ._dask import (
    _compute,
    _draw,
    bernoulli_dask,
    dask_approximate_lewis,
    dask_leverage_scores,
    dask_lewis_weights,
)
from ._numeric import sketch_pays
from ._objective import block_power_sum, merge_power_sums

__all__ = ["fit_dask", "coreset_fit_dask", "lp_fit_dask", "predict_dask"]


def _rows_like(v, X, name):
    """A vector (NumPy or dask) as a float64 dask array with ``X``'s row chunks."""
    import dask.array as da

    if v is None:
        return None
    v = v if hasattr(v, "chunks") else da.from_array(np.asarray(v))
    if v.shape[0] != X.shape[0]:
        raise ValueError(
            f"{name} has {v.shape[0]} rows but X has {X.shape[0]}; pass one "
            "value per row of X."
        )
    chunks = (X.chunks[0],) + tuple((s,) for s in v.shape[1:])
    return v.astype(np.float64).rechunk(chunks)


def _check_x(est, X, reset=True):
    if X.ndim != 2:
        raise ValueError(
            f"X must be a 2-D dask array of shape (n_samples, n_features), got "
            f"{X.ndim} dimension(s)."
        )
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise ValueError(f"X of shape {X.shape} has no rows or no columns.")
    if reset:
        est.n_features_in_ = X.shape[1]
        est.__dict__.pop("feature_names_in_", None)
    if X.numblocks[1] != 1:
        X = X.rechunk({1: -1})
    return X


def _check_weights(sw):
    """Value checks of the weights (a reduction over ``n`` numbers, not X)."""
    import dask

    if sw is None:
        return
    low, high, finite = dask.compute(sw.min(), sw.max(), np.isfinite(sw).all())
    check_sample_weight_values(np.array([low, high] if finite else [np.nan]))


def _scoring_matrix(sampler, X, y, sw):
    """``[X, 1, y] * sw^(1/p)`` as a lazy float64 dask array."""
    import dask.array as da

    parts = [X.astype(np.float64)]
    if sampler.fit_intercept:
        parts.append(da.ones((X.shape[0], 1), chunks=(X.chunks[0], 1)))
    if y is not None and sampler.augment_y:
        parts.append(y.reshape(X.shape[0], -1).rechunk({1: -1}))
    B = da.concatenate(parts, axis=1) if len(parts) > 1 else parts[0]
    return B if sw is None else B * (sw ** (1.0 / sampler.p))[:, None]


def _score_method(sampler, B):
    """``"sketch"`` (approximate Lewis weights) or ``"exact"``, as in memory.

    ``"auto"`` sketches from ``n >= 40 d^2`` rows as in memory. Leverage scores
    are always the exact TSQR ones (a sketch would also cost a pass).
    """
    method = sampler.score_method
    if method == "auto":
        method = "sketch" if sketch_pays(*B.shape) else "exact"
    lewis = sampler.scores in ("lewis", "mixture")
    return "sketch" if method == "sketch" and lewis else "exact"


def _dask_scores(sampler, B, rng):
    """Lazy scores (kept on the workers) and the rank of the scored matrix."""
    import dask.array as da

    kind, p = sampler.scores, sampler.p
    if kind == "uniform":
        return da.ones(B.shape[0], chunks=(B.chunks[0],)), min(B.shape)
    if kind in ("lewis", "mixture"):
        lewis = (dask_approximate_lewis if sampler.score_method_ == "sketch"
                 else dask_lewis_weights)
        extra = {"rng": rng} if sampler.score_method_ == "sketch" else {}
        w, info = lewis(B, p, tol=1e-8, max_iter=100, rcond=None, return_info=True,
                        verbose=sampler.verbose, **extra)
        if kind == "lewis":
            return w, info["rank"]
    tau = dask_leverage_scores(B).persist()
    if kind == "mixture":
        w_sum, tau_sum = (float(v) for v in _compute(w.sum(), tau.sum()))
        mixed = w / max(w_sum, 1e-300) + tau / max(tau_sum, 1e-300)
        return mixed.persist(), info["rank"]
    rank = int(round(float(tau.sum().compute())))
    return (tau if kind == "leverage" else tau ** (p / 2)), rank


def _count_below(cdf_block, uniforms):
    return np.searchsorted(cdf_block, uniforms, side="right")


def _draw_with_replacement(s, m, rng, sw):
    """``m`` i.i.d. draws with ``q = s / sum(s)``, as ``rng.choice`` draws them.

    NumPy inverts the normalised cumulative sum at ``m`` uniforms; the cdf is
    non-decreasing, so the global position of a uniform is the sum over blocks
    of its position in each block (one ``m``-vector per block comes back).
    """
    import dask

    total = float(s.sum().compute())
    if not total > 0:
        raise ValueError(
            "every row has score 0 (the scored matrix is zero), so there is "
            "nothing to sample; check X, or set fit_intercept=True."
        )
    q = s / total
    cdf = q.cumsum(axis=0)
    cdf = cdf / cdf[-1]
    uniforms = rng.random_sample(m)
    counts = dask.compute(*[dask.delayed(_count_below)(b, uniforms)
                            for b in cdf.to_delayed().ravel()])
    keep, n_draws = np.unique(np.sum(counts, axis=0), return_counts=True)
    q_kept = _gather(q, keep)
    weight = n_draws / (m * q_kept)
    if sw is not None:
        weight = weight * _gather(sw, keep)
    return q, keep.astype(np.int64), weight


def fit_dask(sampler, X, y, sample_weight):
    """:meth:`SensitivitySampler.fit` on a row-chunked dask array."""
    if not isinstance(sampler.scores, str):
        raise ValueError(
            "precomputed scores are not supported on a dask array; pass "
            "scores='lewis', 'leverage', 'root_leverage', 'mixture' or 'uniform'."
        )
    X = _check_x(sampler, X)
    y, sw = _rows_like(y, X, "y"), _rows_like(sample_weight, X, "sample_weight")
    _check_weights(sw)
    rng = check_random_state(sampler.random_state)
    B = _scoring_matrix(sampler, X, y, sw)
    sampler.score_method_ = _score_method(sampler, B)
    scores, rank = _dask_scores(sampler, B, rng)
    n = X.shape[0]
    m = sampler._target_size(n, rank)
    sampler._warn_below_rank(m, rank)
    if sampler.scheme == "bernoulli":
        pi = bernoulli_dask(scores, m)
        keep, weight = _draw(pi, rng.random_sample(n), sw)
    else:
        pi, keep, weight = _draw_with_replacement(scores, m, rng, sw)
    sampler.scores_ = scores
    sampler.probabilities_ = pi
    sampler.sample_indices_ = keep
    sampler.sample_weight_ = weight
    sampler.n_samples_ = m
    sampler.rank_ = rank
    sampler.total_sensitivity_ = float(scores.sum().compute())
    return sampler


def _gather(A, idx):
    """Rows ``idx`` of a dask (or NumPy) array, materialised: the coreset."""
    if A is None:
        return None
    rows = A[idx]
    return rows.compute() if hasattr(rows, "compute") else np.asarray(rows)


def coreset_fit_dask(est, X, y, sample_weight, fit_params):
    """:meth:`CoresetEstimator.fit` on a dask array: score, draw, gather, fit."""
    X = _check_x(est, X)
    if y is not None and not hasattr(y, "chunks"):
        y = np.asarray(y)
    est.sampler_ = est._make_sampler(y)
    numeric = y is not None and np.issubdtype(y.dtype, np.number)
    est.sampler_.fit(X, y if numeric else None, sample_weight=sample_weight)
    idx = est.sampler_.sample_indices_
    X_s = _gather(X, idx)
    if not np.all(np.isfinite(X_s)):
        raise ValueError("X contains NaN or infinity in the sampled rows; impute "
                         "them first, for example with sklearn.impute.SimpleImputer.")
    est._fit_estimator(X_s, _gather(y, idx), idx, X.shape[0], fit_params)
    return est


def lp_fit_dask(est, X, y, sample_weight):
    """:meth:`LpRegression.fit` on a dask array: a coreset fit, then the
    objective over all rows by one block pass."""
    import dask

    if est.coreset_size is None:
        raise ValueError(
            "LpRegression on a dask array solves on a coreset only; set "
            "coreset_size (for example coreset_size='auto')."
        )
    X = _check_x(est, X)
    y_d = _rows_like(y, X, "y")
    sw = _rows_like(sample_weight, X, "sample_weight")
    est._check_solver(False)
    est._check_coreset_size(*X.shape)
    sampler = est._sampler().fit(X, y_d, sample_weight=sw)
    idx = sampler.sample_indices_
    X_s, y_s, w_s = _gather(X, idx), _gather(y_d, idx), sampler.sample_weight_
    coef, intercept, est.n_iter_, est.objective_ = est._solve(X_s, y_s, w_s)
    est._set_coef(coef, intercept, X_s)
    est.coreset_indices_, est.coreset_weights_ = idx, w_s
    blocks = zip(X.to_delayed().ravel(), y_d.to_delayed().ravel(),
                 [None] * X.numblocks[0] if sw is None else sw.to_delayed().ravel())
    parts = dask.compute(*[
        dask.delayed(block_power_sum)(xb, yb, wb, coef, intercept, est.p)
        for xb, yb, wb in blocks
    ])
    est.full_objective_ = merge_power_sums(parts, est.p)
    return est


def predict_dask(estimator, method, X, n_features):
    """A lazy per-row output of ``estimator.method`` with ``X``'s row chunks."""
    X = _check_x(None, X, reset=False)
    if X.shape[1] != n_features:
        raise ValueError(
            f"X has {X.shape[1]} features, but the estimator is expecting "
            f"{n_features} features as input."
        )
    func = getattr(estimator, method)
    probe = np.asarray(func(np.zeros((1, n_features), dtype=X.dtype)))
    if probe.ndim == 1:
        return X.map_blocks(func, drop_axis=1, dtype=probe.dtype)
    return X.map_blocks(func, chunks=(X.chunks[0], probe.shape[1]),
                        dtype=probe.dtype)
