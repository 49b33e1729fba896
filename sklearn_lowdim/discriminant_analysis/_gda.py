"""Gaussian discriminant analysis: one classifier for LDA, QDA, Gaussian NB and RDA.

The estimator validates, gathers :class:`~sklearn_lowdim.covariance.GaussianStatistics`
and hands them to a covariance family from the table in ``_families.py``; scoring
is ``_scoring.py``'s, for NumPy, array-API and dask inputs alike.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numbers

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from ..covariance import GaussianStatistics
from ..utils import (
    asarray_like,
    check_n_classes,
    check_rows_in_namespace,
    get_namespace,
    is_dask_array,
    to_numpy,
)
from ..utils._doc_link import DocLinkMixin
from ..utils._sklearn_compat import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
)
from ._derived import (
    Data,
    check_dask_features,
    covariance_in_units,
    discriminant_axes,
    linear_form,
    project,
    uncentred_row_term,
)
from ._families import FAMILIES
from ._fitting import GDAFittingMixin, _check_batch_labels, _host, _take
from ._scoring import score_rows

__all__ = ["GaussianDiscriminantAnalysis"]

_TYPES = tuple(FAMILIES)


class GaussianDiscriminantAnalysis(
    DocLinkMixin,
    GDAFittingMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
    ClassifierMixin,
    BaseEstimator,
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
        and mixes scatter matrices weighted by counts).
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
    verbose : int, default=0
        Report the steps of a fit (statistics, then the covariance family) to
        stderr, through :class:`~sklearn_lowdim.utils.Progress`.

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

    See Also
    --------
    sklearn.mixture.GaussianMixture : The same covariance types, unsupervised.

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
        "verbose": ["verbose"],
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
        verbose=0,
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
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the Gaussian class-conditional model.

        One pass over ``X`` gathers every statistic (a dask array: one block
        pass, blocks merged exactly); ``covariance_estimator`` and
        ``shrinkage_scope="per_class_standardized"`` read ``X`` once more.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training rows (NumPy, array-API array with dispatch on, or a
            row-chunked dask array).
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights; integer weights equal repeated rows.

        Returns
        -------
        self : object
            The fitted model.
        """
        self._check_options(partial=False)
        if is_dask_array(X):
            return self._fit_dask(X, y, sample_weight)
        xp, is_array_api = get_namespace(X)
        if is_array_api:
            return self._fit_namespace(X, y, sample_weight, xp)
        X, y, sample_weight = self._validate_xy(
            X, y, sample_weight, reset=True, check_finite=False
        )
        X = self._to_safe_magnitude(X)
        classes, y_idx = np.unique(y, return_inverse=True)
        self._check_fit_classes(classes, y_idx, sample_weight, X.shape[0])
        self.classes_ = classes
        self._stats = GaussianStatistics.from_data(
            X, y_idx, n_classes=len(classes), sample_weight=sample_weight,
            **self._statistics_options(len(classes), X.shape[1], partial=False),
        )
        self._finalize(X.dtype, Data(X, y_idx, sample_weight))
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the model with one batch (exact Chan merge of the statistics).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            One batch of rows.
        y : array-like of shape (n_samples,)
            Their labels.
        classes : array-like of shape (n_classes,), default=None
            All the labels, required at the first call unless every class is in
            the first batch; later batches may not introduce new labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights.

        Returns
        -------
        self : object
            The updated model.
        """
        self._check_options(partial=True)
        first = not hasattr(self, "classes_")
        X, y, sample_weight = self._validate_xy(
            *_host(X, y, sample_weight), reset=first
        )
        if first:
            self._unit = np.ones(X.shape[1])
        else:
            X = X / self._unit.astype(X.dtype)  # the units of the first fit
        if first:
            self.classes_ = check_n_classes(
                np.unique(y) if classes is None else np.unique(np.asarray(classes))
            )
        _check_batch_labels(self.classes_, y, classes)
        y_idx = np.searchsorted(self.classes_, y)
        opts = self._statistics_options(len(self.classes_), X.shape[1], partial=True)
        batch = GaussianStatistics.from_data(
            X, y_idx, n_classes=len(self.classes_), sample_weight=sample_weight,
            **opts,
        )
        self._stats = batch if first else self._merge_batch(batch)
        self._finalize(X.dtype, None)
        return self

    # ------------------------------------------------ derived attributes
    def _cached(self, name, compute):
        cache = self.__dict__.setdefault("_cache", {})
        if name not in cache:
            cache[name] = compute()
        return cache[name]

    def _public(self, value):
        """A fitted attribute in the dtype of the training data."""
        return np.asarray(value, dtype=self._dtype)

    @property
    def priors_(self):
        """Class priors, shape (n_classes,)."""
        check_is_fitted(self, "_params")
        return self._public(self._priors_f64)

    @property
    def means_(self):
        """Class means, shape (n_classes, n_features)."""
        check_is_fitted(self, "_params")
        return self._public(self._stats.means * self._unit)

    @property
    def shrinkage_(self):
        """Shrinkage intensity: a float, or one per class (``"full"``)."""
        check_is_fitted(self, "_params")
        return self._params.shrinkage

    @property
    def rank_(self):
        """Numerical rank of the covariance (per class for per-class types)."""
        check_is_fitted(self, "_params")
        return self._params.rank

    @property
    def covariance_(self):
        """The fitted covariance(s), in the units of ``X``.

        GaussianMixture's shapes: ``(d, d)`` tied, ``(C, d, d)`` full, ``(C, d)``
        diag, ``(C,)`` spherical, ``(d,)`` tied_diag, a scalar for tied_spherical.
        """
        check_is_fitted(self, "_params")
        return self._cached("covariance_", lambda: covariance_in_units(self))

    @property
    def coef_(self):
        """``Sigma^{-1} mu_k`` per class, in the units of ``X`` (linear types).

        One row in the binary case (the second class's minus the first's), as
        scikit-learn's LDA.
        """
        return self._linear_form()[0]

    @property
    def intercept_(self):
        """``-mu_k^T Sigma^{-1} mu_k / 2 + log pi_k``; linear types only."""
        return self._linear_form()[1]

    def _linear_form(self):
        check_is_fitted(self, "_params")
        if not FAMILIES[self.covariance_type].linear:
            raise AttributeError(
                f"coef_ and intercept_ exist for linear covariance types only, not "
                f"{self.covariance_type!r}."
            )
        coef, intercept = self._cached("linear_form", lambda: linear_form(self))
        return self._public(coef), self._public(intercept)

    @property
    def xbar_(self):
        """Prior-weighted mean of the class means (the centre of ``transform``)."""
        check_is_fitted(self, "_params")
        return self._public(self._priors_f64 @ self._stats.means * self._unit)

    @property
    def scalings_(self):
        """Discriminant directions in the units of ``X`` (linear types)."""
        return self._discriminant_axes()[0]

    @property
    def explained_variance_ratio_(self):
        """Between-class variance explained by each discriminant direction."""
        return self._discriminant_axes()[1]

    def _discriminant_axes(self):
        self._linear_form()  # checks fitted and linear
        return self._cached("axes", lambda: discriminant_axes(self))

    def __getstate__(self):
        state = super().__getstate__()
        state.pop("_cache", None)  # derived attributes are recomputed on access
        return state

    # ------------------------------------------------------------ scoring
    def _check_X(self, X):
        check_is_fitted(self, "_params")
        if is_dask_array(X):
            check_dask_features(self, X)
            return X
        xp, is_array_api = get_namespace(X)
        if is_array_api:
            return check_rows_in_namespace(X, xp, estimator=self)
        return validate_data(self, X, dtype=[np.float64, np.float32], reset=False)

    def predict_joint_log_proba(self, X):
        """Log joint likelihoods ``log p(x, y=k)``, exact.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        log_joint : ndarray of shape (n_samples, n_classes)
            In ``X``'s namespace (lazy for dask).
        """
        return score_rows(self, self._check_X(X), "joint")

    def predict_log_proba(self, X):
        """Exact log posteriors ``s - logsumexp(s)`` (no floor at -708).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log posterior class probabilities.
        """
        return score_rows(self, self._check_X(X), "log_proba")

    def predict_proba(self, X):
        """Posterior class probabilities, ``exp(predict_log_proba(X))``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Posterior class probabilities.
        """
        return score_rows(self, self._check_X(X), "proba")

    def predict(self, X):
        """Most probable class of each row (argmax of the joint log-likelihood).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Labels from ``classes_`` (in ``X``'s namespace when they are numbers).
        """
        X = self._check_X(X)
        idx = score_rows(self, X, "predict")
        if is_dask_array(idx):
            return idx.map_blocks(_take, self.classes_, dtype=self.classes_.dtype)
        xp, is_array_api = get_namespace(idx)
        if not is_array_api:
            return self.classes_[idx]
        labels = self.classes_[to_numpy(idx)]
        return asarray_like(labels, X) if labels.dtype.kind in "biuf" else labels

    def decision_function(self, X):
        """Return the linear scores or the joint log-likelihoods of the classes.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        scores : ndarray of shape (n_samples, n_classes) or (n_samples,)
            ``X coef_^T + intercept_`` (linear types) or joint log-likelihoods up
            to a row constant (the others); for two classes, the second's log-odds.
        """
        X = self._check_X(X)
        S = score_rows(self, X, "decision")
        if len(self.classes_) == 2:
            return S[:, 1] - S[:, 0]
        if FAMILIES[self.covariance_type].linear:
            # the scores are centred; scikit-learn's uncentred linear form adds
            # a term that is the same for every class
            S = S + uncentred_row_term(self, X)[:, None]
        return S

    def score_samples(self, X):
        """Log marginal density ``log p(x) = logsumexp_k log p(x, y=k)``.

        Usable as an out-of-distribution score (higher is more normal).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to score.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            Log density of each row under the fitted mixture.
        """
        return score_rows(self, self._check_X(X), "score_samples")

    def mahalanobis(self, X):
        """Squared Mahalanobis distances to every class mean.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to measure.

        Returns
        -------
        distances : ndarray of shape (n_samples, n_classes)
            ``(x - mu_k)^T Sigma_k^{-1} (x - mu_k)`` for each class.
        """
        return score_rows(self, self._check_X(X), "mahalanobis")

    def transform(self, X):
        """Project onto the discriminant directions (linear types only).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows to project.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_components)
            Coordinates along the first discriminant directions.
        """
        check_is_fitted(self, "_params")
        if not FAMILIES[self.covariance_type].linear:
            raise ValueError(
                "transform needs a linear model (covariance_type 'tied', "
                f"'tied_diag' or 'tied_spherical'), got {self.covariance_type!r}."
            )
        X = self._check_X(X)
        proj = self.scalings_[:, : self._n_features_out]
        if is_dask_array(X):
            return X.map_blocks(project, self.xbar_, proj, dtype=X.dtype,
                                chunks=(X.chunks[0], (proj.shape[1],)))
        xp, _ = get_namespace(X)
        return project(X, self.xbar_, proj, xp)

    @property
    def _n_features_out(self):
        return min(self._max_components, self.scalings_.shape[1])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
