"""The shared spectral pieces: shrinkage from a spectrum, the eigenvalue policy,
per-class scatter factors."""

import numpy as np
import pytest
from sklearn.covariance import OAS, LedoitWolf

from sklearn_lowdim.covariance import (
    GaussianStatistics,
    floor_eigenvalues,
    shrinkage_from_spectrum,
    shrinkage_intensity,
    spectrum_from_factor,
)


@pytest.mark.parametrize("n", [3, 8, 50])
def test_shrinkage_from_spectrum_matches_sklearn(n):
    rng = np.random.default_rng(n)
    X = rng.normal(size=(n, 6)) * [1, 2, 3, 4, 5, 6]
    Xc = X - X.mean(axis=0)
    lam = np.linalg.svd(Xc, compute_uv=False) ** 2 / n  # only the non-zero ones
    fourth = np.sum(np.sum(Xc**2, axis=1) ** 2)
    lw = shrinkage_from_spectrum(lam, 6, n, "ledoit_wolf", fourth)
    assert np.isclose(lw, LedoitWolf(assume_centered=True).fit(Xc).shrinkage_)
    oas = shrinkage_from_spectrum(lam, 6, n, "oas")
    assert np.isclose(oas, OAS(assume_centered=True).fit(Xc).shrinkage_)


def test_shrinkage_intensity_validates():
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        shrinkage_intensity(1.5, trace=1.0, fro2=1.0, n_features=2, n_samples=3)
    with pytest.raises(ValueError, match="moments"):
        shrinkage_intensity("ledoit_wolf", trace=1.0, fro2=1.0, n_features=2,
                            n_samples=3)
    # a zero covariance has no direction to shrink: 0, not a division by zero
    assert shrinkage_intensity("ledoit_wolf", trace=0.0, fro2=0.0, n_features=3,
                               n_samples=5, fourth_sum=0.0) == 0.0


def test_floor_eigenvalues_policies():
    lam = np.array([4.0, 1.0, 1e-14, 0.0])
    floored, keep, small = floor_eigenvalues(lam, eig_floor=1e-12, singular="floor")
    np.testing.assert_array_equal(floored, [4.0, 1.0, 4e-12, 4e-12])
    assert keep.all() and small.tolist() == [False, False, True, True]
    values, keep, _ = floor_eigenvalues(lam, eig_floor=1e-12, singular="pinv")
    np.testing.assert_array_equal(values[keep], [4.0, 1.0])
    with pytest.raises(ValueError, match="class 'a'.*singular"):
        floor_eigenvalues(lam, eig_floor=1e-12, singular="raise",
                          what="the covariance of class 'a'")
    # nothing positive: every value is small and floors at 1
    floored, _, small = floor_eigenvalues(np.zeros(2), eig_floor=1e-12,
                                          singular="floor")
    np.testing.assert_array_equal(floored, [1.0, 1.0])
    assert small.all()


@pytest.mark.parametrize("rows", [2, 7, 30])
def test_spectrum_from_factor_matches_eigh(rows):
    R = np.random.default_rng(rows).normal(size=(rows, 7))
    lam, V = spectrum_from_factor(R, 3.0)
    ref = np.linalg.eigvalsh(R.T @ R / 3.0)[::-1]
    np.testing.assert_allclose(lam, ref[: lam.size], atol=1e-12)
    np.testing.assert_allclose((V * lam) @ V.T, R.T @ R / 3.0, atol=1e-12)


@pytest.mark.parametrize("d", [5, 70])  # the streamed and the class-ordered pass
def test_class_factors_equal_dense_class_scatter(d):
    rng = np.random.default_rng(d)
    n, C = 120, 4
    X = rng.normal(size=(n, d)) + 3.0
    y = rng.integers(0, C, n)
    w = rng.uniform(0.0, 2.0, n)
    dense = GaussianStatistics.from_data(X, y, n_classes=C, sample_weight=w,
                                         class_scatter=True, moments=True)
    factored = GaussianStatistics.from_data(X, y, n_classes=C, sample_weight=w,
                                            class_factors=True, moments=True)
    np.testing.assert_allclose(factored.class_covariances(),
                               dense.class_covariances(), atol=1e-10)
    for R in factored.class_factors_:
        assert R.shape[0] <= d
    # merging chunks (with the mean shifts) is exact, moments included
    cuts = np.sort(rng.choice(np.arange(1, n), size=3, replace=False))
    parts = [GaussianStatistics.from_data(Xp, yp, n_classes=C, sample_weight=wp,
                                          class_factors=True, moments=True)
             for Xp, yp, wp in zip(np.split(X, cuts), np.split(y, cuts),
                                   np.split(w, cuts))]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    np.testing.assert_allclose(merged.class_covariances(), dense.class_covariances(),
                               atol=1e-10)
    np.testing.assert_allclose(merged.fourth, dense.fourth, rtol=1e-9)
    for (lam, V), cov in zip(merged.class_spectra(), dense.class_covariances()):
        np.testing.assert_allclose((V * lam) @ V.T, cov, atol=1e-10)


def test_rescaled_statistics_are_those_of_rescaled_data():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 4)), rng.integers(0, 2, 50)
    loc, scale = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.5, 2.0, 1e3, 1e-3])
    st = GaussianStatistics.from_data(X, y, class_factors=True).rescaled(loc, scale)
    ref = GaussianStatistics.from_data((X - loc) / scale, y, class_factors=True)
    np.testing.assert_allclose(st.means, ref.means, atol=1e-12)
    np.testing.assert_allclose(st.scatter, ref.scatter, rtol=1e-10)
    np.testing.assert_allclose(st.class_covariances(), ref.class_covariances(),
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("reduction", [None, "min", "logsumexp"])
def test_mahalanobis_distances_reject_non_finite_rows(reduction):
    from sklearn_lowdim.covariance import Whitener, mahalanobis_distances

    w = Whitener().fit(np.eye(2))
    X = np.array([[0.0, 1.0], [np.nan, 0.0]])
    with pytest.raises(ValueError, match="NaN"):
        mahalanobis_distances(X, np.zeros((1, 2)), w, reduction=reduction)


def test_core_functions_say_what_is_wrong():
    from sklearn_lowdim.covariance import (
        Whitener,
        lda_shrunk_covariance,
        mahalanobis_distances,
    )

    X = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(TypeError, match="sparse"):
        GaussianStatistics.from_data(__import__("scipy.sparse").sparse.csr_matrix(X))
    with pytest.raises(ValueError, match="2D array"):
        GaussianStatistics.from_data(X[:, 0])
    with pytest.raises(ValueError, match="overflow"):
        GaussianStatistics.from_data(X * 1e300)
    with pytest.raises(ValueError, match="no rows"):
        GaussianStatistics.from_data(X[:0]).covariance()
    with pytest.raises(ValueError, match="symmetric"):
        Whitener().fit(np.array([[1.0, 0.5], [0.0, 1.0]]))
    with pytest.raises(ValueError, match="centres must have shape"):
        mahalanobis_distances(X, np.zeros((2, 2)), Whitener().fit(np.eye(3)))
    with pytest.raises(ValueError, match="overflow"):
        mahalanobis_distances(X * 1e200, np.zeros((1, 3)), Whitener().fit(np.eye(3)))
    with pytest.raises(ValueError, match="priors"):
        lda_shrunk_covariance(X, np.repeat([0, 1], 5), [np.nan, 0.5])
