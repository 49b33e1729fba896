"""Kernels: weights are derivatives, normalisers are integrals, Numba equals NumPy."""

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.special import gammaln

from sklearn_lowdim.density._kernel_functions import KERNELS, make_kernel
from sklearn_lowdim.density._mean_shift import blocked_step, step

SMOOTH = [("gaussian", 1.0), ("logistic", 1.0), ("sigmoid", 1.0),
          ("generalized_gaussian", 0.5), ("generalized_gaussian", 1.0)]


@pytest.mark.parametrize("name, beta", SMOOTH)
def test_weight_is_minus_the_derivative(name, beta):
    kernel = make_kernel(name, beta)
    t = np.linspace(0.05, 30, 200)
    eps = 1e-6 * np.maximum(t, 1)
    finite_diff = -(kernel.value(t + eps) - kernel.value(t - eps)) / (2 * eps)
    np.testing.assert_allclose(kernel.weight(t), finite_diff, rtol=1e-5, atol=1e-14)


@pytest.mark.parametrize("name, beta", SMOOTH)
def test_smooth_kernels_are_convex_in_t(name, beta):
    kernel = make_kernel(name, beta)
    t = np.linspace(0.01, 50, 2000)
    assert kernel.convex
    assert np.all(np.diff(kernel.weight(t)) <= 1e-15)  # -kappa' decreasing


def test_non_convex_generalized_gaussian_warns():
    with pytest.warns(UserWarning, match="not convex"):
        kernel = make_kernel("generalized_gaussian", 2.0)
    assert not kernel.convex


@pytest.mark.parametrize("name, beta", [*SMOOTH, ("box", 1.0)])
@pytest.mark.parametrize("dim", [1, 2, 3, 5])
def test_log_normalizer_is_the_integral(name, beta, dim):
    kernel = make_kernel(name, beta)
    h = 1.7
    log_sphere = np.log(2) + 0.5 * dim * np.log(np.pi) - gammaln(0.5 * dim)
    upper = 1.0 if name == "box" else 80.0
    radial, _ = quad(lambda r: r ** (dim - 1) * kernel.value(r * r), 0, upper,
                     limit=200)
    expected = dim * np.log(h) + log_sphere + np.log(radial)
    np.testing.assert_allclose(kernel.log_normalizer(dim, h), expected, rtol=1e-7)


@pytest.mark.parametrize("name", sorted(KERNELS))
def test_fused_numba_step_equals_blocked_numpy_step(name):
    rng = np.random.default_rng(0)
    points = rng.normal(size=(300, 5))
    points -= points.mean(axis=0)
    queries = rng.normal(size=(40, 5))
    weights = rng.uniform(0.5, 2.0, 300)
    weights[:10] = 0.0
    kernel = make_kernel(name, 0.7 if name == "generalized_gaussian" else 1.0)
    fused = step(queries, points, weights, kernel, 1.3, fused=True)
    blocked = blocked_step(queries, points, weights, kernel, 1.3)
    np.testing.assert_allclose(fused[0], blocked[0], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(fused[1], blocked[1], rtol=1e-9, atol=1e-12)
    # And the log sums equal a direct evaluation.
    t = ((queries[:, None, :] - points[None]) ** 2).sum(-1) / 1.3**2
    with np.errstate(divide="ignore"):
        direct = np.log((weights * kernel.value(t)).sum(axis=1))
    np.testing.assert_allclose(fused[1], direct, rtol=1e-9)


def test_log_sums_do_not_underflow_far_from_the_data():
    kernel = make_kernel("gaussian")
    points = np.zeros((3, 2))
    query = np.array([[100.0, 0.0]])
    _, log_sums = step(query, points, np.ones(3), kernel, 1.0, fused=True)
    np.testing.assert_allclose(log_sums, np.log(3) - 0.5 * 100.0**2)


def test_vectorisable_exp_matches_numpy():
    from sklearn_lowdim.density._kernels import _exp_nonpositive
    from sklearn_lowdim.utils import njit

    @njit(cache=False)
    def evaluate(x, out):
        for i in range(x.size):
            out[i] = _exp_nonpositive(x[i])

    x = -np.concatenate([np.linspace(0, 1, 1001), np.geomspace(1e-12, 699, 5000)])
    out = np.empty_like(x)
    evaluate(x, out)
    np.testing.assert_allclose(out, np.exp(x), rtol=2e-15, atol=0)


@pytest.mark.parametrize("name, beta", [*SMOOTH, ("box", 1.0)])
def test_fused_log_sums_at_many_bandwidths_equal_scipy_logsumexp(name, beta):
    """The Numba path of the bandwidth check against scipy's logsumexp, with
    zero weights, far queries (no underflow) and kernels of bounded support."""
    from scipy.special import logsumexp

    from sklearn_lowdim.density._bandwidth import _lse_partials

    kernel = make_kernel(name, beta)
    rng = np.random.default_rng(0)
    points, queries = rng.normal(size=(300, 4)), rng.normal(size=(6, 4))
    queries[0] += 200.0  # every kernel value underflows in linear scale
    weights = rng.uniform(0.1, 3.0, 300)
    weights[::7] = 0.0
    sq = ((queries[:, None, :] - points[None, :, :]) ** 2).sum(axis=2)
    bandwidths = [0.3, 1.0, 2.5, 150.0]
    with np.errstate(divide="ignore"):
        tops, sums = _lse_partials(sq, np.log(weights), bandwidths, kernel, np)
        got = tops + np.log(sums)
    for b, h in enumerate(bandwidths):
        log_k = kernel.log_value(sq / h**2)
        for power in (1, 2):
            with np.errstate(divide="ignore"):
                want = logsumexp(power * log_k, b=weights[None, :], axis=1)
            np.testing.assert_allclose(got[b, power - 1], want, rtol=1e-12)
