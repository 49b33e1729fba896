"""Split-conformal p-values and error control for every OOD detector.

Bates, Candes, Lei, Romano and Sesia, "Testing for outliers with conformal
p-values", Ann. Statist. 51(1), 2023. A detector fitted on some in-distribution
rows scores ``n`` further in-distribution rows (the calibration set). For a test
row with score ``s`` (``score_samples``, higher is more in-distribution)

``p(x) = (1 + #{i : s_i <= s}) / (n + 1)``,

which is super-uniform for a row exchangeable with the calibration rows
(``P(p <= t) <= t`` for every ``t``): flagging ``p <= alpha`` has a false-alarm
rate of at most ``alpha``, and Benjamini-Hochberg on a batch of conformal
p-values controls the marginal false-discovery rate (the p-values are PRDS,
the paper's Theorem 2).
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Real

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted

from ..utils import device, get_namespace, is_dask_array

__all__ = ["ConformalMixin", "benjamini_hochberg", "conformal_pvalues"]

# The per-row false-alarm rate that contamination="auto" guarantees.
AUTO_ALPHA = 0.05


def _finite_1d(values, name):
    values = np.asarray(values, dtype=np.float64).ravel()
    if values.size == 0:
        raise ValueError(f"{name} is empty; pass at least one score.")
    if not np.all(np.isfinite(values)):
        raise ValueError(
            f"{name} contains NaN or infinity; check the detector's input rows."
        )
    return values


def check_fitted_namespace(detector, X, method):
    """A ValueError naming ``method`` when X's namespace or device is not the
    fit's (for detectors that fit on array-API devices)."""
    check = getattr(detector, "_check_namespace", None)
    if check is not None:
        check(X, method)


def _check_level(value, name):
    if not isinstance(value, Real) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number in (0, 1), got {value!r}.")
    return float(value)


def conformal_pvalues(cal_scores, test_scores):
    """Split-conformal p-values of test scores against calibration scores.

    ``p = (1 + #{i : cal_i <= s}) / (n_cal + 1)``, with scores oriented like
    ``score_samples`` (higher is more in-distribution), so a small p-value
    means an unusually low score. Ties count against the test row
    (conservative).

    Parameters
    ----------
    cal_scores : array-like of shape (n_cal,)
        Scores of in-distribution rows not used to fit the detector.
    test_scores : array-like of shape (n_test,)
        Scores of the rows to test.

    Returns
    -------
    pvalues : ndarray of shape (n_test,)
        In ``[1 / (n_cal + 1), 1]``.

    See Also
    --------
    benjamini_hochberg : Rejections at a false-discovery rate from these
        p-values.
    KNNOOD.pvalues : The same p-values from a detector's calibration set.

    References
    ----------
    Stephen Bates, Emmanuel Candes, Lihua Lei, Yaniv Romano and Matteo Sesia,
    "Testing for outliers with conformal p-values", Ann. Statist. 51(1), 2023.

    Examples
    --------
    >>> from sklearn_lowdim.ood import conformal_pvalues
    >>> conformal_pvalues([1.0, 2.0, 3.0], [0.5, 2.0, 9.0])
    array([0.25, 0.75, 1.  ])
    """
    xp, is_array_api = get_namespace(test_scores)
    if is_array_api:
        cal = _sorted_scores_xp(cal_scores, xp, "cal_scores")
        test = _finite_1d_xp(test_scores, xp, "test_scores", cal.dtype)
        counts = xp.astype(xp.searchsorted(cal, test, side="right"), cal.dtype)
        return (1.0 + counts) / (cal.shape[0] + 1.0)
    cal = np.sort(_finite_1d(cal_scores, "cal_scores"))
    test = _finite_1d(test_scores, "test_scores")
    counts = np.searchsorted(cal, test, side="right")
    return (1.0 + counts) / (cal.size + 1.0)


def _finite_1d_xp(values, xp, name, dtype=None):
    """:func:`_finite_1d` on the values' device (float64 where it has it)."""
    values = xp.reshape(xp.asarray(values), (-1,))
    if dtype is None:
        dtype = xp.float64 if _has_float64(xp, device(values)) else xp.float32
    values = xp.astype(values, dtype)
    if values.shape[0] == 0:
        raise ValueError(f"{name} is empty; pass at least one score.")
    if not bool(xp.all(xp.isfinite(values))):
        raise ValueError(
            f"{name} contains NaN or infinity; check the detector's input rows."
        )
    return values


def _sorted_scores_xp(values, xp, name):
    return xp.sort(_finite_1d_xp(values, xp, name))


def _has_float64(xp, dev):
    try:
        xp.zeros(1, dtype=xp.float64, device=dev)
        return True
    except (TypeError, ValueError, RuntimeError):
        return False


def _benjamini_hochberg_xp(p, q, xp):
    """1-D Benjamini-Hochberg on the device: reject ``p <= p_(k)``.

    Every row tied with ``p_(k)`` sits among the ``k`` smallest (it is under
    the line too), so the threshold form equals the rank form.
    """
    m = p.shape[0]
    sorted_p = xp.sort(p)
    line = q * xp.arange(1, m + 1, dtype=p.dtype, device=device(p)) / m
    below = sorted_p <= line
    threshold = xp.max(xp.where(below, sorted_p, xp.full_like(sorted_p, -1.0)))
    return p <= threshold


def benjamini_hochberg(pvalues, q):
    """Benjamini-Hochberg rejections at false-discovery rate ``q``.

    With the p-values sorted, ``p_(1) <= ... <= p_(m)``, the ``k`` smallest are
    rejected for the largest ``k`` with ``p_(k) <= q k / m`` (none if there is
    no such ``k``). Applied along the last axis, so a stack of batches is
    handled in one call.

    Parameters
    ----------
    pvalues : array-like of shape (..., m)
        P-values in [0, 1].
    q : float in (0, 1)
        Target false-discovery rate.

    Returns
    -------
    rejected : ndarray of bool of shape (..., m)
        True where the null (in-distribution) is rejected: the discoveries.

    See Also
    --------
    conformal_pvalues : Split-conformal p-values to feed it.
    KNNOOD.predict : ``predict(X, fdr=q)`` applies it to a batch's p-values.

    Examples
    --------
    >>> from sklearn_lowdim.ood import benjamini_hochberg
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.5], q=0.1)
    array([ True,  True,  True, False])
    """
    q = _check_level(q, "q")
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim == 0 or p.shape[-1] == 0:
        raise ValueError("pvalues must hold at least one p-value.")
    if np.any(~np.isfinite(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("pvalues must lie in [0, 1] (no NaN).")
    m = p.shape[-1]
    order = np.argsort(p, axis=-1, kind="stable")
    sorted_p = np.take_along_axis(p, order, axis=-1)
    below = sorted_p <= q * np.arange(1, m + 1) / m
    # k = the last sorted position under the line (0 when none is)
    k = np.where(below.any(axis=-1), m - np.argmax(below[..., ::-1], axis=-1), 0)
    rank_rejected = np.arange(m) < k[..., None]
    rejected = np.empty_like(rank_rejected)
    np.put_along_axis(rejected, order, rank_rejected, axis=-1)
    return rejected


def alpha_threshold(sorted_cal_scores, alpha):
    """Score below which ``p <= alpha``: the conformal per-row threshold.

    ``p(s) <= alpha`` iff ``#{cal <= s} <= floor(alpha (n + 1)) - 1`` iff
    ``s < cal_(j)`` with ``j = floor(alpha (n + 1))`` (1-based order
    statistic); ``-inf`` (nothing flagged) when ``j = 0``.
    """
    n = sorted_cal_scores.shape[0]
    # the largest j with j / (n + 1) <= alpha, in the same floating point as
    # conformal_pvalues, so that predict(alpha=) and pvalues(X) <= alpha agree
    j = int(np.floor(alpha * (n + 1)))
    while j + 1 <= n + 1 and (j + 1.0) / (n + 1.0) <= alpha:
        j += 1
    while j > 0 and j / (n + 1.0) > alpha:
        j -= 1
    return -np.inf if j == 0 else float(sorted_cal_scores[j - 1])


class ConformalMixin:
    """Conformal calibration, p-values and error-controlled ``predict``.

    Mixed into every detector of :mod:`sklearn_lowdim.ood` (before
    :class:`~sklearn_lowdim.utils._outlier.OffsetOutlierMixin` in the bases).
    The detector provides ``score_samples``; the calibration scores come from
    :meth:`calibrate` on separate in-distribution rows, or from ``fit`` when the
    detector has a ``calibration`` fraction (the new detectors :class:`KNNOOD`,
    :class:`ResidualOOD` and :class:`ViM`).
    """

    def set_threshold(self, X_val, tpr=0.95):
        """Set ``offset_`` so that ``tpr`` of held-out ID rows are inliers.

        Parameters
        ----------
        X_val : array-like of shape (n_samples, n_features)
            Held-out in-distribution rows (not used for fitting).
        tpr : float in (0, 1], default=0.95
            Fraction of ``X_val`` to keep as inliers.

        Returns
        -------
        self : object
            The detector, with ``offset_`` moved.
        """
        check_is_fitted(self)
        if not 0 < tpr <= 1:
            raise ValueError(f"tpr must lie in (0, 1], got {tpr!r}.")
        scores = self.score_samples(X_val)
        xp, is_array_api = get_namespace(scores)
        if not is_array_api:
            self.offset_ = float(np.quantile(scores, 1.0 - tpr, method="lower"))
            return self
        # numpy's "lower" method: the order statistic below the position
        position = int(np.floor((1.0 - tpr) * (scores.shape[0] - 1)))
        self.offset_ = float(xp.sort(scores)[position])
        return self

    def calibrate(self, X_cal):
        """Score held-out in-distribution rows as the conformal calibration set.

        The rows must not have been used in ``fit`` (otherwise the p-values are
        too large and the guarantees fail). With ``contamination="auto"``,
        ``offset_`` becomes the conformal threshold of ``predict(X, alpha=0.05)``.

        Parameters
        ----------
        X_cal : array-like of shape (n_cal, n_features)
            In-distribution rows, exchangeable with the future in-distribution
            test rows.

        Returns
        -------
        self : object
            The detector, with ``calibration_scores_`` set (and ``offset_``
            with ``contamination="auto"``).
        """
        check_is_fitted(self)
        self._set_calibration_scores(self.score_samples(X_cal))
        return self

    def _set_calibration_scores(self, scores):
        xp, is_array_api = get_namespace(scores)
        if is_array_api:  # per-row: kept on the device of the rows
            self.calibration_scores_ = _sorted_scores_xp(
                scores, xp, "calibration scores")
        else:
            self.calibration_scores_ = np.sort(
                _finite_1d(scores, "calibration scores"))
        if getattr(self, "contamination", None) == "auto":
            self.offset_ = self._auto_offset()

    def _auto_offset(self):
        cal = self.calibration_scores_
        if AUTO_ALPHA * (cal.shape[0] + 1) < 1:
            warnings.warn(
                f"contamination='auto' needs at least {int(np.ceil(1 / AUTO_ALPHA))}"
                f" calibration rows to flag anything at false-alarm rate "
                f"{AUTO_ALPHA}; got {cal.shape[0]}, so no row is flagged.",
                UserWarning, stacklevel=3,
            )
        return alpha_threshold(cal, AUTO_ALPHA)

    def _check_calibrated(self):
        check_is_fitted(self)
        if not hasattr(self, "calibration_scores_"):
            raise ValueError(
                f"{type(self).__name__} has no calibration scores: call "
                "calibrate(X_cal) with held-out in-distribution rows first"
                + (", or fit with calibration=0.2 (a fraction of the fit rows)."
                   if "calibration" in self.get_params() else ".")
            )
        return self.calibration_scores_

    def pvalues(self, X):
        """Conformal p-values of rows against the calibration set.

        Small values are evidence of out-of-distribution rows; for an
        in-distribution row ``P(p <= t) <= t``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to test.

        Returns
        -------
        pvalues : ndarray of shape (n_samples,)
            Split-conformal p-values of ``score_samples(X)`` against
            ``calibration_scores_``, in ``[1 / (n_cal + 1), 1]``.
        """
        cal = self._check_calibrated()
        check_fitted_namespace(self, X, "pvalues")
        return conformal_pvalues(cal, self.score_samples(X))

    def decision_function(self, X):
        """``score_samples(X) - offset_``: negative for outliers.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score (in the namespace and on the device of ``fit``).

        Returns
        -------
        decision : ndarray of shape (n_samples,)
            ``score_samples(X) - offset_``, in ``X``'s namespace.
        """
        check_fitted_namespace(self, X, "decision_function")
        return super().decision_function(X)

    def predict(self, X, *, fdr=None, alpha=None):
        """+1 for inliers, -1 for outliers; with an error guarantee if asked.

        With neither ``fdr`` nor ``alpha``, the threshold ``offset_`` decides
        (scikit-learn's meaning: -1 where ``decision_function(X) < 0``). Pass
        at most one of them.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to label.
        fdr : float in (0, 1), default=None
            Flag the Benjamini-Hochberg discoveries among the conformal
            p-values of this batch: the expected fraction of in-distribution
            rows among the flagged ones is at most ``fdr`` (marginal FDR,
            Bates et al. 2023). Needs calibration.
        alpha : float in (0, 1), default=None
            Flag rows with ``p <= alpha``: each in-distribution row is flagged
            with probability at most ``alpha``. Needs calibration.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 for rows kept as in-distribution, -1 for flagged rows.
        """
        if fdr is not None and alpha is not None:
            raise ValueError("Pass fdr or alpha, not both.")
        check_fitted_namespace(self, X, "predict")
        xp, is_array_api = get_namespace(X)
        if fdr is None and alpha is None:
            if not is_array_api:
                return super().predict(X)
            return _labels(self.decision_function(X) < 0, xp)
        cal = self._check_calibrated()
        scores = self.score_samples(X)
        if alpha is not None:
            flagged = scores < alpha_threshold(cal, _check_level(alpha, "alpha"))
        elif is_array_api:
            flagged = _benjamini_hochberg_xp(conformal_pvalues(cal, scores),
                                             _check_level(fdr, "fdr"), xp)
        else:
            flagged = benjamini_hochberg(conformal_pvalues(cal, scores), fdr)
        return _labels(flagged, xp) if is_array_api else np.where(flagged, -1, 1)

    # ----- calibration split in fit (for detectors with `calibration`) -------
    def _hold_out_calibration(self, X, y, sample_weight):
        """Hold ``calibration`` of the rows out of the fit, for :meth:`calibrate`."""
        if self.calibration is not None and (
            is_dask_array(X) or sample_weight is not None
        ):
            raise ValueError(
                "calibration= holds out in-memory, unweighted rows; with a dask "
                "array or sample_weight, fit with calibration=None and call "
                "calibrate(X_cal) on held-out in-distribution rows."
            )
        return self._split_calibration(X, y)
    def _split_calibration(self, X, y=None):
        """``(X_fit, y_fit, X_cal)``: a random ``calibration`` fraction held out."""
        fraction = getattr(self, "calibration", None)
        if fraction is None:
            return X, y, None
        n = X.shape[0] if hasattr(X, "shape") else len(X)
        n_cal = int(np.floor(fraction * n))
        if n_cal < 1 or n - n_cal < 2:
            raise ValueError(
                f"calibration={fraction} of {n} rows leaves {n_cal} calibration "
                f"and {n - n_cal} fit rows; pass more rows, or calibration=None "
                "and call calibrate(X_cal)."
            )
        xp, is_array_api = get_namespace(X)
        if is_array_api:
            return _split_on_device(X, y, n_cal, self.random_state, xp)
        parts = train_test_split(
            *([X] if y is None else [X, y]), test_size=n_cal,
            random_state=getattr(self, "random_state", None),
        )
        if y is None:
            return parts[0], None, parts[1]
        return parts[0], parts[2], parts[1]


def _labels(flagged, xp):
    """+1 / -1 labels on the device of ``flagged`` (-1 where it is True)."""
    dev = device(flagged)
    return xp.where(flagged, xp.asarray(-1, device=dev), xp.asarray(1, device=dev))


def _split_on_device(X, y, n_cal, random_state, xp):
    """The split of ``train_test_split`` (same seed, same rows), on X's device.

    The shuffle draws row indices on the host; the rows are gathered with
    ``xp.take`` and never leave the device (labels given as NumPy stay NumPy).
    """
    fit_rows, cal_rows = train_test_split(np.arange(X.shape[0]), test_size=n_cal,
                                          random_state=random_state)
    fit_idx = xp.asarray(fit_rows, device=device(X))
    cal_idx = xp.asarray(cal_rows, device=device(X))
    X_fit, X_cal = xp.take(X, fit_idx, axis=0), xp.take(X, cal_idx, axis=0)
    if y is None:
        return X_fit, None, X_cal
    if get_namespace(y)[1]:
        return X_fit, xp.take(y, xp.asarray(fit_rows, device=device(y)), axis=0), X_cal
    return X_fit, np.asarray(y)[fit_rows], X_cal
