import numpy as np
import pytest
from scipy.fft import dct
from scipy.linalg import hadamard

from sklearn_lowdim.sketching import SKETCH_KINDS, make_sketch


@pytest.mark.parametrize("kind", SKETCH_KINDS)
def test_left_right_match_dense(kind):
    rng = np.random.default_rng(0)
    p, m = 37, 11
    S = make_sketch(kind, p, m, random_state=1)
    D = S.toarray()
    assert D.shape == (m, p)
    A = rng.standard_normal((p, 4))
    A0 = A.copy()
    np.testing.assert_allclose(S.apply_left(A), D @ A, atol=1e-12)
    np.testing.assert_allclose(S.apply_right(A.T), A.T @ D.T, atol=1e-12)
    np.testing.assert_allclose(S.apply_left(A[:, 0]), D @ A[:, 0], atol=1e-12)
    np.testing.assert_array_equal(A, A0)
    # same seed, same sketch
    np.testing.assert_array_equal(make_sketch(kind, p, m, random_state=1).toarray(), D)


@pytest.mark.parametrize("kind", SKETCH_KINDS)
def test_unbiased_isometry(kind):
    p, m, reps = 16, 8, 1500
    acc = np.zeros((p, p))
    rng = np.random.RandomState(0)
    for _ in range(reps):
        D = make_sketch(kind, p, m, random_state=rng).toarray()
        acc += D.T @ D
    np.testing.assert_allclose(acc / reps, np.eye(p), atol=0.15)


def test_orthogonal_rows():
    p, m = 30, 10
    D = make_sketch("orthogonal", p, m, random_state=0).toarray()
    np.testing.assert_allclose(D @ D.T, (p / m) * np.eye(m), atol=1e-10)


def test_srdct_srht_structure():
    p, m = 16, 5
    S = make_sketch("srdct", p, m, random_state=3)
    D = S.toarray()
    st = S._state
    F = dct(np.eye(p), norm="ortho", axis=0)
    ref = np.sqrt(p / m) * (F * st["signs"])[st["rows"]]
    np.testing.assert_allclose(D, ref, atol=1e-12)
    S = make_sketch("srht", 12, m, random_state=3)
    st = S._state
    H = hadamard(16) / 4.0
    ref = np.sqrt(16 / m) * (H[:, :12] * st["signs"])[st["rows"]]
    np.testing.assert_allclose(S.toarray(), ref, atol=1e-12)


def test_countsketch_one_nonzero_per_column():
    D = make_sketch("countsketch", 50, 7, random_state=0).toarray()
    assert np.all((D != 0).sum(axis=0) == 1)
    assert set(np.unique(D[D != 0])) <= {-1.0, 1.0}


@pytest.mark.parametrize("kind", SKETCH_KINDS)
def test_float32(kind):
    S = make_sketch(kind, 20, 6, random_state=0)
    A = np.random.default_rng(0).standard_normal((20, 3)).astype(np.float32)
    assert S.apply_left(A).dtype == np.float32
    assert S.apply_right(A.T).dtype == np.float32
    np.testing.assert_allclose(
        S.apply_left(A), S.apply_left(A.astype(float)), rtol=1e-4, atol=1e-4
    )


def test_bad_input():
    with pytest.raises(ValueError, match="kind"):
        make_sketch("nope", 10, 3)
    with pytest.raises(ValueError, match="sketch_size"):
        make_sketch("gaussian", 10, 0)
    with pytest.raises(ValueError, match="sketch_size <= n_features"):
        make_sketch("orthogonal", 10, 20)
    S = make_sketch("gaussian", 10, 3, random_state=0)
    with pytest.raises(ValueError, match="n_features"):
        S.apply_left(np.ones((9, 2)))
    with pytest.raises(ValueError, match="n_features"):
        S.apply_right(np.ones((2, 9)))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_countsketch_kernel_with_extra_columns_and_row_scales(dtype):
    """The one CountSketch kernel (shared with sampling/) against a dense S."""
    from sklearn_lowdim.sketching._kernels import countsketch_left

    rng = np.random.default_rng(0)
    n, m = 200, 13
    A = rng.standard_normal((n, 4)).astype(dtype)
    extra = rng.standard_normal((n, 2)).astype(dtype)
    scale = rng.uniform(0.5, 2.0, n).astype(dtype)
    buckets = rng.integers(0, m, n)
    signs = rng.choice(np.array([-1.0, 1.0], dtype=dtype), n)
    S = np.zeros((m, n))
    S[buckets, np.arange(n)] = signs
    full = np.column_stack([A, extra]).astype(np.float64) * scale[:, None]
    out = countsketch_left(A, buckets, signs, m, extra=extra, scale=scale)
    assert out.dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(out, S @ full, rtol=rtol, atol=1e-5)
    # without extra columns and scales it is S @ A, accumulated into out
    acc = np.ones((m, 4), dtype=dtype)
    countsketch_left(A, buckets, signs, m, out=acc)
    np.testing.assert_allclose(acc, 1 + S @ A, rtol=1e-5, atol=1e-5)


def test_sketch_rejects_non_finite_and_non_numeric_input():
    S = make_sketch("gaussian", 5, 3, random_state=0)
    with pytest.raises(ValueError, match="NaN or infinity"):
        S.apply_left(np.array([1.0, np.nan, 0, 0, 0]))
    with pytest.raises(TypeError, match="real numbers"):
        S.apply_right(np.array([["a"] * 5]))
