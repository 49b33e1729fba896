import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lowdim.linear_model import (
    SubsampleRidgeEnsembleCV,
    ridge_ensemble_gcv_path,
)


def _data(n=120, p=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) / np.sqrt(p) + 0.5 * rng.standard_normal(n)
    return X, y


def _brute(X, y, lambdas, k, M, seed, variant):
    """Explicit smoother matrices and sklearn Ridge members."""
    n = X.shape[0]
    rng = np.random.RandomState(seed)
    subsets = [np.sort(rng.choice(n, k, replace=False)) for _ in range(M)]
    out = []
    for lam in lambdas:
        L = np.zeros((n, n))
        coefs = []
        for idx in subsets:
            XI = X[idx]
            if lam > 0:
                coefs.append(
                    Ridge(alpha=k * lam, fit_intercept=False, solver="svd")
                    .fit(XI, y[idx])
                    .coef_
                )
                H = X @ np.linalg.solve(XI.T @ XI + k * lam * np.eye(X.shape[1]), XI.T)
            else:
                coefs.append(np.linalg.pinv(XI) @ y[idx])
                H = X @ np.linalg.pinv(XI)
            J = np.zeros((k, n))
            J[np.arange(k), idx] = 1
            L += H @ J / M
        coef = np.mean(coefs, axis=0)
        np.testing.assert_allclose(L @ y, X @ coef, atol=1e-8)
        if variant == "full":
            rows = np.arange(n)
        else:
            rows = np.unique(np.concatenate(subsets))
        ne = rows.size
        gcv = np.mean((y - L @ y)[rows] ** 2) / (1 - np.trace(L) / ne) ** 2
        out.append((coef, np.trace(L), gcv))
    return out


@pytest.mark.parametrize("variant", ["full", "union"])
def test_path_matches_brute_force(variant):
    X, y = _data()
    lambdas = [0.0, 0.01, 0.3, 3.0]
    res = ridge_ensemble_gcv_path(
        X, y, lambdas, max_samples=50, n_estimators=4, gcv=variant, random_state=3
    )
    ref = _brute(X, y, lambdas, 50, 4, 3, variant)
    for i, (coef, df, gcv) in enumerate(ref):
        np.testing.assert_allclose(res["coef"][i], coef, rtol=1e-7, atol=1e-9)
        np.testing.assert_allclose(res["df"][i], df, rtol=1e-8)
        np.testing.assert_allclose(res["gcv"][i], gcv, rtol=1e-7)


def test_n_jobs_same_result():
    X, y = _data()
    a = ridge_ensemble_gcv_path(
        X, y, [0.1, 1.0], max_samples=60, n_estimators=6, random_state=0
    )
    b = ridge_ensemble_gcv_path(
        X, y, [0.1, 1.0], max_samples=60, n_estimators=6, random_state=0, n_jobs=2
    )
    np.testing.assert_allclose(a["gcv"], b["gcv"], rtol=1e-10)


def test_path_bad_input():
    X, y = _data()
    with pytest.raises(ValueError, match="lambdas"):
        ridge_ensemble_gcv_path(X, y, [-1.0])
    with pytest.raises(ValueError, match="max_samples"):
        ridge_ensemble_gcv_path(X, y, [1.0], max_samples=0)
    with pytest.raises(ValueError, match="gcv"):
        ridge_ensemble_gcv_path(X, y, [1.0], gcv="nope")


def test_estimator_full_data_is_ridge_with_gcv():
    X, y = _data(n=150, p=10)
    X = X + 3.0
    lambdas = np.logspace(-3, 1, 9)
    est = SubsampleRidgeEnsembleCV(lambdas=lambdas).fit(X, y)
    n = X.shape[0]
    # independent GCV: hat matrix of centred ridge, intercept adds one df
    Xc, yc = X - X.mean(0), y - y.mean()
    g = []
    for lam in lambdas:
        H = Xc @ np.linalg.solve(Xc.T @ Xc + n * lam * np.eye(10), Xc.T)
        g.append(np.mean((yc - H @ yc) ** 2) / (1 - np.trace(H) / n) ** 2)
    assert est.lambda_ == lambdas[int(np.argmin(g))]
    ref = Ridge(alpha=n * est.lambda_).fit(X, y)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-8)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-8)
    np.testing.assert_allclose(est.predict(X), ref.predict(X), rtol=1e-8)


def test_estimator_float32_and_no_inplace():
    X, y = _data()
    X32 = X.astype(np.float32)
    X0 = X32.copy()
    est = SubsampleRidgeEnsembleCV(max_samples=[0.5], random_state=0).fit(X32, y)
    np.testing.assert_array_equal(X32, X0)
    assert est.predict(X32).dtype == np.float32
    e64 = SubsampleRidgeEnsembleCV(max_samples=[0.5], random_state=0).fit(X, y)
    np.testing.assert_allclose(est.predict(X32), e64.predict(X), rtol=1e-3, atol=1e-3)


def test_estimator_bad_input_and_meta():
    X, y = _data()
    with pytest.raises(ValueError, match="max_samples"):
        SubsampleRidgeEnsembleCV(max_samples=[1.5]).fit(X, y)
    with pytest.raises(ValueError, match="lambdas"):
        SubsampleRidgeEnsembleCV(lambdas=[-1.0]).fit(X, y)
    est = SubsampleRidgeEnsembleCV(max_samples=[0.5, 1.0], random_state=0).fit(X, y)
    est2 = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(est.predict(X), est2.predict(X))
    clone(est)
    make_pipeline(StandardScaler(), SubsampleRidgeEnsembleCV()).fit(X, y).predict(X)
    gs = GridSearchCV(
        SubsampleRidgeEnsembleCV(random_state=0), {"n_estimators": [1, 3]}, cv=3
    ).fit(X, y)
    assert gs.best_params_["n_estimators"] in (1, 3)
