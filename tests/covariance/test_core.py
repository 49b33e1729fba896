import numpy as np
import pytest
from scipy.linalg import pinvh
from scipy.special import logsumexp
from sklearn.covariance import OAS, ledoit_wolf
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as LDA

from sklearn_lowdim.covariance import (
    GaussianStatistics,
    SingularCovarianceWarning,
    Whitener,
    covariance_from_statistics,
    lda_shrunk_covariance,
    mahalanobis_distances,
    shrink_covariance,
)


def _data(n=120, d=4, C=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, C, n)
    X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d))
    X += 5 * rng.normal(size=(C, d))[y]
    return X, y


def _brute(X, y, w, C):
    d = X.shape[1]
    counts, means = np.zeros(C), np.zeros((C, d))
    scat, cs = np.zeros((d, d)), np.zeros((C, d, d))
    fourth = np.zeros(C)
    for k in range(C):
        m = y == k
        counts[k] = w[m].sum()
        means[k] = (w[m, None] * X[m]).sum(0) / counts[k]
        R = X[m] - means[k]
        cs[k] = (R * w[m, None]).T @ R
        fourth[k] = np.sum(w[m] * np.sum(R**2, 1) ** 2)
        scat += cs[k]
    return counts, means, scat, cs, fourth


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("d", [4, 80])  # 80: rows gathered in class order
@pytest.mark.parametrize("working_memory", [0.001, 0.05, None])
def test_statistics_match_brute_force(weighted, d, working_memory):
    X, y = _data(d=d)
    w = np.random.default_rng(1).uniform(0.1, 2, len(y))
    w = w if weighted else np.ones(len(y))
    st = GaussianStatistics.from_data(
        X, y, n_classes=3, sample_weight=w if weighted else None,
        class_scatter=True, moments=True, working_memory=working_memory)
    counts, means, scat, cs, fourth = _brute(X, y, w, 3)
    np.testing.assert_allclose(st.counts, counts)
    np.testing.assert_allclose(st.means, means, rtol=1e-12)
    np.testing.assert_allclose(st.scatter, scat, rtol=1e-10)
    np.testing.assert_allclose(st.class_scatter_, cs, rtol=1e-10, atol=1e-9)
    np.testing.assert_allclose(st.sq_dev, np.einsum("kii->ki", cs), rtol=1e-10)
    np.testing.assert_allclose(st.fourth, fourth, rtol=1e-10)


@pytest.mark.parametrize("d", [4, 80])
def test_statistics_float32_input_accumulate_in_float64(d):
    """float32 X is read as is and its statistics are float64 sums."""
    X, y = _data(d=d)
    X32 = X.astype(np.float32)
    st = GaussianStatistics.from_data(X32, y, n_classes=3, working_memory=0.01)
    counts, means, scat, _, _ = _brute(X32.astype(np.float64), y, np.ones(len(y)), 3)
    assert st.means.dtype == np.float64 and st.scatter.dtype == np.float64
    np.testing.assert_allclose(st.means, means, rtol=1e-12)
    np.testing.assert_allclose(st.scatter, scat, rtol=1e-10)


@pytest.mark.parametrize("d", [4, 80])
def test_statistics_empty_and_zero_weight_classes(d):
    """Classes with no rows or only zero weights keep a zero mean and count."""
    X, y = _data(d=d, C=4)
    y[y == 3] = 1  # class 3 absent; class 4 absent too (n_classes=5)
    w = np.ones(len(y))
    w[y == 2] = 0.0
    st = GaussianStatistics.from_data(X, y, n_classes=5, sample_weight=w,
                                      working_memory=0.01)
    keep = w > 0
    counts, means, scat, _, _ = _brute(X[keep], y[keep], w[keep], 2)
    np.testing.assert_allclose(st.counts, [counts[0], counts[1], 0, 0, 0])
    np.testing.assert_array_equal(st.n_obs[2:], 0)
    np.testing.assert_allclose(st.means[:2], means, rtol=1e-12)
    np.testing.assert_array_equal(st.means[2:], 0.0)
    np.testing.assert_allclose(st.scatter, scat, rtol=1e-10, atol=1e-9)
    np.testing.assert_array_equal(st.sq_dev[2:], 0.0)


@pytest.mark.parametrize("d", [4, 80])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_statistics_reject_nan_and_inf_through_class_sums(d, bad):
    """A NaN/inf anywhere (even in a zero-weight row) raises sklearn's error."""
    X, y = _data(d=d)
    X[7, d - 1] = bad
    w = np.ones(len(y))
    w[7] = 0.0
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        GaussianStatistics.from_data(X, y, n_classes=3, sample_weight=w)


def test_statistics_overflowing_sums_raise():
    X, y = _data(d=80)
    X[y == 0] = 1e308
    with pytest.raises(ValueError, match="overflow"):
        GaussianStatistics.from_data(X, y, n_classes=3)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_chan_merge_random_chunkings_equals_batch(seed):
    X, y = _data(seed=seed)
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(np.arange(1, len(y)), 6, replace=False))
    kw = {"n_classes": 3, "class_scatter": True, "moments": True}
    parts = [GaussianStatistics.from_data(Xb, yb, **kw)
             for Xb, yb in zip(np.split(X, cuts), np.split(y, cuts))]
    merged = parts[0]
    for p in parts[1:]:
        merged = merged.merge(p)
    batch = GaussianStatistics.from_data(X, y, **kw)
    for name in ("counts", "means", "scatter", "class_scatter_", "sq_dev", "fourth",
                 "third"):
        np.testing.assert_allclose(getattr(merged, name), getattr(batch, name),
                                   rtol=1e-10, atol=1e-8)


def test_update_in_place_and_shape_mismatch():
    X, y = _data()
    st = GaussianStatistics.from_data(X[:50], y[:50], n_classes=3)
    st.update(X[50:], y[50:])
    np.testing.assert_allclose(
        st.scatter, GaussianStatistics.from_data(X, y, n_classes=3).scatter,
        rtol=1e-10)
    with pytest.raises(ValueError, match="different shapes"):
        st.merge(GaussianStatistics(2, 4))


def test_ledoit_wolf_and_oas_pooled_match_sklearn_on_residuals():
    X, y = _data(n=60, d=8)
    st = GaussianStatistics.from_data(X, y, n_classes=3, moments=True)
    R = X - st.means[y]
    cov, s = covariance_from_statistics(st, "ledoit_wolf")
    ref_cov, ref_s = ledoit_wolf(R, assume_centered=True)
    np.testing.assert_allclose(s, ref_s, rtol=1e-10)
    np.testing.assert_allclose(cov, ref_cov, rtol=1e-10)
    cov, s = covariance_from_statistics(st, "oas")
    oas = OAS(assume_centered=True).fit(R)
    np.testing.assert_allclose(s, oas.shrinkage_, rtol=1e-10)
    np.testing.assert_allclose(cov, oas.covariance_, rtol=1e-10)


def test_per_class_and_bad_shrinkage():
    X, y = _data(n=90, d=3)
    st = GaussianStatistics.from_data(X, y, n_classes=3, class_scatter=True,
                                      moments=True)
    covs, shr = covariance_from_statistics(st, "ledoit_wolf", per_class=True)
    for k in range(3):
        ref, s = ledoit_wolf(X[y == k])
        np.testing.assert_allclose(covs[k], ref, rtol=1e-10)
    with pytest.raises(ValueError, match="shrinkage must be"):
        covariance_from_statistics(st, 1.5)
    with pytest.raises(ValueError, match="moments=True"):
        covariance_from_statistics(GaussianStatistics.from_data(X, y), "ledoit_wolf")


@pytest.mark.parametrize("shrinkage", ["auto", 0.3])
def test_lda_recipe_matches_sklearn(shrinkage):
    X, y = _data(n=150, d=5)
    lda = LDA(solver="lsqr", shrinkage=shrinkage).fit(X, y)
    np.testing.assert_allclose(lda_shrunk_covariance(X, y, lda.priors_, shrinkage),
                               lda.covariance_, rtol=1e-10, atol=1e-12)


def test_shrink_covariance_formula():
    S = np.array([[2.0, 1.0], [1.0, 4.0]])
    np.testing.assert_allclose(shrink_covariance(S, 0.25),
                               0.75 * S + 0.25 * 3.0 * np.eye(2))
    np.testing.assert_allclose(shrink_covariance(S, 1.0, "diagonal"), np.diag([2, 4]))


def test_whitener_cholesky_and_eigh_give_inverse():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(5, 5))
    cov = A @ A.T + 0.1 * np.eye(5)
    for method in ("cholesky", "eigh"):
        w = Whitener(method=method).fit(cov)
        np.testing.assert_allclose(w.W_ @ w.W_.T, np.linalg.inv(cov), rtol=1e-8)
        np.testing.assert_allclose(w.logdet_, np.linalg.slogdet(cov)[1], rtol=1e-10)
        assert w.rank_ == 5


def test_whitener_singular_options():
    rng = np.random.default_rng(0)
    A = rng.normal(size=(5, 2))
    cov = A @ A.T  # rank 2
    with pytest.warns(SingularCovarianceWarning):
        w = Whitener().fit(cov)
    assert w.rank_ == 2 and np.all(np.isfinite(w.W_))
    w = Whitener(singular="pinv").fit(cov)
    np.testing.assert_allclose(w.W_ @ w.W_.T, pinvh(cov), rtol=1e-6, atol=1e-8)
    with pytest.raises(ValueError, match="singular"):
        Whitener(singular="raise").fit(cov)
    # variance norm: inside the span finite, outside +inf
    vn = Whitener(singular="variance_norm").fit(cov)
    inside = A @ np.array([1.0, -2.0])
    outside = inside + rng.normal(size=5)
    d2 = mahalanobis_distances(np.vstack([inside, outside]), np.zeros((1, 5)), vn)
    np.testing.assert_allclose(d2[0, 0], inside @ pinvh(cov) @ inside, rtol=1e-6)
    assert np.isinf(d2[1, 0])
    with pytest.raises(ValueError, match="method"):
        Whitener(method="qr").fit(cov)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_distances_match_brute_force_and_reductions(dtype):
    rng = np.random.default_rng(0)
    d, C = 6, 7
    A = rng.normal(size=(d, d))
    cov = A @ A.T + np.eye(d)
    P = np.linalg.inv(cov)
    centres = 100 + rng.normal(size=(C, d))  # far from the origin
    X = (100 + rng.normal(size=(50, d))).astype(dtype)
    w = Whitener().fit(cov)
    diff = X.astype(np.float64)[:, None, :] - centres[None]
    ref = np.einsum("nkd,de,nke->nk", diff, P, diff)
    tol = 1e-10 if dtype == np.float64 else 1e-4
    out = mahalanobis_distances(X, centres, w, working_memory=0.001)
    assert out.dtype == dtype
    np.testing.assert_allclose(out, ref, rtol=tol, atol=tol)
    mn, arg = mahalanobis_distances(X, centres, w, reduction="min")
    np.testing.assert_allclose(mn, ref.min(1), rtol=tol)
    np.testing.assert_array_equal(arg, ref.argmin(1))
    bias = rng.normal(size=C)
    lse, am = mahalanobis_distances(X, centres, w, reduction="logsumexp", bias=bias)
    S = -0.5 * ref + bias
    np.testing.assert_allclose(lse, logsumexp(S, axis=1), rtol=tol, atol=tol)
    np.testing.assert_array_equal(am, S.argmax(1))
    with pytest.raises(ValueError, match="reduction"):
        mahalanobis_distances(X, centres, w, reduction="max")


def test_inputs_not_modified():
    X, y = _data()
    X0, y0 = X.copy(), y.copy()
    GaussianStatistics.from_data(X, y, moments=True)
    w = Whitener().fit(np.cov(X.T))
    mahalanobis_distances(X, X[:3], w)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)


def _ill_conditioned_case(d=20, C=30, n=500):
    rng = np.random.default_rng(0)
    basis = np.linalg.qr(rng.normal(size=(d, d)))[0]
    cov = basis @ np.diag(np.logspace(-9, 0, d)) @ basis.T
    centres = rng.normal(size=(C, d))
    X = centres[rng.integers(0, C, n)] + rng.multivariate_normal(np.zeros(d), cov, n)
    return X.astype(np.float32), centres, cov


def test_float32_nearest_centre_exact_on_ill_conditioned_features():
    # Whitened centres with |m|^2 ~ 1e9: float32 rounding of the GEMM form
    # exceeds the spread of the distances, so the "min" reduction only picks
    # candidates in float32 and sums their distances in float64.
    from scipy.stats import spearmanr

    X32, centres, cov = _ill_conditioned_case()
    whitener = Whitener(method="eigh", singular="pinv").fit(cov)
    # The reference sees the same (float32-rounded) rows, brute force in float64.
    diff = X32.astype(np.float64)[:, None, :] - centres[None]
    ref = np.einsum("nkd,de,nke->nk", diff, np.linalg.pinv(cov), diff)
    d32, k32 = mahalanobis_distances(X32, centres, whitener, reduction="min")
    np.testing.assert_array_equal(k32, ref.argmin(1))
    # what is left is the float32 rounding of the whitened row itself
    relative = np.abs(d32 - ref.min(1)) / ref.min(1)
    assert np.max(relative) < 1e-2 and np.median(relative) < 1e-3
    assert spearmanr(d32, ref.min(1)).statistic > 0.9999
    # the GEMM form alone in float32 would be unusable here
    z = (X32 - X32.mean(0)) @ whitener.W_.astype(np.float32)
    m = ((centres - X32.mean(0)) @ whitener.W_).astype(np.float32)
    naive = ((z**2).sum(1)[:, None] - 2 * z @ m.T + (m**2).sum(1)).min(1)
    assert np.max(np.abs(naive - ref.min(1)) / ref.min(1)) > 0.1


def test_float32_full_matrix_falls_back_to_float64_on_ill_conditioned_features():
    X32, centres, cov = _ill_conditioned_case()
    whitener = Whitener(method="eigh", singular="pinv").fit(cov)
    full32 = mahalanobis_distances(X32, centres, whitener)
    full64 = mahalanobis_distances(X32.astype(np.float64), centres, whitener)
    assert full32.dtype == np.float64
    np.testing.assert_allclose(full32, full64, rtol=1e-10)
