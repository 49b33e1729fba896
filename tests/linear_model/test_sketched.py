"""Sketched ridge ensembles against explicit smoothers, scikit-learn and the risk."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from sklearn_lowdim.linear_model import (
    SketchedRidgeEnsemble,
    SketchedRidgeEnsembleCV,
    sketched_ridge_gcv_path,
)
from sklearn_lowdim.sketching import make_sketch


def _isotropic(n, p, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = rng.standard_normal(p)
    beta /= np.linalg.norm(beta)
    noise = rng.standard_normal(n)
    noise /= noise.std()  # one noise draw should not blur the comparison
    return X, X @ beta + noise, beta


def _sketches(kind, p, q, K, random_state):
    """The sketches the path draws (seeds from one RandomState, one row per size)."""
    seeds = np.random.RandomState(random_state).randint(2**31 - 1, size=(1, K))
    return [make_sketch(kind, p, q, random_state=s).toarray() for s in seeds[0]]


@pytest.mark.parametrize("kind", ["orthogonal", "gaussian", "countsketch"])
def test_path_matches_explicit_smoothers(kind):
    X, y, _ = _isotropic(80, 30, seed=0)
    n, q, K = 80, 12, 3
    alphas = [-0.05, 0.0, 0.2, 2.0]
    path = sketched_ridge_gcv_path(X, y, alphas, sketch_sizes=q, sketch=kind,
                                   n_estimators=K, random_state=4)
    sketches = _sketches(kind, 30, q, K, 4)
    for j, alpha in enumerate(alphas):
        L, coefs = np.zeros((n, n)), []
        for S in sketches:
            Z = X @ S.T
            inv = np.linalg.pinv(Z.T @ Z + n * alpha * np.eye(q))  # empty buckets
            coefs.append(S.T @ inv @ Z.T @ y)
            L += Z @ inv @ Z.T / K
        coef = np.mean(coefs, axis=0)
        gcv = np.mean((y - L @ y) ** 2) / (1 - np.trace(L) / n) ** 2
        np.testing.assert_allclose(path["coef"][0, j, 0], coef, rtol=1e-7, atol=1e-10)
        np.testing.assert_allclose(path["dof"][0, j], np.trace(L), rtol=1e-8)
        np.testing.assert_allclose(path["gcv"][0, j, -1, 0], gcv, rtol=1e-7)


def test_full_orthogonal_sketch_is_plain_ridge():
    # q = p: the sketch is a rotation, which the ridge penalty does not see
    X, y, _ = _isotropic(100, 20, seed=1)
    est = SketchedRidgeEnsemble(0.05, sketch_size=20, n_estimators=2,
                                fit_intercept=False, random_state=0).fit(X, y)
    ridge = Ridge(alpha=100 * 0.05, fit_intercept=False).fit(X, y)
    np.testing.assert_allclose(est.coef_, ridge.coef_, rtol=1e-8)
    s = np.linalg.svd(X, compute_uv=False)
    dof = np.sum(s**2 / (s**2 + 100 * 0.05))
    gcv = np.mean((y - X @ ridge.coef_) ** 2) / (1 - dof / 100) ** 2
    assert est.gcv_score_ == pytest.approx(gcv, rel=1e-8)


@pytest.mark.parametrize("kind", ["orthogonal", "srdct"])
def test_gcv_and_the_ensemble_trick_track_the_true_risks(kind):
    # Patil and LeJeune's setting: n=1500, p=1800, q=450, alpha=0.1, isotropic.
    n, p, q = 1500, 1800, 450
    trick_ratios = []
    for seed in (1, 2, 3):
        X, y, beta = _isotropic(n, p, seed)
        path = sketched_ridge_gcv_path(X, y, [0.1], sketch_sizes=q, sketch=kind,
                                       n_estimators=4, random_state=seed)
        for K in (1, 2, 4):
            coef = sketched_ridge_gcv_path(X, y, [0.1], sketch_sizes=q, sketch=kind,
                                           n_estimators=K, random_state=seed
                                           )["coef"][0, 0, 0]
            risk = 1.0 + np.sum((coef - beta) ** 2)
            assert path["gcv"][0, 0, K - 1, 0] == pytest.approx(risk, rel=0.06)
        mu = path["equivalent_alpha"][0, 0]
        ridge = Ridge(alpha=n * mu, fit_intercept=False).fit(X, y)
        trick_ratios.append(path["ridge_risk"][0, 0, 0]
                            / (1.0 + np.sum((ridge.coef_ - beta) ** 2)))
    assert np.mean(trick_ratios) == pytest.approx(1.0, abs=0.02)


def test_ensemble_trick_estimator_refits_ridge_at_the_equivalent_penalty():
    X, y, _ = _isotropic(300, 60, seed=5)
    est = SketchedRidgeEnsembleCV([0.0, 0.1, 0.5], sketch_sizes=[20, 40],
                                  n_estimators=3, ensemble_trick=True,
                                  random_state=0).fit(X, y)
    i = list(est.sketch_sizes_).index(est.sketch_size_)
    j = list(est.alphas_).index(est.alpha_)
    assert est.best_score_ == pytest.approx(np.nanmin(est.ridge_risk_estimates_))
    assert est.equivalent_alpha_ == est.equivalent_alphas_[i, j] > est.alpha_
    ridge = Ridge(alpha=300 * est.equivalent_alpha_).fit(X, y)
    np.testing.assert_allclose(est.coef_, ridge.coef_, rtol=1e-8)
    assert est.intercept_ == pytest.approx(ridge.intercept_, rel=1e-8)


def test_cv_picks_the_gcv_argmin_and_reports_results():
    X, y, _ = _isotropic(200, 40, seed=6)
    alphas = [-0.02, 0.0, 0.1, 1.0]
    est = SketchedRidgeEnsembleCV(alphas, sketch_sizes=[10, 20, 30], n_estimators=3,
                                  fit_intercept=False, random_state=0).fit(X, y)
    path = sketched_ridge_gcv_path(X, y, alphas, sketch_sizes=[10, 20, 30],
                                   n_estimators=3, random_state=0)
    i, j = np.unravel_index(np.argmin(path["gcv"][:, :, -1, 0]), (3, 4))
    assert est.best_params_ == {"alpha": alphas[j], "sketch_size": [10, 20, 30][i]}
    np.testing.assert_allclose(est.coef_, path["coef"][i, j, 0])
    assert est.cv_results_["rank_test_score"][i * 4 + j] == 1


def test_multi_target_equals_one_target_at_a_time():
    rng = np.random.default_rng(7)
    X = rng.standard_normal((150, 25))
    Y = X @ rng.standard_normal((25, 2)) + rng.standard_normal((150, 2))
    both = SketchedRidgeEnsemble(0.1, sketch_size=10, n_estimators=3,
                                 random_state=0).fit(X, Y)
    for t in range(2):
        one = SketchedRidgeEnsemble(0.1, sketch_size=10, n_estimators=3,
                                    random_state=0).fit(X, Y[:, t])
        np.testing.assert_allclose(both.coef_[t], one.coef_, rtol=1e-10)


def test_bad_input():
    X, y, _ = _isotropic(100, 20, seed=8)
    with pytest.raises(ValueError, match="smallest nonzero eigenvalue"):
        SketchedRidgeEnsemble(-50.0, sketch_size=10).fit(X, y)
    with pytest.raises(ValueError, match="sketch_size <= n_features"):
        SketchedRidgeEnsemble(0.1, sketch_size=30).fit(X, y)
    with pytest.raises(ValueError, match="orthogonal-type"):
        SketchedRidgeEnsembleCV(sketch="gaussian", ensemble_trick=True).fit(X, y)
    with pytest.raises(ValueError, match="n_estimators"):
        SketchedRidgeEnsemble(n_estimators=0).fit(X, y)
    with pytest.raises(ValueError, match="constant"):
        SketchedRidgeEnsemble().fit(X, np.zeros(100))
