"""OOD detectors beyond one NumPy array: streaming, dask, array-API inputs, float32."""

import numpy as np
import pytest
from scipy.stats import spearmanr
from sklearn.covariance import EmpiricalCovariance

from sklearn_lowdim.ood import MahalanobisOOD, WDiscOOD

DETECTORS = [
    MahalanobisOOD(),
    MahalanobisOOD(relative=True),
    MahalanobisOOD(covariance="ledoit_wolf", normalize="l2"),
    WDiscOOD(residual_weight=2.0),
    WDiscOOD(covariance=0.2, normalize="l2"),
]


def _data(n=400, d=7, n_classes=4, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (n_classes, d))
    y = rng.integers(0, n_classes, n)
    X = centres[y] + rng.normal(size=(n, d)) @ rng.normal(size=(d, d))
    return X, y, rng.normal(0, 4, (60, d))


def _ill_conditioned(n=3000, d=40, n_classes=30, seed=0):
    # eigenvalues from 1e-9 to 1: whitened centres far from every centring point
    rng = np.random.default_rng(seed)
    basis = np.linalg.qr(rng.normal(size=(d, d)))[0]
    root = basis * np.sqrt(np.logspace(-9, 0, d))
    centres = rng.normal(size=(n_classes, d))
    y = rng.integers(0, n_classes, n)
    X = centres[y] + rng.normal(size=(n, d)) @ root.T
    X_test = centres[rng.integers(0, n_classes, 500)] + 1.3 * rng.normal(
        size=(500, d)) @ root.T
    return X, y, X_test


@pytest.mark.parametrize("detector", DETECTORS, ids=repr)
def test_partial_fit_equals_fit(detector):
    X, y, X_test = _data()
    full = detector.fit(X, y)
    expected = full.score_samples(X_test)
    stream = type(detector)(**detector.get_params())
    for chunk in np.array_split(np.random.default_rng(1).permutation(len(X)), 4):
        stream.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
    np.testing.assert_allclose(stream.score_samples(X_test), expected, rtol=1e-8)


@pytest.mark.parametrize("detector", DETECTORS, ids=repr)
def test_dask_fit_matches_numpy(detector):
    da = pytest.importorskip("dask.array")
    distributed = pytest.importorskip("distributed")
    X, y, X_test = _data()
    ref = type(detector)(**detector.get_params()).fit(X, y)
    with distributed.LocalCluster(processes=False, n_workers=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        model = detector.fit(da.from_array(X, chunks=(90, 3)),
                             da.from_array(y, chunks=90))
        lazy = model.score_samples(da.from_array(X_test, chunks=(25, 7)))
        assert type(lazy).__module__.startswith("dask")
        scores = lazy.compute()
    np.testing.assert_allclose(model.means_, ref.means_, rtol=1e-10)
    np.testing.assert_allclose(model.whitener_.W_, ref.whitener_.W_, rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(scores, ref.score_samples(X_test), rtol=1e-10)
    assert model.offset_ == pytest.approx(ref.offset_, rel=1e-10)


def test_dask_rejects_covariance_objects_and_missing_labels():
    da = pytest.importorskip("dask.array")
    X, y, _ = _data()
    Xd = da.from_array(X, chunks=(90, 7))
    with pytest.raises(ValueError, match="all the rows in memory"):
        MahalanobisOOD(covariance=EmpiricalCovariance()).fit(Xd, y)
    # no labels is one class, on dask as in memory
    np.testing.assert_allclose(MahalanobisOOD().fit(Xd).score_samples(X),
                               MahalanobisOOD().fit(X).score_samples(X), rtol=1e-10)


@pytest.mark.parametrize("namespace", ["array_api_strict", "torch"])
@pytest.mark.parametrize("detector", DETECTORS, ids=repr)
def test_array_api_scores_stay_in_namespace(namespace, detector):
    # a NumPy fit scores device rows once moved there with scikit-learn's
    # move_estimator_to (unmoved, the namespaces differ: a ValueError)
    import array_api_compat
    import sklearn

    from sklearn_lowdim.utils._sklearn_compat import move_estimator_to

    if move_estimator_to is None:
        pytest.skip("scikit-learn < 1.8 has no move_estimator_to")
    xp = pytest.importorskip(namespace)
    X, y, X_test = _data()
    model = detector.fit(X, y)
    Xx = xp.asarray(X_test)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="move_estimator_to"):
            model.score_samples(Xx)
        moved = move_estimator_to(model, array_api_compat.array_namespace(Xx),
                                  array_api_compat.device(Xx))
        scores = moved.score_samples(Xx)
        decision = moved.decision_function(Xx)
    assert type(scores).__module__.split(".")[0] == type(Xx).__module__.split(".")[0]
    np.testing.assert_allclose(np.asarray(scores), model.score_samples(X_test),
                               rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.asarray(decision),
                               model.decision_function(X_test), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("detector", [MahalanobisOOD(), MahalanobisOOD(relative=True),
                                      WDiscOOD()], ids=repr)
def test_float32_ranks_like_float64_on_ill_conditioned_features(detector):
    X, y, X_test = _ill_conditioned()
    model = detector.fit(X, y)
    s64 = model.score_samples(X_test)
    X32 = X_test.astype(np.float32)
    # the reference scores the same float32-rounded rows in float64
    s_ref = model.score_samples(X32.astype(np.float64))
    s32 = model.score_samples(X32)
    assert spearmanr(s32, s_ref).statistic > 0.999
    assert spearmanr(s64, s_ref).statistic > 0.999


def test_offset_of_a_large_fit_comes_from_evenly_spaced_rows():
    X, y, _ = _data(n=50_000, d=5)
    model = MahalanobisOOD(contamination=0.05).fit(X, y)
    scores = model.score_samples(X)
    # every s-th row, s the smallest power of two leaving at most 20,000 (here
    # 4: 12,500 rows), so that partial_fit can keep the same rows
    rows = np.arange(0, len(X), 4)
    assert model.offset_ == pytest.approx(np.percentile(scores[rows], 5), rel=1e-12)
    # and it lands where the contamination says on all fit rows
    assert np.mean(scores < model.offset_) == pytest.approx(0.05, abs=0.005)
