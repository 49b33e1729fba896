"""The shared device and Dask test helpers work, so the tests using them can fail."""

import numpy as np
import pytest

from sklearn_lowdim.utils._testing import (
    NAMESPACES,
    namespace_of,
    to_host,
    to_namespace,
)


@pytest.mark.parametrize("namespace,dtype", NAMESPACES)
def test_roundtrip(namespace, dtype):
    X = np.arange(6.0).reshape(3, 2)
    xp, (Xd, y) = to_namespace(namespace, dtype, X, np.array([0, 1, 1]))
    assert namespace_of(Xd) == namespace
    np.testing.assert_allclose(to_host(Xd), X)
    assert to_host(y).dtype.kind == "i"

def test_guard(unmaterialisable):
    Xd = unmaterialisable(np.ones((10, 2)), 5)
    with pytest.raises(AssertionError):
        Xd.compute()
    with pytest.raises(AssertionError):
        np.asarray(Xd)
    assert Xd[:3].compute().shape == (3, 2)
