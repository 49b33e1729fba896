"""PyOD's detector interface on the scikit-learn detectors of this package.

PyOD (Zhao, Nasrullah and Li, JMLR 2019; ``pyod/models/base.py``) orients
scores the other way round: higher is more abnormal. The PyOD-named members
below follow PyOD's orientation; ``score_samples``, ``decision_function``,
``predict`` and ``offset_`` keep scikit-learn's. The two views are tied by

* ``decision_scores_ = -score_samples(X_fit)`` (PyOD's training outlier scores),
* ``threshold_ = -offset_``,
* ``labels_ = (decision_scores_ > threshold_)`` as 0 (inlier) / 1 (outlier),
  equal to ``predict(X_fit) == -1``.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np
from scipy.special import erf
from scipy.stats import binom
from sklearn.utils.validation import check_is_fitted

from ..utils import device, get_namespace, is_dask_array, to_numpy
from ._conformal import check_fitted_namespace

__all__ = ["PyODMixin"]

# erf(6) = 1 - 2e-17: beyond it erf is 1 in float64
_ERF_CLIP = 6.0
# terms of the erf series: the 220th term at x = 6 is below 1e-17 of the sum
_ERF_TERMS = 220


def _erf_xp(x, xp):
    """``erf(x)`` in any namespace, to about 1e-15 relative (float64).

    The series ``erf(x) = 2/sqrt(pi) exp(-x^2) sum_n (2x^2)^n x / (2n+1)!!``
    has positive terms only (no cancellation) and converges for every ``x``;
    ``|x|`` is clipped at 6, where erf is 1 to float64's precision. Used on
    array-API devices, where SciPy's ``erf`` may need a host copy.
    """
    sign = xp.sign(x)
    a = xp.clip(xp.abs(x), max=_ERF_CLIP)
    a2 = 2.0 * a * a
    term = a
    total = a
    for n in range(1, _ERF_TERMS):
        term = term * a2 / (2.0 * n + 1.0)
        total = total + term
    return sign * (2.0 / math.sqrt(math.pi)) * xp.exp(-a * a) * total


def _float_of(scores, xp):
    """Scores in float64 where their device has it, else float32."""
    try:
        return xp.astype(scores, xp.float64)
    except (TypeError, ValueError, RuntimeError):
        return xp.astype(scores, xp.float32)


class PyODMixin:
    """``decision_scores_``, ``threshold_``, ``labels_``, ``predict_proba``,
    ``predict_confidence`` as PyOD defines them.

    The detector calls ``self._record_fit_scores(scores)`` with the
    ``score_samples`` of the fit rows that placed ``offset_`` (all fit rows up
    to 20,000; evenly spaced ones beyond, see the detector; after
    ``partial_fit``, the rows of the last batch).
    """

    def _record_fit_scores(self, scores):
        xp, is_array_api = get_namespace(scores)
        if is_array_api:  # per-row: kept on the device of the fit rows
            self.decision_scores_ = -_float_of(xp.reshape(scores, (-1,)), xp)
        else:
            self.decision_scores_ = -np.asarray(scores, dtype=np.float64).ravel()
        # every (partial) fit calls this: calibration scores of the previous
        # model would give invalid p-values, so they go
        self.__dict__.pop("calibration_scores_", None)

    @property
    def threshold_(self):
        """PyOD's threshold on outlier scores: ``-offset_``."""
        check_is_fitted(self, "offset_")
        return -float(self.offset_)

    @property
    def labels_(self):
        """PyOD's 0 (inlier) / 1 (outlier) labels of the fit rows."""
        check_is_fitted(self, "decision_scores_")
        xp, is_array_api = get_namespace(self.decision_scores_)
        if is_array_api:
            return xp.astype(self.decision_scores_ > self.threshold_, xp.int64)
        return (self.decision_scores_ > self.threshold_).astype(int)

    def _outlier_scores(self, X, method):
        """``(-score_samples(X), xp, is_array_api)`` in float64 where possible."""
        check_is_fitted(self, "decision_scores_")
        check_fitted_namespace(self, X, method)
        scores = self.score_samples(X)
        xp, is_array_api = get_namespace(scores)
        if is_array_api:
            return -_float_of(scores, xp), xp, True
        return -np.asarray(scores, dtype=np.float64), xp, False

    def predict_proba(self, X, method="linear"):
        """Probability of being an outlier, PyOD's two conversions.

        ``method="linear"`` min-max scales the outlier score by the range of
        ``decision_scores_`` and clips to [0, 1]; ``method="unify"`` is
        ``erf((s - mean) / (std sqrt(2)))`` over the same scores, clipped at 0
        (Kriegel, Kroger, Schubert and Zimek, SDM 2011).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to convert.
        method : {"linear", "unify"}, default="linear"
            The conversion: min-max scaling or Gaussian scaling (see above).

        Returns
        -------
        proba : ndarray of shape (n_samples, 2)
            Columns: probability of inlier, of outlier (PyOD's order).
        """
        if method not in ("linear", "unify"):
            raise ValueError(
                f"method must be 'linear' or 'unify', got {method!r}."
            )
        if is_dask_array(X):  # lazy, block by block, with X's row chunks
            return X.map_blocks(self.predict_proba, method=method, dtype=np.float64,
                                chunks=(X.chunks[0], (2,)))
        test, xp, is_array_api = self._outlier_scores(X, "predict_proba")
        # statistics of the n fit scores, wherever they live, on the host
        train = to_numpy(self.decision_scores_).astype(np.float64)
        if method == "linear":
            low, high = float(np.min(train)), float(np.max(train))
            span = high - low if high > low else 1.0
            outlier = xp.clip((test - low) / span, min=0.0, max=1.0)
        else:
            sigma = float(np.std(train))
            sigma = sigma if sigma > 0 else 1.0
            u = (test - float(np.mean(train))) / (sigma * math.sqrt(2.0))
            outlier = xp.clip(_erf_xp(u, xp) if is_array_api else erf(u),
                              min=0.0, max=1.0)
        return xp.stack([1.0 - outlier, outlier], axis=1)

    def predict_confidence(self, X):
        """Confidence that the label would stay under a resampled fit set.

        ExCeeD (Perini, Vercruyssen and Davis, ECML PKDD 2020), as PyOD computes
        it: with ``n`` fit scores and ``k`` of them ``<=`` the row's outlier
        score, ``p = (1 + k) / (2 + n)``; the confidence of an outlier label is
        ``1 - BinomCDF(n - floor(n c); n, p)`` and of an inlier label one minus
        that, where ``c`` is ``contamination`` (for ``"auto"``, the fraction of
        fit rows labelled outliers).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows whose ``predict`` label is assessed.

        Returns
        -------
        confidence : ndarray of shape (n_samples,)
            In [0, 1]: the confidence in the label the threshold ``offset_``
            gives each row (outlier where its outlier score exceeds
            ``threshold_``).
        """
        if is_dask_array(X):  # lazy, block by block, with X's row chunks
            return X.map_blocks(self.predict_confidence, drop_axis=1,
                                dtype=np.float64)
        test, xp, is_array_api = self._outlier_scores(X, "predict_confidence")
        train = np.sort(to_numpy(self.decision_scores_).astype(np.float64))
        n = train.shape[0]
        contamination = self.contamination
        if not isinstance(contamination, (int, float)):
            contamination = float(np.sum(train > float(self.threshold_))) / n
        if is_array_api:
            train = xp.asarray(train, dtype=test.dtype, device=device(test))
        counts = xp.searchsorted(train, test, side="right")
        # the confidence takes n + 1 values, one per count: a table on the
        # host, looked up on the rows' device
        posterior = (1.0 + np.arange(n + 1)) / (2.0 + n)
        table = 1.0 - binom.cdf(n - int(n * contamination), n, posterior)
        if is_array_api:
            table = xp.asarray(table, dtype=test.dtype, device=device(test))
        confidence = xp.take(table, counts)
        return xp.where(test <= self.threshold_, 1.0 - confidence, confidence)
