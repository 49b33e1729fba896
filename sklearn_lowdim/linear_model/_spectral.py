"""One spectral ridge filter for every member: subsampled rows, sketched features.

A member's design ``A`` (the rows ``X_I`` of a subsample, or the sketched
features ``X S^T``) is decomposed once; ``beta(lam) = V diag(1 / (e + lam)) z``
then gives the ridge solution for every penalty ``lam`` of a grid at the cost of
one GEMM, and ``sum e / (e + lam)`` its degrees of freedom.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from scipy import linalg

__all__ = ["gram_spectrum", "member_spectrum", "ridge_filter", "spectral_ridge",
           "power_of_two_scale", "rescale"]

# |values| inside [2**-300, 2**300] (about 1e-90..1e90) give Gram matrices far from
# float64's overflow and underflow; outside, the data are rescaled by a power of
# two, which is exact.
_SAFE_EXPONENT = 300


def _eigh(gram):
    # LAPACK's divide and conquer (syevd): 30% less CPU than numpy's eigh at
    # p=500 on one thread (measured 23.6 ms against 34.3 ms)
    return linalg.eigh(gram, driver="evd", check_finite=False, overwrite_a=True)


def member_spectrum(A, y, need_svd=False):
    """Nonzero squared singular values of ``A``, its right singular vectors and ``y``'s
    coordinates, from the smaller Gram matrix.

    Parameters
    ----------
    A : ndarray of shape (k, p)
        The member's design.
    y : ndarray of shape (k, t)
    need_svd : bool, default=False
        Use an SVD of ``A`` instead of a Gram matrix (for the penalty 0 when ``k``
        is close to ``p``, where the Gram matrix squares the condition number).

    Returns
    -------
    e : ndarray of shape (r,)
        Squared singular values above ``max(k, p) * eps`` times the largest.
    V : ndarray of shape (p, r)
        Right singular vectors.
    z : ndarray of shape (r, t)
        ``V^T A^T y``.
    """
    k, p = A.shape
    if k >= p and not need_svd:
        return gram_spectrum(A.T @ A, A.T @ y, k)
    if need_svd:
        _, s, Vt = np.linalg.svd(A, full_matrices=False)
        e, V = s * s, Vt.T
    else:
        e, U = _eigh(A @ A.T)
    keep = _nonzero(e, max(k, p))
    e = e[keep]
    if need_svd:
        V = V[:, keep]
        z = V.T @ (A.T @ y)
    else:
        U = U[:, keep]
        V = (A.T @ U) / np.sqrt(e)
        z = np.sqrt(e)[:, None] * (U.T @ y)
    return e, V, z


def _nonzero(e, size):
    return e > max(e.max(initial=0.0), 0.0) * size * np.finfo(np.float64).eps


def gram_spectrum(gram, cross, k):
    """:func:`member_spectrum` from the Gram matrix ``A^T A`` and ``A^T y`` alone.

    What a design that is never held in memory (a Dask member, reduced block by
    block) needs; the in-memory path takes the same route whenever ``k >= p``.

    Parameters
    ----------
    gram : ndarray of shape (p, p)
        ``A^T A`` (overwritten).
    cross : ndarray of shape (p, t)
        ``A^T y``.
    k : int
        Rows of ``A`` (for the cut-off of the numerically zero eigenvalues, at
        ``max(k, p)`` machine epsilons of the largest).

    Returns
    -------
    e, V, z : ndarrays
        As :func:`member_spectrum`.
    """
    e, V = _eigh(gram)
    keep = _nonzero(e, max(k, gram.shape[0]))
    V = V[:, keep]
    return e[keep], V, V.T @ cross


def ridge_filter(e, V, z, penalties):
    """Ridge coefficients and degrees of freedom for every penalty of a grid.

    Parameters
    ----------
    e, V, z : ndarrays
        The output of :func:`member_spectrum`.
    penalties : ndarray of shape (L,)
        Unnormalised penalties ``lam`` (``k * alpha`` for a member on ``k`` rows);
        0 is the minimum-norm least-squares fit, negative ones must exceed
        ``-min(e)``.

    Returns
    -------
    coef : ndarray of shape (p, L * t)
        Columns ordered (penalty, target).
    dof : ndarray of shape (L,)
        ``sum_j e_j / (e_j + lam)``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        filt = 1.0 / (e[:, None] + penalties[None, :])
        dof = (e[:, None] * filt).sum(axis=0)
    L, t = penalties.shape[0], z.shape[1]
    # coefficients for every (penalty, target) with one GEMM: p x (L t)
    coef = V @ (filt[:, :, None] * z[:, None, :]).reshape(e.size, L * t)
    return coef, dof


def spectral_ridge(A, y, penalties, need_svd=False):
    """Ridge of ``y`` on ``A`` for every penalty: one decomposition, one filter.

    Parameters
    ----------
    A : ndarray of shape (k, p)
    y : ndarray of shape (k, t)
    penalties : ndarray of shape (L,)
    need_svd : bool, default=False

    Returns
    -------
    coef : ndarray of shape (p, L * t)
    dof : ndarray of shape (L,)
    e : ndarray of shape (r,)
        The nonzero squared singular values of ``A``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.linear_model._spectral import spectral_ridge
    >>> A = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    >>> coef, dof, e = spectral_ridge(A, np.array([[1.0], [2.0], [3.0]]),
    ...                               np.array([0.0, 1.0]))
    >>> coef.round(3).tolist()  # columns: penalty 0, penalty 1
    [[1.0, 0.5], [1.0, 0.8]]
    >>> dof.round(3).tolist()
    [2.0, 1.3]
    """
    e, V, z = member_spectrum(A, y, need_svd)
    coef, dof = ridge_filter(e, V, z, penalties)
    return coef, dof, e


def power_of_two_scale(A):
    """1, or the power of two above ``max|A|`` when that lies outside the safe range.

    Dividing by a power of two is exact, so a problem rescaled by it has the same
    solution in rescaled units.

    Parameters
    ----------
    A : ndarray

    Returns
    -------
    scale : float

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.linear_model._spectral import power_of_two_scale
    >>> power_of_two_scale(np.array([3.0]))
    1.0
    >>> scale = power_of_two_scale(np.array([3e200]))
    >>> bool(scale > 3e200), float(np.log2(scale))
    (True, 666.0)
    """
    amax = float(np.max(np.abs(A), initial=0.0))
    if amax == 0.0 or not np.isfinite(amax):
        return 1.0
    exponent = int(np.frexp(amax)[1])
    if abs(exponent) <= _SAFE_EXPONENT:
        return 1.0
    return float(np.ldexp(1.0, exponent))


def rescale(values, factors, what):
    """``values`` times each of ``factors``, or a ValueError when float64 cannot
    represent the product.

    Parameters
    ----------
    values : ndarray
    factors : tuple of float
        Applied one after the other (a square as ``(s, s)``), so that no factor
        overflows on its own.
    what : str
        What overflows or underflows, for the message.

    Returns
    -------
    scaled : ndarray
    """
    if all(factor == 1.0 for factor in factors):
        return values
    scaled = values
    with np.errstate(over="ignore", under="ignore"):
        for factor in factors:
            scaled = scaled * np.float64(factor)
    finite = np.isfinite(values)
    if np.any(np.isinf(scaled) & finite) or np.any((scaled == 0) & (values != 0)
                                                     & finite):
        raise ValueError(
            f"{what} overflow or underflow float64 at this magnitude of the data: "
            "divide X or y by a constant first (ridge is equivariant to it: X -> c X "
            "with alpha -> c^2 alpha)."
        )
    return scaled
