"""Issue 14 for the Gaussian detectors: invariances, streaming, weights, bad input."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import rankdata
from sklearn.base import clone
from sklearn.covariance import LedoitWolf

from sklearn_lowdim.covariance import GaussianStatistics
from sklearn_lowdim.ood import (
    LayerEnsembleOOD,
    MahalanobisOOD,
    RobustMahalanobis,
    WDiscOOD,
    _base,
)

GAUSSIAN = [
    MahalanobisOOD(),
    MahalanobisOOD(relative=True),
    MahalanobisOOD(covariance="ledoit_wolf"),
    MahalanobisOOD(covariance="oas", normalize="l2"),
    WDiscOOD(),
    WDiscOOD(covariance=0.2, between_weighting="sample"),
]


def _data(n=240, d=5, n_classes=3, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (n_classes, d))
    y = rng.integers(0, n_classes, n)
    X = centres[y] + rng.normal(size=(n, d)) @ rng.normal(size=(d, d))
    return X, y, rng.normal(0, 4, (50, d))


def test_between_class_covariance_against_brute_force():
    X, y, _ = _data(seed=1)
    w = np.random.default_rng(2).integers(1, 4, len(X)).astype(float)
    stats = GaussianStatistics.from_data(X, y, n_classes=3, sample_weight=w)
    # brute force on the repeated rows
    R, yr = np.repeat(X, w.astype(int), axis=0), np.repeat(y, w.astype(int))
    mu = R.mean(axis=0)
    means = np.array([R[yr == k].mean(axis=0) for k in range(3)])
    freq = np.bincount(yr) / len(yr)
    expected = sum(f * np.outer(m - mu, m - mu) for f, m in zip(freq, means))
    np.testing.assert_allclose(stats.between_class_covariance(), expected,
                               rtol=1e-10, atol=1e-12)
    # law of total covariance
    np.testing.assert_allclose(stats.covariance() + stats.between_class_covariance(),
                               np.cov(R.T, bias=True), rtol=1e-10, atol=1e-12)
    uniform = sum(np.outer(m - mu, m - mu) for m in means) / 3
    np.testing.assert_allclose(stats.between_class_covariance(np.full(3, 1 / 3)),
                               uniform, rtol=1e-10, atol=1e-12)
    for bad in ([0.5, 0.5], [0.5, 0.6, -0.1], [0.2, 0.2, 0.2], [np.nan, 0.5, 0.5]):
        with pytest.raises(ValueError, match="priors"):
            stats.between_class_covariance(np.array(bad))


def test_one_whitener_for_mahalanobis_and_wdisc():
    X, y, _ = _data(seed=3)
    for covariance in ("empirical", "ledoit_wolf"):
        maha = MahalanobisOOD(covariance=covariance).fit(X, y)
        wdisc = WDiscOOD(covariance=covariance).fit(X, y)
        np.testing.assert_array_equal(maha.whitener_.W_, wdisc.whitener_.W_)
        # and it whitens: W^T Sigma W = I
        W = maha.whitener_.W_
        np.testing.assert_allclose(W.T @ maha.covariance_ @ W, np.eye(W.shape[1]),
                                   atol=1e-10)


@pytest.mark.parametrize("detector", GAUSSIAN, ids=repr)
def test_partial_fit_predicts_like_fit(detector, monkeypatch):
    # a small row budget makes the stream double its stride several times
    monkeypatch.setattr(_base, "_OFFSET_ROWS", 37)
    X, y, X_test = _data(n=500, seed=4)
    full = clone(detector).fit(X, y)
    stream = clone(detector)
    for chunk in np.array_split(np.arange(len(X)), 7):
        stream.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
    assert stream.offset_ == pytest.approx(full.offset_, rel=1e-9, abs=1e-12)
    both = np.vstack([X, X_test])
    np.testing.assert_array_equal(stream.predict(both), full.predict(both))
    np.testing.assert_allclose(stream.score_samples(both), full.score_samples(both),
                               rtol=1e-8, atol=1e-10)


def test_offset_sample_keeps_the_rows_fit_scores():
    rng = np.random.default_rng(5)
    for n in (1, 37, 38, 75, 1000):
        X = rng.normal(size=(n, 2))
        sample = _base._OffsetSample()
        limit = _base._OFFSET_ROWS
        try:
            _base._OFFSET_ROWS = 37
            for chunk in np.array_split(np.arange(n), 5):
                rows, _ = sample.add(X[chunk], None)
            stride = _base.offset_stride(n)
        finally:
            _base._OFFSET_ROWS = limit
        np.testing.assert_array_equal(rows, X[::stride])


def test_covariance_object_is_cloned_not_fitted():
    X, y, _ = _data(seed=6)
    estimator = LedoitWolf()
    detector = MahalanobisOOD(covariance=estimator).fit(X, y)
    assert not hasattr(estimator, "covariance_")
    assert detector.covariance is estimator


@pytest.mark.parametrize("detector", [MahalanobisOOD(), WDiscOOD(),
                                      MahalanobisOOD(relative=True)], ids=repr)
def test_no_within_class_spread_is_a_clear_error(detector):
    X = np.array([[0.0, 1.0], [2.0, 5.0]])
    with pytest.raises(ValueError, match="within-class covariance is zero"):
        clone(detector).fit(X, [0, 1])


@pytest.mark.parametrize("magnitude", [1e-300, 1e-160, 1e160, 1e300])
@pytest.mark.parametrize("detector", [*GAUSSIAN, LayerEnsembleOOD(layers=[2, 3])],
                         ids=repr)
def test_extreme_magnitudes_give_the_same_scores(detector, magnitude):
    # issue 14: squares of 1e-300 underflow, of 1e300 overflow; the model is
    # fitted on X divided by a power of two, so neither happens
    X, y, X_test = _data(n=120, seed=15)
    base = clone(detector).fit(X, y)
    scaled = clone(detector).fit(X * magnitude, y)
    np.testing.assert_allclose(scaled.score_samples(X_test * magnitude),
                               base.score_samples(X_test), rtol=1e-8, atol=1e-10)
    np.testing.assert_array_equal(scaled.predict(X * magnitude), base.predict(X))
    if hasattr(detector, "partial_fit"):
        stream = clone(detector)
        for chunk in np.array_split(np.arange(len(X)), 3):
            stream.partial_fit(X[chunk] * magnitude, y[chunk], classes=[0, 1, 2])
        np.testing.assert_allclose(stream.score_samples(X_test * magnitude),
                                   base.score_samples(X_test), rtol=1e-8,
                                   atol=1e-10)


def test_units_do_not_change_mahalanobis_scores():
    # per-feature scales from 1e-4 to 1e4 (issue 14: rank correlation was 0.77)
    X, y, X_test = _data(d=6, seed=7)
    scales = np.logspace(-4, 4, 6)
    for detector in (MahalanobisOOD(), MahalanobisOOD(covariance="ledoit_wolf")):
        base = clone(detector).fit(X, y)
        if detector.covariance == "ledoit_wolf":
            # shrinkage toward a scaled identity is not scale-free: only the
            # eigenvalue floor must be, so compare the plain whitener
            continue
        moved = clone(detector).fit(X * scales, y)
        np.testing.assert_allclose(moved.score_samples(X_test * scales),
                                   base.score_samples(X_test), rtol=1e-8)


def _same_decisions(base, moved, X_base, X_moved):
    s0, s1 = base.score_samples(X_base), moved.score_samples(X_moved)
    scale = np.max(np.abs(s0)) + 1.0
    np.testing.assert_allclose(s1, s0, rtol=1e-6, atol=1e-6 * scale)
    clear = np.abs(s0 - base.offset_) > 1e-5 * scale
    np.testing.assert_array_equal(moved.predict(X_moved)[clear],
                                  base.predict(X_base)[clear])
    # rank-identical up to rounding ties
    apart = np.min(np.diff(np.sort(s0))) > 1e-5 * scale
    if apart:
        np.testing.assert_array_equal(rankdata(s1), rankdata(s0))


INVARIANT = [MahalanobisOOD(), MahalanobisOOD(relative=True), WDiscOOD(),
             RobustMahalanobis(), LayerEnsembleOOD(layers=[2, 2])]


@settings(max_examples=6, deadline=None)
@given(seed=st.integers(0, 10_000),
       log_scales=st.lists(st.floats(-150, 150), min_size=4, max_size=4),
       offsets=st.lists(st.floats(-1e8, 1e8), min_size=4, max_size=4))
def test_translation_and_per_feature_scaling_invariance(seed, log_scales, offsets):
    X, y, X_test = _data(n=120, d=4, seed=seed)
    s, b = 10.0 ** np.array(log_scales), np.array(offsets)
    for detector in INVARIANT:
        base = clone(detector).fit(X, y)
        moved = clone(detector).fit((X + b) * s, y)
        _same_decisions(base, moved, X_test, (X_test + b) * s)


WEIGHTED = [*GAUSSIAN, LayerEnsembleOOD(layers=[2, 3]),
            LayerEnsembleOOD(layers=[2, 3], detector=WDiscOOD()),
            RobustMahalanobis(), RobustMahalanobis(contamination=0.1)]


@pytest.mark.parametrize("detector", WEIGHTED, ids=repr)
def test_integer_sample_weight_equals_repeated_rows(detector):
    X, y, X_test = _data(n=90, seed=8)
    w = np.random.default_rng(9).integers(0, 4, len(X))
    w[:3] = [0, 2, 3]
    weighted = clone(detector).fit(X, y, sample_weight=w.astype(float))
    repeated = clone(detector).fit(np.repeat(X, w, axis=0), np.repeat(y, w))
    np.testing.assert_allclose(weighted.score_samples(X_test),
                               repeated.score_samples(X_test), rtol=1e-7, atol=1e-9)
    assert weighted.offset_ == pytest.approx(repeated.offset_, rel=1e-7, abs=1e-9)


def test_weighted_percentile_is_numpy_on_repeated_values():
    rng = np.random.default_rng(10)
    for _ in range(20):
        values = rng.normal(size=rng.integers(1, 30))
        w = rng.integers(0, 5, len(values))
        w[rng.integers(len(w))] += 1
        for q in (0.0, 2.5, 5.0, 37.0, 50.0, 99.0, 100.0):
            assert _base.weighted_percentile(values, q, w.astype(float)) == \
                pytest.approx(np.percentile(np.repeat(values, w), q), rel=1e-12,
                              abs=1e-12)


def test_bad_sample_weight():
    X, y, _ = _data(seed=11)
    for bad, match in (([-1.0] + [1.0] * (len(X) - 1), "negative"),
                       ([np.nan] * len(X), "NaN"), ([0.0] * len(X), "zero"),
                       ([1.0] * 3, "sample_weight")):
        for detector in (MahalanobisOOD(), RobustMahalanobis(), LayerEnsembleOOD()):
            with pytest.raises(ValueError, match=match):
                detector.fit(X, y, sample_weight=np.array(bad))
    with pytest.raises(ValueError, match="covariance estimator object"):
        MahalanobisOOD(covariance=LedoitWolf()).fit(X, y, sample_weight=np.ones(len(X)))


def _public_calls(detector, X, y):
    """Every public method of a fitted ``detector`` as (name, thunk) on ``X``."""
    calls = [("score_samples", lambda: detector.score_samples(X)),
             ("decision_function", lambda: detector.decision_function(X)),
             ("predict", lambda: detector.predict(X)),
             ("fit", lambda: clone(detector).fit(X, y)),
             ("fit_predict", lambda: clone(detector).fit_predict(X, y))]
    if hasattr(detector, "set_threshold"):
        calls.append(("set_threshold", lambda: detector.set_threshold(X)))
    if hasattr(detector, "partial_fit"):
        calls.append(("partial_fit", lambda: clone(detector).partial_fit(X, y)))
    for name in ("class_distances", "score_components"):
        if hasattr(detector, name):
            calls.append((name, lambda name=name: getattr(detector, name)(X)))
    return calls


@pytest.mark.parametrize("detector", [*GAUSSIAN, LayerEnsembleOOD(),
                                      RobustMahalanobis()], ids=repr)
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_input_rejected_by_every_public_method(detector, value):
    X, y, _ = _data(seed=12)
    fitted = clone(detector).fit(X, y)
    bad = X.copy()
    bad[3, 1] = value
    kept = bad.copy()
    for name, call in _public_calls(fitted, bad, y):
        with pytest.raises(ValueError, match="NaN|infinity"):
            call()
        np.testing.assert_array_equal(bad, kept, err_msg=name)


def _bad_inputs(rng):
    X = rng.normal(size=(40, 4))
    y = np.arange(40) % 2
    yield "one row", X[:1], y[:1]
    yield "two rows", X[:2], y[:2]
    yield "empty", X[:0], y[:0]
    yield "one row per class", X[:4], np.arange(4)
    yield "constant", np.ones((40, 4)), y
    yield "duplicated columns", np.hstack([X, X]), y
    yield "n < d", rng.normal(size=(6, 12)), np.arange(6) % 2
    yield "tiny", X * 1e-300, y
    yield "huge", X * 1e300, y
    yield "common offset", X + 1e8, y
    yield "one class", X, np.zeros(40)
    yield "string labels", X, np.where(y == 0, "cat", "dog")
    yield "float32", X.astype(np.float32), y
    yield "Fortran order", np.asfortranarray(X), y
    yield "integers", rng.integers(0, 5, (40, 4)), y
    yield "1-D", X[:, 0], y
    yield "3-D", X.reshape(40, 2, 2), y
    yield "labels of another length", X, y[:10]


@pytest.mark.parametrize("detector", [*GAUSSIAN, LayerEnsembleOOD(),
                                      RobustMahalanobis()], ids=repr)
def test_bad_input_sweep(detector):
    """A clear ValueError or a finite result, never another exception type."""
    rng = np.random.default_rng(13)
    for name, X, y in _bad_inputs(rng):
        kept = X.copy()
        try:
            model = clone(detector).fit(X, y)
        except ValueError as exc:
            assert str(exc), name
        else:
            scores = model.score_samples(X)
            assert np.all(np.isfinite(scores)), name
            assert set(np.unique(model.predict(X))) <= {-1, 1}, name
        np.testing.assert_array_equal(X, kept, err_msg=name)


def test_one_class_wdisc_is_the_mahalanobis_distance():
    X, _, X_test = _data(seed=14)
    wdisc = WDiscOOD(residual_weight=2.0).fit(X)
    assert wdisc.n_discriminants_ == 0
    # closed form: one Gaussian, pseudo-inverse of the covariance of all rows
    centred = X_test - X.mean(axis=0)
    d2 = np.einsum("ij,jk,ik->i", centred, np.linalg.pinv(np.cov(X.T, bias=True)),
                   centred)
    np.testing.assert_allclose(wdisc.score_samples(X_test), -2.0 * np.sqrt(d2),
                               rtol=1e-8)
    np.testing.assert_allclose(MahalanobisOOD().fit(X).score_samples(X_test), -d2,
                               rtol=1e-8)


@pytest.mark.parametrize("detector", [MahalanobisOOD(), WDiscOOD(),
                                      MahalanobisOOD(covariance="ledoit_wolf")],
                         ids=repr)
def test_weighted_partial_fit_equals_weighted_fit(detector, monkeypatch):
    monkeypatch.setattr(_base, "_OFFSET_ROWS", 41)
    X, y, X_test = _data(n=300, seed=16)
    w = np.random.default_rng(17).uniform(0, 3, len(X))
    full = clone(detector).fit(X, y, sample_weight=w)
    stream = clone(detector)
    for chunk in np.array_split(np.arange(len(X)), 4):
        stream.partial_fit(X[chunk], y[chunk], classes=[0, 1, 2],
                           sample_weight=w[chunk])
    assert stream.offset_ == pytest.approx(full.offset_, rel=1e-9)
    np.testing.assert_allclose(stream.score_samples(X_test),
                               full.score_samples(X_test), rtol=1e-8)
