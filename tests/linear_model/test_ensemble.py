"""Subsample ridge ensembles: against scikit-learn, the true risk, and coverage."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lowdim.linear_model import (
    SubsampleRidgeEnsemble,
    SubsampleRidgeEnsembleCV,
    ridge_ensemble_gcv_path,
)


def _isotropic(n, p, seed, sigma=1.0):
    """y = X b + e with ||b|| = 1; e rescaled to empirical variance sigma^2, so the
    comparison with the conditional risk is not blurred by one noise draw."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    beta = rng.standard_normal(p)
    beta /= np.linalg.norm(beta)
    noise = rng.standard_normal(n)
    noise *= sigma / noise.std()
    return X, X @ beta + noise, beta


def test_isotropic_corrected_gcv_tracks_the_true_risk_for_every_m():
    # The check: n=2000, p=500, a 10 x 10 grid, M in {1, 2, 50}.
    n, p = 2000, 500
    X, y, beta = _isotropic(n, p, seed=0)
    alphas = np.logspace(-3, 1, 10)
    sizes = np.linspace(250, 2000, 10).astype(int)
    path = ridge_ensemble_gcv_path(X, y, alphas, subsample_sizes=sizes,
                                   n_estimators=50, random_state=0)
    for M in (1, 2, 50):
        # the first M members of the 50 are those of an M-member ensemble
        small = ridge_ensemble_gcv_path(X, y, alphas, subsample_sizes=sizes,
                                        n_estimators=M, random_state=0)
        risk = 1.0 + ((small["coef"][:, :, 0, :] - beta) ** 2).sum(-1)
        cgcv = path["cgcv"][:, :, M - 1, 0]
        assert np.max(np.abs(cgcv / risk - 1)) < 0.08, M
        if M == 50:
            gcv = path["gcv"][:, :, M - 1, 0]
            assert np.max(np.abs(gcv / risk - 1)) < 0.05
            # the selected point is (nearly) the oracle's
            chosen = risk.ravel()[np.argmin(cgcv)]
            assert chosen <= 1.02 * risk.min()


def test_single_full_member_equals_sklearn_ridge_with_intercept():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((150, 12)) + 3.0
    y = X @ rng.standard_normal(12) + 5.0 + rng.standard_normal(150)
    est = SubsampleRidgeEnsemble(0.02, subsample_size=1.0).fit(X, y)
    ridge = Ridge(alpha=150 * 0.02).fit(X, y)
    np.testing.assert_allclose(est.coef_, ridge.coef_, rtol=1e-9)
    assert est.intercept_ == pytest.approx(ridge.intercept_, rel=1e-9)
    np.testing.assert_allclose(est.predict(X), ridge.predict(X), rtol=1e-9)
    assert est.cgcv_score_ == pytest.approx(est.gcv_score_)


def test_cv_selects_the_argmin_of_a_brute_force_evaluation():
    X, y, _ = _isotropic(300, 60, seed=2)
    alphas = np.logspace(-2, 1, 5)
    sizes = [100, 200, 300]
    cv = SubsampleRidgeEnsembleCV(alphas, subsample_sizes=sizes, n_estimators=8,
                                  fit_intercept=False, random_state=0).fit(X, y)
    path = ridge_ensemble_gcv_path(X, y, alphas, subsample_sizes=sizes,
                                   n_estimators=8, random_state=0)
    i, j = np.unravel_index(np.argmin(path["cgcv"][:, :, -1, 0]), (3, 5))
    assert cv.best_params_ == {"alpha": alphas[j], "subsample_size": sizes[i]}
    np.testing.assert_allclose(cv.coef_, path["coef"][i, j, 0])
    assert cv.cv_results_["rank_test_score"][i * 5 + j] == 1
    assert cv.best_score_ == pytest.approx(cv.gcv_scores_.min())
    for criterion in ("gcv", "gcv_union"):
        other = clone(cv).set_params(criterion=criterion).fit(X, y)
        assert other.best_score_ == pytest.approx(
            np.min(path[criterion][:, :, -1, 0]))


def test_risk_path_predicts_larger_ensembles():
    X, y, beta = _isotropic(800, 200, seed=3)
    est = SubsampleRidgeEnsemble(0.0, subsample_size=400, n_estimators=10,
                                 fit_intercept=False, random_state=0).fit(X, y)
    big = SubsampleRidgeEnsemble(0.0, subsample_size=400, n_estimators=100,
                                 fit_intercept=False, random_state=1).fit(X, y)
    true_big = 1.0 + np.sum((big.coef_ - beta) ** 2)
    assert est.risk_path(100) == pytest.approx(true_big, rel=0.05)
    assert est.risk_path(1) > est.risk_path(10) > est.risk_path(np.inf)
    with pytest.raises(ValueError, match=">= 1"):
        est.risk_path(0)


def test_prediction_interval_coverage():
    n, p = 4000, 100
    X, y, beta = _isotropic(n, p, seed=4)
    rng = np.random.default_rng(5)
    X_new = rng.standard_normal((20000, p))
    y_new = X_new @ beta + rng.standard_normal(20000)
    est = SubsampleRidgeEnsemble(0.01, subsample_size=0.5, n_estimators=10,
                                 random_state=0).fit(X, y)
    for coverage in (0.8, 0.9):
        lower, upper = est.predict_interval(X_new, coverage=coverage)
        inside = np.mean((y_new >= lower) & (y_new <= upper))
        assert abs(inside - coverage) < 0.03
    with pytest.raises(ValueError, match="coverage"):
        est.predict_interval(X_new, coverage=1.0)


def test_multi_target_equals_one_target_at_a_time():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((200, 15))
    Y = X @ rng.standard_normal((15, 3)) + rng.standard_normal((200, 3))
    both = SubsampleRidgeEnsemble(0.05, subsample_size=0.6, n_estimators=5,
                                  random_state=0).fit(X, Y)
    assert both.coef_.shape == (3, 15) and both.predict(X).shape == (200, 3)
    for t in range(3):
        one = SubsampleRidgeEnsemble(0.05, subsample_size=0.6, n_estimators=5,
                                     random_state=0).fit(X, Y[:, t])
        np.testing.assert_allclose(both.coef_[t], one.coef_, rtol=1e-10)
        np.testing.assert_allclose(both.intercept_[t], one.intercept_, rtol=1e-10)
    lower, upper = both.predict_interval(X)
    assert lower.shape == (200, 3) and np.all(lower < upper)


def test_pipeline_grid_search_clone_pickle():
    X, y, _ = _isotropic(200, 10, seed=7)
    pipe = make_pipeline(StandardScaler(), SubsampleRidgeEnsembleCV(
        n_estimators=4, random_state=0))
    search = GridSearchCV(pipe, {"subsampleridgeensemblecv__criterion":
                                 ["cgcv", "gcv"]}, cv=3).fit(X, y)
    assert search.best_score_ > 0.3  # noise variance equals the signal's
    est = SubsampleRidgeEnsemble(0.1, subsample_size=0.5, n_estimators=4,
                                 random_state=0).fit(X, y)
    again = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
    np.testing.assert_array_equal(clone(est).fit(X, y).coef_, est.coef_)


def test_inputs_are_not_modified_and_float32_predicts_float32():
    X, y, _ = _isotropic(120, 8, seed=8)
    X0, y0 = X.copy(), y.copy()
    est = SubsampleRidgeEnsembleCV(n_estimators=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    assert est.predict(X.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    "make, match",
    [
        (lambda: SubsampleRidgeEnsemble(n_estimators=0), "n_estimators"),
        (lambda: SubsampleRidgeEnsemble(alpha=-1.0), "alpha"),
        (lambda: SubsampleRidgeEnsemble(subsample_size=1), r"outside \[2"),
        (lambda: SubsampleRidgeEnsembleCV(alphas=[-1.0, -0.5]), ">= 0"),
        (lambda: SubsampleRidgeEnsembleCV(subsample_sizes=[500]), r"outside \[2"),
    ],
)
def test_bad_parameters(make, match):
    X, y, _ = _isotropic(100, 5, seed=9)
    with pytest.raises(ValueError, match=match):
        make().fit(X, y)


def test_bad_data():
    X, y, _ = _isotropic(100, 5, seed=10)
    with pytest.raises(ValueError, match="constant"):
        SubsampleRidgeEnsemble().fit(X, np.ones(100))
    X_nan = X.copy()
    X_nan[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SubsampleRidgeEnsemble().fit(X_nan, y)
