"""Mergeable per-class sufficient statistics (counts, means, scatter, moments)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import chunk_rows, get_namespace, working_memory_budget
from ._checks import check_finite_result, check_rows
from ._passes import (
    _CLASS_ORDER_MIN_FEATURES,
    _class_ordered_blocks,
    _collect_class_rows,
    _compress_factor,
    _onehot,
    _streamed_blocks,
    _syrk_update,
)
from ._spectral import factor_spectrum
from ._statistics_xp import statistics_in_namespace

__all__ = ["GaussianStatistics"]


class GaussianStatistics:
    """Per-class weighted sufficient statistics, accumulated in float64.

    The statistics of one class ``k`` are its total weight ``counts[k]``, its mean
    ``means[k]`` and centred second moments about that mean. Two states merge
    exactly with Chan, Golub and LeVeque's pairwise update, so the same object
    serves ``fit`` (one :meth:`from_data` call), ``partial_fit`` (:meth:`update`)
    and Dask partitions (one :meth:`from_data` per block, then :meth:`merge`).

    Parameters
    ----------
    n_classes : int
        Number of classes (use 1 for unlabelled data).
    n_features : int
        Number of features.
    pooled_scatter : bool, default=True
        Keep the pooled within-class scatter
        ``scatter = sum_k sum_{i in k} w_i (x_i - mu_k)(x_i - mu_k)^T`` (d x d).
    class_scatter : bool, default=False
        Keep one d x d scatter per class (``C d^2`` memory: opt in only for
        per-class full covariances).
    class_factors : bool, default=False
        Keep each class's scatter as a factor ``R_k`` with ``R_k^T R_k = scatter_k``
        and at most ``min(n_k, d)`` rows (the centred rows themselves for small
        classes, a QR factor for large ones): ``O(d sum_k min(n_k, d))`` memory
        instead of ``C d^2``, merged exactly by stacking; see :meth:`class_spectra`.
    moments : bool, default=False
        Keep the moments that make Ledoit-Wolf's beta term exact:
        ``fourth[k] = sum w_i ||x_i - mu_k||^4`` and
        ``third[k] = sum w_i ||x_i - mu_k||^2 (x_i - mu_k)``. Merging them is exact
        with ``class_scatter`` or ``class_factors``; otherwise the shift's term
        ``delta^T M_k delta`` uses the diagonal of ``M_k`` (an approximation that
        only affects Ledoit-Wolf's shrinkage intensity after :meth:`merge`).

    Attributes
    ----------
    counts : ndarray of shape (n_classes,)
        Total weight per class.
    n_obs : ndarray of shape (n_classes,)
        Number of rows with non-zero weight per class.
    means : ndarray of shape (n_classes, n_features)
        Weighted mean of each class (zero for a class with no weight).
    sq_dev : ndarray of shape (n_classes, n_features)
        Per-feature centred sums of squares (always kept; ``C d`` memory).
    scatter : ndarray of shape (n_features, n_features) or None
        Pooled within-class scatter (``None`` when ``pooled_scatter=False``).
    class_scatter_ : ndarray of shape (n_classes, n_features, n_features) or None
        Per-class centred scatter ``M_k`` (``None`` unless ``class_scatter=True``).
    class_factors_ : list of ndarray of shape (r_k, n_features) or None
        Per-class factors ``R_k^T R_k = M_k`` (``None`` unless ``class_factors``).
    fourth, third : ndarray or None
        The moments described under ``moments`` (``None`` when not kept).

    See Also
    --------
    covariance_from_statistics : Covariance estimates from these statistics.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.covariance import GaussianStatistics
    >>> X = np.array([[0.0, 1.0], [2.0, 1.0], [4.0, 3.0], [6.0, 5.0]])
    >>> y = np.array([0, 0, 1, 1])
    >>> stats = GaussianStatistics.from_data(X, y, n_classes=2)
    >>> stats.means
    array([[1., 1.],
           [5., 4.]])
    >>> stats.covariance()  # pooled within-class, divided by the total weight
    array([[1. , 0.5],
           [0.5, 0.5]])
    """

    def __init__(
        self,
        n_classes,
        n_features,
        *,
        pooled_scatter=True,
        class_scatter=False,
        class_factors=False,
        moments=False,
    ):
        C, d = int(n_classes), int(n_features)
        self.n_classes, self.n_features = C, d
        self.counts = np.zeros(C)
        self.n_obs = np.zeros(C, dtype=np.int64)
        self.means = np.zeros((C, d))
        self.sq_dev = np.zeros((C, d))
        self.scatter = np.zeros((d, d)) if pooled_scatter else None
        self.class_scatter_ = np.zeros((C, d, d)) if class_scatter else None
        self.class_factors_ = (
            [np.zeros((0, d)) for _ in range(C)] if class_factors else None
        )
        self.fourth = np.zeros(C) if moments else None
        self.third = np.zeros((C, d)) if moments else None

    # ------------------------------------------------------------------ build
    def _like(self):
        return GaussianStatistics(
            self.n_classes,
            self.n_features,
            pooled_scatter=self.scatter is not None,
            class_scatter=self.class_scatter_ is not None,
            class_factors=self.class_factors_ is not None,
            moments=self.fourth is not None,
        )

    @classmethod
    def from_data(
        cls,
        X,
        y=None,
        *,
        n_classes=None,
        sample_weight=None,
        pooled_scatter=True,
        class_scatter=False,
        class_factors=False,
        moments=False,
        working_memory=None,
    ):
        """Statistics of one batch, exact (rows centred by their class means).

        Rows are centred by their class means before any product (no
        ``sum x x^T - n m m^T`` cancellation). With 64 features or more a class's
        rows are summed and centred while in cache (X is read once); narrower rows
        stream in input order after one sparse one-hot product for the sums. Each
        centred block goes into one BLAS ``syrk`` for the scatter. NaN and infinity
        are caught through the class sums (scikit-learn's message), not a pass.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The batch (an array-API array is reduced on its own device).
        y : array-like of int of shape (n_samples,), default=None
            Class indices in ``[0, n_classes)``; ``None`` means one class.
        n_classes : int, default=None
            Defaults to ``y.max() + 1``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights; ``None`` gives every row weight 1.
        pooled_scatter, class_scatter, class_factors, moments : bool
            See the class docstring (no ``class_scatter`` for array-API input).
        working_memory : float, default=None
            Chunk budget in MiB (:func:`~sklearn_lowdim.utils.working_memory_budget`
            halved when ``None``).

        Returns
        -------
        stats : GaussianStatistics
            A new object holding the statistics of ``X``.
        """
        xp, is_array_api = get_namespace(X)
        if is_array_api:
            return statistics_in_namespace(
                cls, X, y, xp, sample_weight=sample_weight, n_classes=n_classes,
                pooled_scatter=pooled_scatter, class_factors=class_factors,
                moments=moments)
        X = check_rows(X, min_samples=0, finite=False)
        n, d = X.shape
        if y is None:
            y = np.zeros(n, dtype=np.intp)
        y = np.asarray(y, dtype=np.intp)
        if n_classes is None:
            n_classes = int(y.max()) + 1 if n else 1
        w = (
            np.ones(n)
            if sample_weight is None
            else np.asarray(sample_weight, dtype=np.float64)
        )
        self = cls(
            n_classes,
            d,
            pooled_scatter=pooled_scatter,
            class_scatter=class_scatter,
            class_factors=class_factors,
            moments=moments,
        )
        C = self.n_classes
        self.counts = np.bincount(y, weights=w, minlength=C).astype(np.float64)
        self.n_obs = np.bincount(y[w > 0], minlength=C).astype(np.int64)
        if working_memory is None:
            # small chunks: the temporaries are reused from the allocator's cache
            # instead of paying first-touch page faults on a copy of X
            working_memory = working_memory_budget() / 2
        chunk = chunk_rows(8 * 3 * d, working_memory=working_memory,
                           max_rows=max(n, 1))
        self._accumulate(X, y, w, chunk, weighted=sample_weight is not None)
        check_finite_result(self.sq_dev, "X's squares")
        return self

    def _accumulate(self, X, y, w, chunk, weighted):
        """One pass over blocks of centred rows into every kept product."""
        C, d = self.n_classes, self.n_features
        blocks = (_class_ordered_blocks if d >= _CLASS_ORDER_MIN_FEATURES
                  else _streamed_blocks)
        sqrt_w = np.sqrt(w)
        product = np.empty((d, d)) if self.scatter is not None else None
        parts = [[] for _ in range(C)] if self.class_factors_ is not None else None
        for rows, Xc in blocks(X, y, w, self, chunk):
            yc = y[rows]
            if self.fourth is not None:
                oh = _onehot(yc, C, w[rows])
                r2 = np.einsum("ij,ij->i", Xc, Xc)
                self.fourth += oh @ (r2 * r2)
                self.third += oh @ (Xc * r2[:, None])
            if weighted:
                Xc *= sqrt_w[rows, None]
            if product is not None:
                _syrk_update(Xc, self.scatter, product)
            if self.class_scatter_ is not None:
                for k in np.unique(yc):
                    Xk = Xc[yc == k]
                    self.class_scatter_[k] += Xk.T @ Xk
            if parts is not None:
                _collect_class_rows(Xc, yc, parts)
        if parts is not None:
            self.class_factors_ = [_compress_factor(part, d) for part in parts]

    def update(self, X, y=None, *, sample_weight=None, working_memory=None):
        """Merge the statistics of a new batch into this object (in place).

        Parameters
        ----------
        X, y, sample_weight, working_memory : as in :meth:`from_data`
            The new rows, their class indices (``None``: class 0), their weights
            (``None``: 1) and the chunk budget in MiB (``None``: the default).

        Returns
        -------
        self : GaussianStatistics
            This object, updated.
        """
        other = GaussianStatistics.from_data(
            X,
            y,
            n_classes=self.n_classes,
            sample_weight=sample_weight,
            pooled_scatter=self.scatter is not None,
            class_scatter=self.class_scatter_ is not None,
            class_factors=self.class_factors_ is not None,
            moments=self.fourth is not None,
            working_memory=working_memory,
        )
        merged = self.merge(other)
        self.__dict__.update(merged.__dict__)
        return self

    def merge(self, other):
        """Merge two states exactly (Chan's pairwise update) into a new object.

        Parameters
        ----------
        other : GaussianStatistics
            Statistics of the same shape, with the same statistics kept.

        Returns
        -------
        merged : GaussianStatistics
            Both batches' statistics (ValueError if the shapes differ).

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_lowdim.covariance import GaussianStatistics
        >>> X = np.random.default_rng(0).normal(size=(10, 3))
        >>> a = GaussianStatistics.from_data(X[:4])
        >>> b = GaussianStatistics.from_data(X[4:])
        >>> full = GaussianStatistics.from_data(X)
        >>> bool(np.allclose(a.merge(b).scatter, full.scatter))
        True
        """
        if (self.n_classes, self.n_features) != (other.n_classes, other.n_features):
            raise ValueError(
                "cannot merge statistics of different shapes "
                f"{(self.n_classes, self.n_features)} and "
                f"{(other.n_classes, other.n_features)}; build both with the same "
                "n_classes and n_features."
            )
        out = self._like()
        na, nb = self.counts, other.counts
        n = na + nb
        safe = np.where(n > 0, n, 1.0)
        delta = other.means - self.means
        fa, fb = nb / safe, na / safe  # shift of a's and b's means to the merged mean
        out.counts = n
        out.n_obs = self.n_obs + other.n_obs
        out.means = self.means + delta * fa[:, None]
        coef = na * nb / safe
        out.sq_dev = self.sq_dev + other.sq_dev + delta * delta * coef[:, None]
        if out.scatter is not None:
            out.scatter = self.scatter + other.scatter + (delta.T * coef) @ delta
        if out.class_scatter_ is not None:
            out.class_scatter_ = (
                self.class_scatter_
                + other.class_scatter_
                + coef[:, None, None] * delta[:, :, None] * delta[:, None, :]
            )
        if out.class_factors_ is not None:
            shift = np.sqrt(coef)[:, None] * delta
            out.class_factors_ = [
                _compress_factor([a, b, shift[k : k + 1] if coef[k] > 0 else
                                  shift[k : k]], self.n_features)
                for k, (a, b) in enumerate(zip(self.class_factors_,
                                               other.class_factors_))
            ]
        if out.fourth is not None:
            f4, t3 = np.zeros_like(n), np.zeros_like(out.means)
            for part, s in ((self, delta * fa[:, None]), (other, -delta * fb[:, None])):
                f, t = part._shifted_moments(s)
                f4 += f
                t3 += t
            out.fourth, out.third = f4, t3
        return out

    def _shifted_moments(self, s):
        """Fourth and third moments about ``mean + s`` (per class)."""
        if self.class_scatter_ is not None:
            Ms = np.einsum("kij,kj->ki", self.class_scatter_, s)
        elif self.class_factors_ is not None:
            Ms = np.stack([R.T @ (R @ sk) for R, sk in zip(self.class_factors_, s)])
        else:
            Ms = self.sq_dev * s
        A2 = self.sq_dev.sum(axis=1)
        s2 = np.einsum("ij,ij->i", s, s)
        sMs = np.einsum("ij,ij->i", s, Ms)
        A3s = np.einsum("ij,ij->i", self.third, s)
        fourth = (
            self.fourth + 2 * s2 * A2 + self.counts * s2 * s2 - 4 * A3s + 4 * sMs
        )
        third = (
            self.third - 2 * Ms - A2[:, None] * s - (self.counts * s2)[:, None] * s
        )
        return fourth, third

    # ---------------------------------------------------------------- derived
    @property
    def n_samples(self):
        """Total weight over all classes."""
        return float(self.counts.sum())

    def covariance(self):
        """Pooled within-class covariance ``scatter / sum(counts)`` (biased, MLE).

        Returns
        -------
        covariance : ndarray of shape (n_features, n_features)
            ``scatter / n_samples`` (ValueError if ``pooled_scatter=False``).
        """
        if self.scatter is None:
            raise ValueError(
                "these statistics were built with pooled_scatter=False; rebuild "
                "them with pooled_scatter=True."
            )
        if self.n_samples <= 0:
            raise ValueError("these statistics hold no rows (total weight 0).")
        return check_finite_result(self.scatter, "The covariance's entries") \
            / self.n_samples

    def class_covariances(self):
        """Per-class covariances ``M_k / n_k`` of shape (C, d, d).

        Returns
        -------
        covariances : ndarray of shape (n_classes, n_features, n_features)
            Each class's scatter over its weight (zero if empty); ValueError if
            neither ``class_scatter`` nor ``class_factors`` was kept.
        """
        if self.class_scatter_ is not None:
            scatter = self.class_scatter_
        elif self.class_factors_ is not None:
            scatter = np.stack([R.T @ R for R in self.class_factors_])
        else:
            raise ValueError(
                "these statistics were built with class_scatter=False; rebuild "
                "them with class_scatter=True or class_factors=True."
            )
        return scatter / np.maximum(self.counts, 1e-300)[:, None, None]

    def class_spectra(self):
        """Per-class ``(eigenvalues, eigenvectors)`` of the biased covariances.

        Each spectrum comes from the class's scatter factor (a thin SVD when the
        class has fewer rows than features) or from its dense scatter.

        Returns
        -------
        spectra : list of (ndarray of shape (r_k,), ndarray of shape (d, r_k))
            Eigenvalues in decreasing order, ``r_k <= n_features``.
        """
        if self.class_factors_ is not None:
            return [factor_spectrum(R, n)
                    for R, n in zip(self.class_factors_, self.counts)]
        out = []
        for cov in self.class_covariances():
            lam, V = np.linalg.eigh(cov)
            out.append((np.maximum(lam[::-1], 0.0), V[:, ::-1]))
        return out

    def rescaled(self, location, scale):
        """The statistics of ``(X - location) / scale`` (a new object).

        For standardised coordinates. The fourth and third moments are not
        invariant under per-feature scaling: kept only when ``scale`` is all ones.

        Parameters
        ----------
        location : ndarray of shape (n_features,)
            Subtracted from every feature (shifts the means only).
        scale : ndarray of shape (n_features,)
            Positive per-feature divisors.

        Returns
        -------
        stats : GaussianStatistics
            A new object; this one is not modified.
        """
        out = self._like()
        loc = np.asarray(location, dtype=np.float64)
        inv = 1.0 / np.asarray(scale, dtype=np.float64)
        out.counts, out.n_obs = self.counts.copy(), self.n_obs.copy()
        out.means = (self.means - loc) * inv
        out.sq_dev = self.sq_dev * inv * inv
        if self.scatter is not None:
            out.scatter = self.scatter * inv[:, None] * inv[None, :]
        if self.class_scatter_ is not None:
            out.class_scatter_ = self.class_scatter_ * inv[:, None] * inv[None, :]
        if self.class_factors_ is not None:
            out.class_factors_ = [R * inv for R in self.class_factors_]
        if self.fourth is not None and np.all(inv == 1.0):
            out.fourth, out.third = self.fourth.copy(), self.third.copy()
        else:
            out.fourth = out.third = None
        return out

    def class_variances(self):
        """Per-class per-feature variances of shape (C, d).

        Returns
        -------
        variances : ndarray of shape (n_classes, n_features)
            ``sq_dev / counts`` per class (biased; zero for an empty class).
        """
        return self.sq_dev / np.maximum(self.counts, 1e-300)[:, None]

    def total_mean(self):
        """Weighted mean of all rows.

        Returns
        -------
        mean : ndarray of shape (n_features,)
            ``sum_k counts[k] means[k] / sum_k counts[k]``.
        """
        return self.counts @ self.means / self.n_samples

    def add_class(self, n_new=1):
        """Grow the state by ``n_new`` empty classes (new labels in a stream).

        Parameters
        ----------
        n_new : int, default=1
            Number of zero-weight classes appended after the existing ones.

        Returns
        -------
        self : GaussianStatistics
            This object, grown in place.
        """
        C, d = self.n_classes + n_new, self.n_features
        grown = GaussianStatistics(
            C,
            d,
            pooled_scatter=self.scatter is not None,
            class_scatter=self.class_scatter_ is not None,
            class_factors=self.class_factors_ is not None,
            moments=self.fourth is not None,
        )
        for name in ("counts", "n_obs", "means", "sq_dev", "fourth", "third",
                     "class_scatter_"):
            old = getattr(self, name)
            if old is not None:
                getattr(grown, name)[: self.n_classes] = old
        grown.scatter = self.scatter
        if self.class_factors_ is not None:
            grown.class_factors_[: self.n_classes] = self.class_factors_
        self.__dict__.update(grown.__dict__)
        return self

    def between_class_covariance(self, priors=None):
        """Between-class covariance ``sum_k pi_k (mu_k - mu)(mu_k - mu)^T``.

        ``mu`` is the weighted mean of all rows (:meth:`total_mean`). With the
        default ``priors`` (the class frequencies) this is the term that the law
        of total covariance adds to :meth:`covariance`: their sum is the
        covariance of all rows about ``mu`` (relative Mahalanobis's background
        Gaussian). WDiscOOD's official code weights every class by ``1 / C``
        about the same ``mu``: pass ``priors=np.full(C, 1 / C)``.

        Parameters
        ----------
        priors : array-like of shape (n_classes,), default=None
            Class weights ``pi_k``: non-negative, summing to one. ``None`` takes
            ``counts / sum(counts)``.

        Returns
        -------
        between : ndarray of shape (n_features, n_features)
            Symmetric and positive semi-definite, of rank at most
            ``n_classes - 1`` with the default priors.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn_lowdim.covariance import GaussianStatistics
        >>> X = np.array([[0.0, 1.0], [2.0, 1.0], [4.0, 3.0], [6.0, 5.0]])
        >>> stats = GaussianStatistics.from_data(X, np.array([0, 0, 1, 1]))
        >>> total = stats.covariance() + stats.between_class_covariance()
        >>> bool(np.allclose(total, np.cov(X.T, bias=True)))
        True
        """
        if priors is None:
            priors = self.counts / self.n_samples
        priors = np.asarray(priors, dtype=np.float64)
        if (priors.shape != (self.n_classes,) or not np.all(np.isfinite(priors))
                or np.any(priors < 0) or not np.isclose(priors.sum(), 1.0)):
            raise ValueError(
                f"priors must be {self.n_classes} non-negative numbers summing to "
                f"1, got {priors!r}; normalise them with priors / priors.sum()."
            )
        centred = self.means - self.total_mean()
        between = centred.T @ (priors[:, None] * centred)
        return (between + between.T) / 2
