"""SensitivitySampler: probabilities, unbiasedness, embedding quality, bad input."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose
from sklearn.base import clone

from sklearn_lowdim.sampling import (
    LpRegression,
    SensitivitySampler,
    bernoulli_probabilities,
    subspace_distortion,
)
from sklearn_lowdim.sampling._fixtures import make_coherent_regression


def test_bernoulli_probabilities_sum_and_cap():
    rng = np.random.default_rng(0)
    s = rng.pareto(1.0, 1000)
    pi = bernoulli_probabilities(s, 100)
    assert pi.sum() == pytest.approx(100)
    assert pi.max() <= 1.0
    free = pi < 1
    # the uncapped rows are proportional to their scores
    assert_allclose(pi[free] / s[free], (pi[free] / s[free])[0])
    # every capped row scores higher than every uncapped row
    assert s[~free].min() >= s[free].max()


def test_bernoulli_probabilities_few_positive_scores():
    pi = bernoulli_probabilities(np.array([0.0, 2.0, 0.0, 1.0]), 3)
    assert_allclose(pi, [0.0, 1.0, 0.0, 1.0])


@pytest.mark.parametrize("scheme", ["bernoulli", "with_replacement"])
def test_unbiased_within_4_standard_errors(scheme):
    A, b, _ = make_coherent_regression(3000, 5, rare_rows=10, random_state=1)
    sampler = SensitivitySampler(p=1, n_samples=150, scheme=scheme)
    sampler.fit(A, b)
    # reuse the fitted scores and redraw: the draw is what is tested
    X = np.random.default_rng(2).standard_normal((5, 3))
    B = np.column_stack([np.ones(3000), A[:, :4]])  # one intercept + 4 columns
    ratios = []
    for seed in range(300):
        s = clone(sampler).set_params(random_state=seed, scores=sampler.scores_)
        s.fit(A, b)
        full = np.abs(B @ X[:, :1]).sum(axis=0)
        est = s.sample_weight_ @ np.abs(B[s.sample_indices_] @ X[:, :1])
        ratios.append(est / full)
    ratios = np.array(ratios).ravel()
    se = ratios.std(ddof=1) / np.sqrt(len(ratios))
    assert abs(ratios.mean() - 1) < 4 * se


def test_with_replacement_merges_duplicates():
    A, b, _ = make_coherent_regression(2000, 4, rare_rows=5, random_state=0)
    s = SensitivitySampler(p=2, n_samples=300, scheme="with_replacement",
                           random_state=0).fit(A, b)
    assert len(np.unique(s.sample_indices_)) == len(s.sample_indices_)
    assert len(s.sample_indices_) <= 300


def test_n_samples_forms():
    A, b, _ = make_coherent_regression(1000, 4, rare_rows=5, random_state=0)
    assert SensitivitySampler(n_samples=0.25).fit(A, b).n_samples_ == 250
    assert SensitivitySampler(n_samples=100).fit(A, b).n_samples_ == 100
    auto = SensitivitySampler(p=1, n_samples="auto").fit(A, b)
    r = auto.rank_
    assert r == 6  # 4 columns + intercept + y
    assert auto.n_samples_ == int(np.ceil(10 * r * np.log(r)))


@pytest.mark.parametrize("n_samples", [0, -3, 1.5, 5000])
def test_bad_n_samples(n_samples):
    A, b, _ = make_coherent_regression(1000, 4, rare_rows=5, random_state=0)
    with pytest.raises(ValueError, match="n_samples"):
        SensitivitySampler(n_samples=n_samples).fit(A, b)


def test_precomputed_scores_validated():
    A, b, _ = make_coherent_regression(200, 3, rare_rows=5, random_state=0)
    with pytest.raises(ValueError, match="shape"):
        SensitivitySampler(scores=np.ones(10)).fit(A, b)
    s = SensitivitySampler(scores=np.ones(200), n_samples=50, random_state=0)
    assert_allclose(s.fit(A, b).probabilities_, 0.25)


def test_bad_p_and_nan():
    A, b, _ = make_coherent_regression(200, 3, rare_rows=5, random_state=0)
    with pytest.raises(ValueError, match="p"):
        SensitivitySampler(p=0).fit(A, b)
    A[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SensitivitySampler().fit(A, b)


def test_fit_resample_and_no_inplace_and_pickle():
    A, b, _ = make_coherent_regression(1000, 4, rare_rows=5, random_state=0)
    A32 = A.astype(np.float32)
    A_copy = A32.copy()
    s = SensitivitySampler(p=1, n_samples=200, random_state=0)
    X_s, y_s = s.fit_resample(A32, b)
    w = s.sample_weight_
    np.testing.assert_array_equal(A32, A_copy)
    assert X_s.dtype == np.float32
    assert_allclose(X_s, A32[s.sample_indices_])
    assert_allclose(y_s, b[s.sample_indices_])
    assert np.all(w >= 1.0)
    s2 = pickle.loads(pickle.dumps(s))
    np.testing.assert_array_equal(s2.sample_indices_, s.sample_indices_)
    # same seed, same draw
    s3 = clone(s).fit(A32, b)
    np.testing.assert_array_equal(s3.sample_indices_, s.sample_indices_)


def test_sample_weight_multiplies_output_weights():
    A, b, _ = make_coherent_regression(500, 3, rare_rows=5, random_state=0)
    sw = np.full(500, 3.0)
    s = SensitivitySampler(p=2, n_samples=500, random_state=0)
    s.fit(A, b, sample_weight=sw)
    assert_allclose(s.sample_weight_, 3.0)  # all rows kept with pi = 1


def test_subspace_distortion_of_identity_sample_is_zero():
    A = np.random.default_rng(0).standard_normal((300, 4))
    assert subspace_distortion(A, np.arange(300), np.ones(300), p=1) < 1e-12
    # dropping half the rows with weight 2 is not exact
    half = np.arange(0, 300, 2)
    assert subspace_distortion(A, half, np.full(150, 2.0), p=1) > 0.01
    with pytest.raises(ValueError, match="same shape"):
        subspace_distortion(A, half, np.ones(3))


@pytest.fixture(scope="module")
def coherent():
    # The spec's fixture at full size: n = 100,000, d = 20 (+ intercept + y).
    A, b, _ = make_coherent_regression(100_000, 20, random_state=0)
    B = np.column_stack([A, np.ones(len(A)), b])
    return A, b, B


@pytest.mark.parametrize("p, max_distortion", [(1.0, 0.2), (3.0, 0.1)])
def test_coherent_lewis_embeds_uniform_does_not(coherent, p, max_distortion):
    # Spec A6 at m = 1000: Lewis distortion 0.09-0.11 (p=1) and 0.03-0.05 (p=3);
    # uniform sampling >= 1 (it misses the rare columns).
    A, b, B = coherent
    lewis = SensitivitySampler(p=p, n_samples=1000, random_state=0).fit(A, b)
    d_lewis = subspace_distortion(B, lewis.sample_indices_, lewis.sample_weight_, p,
                                  random_state=0)
    uniform = SensitivitySampler(p=p, n_samples=1000, scores="uniform",
                                 random_state=0).fit(A, b)
    d_uniform = subspace_distortion(B, uniform.sample_indices_,
                                    uniform.sample_weight_, p, random_state=0)
    assert d_lewis < max_distortion
    assert d_uniform >= 1.0


@pytest.mark.parametrize("p", [1.0, 3.0])
def test_coherent_coreset_cost_ratio(coherent, p):
    A, b, _ = coherent
    full = LpRegression(p=p, solver="irls").fit(A, b)
    core = LpRegression(p=p, coreset_size=1000, random_state=0).fit(A, b)

    def cost(model):
        return np.sum(np.abs(A @ model.coef_ + model.intercept_ - b) ** p) ** (1 / p)

    assert cost(core) / cost(full) <= 1.01
    assert 800 <= len(core.coreset_indices_) <= 1200


@pytest.mark.parametrize("scores", ["lewis", "root_leverage", "mixture"])
def test_coherent_sketched_scores_embed(coherent, scores):
    # score_method="sketch": sketched leverage / approximate Lewis weights
    A, b, B = coherent
    s = SensitivitySampler(p=1.5, n_samples=1000, scores=scores,
                           score_method="sketch", random_state=0).fit(A, b)
    assert subspace_distortion(B, s.sample_indices_, s.sample_weight_, 1.5,
                               random_state=0) < 0.25

@pytest.mark.parametrize("scores", ["lewis", "root_leverage", "leverage"])
def test_lazy_augmented_rows_give_the_same_scores(scores):
    from sklearn_lowdim.sampling import _linalg
    from sklearn_lowdim.sampling._sampler import _scores_for

    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 6))
    y = X @ rng.standard_normal(6) + rng.standard_normal(3000)
    sw = rng.uniform(0.5, 2.0, 3000)
    lazy = _linalg.AugmentedRows(X, np.column_stack([np.ones(3000), y]), sw ** 0.5)
    full = np.column_stack([X, np.ones(3000), y]) * (sw ** 0.5)[:, None]
    np.testing.assert_array_equal(np.asarray(lazy), full)
    np.testing.assert_array_equal(lazy[np.array([5, 2, 7])], full[[5, 2, 7]])
    a, rank_a = _scores_for(lazy, 2.0 if scores == "leverage" else 1.0, scores,
                            "sketch", np.random.RandomState(3))
    b, rank_b = _scores_for(full, 2.0 if scores == "leverage" else 1.0, scores,
                            "sketch", np.random.RandomState(3))
    np.testing.assert_allclose(a, b, rtol=1e-9)
    assert rank_a == rank_b


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scaled", [False, True])
def test_augmented_rows_passes_match_dense_products(dtype, scaled):
    """The Numba passes over [X, extra] * scale equal the dense products."""
    from sklearn_lowdim.sampling import _linalg

    rng = np.random.default_rng(1)
    n = 5000
    X = rng.standard_normal((n, 7)).astype(dtype)
    extra = np.column_stack([np.ones(n), rng.standard_normal(n)])
    scale = rng.uniform(0.5, 2.0, n) if scaled else None
    lazy = _linalg.AugmentedRows(X, extra, scale)
    full = np.column_stack([X.astype(np.float64), extra])
    if scaled:
        full *= scale[:, None]
    for r in (1, 4, 9):
        T = rng.standard_normal((9, r))
        expected = ((full @ T) ** 2).sum(axis=1)
        np.testing.assert_allclose(_linalg.row_sq_norms_of_product(lazy, T),
                                   expected, rtol=1e-10,
                                   atol=1e-13 * expected.max())
    buckets = rng.integers(0, 50, n)
    signs = rng.choice([-1.0, 1.0], n)
    S = np.zeros((50, n))
    S[buckets, np.arange(n)] = signs
    np.testing.assert_allclose(lazy.count_sketch(buckets, signs, 50), S @ full,
                               rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize("n_features, expected", [(3, "sketch"), (20, "exact")])
def test_score_method_auto_sketches_tall_matrices(n_features, expected):
    """'auto' picks 'sketch' iff n >= 40 d^2 (d: columns of [X, 1, y])."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, n_features))
    y = X.sum(axis=1) + rng.laplace(size=2000)
    auto = SensitivitySampler(p=1, n_samples=100, random_state=0).fit(X, y)
    assert auto.score_method_ == expected
    explicit = SensitivitySampler(p=1, n_samples=100, score_method=expected,
                                  random_state=0).fit(X, y)
    np.testing.assert_array_equal(auto.scores_, explicit.scores_)
    np.testing.assert_array_equal(auto.sample_indices_, explicit.sample_indices_)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("score_method", ["exact", "sketch"])
@pytest.mark.parametrize("scores", ["lewis", "leverage", "root_leverage", "mixture",
                                    "uniform", "array"])
@pytest.mark.parametrize("with_y", [False, True])
def test_nan_inf_in_X_raise_on_every_scoring_path(bad, score_method, scores, with_y):
    """The sketched paths check X through the CountSketch, the others directly:
    both give scikit-learn's message."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 3))
    y = X.sum(axis=1) if with_y else None
    X[123, 1] = bad
    sampler = SensitivitySampler(
        p=1, n_samples=100, score_method=score_method, random_state=0,
        scores=np.ones(3000) if scores == "array" else scores)
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        sampler.fit(X, y)


@pytest.mark.parametrize("coreset_size", [None, 200])
def test_lp_regression_rejects_nan_in_X(coreset_size):
    from sklearn_lowdim.sampling import LpRegression

    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 3))
    y = X.sum(axis=1)
    X[7, 0] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        LpRegression(p=1.5, coreset_size=coreset_size, score_method="sketch",
                     random_state=0).fit(X, y)
