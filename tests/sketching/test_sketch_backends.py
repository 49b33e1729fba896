"""The sketches on array-API inputs equal the NumPy sketches of the same seed."""

import types

import numpy as np
import pytest
import sklearn

from sklearn_lowdim.sketching import SKETCH_KINDS, make_sketch
from sklearn_lowdim.sketching._device import _dct2
from sklearn_lowdim.utils._testing import (
    NAMESPACES,
    TOLERANCE,
    namespace_of,
    to_host,
    to_namespace,
)


def _dispatch():
    return sklearn.config_context(array_api_dispatch=True)


@pytest.mark.parametrize("kind", SKETCH_KINDS)
@pytest.mark.parametrize("p", [37, 16])
@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
def test_device_sketch_matches_numpy(namespace, dtype, p, kind):
    """Left, right and vector products against the dense NumPy ``S`` (float64)."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((p, 3)).astype(dtype)
    S = make_sketch(kind, p, 11, random_state=1)
    dense = S.toarray()  # NumPy, float64: an independent reference
    xp, (A_dev,) = to_namespace(namespace, dtype, A)
    with _dispatch():
        left = S.apply_left(A_dev)
        right = S.apply_right(A_dev.T)
        vec = S.apply_left(A_dev[:, 0])
    for out in (left, right, vec):
        assert namespace_of(out) == namespace
        assert out.dtype == A_dev.dtype
        assert out.device == A_dev.device
    A64 = A.astype(np.float64)
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(to_host(left), dense @ A64, rtol=tol, atol=tol)
    np.testing.assert_allclose(to_host(right), A64.T @ dense.T, rtol=tol, atol=tol)
    np.testing.assert_allclose(to_host(vec), dense @ A64[:, 0], rtol=tol, atol=tol)
    np.testing.assert_array_equal(to_host(A_dev), A)  # input untouched


@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
def test_device_countsketch_in_row_blocks(namespace, dtype):
    """A working-memory budget that forces many row blocks gives the same sum."""
    rng = np.random.default_rng(1)
    A = rng.standard_normal((3000, 4))
    S = make_sketch("countsketch", 3000, 50, random_state=0)
    xp, (A_dev,) = to_namespace(namespace, dtype, A)
    with _dispatch(), sklearn.config_context(working_memory=0.05):
        out = S.apply_left(A_dev)
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(to_host(out), S.toarray() @ A, rtol=tol, atol=tol)


@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
def test_device_sketch_validation(namespace, dtype):
    S = make_sketch("gaussian", 5, 3, random_state=0)
    bad = np.ones((5, 2))
    bad[1, 0] = np.nan
    xp, (bad_dev, short, ints) = to_namespace(
        namespace, dtype, bad, np.ones((4, 2)), np.arange(10).reshape(5, 2)
    )
    with _dispatch():
        with pytest.raises(ValueError, match="NaN or infinity"):
            S.apply_left(bad_dev)
        with pytest.raises(ValueError, match="n_features=5"):
            S.apply_left(short)
        out = S.apply_left(ints)  # integers are sketched in float64
    assert out.dtype == xp.float64
    np.testing.assert_allclose(
        to_host(out), S.toarray() @ np.arange(10.0).reshape(5, 2), atol=1e-12
    )


def test_srdct_without_fft_names_the_alternatives():
    fake = types.SimpleNamespace(__name__="nofft")
    with pytest.raises(TypeError, match="kind='srht'"):
        _dct2(np.ones((4, 1)), fake)
