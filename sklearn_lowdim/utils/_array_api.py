"""Array namespace and device helpers built on ``array-api-compat``.

The rules follow scikit-learn's array API conventions: dispatch to the input's namespace
only when ``sklearn.set_config(array_api_dispatch=True)`` is active (which needs
``SCIPY_ARRAY_API=1`` set before SciPy is imported). Without dispatch every
input is converted to NumPy and the NumPy (and Numba) fast paths run.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
import sklearn

__all__ = [
    "get_namespace",
    "is_numpy_namespace",
    "device",
    "to_numpy",
    "asarray_like",
    "supported_float_dtypes",
    "float_dtype",
    "device_float",
    "accumulation_dtype",
]


def _dispatch_enabled():
    return bool(sklearn.get_config().get("array_api_dispatch", False))


def get_namespace(*arrays):
    """Return ``(xp, is_array_api)`` for the arrays, like scikit-learn's helper.

    Dispatch happens only under ``sklearn.set_config(array_api_dispatch=True)``;
    otherwise the NumPy wrapper is returned, so the NumPy fast paths run.

    Parameters
    ----------
    *arrays : array-like
        Arrays (``None`` entries and Python scalars are ignored).

    Returns
    -------
    xp : module
        The array namespace: ``array_api_compat.numpy`` when dispatch is off or the
        inputs are NumPy arrays, else the inputs' (wrapped) namespace.
    is_array_api : bool
        Whether a non-NumPy namespace was selected.

    See Also
    --------
    is_numpy_namespace : Whether a namespace is NumPy's.
    to_numpy : Move an array of any namespace to NumPy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.utils import get_namespace
    >>> xp, is_array_api = get_namespace(np.ones(3))
    >>> is_array_api
    False
    """
    import array_api_compat
    import array_api_compat.numpy as np_compat

    arrays = [a for a in arrays if a is not None and not np.isscalar(a)]
    if not _dispatch_enabled() or not arrays:
        return np_compat, False
    array_likes = [a for a in arrays if array_api_compat.is_array_api_obj(a)]
    if not array_likes:
        return np_compat, False
    xp = array_api_compat.array_namespace(*array_likes)
    if is_numpy_namespace(xp):
        return np_compat, False
    return xp, True


def is_numpy_namespace(xp):
    """Whether ``xp`` is NumPy or its array-api-compat wrapper.

    The NumPy branch of a namespace-generic function may call Numba kernels and
    BLAS directly; this is the test that selects it.

    Parameters
    ----------
    xp : module
        An array namespace, for example from :func:`get_namespace`.

    Returns
    -------
    is_numpy : bool
        True for ``numpy`` and ``array_api_compat.numpy``.

    See Also
    --------
    get_namespace : The namespace of some arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.utils import is_numpy_namespace
    >>> is_numpy_namespace(np)
    True
    """
    return xp.__name__ in {"numpy", "array_api_compat.numpy"}


def device(x):
    """The device an array lives on (``"cpu"`` for NumPy arrays).

    Fitted attributes and outputs are put on this device, so that inputs never
    leave it.

    Parameters
    ----------
    x : array
        An array of any supported namespace.

    Returns
    -------
    device : str or device object
        ``"cpu"`` for NumPy, else the namespace's device object.

    See Also
    --------
    asarray_like : Put values on the device of another array.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.utils import device
    >>> device(np.zeros(2))
    'cpu'
    """
    import array_api_compat

    if isinstance(x, np.ndarray):
        return "cpu"
    return array_api_compat.device(x)


def to_numpy(x):
    """Move an array from any supported namespace to a NumPy array on the host.

    Handles NumPy, CuPy (``.get()``), torch (``.cpu().numpy()``) and any namespace
    implementing DLPack or ``__array__``.

    Parameters
    ----------
    x : array
        An array of any supported namespace.

    Returns
    -------
    x_np : ndarray
        The same values as a NumPy array (no copy when ``x`` already is one).

    See Also
    --------
    asarray_like : The reverse move, from NumPy to another array's namespace.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.utils import to_numpy
    >>> to_numpy(np.arange(3))
    array([0, 1, 2])
    """
    if isinstance(x, np.ndarray):
        return x
    module = type(x).__module__
    if module.startswith("cupy"):
        return x.get()
    if module.startswith("torch"):
        return x.detach().cpu().numpy()
    try:
        return np.from_dlpack(x)
    except (TypeError, AttributeError, RuntimeError, BufferError):
        return np.asarray(x)


def asarray_like(values, like, xp=None):
    """Put NumPy ``values`` into the namespace and on the device of ``like``.

    Small results computed on the host (means, factors) are moved once to the
    input's device this way.

    Parameters
    ----------
    values : array-like
        Values to convert.
    like : array
        An array whose namespace and device are used.
    xp : module, default=None
        The namespace of ``like`` when the caller knows it already.

    Returns
    -------
    array : array
        ``values`` in ``like``'s namespace, on its device.

    See Also
    --------
    to_numpy : Move an array to NumPy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.utils import asarray_like
    >>> asarray_like([1.0, 2.0], np.zeros(1))
    array([1., 2.])
    """
    if xp is None:
        xp, _ = get_namespace(like)
    if is_numpy_namespace(xp):
        return np.asarray(values)
    return xp.asarray(np.asarray(values), device=device(like))


def supported_float_dtypes(xp):
    """Floating dtypes supported by ``xp``, highest precision first.

    Used as the ``dtype`` argument of ``validate_data``: float32 input stays
    float32 and anything else becomes float64.

    Parameters
    ----------
    xp : module
        An array namespace.

    Returns
    -------
    dtypes : tuple
        ``(xp.float64, xp.float32)``.

    See Also
    --------
    float_dtype : The dtype chosen for one array.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.utils import supported_float_dtypes
    >>> supported_float_dtypes(np)
    (<class 'numpy.float64'>, <class 'numpy.float32'>)
    """
    return (xp.float64, xp.float32)


def float_dtype(X, xp=None):
    """The dtype policy of the library: float32 stays float32, all else becomes float64.

    The algorithms of the package are stable in float32 where they accept it;
    integer and float16 input is computed in float64.

    Parameters
    ----------
    X : array
        The input array.
    xp : module, default=None
        The namespace of ``X`` when the caller knows it already.

    Returns
    -------
    dtype : dtype
        ``xp.float32`` for float32 input, else ``xp.float64``.

    See Also
    --------
    supported_float_dtypes : Both float dtypes of a namespace.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.utils import float_dtype
    >>> float_dtype(np.ones(2, dtype=np.float32))
    <class 'numpy.float32'>
    >>> float_dtype(np.ones(2, dtype=np.int64))
    <class 'numpy.float64'>
    """
    if xp is None:
        xp, _ = get_namespace(X)
    if getattr(X, "dtype", None) == xp.float32:
        return xp.float32
    return xp.float64


def device_float(xp, dev):
    """The device's float: float64 on ``dev`` where it has it, else float32.

    The dtype in which statistics are accumulated on a device; Apple's MPS
    backend, for one, has no float64.

    Parameters
    ----------
    xp : module
        An array namespace.
    dev : device
        A device of that namespace.

    Returns
    -------
    dtype : dtype
        ``xp.float64`` when ``dev`` supports it, else ``xp.float32``.

    See Also
    --------
    accumulation_dtype : The same, for the device of an array.

    Examples
    --------
    >>> import array_api_compat.numpy as xp
    >>> from sklearn_lowdim.utils import device_float
    >>> device_float(xp, "cpu") == xp.float64
    True
    """
    try:
        xp.zeros(1, dtype=xp.float64, device=dev)
        return xp.float64
    except (TypeError, ValueError, RuntimeError):
        return xp.float32


def accumulation_dtype(xp, X):
    """The dtype of sums over the rows of ``X``: float64 where its device has it.

    Sums of many rows lose digits in float32, so statistics accumulate in
    float64 even for float32 input, except on devices without float64.

    Parameters
    ----------
    xp : module
        The namespace of ``X``.
    X : array
        The rows summed.

    Returns
    -------
    dtype : dtype
        ``device_float(xp, device(X))``.

    See Also
    --------
    device_float : The same, for a device rather than an array.

    Examples
    --------
    >>> import numpy as np
    >>> import array_api_compat.numpy as xp
    >>> from sklearn_lowdim.utils import accumulation_dtype
    >>> accumulation_dtype(xp, np.ones(2, dtype=np.float32)) == xp.float64
    True
    """
    return device_float(xp, device(X))
