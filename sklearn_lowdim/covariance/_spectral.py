"""Spectral pieces every covariance consumer shares.

Shrinkage intensities (Ledoit-Wolf, OAS) computed from a covariance's traces, so
that a dense matrix and an eigen-spectrum give the same number; the
small-eigenvalue policy (floor, pseudo-inverse or raise) of whiteners and
discriminant models; and the spectrum of a low-rank scatter factor.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers
import warnings

import numpy as np

from ._checks import check_finite_result, check_rows

__all__ = [
    "SMALL_EIGENVALUE_POLICIES",
    "SingularCovarianceWarning",
    "floor_eigenvalues",
    "shrinkage_from_spectrum",
    "shrinkage_intensity",
    "spectrum_from_factor",
    "warn_singular",
]

SMALL_EIGENVALUE_POLICIES = ("floor", "pinv", "variance_norm", "raise")


class SingularCovarianceWarning(UserWarning):
    """A covariance was (numerically) singular and was regularised or truncated.

    Emitted on every fit whose covariance had eigenvalues below ``eig_floor``
    times the largest (constant or duplicated features, fewer rows than
    features) and that floored them; filter it like any warning.

    See Also
    --------
    floor_eigenvalues : The small-eigenvalue policy that emits it.
    Whitener : Whitening factor of a covariance.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn_lowdim.covariance import SingularCovarianceWarning, Whitener
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = Whitener().fit(np.array([[1.0, 1.0], [1.0, 1.0]]))
    >>> caught[0].category is SingularCovarianceWarning
    True
    """


def warn_singular(message, stacklevel=3):
    """Emit ``message`` as a :class:`SingularCovarianceWarning`.

    Every singular fit warns: Python's warning filters decide how often a
    warning is shown (``"default"`` shows it once per call site, ``"always"``
    every time, ``"error"`` raises), as for scikit-learn's own warnings.
    """
    warnings.warn(message, SingularCovarianceWarning, stacklevel=stacklevel + 1)


def _ledoit_wolf(trace, fro2, d, n, fourth_sum):
    mu = trace / d
    beta = (fourth_sum / n - fro2) / (d * n)
    delta = (fro2 - 2.0 * mu * trace + d * mu * mu) / d
    beta = min(beta, delta)
    if beta <= 0 or delta <= 0:
        return 0.0
    return float(beta / delta)


def _oas(trace, fro2, d, n):
    mu = trace / d
    alpha = fro2 / d**2
    den = (n + 1) * (alpha - mu * mu / d)
    return 1.0 if den == 0 else float(min((alpha + mu * mu) / den, 1.0))


def shrinkage_intensity(shrinkage, *, trace, fro2, n_features, n_samples,
                        fourth_sum=None):
    """Shrinkage intensity toward ``(tr S / d) I`` from the traces of ``S``.

    ``tr S`` and ``||S||_F^2`` are all Ledoit-Wolf's and OAS's formulas need
    from the covariance, so a dense matrix and its eigen-spectrum give the same
    intensity through this one function.

    Parameters
    ----------
    shrinkage : None, float in [0, 1], "ledoit_wolf", "auto" or "oas"
        ``None`` gives 0; a float is returned as it is; ``"ledoit_wolf"`` (alias
        ``"auto"``) and ``"oas"`` are the estimators' intensities.
    trace : float
        ``tr S`` of the biased covariance ``S``.
    fro2 : float
        ``||S||_F^2``.
    n_features : int
        Dimension ``d`` of ``S``.
    n_samples : float
        Total weight behind ``S``.
    fourth_sum : float, default=None
        ``sum_i w_i ||x_i - mu||^4``, needed by Ledoit-Wolf's beta term.

    Returns
    -------
    shrinkage : float
        Intensity in ``[0, 1]``; 0 for ``None``, and for the estimators when
        ``n_features <= 1`` or ``n_samples <= 0``.

    Raises
    ------
    ValueError
        If a float ``shrinkage`` is outside ``[0, 1]``, a string is unknown, or
        ``"ledoit_wolf"`` is asked for without ``fourth_sum``.

    See Also
    --------
    shrinkage_from_spectrum : The same from a covariance's eigenvalues.
    covariance_from_statistics : Shrunk covariances from statistics.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.covariance import OAS
    >>> from sklearn_lowdim.covariance import shrinkage_intensity
    >>> X = np.random.default_rng(0).normal(size=(30, 5))
    >>> S = np.cov(X.T, bias=True)
    >>> s = shrinkage_intensity("oas", trace=np.trace(S), fro2=np.sum(S * S),
    ...                         n_features=5, n_samples=30)
    >>> bool(np.isclose(s, OAS().fit(X).shrinkage_))
    True
    """
    if shrinkage is None:
        return 0.0
    if isinstance(shrinkage, numbers.Real) and not isinstance(shrinkage, bool):
        if not 0.0 <= shrinkage <= 1.0:
            raise ValueError(f"shrinkage must be in [0, 1], got {shrinkage!r}.")
        return float(shrinkage)
    if shrinkage not in ("ledoit_wolf", "auto", "oas"):
        raise ValueError(
            "shrinkage must be None, a float in [0, 1], 'ledoit_wolf' or 'oas', "
            f"got {shrinkage!r}."
        )
    d, n = int(n_features), float(n_samples)
    if not n > 0:
        raise ValueError(f"n_samples must be > 0, got {n_samples!r}.")
    if not (np.isfinite(trace) and np.isfinite(fro2)):
        raise ValueError(
            "the covariance holds NaN or infinity (overflowed squares of large "
            "data?); rescale the data, e.g. with sklearn.preprocessing.StandardScaler."
        )
    if d <= 1:
        return 0.0
    if shrinkage == "oas":
        return _oas(float(trace), float(fro2), d, n)
    if fourth_sum is None:
        raise ValueError(
            "shrinkage='ledoit_wolf' needs the fourth moments; build the "
            "statistics with moments=True."
        )
    if n <= 1:
        warnings.warn(
            "Only one sample available. You may want to reshape your data array",
            stacklevel=2,
        )
    return _ledoit_wolf(float(trace), float(fro2), d, n, float(fourth_sum))


def shrinkage_from_spectrum(eigenvalues, n_features, n_samples, shrinkage,
                            fourth_sum=None):
    """:func:`shrinkage_intensity` of a covariance given by its eigenvalues.

    ``eigenvalues`` may omit zeros (a low-rank spectrum); ``n_features`` is the
    full dimension.

    Parameters
    ----------
    eigenvalues : ndarray of shape (rank,)
        Eigenvalues of the biased covariance ``S`` (zeros may be omitted).
    n_features : int
        Full dimension ``d`` of ``S``.
    n_samples : float
        Total weight behind ``S``.
    shrinkage : None, float, "ledoit_wolf" or "oas"
        As in :func:`shrinkage_intensity`.
    fourth_sum : float, default=None
        ``sum_i w_i ||x_i - mu||^4``, needed by ``"ledoit_wolf"``.

    Returns
    -------
    shrinkage : float
        The intensity :func:`shrinkage_intensity` gives for ``S``.

    See Also
    --------
    shrinkage_intensity : The same from the covariance's traces.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.covariance import ledoit_wolf_shrinkage
    >>> from sklearn_lowdim.covariance import shrinkage_from_spectrum
    >>> X = np.random.default_rng(0).normal(size=(3, 6))  # rank 2 in 6 dimensions
    >>> Xc = X - X.mean(0)
    >>> lam = np.linalg.svd(Xc, compute_uv=False) ** 2 / 3
    >>> s = shrinkage_from_spectrum(lam, 6, 3, "ledoit_wolf",
    ...                             np.sum(np.sum(Xc**2, 1) ** 2))
    >>> bool(np.isclose(s, ledoit_wolf_shrinkage(Xc, assume_centered=True)))
    True
    """
    lam = np.asarray(eigenvalues, dtype=np.float64)
    return shrinkage_intensity(
        shrinkage, trace=float(lam.sum()), fro2=float(np.sum(lam * lam)),
        n_features=n_features, n_samples=n_samples, fourth_sum=fourth_sum,
    )


def floor_eigenvalues(values, *, eig_floor, singular, what="the covariance",
                      reference=None):
    """The small-eigenvalue policy, in one place.

    An eigenvalue is small when it is at most ``eig_floor * reference``
    (``reference`` defaults to the largest value; a spectrum with no positive
    value has every value small).

    Parameters
    ----------
    values : ndarray of shape (k,)
        Eigenvalues (or variances of a diagonal covariance).
    eig_floor : float
        Relative threshold.
    singular : {"floor", "pinv", "variance_norm", "raise"}
        ``"floor"`` clips small values at the threshold (1 when nothing is
        positive); ``"pinv"`` and ``"variance_norm"`` drop them (``keep``
        marks the others); ``"raise"`` raises a ValueError naming ``what``.
    what : str, default="the covariance"
        Subject of the error message.
    reference : float, default=None
        Scale the threshold is relative to.

    Returns
    -------
    values : ndarray of shape (k,)
        Floored values (``"floor"``) or the input values.
    keep : ndarray of bool of shape (k,)
        Values that are not small (all True for ``"floor"``).
    small : ndarray of bool of shape (k,)
        The small values (floored, dropped or raised about).

    See Also
    --------
    Whitener : Whitening that applies this policy.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.covariance import floor_eigenvalues
    >>> floor_eigenvalues(np.array([2.0, 1e-20]), eig_floor=1e-12, singular="floor")
    (array([2.e+00, 2.e-12]), array([ True,  True]), array([False,  True]))
    """
    if singular not in SMALL_EIGENVALUE_POLICIES:
        raise ValueError(
            f"singular must be one of {SMALL_EIGENVALUE_POLICIES}, got {singular!r}."
        )
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(
            "values must be a non-empty 1-D array of finite eigenvalues, got "
            f"shape {values.shape}" + ("" if np.all(np.isfinite(values)) else
                                       " with NaN or infinity") + "."
        )
    if reference is None:
        reference = float(values.max()) if values.size else 0.0
    positive = reference > 0
    threshold = eig_floor * reference if positive else 0.0
    small = values <= threshold
    n_small = int(small.sum())
    if n_small and singular == "raise":
        raise ValueError(
            f"{what} is singular ({n_small} of {values.size} eigenvalues at most "
            f"{eig_floor:g} times the largest); add shrinkage or reg_covar, or "
            "choose singular='floor' or 'pinv'."
        )
    if singular == "floor":
        floored = np.maximum(values, threshold if positive else 1.0)
        return floored, np.ones(values.shape, dtype=bool), small
    return values, ~small, small


def spectrum_from_factor(factor, n_samples):
    """Compute the eigenvalues and eigenvectors of ``factor^T factor / n_samples``.

    A scatter matrix kept as a factor ``R`` (``scatter = R^T R``, ``R`` of shape
    (r, d)) has at most ``r`` non-zero eigenvalues: they come from a thin SVD of
    ``R`` in ``O(r^2 d)``, never from a ``d x d`` matrix when ``r < d``.

    Parameters
    ----------
    factor : ndarray of shape (r, d)
        The factor ``R`` of the scatter ``R^T R``.
    n_samples : float
        The divisor (total weight of the class).

    Returns
    -------
    eigenvalues : ndarray of shape (min(r, d),)
        Non-negative, in decreasing order.
    eigenvectors : ndarray of shape (d, min(r, d))
        Orthonormal eigenvectors, one column per eigenvalue.

    See Also
    --------
    GaussianStatistics.class_spectra : Per-class spectra from scatter factors.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.covariance import spectrum_from_factor
    >>> R = np.array([[3.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    >>> lam, V = spectrum_from_factor(R, 1.0)
    >>> lam
    array([9., 1.])
    """
    R = check_rows(factor, "factor").astype(np.float64, copy=False)
    with np.errstate(over="ignore"):
        check_finite_result(np.einsum("ij,ij->", R, R), "The factor's squares")
    return factor_spectrum(R, n_samples)


def factor_spectrum(R, n_samples):
    """:func:`spectrum_from_factor` without input checks (internal callers)."""
    d = R.shape[1]
    n = max(float(n_samples), 1e-300)
    if R.shape[0] == 0:
        return np.zeros(0), np.zeros((d, 0))
    if R.shape[0] < d:
        _, s, Vt = np.linalg.svd(R, full_matrices=False)
        return s * s / n, np.ascontiguousarray(Vt.T)
    lam, V = np.linalg.eigh(R.T @ R / n)
    return np.maximum(lam[::-1], 0.0), np.ascontiguousarray(V[:, ::-1])
