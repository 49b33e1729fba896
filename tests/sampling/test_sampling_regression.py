"""LpRegression and CoresetEstimator against scikit-learn and SciPy references."""

import pickle

import numpy as np
import pytest
import sklearn
from numpy.testing import assert_allclose
from scipy.optimize import minimize
from sklearn.linear_model import (
    LinearRegression,
    LogisticRegression,
    QuantileRegressor,
    Ridge,
)
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lowdim.sampling import CoresetEstimator, LpRegression, SensitivitySampler
from sklearn_lowdim.sampling._fixtures import make_coherent_regression


@pytest.fixture(scope="module")
def data():
    A, b, _ = make_coherent_regression(600, 4, rare_rows=8, random_state=3)
    return A, b


def _cost(X, y, coef, intercept, p, w=None):
    w = np.ones(len(y)) if w is None else w
    return float(w @ np.abs(X @ coef + intercept - y) ** p)


def test_p1_matches_quantile_regressor(data):
    # QuantileRegressor(quantile=0.5, alpha=0) is sklearn's exact l_1 regression
    X, y = data
    ref = QuantileRegressor(quantile=0.5, alpha=0.0, solver="highs").fit(X, y)
    f_ref = _cost(X, y, ref.coef_, ref.intercept_, 1)
    lp = LpRegression(p=1, solver="linprog").fit(X, y)
    assert _cost(X, y, lp.coef_, lp.intercept_, 1) == pytest.approx(f_ref, rel=1e-9)
    assert_allclose(lp.coef_, ref.coef_, atol=1e-6)
    irls = LpRegression(p=1, solver="irls").fit(X, y)
    # IRLS ends on a vertex with a dual certificate: exact, like the LP
    assert _cost(X, y, irls.coef_, irls.intercept_, 1) == pytest.approx(f_ref, rel=1e-9)
    assert lp.objective_ == pytest.approx(f_ref, rel=1e-9)


def test_p2_matches_linear_regression(data):
    X, y = data
    sw = np.random.default_rng(0).uniform(0.5, 2, len(y))
    ref = LinearRegression().fit(X, y, sample_weight=sw)
    ours = LpRegression(p=2).fit(X, y, sample_weight=sw)
    assert_allclose(ours.coef_, ref.coef_, rtol=1e-8, atol=1e-10)
    assert ours.intercept_ == pytest.approx(ref.intercept_)


@pytest.mark.parametrize("p", [1.3, 1.5, 3.0, 4.5])
def test_general_p_matches_scipy_minimize(data, p):
    X, y = data
    X, y = X[:200], y[:200]

    def f(beta):
        return _cost(X, y, beta[:-1], beta[-1], p)

    ours = LpRegression(p=p).fit(X, y)
    beta0 = np.zeros(X.shape[1] + 1)
    ref = minimize(f, beta0, method="Powell",
                   options={"xtol": 1e-10, "ftol": 1e-13, "maxiter": 100000})
    ours_f = f(np.append(ours.coef_, ours.intercept_))
    assert ours_f <= ref.fun * (1 + 1e-8)
    assert ours_f == pytest.approx(ref.fun, rel=1e-6)


def test_l1_is_robust_to_outliers():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 3))
    y = X @ np.array([1.0, -1.0, 2.0]) + 0.3 + 0.01 * rng.laplace(size=400)
    y[:40] += 50
    reg = LpRegression(p=1).fit(X, y)
    assert_allclose(reg.coef_, [1.0, -1.0, 2.0], atol=0.02)


def test_no_intercept_and_float32(data):
    X, y = data
    X32 = X.astype(np.float32)
    reg = LpRegression(p=1.5, fit_intercept=False).fit(X32, y)
    assert reg.intercept_ == 0.0
    assert reg.coef_.dtype == np.float32
    assert reg.predict(X32).dtype == np.float32


def test_coreset_fit_close_to_full():
    A, b, _ = make_coherent_regression(20000, 6, rare_rows=15, random_state=0)
    full = LpRegression(p=1.5).fit(A, b)
    core = LpRegression(p=1.5, coreset_size=600, random_state=0).fit(A, b)
    ratio = (_cost(A, b, core.coef_, core.intercept_, 1.5)
             / _cost(A, b, full.coef_, full.intercept_, 1.5)) ** (1 / 1.5)
    assert ratio <= 1.02
    assert core.coreset_weights_.shape == core.coreset_indices_.shape


def test_linprog_needs_p1_and_bad_params(data):
    X, y = data
    with pytest.raises(ValueError, match="p=1"):
        LpRegression(p=2, solver="linprog").fit(X, y)
    with pytest.raises(ValueError, match="p"):
        LpRegression(p=0.5).fit(X, y)
    X = X.copy()
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        LpRegression().fit(X, y)


def test_grid_search_and_pipeline_and_pickle(data):
    X, y = data
    grid = GridSearchCV(
        make_pipeline(StandardScaler(), LpRegression(coreset_size=200, random_state=0)),
        {"lpregression__p": [1.0, 2.0]},
        cv=3,
    ).fit(X, y)
    assert grid.best_params_["lpregression__p"] in (1.0, 2.0)
    est = pickle.loads(pickle.dumps(grid.best_estimator_))
    assert_allclose(est.predict(X), grid.best_estimator_.predict(X))


def test_coreset_estimator_all_rows_equals_full_fit(data):
    X, y = data
    sw = np.random.default_rng(1).integers(1, 4, len(y)).astype(float)
    # n_samples = n keeps every row with probability 1 and weight sw_i
    model = CoresetEstimator(
        LinearRegression(), SensitivitySampler(n_samples=len(y), random_state=0)
    ).fit(X, y, sample_weight=sw)
    ref = LinearRegression().fit(X, y, sample_weight=sw)
    assert_allclose(model.predict(X), ref.predict(X), rtol=1e-8)
    assert model.score(X, y) == pytest.approx(ref.score(X, y))


def test_coreset_estimator_in_grid_search_and_pipeline():
    from sklearn.datasets import make_regression

    A, b = make_regression(5000, 5, noise=10.0, random_state=0)
    pipe = make_pipeline(
        StandardScaler(),
        CoresetEstimator(Ridge(), SensitivitySampler(n_samples=500, random_state=0)),
    )
    grid = GridSearchCV(pipe, {"coresetestimator__estimator__alpha": [0.1, 10.0]},
                        cv=3).fit(A, b)
    assert grid.best_score_ > 0.9
    inner = grid.best_estimator_[-1]
    assert len(inner.sampler_.sample_indices_) < 800


def test_coreset_estimator_routes_sample_weight():
    A, b, _ = make_coherent_regression(2000, 4, rare_rows=15, random_state=0)
    sw = np.random.default_rng(0).uniform(1, 3, len(b))
    with sklearn.config_context(enable_metadata_routing=True):
        est = CoresetEstimator(
            LinearRegression(), SensitivitySampler(n_samples=300, random_state=0)
        ).set_fit_request(sample_weight=True).set_score_request(sample_weight=False)
        grid = GridSearchCV(est, {"sampler__p": [2.0]}, cv=2)
        grid.fit(A, b, sample_weight=sw)
    fitted = grid.best_estimator_
    idx = fitted.sampler_.sample_indices_
    pi = fitted.sampler_.probabilities_[idx]
    assert_allclose(fitted.sampler_.sample_weight_, sw[idx] / pi)


def test_coreset_estimator_classifier_and_errors():
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    clf = CoresetEstimator(
        LogisticRegression(max_iter=500),
        SensitivitySampler(n_samples=100, augment_y=False, random_state=0),
    ).fit(X, y)
    assert clf.predict_proba(X).shape == (150, 3)
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert clf.score(X, y) > 0.8
    with pytest.raises(ValueError, match="sample_weight"):
        CoresetEstimator(KNeighborsRegressor()).fit(X, y.astype(float))
