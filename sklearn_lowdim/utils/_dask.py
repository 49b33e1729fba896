"""Recognising dask arrays without importing dask; merging block results pairwise."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

__all__ = ["is_dask_array", "merge_pairwise"]


def is_dask_array(X):
    """Whether ``X`` is a ``dask.array.Array`` (dask is not imported).

    Estimators take their Dask path (block reductions, lazy outputs) when this
    holds; importing dask just to ask would cost every user a second.

    Parameters
    ----------
    X : object
        Any input.

    Returns
    -------
    is_dask : bool
        True for a dask array.

    See Also
    --------
    sklearn_lowdim.utils.get_namespace : The array namespace of other inputs.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.utils import is_dask_array
    >>> is_dask_array(np.ones(3))
    False
    """
    return type(X).__module__.split(".")[0] == "dask" and hasattr(X, "chunks")


def merge_pairwise(states, merge):
    """``merge`` the states two at a time, level by level, into one.

    Each merge combines states of similar size (partial sums stay accurate).
    With a ``merge`` that builds a dask task (``dask.delayed(operator.add)``,
    ``da.logaddexp``) this is the tree reduction of a block pass: a worker waits
    on one other partial at a time rather than gathering many (partials can be
    tens of MB each, such as every ridge member's Gram matrix).

    Parameters
    ----------
    states : sequence
        At least one state.
    merge : callable
        ``merge(a, b)`` returns the merged state.

    Returns
    -------
    state : object
        The merge of every state, in their order.
    """
    states = list(states)
    while len(states) > 1:
        merged = [merge(a, b) for a, b in zip(states[::2], states[1::2])]
        if len(states) % 2:
            merged.append(states[-1])
        states = merged
    return states[0]
