"""KDEMode's methods, predict/labels_/sample, extreme inputs and invariances.

References that do not trust the code: plain NumPy mean shift, closed-form
moments, numerical integrals, binomial bounds over seeds, invariances.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import quad
from sklearn.metrics import adjusted_rand_score

from sklearn_lowdim.datasets import make_gaussian_mixture, make_mode_finding_problem
from sklearn_lowdim.density import KDEMode, clt_bandwidth_factor
from sklearn_lowdim.density._kernel_functions import make_kernel
from sklearn_lowdim.density._search import n_random_starts


def numpy_mean_shift(starts, X, h, n_iter=500):
    """Gaussian mean shift, plain NumPy, to convergence."""
    positions = np.array(starts, dtype=float)
    for _ in range(n_iter):
        sq = ((positions[:, None, :] - X[None]) ** 2).sum(-1)
        log_k = -sq / (2 * h * h)
        k = np.exp(log_k - log_k.max(axis=1, keepdims=True))
        moved = k @ X / k.sum(axis=1, keepdims=True)
        done = np.abs(moved - positions).max() < 1e-12 * h
        positions = moved
        if done:
            break
    return positions


@pytest.mark.filterwarnings("ignore:The KDE at the mode")
def test_sketch_finds_a_small_basin_that_single_random_starts_miss():
    # 5% of the points in the global mode's basin: one random start lands there
    # with probability 0.05 (the generator's known answer), the sketch always.
    hits, n_seeds = 0, 30
    X, mode, h = make_mode_finding_problem(600, 40, mode_fraction=0.05,
                                           random_state=0)
    for seed in range(n_seeds):
        est = KDEMode(bandwidth=h, method="random_starts", n_starts=1,
                      random_state=seed).fit(X)
        hits += np.linalg.norm(est.mode_ - mode) < 0.1 * h
    # Binomial(30, 0.05): P(hits > 7) < 1e-3.
    assert hits <= 7
    for seed in range(3):
        est = KDEMode(bandwidth=h, method="sketch", sketch_dim=10,
                      random_state=seed).fit(X)
        assert est.method_ == "sketch" and est.sketch_dim_ == 10
        assert np.linalg.norm(est.mode_ - mode) < 0.05 * h


@pytest.mark.filterwarnings("ignore:The KDE at the mode")
def test_random_starts_from_every_point_equal_bruteforce():
    X = make_gaussian_mixture(300, 4, n_components=3, random_state=1)[0]
    everywhere = KDEMode(bandwidth=1.0, method="random_starts", n_starts=300,
                         tol=1e-10).fit(X)
    brute = KDEMode(bandwidth=1.0, method="bruteforce", tol=1e-10).fit(X)
    np.testing.assert_allclose(everywhere.mode_, brute.mode_, atol=1e-7)
    reference = numpy_mean_shift(brute.mode_[None], X, 1.0)[0]
    np.testing.assert_allclose(brute.mode_, reference, atol=1e-7)


@pytest.mark.filterwarnings("ignore:The KDE at the mode")
def test_auto_takes_random_starts_by_default_and_the_sketch_for_small_basins():
    X, mode, h = make_mode_finding_problem(2000, 100, mode_fraction=0.01,
                                           random_state=2)
    assert KDEMode(bandwidth=h).fit(X).method_ == "random_starts"
    hard = KDEMode(bandwidth=h, min_mode_fraction=0.01, random_state=0).fit(X)
    assert hard.method_ == "sketch"
    assert np.linalg.norm(hard.mode_ - mode) < 0.05 * h
    box = KDEMode("box", bandwidth=3 * h, min_mode_fraction=0.01).fit(X[:200])
    assert box.method_ == "random_starts"
    # The guarantee: k misses in a row have probability (1 - f)^k <= 5%.
    for f in (0.5, 0.1, 0.01, 0.005):
        k = n_random_starts(f)
        assert (1 - f) ** k <= 0.05 < (1 - f) ** (k - 1)


@pytest.mark.filterwarnings("ignore:The KDE at the mode")
@pytest.mark.parametrize("kernel", ["gaussian", "logistic"])
def test_extreme_bandwidths_inside_the_range_give_the_limits(kernel):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(30, 3))
    w = rng.uniform(1, 2, 30)
    w[7] = 5.0
    spread = np.abs(X - w @ X / w.sum()).max()
    tiny = KDEMode(kernel, bandwidth=1e-4 * spread, method="bruteforce").fit(
        X, sample_weight=w)
    # Each point is its own mode: the heaviest one wins.
    np.testing.assert_allclose(tiny.mode_, X[7])
    huge = KDEMode(kernel, bandwidth=1e90 * spread, method="bruteforce").fit(
        X, sample_weight=w)
    # A flat kernel: the weighted mean.
    np.testing.assert_allclose(huge.mode_, w @ X / w.sum(), rtol=1e-9, atol=1e-12)
    assert np.isfinite(tiny.mode_log_density_) and np.isfinite(huge.mode_log_density_)


@pytest.mark.parametrize("bandwidth", [1e-200, 1e-120, 1e-7, 1e120, 1e200, np.inf])
def test_out_of_range_bandwidths_name_the_range(bandwidth):
    X = np.random.default_rng(4).normal(size=(20, 2))
    with pytest.raises(ValueError, match=r"bandwidth.*(between|range)"):
        KDEMode(bandwidth=bandwidth).fit(X)


def test_non_finite_input_is_rejected_everywhere():
    X = np.random.default_rng(5).normal(size=(20, 2))
    est = KDEMode(random_state=0).fit(X)
    for bad in (np.nan, np.inf, -np.inf):
        Y = X.copy()
        Y[3, 1] = bad
        for call in (KDEMode().fit, est.score_samples, est.predict, est.score):
            with pytest.raises(ValueError, match="NaN|infinity"):
                call(Y)
        with pytest.raises(ValueError, match="n_samples|n_features"):
            clt_bandwidth_factor(bad, 10)
        with pytest.raises(ValueError, match="n_features"):
            clt_bandwidth_factor(100, bad)
        with pytest.raises(ValueError, match="beta"):
            make_kernel("generalized_gaussian", bad)
    with pytest.raises(ValueError, match="n_features"):
        clt_bandwidth_factor(100, 0)


def test_predict_follows_the_mean_shift_flow():
    X, labels, _ = make_gaussian_mixture(240, 5, n_components=3, random_state=6)
    est = KDEMode(bandwidth=1.0, n_modes=3, method="bruteforce", tol=1e-9).fit(X)
    assert len(est.modes_) == 3
    np.testing.assert_array_equal(est.cluster_centers_, est.modes_)
    ends = numpy_mean_shift(X, X, 1.0)
    expected = np.argmin(((ends[:, None] - est.modes_[None]) ** 2).sum(-1), axis=1)
    np.testing.assert_array_equal(est.labels_, expected)
    assert adjusted_rand_score(labels, est.labels_) == 1.0
    np.testing.assert_array_equal(est.predict(est.modes_), [0, 1, 2])
    Y = X[:10] + 0.05
    copy = Y.copy()
    np.testing.assert_array_equal(est.predict(Y), est.predict(Y[::-1])[::-1])
    np.testing.assert_array_equal(Y, copy)


@pytest.mark.filterwarnings("ignore:The KDE at the mode")
def test_gaussian_sample_moments_match_the_closed_form():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(6, 3)) * [1.0, 2.0, 0.5]
    w = rng.uniform(0.5, 3.0, 6)
    copy_X, copy_w = X.copy(), w.copy()
    est = KDEMode(bandwidth=0.7, method="bruteforce").fit(X, sample_weight=w)
    draws = est.sample(100_000, random_state=0)
    p = w / w.sum()
    mean = p @ X
    cov = (X - mean).T @ ((X - mean) * p[:, None]) + 0.49 * np.eye(3)
    se = np.sqrt(np.diag(cov) / len(draws))
    assert np.all(np.abs(draws.mean(axis=0) - mean) < 5 * se)
    np.testing.assert_allclose(np.cov(draws.T), cov, atol=0.05 * cov.max())
    np.testing.assert_array_equal(X, copy_X)
    np.testing.assert_array_equal(w, copy_w)
    np.testing.assert_array_equal(est.sample(5, random_state=1),
                                  est.sample(5, random_state=1))
    with pytest.raises(ValueError, match="n_samples"):
        est.sample(0)


@pytest.mark.parametrize("kernel, beta", [("box", 1.0), ("logistic", 1.0),
                                          ("sigmoid", 1.0),
                                          ("generalized_gaussian", 0.6)])
def test_sample_radius_matches_the_kernel_by_quadrature(kernel, beta):
    # From a single point, a draw is pure kernel noise: E|y|^2 / h^2 is
    # int r^(d+1) kappa(r^2) dr / int r^(d-1) kappa(r^2) dr.
    d, h = 3, 0.8
    est = KDEMode(kernel, beta=beta, bandwidth=h, method="bruteforce").fit(
        np.array([[1.0, -2.0, 0.5], [1.0, -2.0, 0.5]]))
    draws = est.sample(40_000, random_state=0) - [1.0, -2.0, 0.5]
    r2 = (draws**2).sum(axis=1) / h**2
    k = make_kernel(kernel, beta)
    upper = 1.0 if kernel == "box" else 200.0
    top = quad(lambda r: r ** (d + 1) * k.value(r * r), 0, upper, limit=200)[0]
    bottom = quad(lambda r: r ** (d - 1) * k.value(r * r), 0, upper, limit=200)[0]
    assert abs(r2.mean() - top / bottom) < 5 * r2.std() / np.sqrt(len(r2))
    if kernel == "box":
        assert r2.max() <= 1.0


SETTINGS = settings(max_examples=12, deadline=None)


@SETTINGS
@given(offset=st.floats(-1e8, 1e8), method=st.sampled_from(["bruteforce", "sketch"]))
def test_modes_move_with_a_translation(offset, method):
    X = make_gaussian_mixture(40, 3, n_components=2, random_state=8)[0]
    common = {"bandwidth": 1.5, "method": method, "sketch_dim": 2, "tol": 1e-10,
              "random_state": 0}
    base = KDEMode(**common).fit(X)
    moved = KDEMode(**common).fit(X + offset)
    # X + offset is rounded to the spacing of offset's float64 neighbours.
    atol = 1e-6 + 8 * np.spacing(abs(offset))
    np.testing.assert_allclose(moved.mode_, base.mode_ + offset, rtol=0, atol=atol)
    np.testing.assert_allclose(moved.mode_log_density_, base.mode_log_density_,
                               rtol=1e-6)


@pytest.mark.filterwarnings("ignore:mode_density_ overflows")
@SETTINGS
@given(exponent=st.floats(-150, 150), bandwidth=st.sampled_from([1.5, "auto"]))
def test_modes_scale_with_the_data(exponent, bandwidth):
    scale = 10.0**exponent
    X = make_gaussian_mixture(40, 3, n_components=2, random_state=9)[0]
    common = {"method": "bruteforce", "tol": 1e-10}
    base = KDEMode(bandwidth=bandwidth, **common).fit(X)
    scaled_h = bandwidth if bandwidth == "auto" else bandwidth * scale
    scaled = KDEMode(bandwidth=scaled_h, **common).fit(X * scale)
    np.testing.assert_allclose(scaled.mode_ / scale, base.mode_, rtol=1e-7,
                               atol=1e-7)
    np.testing.assert_allclose(scaled.bandwidth_ / scale, base.bandwidth_,
                               rtol=1e-9)
    # A density scales by scale ** -d.
    np.testing.assert_allclose(
        scaled.mode_log_density_ + 3 * np.log(scale), base.mode_log_density_,
        rtol=1e-7, atol=1e-7)
    with np.errstate(over="ignore"):
        assert scaled.mode_density_ == np.exp(scaled.mode_log_density_)


def test_density_overflow_warns():
    X = make_gaussian_mixture(40, 3, n_components=2, random_state=9)[0] * 1e-120
    with pytest.warns(UserWarning, match="mode_log_density_"):
        est = KDEMode(bandwidth=1e-120, method="bruteforce").fit(X)
    assert np.isinf(est.mode_density_) and np.isfinite(est.mode_log_density_)
