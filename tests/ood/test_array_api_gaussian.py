"""The Gaussian OOD detectors fit and predict on an array-API device.

Every output of a fit on a device is compared with the NumPy fit of the same
rows at the dtype's tolerance (the NumPy path does not share the device code:
Numba/BLAS kernels and NumPy). ``array_api_strict`` on ``device1`` refuses any
conversion to NumPy, so a hidden host copy of the rows fails these tests.
"""

import unittest

import numpy as np
import pytest
import sklearn
from sklearn.base import clone

from sklearn_lowdim.ood import LayerEnsembleOOD, MahalanobisOOD, WDiscOOD
from sklearn_lowdim.utils._testing import (
    NAMESPACES,
    TOLERANCE,
    namespace_of,
    to_host,
    to_namespace,
)

DETECTORS = [
    MahalanobisOOD(calibration=0.25, random_state=0),
    MahalanobisOOD(relative=True, covariance="ledoit_wolf", normalize="l2",
                   contamination="auto", calibration=0.25, random_state=1),
    WDiscOOD(residual_weight=2.0, calibration=0.25, random_state=0),
    LayerEnsembleOOD(layers=[3, 4], calibration=0.25, random_state=0),
    LayerEnsembleOOD(layers=[[0, 2, 4, 6], [1, 3, 5]],
                     detector=WDiscOOD(covariance=0.1), calibration=0.25,
                     random_state=2),
]


def _data(n=320, d=7, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (n_classes, d))
    y = rng.integers(0, n_classes, n)
    mixing = rng.normal(size=(d, d))
    X = centres[y] + rng.normal(size=(n, d)) @ mixing
    # half in-distribution, half shifted far out
    T = np.vstack([centres[rng.integers(0, n_classes, 40)]
                   + rng.normal(size=(40, d)) @ mixing,
                   rng.normal(0, 12, (40, d))])
    return X, y, T


def _outputs(model, T):
    """Every per-row output and fitted per-row array of a calibrated detector."""
    return {
        "score_samples": model.score_samples(T),
        "decision_function": model.decision_function(T),
        "predict": model.predict(T),
        "pvalues": model.pvalues(T),
        "predict_alpha": model.predict(T, alpha=0.1),
        "predict_fdr": model.predict(T, fdr=0.2),
        "predict_proba_linear": model.predict_proba(T, method="linear"),
        "predict_proba_unify": model.predict_proba(T, method="unify"),
        "predict_confidence": model.predict_confidence(T),
        "decision_scores_": model.decision_scores_,
        "labels_": model.labels_,
        "calibration_scores_": model.calibration_scores_,
    }


# outputs that jump where a score crosses a threshold or a reference score
_DISCRETE = ("predict", "pvalues", "predict_alpha", "predict_fdr",
             "predict_confidence")


def _away_from_boundaries(ref, scores, tol):
    """Test rows whose score is farther than the tolerance from every score
    that a discrete output compares it with (fit, calibration, thresholds)."""
    boundaries = np.r_[-ref.decision_scores_, ref.calibration_scores_,
                       ref.offset_]
    scale = np.max(np.abs(boundaries)) + 1.0
    gap = np.min(np.abs(scores[:, None] - boundaries[None, :]), axis=1)
    return gap > tol * scale


@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
@pytest.mark.parametrize("detector", DETECTORS, ids=repr)
def test_device_fit_matches_numpy_fit(namespace, dtype, detector):
    X, y, T = _data()
    tol = TOLERANCE[dtype]
    ref = clone(detector).fit(X.astype(dtype), y)
    expected = _outputs(ref, T.astype(dtype))
    xp, (Xd, yd, Td) = to_namespace(namespace, dtype, X, y, T)
    with sklearn.config_context(array_api_dispatch=True):
        model = clone(detector).fit(Xd, yd)
        got = _outputs(model, Td)
    stable = _away_from_boundaries(ref, expected["score_samples"], tol)
    assert stable.mean() > 0.8  # the discrete comparisons are not vacuous
    scale = np.max(np.abs(expected["score_samples"])) + 1.0
    assert abs(model.offset_ - ref.offset_) <= tol * scale
    for name, value in got.items():
        assert namespace_of(value) == namespace, name
        host = to_host(value)
        assert host.shape == np.shape(expected[name]), name
        if name in _DISCRETE:
            np.testing.assert_allclose(host[stable], expected[name][stable],
                                       rtol=1e-12, err_msg=name)
        elif name == "labels_":  # fit rows away from the threshold
            fit_scale = np.max(np.abs(ref.decision_scores_)) + 1.0
            away = np.abs(ref.decision_scores_ - ref.threshold_) > tol * fit_scale
            assert away.mean() > 0.8
            np.testing.assert_array_equal(host[away], expected[name][away])
        else:
            own_scale = np.max(np.abs(expected[name])) + 1.0
            np.testing.assert_allclose(host, expected[name], rtol=tol,
                                       atol=tol * own_scale, err_msg=name)
    # float32 stays float32 in the scores (float64 rows stay float64)
    assert got["score_samples"].dtype == Xd.dtype
    assert got["decision_function"].dtype == Xd.dtype


@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
@pytest.mark.parametrize("detector", [MahalanobisOOD(), WDiscOOD()], ids=repr)
def test_fitted_arrays_live_on_the_device(namespace, dtype, detector):
    X, y, T = _data()
    ref = clone(detector).fit(X.astype(dtype), y)
    xp, (Xd, yd) = to_namespace(namespace, dtype, X, y)
    with sklearn.config_context(array_api_dispatch=True):
        model = clone(detector).fit(Xd, yd)
    names = ["means_", "location_"] + (
        ["discriminants_", "fisher_ratios_"] if isinstance(detector, WDiscOOD)
        else ["covariance_"])
    for name in names:
        value = getattr(model, name)
        assert namespace_of(value) == namespace, name
        # float64, as the NumPy fit keeps them (these devices have float64)
        assert value.dtype == xp.float64, name
        assert getattr(ref, name).dtype == np.float64
        np.testing.assert_allclose(to_host(value), getattr(ref, name),
                                   rtol=TOLERANCE[dtype], atol=TOLERANCE[dtype],
                                   err_msg=name)
    np.testing.assert_array_equal(model.classes_, ref.classes_)
    # the d x d model is factorised on the host in float64
    assert isinstance(model.whitener_.W_, np.ndarray)


@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
@pytest.mark.parametrize("detector", [MahalanobisOOD(),
                                      LayerEnsembleOOD(layers=[3, 4])], ids=repr)
def test_device_weights_equal_repeated_rows(namespace, dtype, detector):
    # integer weights on the device fit the model of the rows repeated
    X, y, T = _data(n=120)
    w = np.random.default_rng(1).integers(0, 3, X.shape[0])
    w[:3] = 1  # every class keeps rows
    repeated = clone(detector).fit(np.repeat(X, w, axis=0).astype(dtype),
                                   np.repeat(y, w))
    xp, (Xd, yd, wd, Td) = to_namespace(namespace, dtype, X, y, w.astype(float), T)
    with sklearn.config_context(array_api_dispatch=True):
        scores = clone(detector).fit(Xd, yd, sample_weight=wd).score_samples(Td)
    expected = repeated.score_samples(T.astype(dtype))
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(to_host(scores), expected, rtol=tol,
                               atol=tol * (np.max(np.abs(expected)) + 1))


@pytest.mark.parametrize("detector", [MahalanobisOOD(), WDiscOOD(),
                                      LayerEnsembleOOD(layers=[3, 4])], ids=repr)
def test_mixed_namespaces_and_devices_raise(detector):
    strict = pytest.importorskip("array_api_strict")
    torch = pytest.importorskip("torch")
    X, y, T = _data(n=100)
    _, (Xd, yd, Td) = to_namespace("array_api_strict", "float64", X, y, T)
    on_cpu_device = strict.asarray(T, device=strict.Device("CPU_DEVICE"))
    with sklearn.config_context(array_api_dispatch=True):
        on_device = clone(detector).fit(Xd, yd)
        on_host = clone(detector).fit(X, y)
        for model, rows in [(on_device, T), (on_device, torch.asarray(T)),
                            (on_device, on_cpu_device), (on_host, Td)]:
            for method in ("score_samples", "decision_function", "predict"):
                with pytest.raises(ValueError, match="same namespace"):
                    getattr(model, method)(rows)


@pytest.mark.parametrize("detector", [MahalanobisOOD(), WDiscOOD(),
                                      LayerEnsembleOOD(layers=[3, 4])], ids=repr)
def test_bad_device_rows_raise_in_the_namespace(detector):
    strict = pytest.importorskip("array_api_strict")
    X, y, T = _data(n=100)
    bad = X.copy()
    bad[5, 2] = np.nan
    _, (Xd, yd, bad_d, Td) = to_namespace("array_api_strict", "float64", X, y,
                                          bad, T)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="NaN or infinity"):
            clone(detector).fit(bad_d, yd)
        model = clone(detector).fit(Xd, yd)
        with pytest.raises(ValueError, match="NaN or infinity"):
            model.score_samples(bad_d)
        with pytest.raises(ValueError, match="features"):
            model.score_samples(Td[:, :5])
        with pytest.raises(ValueError, match="2-D"):
            model.score_samples(strict.reshape(Td, (-1,)))


def test_device_only_options_raise_clearly():
    from sklearn.covariance import EmpiricalCovariance

    X, y, _ = _data(n=100)
    _, (Xd, yd) = to_namespace("array_api_strict", "float64", X, y)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="covariance estimator object"):
            MahalanobisOOD(covariance=EmpiricalCovariance()).fit(Xd, yd)
        with pytest.raises(ValueError, match="partial_fit runs on NumPy"):
            MahalanobisOOD().partial_fit(Xd, yd)
        with pytest.raises(ValueError, match="X_outlier"):
            LayerEnsembleOOD(layers=[3, 4]).fit(Xd, yd, X_outlier=Xd)


def test_erf_series_matches_scipy():
    from scipy.special import erf

    from sklearn_lowdim.ood._pyod import _erf_xp

    x = np.r_[np.linspace(-7, 7, 2001), 0.0, 1e-300, -1e-8]
    np.testing.assert_allclose(_erf_xp(x, np), erf(x), rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
@pytest.mark.parametrize("detector", [
    MahalanobisOOD(covariance="ledoit_wolf"), MahalanobisOOD(relative=True),
    WDiscOOD(covariance=0.3, normalize="l2")], ids=repr)
def test_device_side_methods_match_numpy(namespace, dtype, detector):
    # score (mean log-likelihood), class_distances, score_components, set_threshold
    X, y, T = _data()
    tol = TOLERANCE[dtype]
    ref = clone(detector).fit(X.astype(dtype), y)
    xp, (Xd, yd, Td) = to_namespace(namespace, dtype, X, y, T)
    with sklearn.config_context(array_api_dispatch=True):
        model = clone(detector).fit(Xd, yd)
        score = model.score(Td)
        extra = ([model.class_distances(Td)] if isinstance(model, MahalanobisOOD)
                 else list(model.score_components(Td)))
        model.set_threshold(Xd, tpr=0.9)
    expected_score = ref.score(T.astype(dtype))
    assert isinstance(score, float)
    assert abs(score - expected_score) <= tol * (abs(expected_score) + 1)
    expected = ([ref.class_distances(T.astype(dtype))]
                if isinstance(ref, MahalanobisOOD)
                else list(ref.score_components(T.astype(dtype))))
    for got, want in zip(extra, expected):
        assert namespace_of(got) == namespace
        np.testing.assert_allclose(to_host(got), want, rtol=tol,
                                   atol=tol * (np.max(np.abs(want)) + 1))
    ref.set_threshold(X.astype(dtype), tpr=0.9)
    assert abs(model.offset_ - ref.offset_) <= tol * (abs(ref.offset_) + 1)


@pytest.mark.parametrize("check", ["input", "mixed", "same_namespace"])
@pytest.mark.parametrize("detector", [MahalanobisOOD(), WDiscOOD(),
                                      LayerEnsembleOOD()], ids=repr)
def test_scikit_learn_array_api_checks(check, detector):
    # scikit-learn's own checks of array-API estimators (float64 inputs: in
    # float32 its check wants the NumPy path's float64 scores, while these
    # detectors keep float32 on the device)
    pytest.importorskip("array_api_strict")
    pytest.importorskip("torch")
    from sklearn.utils import estimator_checks as checks

    name = type(detector).__name__
    if check == "input":
        for namespace, dev in [("array_api_strict", "device1"), ("torch", "cpu")]:
            checks.check_array_api_input(name, detector, namespace,
                                         device_name=dev, dtype_name="float64")
    elif check == "mixed":
        from sklearn.utils._array_api import yield_mixed_namespace_input_permutations

        ran = 0
        for other, X_place, _ in yield_mixed_namespace_input_permutations():
            try:
                checks.check_array_api_mixed_inputs(
                    name, detector, other_ns_and_device=other,
                    X_ns_and_device=X_place)
            except (pytest.skip.Exception, unittest.SkipTest):  # no CUDA/MPS
                continue
            ran += 1
        assert ran >= 1
    else:
        checks.check_array_api_same_namespace(name, detector, "array_api_strict")


def test_device_labels_of_any_values():
    # labels on the device: integral floats are classes, continuous ones raise
    X, y, T = _data(n=150)
    _, (Xd, yd_float, yd_cont, Td) = to_namespace(
        "array_api_strict", "float64", X, 10.0 * y - 3.0, y + 0.5, T)
    ref = MahalanobisOOD().fit(X, 10.0 * y - 3.0)
    with sklearn.config_context(array_api_dispatch=True):
        model = MahalanobisOOD().fit(Xd, yd_float)
        scores = model.score_samples(Td)
        with pytest.raises(ValueError, match="continuous"):
            MahalanobisOOD().fit(Xd, yd_cont)
    np.testing.assert_array_equal(model.classes_, ref.classes_)
    np.testing.assert_allclose(to_host(scores), ref.score_samples(T), rtol=1e-8,
                               atol=1e-8)
