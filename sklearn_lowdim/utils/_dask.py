"""Recognising dask arrays without importing dask."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

__all__ = ["is_dask_array"]


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
