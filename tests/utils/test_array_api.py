import numpy as np
import pytest
import sklearn

from sklearn_lowdim.utils import float_dtype, get_namespace, to_numpy


def test_numpy_without_dispatch():
    xp, is_array_api = get_namespace(np.ones(2))
    assert not is_array_api


def test_array_api_strict_dispatch():
    strict = pytest.importorskip("array_api_strict")
    x = strict.asarray([1.0, 2.0])
    with sklearn.config_context(array_api_dispatch=True):
        xp, is_array_api = get_namespace(x)
    assert is_array_api
    assert xp.__name__.startswith("array_api_strict")
    np.testing.assert_array_equal(to_numpy(x), [1.0, 2.0])
    # Without dispatch the NumPy path is taken, as in scikit-learn.
    assert not get_namespace(x)[1]


def test_torch_round_trip():
    torch = pytest.importorskip("torch")
    x = torch.arange(3, dtype=torch.float32)
    np.testing.assert_array_equal(to_numpy(x), [0, 1, 2])
    assert float_dtype(to_numpy(x)) == np.float32
