"""The Marchenko-Pastur ridge risk against quadrature, closed forms and Monte Carlo."""

import numpy as np
import pytest
from scipy.integrate import quad
from sklearn.linear_model import Ridge

from sklearn_lowdim.datasets import marchenko_pastur_ridge_risk


def _ridge_risk_by_quadrature(lam, phi, signal=1.0, noise=1.0):
    """R = noise + signal lam^2 m1 + noise phi (m - lam m1) over the MP law."""
    a, b = (1 - np.sqrt(phi)) ** 2, (1 + np.sqrt(phi)) ** 2

    def density(x):
        return np.sqrt((b - x) * (x - a)) / (2 * np.pi * phi * x)

    atom = max(0.0, 1 - 1 / phi)  # mass at 0 when p > n
    m = quad(lambda x: density(x) / (x + lam), a, b)[0] + atom / lam
    m1 = quad(lambda x: density(x) / (x + lam) ** 2, a, b)[0] + atom / lam**2
    return noise + signal * lam**2 * m1 + noise * phi * (m - lam * m1)


@pytest.mark.parametrize("phi", [0.25, 0.5, 1.5])
@pytest.mark.parametrize("lam", [0.01, 0.1, 1.0])
def test_single_ridge_matches_quadrature(phi, lam):
    assert marchenko_pastur_ridge_risk(lam, phi) == pytest.approx(
        _ridge_risk_by_quadrature(lam, phi), rel=1e-8)


def test_ridgeless_limits_in_closed_form():
    for phi in (0.25, 0.6):
        assert marchenko_pastur_ridge_risk(0.0, phi) == pytest.approx(1 / (1 - phi))
    for phi in (1.5, 3.0):
        closed = 1 + (1 - 1 / phi) + 1 / (phi - 1)
        assert marchenko_pastur_ridge_risk(0.0, phi) == pytest.approx(closed)
        assert marchenko_pastur_ridge_risk(1e-7, phi) == pytest.approx(closed, rel=1e-5)
    assert marchenko_pastur_ridge_risk(0.0, 1.0) == np.inf


def test_infinite_ensemble_is_the_limit_of_large_ones():
    big = marchenko_pastur_ridge_risk(0.1, 0.25, subsample_ratio=0.5, n_estimators=1e9)
    inf = marchenko_pastur_ridge_risk(0.1, 0.25, subsample_ratio=0.5,
                                      n_estimators=np.inf)
    assert big == pytest.approx(inf, rel=1e-8)


@pytest.mark.parametrize("k, M, lam", [(1000, 1, 0.1), (500, 1, 0.1), (200, 20, 0.0)])
def test_monte_carlo_ridge_ensembles_agree_with_theory(k, M, lam):
    n, p, reps = 1000, 250, 12
    risks = []
    for rep in range(reps):
        rng = np.random.default_rng(rep)
        X = rng.standard_normal((n, p))
        beta = rng.standard_normal(p)
        beta /= np.linalg.norm(beta)
        y = X @ beta + rng.standard_normal(n)
        coefs = []
        for _ in range(M):
            idx = rng.choice(n, k, replace=False)
            if lam > 0:
                coefs.append(Ridge(alpha=k * lam, fit_intercept=False)
                             .fit(X[idx], y[idx]).coef_)
            else:
                coefs.append(np.linalg.lstsq(X[idx], y[idx], rcond=None)[0])
        risks.append(1 + np.sum((np.mean(coefs, axis=0) - beta) ** 2))
    theory = marchenko_pastur_ridge_risk(lam, p / n, subsample_ratio=p / k,
                                         n_estimators=M)
    assert np.mean(risks) == pytest.approx(theory, rel=0.03)


def test_bad_input():
    with pytest.raises(ValueError, match="alpha >= 0"):
        marchenko_pastur_ridge_risk(-1.0, 0.5)
    with pytest.raises(ValueError, match="subsample_ratio >= phi"):
        marchenko_pastur_ridge_risk(0.1, 0.5, subsample_ratio=0.2)
