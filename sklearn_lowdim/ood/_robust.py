"""Unsupervised outlier detector on a robust shrinkage Mahalanobis distance."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import copy
from numbers import Real

import numpy as np
from scipy.stats import chi2
from sklearn.base import BaseEstimator, OutlierMixin, clone
from sklearn.utils.validation import check_is_fitted, has_fit_parameter, validate_data

from ..covariance import RobustShrinkageCovariance, Whitener
from ..covariance._robust import _validated_rows, weighted_median
from ..covariance._robust_rows import RowAccess
from ..covariance._whitening import degenerate_features
from ..utils import device, get_namespace, is_dask_array, to_numpy
from ..utils._doc_link import DocLinkMixin
from ..utils._outlier import OffsetOutlierMixin
from ..utils._sklearn_compat import HasMethods, Interval, StrOptions, _fit_context
from ._base import dask_rows, weighted_percentile
from ._conformal import AUTO_ALPHA, ConformalMixin
from ._pyod import PyODMixin

__all__ = ["RobustMahalanobis"]

# MAD / this = standard deviation at the normal
_MAD_NORMAL = 0.6744897501960817


def robust_standardisation(rows, X):
    """Per-feature median and robust scale (MAD, else the standard deviation).

    A feature whose MAD is zero (more than half of the rows at its median, as
    one-hot columns) is scaled by its standard deviation; a constant one by its
    magnitude, or 1. Dividing by these makes a fit free of units and offsets.
    Computed on each feature divided by a power of two near its largest
    absolute value (exact), so that squares stay in float64's range. ``rows``
    (:class:`~sklearn_lowdim.covariance._robust_rows.RowAccess`) reads X in
    memory, on its device, or in dask blocks (two selections, three passes).
    """
    xp = rows.xp
    top = rows.max_abs(X)
    unit = np.where(top > 0, 2.0 ** np.floor(np.log2(np.where(top > 0, top, 1.0))),
                    1.0)
    X = X / rows.asarray(unit, X)
    centre = rows.medians(X)
    mad = rows.medians(xp.abs(X - rows.asarray(centre, X))) / _MAD_NORMAL
    total, sums = rows.reduce(lambda w, X: (xp.sum(w), w @ X), X)
    mean = sums / total
    (squares,) = rows.reduce(lambda w, X, m: (w @ (X - m) ** 2,), X,
                             rows.asarray(mean, X))
    std = np.sqrt(squares / total)
    magnitude = np.abs(centre)
    scale = np.where(degenerate_features(mad**2, magnitude), std, mad)
    flat = degenerate_features(scale**2, magnitude)
    scale[flat] = np.where(magnitude[flat] > 0, magnitude[flat], 1.0)
    return centre * unit, scale * unit


class RobustMahalanobis(DocLinkMixin, ConformalMixin, PyODMixin, OffsetOutlierMixin,
                        OutlierMixin, BaseEstimator):
    """Unsupervised outlier detector with a robust shrinkage Mahalanobis distance.

    Like :class:`sklearn.covariance.EllipticEnvelope`, but on
    :class:`~sklearn_lowdim.covariance.RobustShrinkageCovariance` (or any
    estimator with ``fit`` and ``mahalanobis``). ``score_samples = -d^2``. By
    default the threshold flags the 2.5% of the fit rows farthest from the
    robust centre; ``contamination='auto'`` is the conformal threshold of a 5%
    false-alarm rate once calibration rows exist, as for every detector of
    this package; with ``contamination='chi2'`` a row is an outlier when
    ``d^2`` exceeds the ``quantile`` of a chi-square with ``n_features``
    degrees of freedom (``cutoff_df='p-1'`` reproduces the R code). The
    chi-square cut-off can flag no fit row at all on light-tailed data (a
    mixture of compact clusters), which is why it is not the default.

    With ``standardize=True`` (the default) every feature is first centred at
    its median and divided by its robust scale (the MAD; the standard deviation
    where the MAD is zero, as for one-hot columns), so that the detector does
    not depend on the features' units or offsets: the shrinkage targets of the
    robust covariance are multiples of the identity, which only make sense on
    commensurate features.

    Parameters
    ----------
    estimator : estimator, default=None
        ``None`` is ``RobustShrinkageCovariance()``.
    quantile : float in (0, 1), default=0.975
        Chi-square quantile of the ``'chi2'`` cut-off.
    cutoff_df : {'p', 'p-1'}, default='p'
        Degrees of freedom of the chi-square cut-off.
    contamination : float in (0, 0.5], 'auto' or 'chi2', default=0.025
        A float: that share of the fit rows is flagged (weighted by
        ``sample_weight``). ``'auto'``: ``offset_`` is the conformal threshold
        of ``predict(X, alpha=0.05)`` once calibration scores exist
        (``calibration`` or :meth:`calibrate`), so that at most 5% of
        in-distribution rows are flagged in expectation; before that, the 5%
        percentile of the fit rows. ``'chi2'``: the chi-square cut-off (the
        meaning ``'auto'`` had before version 0.2).
    standardize : bool, default=True
        Median-centre and robustly scale each feature before the fit.
    consistency : bool, default=True
        Divide the squared distances by ``median(d^2) / median(chi2_p)`` on
        the fit rows (the consistency correction of the reweighted MCD,
        Rousseeuw and Van Driessen 1999), so that the chi-square cut-off holds
        at the normal whatever the shrinkage did to the scale. ``False`` with
        ``standardize=False`` and ``cutoff_df='p-1'`` reproduces the R code.
    calibration : float in (0, 1) or None, default=None
        Fraction of the fit rows (drawn with ``random_state``) held out of the
        fit and passed to :meth:`calibrate`: ``pvalues`` and
        ``predict(X, alpha=...)``/``predict(X, fdr=...)`` then work right after
        ``fit``. ``None``: call :meth:`calibrate` on held-out rows yourself.
    random_state : int, RandomState instance or None, default=None
        Seed of the calibration split.
    verbose : int, default=0
        Passed to the covariance estimator when it has a ``verbose`` parameter.

    Attributes
    ----------
    estimator_ : fitted covariance estimator
        Fitted on the standardised rows (the raw rows if
        ``standardize=False``).
    centre_, scale_ : ndarray of shape (n_features,)
        The per-feature standardisation (zeros and ones without it).
    correction_ : float
        The consistency factor the estimator's squared distances are divided
        by (1 without it).
    location_ : ndarray of shape (n_features,)
        The robust centre, in the units of X.
    whitener_ : Whitener or None
        ``d^2(x) = ||(x - location_) whitener_.W_||^2`` in the units of X
        (``None`` when the estimator exposes neither ``whitener_`` nor
        ``covariance_``).
    threshold_ : float
        The squared-distance cut-off.
    offset_ : float
        ``-threshold_``.
    dist_ : ndarray of shape (n_samples,)
        Squared distances of the fit rows.
    outlier_mask_ : ndarray of bool of shape (n_samples,)
        Fit rows beyond the cut-off.
    n_passes_ : int
        Block passes over a dask ``X`` in ``fit`` (0 in memory).
    calibration_scores_ : ndarray of shape (n_calibration,)
        Sorted ``score_samples`` of the calibration rows (after
        ``calibration`` or :meth:`calibrate`).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Names of the features seen in ``fit`` (string column names only).

    See Also
    --------
    sklearn.covariance.EllipticEnvelope : The same idea on the MCD.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.ood import RobustMahalanobis
    >>> X = np.random.default_rng(0).normal(size=(300, 2))
    >>> RobustMahalanobis().fit(X).predict([[0.0, 0.0], [8.0, 8.0]])
    array([ 1, -1])
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "mahalanobis"]), None],
        "quantile": [Interval(Real, 0, 1, closed="neither")],
        "cutoff_df": [StrOptions({"p", "p-1"})],
        "contamination": [Interval(Real, 0, 0.5, closed="right"),
                          StrOptions({"auto", "chi2"})],
        "calibration": [Interval(Real, 0, 1, closed="neither"), None],
        "random_state": ["random_state"],
        "standardize": ["boolean"],
        "consistency": ["boolean"],
        "verbose": ["verbose"],
    }

    def __init__(self, estimator=None, *, quantile=0.975, cutoff_df="p",
                 contamination=0.025, standardize=True, consistency=True,
                 calibration=None, random_state=None, verbose=0):
        self.estimator = estimator
        self.quantile = quantile
        self.cutoff_df = cutoff_df
        self.contamination = contamination
        self.standardize = standardize
        self.consistency = consistency
        self.calibration = calibration
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, sample_weight=None):
        """Fit the robust covariance and the cut-off.

        Parameters
        ----------
        X : array-like, array-API array or dask array of shape (n_samples, n_features)
            Training rows. A dask array is never materialised: the
            standardisation takes one pass for ``max |X|``, two exact
            distributed selections (5 passes each, see
            :meth:`RobustShrinkageCovariance.fit`) and two passes for the
            mean and standard deviation; the covariance estimator then reads
            the standardised rows lazily (its ``n_passes_``), and one last
            pass brings the ``n`` fit distances (not the rows) to this
            process for the threshold. ``n_passes_`` counts them all (about
            40 for the default estimator); the model equals the in-memory
            one. An array-API input (with ``array_api_dispatch``) is fitted on
            its device, the ``d x d`` factorisations on the host in float64.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights; integer weights give the detector of the
            rows repeated that many times (the estimator must accept
            ``sample_weight``).

        Returns
        -------
        self : object
            The fitted detector.
        """
        X, _, X_cal = self._hold_out_calibration(X, None, sample_weight)
        in_dtype = getattr(X, "dtype", None)
        X, w = _validated_rows(self, X, sample_weight)
        rows = RowAccess(X, w)
        d = X.shape[1]
        self.centre_, self.scale_ = (robust_standardisation(rows, X)
                                     if self.standardize
                                     else (np.zeros(d), np.ones(d)))
        Z = (X - rows.asarray(self.centre_, X)) / rows.asarray(self.scale_, X)
        self.estimator_ = self._fit_estimator(Z, w, rows)
        # the n fit distances (not the rows) come to the host: they place the
        # threshold and are PyOD's decision_scores_
        raw = self.estimator_.mahalanobis(Z)
        raw = np.asarray(raw.compute() if rows.dask else to_numpy(raw),
                         dtype=np.float64)
        self.n_passes_ = rows.passes + getattr(self.estimator_, "n_passes_", 0) + (
            1 if rows.dask else 0)
        w = None if w is None else np.asarray(to_numpy(w), dtype=np.float64)
        self._set_threshold(raw, w, d)
        self._set_whitener()
        if rows.array_api:  # fitted arrays in X's namespace, on its device
            for name in ("centre_", "scale_", "location_", "dist_", "outlier_mask_"):
                setattr(self, name, rows.asarray(getattr(self, name), in_dtype))
        if X_cal is not None:
            # 'auto' moves offset_ to the conformal one
            self._set_calibration_scores(to_numpy(self.score_samples(X_cal)))
        return self

    def _set_threshold(self, raw, w, d):
        """``correction_``, ``dist_``, ``offset_`` and the mask from fit distances."""
        self.correction_ = 1.0
        if self.consistency:
            median = float(weighted_median(raw[:, None], w)[0])
            if median > 0:
                self.correction_ = median / float(chi2.ppf(0.5, d))
        self.dist_ = raw / self.correction_
        if self.contamination == "chi2":
            df = d - (self.cutoff_df == "p-1")
            threshold = float(chi2.ppf(self.quantile, max(df, 1)))
        else:
            level = AUTO_ALPHA if self.contamination == "auto" else self.contamination
            threshold = weighted_percentile(self.dist_, 100 * (1 - level), w)
        self.offset_ = -threshold  # threshold_ (PyOD's name) is -offset_
        self.outlier_mask_ = self.dist_ > threshold
        # rows of weight 0 count as removed (their scores are not fit scores)
        self._record_fit_scores(-self.dist_ if w is None else -self.dist_[w > 0])

    def _fit_estimator(self, Z, w, rows):
        base = RobustShrinkageCovariance() if self.estimator is None else self.estimator
        estimator = clone(base)
        if (rows.dask or rows.array_api) and not isinstance(
                estimator, RobustShrinkageCovariance):
            raise ValueError(
                f"{type(estimator).__name__} needs NumPy rows; on a dask or "
                "array-API X use the default estimator (RobustShrinkageCovariance).")
        if "verbose" in estimator.get_params():
            estimator.set_params(verbose=self.verbose)
        if w is None:
            return estimator.fit(Z)
        if not has_fit_parameter(estimator, "sample_weight"):
            raise ValueError(
                f"sample_weight was passed but {type(estimator).__name__}.fit does "
                "not accept it; use the default estimator or repeat the rows."
            )
        return estimator.fit(Z, sample_weight=w)

    def _set_whitener(self):
        """``location_`` and ``whitener_`` in the units of X (host arrays)."""
        est = self.estimator_
        self.location_ = self.centre_ + self.scale_ * to_numpy(
            getattr(est, "location_", np.zeros_like(self.scale_)))
        whitener = getattr(est, "whitener_", None)
        if whitener is None and hasattr(est, "covariance_"):
            whitener = Whitener(method="eigh", singular="floor").fit(est.covariance_)
        if whitener is not None:
            whitener = copy.copy(whitener)
            whitener.W_ = whitener.W_ / (self.scale_[:, None]
                                         * np.sqrt(self.correction_))
        self.whitener_ = whitener

    def score_samples(self, X):
        """``-d^2``: higher is more normal.

        Parameters
        ----------
        X : array-like, array-API array or dask array of shape (n_samples, n_features)
            Rows to score (NaN and infinity are rejected); an array-API array
            (with ``array_api_dispatch``) is scored on its device, in its
            namespace and dtype; a dask array gives a lazy dask array of scores
            with X's row chunks.

        Returns
        -------
        scores : ndarray of shape (n_samples,)
            Minus the squared robust distance.
        """
        check_is_fitted(self)
        if is_dask_array(X):
            return dask_rows(X, None).map_blocks(self.score_samples, drop_axis=1,
                                                 dtype=np.float64)
        xp, array_api = get_namespace(X)
        if not array_api:
            X = validate_data(self, X, dtype=np.float64, reset=False)
            Z = (X - to_numpy(self.centre_)) / to_numpy(self.scale_)
            return -self.estimator_.mahalanobis(Z) / self.correction_
        X, _ = _validated_rows(self, X, None, reset=False)
        rows = RowAccess(X)
        Z = (X - rows.asarray(to_numpy(self.centre_), X)) / rows.asarray(
            to_numpy(self.scale_), X)
        return -self.estimator_.mahalanobis(Z) / self.correction_

    def predict(self, X, *, fdr=None, alpha=None):
        """+1 for inliers, -1 for outliers; with an error guarantee if asked.

        As :meth:`ConformalMixin.predict <sklearn_lowdim.ood.KNNOOD.predict>`;
        an array-API ``X`` without ``fdr``/``alpha`` is labelled on its device
        (int64 labels in its namespace), a dask ``X`` lazily.

        Parameters
        ----------
        X : array-like, array-API array or dask array of shape (n_samples, n_features)
            Rows to label.
        fdr : float in (0, 1), default=None
            Benjamini-Hochberg discoveries at this false-discovery rate among
            the conformal p-values of the batch (needs calibration).
        alpha : float in (0, 1), default=None
            Flag rows with conformal p-value at most ``alpha`` (needs
            calibration).

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            +1 for rows kept as in-distribution, -1 for flagged rows.
        """
        xp, array_api = get_namespace(X)
        if array_api and fdr is None and alpha is None:
            decision = self.decision_function(X)
            ones = xp.ones(decision.shape, dtype=xp.int64, device=device(decision))
            return xp.where(decision < 0, -ones, ones)
        return super().predict(X, fdr=fdr, alpha=alpha)
