"""Gaussian discriminant analysis: one classifier for LDA, QDA, Gaussian NB and RDA."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import numbers
import warnings

import numpy as np
import scipy.sparse as sp
import sklearn
from scipy import linalg
from scipy.linalg import blas
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    clone,
)
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted, validate_data

from ..covariance import (
    GaussianStatistics,
    Whitener,
    _kernels,
    lda_shrunk_covariance,
)
from ..covariance._dask import is_dask_array, statistics_from_dask
from ..covariance._shrinkage import _resolve_shrinkage, shrink_covariance
from ..covariance._whitening import _small_lapack, warn_singular
from ..utils import (
    asarray_like,
    check_min_samples_per_class,
    check_n_classes,
    check_sample_weight_values,
    device,
    gen_row_chunks,
    get_namespace,
    to_numpy,
)
from ..utils._doc_link import DocLinkMixin
from ..utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _check_sample_weight,
    _fit_context,
)

__all__ = ["GaussianDiscriminantAnalysis"]

_TYPES = ("full", "tied", "diag", "spherical", "tied_diag", "tied_spherical")
_LINEAR = ("tied", "tied_diag", "tied_spherical")
_LOG2PI = math.log(2.0 * math.pi)


def _working_memory():
    # Scoring blocks are capped at 64 MiB: predict's peak memory stays small even
    # with scikit-learn's default budget of 1 GiB.
    return min(float(sklearn.get_config()["working_memory"]), 64.0)


def _host(X, y, sample_weight):
    """NumPy copies of array-API inputs (statistics are accumulated on the host)."""
    xp, is_array_api = get_namespace(X, y, sample_weight)
    if not is_array_api:
        return X, y, sample_weight
    return tuple(None if a is None else to_numpy(a) for a in (X, y, sample_weight))


def _spectrum_shrinkage(lam, d, n, shrinkage, fourth):
    """Shrinkage intensity from the eigenvalues of S (zero-padded to d)."""
    if shrinkage is None:
        return 0.0
    if isinstance(shrinkage, numbers.Real):
        return float(shrinkage)
    if d == 1:
        return 0.0
    trace, fro2 = float(lam.sum()), float(np.sum(lam * lam))
    mu = trace / d
    if shrinkage == "oas":
        alpha = fro2 / d**2
        den = (n + 1) * (alpha - mu * mu / d)
        return 1.0 if den == 0 else float(min((alpha + mu * mu) / den, 1.0))
    beta = (fourth / n - fro2) / (d * n)
    delta = (fro2 - 2.0 * mu * trace + d * mu * mu) / d
    beta = min(beta, delta)
    return 0.0 if beta == 0 else float(beta / delta)


class GaussianDiscriminantAnalysis(
    DocLinkMixin,
    ClassNamePrefixFeaturesOutMixin, TransformerMixin, ClassifierMixin, BaseEstimator
):
    """Gaussian discriminant analysis (tied, full, diagonal or spherical covariances).

    Each class is modelled as ``N(mu_k, Sigma_k)``; predictions are exact Bayes
    posteriors computed in log space. ``covariance_type`` follows
    :class:`sklearn.mixture.GaussianMixture`'s names: ``"tied"`` is linear
    discriminant analysis, ``"full"`` quadratic discriminant analysis, ``"diag"``
    Gaussian naive Bayes, ``"tied_diag"`` the naive Bayes linear probe of Zheng et
    al. (2023) and ``"tied_spherical"`` a nearest-centroid rule. Covariances are
    maximum-likelihood estimates (divided by each class's total weight, as
    scikit-learn's LDA and QDA do). Statistics are accumulated in float64 chunk by
    chunk and merged exactly (Chan et al.), so :meth:`partial_fit` over any
    chunking gives the model of :meth:`fit`.

    Parameters
    ----------
    covariance_type : {"tied", "full", "diag", "spherical", "tied_diag", \
            "tied_spherical"}, default="tied"
    shrinkage : None, float in [0, 1], "ledoit_wolf" or "oas", default=None
        Shrinkage of each covariance toward ``(tr S / d) I``. Ledoit-Wolf's and
        OAS's intensities are computed from the pooled class-centred residuals
        (tied) or per class (full). Not the default: Ledoit-Wolf minimises the
        Frobenius risk of ``Sigma``, not the classification error.
    shrinkage_scope : {"pooled", "per_class_standardized"}, default="pooled"
        ``"per_class_standardized"`` (tied only, with ``shrinkage`` in
        ``{"ledoit_wolf", float}``) reproduces scikit-learn's
        ``LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto")`` exactly:
        each class is standardised and shrunk, then the covariances are averaged
        with the priors. It needs the data, so :meth:`partial_fit` rejects it.
    alpha : float in [0, 1] or None, default=None
        Regularised discriminant analysis, ESL convention (full only):
        ``Sigma_k(alpha) = alpha Sigma_k + (1 - alpha) Sigma_pooled``; ``alpha=1``
        is QDA, ``alpha=0`` LDA. (Friedman's 1989 ``lambda`` runs the other way
        and mixes scatter matrices weighted by counts.)
    gamma : float in [0, 1] or None, default=None
        Then ``(1 - gamma) Sigma + gamma (tr Sigma / d) I``.
    covariance_estimator : estimator or None, default=None
        A scikit-learn style covariance estimator (``fit`` and ``covariance_``),
        fitted on the class-centred residuals (tied) or on each class (full).
        Excludes ``shrinkage``.
    priors : array-like of shape (n_classes,) or None, default=None
        Class priors; the (weighted) class frequencies by default.
    reg_covar : float >= 0, default=0.0
        Added to the diagonal of every covariance (GaussianMixture's ridge).
    eig_floor : float, default=1e-12
        Relative eigenvalue floor of the whitener.
    singular : {"floor", "pinv", "raise"}, default="floor"
        Treatment of a singular covariance (see
        :class:`~sklearn_lowdim.covariance.Whitener`); ``"floor"`` warns with
        ``SingularCovarianceWarning``.
    n_components : int or None, default=None
        Number of discriminant directions kept by :meth:`transform` (tied types),
        at most ``min(n_classes - 1, n_features)``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    class_count_ : ndarray of shape (n_classes,)
        Total sample weight per class.
    priors_ : ndarray of shape (n_classes,)
    means_ : ndarray of shape (n_classes, n_features)
    covariance_ : ndarray
        ``(d, d)`` tied, ``(C, d, d)`` full, ``(C, d)`` diag, ``(C,)`` spherical,
        ``(d,)`` tied_diag, scalar tied_spherical (GaussianMixture shapes). For
        ``"full"`` it is rebuilt from the stored factors on access.
    shrinkage_ : float or ndarray of shape (n_classes,)
    rank_ : int or ndarray of shape (n_classes,)
    coef_, intercept_ : ndarray
        Linear types: ``coef_[k] = Sigma^{-1} mu_k``,
        ``intercept_[k] = -mu_k^T Sigma^{-1} mu_k / 2 + log pi_k``; one row in the
        binary case, as scikit-learn's LDA.
    scalings_, xbar_, explained_variance_ratio_ : ndarray
        Discriminant directions (linear types). ``scalings_`` and
        ``explained_variance_ratio_`` come from an SVD of the whitened class
        means that is computed on first access (``transform`` or the
        attribute), not in ``fit``: it would cost a third of a large fit.
    n_samples_seen_ : float
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)

    Notes
    -----
    ``"full"`` with classes of ``n_k <= d`` rows stores each covariance as a rank
    ``n_k - 1`` factor plus an isotropic remainder ``sigma_k^2 I`` (from shrinkage,
    ``gamma`` or ``reg_covar``), so memory is ``O(d sum_k n_k)``, not ``C d^2``.
    ``alpha < 1`` mixes in the dense pooled covariance and stores ``C d^2``.
    :meth:`partial_fit` with ``"full"`` keeps per-class scatter matrices.

    :meth:`partial_fit` with ``shrinkage="ledoit_wolf"`` is exact (equal to
    :meth:`fit`) when ``C d^2 <= 2**24``, where it keeps per-class scatter
    matrices to merge the fourth moments; above that the merge uses their
    diagonals and Ledoit-Wolf's intensity is approximate.

    References
    ----------
    Friedman, "Regularized Discriminant Analysis", JASA 84, 1989.
    Hastie, Tibshirani, Friedman, *The Elements of Statistical Learning*, 4.3.1.
    Ledoit, Wolf, "A well-conditioned estimator for large-dimensional covariance
    matrices", J. Multivariate Analysis 88, 2004.
    Chen, Wiesel, Eldar, Hero, "Shrinkage algorithms for MMSE covariance
    estimation", IEEE TSP 58, 2010.
    Zheng et al., "Revisiting discriminative vs. generative classifiers: theory
    and implications", ICML 2023.

    Examples
    --------
    >>> from sklearn.datasets import load_wine
    >>> from sklearn_lowdim.discriminant_analysis import GaussianDiscriminantAnalysis
    >>> X, y = load_wine(return_X_y=True)
    >>> gda = GaussianDiscriminantAnalysis().fit(X, y)
    >>> round(gda.score(X, y), 2)
    1.0
    >>> gda.predict_proba(X[:1]).round(3)
    array([[1., 0., 0.]])
    """

    _parameter_constraints: dict = {
        "covariance_type": [StrOptions(set(_TYPES))],
        "shrinkage": [
            None,
            Interval(numbers.Real, 0, 1, closed="both"),
            StrOptions({"ledoit_wolf", "oas"}),
        ],
        "shrinkage_scope": [StrOptions({"pooled", "per_class_standardized"})],
        "alpha": [None, Interval(numbers.Real, 0, 1, closed="both")],
        "gamma": [None, Interval(numbers.Real, 0, 1, closed="both")],
        "covariance_estimator": [None, HasMethods(["fit"])],
        "priors": ["array-like", None],
        "reg_covar": [Interval(numbers.Real, 0, None, closed="left")],
        "eig_floor": [Interval(numbers.Real, 0, 1, closed="left")],
        "singular": [StrOptions({"floor", "pinv", "raise"})],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        *,
        covariance_type="tied",
        shrinkage=None,
        shrinkage_scope="pooled",
        alpha=None,
        gamma=None,
        covariance_estimator=None,
        priors=None,
        reg_covar=0.0,
        eig_floor=1e-12,
        singular="floor",
        n_components=None,
    ):
        self.covariance_type = covariance_type
        self.shrinkage = shrinkage
        self.shrinkage_scope = shrinkage_scope
        self.alpha = alpha
        self.gamma = gamma
        self.covariance_estimator = covariance_estimator
        self.priors = priors
        self.reg_covar = reg_covar
        self.eig_floor = eig_floor
        self.singular = singular
        self.n_components = n_components

    # ------------------------------------------------------------------ fitting
    def _check_options(self, partial):
        ct = self.covariance_type
        if self.covariance_estimator is not None:
            if self.shrinkage is not None:
                raise ValueError(
                    "covariance_estimator and shrinkage cannot both be set; shrink "
                    "inside the estimator (e.g. sklearn.covariance.LedoitWolf) or "
                    "drop covariance_estimator."
                )
            if ct not in ("tied", "full"):
                raise ValueError(
                    "covariance_estimator needs covariance_type='tied' or 'full', "
                    f"got {ct!r}."
                )
            if partial:
                raise ValueError(
                    "partial_fit cannot use covariance_estimator (it needs all the "
                    "data); use fit, or shrinkage=... instead."
                )
        if self.shrinkage_scope == "per_class_standardized":
            if ct != "tied" or self.shrinkage is None or self.shrinkage == "oas":
                raise ValueError(
                    "shrinkage_scope='per_class_standardized' needs "
                    "covariance_type='tied' and shrinkage='ledoit_wolf' or a float."
                )
            if partial:
                raise ValueError(
                    "partial_fit cannot use shrinkage_scope='per_class_standardized' "
                    "(it needs all the data); use shrinkage_scope='pooled'."
                )
        if (self.alpha is not None) and ct != "full":
            raise ValueError(
                "alpha (RDA) mixes per-class and pooled covariances; it needs "
                f"covariance_type='full', got {ct!r}."
            )
        if self.shrinkage in ("ledoit_wolf", "oas") and ct not in ("tied", "full"):
            raise ValueError(
                f"shrinkage={self.shrinkage!r} is defined for covariance_type 'tied' "
                "or 'full'; use a float shrinkage or reg_covar for diagonal types."
            )

    def _validate_xy(self, X, y, sample_weight, reset, check_finite=True):
        # fit passes check_finite=False: GaussianStatistics.from_data raises
        # scikit-learn's NaN/inf error from its class sums before anything is
        # stored, which saves a pass over X
        X, y = validate_data(
            self, X, y, dtype=[np.float64, np.float32], reset=reset,
            ensure_min_samples=1, ensure_all_finite=check_finite,
        )
        check_classification_targets(y)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64)
            check_sample_weight_values(sample_weight)
        return X, y, sample_weight

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the Gaussian class-conditional model.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; integer weights equal repeated rows.

        Returns
        -------
        self : object
        """
        self._check_options(partial=False)
        if is_dask_array(X):
            return self._fit_dask(X, y, sample_weight)
        X, y, sample_weight = self._validate_xy(
            *_host(X, y, sample_weight), reset=True, check_finite=False
        )
        classes, y_idx = np.unique(y, return_inverse=True)
        if sample_weight is not None:
            present = np.unique(y_idx[sample_weight > 0])
            check_n_classes(classes[present])
        check_n_classes(classes)
        self.classes_ = classes
        self._stats = self._new_stats(X, y_idx, sample_weight)
        self._finalize(X, y_idx, sample_weight)
        return self

    def _fit_dask(self, X, y, sample_weight):
        """Fit on a row-chunked dask array: per-block statistics, merged."""
        if self.covariance_estimator is not None or (
            self.shrinkage_scope == "per_class_standardized"
        ):
            raise ValueError(
                "covariance_estimator and shrinkage_scope='per_class_standardized' "
                "need all the rows in memory; they are not supported on dask arrays."
            )
        y = np.asarray(y.compute() if hasattr(y, "compute") else y)
        check_classification_targets(y)
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X has {X.shape[0]} rows but y has {y.shape[0]}; pass one label "
                "per row."
            )
        if sample_weight is not None:
            sample_weight = np.asarray(
                sample_weight.compute() if hasattr(sample_weight, "compute")
                else sample_weight, dtype=np.float64)
            check_sample_weight_values(sample_weight)
        classes, y_idx = np.unique(y, return_inverse=True)
        self.classes_ = check_n_classes(classes)
        self.n_features_in_ = X.shape[1]
        self.__dict__.pop("feature_names_in_", None)
        ct = self.covariance_type
        self._stats = statistics_from_dask(
            X, y_idx, len(classes), sample_weight,
            pooled_scatter=ct in ("tied", "full"),
            class_scatter=ct == "full" or (
                self.shrinkage == "ledoit_wolf"
                and len(classes) * X.shape[1] ** 2 <= 2**24
            ),
            moments=self.shrinkage == "ledoit_wolf",
        )
        self._finalize(None, None, None)
        return self

    def _new_stats(self, X, y_idx, sample_weight):
        ct = self.covariance_type
        moments = self.shrinkage == "ledoit_wolf" and self.shrinkage_scope == "pooled"
        return GaussianStatistics.from_data(
            X,
            y_idx,
            n_classes=len(self.classes_),
            sample_weight=sample_weight,
            pooled_scatter=ct in ("tied", "full"),
            class_scatter=False,
            moments=moments,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the model with one batch (exact Chan merge of the statistics).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        classes : array-like of shape (n_classes,), default=None
            All the labels, required at the first call unless every class is in
            the first batch; later batches may not introduce new labels.
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        self : object
        """
        self._check_options(partial=True)
        first = not hasattr(self, "classes_")
        X, y, sample_weight = self._validate_xy(
            *_host(X, y, sample_weight), reset=first
        )
        if first:
            self.classes_ = check_n_classes(
                np.unique(y) if classes is None else np.unique(np.asarray(classes))
            )
        elif classes is not None and not np.array_equal(
            np.unique(np.asarray(classes)), self.classes_
        ):
            raise ValueError(
                f"classes={classes!r} differs from the classes of the first "
                f"partial_fit call {self.classes_!r}; pass the same classes or "
                "refit from scratch with fit."
            )
        unseen = np.setdiff1d(np.unique(y), self.classes_)
        if unseen.size:
            raise ValueError(
                f"y contains labels {unseen!r} not in classes_ {self.classes_!r}; "
                "pass every label in classes= at the first partial_fit call."
            )
        y_idx = np.searchsorted(self.classes_, y)
        ct = self.covariance_type
        moments = self.shrinkage == "ledoit_wolf"
        C, d = len(self.classes_), X.shape[1]
        # Exact streaming Ledoit-Wolf needs per-class scatter (C d^2 floats); above
        # 2**24 floats the merge of the fourth moments uses their diagonal instead.
        batch = GaussianStatistics.from_data(
            X,
            y_idx,
            n_classes=C,
            sample_weight=sample_weight,
            pooled_scatter=ct in ("tied", "full"),
            class_scatter=ct == "full" or (moments and C * d * d <= 2**24),
            moments=moments,
        )
        self._stats = batch if first else self._stats.merge(batch)
        self._finalize(None, None, None)
        return self

    def _priors(self, counts):
        if self.priors is None:
            return counts / counts.sum()
        priors = np.asarray(self.priors, dtype=np.float64).ravel()
        if priors.shape[0] != counts.shape[0]:
            raise ValueError(
                f"priors has {priors.shape[0]} entries but there are "
                f"{counts.shape[0]} classes; pass one prior per class."
            )
        if np.any(priors < 0):
            raise ValueError("priors must be non-negative.")
        if not np.isclose(priors.sum(), 1.0):
            warnings.warn("The priors do not sum to 1. Renormalizing", UserWarning)
            priors = priors / priors.sum()
        return priors

    def _finalize(self, X, y_idx, sample_weight):
        st = self._stats
        ct = self.covariance_type
        d = st.n_features
        self.class_count_ = st.counts.copy()
        self.n_samples_seen_ = st.n_samples
        self.priors_ = self._priors(st.counts)
        self.means_ = st.means.copy()
        with np.errstate(divide="ignore"):
            self._log_priors = np.log(self.priors_)
        self._location = st.total_mean()
        for name in ("covariance_", "_full_V", "coef_", "intercept_", "scalings_",
                     "_scalings_cache"):
            self.__dict__.pop(name, None)
        with _small_lapack(d):
            if ct == "full":
                self._fit_full(X, y_idx, sample_weight)
            elif ct in _LINEAR:
                self._fit_linear(X, y_idx, sample_weight)
            else:
                self._fit_diag()
        self._d = d

    # -- linear (tied) types
    def _pooled_cov(self, X, y_idx, sample_weight):
        """Pooled within-class covariance and its shrinkage."""
        st = self._stats
        if self.covariance_estimator is not None:
            R = X - st.means[y_idx]
            est = clone(self.covariance_estimator).fit(R)
            return np.asarray(est.covariance_, dtype=np.float64), 0.0
        if self.shrinkage_scope == "per_class_standardized":
            shr = "auto" if self.shrinkage == "ledoit_wolf" else self.shrinkage
            cov = lda_shrunk_covariance(X, y_idx, self.priors_, shr)
            return cov, np.nan
        cov = st.covariance()
        fourth = None if st.fourth is None else float(st.fourth.sum())
        s = _resolve_shrinkage(cov, st.n_samples, self.shrinkage, fourth)
        return (shrink_covariance(cov, s) if s else cov), s

    def _fit_linear(self, X, y_idx, sample_weight):
        st = self._stats
        ct = self.covariance_type
        d = st.n_features
        if ct == "tied":
            cov, self.shrinkage_ = self._pooled_cov(X, y_idx, sample_weight)
        else:
            var = st.sq_dev.sum(axis=0) / st.n_samples
            self.shrinkage_ = float(self.shrinkage or 0.0)
            if self.shrinkage_:
                var = (1 - self.shrinkage_) * var + self.shrinkage_ * var.mean()
            if ct == "tied_spherical":
                var = np.full(d, var.mean())
            cov = np.diag(var)
        if self.gamma is not None:
            cov = shrink_covariance(cov, self.gamma)
        if self.reg_covar:
            cov = cov + self.reg_covar * np.eye(d)
        if ct == "tied":
            self.covariance_ = cov
        elif ct == "tied_diag":
            self.covariance_ = np.diag(cov).copy()
        else:
            self.covariance_ = float(cov[0, 0])
        wh = Whitener(
            method="cholesky", singular=self.singular, eig_floor=self.eig_floor
        ).fit(cov)
        self._whitener = wh
        self.rank_ = wh.rank_
        W = wh.W_
        c = self._location
        cw = c @ W
        Mc, self._lin_coef = _whiten_and_precision(self.means_ - c, W, wh.method_)
        Mw = Mc + cw
        # scoring uses the centred form (accurate in float32); coef_ adds the
        # centre back instead of paying another C x d x d product
        coef = self._lin_coef + cw @ W.T  # Sigma^{-1} mu_k
        self._lin_bias = -0.5 * np.einsum("ij,ij->i", Mc, Mc) + self._log_priors
        self._logdet = wh.logdet_
        intercept = -0.5 * np.einsum("ij,ij->i", Mw, Mw) + self._log_priors
        self._coef_full, self._intercept_full = coef, intercept
        if len(self.classes_) == 2:
            self.coef_ = (coef[1] - coef[0])[None, :]
            self.intercept_ = np.array([intercept[1] - intercept[0]])
        else:
            self.coef_, self.intercept_ = coef, intercept
        self._fit_scalings(Mw, W)

    def _fit_scalings(self, Mw, W):
        C = len(self.classes_)
        self.xbar_ = self.priors_ @ self.means_
        max_comp = min(C - 1, self.n_features_in_)
        if self.n_components is not None and self.n_components > max_comp:
            raise ValueError(
                f"n_components={self.n_components} cannot be larger than "
                f"min(n_features, n_classes - 1) = {max_comp}."
            )
        self._max_components = max_comp if self.n_components is None \
            else self.n_components
        # The SVD behind scalings_ costs as much as the rest of a large fit
        # (1000 x 768: 0.24 s of 0.74 s), and only transform needs it: it runs
        # on first access (see __getattr__), into a cache made here so that
        # transform leaves the estimator's __dict__ as it was.
        self._scalings_cache = {"inputs": (Mw, W)}

    def _compute_scalings(self):
        cache = self._scalings_cache
        Mw, W = cache["inputs"]
        C = len(self.classes_)
        xbar_w = self.priors_ @ Mw
        fac = 1.0 / max(C - 1, 1)
        B = np.sqrt(self.n_samples_seen_ * self.priors_ * fac)[:, None] * (Mw - xbar_w)
        _, S, Vt = linalg.svd(B, full_matrices=False)
        tol = 1e-4
        rank = int(np.sum(S > tol * S[0])) if S.size and S[0] > 0 else 0
        rank = max(rank, 1)
        cache["scalings_"] = W @ Vt[:rank].T
        ratio = S**2 / np.sum(S**2) if np.sum(S**2) > 0 else np.zeros_like(S)
        cache["explained_variance_ratio_"] = ratio[:self._max_components]

    # -- diagonal types
    def _fit_diag(self):
        st = self._stats
        d = st.n_features
        var = st.class_variances()
        s = float(self.shrinkage or 0.0)
        if s:
            var = (1 - s) * var + s * var.mean(axis=1, keepdims=True)
        if self.gamma is not None:
            var = (1 - self.gamma) * var + self.gamma * var.mean(axis=1, keepdims=True)
        if self.covariance_type == "spherical":
            var = np.repeat(var.mean(axis=1, keepdims=True), d, axis=1)
        var = var + self.reg_covar
        vmax = var.max(axis=1, keepdims=True)
        floor = np.where(vmax > 0, self.eig_floor * vmax, 1.0)
        small = var <= floor
        self.rank_ = d - small.sum(axis=1)
        if small.any():
            if self.singular == "raise":
                raise ValueError(
                    "a class has (numerically) zero variance in some feature; add "
                    "reg_covar or shrinkage, or choose singular='floor'."
                )
            warn_singular(
                "zero or tiny per-class variances were floored at eig_floor times "
                "the largest; consider reg_covar."
            )
            var = np.maximum(var, floor)
        self.shrinkage_ = s
        self._var = var
        self.covariance_ = var[:, 0].copy() if self.covariance_type == "spherical" \
            else var.copy()
        Mc = self.means_ - self._location
        inv = 1.0 / var
        self._diag_inv = inv
        self._diag_lin = Mc * inv
        self._diag_const = (
            -0.5 * np.einsum("ij,ij->i", Mc * Mc, inv)
            - 0.5 * np.sum(np.log(var), axis=1)
            + self._log_priors
        )

    # -- full type
    def _class_spectra(self, X, y_idx, sample_weight):
        """Per-class (eigenvalues, eigenvectors) of the biased class covariances."""
        st = self._stats
        d = st.n_features
        out = []
        if st.class_scatter_ is not None:
            covs = st.class_covariances()
            for k in range(st.n_classes):
                lam, V = linalg.eigh(covs[k])
                out.append((np.maximum(lam, 0.0), V))
            return out
        order = np.argsort(y_idx, kind="stable")
        bounds = np.searchsorted(y_idx[order], np.arange(st.n_classes + 1))
        for k in range(st.n_classes):
            rows = order[bounds[k]: bounds[k + 1]]
            R = X[rows].astype(np.float64) - st.means[k]
            if sample_weight is not None:
                R *= np.sqrt(sample_weight[rows])[:, None]
            nk = max(st.counts[k], 1e-300)
            if R.shape[0] < d:
                if R.shape[0] == 0:
                    out.append((np.zeros(0), np.zeros((d, 0))))
                    continue
                _, s, Vt = linalg.svd(R, full_matrices=False)
                out.append((s**2 / nk, Vt.T))
            else:
                lam, V = linalg.eigh(R.T @ R / nk)
                out.append((np.maximum(lam, 0.0), V))
        return out

    def _fit_full(self, X, y_idx, sample_weight):
        st = self._stats
        d, C = st.n_features, st.n_classes
        regularised = (
            (self.shrinkage not in (None, 0, 0.0))
            or (self.alpha is not None and self.alpha < 1)
            or (self.gamma not in (None, 0, 0.0))
            or self.reg_covar > 0
        )
        if not regularised and self.covariance_estimator is None:
            seen = st.n_obs > 0
            check_min_samples_per_class(
                st.n_obs[seen], self.classes_[seen], 2,
                " for covariance_type='full' without regularisation",
            )
        pooled = None
        if self.alpha is not None and self.alpha < 1:
            pooled, _ = self._pooled_cov(X, y_idx, sample_weight)
        if self.covariance_estimator is not None:
            spectra = []
            for k in range(C):
                est = clone(self.covariance_estimator).fit(X[y_idx == k])
                lam, V = linalg.eigh(np.asarray(est.covariance_, dtype=np.float64))
                spectra.append((np.maximum(lam, 0.0), V))
        else:
            spectra = self._class_spectra(X, y_idx, sample_weight)
        Vs, ells, sig2, logdet, ranks, shr = [], [], np.zeros(C), np.zeros(C), \
            np.zeros(C, dtype=np.int64), np.zeros(C)
        warn = False
        for k, (lam, V) in enumerate(spectra):
            fourth = None if st.fourth is None else float(st.fourth[k])
            s = 0.0
            if self.covariance_estimator is None:
                s = _spectrum_shrinkage(lam, d, max(st.counts[k], 1e-300),
                                        self.shrinkage, fourth)
            m = lam.sum() / d
            ell = (1 - s) * lam + s * m
            rem = s * m  # eigenvalue on the complement of span(V)
            if pooled is not None:
                dense = (V * ell) @ V.T
                if V.shape[1] < d:
                    dense += rem * (np.eye(d) - V @ V.T)
                dense = self.alpha * dense + (1 - self.alpha) * pooled
                ell, V = linalg.eigh(dense)
                rem = 0.0
            r = V.shape[1]
            if self.gamma is not None:
                t = (ell.sum() + (d - r) * rem) / d
                ell = (1 - self.gamma) * ell + self.gamma * t
                rem = (1 - self.gamma) * rem + self.gamma * t
            ell = ell + self.reg_covar
            rem = rem + self.reg_covar
            top = max(ell.max() if r else 0.0, rem if r < d else 0.0)
            floor = self.eig_floor * top if top > 0 else 1.0
            small = ell <= floor
            rem_small = r < d and rem <= floor
            ranks[k] = r - small.sum() + (0 if rem_small or r == d else d - r)
            if small.any() or rem_small:
                if self.singular == "raise":
                    raise ValueError(
                        f"the covariance of class {self.classes_[k]!r} is singular; "
                        "add shrinkage, gamma or reg_covar, or choose "
                        "singular='floor' or 'pinv'."
                    )
                if self.singular == "pinv":
                    V, ell = V[:, ~small], ell[~small]
                    rem = np.inf if rem_small else rem
                else:
                    warn = True
                    ell = np.maximum(ell, floor)
                    rem = max(rem, floor) if r < d else rem
            if V.shape[1] == d:
                rem = 0.0
            Vs.append(V)
            ells.append(ell)
            sig2[k] = rem
            shr[k] = s
            logdet[k] = np.sum(np.log(ell)) + (
                (d - V.shape[1]) * np.log(rem) if 0 < rem < np.inf else 0.0
            )
        if warn:
            warn_singular(
                "some class covariances are singular; their eigenvalues were floored "
                "at eig_floor times the largest. Add shrinkage, gamma or reg_covar."
            )
        self.shrinkage_ = shr
        self.rank_ = ranks
        sizes = np.array([V.shape[1] for V in Vs])
        self._full_V = np.concatenate(Vs, axis=1) if sizes.sum() else np.zeros((d, 0))
        self._full_ell = np.concatenate(ells) if sizes.sum() else np.zeros(0)
        self._full_sizes = sizes
        self._full_sig2 = sig2
        Mc = self.means_ - self._location
        seg = np.repeat(np.arange(C), sizes)
        self._full_MV = (
            np.einsum("dj,jd->j", self._full_V, Mc[seg]) if seg.size else np.zeros(0)
        )
        R = sizes.sum()
        inv_rem = np.where((sig2 > 0) & np.isfinite(sig2), 1.0 / np.where(
            sig2 > 0, sig2, 1.0), 0.0)
        # Q^2 @ B gives sum_j Q_j^2 (1/ell_j - 1/sigma_k^2) per class
        self._full_B = sp.csr_matrix(
            (1.0 / self._full_ell - inv_rem[seg], (np.arange(R), seg)), shape=(R, C)
        )
        self._full_inv_rem = inv_rem
        self._full_const = -0.5 * logdet + self._log_priors
        self._logdet_full = logdet

    # ------------------------------------------------------------------ scoring
    def _check_X(self, X):
        check_is_fitted(self)
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=False)

    def _xp_scores(self, X, method):
        """Array-API path (tied and diagonal types): scores in ``X``'s namespace.

        Returns ``None`` when ``X`` is a NumPy array or dispatch is off.
        """
        xp, is_array_api = get_namespace(X)
        if not is_array_api:
            return None
        check_is_fitted(self)
        ct = self.covariance_type
        if ct == "full":
            raise ValueError(
                "covariance_type='full' runs on NumPy inputs only; convert X with "
                "numpy.asarray, or use a tied or diagonal covariance_type."
            )
        validate_data(self, to_numpy(X), dtype=[np.float64, np.float32],
                      reset=False)
        dtype = X.dtype if X.dtype == xp.float32 else xp.float64
        X = xp.astype(X, dtype)
        dev = device(X)

        def put(a):
            return xp.asarray(np.asarray(a, dtype=np.float64), dtype=dtype,
                              device=dev)

        loc = put(self._location)
        d = X.shape[1]
        if ct in _LINEAR:
            A, b = put(self._lin_coef.T), put(self._lin_bias)
            W = put(self._whitener.W_)
            row_const = -0.5 * self._logdet - 0.5 * d * _LOG2PI
        else:
            Q, L = put(-0.5 * self._diag_inv.T), put(self._diag_lin.T)
            c = put(self._diag_const - 0.5 * d * _LOG2PI)
        outs = []
        per_row = 8 * (3 * len(self.classes_) + 2 * d)
        for sl in gen_row_chunks(X.shape[0], per_row,
                                 working_memory=_working_memory()):
            Xc = X[sl.start:sl.stop, ...] - loc
            if ct in _LINEAR:
                S = Xc @ A + b
                if method in ("joint", "score_samples"):
                    Z = Xc @ W
                    S = S + (-0.5 * xp.sum(Z * Z, axis=1) + row_const)[:, None]
            else:
                S = (Xc * Xc) @ Q + Xc @ L + c
            if method == "predict":
                outs.append(xp.argmax(S, axis=1))
                continue
            if method in ("log_proba", "proba", "score_samples"):
                m = xp.max(S, axis=1, keepdims=True)
                lse = m + xp.log(xp.sum(xp.exp(S - m), axis=1, keepdims=True))
                if method == "score_samples":
                    outs.append(lse[:, 0])
                    continue
                S = S - lse
                if method == "proba":
                    S = xp.exp(S)
            outs.append(S)
        return xp.concat(outs, axis=0)

    def _chunks(self, X):
        C = len(self.classes_)
        extra = self._full_V.shape[1] if self.covariance_type == "full" else 0
        per_row = 8 * (3 * C + 2 * X.shape[1] + extra)
        return gen_row_chunks(X.shape[0], per_row, working_memory=_working_memory())

    def _block(self, X, exact=True):
        """Class scores of a row block: joint log-likelihood (up to a row constant
        when ``exact=False``), as float64 ``(rows, C)``."""
        ct = self.covariance_type
        dtype = X.dtype
        if ct in _LINEAR and not exact and dtype == np.float64:
            # float64: the uncentred linear scores (one GEMM, as scikit-learn's
            # LDA); they differ from the centred ones by a row constant only
            S = X @ self._coef_full.T
            S += self._intercept_full
            return S
        Xc = X - self._location.astype(dtype)
        d = X.shape[1]
        if ct in _LINEAR:
            S = (Xc @ self._lin_coef.T.astype(dtype)).astype(np.float64, copy=False)
            S += self._lin_bias
            if exact:
                Z = Xc @ self._whitener.W_.astype(dtype)
                z2 = np.einsum("ij,ij->i", Z, Z, dtype=np.float64)
                S += (-0.5 * z2 - 0.5 * self._logdet - 0.5 * d * _LOG2PI)[:, None]
            return S
        if ct in ("diag", "spherical"):
            S = (Xc * Xc) @ (-0.5 * self._diag_inv.T).astype(dtype)
            S = S.astype(np.float64)
            S += Xc @ self._diag_lin.T.astype(dtype)
            S += self._diag_const - 0.5 * d * _LOG2PI
            return S
        # full: one GEMM against the stacked per-class factors
        x2 = np.einsum("ij,ij->i", Xc, Xc, dtype=np.float64)
        Mc = self.means_ - self._location
        D2 = x2[:, None] - 2.0 * (Xc @ Mc.T.astype(dtype)) + np.einsum(
            "ij,ij->i", Mc, Mc)
        Q = (Xc @ self._full_V.astype(dtype)).astype(np.float64) - self._full_MV
        Q *= Q
        maha = np.asarray(self._full_B.T @ Q.T).T + D2 * self._full_inv_rem
        return -0.5 * maha + self._full_const - 0.5 * d * _LOG2PI

    def predict_joint_log_proba(self, X):
        """Log joint likelihoods ``log p(x, y=k)``, exact, of shape (n, C)."""
        out = self._xp_scores(X, "joint")
        if out is not None:
            return out
        X = self._check_X(X)
        out = np.empty((X.shape[0], len(self.classes_)))
        for sl in self._chunks(X):
            out[sl] = self._block(X[sl], exact=True)
        return out

    def predict_log_proba(self, X):
        """Exact log posteriors ``s - logsumexp(s)`` (no floor at -708).

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        out = self._xp_scores(X, "log_proba")
        if out is not None:
            return out
        return self._log_proba(self._check_X(X), exp=False)

    def _log_proba(self, X, exp):
        # NumPy's vectorised exp beats a scalar Numba loop here (as the spec
        # measured for the softmax); the blocks bound the temporaries.
        out = np.empty((X.shape[0], len(self.classes_)))
        for sl in self._chunks(X):
            S = self._block(X[sl], exact=False)
            S -= S.max(axis=1, keepdims=True)
            if exp:
                np.exp(S, out=S)
                S /= S.sum(axis=1, keepdims=True)
                out[sl] = S
            else:
                E = np.exp(S)
                np.subtract(S, np.log(E.sum(axis=1, keepdims=True)), out=out[sl])
        return out

    def predict_proba(self, X):
        """Posterior class probabilities, ``exp(predict_log_proba(X))``."""
        out = self._xp_scores(X, "proba")
        if out is not None:
            return out
        return self._log_proba(self._check_X(X), exp=True)

    def predict(self, X):
        """Most probable class of each row (argmax of the joint log-likelihood)."""
        idx = self._xp_scores(X, "predict")
        if idx is not None:
            labels = self.classes_[to_numpy(idx)]
            if labels.dtype.kind in "biuf":
                return asarray_like(labels, X)
            return labels
        X = self._check_X(X)
        arg = np.empty(X.shape[0], dtype=np.intp)
        for sl in self._chunks(X):
            arg[sl] = np.argmax(self._block(X[sl], exact=False), axis=1)
        return self.classes_[arg]

    def decision_function(self, X):
        """``X coef_^T + intercept_`` (linear types) or joint log-likelihoods.

        Binary problems return the log-odds of the second class, shape (n,).
        """
        X = self._check_X(X)
        if self.covariance_type in _LINEAR:
            scores = X @ self.coef_.T.astype(X.dtype) + self.intercept_
            return scores.ravel() if len(self.classes_) == 2 else scores
        S = np.empty((X.shape[0], len(self.classes_)))
        for sl in self._chunks(X):
            S[sl] = self._block(X[sl], exact=False)
        return S[:, 1] - S[:, 0] if len(self.classes_) == 2 else S

    def score_samples(self, X):
        """Log marginal density ``log p(x) = logsumexp_k log p(x, y=k)``.

        Usable as an out-of-distribution score (higher is more normal).
        """
        out = self._xp_scores(X, "score_samples")
        if out is not None:
            return out
        X = self._check_X(X)
        lse = np.empty(X.shape[0])
        arg = np.empty(X.shape[0], dtype=np.intp)
        for sl in self._chunks(X):
            _kernels.lse_argmax_rows(self._block(X[sl], exact=True), lse[sl], arg[sl])
        return lse

    def mahalanobis(self, X):
        """Squared Mahalanobis distances to every class mean, shape (n, C)."""
        X = self._check_X(X)
        out = np.empty((X.shape[0], len(self.classes_)))
        d = X.shape[1]
        if self.covariance_type in _LINEAR:
            const = -0.5 * self._logdet - 0.5 * d * _LOG2PI + self._log_priors
        elif self.covariance_type == "full":
            const = self._full_const - 0.5 * d * _LOG2PI
        else:
            const = self._diag_const - 0.5 * d * _LOG2PI
        with np.errstate(invalid="ignore"):
            for sl in self._chunks(X):
                D = -2.0 * (self._block(X[sl], exact=True) - const)
                out[sl] = np.maximum(D, 0.0)
        return out

    def transform(self, X):
        """Project onto the discriminant directions (linear types only).

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
        """
        check_is_fitted(self)
        if self.covariance_type not in _LINEAR:
            raise ValueError(
                "transform needs a linear model (covariance_type 'tied', "
                f"'tied_diag' or 'tied_spherical'), got {self.covariance_type!r}."
            )
        X = self._check_X(X)
        k = min(self._max_components, self.scalings_.shape[1])
        proj = self.scalings_[:, :k].astype(X.dtype)
        return (X - self.xbar_.astype(X.dtype)) @ proj

    @property
    def _n_features_out(self):
        return min(self._max_components, self.scalings_.shape[1])

    def __getattr__(self, name):
        if name == "covariance_" and "_full_V" in self.__dict__:
            return self._full_covariance()
        cache = self.__dict__.get("_scalings_cache")
        if name in ("scalings_", "explained_variance_ratio_") and cache is not None:
            if name not in cache:
                self._compute_scalings()
            return cache[name]
        raise AttributeError(
            f"{type(self).__name__!r} object has no attribute {name!r}"
        )

    def _full_covariance(self):
        d, C = self._d, len(self.classes_)
        out = np.empty((C, d, d))
        start = 0
        for k, r in enumerate(self._full_sizes):
            V = self._full_V[:, start: start + r]
            ell = self._full_ell[start: start + r]
            start += r
            out[k] = (V * ell) @ V.T
            rem = self._full_sig2[k]
            if r < d and 0 < rem < np.inf:
                out[k] += rem * (np.eye(d) - V @ V.T)
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def _whiten_and_precision(M, W, method):
    """``M W`` and ``M W W^T`` (whitened rows and ``Sigma^{-1}`` applied).

    A Cholesky whitener is upper triangular, so two BLAS ``trmm`` do it with
    half the flops of two GEMMs (C=1000, d=768: 0.033 s against 0.05 s).
    """
    if method != "cholesky":
        Mw = M @ W
        return Mw, Mw @ W.T
    # work on transposes: W.T (lower triangular) and M.T are already
    # Fortran-ordered, so BLAS gets its operands without copies, and the
    # results' transposes are C-contiguous
    L = np.ascontiguousarray(W).T
    Mw_t = blas.dtrmm(1.0, L, np.ascontiguousarray(M).T, side=0, lower=1)
    precision_applied_t = blas.dtrmm(1.0, L, Mw_t, side=0, lower=1, trans_a=1)
    return Mw_t.T, precision_applied_t.T
