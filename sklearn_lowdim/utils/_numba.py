"""Numba configuration: the one place that decides how kernels are compiled.

* Every kernel is compiled with ``cache=True`` through :func:`njit`, so a process pays
  compilation once per installation. On a read-only installation set the environment
  variable ``NUMBA_CACHE_DIR`` to a writable folder; the library never sets it itself.
* Kernels compile lazily, on the first call inside ``fit``/``predict``, never at import.
* :func:`numba_threads` sets Numba's thread count for a block and restores it even on
  error; it also limits BLAS to one thread inside the block, because BLAS called from a
  parallel Numba region oversubscribes the cores.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import functools

__all__ = ["njit", "numba_threads", "blas_threads"]


def njit(*args, **kwargs):
    """``numba.njit`` with the library's defaults (``cache=True``, ``nogil=True``).

    Use as ``@njit`` or ``@njit(parallel=True)``. Numba is imported lazily, on the
    first decoration.

    Parameters
    ----------
    *args : callable, optional
        The function, when used as a bare ``@njit``.
    **kwargs : dict
        Options of ``numba.njit``; they override the defaults.

    Returns
    -------
    compiled : callable
        The compiled function, or a decorator when called with options.

    See Also
    --------
    numba_threads : Run a block with a given number of Numba threads.

    Examples
    --------
    >>> from sklearn_lowdim.utils import njit
    >>> add = njit(cache=False)(lambda a, b: a + b)  # no cache for a lambda
    >>> add(1, 2)
    3
    """
    import numba

    options = {"cache": True, "nogil": True}
    if len(args) == 1 and callable(args[0]) and not kwargs:
        return numba.njit(**options)(args[0])
    options.update(kwargs)
    return functools.partial(_decorate, options=options)


def _decorate(func, options):
    import numba

    return numba.njit(**options)(func)


@contextlib.contextmanager
def numba_threads(n_threads=None):
    """Run a block with ``n_threads`` Numba threads and single-threaded BLAS.

    The previous thread count is restored on exit, even on error.

    Parameters
    ----------
    n_threads : int or None, default=None
        ``None`` or ``-1`` keeps all of Numba's threads.

    Yields
    ------
    None
        The block runs with the thread settings.

    See Also
    --------
    blas_threads : Limit BLAS threads in a block.

    Examples
    --------
    >>> from sklearn_lowdim.utils import numba_threads
    >>> import numba
    >>> with numba_threads(1):
    ...     numba.get_num_threads()
    1
    """
    import numba
    from threadpoolctl import threadpool_limits

    previous = numba.get_num_threads()
    if n_threads is None or n_threads == -1:
        n_threads = numba.config.NUMBA_NUM_THREADS
    n_threads = max(1, min(int(n_threads), numba.config.NUMBA_NUM_THREADS))
    numba.set_num_threads(n_threads)
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            yield
    finally:
        numba.set_num_threads(previous)


@contextlib.contextmanager
def blas_threads(n_threads):
    """Limit BLAS to ``n_threads`` threads in a block (used inside joblib workers).

    Several joblib workers each running a multi-threaded BLAS oversubscribe the
    cores; each worker limits its own BLAS with this.

    Parameters
    ----------
    n_threads : int
        Number of BLAS threads inside the block.

    Yields
    ------
    None
        The block runs with the BLAS limit.

    See Also
    --------
    numba_threads : Numba threads and single-threaded BLAS.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.utils import blas_threads
    >>> with blas_threads(1):
    ...     float(np.ones(3) @ np.ones(3))
    3.0
    """
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=n_threads, user_api="blas"):
        yield
