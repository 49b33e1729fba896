"""Robust shrinkage covariance: the R transcription, breakdown, consistency."""

import numpy as np
import pytest
from scipy.stats import binom, chi2, special_ortho_group

from sklearn_lowdim.covariance import RobustShrinkageCovariance
from sklearn_lowdim.ood import RobustMahalanobis


def rmdv62_transcription(X):
    """otsegun/outliertools R function rmdv62, written out loop by loop."""
    n, p = X.shape
    totals = [sum(np.abs(X[k] - X[i]).sum() for i in range(n)) / n for k in range(n)]
    m0 = X[int(np.argmin(totals))]
    nu = m0.mean()
    A, B = np.zeros((p, p)), np.zeros((p, p))
    for i in range(n):
        y = X[i] - m0
        norm1 = np.abs(y).sum()
        if norm1 == 0:
            continue
        u = y / norm1
        A += np.eye(p) / norm1 - np.outer(y, y) / norm1**3
        B += np.outer(u, u)
    A, B = A / n, B / n
    cov_m0 = np.linalg.inv(A) @ B @ np.linalg.inv(A) / n
    lam = max(0.0, min(1.0, np.trace(cov_m0) / np.sum((m0 - nu) ** 2)))
    m = lam * nu + (1 - lam) * m0
    Y = X - m
    S0 = np.array([[np.median(Y[:, j] * Y[:, k]) for k in range(p)]
                   for j in range(p)])
    S0[np.diag_indices(p)] *= 1 / chi2.ppf(0.5, 1)
    T = np.eye(p) * np.mean(np.diag(S0))
    phi = np.sum((Y * Y).T @ (Y * Y) / n - S0 * S0)
    gamma = np.sum((S0 - T) ** 2)
    rho = max(0.0, min(1.0, phi / gamma / n))
    sigma = rho * T + (1 - rho) * S0
    d2 = np.einsum("ij,jk,ik->i", X - m, np.linalg.inv(sigma), X - m)
    return m, sigma, d2


def test_l1_medoid_preset_reproduces_the_r_code():
    rng = np.random.default_rng(0)
    X = rng.standard_t(3, size=(80, 4)) + np.arange(4)
    m, sigma, d2 = rmdv62_transcription(X)
    est = RobustShrinkageCovariance(location="l1_medoid").fit(X)
    np.testing.assert_allclose(est.location_, m, rtol=1e-10)
    np.testing.assert_allclose(est.covariance_, sigma, rtol=1e-10)
    np.testing.assert_allclose(est.mahalanobis(X), d2, rtol=1e-8)


@pytest.mark.parametrize("fraction", [0.1, 0.3, 0.45])
@pytest.mark.parametrize("location", ["l1_median", "l1_medoid"])
def test_bounded_under_gross_outliers(fraction, location):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 5))
    moved = int(fraction * len(X))
    X[:moved] += 1e6 * np.array([1.0, -1.0, 0.5, 0.0, 2.0])
    est = RobustShrinkageCovariance(location=location).fit(X)
    assert np.abs(est.location_).max() < 5
    assert np.linalg.eigvalsh(est.covariance_).max() < 50


def test_flags_about_two_and_a_half_percent_of_clean_gaussian_data():
    rng = np.random.default_rng(2)
    n = 4000
    X = rng.normal(size=(n, 5)) @ np.diag([1.0, 2.0, 0.5, 1.0, 1.5])
    flagged = RobustMahalanobis(contamination="chi2").fit(X).outlier_mask_.sum()
    sd = np.sqrt(binom.var(n, 0.025))
    # Shrinkage toward a scaled identity biases the distances on a non-spherical
    # covariance, so the band is 4 binomial standard deviations wide.
    assert abs(flagged - 0.025 * n) <= 4 * sd


def test_orthogonal_equivariance_of_distances():
    rng = np.random.default_rng(3)
    X = rng.standard_t(4, size=(300, 4))
    Q = special_ortho_group.rvs(4, random_state=0)
    base = RobustShrinkageCovariance(location="l1_median").fit(X).mahalanobis(X)
    rotated = RobustShrinkageCovariance(location="l1_median").fit(X @ Q)
    # The comedian is not orthogonally equivariant (medians of products), so the
    # check is that distances stay close, not equal.
    np.testing.assert_allclose(np.median(rotated.mahalanobis(X @ Q)),
                               np.median(base), rtol=0.15)
    scaled = RobustShrinkageCovariance().fit(3.0 * X).mahalanobis(3.0 * X)
    np.testing.assert_allclose(scaled, RobustShrinkageCovariance().fit(X)
                               .mahalanobis(X), rtol=1e-6)


def test_detector_api_and_cutoffs():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 3))
    det = RobustMahalanobis(cutoff_df="p-1", contamination="chi2").fit(X)
    assert det.threshold_ == pytest.approx(chi2.ppf(0.975, 2))
    np.testing.assert_allclose(det.decision_function(X), det.score_samples(X)
                               + det.threshold_)
    det = RobustMahalanobis(contamination=0.1).fit(X)
    assert np.mean(det.predict(X) == -1) == pytest.approx(0.1, abs=0.01)
    zero = RobustShrinkageCovariance(shrinkage=0.0, shrink_location=False).fit(X)
    np.testing.assert_allclose(zero.covariance_, zero.raw_covariance_)


def test_plugs_into_mahalanobis_ood():
    from sklearn_lowdim.ood import MahalanobisOOD

    rng = np.random.default_rng(5)
    X = np.vstack([rng.normal(0, 1, (100, 3)), rng.normal(4, 1, (100, 3))])
    y = np.repeat([0, 1], 100)
    det = MahalanobisOOD(covariance=RobustShrinkageCovariance()).fit(X, y)
    assert det.predict([[0.0, 0.0, 0.0]])[0] == 1
    assert det.predict([[40.0, 40.0, 40.0]])[0] == -1


@pytest.mark.parametrize("exponent", [-997, -1000, 1000])
def test_tiny_and_huge_data_fit_exactly_and_warn_about_reported_matrices(exponent):
    # issue 14 (the input sweep's strict xfail RobustShrinkageCovariance-
    # scale_1e-300): X * 2**k is fitted exactly as X; precision_ (1e-300: inverse
    # squares overflow) or covariance_ (1e300) leave float64 with a warning
    import warnings

    X = np.random.default_rng(7).normal(size=(24, 3))
    base = RobustShrinkageCovariance().fit(X)
    scaled_X = np.ldexp(X, exponent)
    with pytest.warns(UserWarning, match="outside float64's range"):
        est = RobustShrinkageCovariance().fit(scaled_X)
    np.testing.assert_array_equal(est.location_, np.ldexp(base.location_, exponent))
    np.testing.assert_allclose(est.mahalanobis(scaled_X), base.mahalanobis(X),
                               rtol=1e-12)
    with np.errstate(over="ignore", under="ignore"):
        expected = np.ldexp(base.covariance_, 2 * exponent)
    np.testing.assert_array_equal(est.covariance_, expected)
    # ordinary magnitudes: no warning
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        RobustShrinkageCovariance().fit(np.ldexp(X, 300))
