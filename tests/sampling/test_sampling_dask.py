"""Out-of-core paths: a tall dask array gives the NumPy results."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_lowdim.sampling import leverage_scores, lewis_weights
from sklearn_lowdim.utils._testing import counted_reads

da = pytest.importorskip("dask.array")


def _tall(seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((6000, 5)) * np.abs(rng.standard_t(2, 6000))[:, None]
    return A, da.from_array(A, chunks=(1000, 5))


def test_dask_leverage_scores_match_numpy():
    A, Ad = _tall()
    tau = leverage_scores(Ad)
    assert isinstance(tau, da.Array)
    assert_allclose(tau.compute(), leverage_scores(A), atol=1e-12)


@pytest.mark.parametrize("p", [1.0, 3.0])
def test_dask_lewis_weights_match_numpy(p):
    A, Ad = _tall(1)
    w, info = lewis_weights(Ad, p, return_info=True)
    assert info["residual"] <= 1e-8
    assert_allclose(w.compute(), lewis_weights(A, p), rtol=1e-6)
    assert float(w.sum().compute()) == pytest.approx(5.0)


def test_dask_on_a_local_cluster():
    distributed = pytest.importorskip("distributed")
    A, Ad = _tall(2)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster, distributed.Client(cluster):
        w = lewis_weights(Ad, 1.0).compute()
    assert_allclose(w, lewis_weights(A, 1.0), rtol=1e-6)


def test_dask_nan_raises():
    A, _ = _tall()
    A[5, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        leverage_scores(da.from_array(A, chunks=(1000, 5))).compute()


# --- the estimators on data that must never be materialised whole -------------

from sklearn.linear_model import LinearRegression  # noqa: E402

from sklearn_lowdim.sampling import (  # noqa: E402
    CoresetEstimator,
    LpRegression,
    SensitivitySampler,
)


@pytest.mark.parametrize("p", [1.0, 3.0])
def test_lewis_weights_read_x_once_per_iteration(p):
    X, _, _ = _regression(6, n=2000)
    X_d, count = counted_reads(X, 500)
    w, info = lewis_weights(X_d, p, return_info=True)
    assert info["n_iter"] > 3
    assert_allclose(w.compute(), lewis_weights(X, p), rtol=1e-6)
    assert count() == 2 + info["n_iter"]  # TSQR, the start, one per iteration


@pytest.mark.parametrize("p", [1.0, 3.0])
def test_dask_approximate_lewis_weights_close_to_exact(p):
    # the in-memory approximation's bounds, on the same heavy-tailed fixture
    rng = np.random.default_rng(9)
    A = rng.standard_normal((20000, 6)) * np.abs(rng.standard_t(2, 20000))[:, None]
    A_d, count = counted_reads(A, 2000)
    approx, info = lewis_weights(A_d, p, method="approximate", return_info=True,
                                 random_state=0)
    assert count() == 4  # TSQR, sampling scores, sampled rows, every weight
    assert isinstance(approx, da.Array) and approx.chunks[0] == A_d.chunks[0]
    approx = approx.compute()
    assert info["sample_size"] < 2000
    assert approx.sum() == pytest.approx(6.0)
    lo, hi = np.percentile(approx / lewis_weights(A, p), [1, 99])
    assert 0.85 <= lo and hi <= 1.15


def test_dask_approximate_lewis_weights_fall_back_to_exact_on_few_rows():
    # 30 r log r = 323 sampled rows would be more than half of 500: exact
    rng = np.random.default_rng(3)
    A = rng.standard_normal((500, 6)) * np.abs(rng.standard_t(2, 500))[:, None]
    A_d, count = counted_reads(A, 100)
    w, info = lewis_weights(A_d, 1.0, method="approximate", return_info=True,
                            random_state=0)
    assert "sample_size" not in info
    assert count() == 2 + info["n_iter"]  # one TSQR, shared with the fallback
    assert_allclose(w.compute(), lewis_weights(A, 1.0), rtol=1e-6)


@pytest.mark.parametrize("seed", range(5))
def test_lp_regression_on_tall_dask_sketches_the_scores(unmaterialisable, seed):
    # [X, 1, y] has 6 columns, so 20,000 rows are tall: 'auto' sketches, as in
    # memory, and the coreset fit stays within 5% of the optimal objective.
    X, y, _ = _regression(seed, n=20000)
    X_d, count = counted_reads(X, 2000)
    reg = LpRegression(p=1, coreset_size=600, random_state=seed).fit(
        X_d, da.from_array(y, chunks=2000))
    assert count() == 6  # 4 for the scores, the coreset, the objective
    assert reg._sampler().fit(X, y).score_method_ == "sketch"
    best = LpRegression(p=1).fit(X, y)
    optimum = np.sum(np.abs(y - X @ best.coef_ - best.intercept_))
    assert optimum <= reg.full_objective_ <= 1.05 * optimum


def _regression(seed=0, n=4000, d=4):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * np.abs(rng.standard_t(2, n))[:, None] + 2.0
    y = X @ np.arange(1.0, d + 1) + rng.laplace(size=n)
    return X, y, rng.uniform(0.5, 2.0, n)


# The TSQR leverage scores equal the QR ones to rounding (1e-10); the Lewis
# weights are the same fixed point reached to tol=1e-8 in a different order of
# sums, so they agree to 1e-6 relative; a row whose uniform falls within that
# of its probability could flip, which has probability about 1e-5 here.
SAMPLER_CASES = [
    ({"p": 2.0, "scores": "leverage"}, 1e-10),
    ({"p": 1.0, "scores": "root_leverage"}, 1e-10),
    ({"p": 1.0}, 1e-6),
    ({"p": 3.0, "scores": "mixture"}, 1e-6),
    ({"p": 1.0, "scores": "uniform"}, 1e-10),
    ({"p": 2.0, "scores": "leverage", "scheme": "with_replacement"}, 1e-10),
    ({"p": 1.0, "scheme": "with_replacement"}, 1e-6),
]


@pytest.mark.parametrize("params, rtol", SAMPLER_CASES, ids=str)
def test_sampler_on_dask_equals_in_memory(unmaterialisable, params, rtol):
    X, y, w = _regression()
    X_d, y_d = unmaterialisable(X, 1000), da.from_array(y, chunks=700)
    sampler = SensitivitySampler(n_samples=300, score_method="exact",
                                 random_state=0, **params)
    sampler.fit(X_d, y_d, sample_weight=w)
    ref = SensitivitySampler(n_samples=300, score_method="exact", random_state=0,
                             **params).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(sampler.sample_indices_, ref.sample_indices_)
    assert_allclose(sampler.sample_weight_, ref.sample_weight_, rtol=rtol)
    for name in ("scores_", "probabilities_"):
        lazy = getattr(sampler, name)
        assert isinstance(lazy, da.Array)
        assert lazy.chunks[0] == X_d.chunks[0]
        assert_allclose(lazy.compute(), getattr(ref, name), rtol=rtol, atol=1e-12)
    assert sampler.rank_ == ref.rank_
    assert sampler.total_sensitivity_ == pytest.approx(ref.total_sensitivity_,
                                                       rel=rtol)


def test_dask_probabilities_sum_to_the_target(unmaterialisable):
    """The lazy Bernoulli probabilities: in [0, 1], summing to ``m`` (closed
    form of the construction), with the largest scores capped at one."""
    X, _, _ = _regression(1)
    sampler = SensitivitySampler(p=2, n_samples=50, scores="leverage",
                                 fit_intercept=False, random_state=0)
    sampler.fit(unmaterialisable(X, 500))
    pi = sampler.probabilities_.compute()
    assert pi.min() >= 0 and pi.max() == 1.0
    assert pi.sum() == pytest.approx(50, rel=1e-12)


def test_coreset_estimator_on_dask_equals_in_memory(unmaterialisable):
    X, y, _ = _regression(2)
    X_d = unmaterialisable(X, 1000)

    def model():
        return CoresetEstimator(
            LinearRegression(),
            SensitivitySampler(p=2, n_samples=300, score_method="exact"),
            random_state=0)

    est = model().fit(X_d, y)
    ref = model().fit(X, y)
    assert_allclose(est.estimator_.coef_, ref.estimator_.coef_, rtol=1e-10)
    pred = est.predict(X_d)
    assert isinstance(pred, da.Array) and pred.chunks[0] == X_d.chunks[0]
    assert_allclose(pred.compute(), ref.predict(X), rtol=1e-10)


@pytest.mark.parametrize("p, rtol", [(2.0, 1e-10), (1.5, 1e-6), (1.0, 1e-6)])
def test_lp_regression_on_dask_equals_in_memory(unmaterialisable, p, rtol):
    X, y, w = _regression(3)
    X_d = unmaterialisable(X, 1000)
    kwargs = {"p": p, "coreset_size": 300, "score_method": "exact",
              "random_state": 0}
    reg = LpRegression(**kwargs).fit(X_d, da.from_array(y, chunks=1000),
                                     sample_weight=w)
    ref = LpRegression(**kwargs).fit(X, y, sample_weight=w)
    np.testing.assert_array_equal(reg.coreset_indices_, ref.coreset_indices_)
    assert_allclose(reg.coef_, ref.coef_, rtol=rtol, atol=rtol)
    assert reg.intercept_ == pytest.approx(ref.intercept_, rel=rtol, abs=rtol)
    # the objective over all rows, against a direct sum with the fitted model
    direct = np.sum(w * np.abs(y - X @ reg.coef_ - reg.intercept_) ** p)
    assert reg.full_objective_ == pytest.approx(direct, rel=1e-10)
    pred = reg.predict(X_d)
    assert isinstance(pred, da.Array) and pred.chunks[0] == X_d.chunks[0]
    assert_allclose(pred.compute(), X @ reg.coef_ + reg.intercept_, rtol=1e-12)


def test_dask_estimators_refuse_what_needs_all_rows(unmaterialisable):
    X, y, _ = _regression(4, n=500)
    X_d = unmaterialisable(X, 100)
    with pytest.raises(ValueError, match="coreset_size"):
        LpRegression(p=1).fit(X_d, y)
    with pytest.raises(ValueError, match="precomputed"):
        SensitivitySampler(scores=np.ones(500)).fit(X_d)
    with pytest.raises(ValueError, match="rows"):
        SensitivitySampler().fit(X_d, y[:-1])
    with pytest.raises(ValueError, match="negative"):
        SensitivitySampler().fit(X_d, sample_weight=-np.ones(500))


def test_fit_resample_on_dask_returns_the_lazy_coreset(unmaterialisable):
    X, y, _ = _regression(5, n=1000)
    sampler = SensitivitySampler(p=2, n_samples=80, scores="leverage",
                                 random_state=0)
    X_s, y_s = sampler.fit_resample(unmaterialisable(X, 250), y)
    idx = sampler.sample_indices_
    np.testing.assert_array_equal(X_s.compute(), X[idx])
    np.testing.assert_array_equal(np.asarray(y_s), y[idx])


@pytest.mark.parametrize("scores, passes", [("leverage", 2), ("uniform", 0)])
def test_stated_number_of_passes(scores, passes):
    X, y, _ = _regression(6, n=2000)
    X_d, count = counted_reads(X, 500)
    SensitivitySampler(p=2, n_samples=200, scores=scores, random_state=0).fit(X_d)
    assert count() == passes
    X_d, count = counted_reads(X, 500)
    CoresetEstimator(LinearRegression(),
                     SensitivitySampler(p=2, n_samples=200, scores=scores),
                     random_state=0).fit(X_d, y)
    assert count() == passes + 1  # + the gathered coreset
    X_d, count = counted_reads(X, 500)
    LpRegression(p=2, coreset_size=200, scores=scores, random_state=0).fit(X_d, y)
    assert count() == passes + 2  # + the coreset and the objective
