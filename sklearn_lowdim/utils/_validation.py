"""Input validation shared by all estimators.

Each helper raises a ``ValueError`` that names the offending parameter and says how
to fix the input. The helpers complement :func:`sklearn.utils.validation.validate_data`,
which every estimator calls first.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = [
    "check_rows_in_namespace",
    "check_all_finite",
    "check_n_classes",
    "check_min_samples_per_class",
    "check_sample_weight_values",
    "check_2d",
]


def check_2d(X, name="X"):
    """Raise unless ``X`` is two-dimensional.

    The message says how to reshape a single feature or a single sample.

    Parameters
    ----------
    X : array-like
        The input.
    name : str, default="X"
        The parameter name used in the error message.

    Returns
    -------
    X : array-like
        The input, unchanged.

    Raises
    ------
    ValueError
        When ``X`` is not two-dimensional.

    See Also
    --------
    check_all_finite : Reject NaN and infinity.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.utils import check_2d
    >>> check_2d(np.ones((2, 3))).shape
    (2, 3)
    """
    ndim = getattr(X, "ndim", np.ndim(X))
    if ndim != 2:
        raise ValueError(
            f"{name} must be a 2-D array of shape (n_samples, n_features), got "
            f"{ndim} dimension(s). Reshape a single feature with "
            f"{name}.reshape(-1, 1) or a single sample with {name}.reshape(1, -1)."
        )
    return X


def check_all_finite(X, name="X"):
    """Raise if ``X`` holds NaN or infinity.

    The message counts the bad entries and names the usual remedy (an imputer in
    a pipeline).

    Parameters
    ----------
    X : array-like
        The input.
    name : str, default="X"
        The parameter name used in the error message.

    Returns
    -------
    X : array-like
        The input, unchanged.

    Raises
    ------
    ValueError
        When ``X`` holds a NaN or an infinity.

    See Also
    --------
    check_2d : Reject input that is not two-dimensional.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.utils import check_all_finite
    >>> check_all_finite(np.array([1.0, np.nan]))
    Traceback (most recent call last):
    ...
    ValueError: X contains NaN or infinity (1 entries). Impute them first, ...
    """
    bad = ~np.isfinite(np.asarray(X))
    if bad.any():
        raise ValueError(
            f"{name} contains NaN or infinity ({int(bad.sum())} entries). Impute them "
            "first, for example with sklearn.impute.SimpleImputer in a Pipeline."
        )
    return X


def raise_not_finite(X, input_name="X"):
    """Raise scikit-learn's NaN/inf error for ``X``, whose reduction was not finite.

    For callers that skip the finiteness pass of ``validate_data`` because a
    sum they compute anyway reads every entry: a NaN or infinity reaches that
    sum (``0 * inf`` is NaN too). The message is scikit-learn's, from a real
    check, even under ``sklearn.config_context(assume_finite=True)``; a finite
    ``X`` whose sum overflowed gets its own error.
    """
    from sklearn import config_context

    from ._sklearn_compat import _assert_all_finite

    with config_context(assume_finite=False):
        _assert_all_finite(X, input_name=input_name)
    raise ValueError(
        f"{input_name} holds values so large that their sums overflow float64; "
        "rescale it (for example with sklearn.preprocessing.StandardScaler)."
    )


def check_n_classes(classes, min_classes=2, name="y"):
    """Raise if fewer than ``min_classes`` distinct labels are present.

    The message points to the unsupervised estimators for one-class data.

    Parameters
    ----------
    classes : sequence
        The distinct labels.
    min_classes : int, default=2
        How many are needed.
    name : str, default="y"
        The parameter name used in the error message.

    Returns
    -------
    classes : sequence
        The input, unchanged.

    Raises
    ------
    ValueError
        When there are fewer than ``min_classes`` labels.

    See Also
    --------
    check_min_samples_per_class : Reject classes with too few samples.

    Examples
    --------
    >>> from sklearn_lowdim.utils import check_n_classes
    >>> check_n_classes(["a"])
    Traceback (most recent call last):
    ...
    ValueError: y has 1 class(es) but at least 2 are needed; ...
    """
    n_classes = len(classes)
    if n_classes < min_classes:
        raise ValueError(
            f"{name} has {n_classes} class(es) but at least {min_classes} are needed; "
            "pass labels of several classes, or use an unsupervised estimator "
            "(for example RobustMahalanobis) for one-class data."
        )
    return classes


def check_min_samples_per_class(counts, classes, min_samples, reason=""):
    """Raise if a class has fewer than ``min_samples`` samples.

    The message names the first such class and the remedies (drop it, add
    samples, or regularise).

    Parameters
    ----------
    counts : array-like of shape (n_classes,)
        Number of samples of each class.
    classes : sequence of length n_classes
        The labels, for the message.
    min_samples : int
        How many samples each class needs.
    reason : str, default=""
        Appended to the message, for example ``" for a full covariance"``.

    Raises
    ------
    ValueError
        When a class has fewer than ``min_samples`` samples.

    See Also
    --------
    check_n_classes : Reject too few classes.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.utils import check_min_samples_per_class
    >>> check_min_samples_per_class(np.array([3, 1]), ["a", "b"], 2)
    Traceback (most recent call last):
    ...
    ValueError: class 'b' has 1 sample(s) but at least 2 are needed...
    """
    counts = np.asarray(counts)
    small = np.flatnonzero(counts < min_samples)
    if small.size:
        i = small[0]
        raise ValueError(
            f"class {str(classes[i])!r} has {int(counts[i])} sample(s) but at least "
            f"{min_samples} are needed{reason}. Drop that class, add samples, or "
            "choose a regularised model (shrinkage or a tied covariance)."
        )


def check_sample_weight_values(sample_weight, name="sample_weight"):
    """Raise on negative, non-finite or all-zero weights.

    Complements scikit-learn's shape check of ``sample_weight`` with the value
    checks the weighted statistics need.

    Parameters
    ----------
    sample_weight : array-like of shape (n_samples,)
        The weights.
    name : str, default="sample_weight"
        The parameter name used in the error message.

    Returns
    -------
    sample_weight : ndarray of shape (n_samples,)
        The weights as an array.

    Raises
    ------
    ValueError
        When a weight is negative or not finite, or all weights are zero.

    See Also
    --------
    check_all_finite : Reject NaN and infinity in the data.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.utils import check_sample_weight_values
    >>> check_sample_weight_values(np.array([1.0, -1.0]))
    Traceback (most recent call last):
    ...
    ValueError: sample_weight has negative entries; weights must be >= 0...
    """
    sample_weight = np.asarray(sample_weight)
    if not np.all(np.isfinite(sample_weight)):
        raise ValueError(f"{name} contains NaN or infinity; pass finite weights.")
    if np.any(sample_weight < 0):
        raise ValueError(
            f"{name} has negative entries; weights must be >= 0 (drop the rows "
            "instead of giving them negative weight)."
        )
    if not np.any(sample_weight > 0):
        raise ValueError(f"{name} sums to zero; at least one weight must be > 0.")
    return sample_weight


def check_rows_in_namespace(X, xp, *, estimator=None, reset=False, min_samples=1):
    """``validate_data`` for an array-API input, in its namespace (no host copy).

    Shapes come from the metadata; finiteness is one ``xp.isfinite`` reduction
    on the device; float32 and float64 are kept and other real dtypes become
    the device's float (float64 where it has it). A dask array is checked from
    its metadata only (its finiteness by the first pass the caller makes).

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Rows, in their namespace.
    xp : module
        The namespace of ``X``.
    estimator : estimator, default=None
        Named in the messages. With ``reset=True`` its ``n_features_in_`` is set
        (and a stale ``feature_names_in_`` dropped); otherwise ``X`` must have
        ``estimator.n_features_in_`` columns.
    reset : bool, default=False
        Whether this is a fit.
    min_samples : int, default=1
        The fewest rows accepted.

    Returns
    -------
    X : array of shape (n_samples, n_features)
        The rows, float32 or float64, on their device.

    See Also
    --------
    check_all_finite : The NumPy counterpart of the finiteness check.

    Examples
    --------
    >>> import array_api_compat.numpy as xp
    >>> from sklearn_lowdim.utils import check_rows_in_namespace
    >>> check_rows_in_namespace(xp.asarray([[1, 2], [3, 4]]), xp).dtype
    dtype('float64')
    """
    from ._array_api import device, device_float
    from ._dask import is_dask_array

    owner = "the estimator" if estimator is None else type(estimator).__name__
    if X.ndim != 2:
        raise ValueError(
            f"Expected a 2-D X of shape (n_samples, n_features), got {X.ndim} "
            "dimension(s); reshape a single feature with X.reshape(-1, 1)."
        )
    if X.shape[0] < min_samples:
        raise ValueError(
            f"Found array with {X.shape[0]} sample(s) (shape={tuple(X.shape)}) "
            f"while a minimum of {min_samples} is required by {owner}."
        )
    if estimator is not None and reset:
        estimator.n_features_in_ = X.shape[1]
        estimator.__dict__.pop("feature_names_in_", None)
    elif estimator is not None and X.shape[1] != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.shape[1]} features, but {owner} is expecting "
            f"{estimator.n_features_in_} features as input."
        )
    if is_dask_array(X):  # finiteness is checked by the first pass over it
        if X.dtype.kind not in "fiub":
            raise ValueError(f"X must hold real numbers, got dtype {X.dtype}.")
        return X if X.dtype in (np.float32, np.float64) else X.astype(np.float64)
    if X.dtype not in (xp.float32, xp.float64):
        X = xp.astype(X, device_float(xp, device(X)))
    if not bool(xp.all(xp.isfinite(X))):
        raise ValueError(
            "Input X contains NaN or infinity. Impute them first, for example "
            "with sklearn.impute.SimpleImputer."
        )
    return X
