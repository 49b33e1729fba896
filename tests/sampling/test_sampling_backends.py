"""Sampling on array-API inputs (device) equals the NumPy results of the same seed.

The NumPy results are the reference (they are tested against brute force and
closed forms in the other files). A guard makes any host copy of a 2-D array
with as many rows as X fail the test, so X never leaves its device.
"""

import numpy as np
import pytest
import sklearn
from sklearn.linear_model import Ridge

from sklearn_lowdim.sampling import (
    CoresetEstimator,
    LpRegression,
    SensitivitySampler,
    leverage_scores,
    lewis_weights,
    root_leverage_scores,
)
from sklearn_lowdim.utils._testing import (
    NAMESPACES,
    TOLERANCE,
    namespace_of,
    to_host,
    to_namespace,
)

N_ROWS = 1500


@pytest.fixture
def no_host_copy_of_x(monkeypatch):
    """Fail on any conversion to NumPy of a 2-D array with ``N_ROWS`` rows."""
    import sklearn_lowdim.utils._array_api as api

    original = api.to_numpy

    def guarded(x):
        if getattr(x, "ndim", 0) == 2 and x.shape[0] >= N_ROWS:
            raise AssertionError(f"X-sized array {tuple(x.shape)} copied to the host")
        return original(x)

    monkeypatch.setattr(api, "to_numpy", guarded)
    for module in ("_linalg", "_lewis", "_sampler", "_solvers", "_objective",
                   "_regression"):
        mod = __import__(f"sklearn_lowdim.sampling.{module}", fromlist=["x"])
        if hasattr(mod, "to_numpy"):
            monkeypatch.setattr(mod, "to_numpy", guarded)


@pytest.mark.usefixtures("no_host_copy_of_x")
def test_the_guard_catches_a_host_copy_of_x():
    from sklearn_lowdim.sampling import _linalg

    X_dev = to_namespace("torch", "float64", np.ones((N_ROWS, 2)))[1][0]
    with pytest.raises(AssertionError, match="copied to the host"):
        _linalg.to_numpy(X_dev)


def _problem(seed=0, n=N_ROWS, d=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.abs(rng.standard_t(2, n))[:, None] + 2.0
    y = X @ np.arange(1.0, d + 1) + rng.laplace(size=n)
    w = rng.uniform(0.5, 2.0, n)
    return X, y, w


def _on_device(namespace, dtype, *arrays):
    return to_namespace(namespace, dtype, *arrays)


def _check_placed(out, like, dtype=None):
    assert namespace_of(out) == namespace_of(like)
    assert out.device == like.device
    if dtype is not None:
        assert out.dtype == dtype


def _dispatch():
    return sklearn.config_context(array_api_dispatch=True)


@pytest.mark.usefixtures("no_host_copy_of_x")
@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
@pytest.mark.parametrize("method", ["exact", "sketch"])
def test_leverage_scores_on_device(namespace, dtype, method):
    X, _, _ = _problem()
    xp, (X_dev,) = _on_device(namespace, dtype, X)
    with _dispatch():
        tau = leverage_scores(X_dev, method=method, random_state=0)
        root = root_leverage_scores(X_dev, p=1, method=method, random_state=0)
    _check_placed(tau, X_dev, X_dev.dtype)
    _check_placed(root, X_dev, X_dev.dtype)
    X_host = X.astype(dtype)
    ref = leverage_scores(X_host, method=method, random_state=0)
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(to_host(tau), ref, rtol=tol, atol=tol * ref.max())
    np.testing.assert_allclose(to_host(root), np.sqrt(ref), rtol=tol, atol=tol)
    if method == "exact":  # and the closed form: the trace is the rank
        assert float(to_host(tau).sum()) == pytest.approx(4.0, rel=1e-4)


@pytest.mark.usefixtures("no_host_copy_of_x")
@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
@pytest.mark.parametrize("p, method", [(1.0, "exact"), (3.0, "sketch"),
                                       (1.0, "approximate")])
def test_lewis_weights_on_device(namespace, dtype, p, method):
    X, _, _ = _problem(1)
    xp, (X_dev,) = _on_device(namespace, dtype, X)
    kwargs = {"p": p, "method": method, "tol": 1e-12, "max_iter": 300,
              "random_state": 0}
    with _dispatch():
        w, info = lewis_weights(X_dev, return_info=True, **kwargs)
    _check_placed(w, X_dev, X_dev.dtype)
    ref, ref_info = lewis_weights(X.astype(dtype), return_info=True, **kwargs)
    assert info["rank"] == ref_info["rank"] == 4
    tol = max(TOLERANCE[dtype], 1e-9)
    np.testing.assert_allclose(to_host(w), ref, rtol=tol, atol=tol * ref.max())
    assert float(to_host(w).sum()) == pytest.approx(4.0, rel=1e-4)


SAMPLER_CASES = [
    {"p": 1.0},
    {"p": 2.0, "scores": "leverage", "score_method": "sketch"},
    {"p": 1.5, "scores": "mixture", "scheme": "with_replacement"},
    {"p": 3.0, "score_method": "sketch"},
    {"p": 1.0, "scores": "uniform"},
]


@pytest.mark.usefixtures("no_host_copy_of_x")
@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
@pytest.mark.parametrize("params", SAMPLER_CASES, ids=str)
def test_sampler_on_device_draws_the_numpy_rows(namespace, dtype, params):
    X, y, w = _problem(2)
    xp, (X_dev, y_dev, w_dev) = _on_device(namespace, dtype, X, y, w)
    sampler = SensitivitySampler(n_samples=200, random_state=0, **params)
    with _dispatch():
        sampler.fit(X_dev, y_dev, sample_weight=w_dev)
        X_s, y_s = sampler.fit_resample(X_dev, y_dev, sample_weight=w_dev)
    ref = SensitivitySampler(n_samples=200, random_state=0, **params).fit(
        X.astype(dtype), y.astype(dtype), sample_weight=w.astype(dtype))
    for name in ("sample_indices_", "sample_weight_", "scores_", "probabilities_"):
        _check_placed(getattr(sampler, name), X_dev)
    _check_placed(X_s, X_dev, X_dev.dtype)
    idx = to_host(sampler.sample_indices_)
    np.testing.assert_array_equal(idx, ref.sample_indices_)
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(to_host(sampler.sample_weight_), ref.sample_weight_,
                               rtol=tol)
    np.testing.assert_allclose(to_host(sampler.scores_), ref.scores_, rtol=tol,
                               atol=tol * ref.scores_.max())
    np.testing.assert_array_equal(to_host(X_s), X.astype(dtype)[idx])
    np.testing.assert_array_equal(to_host(y_s), y.astype(dtype)[idx])
    assert sampler.rank_ == ref.rank_


@pytest.mark.usefixtures("no_host_copy_of_x")
@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
def test_coreset_estimator_fits_the_inner_estimator_on_device(namespace, dtype):
    X, y, _ = _problem(3)
    xp, (X_dev, y_dev) = _on_device(namespace, dtype, X, y)
    seen = {}

    class Recording(Ridge):
        def fit(self, X, y, sample_weight=None):
            seen["X"], seen["w"] = X, sample_weight
            return super().fit(X, y, sample_weight=sample_weight)

    def model():
        return CoresetEstimator(Recording(solver="svd"),
                                SensitivitySampler(p=2, n_samples=300),
                                random_state=0)

    with _dispatch():
        est = model().fit(X_dev, y_dev)
        pred = est.predict(X_dev)
    _check_placed(seen["X"], X_dev, X_dev.dtype)  # the coreset, on the device
    _check_placed(seen["w"], X_dev)
    _check_placed(pred, X_dev, X_dev.dtype)
    ref = model().fit(X.astype(dtype), y.astype(dtype))
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(to_host(est.estimator_.coef_), ref.estimator_.coef_,
                               rtol=10 * tol, atol=10 * tol)
    np.testing.assert_allclose(to_host(pred), ref.predict(X.astype(dtype)),
                               rtol=10 * tol, atol=10 * tol * np.abs(y).max())


LP_CASES = [
    {"p": 1.5},
    {"p": 1.0},
    {"p": 3.0},
    {"p": 2.0},
    {"p": 1.0, "coreset_size": 300},
    {"p": 1.5, "coreset_size": 400, "score_method": "sketch"},
]


@pytest.mark.usefixtures("no_host_copy_of_x")
@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
@pytest.mark.parametrize("params", LP_CASES, ids=str)
def test_lp_regression_on_device(namespace, dtype, params):
    X, y, w = _problem(4)
    xp, (X_dev, y_dev, w_dev) = _on_device(namespace, dtype, X, y, w)
    with _dispatch():
        reg = LpRegression(random_state=0, **params).fit(X_dev, y_dev,
                                                         sample_weight=w_dev)
        pred = reg.predict(X_dev)
    _check_placed(reg.coef_, X_dev, X_dev.dtype)
    _check_placed(pred, X_dev, X_dev.dtype)
    X_h, y_h, w_h = (a.astype(dtype) for a in (X, y, w))
    ref = LpRegression(random_state=0, **params).fit(X_h, y_h, sample_weight=w_h)
    # the solvers stop at tol=1e-8 (relative step): the same iterates up to that
    tol = max(TOLERANCE[dtype], 1e-7)
    np.testing.assert_allclose(to_host(reg.coef_), ref.coef_, rtol=tol, atol=tol)
    assert reg.intercept_ == pytest.approx(ref.intercept_, rel=tol, abs=tol)
    assert reg.objective_ == pytest.approx(ref.objective_, rel=1e-10)
    assert reg.full_objective_ == pytest.approx(ref.full_objective_, rel=1e-10)
    np.testing.assert_allclose(to_host(pred), ref.predict(X_h), rtol=tol,
                               atol=tol * np.abs(y).max())


def test_full_objective_is_the_loss_over_all_rows():
    """``full_objective_`` against a direct sum, for a coreset fit."""
    X, y, w = _problem(5)
    reg = LpRegression(p=1.5, coreset_size=300, random_state=0).fit(
        X, y, sample_weight=w)
    direct = np.sum(w * np.abs(y - X @ reg.coef_ - reg.intercept_) ** 1.5)
    assert reg.full_objective_ == pytest.approx(direct, rel=1e-10)
    full = LpRegression(p=1.5).fit(X, y, sample_weight=w)
    assert full.full_objective_ == full.objective_
    assert reg.full_objective_ >= full.objective_ * (1 - 1e-9)  # the optimum


@pytest.mark.parametrize("namespace, dtype", NAMESPACES[:1])
def test_device_linprog_without_coreset_is_refused(namespace, dtype):
    X, y, _ = _problem(6, n=50)
    xp, (X_dev, y_dev) = _on_device(namespace, dtype, X, y)
    with _dispatch(), pytest.raises(ValueError, match="coreset_size"):
        LpRegression(p=1, solver="linprog").fit(X_dev, y_dev)


@pytest.mark.parametrize("namespace, dtype", NAMESPACES[:2])
def test_device_inputs_are_validated_in_their_namespace(namespace, dtype):
    X, y, w = _problem(7, n=100)
    X[3, 1] = np.nan
    w[0] = -1.0
    xp, (X_bad, y_dev, w_bad) = _on_device(namespace, dtype, X, y, w)
    with _dispatch():
        with pytest.raises(ValueError, match="NaN"):
            leverage_scores(X_bad)
        with pytest.raises(ValueError, match="NaN|infinity"):
            SensitivitySampler(p=1, n_samples=20).fit(X_bad)
        X_ok = xp.where(xp.isnan(X_bad), 0.0, X_bad)
        with pytest.raises(ValueError, match="negative"):
            SensitivitySampler(p=1, n_samples=20).fit(X_ok, sample_weight=w_bad)
