"""KDEMode against brute force, closed forms, scikit-learn and its invariances."""

import pickle

import numpy as np
import pytest
from scipy.optimize import brentq
from scipy.stats import special_ortho_group
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KernelDensity
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lowdim.datasets import make_gaussian_mixture
from sklearn_lowdim.density import KDEMode, clt_bandwidth_factor
from sklearn_lowdim.density._kernel_functions import make_kernel
from sklearn_lowdim.density._mean_shift import blocked_step


def gaussian_mixture(n, d, n_components=8, seed=0):
    """The spec's fixture: separated components (about 4 sqrt(d)), sd 0.8-1.2."""
    return make_gaussian_mixture(n, d, n_components=n_components, random_state=seed)[0]


@pytest.mark.parametrize("n, d", [(5000, 100), (5000, 1000)])
def test_sketch_reaches_brute_force_density(n, d):
    # The sizes; brute force runs mean shift from every data point in the
    # original space (3 s and 12 s here with the GEMM-based Gaussian step).
    X = gaussian_mixture(n, d)
    h = 0.5 * np.sqrt(d)
    brute = KDEMode(bandwidth=h, method="bruteforce").fit(X)
    sketch = KDEMode(bandwidth=h, method="sketch", random_state=0).fit(X)
    ratio = np.exp(sketch.mode_log_density_ - brute.mode_log_density_)
    assert ratio >= 0.999
    assert sketch.sketch_dim_ == 20


@pytest.mark.parametrize("method", ["sketch", "bruteforce"])
@pytest.mark.parametrize("kernel", ["gaussian", "logistic", "sigmoid"])
def test_symmetric_two_points(method, kernel):
    # Two points at -a and a with a small against h: the only mode is 0.
    X = np.array([[-0.5], [0.5]])
    est = KDEMode(kernel, bandwidth=2.0, method=method, tol=1e-10,
                  max_iter=500, polish_iter=500).fit(X)
    np.testing.assert_allclose(est.mode_, [0.0], atol=1e-6)


@pytest.mark.filterwarnings("ignore:The KDE at the mode")
@pytest.mark.parametrize("method", ["sketch", "bruteforce"])
def test_one_dimensional_closed_form(method):
    # Weighted points 0 (weight 3) and 1 (weight 1), Gaussian kernel, h = 2: one
    # mode, the root of f'(x) = 0, found here by brentq on the derivative.
    X = np.array([[0.0], [1.0]])
    w = np.array([3.0, 1.0])
    h = 2.0

    def derivative(x):
        return np.sum(w * (X[:, 0] - x) * np.exp(-((x - X[:, 0]) ** 2) / (2 * h * h)))

    expected = brentq(derivative, 0.0, 1.0, xtol=1e-14)
    est = KDEMode(bandwidth=h, method=method, tol=1e-12, max_iter=1000,
                  polish_iter=1000).fit(X, sample_weight=w)
    np.testing.assert_allclose(est.mode_, [expected], atol=1e-7)


def test_lifting_with_identity_sketch_is_one_mean_shift_step():
    rng = np.random.default_rng(1)
    points = rng.normal(size=(200, 6))
    points -= points.mean(axis=0)
    est = KDEMode(bandwidth=1.5).fit(points)
    y = rng.normal(size=(3, 6))
    lifted = est._lift(y, points, points, np.ones(200))
    shifted, _ = blocked_step(y, points, np.ones(200), make_kernel("gaussian"), 1.5)
    np.testing.assert_allclose(lifted, shifted, rtol=1e-10)


@pytest.mark.parametrize("kernel, beta", [("gaussian", 1), ("logistic", 1),
                                          ("sigmoid", 1),
                                          ("generalized_gaussian", 0.6)])
def test_mean_shift_steps_never_lower_the_density(kernel, beta):
    # The minorise-maximise guarantee behind lifting: for a kernel convex in t,
    # x -> sum g_i p_i / sum g_i does not decrease the KDE.
    rng = np.random.default_rng(2)
    points = rng.normal(size=(300, 10))
    k = make_kernel(kernel, beta)
    x = rng.normal(size=(20, 10)) * 2
    _, before = blocked_step(x, points, np.ones(300), k, 2.0)
    for _ in range(5):
        x, _ = blocked_step(x, points, np.ones(300), k, 2.0)
        _, after = blocked_step(x, points, np.ones(300), k, 2.0)
        assert np.all(after >= before - 1e-12)
        before = after


@pytest.mark.parametrize("kernel", ["gaussian", "box"])
def test_score_samples_equals_sklearn_kernel_density(kernel):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 4))
    est = KDEMode(kernel, bandwidth=1.2, method="bruteforce").fit(X)
    sk_kernel = "tophat" if kernel == "box" else "gaussian"
    reference = KernelDensity(kernel=sk_kernel, bandwidth=1.2).fit(X)
    Y = X[:20] + 0.1
    np.testing.assert_allclose(est.score_samples(Y), reference.score_samples(Y),
                               rtol=1e-10)
    np.testing.assert_allclose(est.score(Y), reference.score(Y), rtol=1e-10)


def test_same_seed_same_mode_and_invariances():
    X = gaussian_mixture(600, 40, seed=4)
    est = KDEMode(method="sketch", random_state=7).fit(X)
    again = KDEMode(method="sketch", random_state=7).fit(X)
    np.testing.assert_array_equal(est.mode_, again.mode_)

    shift = np.full(40, 25.0)
    moved = KDEMode(method="sketch", random_state=7).fit(X + shift)
    np.testing.assert_allclose(moved.mode_, est.mode_ + shift, atol=1e-6)

    rotation = special_ortho_group.rvs(40, random_state=0)
    brute = KDEMode(method="bruteforce").fit(X)
    rotated = KDEMode(method="bruteforce").fit(X @ rotation)
    np.testing.assert_allclose(rotated.mode_, brute.mode_ @ rotation, atol=1e-5)
    # The sketch sees a different projection of rotated data, but finds the
    # same mode up to the polishing tolerance.
    sketch_rotated = KDEMode(method="sketch", random_state=7).fit(X @ rotation)
    np.testing.assert_allclose(sketch_rotated.mode_, est.mode_ @ rotation,
                               atol=1e-3 * est.bandwidth_)


def test_n_modes_are_distinct_and_sorted():
    X = gaussian_mixture(800, 10, n_components=3, seed=5)
    est = KDEMode(n_modes=3, bandwidth=1.5, method="sketch", random_state=0).fit(X)
    assert est.modes_.shape[0] == 3
    assert np.all(np.diff(est.modes_log_density_) <= 0)
    gaps = np.linalg.norm(est.modes_[:, None] - est.modes_[None], axis=-1)
    assert gaps[np.triu_indices(3, 1)].min() > 0.1 * est.bandwidth_
    np.testing.assert_allclose(est.score_samples(est.modes_),
                               est.modes_log_density_, rtol=1e-10)


def test_bandwidth_rules():
    X = gaussian_mixture(5000, 100, seed=6)
    # The threshold the spec tabulates for n=5000, d=100.
    np.testing.assert_allclose(clt_bandwidth_factor(5000, 100), 1.71, atol=0.01)
    np.testing.assert_allclose(clt_bandwidth_factor(50000, 1000), 3.24, atol=0.01)
    scott = KDEMode(bandwidth="scott", method="bruteforce", n_starts=5,
                    polish=False, max_iter=1)
    with pytest.warns(UserWarning, match="effective points"):
        scott.fit(X[:2000])
    auto = KDEMode(random_state=0).fit(X[:2000])
    assert auto.bandwidth_ > scott.bandwidth_
    assert auto.effective_sample_size_ >= 10
    silverman = KDEMode(bandwidth="silverman", method="bruteforce", n_starts=3,
                        max_iter=1, polish=False)
    with pytest.warns(UserWarning):
        silverman.fit(X[:2000])
    assert silverman.bandwidth_ < scott.bandwidth_


@pytest.mark.filterwarnings("ignore:The KDE at the mode")
def test_sample_weight_equals_repeated_rows():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(60, 3))
    w = rng.integers(1, 4, size=60)
    weighted = KDEMode(method="bruteforce").fit(X, sample_weight=w)
    repeated = KDEMode(method="bruteforce").fit(np.repeat(X, w, axis=0))
    np.testing.assert_allclose(weighted.mode_, repeated.mode_, atol=1e-8)
    np.testing.assert_allclose(weighted.bandwidth_, repeated.bandwidth_)


def test_float32_and_no_inplace_modification():
    X = gaussian_mixture(300, 30, seed=9).astype(np.float32)
    copy = X.copy()
    est = KDEMode(random_state=0).fit(X)
    assert est.mode_.dtype == np.float32
    np.testing.assert_array_equal(X, copy)
    est64 = KDEMode(random_state=0).fit(X.astype(np.float64))
    np.testing.assert_allclose(est.mode_, est64.mode_, atol=1e-4)


@pytest.mark.parametrize(
    "params, fit_kwargs, match",
    [
        ({"bandwidth": 0.0}, {}, "bandwidth"),
        ({"bandwidth": -1.0}, {}, "bandwidth"),
        ({"sketch_dim": 0}, {}, "sketch_dim"),
        ({"kernel": "box", "method": "sketch"}, {}, "bruteforce"),
        ({}, {"sample_weight": -np.ones(10)}, "negative"),
        ({}, {"sample_weight": np.zeros(10)}, "non-zero|sums to zero"),
    ],
)
def test_bad_input(params, fit_kwargs, match):
    X = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match=match):
        KDEMode(**params).fit(X, **fit_kwargs)


def test_bad_data():
    with pytest.raises(ValueError, match="sample"):
        KDEMode().fit(np.ones((1, 3)))
    X = np.ones((5, 2))
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        KDEMode().fit(X)
    with pytest.raises(ValueError, match="identical"):
        KDEMode().fit(np.ones((5, 2)))


def test_sketch_dim_at_least_n_features_means_no_sketch():
    X = gaussian_mixture(200, 5, seed=10)
    est = KDEMode(sketch_dim=20, method="sketch", random_state=0).fit(X)
    assert est.sketch_dim_ == 5


@pytest.mark.filterwarnings("ignore:The KDE at the mode")
def test_pipeline_grid_search_clone_pickle():
    X = gaussian_mixture(300, 4, seed=11)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), KDEMode(method="bruteforce", n_starts=20)),
        {"kdemode__bandwidth": [0.3, 1.0, 3.0]},
        cv=3,
    ).fit(X)
    assert search.best_params_["kdemode__bandwidth"] in (0.3, 1.0, 3.0)
    est = KDEMode(random_state=0).fit(X)
    restored = pickle.loads(pickle.dumps(est))
    np.testing.assert_array_equal(restored.score_samples(X[:5]),
                                  est.score_samples(X[:5]))
    assert clone(est).get_params() == est.get_params()


@pytest.mark.parametrize("sketch", ["orthogonal", "countsketch", "srht"])
def test_other_sketches_reach_brute_force(sketch):
    X = gaussian_mixture(1500, 100, seed=12)
    h = 0.5 * np.sqrt(100)
    brute = KDEMode(bandwidth=h, method="bruteforce").fit(X)
    est = KDEMode(bandwidth=h, sketch=sketch, method="sketch",
                  random_state=0).fit(X)
    assert np.exp(est.mode_log_density_ - brute.mode_log_density_) >= 0.999
