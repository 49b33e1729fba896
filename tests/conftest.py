"""Fixtures shared by the test suite (helpers: ``sklearn_lowdim.utils._testing``)."""

import pytest

from sklearn_lowdim.utils import _testing


@pytest.fixture
def unmaterialisable(monkeypatch):
    """``make(X, rows)``: dask arrays that fail the test if computed whole."""
    return _testing.unmaterialisable(monkeypatch)
