"""KDEMode on row-chunked dask arrays: the in-memory fit, without ever computing X."""

import numpy as np
import pytest

from sklearn_lowdim.datasets import make_mode_finding_problem
from sklearn_lowdim.density import KDEMode
from sklearn_lowdim.utils._testing import counted_reads

pytest.importorskip("dask.array")


def _data(n=600, d=30, seed=0):
    X, _, h = make_mode_finding_problem(n, d, mode_fraction=0.05, random_state=seed)
    w = np.random.default_rng(seed).uniform(0.5, 2.0, n)
    return X, w, h


# Converged searches: at the default tol=1e-5 a rounding difference (BLAS
# blocking, the order of the block sums) may flip one stopping decision and move
# a mode by about tol * bandwidth; converged, both paths reach the same point.
CONVERGED = {"tol": 1e-11, "max_iter": 500, "polish_iter": 500}


def _assert_same_fit(lazy, eager):
    np.testing.assert_allclose(lazy.bandwidth_, eager.bandwidth_, rtol=1e-10)
    np.testing.assert_allclose(lazy.modes_, eager.modes_, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(lazy.modes_log_density_, eager.modes_log_density_,
                               rtol=1e-10)
    np.testing.assert_allclose(lazy.effective_sample_size_,
                               eager.effective_sample_size_, rtol=1e-10)
    assert lazy.method_ == eager.method_


@pytest.mark.filterwarnings("ignore:The KDE at the mode")
def test_lazy_labels_of_a_dask_fit(unmaterialisable):
    # Two far clusters: labels_ must split them as the in-memory fit does.
    rng = np.random.default_rng(4)
    X = np.vstack([rng.normal(0, 1, (60, 8)), rng.normal(0, 1, (30, 8)) + 9])
    options = {"bandwidth": 1.5, "n_modes": 2, "random_state": 0, "max_iter": 25}
    eager = KDEMode(**options).fit(X)
    lazy = KDEMode(**options).fit(unmaterialisable(X, 30))
    labels = lazy.labels_
    assert labels.chunks == ((30, 30, 30),)
    labels = labels.compute()
    np.testing.assert_array_equal(labels, eager.labels_)
    assert len(set(labels[:60])) == 1 and len(set(labels[60:])) == 1
    assert labels[0] != labels[-1]


@pytest.mark.filterwarnings("ignore:The KDE at the mode")
@pytest.mark.parametrize("params", [
    {"method": "sketch", "n_modes": 2},
    {"method": "random_starts", "kernel": "logistic"},
    {"method": "sketch", "sketch": "countsketch", "bandwidth": "scott"},
    {"method": "sketch", "sketch_dim": 40},  # no projection: screened search
])
def test_dask_fit_equals_in_memory_fit(unmaterialisable, params):
    X, w, _ = _data()
    eager = KDEMode(random_state=0, **CONVERGED, **params).fit(X, sample_weight=w)
    lazy = KDEMode(random_state=0, **CONVERGED, **params).fit(
        unmaterialisable(X, 150), sample_weight=w)
    _assert_same_fit(lazy, eager)


@pytest.mark.filterwarnings("ignore:The KDE at the mode")
def test_auto_bandwidth_raised_by_speculative_bisection_matches(unmaterialisable):
    # Two far clusters and a small n: the CLT bandwidth leaves points alone,
    # so 'auto' must double and bisect; the dask path evaluates 4 doublings
    # and 15 midpoints per pass and must land on the same bisection point.
    rng = np.random.default_rng(1)
    X = np.vstack([rng.normal(0, 1, (40, 60)), rng.normal(0, 0.05, (40, 60)) + 8])
    eager = KDEMode(method="random_starts", random_state=0, **CONVERGED).fit(X)
    lazy = KDEMode(method="random_starts", random_state=0, **CONVERGED).fit(
        unmaterialisable(X, 30))
    clt = KDEMode(method="random_starts", bandwidth="scott").fit(X)
    assert eager.bandwidth_ > 1.5 * clt.bandwidth_  # the threshold was raised
    _assert_same_fit(lazy, eager)


def test_lazy_scores_and_predict(unmaterialisable):
    X, w, h = _data(400, 25, seed=3)
    queries = X[::7] + 0.1
    eager = KDEMode(bandwidth=h, random_state=0, **CONVERGED).fit(
        X, sample_weight=w)
    lazy = KDEMode(bandwidth=h, random_state=0, **CONVERGED).fit(
        unmaterialisable(X, 100), sample_weight=w)
    dask_queries = unmaterialisable(queries, 20)
    scores = lazy.score_samples(dask_queries)
    assert scores.chunks == ((20, 20, 18),)
    np.testing.assert_allclose(scores.compute(), eager.score_samples(queries),
                               rtol=1e-10)
    np.testing.assert_allclose(lazy.score_samples(queries),
                               eager.score_samples(queries), rtol=1e-10)
    labels = eager.predict(dask_queries)
    assert labels.chunks == ((20, 20, 18),)
    np.testing.assert_array_equal(labels.compute(), eager.predict(queries))
    np.testing.assert_array_equal(lazy.predict(queries), eager.predict(queries))
    # Lazy mean shift of a dask X over a dask fit: max_iter passes, kept short.
    lazy.set_params(max_iter=40)
    lazy_labels = lazy.predict(dask_queries)
    assert lazy_labels.chunks == ((20, 20, 18),)
    np.testing.assert_array_equal(lazy_labels.compute(), eager.predict(queries))
    np.testing.assert_allclose(lazy.sample(5, random_state=0),
                               eager.sample(5, random_state=0), rtol=1e-10)


@pytest.mark.filterwarnings("ignore:The KDE at the mode")
def test_dask_refusals_name_the_fix(unmaterialisable):
    X, _, h = _data(200, 10)
    with pytest.raises(ValueError, match="method='sketch' or 'random_starts'"):
        KDEMode(bandwidth=h, method="bruteforce").fit(unmaterialisable(X, 50))
    bad = X.copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        KDEMode(bandwidth=h).fit(unmaterialisable(bad, 50))


@pytest.mark.filterwarnings("ignore:The KDE at the mode")
def test_auto_bandwidth_check_costs_the_stated_passes():
    # The user guide's count: 'auto' adds to Scott's rule one pass for the
    # query rows and one per evaluation (the start and 4 doublings; then 4
    # bisection steps a pass, 20 steps in all).
    import dask

    X, _, _ = make_mode_finding_problem(2000, 20, mode_fraction=0.05,
                                        random_state=0)
    passes = {}
    with dask.config.set(scheduler="sync"):
        for bandwidth in ("scott", "auto"):
            X_d, count = counted_reads(X, 500)
            KDEMode(bandwidth=bandwidth, method="random_starts", max_iter=5,
                    polish_iter=2, random_state=0).fit(X_d)
            passes[bandwidth] = count()
    assert passes["auto"] - passes["scott"] == 2 + 20 / 4
