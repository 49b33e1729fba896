"""KNNOOD, ResidualOOD and ViM on Dask and on array-API devices, against NumPy."""

import numpy as np
import pytest
import sklearn

from sklearn_lowdim.ood import KNNOOD, ResidualOOD, ViM, _feature_base
from sklearn_lowdim.utils._testing import (
    NAMESPACES,
    TOLERANCE,
    namespace_of,
    to_host,
    to_namespace,
)

N, D = 360, 6


def data(seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, N)
    X = (rng.normal(size=(N, D)) * np.linspace(3.0, 0.3, D)
         + 2.0 * np.eye(D)[y] + 1.0)
    T = np.vstack([X[:40] + 0.05, rng.normal(size=(40, D)) * 3])
    w = rng.integers(0, 4, N).astype(float)
    W, b = rng.normal(size=(3, D)), rng.normal(size=3)
    return X, y, w, T, (W, b)


def make_detectors(head):
    return [
        KNNOOD(n_neighbors=5),
        KNNOOD(n_neighbors=4, whiten=True),
        KNNOOD(n_neighbors=4, normalize=None, class_conditional=True),
        ResidualOOD(n_components=3),
        ResidualOOD(n_components=2, head=head),
        ViM(n_components=3, head=head),
    ]


IDS = ["knn", "knn-whiten", "knn-raw-classes", "residual", "residual-head", "vim"]


# -------------------------------------------------------------------- Dask
@pytest.mark.parametrize("index", range(6), ids=IDS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_dask_fit_and_scores_equal_in_memory(unmaterialisable, monkeypatch, index,
                                             weighted):
    # few offset rows, so that gathering them is not gathering X
    monkeypatch.setattr(_feature_base, "_OFFSET_ROWS", 50)
    X, y, w, T, head = data()
    sw = w if weighted else None
    memory = make_detectors(head)[index].fit(X, y, sample_weight=sw)
    lazy = make_detectors(head)[index].fit(unmaterialisable(X, 70), y,
                                           sample_weight=sw)
    assert lazy.offset_ == pytest.approx(memory.offset_, abs=1e-10)
    np.testing.assert_allclose(lazy.decision_scores_, memory.decision_scores_,
                               atol=1e-10)
    T_lazy = unmaterialisable(T, 25)
    for method in ("score_samples", "decision_function", "predict"):
        out = getattr(lazy, method)(T_lazy)
        assert out.chunks == ((25, 25, 25, 5),)  # lazy, with T's row chunks
        np.testing.assert_allclose(out.compute(), getattr(memory, method)(T),
                                   atol=1e-10)
    # a dask-fitted detector scores NumPy rows, an in-memory one dask rows
    np.testing.assert_allclose(lazy.score_samples(T), memory.score_samples(T),
                               atol=1e-10)
    np.testing.assert_allclose(memory.score_samples(T_lazy).compute(),
                               memory.score_samples(T), atol=1e-10)


def test_dask_knn_never_computes_the_bank_whole(unmaterialisable):
    """The bank is read block by block; each task sees one bank block."""
    da = pytest.importorskip("dask.array")
    X, _, _, T, _ = data()
    detector = KNNOOD(n_neighbors=5).fit(unmaterialisable(X, 45))
    assert isinstance(detector._bank, da.Array)
    assert max(detector._bank.chunks[0]) == 45
    graph = dict(detector.score_samples(unmaterialisable(T, 40)).__dask_graph__())
    assert len(graph) > 8 * 2  # (test blocks x bank blocks) pair tasks


def test_dask_vim_probe_head_and_calibration_errors(unmaterialisable):
    X, y, *_ = data()
    with pytest.raises(ValueError, match="head=None"):
        ViM().fit(unmaterialisable(X, 70), y)
    with pytest.raises(ValueError, match="calibration"):
        KNNOOD(calibration=0.2).fit(unmaterialisable(X, 70))


def test_dask_residual_at_1e300(unmaterialisable):
    X, *_ = data()
    memory = ResidualOOD(n_components=3).fit(X * 1e300)
    lazy = ResidualOOD(n_components=3).fit(unmaterialisable(X * 1e300, 70))
    assert lazy.scale_ == memory.scale_ != 1.0
    np.testing.assert_allclose(lazy.eigenvalues_, memory.eigenvalues_, rtol=1e-9)
    assert lazy.offset_ == pytest.approx(memory.offset_, rel=1e-9)


# ------------------------------------------------------------ array API
@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
@pytest.mark.parametrize("index", range(6), ids=IDS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_device_fit_and_scores_equal_numpy(namespace, dtype, index, weighted):
    X, y, w, T, head = data()
    sw = w if weighted else None
    reference = make_detectors(head)[index].fit(X.astype(dtype), y, sample_weight=sw)
    xp, (X_dev, T_dev, y_dev) = to_namespace(namespace, dtype, X, T, y)
    with sklearn.config_context(array_api_dispatch=True):
        detector = make_detectors(head)[index].fit(X_dev, y_dev, sample_weight=sw)
        outputs = {method: getattr(detector, method)(T_dev)
                   for method in ("score_samples", "decision_function", "predict")}
    tol = TOLERANCE[dtype]
    assert detector.offset_ == pytest.approx(reference.offset_, rel=tol, abs=tol)
    for method, out in outputs.items():
        assert namespace_of(out) == namespace
        expected = getattr(reference, method)(T.astype(dtype))
        if method == "predict":
            # labels may differ only where the decision is within rounding of 0
            close = np.abs(reference.decision_function(T.astype(dtype))) < 10 * tol
            assert np.all((to_host(out) == expected) | close)
        else:
            assert str(out.dtype).endswith(dtype)
            np.testing.assert_allclose(to_host(out), expected, rtol=tol, atol=tol)


def test_device_fit_keeps_the_knn_bank_on_the_device():
    xp = pytest.importorskip("array_api_strict")
    X, _, _, T, _ = data()
    _, (X_dev, T_dev) = to_namespace("array_api_strict", "float64", X, T)
    with sklearn.config_context(array_api_dispatch=True):
        detector = KNNOOD(n_neighbors=5).fit(X_dev)
        assert namespace_of(detector._features) == "array_api_strict"
        assert detector._features.device == xp.Device("device1")
    # NumPy rows are scored on the bank's device, the result comes back
    np.testing.assert_allclose(detector.score_samples(T),
                               KNNOOD(n_neighbors=5).fit(X).score_samples(T),
                               atol=1e-10)


def test_device_input_errors():
    X, y, *_ = data()
    _, (X_dev, y_dev) = to_namespace("torch", "float64", X, y)
    bad = X.copy()
    bad[3, 2] = np.nan
    _, (bad_dev,) = to_namespace("torch", "float64", bad)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="NaN"):
            KNNOOD().fit(bad_dev)
        with pytest.raises(ValueError, match="head=None"):
            ViM().fit(X_dev, y_dev)
        with pytest.raises(ValueError, match="calibration"):
            ResidualOOD(calibration=0.2).fit(X_dev)
        fitted = ResidualOOD(n_components=2).fit(X_dev)
        with pytest.raises(ValueError, match="NaN"):
            fitted.score_samples(bad_dev)
        with pytest.raises(ValueError, match="features"):
            fitted.score_samples(X_dev[:, :3])


def test_dask_weights_and_labels_may_be_dask(unmaterialisable):
    da = pytest.importorskip("dask.array")
    X, y, w, T, _ = data()
    memory = KNNOOD(n_neighbors=4, class_conditional=True).fit(X, y, sample_weight=w)
    lazy = KNNOOD(n_neighbors=4, class_conditional=True).fit(
        unmaterialisable(X, 70), da.from_array(y, chunks=70),
        sample_weight=da.from_array(w, chunks=70))
    np.testing.assert_allclose(lazy.score_samples(T), memory.score_samples(T),
                               atol=1e-10)
