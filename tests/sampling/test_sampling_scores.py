"""Leverage scores, Lewis weights and sensitivities against independent computations."""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from sklearn_lowdim.sampling import (
    leverage_scores,
    lewis_weights,
    lp_sensitivities,
    root_leverage_scores,
)


def _heavy(n, d, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * np.abs(rng.standard_t(2, n))[:, None]


def _hat_diag(A):
    # brute force: diagonal of A pinv(A), an n x n object (small n only)
    return np.diag(A @ np.linalg.pinv(A))


def _lewis_residual(A, w, p):
    # the fixed-point equation, evaluated with a pseudo-inverse (independent code)
    M = A.T @ (A * (w ** (1 - 2 / p))[:, None])
    q = np.einsum("ij,jk,ik->i", A, np.linalg.pinv(M), A)
    return np.max(np.abs(q ** (p / 2) - w) / w)


def test_leverage_equals_hat_matrix_diagonal():
    A = _heavy(300, 6)
    assert_allclose(leverage_scores(A), _hat_diag(A), atol=1e-12)


def test_leverage_rank_deficient_scores_column_space():
    rng = np.random.default_rng(1)
    B = rng.standard_normal((200, 3))
    A = np.hstack([B, B @ rng.standard_normal((3, 2))])  # rank 3, 5 columns
    tau = leverage_scores(A)
    assert_allclose(tau, _hat_diag(B), atol=1e-10)
    assert tau.sum() == pytest.approx(3.0)


def test_leverage_float32_and_no_inplace():
    A = _heavy(200, 4).astype(np.float32)
    A_copy = A.copy()
    tau = leverage_scores(A)
    assert tau.dtype == np.float32
    np.testing.assert_array_equal(A, A_copy)
    assert_allclose(tau, _hat_diag(A.astype(np.float64)), rtol=1e-4, atol=1e-6)


def test_sketched_leverage_median_ratio():
    A = _heavy(20000, 10, seed=2)
    exact = leverage_scores(A)
    approx = leverage_scores(A, method="sketch", random_state=0)
    ratio = np.median(approx / exact)
    assert 0.8 <= ratio <= 1.25


@pytest.mark.parametrize("seed", [0, 1])
def test_sketched_leverage_with_jl_projection(seed):
    # d = 60 > ceil(4 log n) = 40: the default applies a JL projection too
    A = _heavy(20000, 60, seed=3)
    exact = leverage_scores(A)
    approx = leverage_scores(A, method="sketch", random_state=seed)
    assert 0.8 <= np.median(approx / exact) <= 1.25
    assert approx.sum() == pytest.approx(60, rel=0.2)


def test_sparse_input_needs_sketch():
    A = sp.random(2000, 8, density=0.3, random_state=0, format="csr")
    A = A + sp.vstack([sp.identity(8, format="csr")] * 250)
    with pytest.raises(TypeError, match="method='sketch'"):
        leverage_scores(A)
    approx = leverage_scores(A, method="sketch", random_state=0)
    exact = leverage_scores(A.toarray())
    assert 0.8 <= np.median(approx / exact) <= 1.25


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_input_raises(bad):
    A = _heavy(50, 3)
    A[3, 1] = bad
    for func in (leverage_scores, lambda X: lewis_weights(X, 1.0)):
        with pytest.raises(ValueError, match="NaN|infinity"):
            func(A)


@pytest.mark.parametrize("p", [0.5, 1.0, 1.5, 3.0])
def test_lewis_weights_fixed_point_and_sum(p):
    A = _heavy(400, 5, seed=3)
    w, info = lewis_weights(A, p, return_info=True)
    assert _lewis_residual(A, w, p) <= 1e-8
    assert info["residual"] <= 1e-8
    assert abs(w.sum() - 5) <= 1e-8 * 5
    assert info["rank"] == 5


def test_lewis_weights_p2_are_leverage_scores():
    A = _heavy(300, 4, seed=4)
    assert_allclose(lewis_weights(A, 2.0), _hat_diag(A), atol=1e-12)


def test_lewis_weights_rank_deficient():
    rng = np.random.default_rng(5)
    B = rng.standard_normal((300, 3)) * np.abs(rng.standard_t(3, 300))[:, None]
    A = np.hstack([B, B[:, :1] * 2.0])
    w = lewis_weights(A, 1.0)
    assert w.sum() == pytest.approx(3.0, abs=1e-8)
    # the weights only depend on the column space
    assert_allclose(w, lewis_weights(B, 1.0), rtol=1e-6)


def test_lewis_sketch_basis_gives_same_weights():
    A = _heavy(3000, 4, seed=6)
    assert_allclose(
        lewis_weights(A, 1.0, method="sketch", random_state=0),
        lewis_weights(A, 1.0, method="exact"),
        rtol=1e-6,
    )


def test_lewis_weights_p_above_4_damped_iteration():
    A = _heavy(300, 4, seed=7)
    w, info = lewis_weights(A, 5.0, return_info=True, max_iter=200)
    assert _lewis_residual(A, w, 5.0) <= 1e-7
    assert w.sum() == pytest.approx(4.0)


def test_lewis_nonconvergence_warns():
    from sklearn.exceptions import ConvergenceWarning

    A = _heavy(300, 4, seed=7)
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        lewis_weights(A, 1.0, max_iter=2)


@pytest.mark.parametrize("p", [0, -1.0])
def test_bad_p_raises(p):
    with pytest.raises(ValueError, match="p"):
        lewis_weights(_heavy(20, 2), p)


def test_lewis_float32_in_float32_out():
    A = _heavy(200, 3).astype(np.float32)
    assert lewis_weights(A, 1.0).dtype == np.float32


@pytest.fixture(scope="module")
def small_problem():
    return _heavy(60, 4, seed=8)


def _lower_bound_by_random_directions(A, p, n_dirs=2000, seed=0):
    # sup_x |a_i x|^p / ||Ax||_p^p >= the max over random x: independent of the LPs
    X = np.random.default_rng(seed).standard_normal((A.shape[1], n_dirs))
    AX = np.abs(A @ X) ** p
    return np.max(AX / AX.sum(axis=0), axis=1)


@pytest.mark.parametrize("p", [1.0, 1.5])
def test_exact_sensitivities_below_bounds(small_problem, p):
    A = small_problem
    sigma = lp_sensitivities(A, p, method="exact")
    w = lp_sensitivities(A, p, method="lewis")
    root = root_leverage_scores(A, p)
    assert np.all(sigma <= w * (1 + 1e-6))
    assert np.all(sigma <= root * (1 + 1e-6))
    assert sigma.sum() <= 4 + 1e-6
    # and they are really the sup: above the max over random directions
    assert np.all(sigma >= _lower_bound_by_random_directions(A, p) * (1 - 1e-6))


def test_exact_sensitivities_p2_equal_leverage(small_problem):
    A = small_problem
    assert_allclose(lp_sensitivities(A, 2.0, method="exact"), _hat_diag(A), rtol=1e-6)


def test_exact_sensitivities_p3_below_lewis_and_mixture(small_problem):
    A = small_problem
    sigma = lp_sensitivities(A, 3.0, method="exact")
    assert np.all(sigma <= lp_sensitivities(A, 3.0, method="lewis") * (1 + 1e-6))
    assert np.all(sigma <= lp_sensitivities(A, 3.0, method="mixture") * (1 + 1e-6))
    assert np.all(sigma >= _lower_bound_by_random_directions(A, 3.0) * (1 - 1e-6))


def test_sensitivity_method_errors():
    A = _heavy(30, 2)
    with pytest.raises(ValueError, match="p <= 2"):
        lp_sensitivities(A, 3.0, method="root_leverage")
    with pytest.raises(ValueError, match="p >= 1"):
        lp_sensitivities(A, 0.5, method="exact")


@pytest.mark.parametrize("p", [1.0, 3.0])
def test_approximate_lewis_weights_close_to_exact(p):
    A = _heavy(20000, 6, seed=9)
    exact = lewis_weights(A, p)
    approx, info = lewis_weights(A, p, method="approximate", return_info=True,
                                 random_state=0)
    ratio = approx / exact
    assert info["sample_size"] < 2000
    assert approx.sum() == pytest.approx(6.0)
    lo, hi = np.percentile(ratio, [1, 99])
    assert 0.85 <= lo and hi <= 1.15


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), p=st.sampled_from([0.8, 1.0, 1.5, 3.0]))
def test_lewis_weights_invariances(seed, p):
    # w(A G) = w(A) for invertible G; w(P A) = P w(A) for a row permutation P
    rng = np.random.default_rng(seed)
    A = _heavy(80, 3, seed=seed)
    G = rng.standard_normal((3, 3)) + 3 * np.eye(3)
    perm = rng.permutation(80)
    w = lewis_weights(A, p, tol=1e-10, max_iter=300)
    assert_allclose(lewis_weights(A @ G, p, tol=1e-10, max_iter=300), w, rtol=1e-6)
    assert_allclose(lewis_weights(A[perm], p, tol=1e-10, max_iter=300), w[perm],
                    rtol=1e-6)
    assert_allclose(leverage_scores(A @ G), leverage_scores(A), atol=1e-10)
