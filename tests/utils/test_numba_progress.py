import io

import numba
import numpy as np
import pytest

from sklearn_lowdim.utils import Progress, njit, numba_threads


def test_njit_caches_and_runs():
    @njit
    def total(a):
        s = 0.0
        for v in a:
            s += v
        return s

    assert total(np.arange(4.0)) == 6.0
    # cache=True gives a file-backed cache, not numba's NullCache.
    assert type(total._cache).__name__ == "FunctionCache"


def test_numba_threads_restores_on_error():
    before = numba.get_num_threads()
    with pytest.raises(RuntimeError):
        with numba_threads(1):
            assert numba.get_num_threads() == 1
            raise RuntimeError
    assert numba.get_num_threads() == before


def test_progress_quiet_and_verbose():
    out = io.StringIO()
    with Progress(3, verbose=0, stream=out) as p:
        for _ in range(3):
            p.update()
    assert out.getvalue() == ""
    with Progress(3, verbose=2, desc="x", stream=out) as p:
        for _ in range(3):
            p.update()
    assert out.getvalue().count("[x]") == 4
