"""Input checks of the Gaussian core's public functions."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_array

__all__ = ["check_finite_result", "check_rows", "warn_if_unrepresentable"]

_OVERFLOW = (
    "{what} overflow float64 (the data's squares or their sums exceed 1.8e308); "
    "rescale X first, for example with sklearn.preprocessing.StandardScaler."
)


def check_rows(X, name="X", *, min_samples=1, finite=True):
    """``X`` as a 2-D float64/float32 array with a message that says what to do.

    Sparse matrices are refused (the Gaussian core works on dense rows), other
    dtypes become float64, NaN and infinity are refused when ``finite``.
    """
    if sp.issparse(X):
        raise TypeError(
            f"{name} is a sparse matrix; the Gaussian core needs dense rows. "
            f"Convert it with {name}.toarray() (or reduce it first, e.g. with "
            "sklearn.decomposition.TruncatedSVD)."
        )
    return check_array(
        X, dtype=[np.float64, np.float32], ensure_min_samples=min_samples,
        ensure_all_finite=finite, input_name=name, order=None,
    )


def check_finite_result(values, what):
    """Raise the overflow error when a computed statistic is not finite."""
    if not np.all(np.isfinite(values)):
        raise ValueError(_OVERFLOW.format(what=what))
    return values


def warn_if_unrepresentable(values, name):
    """Warn when a reported matrix leaves float64's range.

    The models are fitted on the data divided by powers of two, so their
    predictions are exact; only a covariance reported in the units of ``X``
    (whose entries are squares of the data) can overflow or underflow.
    """
    if not np.all(np.isfinite(values)):
        warnings.warn(
            f"{name} is outside float64's range at this scale of the data (its "
            "entries are squares of values beyond 1e154) and holds inf; the "
            "model's scores and predictions are computed without it and are "
            "exact. Rescale X (e.g. StandardScaler) to read the covariance.",
            UserWarning, stacklevel=3,
        )
