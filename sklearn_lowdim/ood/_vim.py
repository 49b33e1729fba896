"""Residual and ViM (virtual-logit matching) detectors (Wang, Li, Feng, Zhang, 2022)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral

import numpy as np
from scipy.special import logsumexp
from sklearn.linear_model import LogisticRegression

from ..covariance import GaussianStatistics
from ..covariance._whitening import _small_lapack
from ..utils import device, gen_row_chunks
from ..utils._sklearn_compat import Interval, StrOptions
from ._base import power_of_two_unit
from ._feature_base import _FeatureDetector, block_parts, block_statistics

__all__ = ["ResidualOOD", "ViM"]

_EPS = np.finfo(np.float64).eps


def principal_dimension(n_features):
    """The official rule: 1000 if d >= 2048, 512 if d >= 768, else d // 2."""
    if n_features >= 2048:
        return 1000
    if n_features >= 768:
        return 512
    return n_features // 2


def _snap(squares, row_squares):
    """Squared residuals at the rounding level of the row (a relative residual
    below ``sqrt(eps)``) set to zero: the row lies in the principal subspace,
    and what the products left is noise (which would otherwise set ``alpha_``
    and the order of the fit rows)."""
    return squares * (squares > _EPS * row_squares)


def _in_units(norms, unit):
    """Norms of rows divided by ``unit``, back in the rows' units."""
    if unit == 1.0:
        return norms
    with np.errstate(over="ignore"):
        norms = norms * unit
    if not np.all(np.isfinite(norms)):
        raise ValueError(
            "X holds rows whose residual norm overflows float64 (about 1e308); "
            "rescale X, for example divide it by a power of two."
        )
    return norms


def _head_arrays(head):
    """``(coef (C, d), intercept (C,))`` of a head; a binary one gets a zero row."""
    if hasattr(head, "coef_") and hasattr(head, "intercept_"):
        coef, intercept = head.coef_, head.intercept_
    elif isinstance(head, tuple) and len(head) == 2:
        coef, intercept = head
    else:
        raise ValueError(
            "head must be a fitted linear classifier (with coef_ and intercept_) or "
            f"a tuple (coef, intercept), got {type(head).__name__}."
        )
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    intercept = np.broadcast_to(
        np.asarray(intercept, dtype=np.float64).ravel(), coef.shape[:1]).copy()
    if not (np.all(np.isfinite(coef)) and np.all(np.isfinite(intercept))):
        raise ValueError("head holds NaN or infinity.")
    if coef.shape[0] == 1:  # binary: logits [0, w.x + b], the same softmax
        coef = np.vstack([np.zeros_like(coef), coef])
        intercept = np.r_[0.0, intercept]
    return coef, intercept


class ResidualOOD(_FeatureDetector):
    """Norm of the feature residual outside the principal subspace.

    Wang, Li, Feng and Zhang (2022), the "Residual" score of the ViM paper:
    with an origin ``u``, the eigenvectors of ``(1/n) sum (x - u)(x - u)^T``
    (uncentred about ``u``) sorted by decreasing eigenvalue, and ``R`` the
    eigenvectors after the first ``D``,
    ``score_samples(x) = -||(x - u) R||``.

    Checked against the official recipe (haoqiwang/vim, ``benchmark.py``),
    which it follows with two departures: ``eigh`` on the symmetric matrix
    (the official ``np.linalg.eig`` can return complex round-off), and the
    origin without a head is the mean of the fit rows (the official recipe
    always has a network head and uses ``u = -pinv(W) b``).

    ``sample_weight`` in :meth:`fit` are row multiplicities: the mean, the
    second moment and the fit scores that place ``offset_`` are weighted, so
    that integer weights fit the same detector as the rows repeated.

    Rows of any magnitude that float64 holds (up to about 1e300) are divided
    by a power of two ``scale_`` before the second moment (exact in floating
    point); ``eigenvalues_`` are those of the rescaled rows, while
    ``origin_`` and the scores are in the units of ``X`` (the residual norm
    is equivariant to scaling, so the decisions do not depend on ``scale_``).

    On a dask array chunked by rows, ``fit`` reads X once: the weighted mean
    and scatter by blocks (merged by Chan's update), with the rows that place
    ``offset_`` gathered on the way; ``eigh`` of the ``d x d`` moment runs on
    the host. Scores, decisions and predictions of a dask array are lazy,
    with its row chunks.

    Parameters
    ----------
    n_components : int or 'auto', default='auto'
        ``D``, the dimension of the principal subspace. 'auto' is the official
        rule: 1000 if ``n_features >= 2048``, 512 if ``>= 768``, else
        ``n_features // 2`` (the official code's rule for small features).
    head : tuple (coef, intercept), fitted linear classifier or None, \
            default=None
        The last linear layer, ``logits = x @ coef.T + intercept``; it sets the
        origin ``u = -pinv(coef) @ intercept``. ``None``: the mean of the fit
        rows.
    contamination : float in (0, 0.5] or 'auto', default=0.05
        Fraction of the fit rows below ``offset_``; ``'auto'`` is the
        conformal threshold at false-alarm rate 0.05 once calibrated (see
        :class:`KNNOOD`).
    calibration : float in (0, 1) or None, default=None
        Fraction of the fit rows held out as the conformal calibration set.
    random_state : int, RandomState instance or None, default=None
        Draws the calibration rows.
    verbose : int, default=0
        Report the steps of ``fit`` on stderr through
        :class:`~sklearn_lowdim.utils.Progress`.

    Attributes
    ----------
    origin_ : ndarray of shape (n_features,)
        ``u``, in the units of ``X``.
    n_components_ : int
        ``D``, at most the rank of the second moment (numerically nonzero
        eigenvalues): beyond it the principal subspace is not unique, and the
        residual is then the component outside the span of the fit rows.
    residual_basis_ : ndarray of shape (n_features, n_residual)
        ``R``, orthonormal columns.
    eigenvalues_ : ndarray of shape (n_features,)
        In decreasing order, of the second moment of ``X / scale_``.
    scale_ : float
        The power of two ``X`` was divided by for the second moment: 1 for
        magnitudes between about 1e-120 and 1e120, otherwise near
        ``max |X|``.
    offset_ : float
    decision_scores_ : ndarray
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    ViM : The residual scaled into a virtual logit, matched against the
        head's energy.
    KNNOOD : Distance to the k-th nearest fit row.
    sklearn.decomposition.PCA : The principal subspace (about the mean).

    References
    ----------
    Haoqi Wang, Zhizhong Li, Litong Feng and Wayne Zhang, "ViM:
    Out-Of-Distribution with Virtual-logit Matching", CVPR 2022
    (arXiv:2203.10807); code github.com/haoqiwang/vim.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.ood import ResidualOOD
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(300, 2)) @ [[1.0, 0, 0, 0], [0, 1.0, 0, 0]]
    >>> X += 0.01 * rng.normal(size=(300, 4))
    >>> detector = ResidualOOD(n_components=2).fit(X)
    >>> detector.predict([[1.0, -1.0, 0, 0], [0, 0, 1.0, 1.0]])
    array([ 1, -1])
    """

    _parameter_constraints: dict = {
        **_FeatureDetector._parameter_constraints,
        "n_components": [Interval(Integral, 0, None, closed="left"),
                         StrOptions({"auto"})],
        "head": "no_validation",
    }

    _fit_message = "statistics and principal subspace (one pass over X)"

    def __init__(self, n_components="auto", *, head=None, contamination=0.05,
                 calibration=None, random_state=None, verbose=0):
        self.n_components = n_components
        self.head = head
        self.contamination = contamination
        self.calibration = calibration
        self.random_state = random_state
        self.verbose = verbose

    def _fit(self, X, y, sample_weight):
        self._fit_head(X, y, sample_weight)
        unit = power_of_two_unit(X, per_feature=False)[0]
        stats = GaussianStatistics.from_data(X if unit == 1 else X / unit,
                                             sample_weight=sample_weight)
        self._fit_subspace(stats.counts[0], stats.means[0], stats.scatter, unit)

    def _fit_dask(self, X, y, sample_weight, rows):
        """One pass: weighted mean and scatter by blocks (Chan's merge), and
        the rows that place ``offset_`` gathered on the way; ``eigh`` of the
        ``d x d`` moment on the host. Returns the gathered rows' scores."""
        self._fit_head(X, y, sample_weight)
        stats, unit, gathered = block_statistics(X, sample_weight, rows,
                                                 rescale=True)
        self._fit_subspace(stats.counts[0], stats.means[0], stats.scatter, unit)
        self._fit_alpha_dask(X, sample_weight)
        return self._score(gathered)

    def _fit_alpha_dask(self, X, sample_weight):
        """Nothing to fit after the subspace (see :class:`ViM`)."""

    def _fit_xp(self, X, y, sample_weight, xp):
        """On the device: the power of two, the weighted mean and scatter (one
        GEMM per row block); ``eigh`` of the ``d x d`` moment on the host."""
        self._fit_head(X, y, sample_weight)
        top = float(xp.max(xp.abs(X))) if X.shape[0] else 0.0
        unit = power_of_two_unit(np.array([[top]]), per_feature=False)[0]
        w = None if sample_weight is None else self._on_device(sample_weight, X, xp)
        stats = GaussianStatistics.from_data(X if unit == 1 else X / unit,
                                             sample_weight=w)
        self._fit_subspace(stats.counts[0], stats.means[0], stats.scatter, unit)
        self._fit_alpha_xp(X, w, xp)

    def _fit_alpha_xp(self, X, w, xp):
        """Nothing to fit after the subspace (see :class:`ViM`)."""

    def _fit_scores_xp(self, X, rows, sample_weight, xp):
        return self._score_xp(
            xp.take(X, xp.asarray(rows, device=device(X)), axis=0), xp)

    def _fit_head(self, X, y, sample_weight):
        self.coef_, self.intercept_ = (None, None) if self.head is None else (
            _head_arrays(self.head))
        self._check_head(X.shape[1])

    def _check_head(self, n_features):
        if self.coef_ is not None and self.coef_.shape[1] != n_features:
            raise ValueError(
                f"head has {self.coef_.shape[1]} input features but X has "
                f"{n_features}; pass the head of the layer these features feed."
            )

    def _fit_subspace(self, total, mean, scatter, unit):
        """The residual basis from the weighted statistics of ``X / unit``.

        ``total`` is the sum of the weights, ``mean`` and ``scatter`` (about
        the mean) are those of the rows divided by the power of two ``unit``;
        the second moment about the origin follows by a rank-one update.
        """
        d = mean.shape[0]
        D = (principal_dimension(d) if self.n_components == "auto"
             else self.n_components)
        if D >= d:
            raise ValueError(
                f"n_components={D} leaves no residual with n_features={d}; pass "
                f"n_components < {d} (or 'auto')."
            )
        origin = (mean if self.coef_ is None
                  else -np.linalg.pinv(self.coef_) @ self.intercept_ / unit)
        delta = mean - origin
        second = (scatter + total * np.outer(delta, delta)) / total
        if not np.all(np.isfinite(second)):
            raise ValueError(
                "The head's origin -pinv(coef) @ intercept is so far from X that "
                "the second moment overflows float64; check that the head belongs "
                "to these features, or rescale both."
            )
        # single-threaded LAPACK: threaded eigh of a few hundred rows slows
        # down by orders of magnitude on a loaded machine (see Whitener)
        with _small_lapack(d):
            eigenvalues, vectors = np.linalg.eigh(second)
        order = np.argsort(eigenvalues)[::-1]
        eigenvalues = eigenvalues[order]
        # beyond the rank the principal subspace is not unique (any basis of
        # the null space would do): stop at the rank, so that the residual is
        # the component outside the span of the rows, whatever LAPACK returns
        rank = int(np.sum(eigenvalues > d * np.finfo(np.float64).eps
                          * max(eigenvalues[0], 0.0)))
        D = min(D, rank)
        self.scale_ = float(unit)
        self.eigenvalues_ = eigenvalues
        self.n_components_ = int(D)
        self.residual_basis_ = np.ascontiguousarray(vectors[:, order[D:]])
        self._origin_unit = origin
        self.origin_ = origin * unit

    def residual_norms(self, X):
        """``||(x - u) R||`` of validated rows, by chunks, in float64.

        The residual norm behind :meth:`score_samples`, without its input
        checks (``X`` is used as given), in the units of ``X``.

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
            Rows already validated, with the fit rows' number of features.

        Returns
        -------
        norms : ndarray of shape (n_samples,)
            Norm of each row's component, about ``origin_``, in the span of
            ``residual_basis_`` (0 where it is below ``sqrt(eps)`` times the
            row's distance to ``origin_``: rounding noise of a row inside
            the principal subspace).

        Raises
        ------
        ValueError
            When a norm exceeds float64's range (rows near 1e308).
        """
        R, u, unit = self.residual_basis_, self._origin_unit, self.scale_
        out = np.empty(X.shape[0])
        for rows in gen_row_chunks(X.shape[0], 8 * (X.shape[1] + R.shape[1])):
            centred = np.asarray(X[rows], dtype=np.float64) / unit - u
            P = centred @ R
            out[rows] = np.sqrt(_snap(np.einsum("ij,ij->i", P, P),
                                      np.einsum("ij,ij->i", centred, centred)))
        return _in_units(out, unit)

    def _score(self, X):
        return -self.residual_norms(X)

    def _residual_xp(self, X, xp):
        """:meth:`residual_norms` in ``X``'s namespace, on its device."""
        unit = self.scale_
        centred = (X if unit == 1 else X / unit) - self._on_device(
            self._origin_unit, X, xp)
        P = centred @ self._on_device(self.residual_basis_, X, xp)
        squares = xp.sum(P * P, axis=1)
        eps = float(xp.finfo(X.dtype).eps)
        squares = xp.where(squares > eps * xp.sum(centred * centred, axis=1),
                           squares, xp.zeros_like(squares))
        norms = xp.sqrt(squares)
        return norms if unit == 1 else norms * unit

    def _score_xp(self, X, xp):
        return -self._residual_xp(X, xp)


class ViM(ResidualOOD):
    """Virtual-logit matching: energy of the head minus the scaled residual.

    Wang, Li, Feng and Zhang (2022), the ViM score of the official recipe
    (haoqiwang/vim, ``benchmark.py``): with the residual norm of
    :class:`ResidualOOD` about ``u = -pinv(W) b`` and
    ``alpha = mean_train(max logit) / mean_train(residual norm)``,

    ``score_samples(x) = logsumexp(W x + b) - alpha ||(x - u) R||``.

    ``sample_weight`` in :meth:`fit` are row multiplicities, as in
    :class:`ResidualOOD`; the means in ``alpha`` are weighted too, and a probe
    head (``head=None``) is fitted with the weights.

    On a dask array ``fit`` reads X twice with a head: the pass of
    :class:`ResidualOOD`, then one for the means in ``alpha`` (the residual
    norms need the subspace). The probe head needs rows in memory: pass
    ``head`` with dask input.

    Parameters
    ----------
    n_components : int or 'auto', default='auto'
        See :class:`ResidualOOD` (the official dimension rule).
    head : tuple (coef, intercept), fitted linear classifier or None, \
            default=None
        The network's last linear layer ``W`` (n_classes, n_features) and ``b``
        (a binary classifier's single row ``w`` becomes logits ``[0, w.x + b]``).
        ``None`` fits a :class:`~sklearn.linear_model.LogisticRegression` probe
        on ``fit(X, y)`` (a linear head for features without one); with
        ``y=None`` (one class) there are no logits and the score is
        :class:`ResidualOOD`'s about the mean, with a warning.
    contamination : float in (0, 0.5] or 'auto', default=0.05
        Fraction of the fit rows below ``offset_``; ``'auto'`` is the
        conformal threshold at false-alarm rate 0.05 once calibrated (see
        :class:`KNNOOD`).
    calibration : float in (0, 1) or None, default=None
        Fraction of the fit rows held out as the conformal calibration set
        (held out of the probe head, the subspace and ``alpha_``).
    random_state : int, RandomState instance or None, default=None
        Draws the calibration rows.
    verbose : int, default=0
        Report the steps of ``fit`` on stderr through
        :class:`~sklearn_lowdim.utils.Progress`.

    Attributes
    ----------
    coef_, intercept_ : ndarray or None
        The head used (``None`` without logits).
    alpha_ : float
        Scale of the virtual logit (1 without logits).
    origin_, n_components_, residual_basis_, eigenvalues_, scale_ : \
            see ResidualOOD
    offset_, decision_scores_, n_features_in_, feature_names_in_ : \
            see ResidualOOD

    See Also
    --------
    ResidualOOD : The residual norm alone (no head needed).
    MahalanobisOOD : Distance to the nearest class mean under a tied
        covariance.

    References
    ----------
    Wang, Li, Feng and Zhang, CVPR 2022 (arXiv:2203.10807), as for
    :class:`ResidualOOD`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.ood import ViM
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 300)
    >>> X = 3.0 * np.eye(6)[y] + 0.3 * rng.normal(size=(300, 6))
    >>> detector = ViM(n_components=3).fit(X, y)
    >>> detector.predict([3.0 * np.eye(6)[0], 3.0 * np.eye(6)[5]])
    array([ 1, -1])
    """

    def _fit_head(self, X, y, sample_weight):
        if self.head is not None or (y is not None and np.unique(y).size >= 2):
            head = self.head
            if head is None and not isinstance(X, np.ndarray):
                raise ValueError(
                    "ViM(head=None) fits a LogisticRegression probe, which needs "
                    "the rows in memory as NumPy; on a dask or array-API array "
                    "pass head=(coef, intercept) or a fitted linear classifier."
                )
            if head is None:
                head = LogisticRegression(max_iter=1000).fit(
                    X, y, sample_weight=sample_weight)
            self.coef_, self.intercept_ = _head_arrays(head)
            self._check_head(X.shape[1])
            return
        warnings.warn(
            "ViM has neither a head nor two classes in y: without logits the "
            "score is ResidualOOD's (about the mean of the fit rows).",
            UserWarning, stacklevel=4,
        )
        self.coef_ = self.intercept_ = None

    def _fit(self, X, y, sample_weight):
        super()._fit(X, y, sample_weight)
        self.alpha_ = 1.0
        if self.coef_ is not None:
            self._set_alpha(
                np.average(self._logits(X).max(axis=1), weights=sample_weight),
                np.average(self.residual_norms(X), weights=sample_weight))

    def _fit_alpha_dask(self, X, sample_weight):
        """A second pass: the weighted means of the max logit and the residual
        norm (the residual needs the subspace of the first pass)."""
        import dask

        self.alpha_ = 1.0
        if self.coef_ is not None:
            sums = sum(dask.compute(*block_parts(X, sample_weight,
                                                  self._alpha_sums)))
            self._set_alpha(sums[0] / sums[2], sums[1] / sums[2])

    def _fit_alpha_xp(self, X, w, xp):
        """The means in ``alpha_`` on the device (two scalars to the host)."""
        self.alpha_ = 1.0
        if self.coef_ is not None:
            if w is None:
                w = xp.ones(X.shape[0], dtype=X.dtype, device=device(X))
            total = float(xp.sum(w))
            logits = xp.max(self._logits_xp(X, xp), axis=1)
            self._set_alpha(float(xp.sum(w * logits)) / total,
                            float(xp.sum(w * self._residual_xp(X, xp))) / total)

    def _logits_xp(self, X, xp):
        return X @ self._on_device(self.coef_.T, X, xp) + self._on_device(
            self.intercept_, X, xp)

    def _alpha_sums(self, X, sample_weight):
        w = np.ones(X.shape[0]) if sample_weight is None else sample_weight
        return np.array([w @ self._logits(X).max(axis=1),
                         w @ self.residual_norms(X), w.sum()])

    def _set_alpha(self, max_logit, residual):
        """``alpha_`` from the (weighted) means over the fit rows."""
        # all fit rows inside the subspace: any residual is then anomalous
        self.alpha_ = float(max_logit / residual) if residual > 0 else 1.0

    def _logits(self, X):
        return np.asarray(X, dtype=np.float64) @ self.coef_.T + self.intercept_

    def _score(self, X):
        virtual = self.alpha_ * self.residual_norms(X)
        if self.coef_ is None:
            return -virtual
        return logsumexp(self._logits(X), axis=1) - virtual

    def _score_xp(self, X, xp):
        virtual = self.alpha_ * self._residual_xp(X, xp)
        if self.coef_ is None:
            return -virtual
        logits = self._logits_xp(X, xp)
        top = xp.max(logits, axis=1, keepdims=True)
        energy = top[:, 0] + xp.log(xp.sum(xp.exp(logits - top), axis=1))
        return energy - virtual
