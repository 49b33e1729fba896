"""Small namespace helpers of the sampling estimators (NumPy or a device).

The estimators keep one code path; these helpers hide the few places where a
NumPy array and an array-API array (CuPy, PyTorch, ... under
``array_api_dispatch=True``) need different calls. Nothing here copies ``X``
to the host: the draw of a coreset brings the ``n`` scores (one number per row)
to the host, where NumPy's random generator draws exactly as for NumPy input,
and sends back the kept indices and their weights.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import (
    asarray_like,
    check_sample_weight_values,
    device,
    get_namespace,
    supported_float_dtypes,
)
from . import _linalg

__all__ = [
    "check_weights",
    "device_scoring_matrix",
    "float_dtypes",
    "ones_column",
    "put_like",
    "take_rows",
    "to_float64",
]


def float_dtypes(X):
    """The ``dtype`` argument of ``validate_data`` in ``X``'s namespace."""
    xp, _ = get_namespace(X)
    return list(supported_float_dtypes(xp))


def put_like(values, like):
    """Host ``values`` on ``like``'s device (NumPy ``values`` for host ``like``)."""
    xp = _linalg.namespace_of(like)
    return values if xp is None else asarray_like(values, like, xp)


def to_float64(values):
    """``values`` as float64, in their namespace."""
    xp = _linalg.namespace_of(values)
    if xp is None:
        return np.asarray(values, dtype=np.float64)
    return _linalg.device_work_copy(values, xp)


def take_rows(A, idx):
    """Rows ``idx`` (host or device integers) of a host or device array."""
    xp = _linalg.namespace_of(A)
    if xp is None:
        return A[idx]
    if _linalg.namespace_of(idx) is None:
        idx = asarray_like(np.asarray(idx, dtype=np.int64), A, xp)
    return xp.take(A, idx, axis=0)


def check_weights(sample_weight):
    """:func:`~sklearn_lowdim.utils.check_sample_weight_values` in the weights'
    namespace (the weights stay on their device)."""
    xp = _linalg.namespace_of(sample_weight)
    if xp is None:
        return check_sample_weight_values(sample_weight)
    if not bool(xp.all(xp.isfinite(sample_weight))):
        raise ValueError("sample_weight contains NaN or infinity; pass finite weights.")
    if bool(xp.any(sample_weight < 0)):
        raise ValueError(
            "sample_weight has negative entries; weights must be >= 0 (drop the "
            "rows instead of giving them negative weight)."
        )
    if not bool(xp.any(sample_weight > 0)):
        raise ValueError("sample_weight sums to zero; at least one weight must be > 0.")
    return sample_weight


def device_scoring_matrix(X, extra, scale, xp):
    """``[X, extra] * scale[:, None]`` in float64 on ``X``'s device.

    ``extra`` is a list of device columns blocks (the intercept column, ``y``);
    on a device the matrix is built (the NumPy path reads it block by block
    instead, see :class:`~sklearn_lowdim.sampling._linalg.AugmentedRows`).
    """
    n = X.shape[0]
    parts = [_linalg.device_work_copy(X, xp)]
    parts += [xp.reshape(_linalg.device_work_copy(e, xp), (n, -1)) for e in extra]
    B = xp.concat(parts, axis=1) if len(parts) > 1 else parts[0]
    return B if scale is None else B * scale[:, None]


def ones_column(X, xp):
    """A float64 column of ones on ``X``'s device."""
    return xp.ones((X.shape[0], 1), dtype=xp.float64, device=device(X))
