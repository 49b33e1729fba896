"""Ridge ensembles on array-API devices: the NumPy results, in the input's namespace."""

import numpy as np
import pytest
import sklearn

from sklearn_lowdim.linear_model import (
    SketchedRidgeEnsemble,
    SketchedRidgeEnsembleCV,
    SubsampleRidgeEnsemble,
    SubsampleRidgeEnsembleCV,
    ridge_ensemble_gcv_path,
    sketched_ridge_gcv_path,
)
from sklearn_lowdim.utils._testing import (
    NAMESPACES,
    TOLERANCE,
    namespace_of,
    to_host,
    to_namespace,
)

ESTIMATORS = [
    pytest.param(SubsampleRidgeEnsemble(0.05, subsample_size=120, n_estimators=3,
                                        bootstrap=True, random_state=0),
                 id="subsample"),
    pytest.param(SubsampleRidgeEnsembleCV(alphas=[1e-3, 0.05, 1.0],
                                          subsample_sizes=[90, 1.0], n_estimators=3,
                                          random_state=1), id="subsample-cv"),
    pytest.param(SketchedRidgeEnsemble(0.02, sketch_size=5, n_estimators=3,
                                       random_state=2), id="sketched"),
    pytest.param(SketchedRidgeEnsembleCV(alphas=[0.01, 0.5], sketch_sizes=[4, 8],
                                         n_estimators=2, ensemble_trick=True,
                                         random_state=3), id="sketched-trick"),
]


def _data(n=240, p=10, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * 2 + 3
    y = X @ (rng.standard_normal(p) / 3) + 1.0 + rng.standard_normal(n)
    return X, y, rng.uniform(0.3, 2.0, n)


def _close(actual, desired, dtype):
    tol = TOLERANCE[dtype]
    scale = max(np.max(np.abs(desired)), 1.0)
    np.testing.assert_allclose(to_host(actual), desired, rtol=tol, atol=tol * scale)


@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("weighted", [False, True])
def test_fit_predict_interval_on_the_device_equal_numpy(estimator, namespace, dtype,
                                                         weighted):
    X, y, w = _data()
    X = X.astype(dtype)
    w = w if weighted else None
    ref = sklearn.base.clone(estimator).fit(X, y, sample_weight=w)
    xp, (Xd, yd) = to_namespace(namespace, dtype, X, y)
    with sklearn.config_context(array_api_dispatch=True):
        est = sklearn.base.clone(estimator).fit(Xd, yd, sample_weight=w)
        pred = est.predict(Xd)
        lower, upper = est.predict_interval(Xd, coverage=0.8)
    for name in ("alpha_", "subsample_size_", "sketch_size_"):
        assert getattr(est, name, None) == getattr(ref, name, None), name
    for out in (est.coef_, est.intercept_, pred, lower, upper):
        assert namespace_of(out) == namespace_of(Xd)
        assert out.dtype == Xd.dtype  # float32 stays float32
        assert out.device == Xd.device
    _close(est.coef_, ref.coef_, dtype)
    _close(est.intercept_, ref.intercept_, dtype)
    _close(pred, ref.predict(X), dtype)
    ref_lower, ref_upper = ref.predict_interval(X, coverage=0.8)
    _close(lower, ref_lower, dtype)
    _close(upper, ref_upper, dtype)
    assert est.dof_ == pytest.approx(ref.dof_, rel=TOLERANCE[dtype])


@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
def test_multi_target_on_the_device(namespace, dtype):
    X, _, _ = _data()
    y = np.stack([X[:, 0] - X[:, 1], X[:, 2]], axis=1) + np.random.default_rng(
        1).standard_normal((240, 2))
    X = X.astype(dtype)
    params = {"alphas": [0.01, 0.2], "subsample_sizes": [100, 1.0],
              "n_estimators": 3, "random_state": 0}
    ref = SubsampleRidgeEnsembleCV(**params).fit(X, y)
    xp, (Xd, yd) = to_namespace(namespace, dtype, X, y)
    with sklearn.config_context(array_api_dispatch=True):
        est = SubsampleRidgeEnsembleCV(**params).fit(Xd, yd)
        pred = est.predict(Xd)
    assert tuple(pred.shape) == (240, 2) and tuple(est.coef_.shape) == (2, 10)
    _close(pred, ref.predict(X), dtype)


@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
def test_paths_on_the_device_equal_numpy(namespace, dtype):
    X, y, w = _data(p=8)
    X = X.astype(dtype)
    xp, (Xd,) = to_namespace(namespace, dtype, X)
    kw = {"subsample_sizes": [60, 240], "n_estimators": 3, "random_state": 4,
          "sample_weight": w}
    ref = ridge_ensemble_gcv_path(X, y, [0.0, 0.02, 1.0], **kw)
    sk = {"sketch_sizes": [3, 6], "n_estimators": 2, "random_state": 5}
    ref_sk = sketched_ridge_gcv_path(X, y, [-0.02, 0.3], **sk)
    with sklearn.config_context(array_api_dispatch=True):
        out = ridge_ensemble_gcv_path(Xd, y, [0.0, 0.02, 1.0], **kw)
        out_sk = sketched_ridge_gcv_path(Xd, y, [-0.02, 0.3], **sk)
    for key in ("coef", "dof", "gcv", "cgcv", "gcv_union"):
        _close(out[key], ref[key], dtype)
    for key in ("coef", "dof", "gcv", "equivalent_alpha"):
        _close(out_sk[key], ref_sk[key], dtype)


@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
def test_device_input_errors(namespace, dtype):
    X, y, _ = _data()
    bad = X.copy()
    bad[5, 3] = np.inf
    xp, (Xd, bad_d, narrow) = to_namespace(namespace, dtype, X, bad, X[:, :4])
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="NaN or infinity"):
            SubsampleRidgeEnsemble().fit(bad_d, y)
        est = SubsampleRidgeEnsemble(n_estimators=2).fit(Xd, y)
        with pytest.raises(ValueError, match="features"):
            est.predict(narrow)
        with pytest.raises(ValueError, match="NaN or infinity"):
            est.predict(bad_d)
