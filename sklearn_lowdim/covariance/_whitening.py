"""Whitening: a factor ``W`` with ``d^2(x, mu) = ||(x - mu) W||^2``."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib

import numpy as np
from scipy import linalg

from ..utils import blas_threads
from ._spectral import (
    SMALL_EIGENVALUE_POLICIES,
    SingularCovarianceWarning,
    floor_eigenvalues,
    warn_singular,
)

__all__ = ["Whitener", "SingularCovarianceWarning"]


_LIMITED = [False]


@contextlib.contextmanager
def _small_lapack(d):
    """Single-threaded BLAS for factorisations of moderate size.

    On a loaded machine, multithreaded LAPACK calls on matrices of a few hundred
    rows slowed down by orders of magnitude (an eigh of 384 x 384 took 4.7 s),
    and one thread is about as fast when the machine is idle. Limiting threads
    costs about 3 ms, so small problems and nested calls skip it.
    """
    if _LIMITED[0] or not 128 <= d <= 2048:
        yield
        return
    _LIMITED[0] = True
    try:
        with blas_threads(1):
            yield
    finally:
        _LIMITED[0] = False


class Whitener:
    """Whitening factor of a covariance matrix.

    After :meth:`fit`, ``W_`` (shape ``(d, rank)``) satisfies
    ``(x - mu)^T Sigma^{-1} (x - mu) = ||(x - mu) W_||^2`` (with ``Sigma^{-1}``
    replaced by the regularised or pseudo inverse when ``Sigma`` is singular).
    Everything is computed in float64.

    Parameters
    ----------
    method : {"cholesky", "eigh"}, default="cholesky"
        ``"cholesky"``: ``Sigma = L L^T`` and ``W = L^{-T}`` (by a triangular
        solve); it falls back to ``"eigh"`` when the factorisation fails or
        ``(min L_jj / max L_jj)^2 < eig_floor``.
    singular : {"floor", "pinv", "variance_norm", "raise"}, default="floor"
        What an eigen-decomposition does with small eigenvalues
        ``lambda < eig_floor * lambda_max``: ``"floor"`` clips them at that value
        (a regularisation, warns with :class:`SingularCovarianceWarning`);
        ``"pinv"`` drops them (scikit-learn's ``pinvh`` precision: the component
        of ``x - mu`` outside the span of ``Sigma`` is ignored); ``"variance_norm"``
        drops them and makes the distance ``outside_value`` (default ``+inf``)
        when the relative component of ``x - mu`` outside the span exceeds
        ``outside_tol`` (the variance norm of Shao et al.); ``"raise"`` raises.
    eig_floor : float, default=1e-12
        Relative eigenvalue threshold.
    outside_tol : float, default=1e-3
        Relative tolerance of the variance norm's span test.
    outside_value : float, default=inf
        Squared distance given to points outside the span (variance norm).

    Attributes
    ----------
    W_ : ndarray of shape (n_features, rank)
        The whitening factor: ``W_ W_^T`` is the (regularised or pseudo)
        inverse of the covariance. It has ``n_features`` columns for
        ``"floor"`` and ``rank_`` columns otherwise.
    n_features_ : int
        Dimension of the fitted covariance.
    rank_ : int
        Numerical rank (eigenvalues above ``eig_floor * lambda_max``).
    logdet_ : float
        ``log det Sigma`` (of the floored matrix for ``"floor"``, the
        pseudo-determinant for ``"pinv"``/``"variance_norm"``).
    method_ : {"cholesky", "eigh", "diagonal"}
        The factorisation actually used (``"diagonal"`` for a covariance with
        no non-zero off-diagonal entry).
    basis_ : ndarray of shape (n_features, rank) or None
        Orthonormal basis of the span of the kept eigenvectors; ``None`` for
        ``singular="floor"``.

    See Also
    --------
    mahalanobis_distances : Distances of rows to centres with a whitener.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.covariance import Whitener
    >>> cov = np.array([[4.0, 0.0], [0.0, 1.0]])
    >>> w = Whitener().fit(cov)
    >>> float(np.sum((np.array([2.0, 1.0]) @ w.W_) ** 2))  # 2^2/4 + 1^2/1
    2.0
    """

    def __init__(
        self,
        method="cholesky",
        singular="floor",
        eig_floor=1e-12,
        outside_tol=1e-3,
        outside_value=np.inf,
    ):
        self.method = method
        self.singular = singular
        self.eig_floor = eig_floor
        self.outside_tol = outside_tol
        self.outside_value = outside_value

    def fit(self, covariance):
        """Factor ``covariance`` (a symmetric (d, d) matrix); returns ``self``.

        Parameters
        ----------
        covariance : array-like of shape (n_features, n_features)
            Symmetric positive semi-definite matrix, finite; it is not
            modified.

        Returns
        -------
        self : Whitener
            The fitted whitener.

        Raises
        ------
        ValueError
            If ``method`` or ``singular`` is unknown, ``covariance`` is not
            square or not finite, or ``singular="raise"`` and it is singular.
        """
        if self.method not in ("cholesky", "eigh"):
            raise ValueError(
                f"method must be 'cholesky' or 'eigh', got {self.method!r}."
            )
        if self.singular not in SMALL_EIGENVALUE_POLICIES:
            raise ValueError(
                f"singular must be one of {SMALL_EIGENVALUE_POLICIES}, got "
                f"{self.singular!r}."
            )
        cov = np.asarray(covariance, dtype=np.float64)
        if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
            raise ValueError(f"covariance must be square, got shape {cov.shape}.")
        if not np.all(np.isfinite(cov)):
            raise ValueError(
                "covariance contains NaN or infinity (when it was computed from "
                "finite data, its entries overflowed float64: rescale the data)."
            )
        if cov.size == 0:
            raise ValueError("covariance is empty (0 features); pass a (d, d) "
                             "matrix with d >= 1.")
        if not np.allclose(cov, cov.T, rtol=1e-8, atol=1e-12 * np.abs(cov).max()):
            raise ValueError(
                "covariance must be symmetric; pass (C + C.T) / 2 if it differs "
                "from its transpose by rounding only."
            )
        d = cov.shape[0]
        self.n_features_ = d
        self.basis_ = None
        off = cov - np.diag(np.diag(cov))
        if not np.any(off):
            return self._fit_diagonal(np.diag(cov))
        with _small_lapack(d):
            return self._fit_dense(cov)

    def _fit_diagonal(self, var):
        self.method_ = "diagonal"
        floored, keep = self._apply_policy(var)
        eye = np.eye(var.shape[0])
        if self.singular != "floor":
            self.basis_ = eye[:, keep]
            eye = self.basis_
        self.W_ = eye / np.sqrt(floored[keep])
        self.logdet_ = float(np.sum(np.log(floored[keep])))
        return self

    def _apply_policy(self, values):
        """Small eigenvalues: floored (with a warning), dropped, or an error."""
        floored, keep, small = floor_eigenvalues(
            values, eig_floor=self.eig_floor, singular=self.singular
        )
        d, n_small = values.shape[0], int(small.sum())
        self.rank_ = d - n_small
        if n_small and self.singular == "floor":
            warn_singular(
                f"covariance is singular or ill-conditioned (rank {self.rank_} "
                f"of {d}); eigenvalues were floored at {self.eig_floor:g} times "
                "the largest. Consider shrinkage or reg_covar.",
                stacklevel=5,
            )
        return floored, keep

    def _fit_dense(self, cov):
        d = cov.shape[0]
        if self.method == "cholesky" and self.singular == "floor":
            try:
                L = linalg.cholesky(cov, lower=True, check_finite=False)
                diag = np.diag(L)
                if diag.min() > 0 and (diag.min() / diag.max()) ** 2 >= self.eig_floor:
                    # L^{-1} by LAPACK trtri (a triangular solve against I;
                    # scipy's solve_triangular is much slower on small inputs)
                    Linv, info = linalg.lapack.dtrtri(L, lower=1)
                    if info != 0:
                        raise linalg.LinAlgError("trtri failed")
                    self.W_ = np.ascontiguousarray(Linv.T)
                    self.rank_ = d
                    self.logdet_ = float(2.0 * np.sum(np.log(diag)))
                    self.method_ = "cholesky"
                    return self
            except linalg.LinAlgError:
                pass
        self._fit_eigh(cov)
        return self

    def _fit_eigh(self, cov):
        lam, V = linalg.eigh(cov, check_finite=False)
        self.method_ = "eigh"
        floored, keep = self._apply_policy(lam)
        if self.singular != "floor":
            V = V[:, keep]
            self.basis_ = V
        self.W_ = V / np.sqrt(floored[keep])
        self.logdet_ = float(np.sum(np.log(floored[keep])))
        return self

    def transform(self, X, location=None):
        """``(X - location) @ W_`` in ``X``'s float dtype.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to whiten; not modified.
        location : array-like of shape (n_features,), default=None
            Subtracted from every row first; ``None`` subtracts nothing.

        Returns
        -------
        Z : ndarray of shape (n_samples, rank)
            Whitened rows, float32 for float32 ``X`` and float64 otherwise;
            ``||Z[i]||^2`` is the squared Mahalanobis distance of ``X[i]`` to
            ``location`` (without the variance norm's span test).
        """
        X = np.asarray(X)
        dtype = X.dtype if X.dtype == np.float32 else np.float64
        Xc = X.astype(dtype, copy=True)
        if location is not None:
            Xc -= np.asarray(location, dtype=dtype)
        return Xc @ self.W_.astype(dtype, copy=False)

    def precision(self):
        """The (pseudo or regularised) inverse ``W_ W_^T``.

        Returns
        -------
        precision : ndarray of shape (n_features, n_features)
            ``W_ @ W_.T``: the inverse of the fitted covariance (of the floored
            one for ``singular="floor"``, the pseudo-inverse for ``"pinv"`` and
            ``"variance_norm"``).
        """
        return self.W_ @ self.W_.T


# a variance at or below (_ROUNDING * |mean|)^2 is rounding error of a constant
_ROUNDING = 64 * np.finfo(np.float64).eps


def degenerate_features(variances, magnitudes):
    """Mask of the features whose variance is zero up to the rounding of their values.

    Scale-free: each feature is compared with its own magnitude, never with the
    other features (whose units may differ by orders of magnitude).
    """
    return np.asarray(variances) <= (_ROUNDING * np.asarray(magnitudes)) ** 2


def fit_whitener(covariance, empirical, magnitudes=None):
    """The whitener of every Gaussian detector, independent of the features' units.

    The covariance is standardised by its per-feature scale before the
    eigenvalue floor (``Whitener()``) or the pseudo-inverse
    (``empirical=True``, the official recipe) is applied, so that both are
    relative to the standardised spectrum: rescaling any feature rescales
    ``W_``'s row and leaves every distance unchanged. A feature of zero variance
    is scaled by its magnitude (``magnitudes``, e.g. the largest absolute class
    mean), or by 1 when that is zero too.

    Parameters
    ----------
    covariance : ndarray of shape (n_features, n_features)
    empirical : bool
        Pseudo-inverse (drop null directions) instead of an eigenvalue floor.
    magnitudes : ndarray of shape (n_features,), default=None
        Typical absolute value of each feature; ``None`` is zeros.

    Returns
    -------
    whitener : Whitener
        ``W_`` acts on the unscaled features; ``scale_`` holds the scales.
    """
    cov = np.asarray(covariance, dtype=np.float64)
    variances = np.diag(cov).copy()
    magnitudes = (np.zeros_like(variances) if magnitudes is None
                  else np.abs(np.asarray(magnitudes, dtype=np.float64)))
    flat = degenerate_features(variances, magnitudes)
    scale = np.where(flat, np.where(magnitudes > 0, magnitudes, 1.0),
                     np.sqrt(np.where(flat, 1.0, variances)))
    standardised = cov / scale[:, None] / scale[None, :]
    standardised[flat, :] = 0.0
    standardised[:, flat] = 0.0
    whitener = (Whitener(method="eigh", singular="pinv") if empirical
                else Whitener()).fit(standardised)
    W = whitener.W_ / scale[:, None]
    # eigenvector signs are arbitrary; fixing them (largest entry positive, as
    # svd_flip does) makes W_ the same for equal covariances up to rounding
    if W.size:
        W *= np.sign(W[np.argmax(np.abs(W), axis=0), np.arange(W.shape[1])])
    whitener.W_ = W
    whitener.logdet_ += 2.0 * float(np.sum(np.log(scale)))
    if whitener.basis_ is not None:
        whitener.basis_ = _span_basis(scale[:, None] * whitener.basis_)
    whitener.scale_ = scale
    return whitener


# features whose largest magnitude lies in [2**-400, 2**400] are left alone:
# their squares, summed over up to 1e9 rows, stay well inside float64's range

def _span_basis(M):
    """Orthonormal basis of the column span of ``M`` (d x r, full column rank)."""
    if M.shape[0] == M.shape[1]:
        return np.eye(M.shape[0])  # the whole space
    # one thread: a multithreaded QR of a few hundred rows crawls on a busy
    # machine (3 s for 256 x 256 measured), a single one takes milliseconds
    with blas_threads(1):
        return np.linalg.qr(M)[0]
