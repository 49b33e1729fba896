"""Every public estimator on an array-API device and on Dask, against NumPy.

Parametrised by estimator discovery: a new estimator without a row in ``CASES``
fails ``test_every_estimator_has_a_case``, so none can skip these checks. The
family test files check more (float32, weights, every option); this file checks
the contract once for all: the same answers as the NumPy fit, outputs in the
input's namespace (device) or lazy with the input's row chunks (Dask), and X never
copied to the host (``array_api_strict``'s device1 refuses it) or computed whole.
"""

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.linear_model import Ridge

from sklearn_lowdim.density import KDEMode
from sklearn_lowdim.ood import LayerEnsembleOOD, ViM
from sklearn_lowdim.sampling import CoresetEstimator, SensitivitySampler
from sklearn_lowdim.utils._testing import (
    NAMESPACES,
    namespace_of,
    to_host,
    to_namespace,
)
from sklearn_lowdim.utils.discovery import all_estimators

N, D, C = 240, 5, 3
_HEAD = (np.random.default_rng(1).normal(size=(C, D)), np.zeros(C))
_RIDGE = {"n_estimators": 3, "random_state": 0}
_RIDGE_CV = {"n_estimators": 2, "alphas": [0.1, 1.0], "random_state": 0}

# name -> (constructor, target kind: "classes", "continuous" or None)
CASES = {
    "GaussianDiscriminantAnalysis": (None, "classes"),
    "MahalanobisOOD": (None, "classes"),
    "WDiscOOD": (None, "classes"),
    "LayerEnsembleOOD": (lambda: LayerEnsembleOOD(layers=[2, 3]), "classes"),
    "KNNOOD": (None, None),
    "ResidualOOD": (None, None),
    "ViM": (lambda: ViM(head=_HEAD), None),
    "RobustMahalanobis": (None, None),
    "RobustShrinkageCovariance": (None, None),
    "KDEMode": (lambda: KDEMode(random_state=0, tol=1e-11), None),
    "LpRegression": ("params", "continuous"),
    "SensitivitySampler": ("params", "continuous"),
    "CoresetEstimator": (lambda: CoresetEstimator(
        Ridge(solver="svd"), SensitivitySampler(n_samples=120, random_state=0),
        random_state=0), "continuous"),
    "SubsampleRidgeEnsemble": ("params", "continuous"),
    "SubsampleRidgeEnsembleCV": ("params", "continuous"),
    "SketchedRidgeEnsemble": ("params", "continuous"),
    "SketchedRidgeEnsembleCV": ("params", "continuous"),
}
PARAMS = {
    "LpRegression": {"p": 1.5, "coreset_size": 120, "random_state": 0},
    "SensitivitySampler": {"n_samples": 120, "random_state": 0},
    "SubsampleRidgeEnsemble": _RIDGE, "SketchedRidgeEnsemble": _RIDGE,
    "SubsampleRidgeEnsembleCV": _RIDGE_CV, "SketchedRidgeEnsembleCV": _RIDGE_CV,
}
METHODS = ("predict", "predict_proba", "decision_function", "score_samples",
           "transform", "mahalanobis")
ESTIMATORS = dict(all_estimators())


def _make(name):
    factory, _ = CASES[name]
    if factory is None:
        return ESTIMATORS[name]()
    if factory == "params":
        return ESTIMATORS[name](**PARAMS[name])
    return factory()


def _data(kind):
    rng = np.random.default_rng(0)
    y = np.arange(N) % C
    mixing = rng.normal(size=(D, D))
    X = rng.normal(size=(C, D))[y] * 2 + rng.normal(size=(N, D)) @ mixing
    if kind == "continuous":
        return X, X @ rng.normal(size=D) + rng.normal(size=N)
    return X, (y if kind == "classes" else None)


def _outputs(est, X, y):
    """Every per-row output of a fitted ``est`` (the resampled rows of a sampler)."""
    if hasattr(est, "fit_resample"):
        return dict(enumerate(est.fit_resample(X, y)))
    est.fit(X) if y is None else est.fit(X, y)
    return {m: getattr(est, m)(X) for m in METHODS if hasattr(est, m)}


def test_every_estimator_has_a_case():
    assert set(CASES) == set(ESTIMATORS)


def _close(got, expected, name, rtol):
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    scale = max(1.0, float(np.max(np.abs(expected), initial=0.0)))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * scale,
                               err_msg=name)


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("namespace,dtype", [p for p in NAMESPACES
                                             if "float64" in p.id])
def test_fit_and_outputs_on_a_device_equal_numpy(name, namespace, dtype):
    X, y = _data(CASES[name][1])
    reference = _outputs(_make(name), X, y)
    xp, arrays = to_namespace(namespace, dtype, *([X] if y is None else [X, y]))
    with sklearn.config_context(array_api_dispatch=True):
        got = _outputs(_make(name), *arrays, *([None] if y is None else []))
    assert got.keys() == reference.keys()
    for method, out in got.items():
        assert namespace_of(out) == namespace, (name, method)
        _close(to_host(out), reference[method], f"{name}.{method}", 1e-6)


@pytest.mark.parametrize("name", sorted(CASES))
def test_dask_fit_never_computes_x_and_outputs_are_lazy(name, unmaterialisable,
                                                        monkeypatch):
    import dask
    import dask.array as da

    from sklearn_lowdim.ood import _base, _feature_base

    # the detectors gather up to _OFFSET_ROWS rows for offset_ (all of them when
    # there are fewer): fewer here, so that gathering them is not computing X
    monkeypatch.setattr(_base, "_OFFSET_ROWS", 64)
    monkeypatch.setattr(_feature_base, "_OFFSET_ROWS", 64)

    X, y = _data(CASES[name][1])
    reference = _outputs(_make(name), X, y)
    Xd = unmaterialisable(X, 60)
    yd = None if y is None else da.from_array(y, chunks=60)  # n numbers may be read
    got = _outputs(clone(_make(name)), Xd, yd)
    assert got.keys() == reference.keys()
    for method, out in got.items():
        assert type(out).__module__.startswith("dask"), (name, method)
        if not hasattr(_make(name), "fit_resample"):
            assert out.chunks[0] == Xd.chunks[0], (name, method)
    computed = dask.compute(got)[0]
    for method, out in computed.items():
        _close(out, reference[method], f"{name}.{method}", 1e-6)
