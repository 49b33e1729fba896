"""Chunking by a working-memory budget, used by every scoring path."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import sklearn

__all__ = ["chunk_rows", "gen_row_chunks", "working_memory_budget"]

# The package's cap on scikit-learn's ``working_memory`` (MiB): row blocks of this
# size already run BLAS at full speed, and a smaller block keeps the peak memory of
# scoring small under scikit-learn's default budget of 1 GiB.
WORKING_MEMORY_CAP = 64.0


def working_memory_budget(working_memory=None):
    """Budget in MiB for one block of temporaries: the package's single policy.

    Every chunked computation of the package sizes its blocks with this, so that
    ``sklearn.config_context(working_memory=...)`` controls them all.

    Parameters
    ----------
    working_memory : float, default=None
        An explicit budget, returned as it is. ``None`` uses
        ``sklearn.get_config()["working_memory"]`` capped at
        ``WORKING_MEMORY_CAP`` (64 MiB).

    Returns
    -------
    budget : float
        The budget in MiB.

    See Also
    --------
    chunk_rows : Rows that fit the budget.

    Examples
    --------
    >>> import sklearn
    >>> from sklearn_lowdim.utils import working_memory_budget
    >>> with sklearn.config_context(working_memory=16):
    ...     working_memory_budget()
    16.0
    >>> working_memory_budget()
    64.0
    """
    if working_memory is not None:
        return float(working_memory)
    return min(float(sklearn.get_config()["working_memory"]), WORKING_MEMORY_CAP)


def chunk_rows(bytes_per_row, *, working_memory=None, max_rows=None, min_rows=1):
    """Number of rows that fit a working-memory budget.

    One block of this many rows keeps the temporaries of a scoring pass within
    the budget.

    Parameters
    ----------
    bytes_per_row : int
        Temporary memory one row needs (for example ``8 * n_classes`` for a
        float64 distance row).
    working_memory : float, default=None
        Budget in MiB. ``None`` uses :func:`working_memory_budget`
        (scikit-learn's ``working_memory`` capped at 64 MiB).
    max_rows : int, default=None
        Upper bound, usually ``n_samples``.
    min_rows : int, default=1
        Lower bound, used when one row alone exceeds the budget.

    Returns
    -------
    n_rows : int
        Rows per block, between ``min_rows`` and ``max_rows``.

    See Also
    --------
    gen_row_chunks : The slices of the blocks.
    working_memory_budget : The budget used by default.

    Examples
    --------
    >>> from sklearn_lowdim.utils import chunk_rows
    >>> chunk_rows(8 * 1000, working_memory=1)  # 1 MiB of 1000 float64 per row
    131
    """
    working_memory = working_memory_budget(working_memory)
    if not isinstance(bytes_per_row, numbers.Real) or bytes_per_row <= 0:
        raise ValueError(
            f"bytes_per_row must be a positive number, got {bytes_per_row!r}."
        )
    n_rows = int(working_memory * 2**20 // bytes_per_row)
    n_rows = max(n_rows, min_rows)
    if max_rows is not None:
        n_rows = max(min(n_rows, max_rows), 1)
    return n_rows


def gen_row_chunks(n_samples, bytes_per_row, *, working_memory=None, min_rows=1):
    """Yield ``slice`` objects covering ``range(n_samples)`` within a memory budget.

    Every block has :func:`chunk_rows` rows, the last one fewer.

    Parameters
    ----------
    n_samples : int
        Number of rows to cover.
    bytes_per_row : int
        Temporary memory one row needs.
    working_memory : float, default=None
        Budget in MiB; ``None`` uses :func:`working_memory_budget`.
    min_rows : int, default=1
        Lower bound on the block size.

    Yields
    ------
    rows : slice
        The rows of one block.

    See Also
    --------
    chunk_rows : The block size.

    Examples
    --------
    >>> from sklearn_lowdim.utils import gen_row_chunks
    >>> [(s.start, s.stop) for s in gen_row_chunks(5, 2**19, working_memory=1)]
    [(0, 2), (2, 4), (4, 5)]
    """
    step = chunk_rows(
        bytes_per_row,
        working_memory=working_memory,
        max_rows=n_samples,
        min_rows=min_rows,
    )
    for start in range(0, n_samples, step):
        yield slice(start, min(start + step, n_samples))
