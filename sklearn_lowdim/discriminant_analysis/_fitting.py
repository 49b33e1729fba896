"""How GaussianDiscriminantAnalysis turns its statistics into a model.

A mixin of the estimator: option checks, priors, the choice of coordinates (the
model is fitted in standardised coordinates when it does not depend on the
units of the features) and the call of the covariance family.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import functools
import warnings

import numpy as np
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from ..covariance import GaussianStatistics, covariance_from_statistics
from ..covariance._dask import statistics_from_dask
from ..covariance._whitening import _small_lapack
from ..utils import (
    Progress,
    check_min_samples_per_class,
    check_n_classes,
    check_rows_in_namespace,
    check_sample_weight_values,
    device,
    get_namespace,
    to_numpy,
)
from ..utils._sklearn_compat import _check_sample_weight
from ._derived import (
    estimator_covariance,
    estimator_spectra,
    per_class_standardized,
)
from ._families import FAMILIES, FitOptions

__all__ = ["GDAFittingMixin"]


def _host(X, y, sample_weight):
    """NumPy copies of array-API inputs (statistics are accumulated on the host)."""
    xp, is_array_api = get_namespace(X, y, sample_weight)
    if not is_array_api:
        return X, y, sample_weight
    return tuple(None if a is None else to_numpy(a) for a in (X, y, sample_weight))


def _check_batch_labels(classes_, y, classes):
    if classes is not None and not np.array_equal(
        np.unique(np.asarray(classes)), classes_
    ):
        raise ValueError(
            f"classes={classes!r} differs from the classes of the first "
            f"partial_fit call {classes_!r}; pass the same classes or refit from "
            "scratch with fit."
        )
    unseen = np.setdiff1d(np.unique(y), classes_)
    if unseen.size:
        raise ValueError(
            f"y contains labels {unseen!r} not in classes_ {classes_!r}; pass "
            "every label in classes= at the first partial_fit call."
        )


def _take(idx, classes):
    return classes[idx]


class GDAFittingMixin:
    """Fitting machinery of :class:`GaussianDiscriminantAnalysis`."""

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

    def _statistics_options(self, n_classes, n_features, partial):
        ct = self.covariance_type
        ledoit_wolf = self.shrinkage == "ledoit_wolf" and (
            self.shrinkage_scope == "pooled")
        return {
            "pooled_scatter": ct in ("tied", "full"),
            "class_factors": ct == "full" and self.covariance_estimator is None,
            # exact streaming Ledoit-Wolf for tied models needs per-class scatter
            # (C d^2 floats); above 2**24 floats the merge uses diagonals
            "class_scatter": partial and ledoit_wolf and ct == "tied"
            and n_classes * n_features**2 <= 2**24,
            "moments": ledoit_wolf,
        }

    def _check_fit_classes(self, classes, y_idx, sample_weight, n_samples):
        check_n_classes(classes)
        if sample_weight is not None:
            check_n_classes(classes[np.unique(y_idx[sample_weight > 0])])
        if n_samples <= len(classes):
            raise ValueError(
                f"The number of samples ({n_samples}) must be more than the number "
                f"of classes ({len(classes)}): with one row per class no "
                "covariance can be estimated. Add samples or merge classes."
            )

    def _priors(self, counts):
        if self.priors is None:
            return counts / counts.sum()
        priors = np.array(self.priors, dtype=np.float64).ravel()  # a copy
        if priors.shape[0] != counts.shape[0]:
            raise ValueError(
                f"priors has {priors.shape[0]} entries but there are "
                f"{counts.shape[0]} classes; pass one prior per class."
            )
        if not np.all(np.isfinite(priors)) or np.any(priors < 0):
            raise ValueError(
                f"priors must be finite and non-negative, got {priors!r}; pass "
                "class probabilities (they are renormalised to sum to 1)."
            )
        if priors.sum() <= 0:
            raise ValueError("priors sum to zero; at least one prior must be > 0.")
        if not np.isclose(priors.sum(), 1.0):
            warnings.warn("The priors do not sum to 1. Renormalizing", UserWarning)
            priors = priors / priors.sum()
        return priors

    def _scale_free(self):
        """Whether the model ignores the units of the features (then it is fitted
        in standardised coordinates, so that the eigenvalue floors are too)."""
        return (
            self.covariance_type in ("tied", "tied_diag", "diag", "full")
            and self.shrinkage in (None, 0, 0.0)
            and self.gamma in (None, 0, 0.0)
            and self.reg_covar == 0
            and self.covariance_estimator is None
        )

    def _standardizer(self, stats):
        location = stats.total_mean()
        scale = np.ones(stats.n_features)
        if self._scale_free():
            std = np.sqrt(stats.sq_dev.sum(axis=0) / stats.n_samples)
            positive = std > 0
            # constant features keep the largest unit (their variance is floored)
            fill = std[positive].max() if positive.any() else 1.0
            scale = np.where(positive, std, fill)
        if not (np.all(np.isfinite(location)) and np.all(np.isfinite(scale))):
            raise ValueError(
                "X holds values whose squares overflow float64; rescale it (for "
                "example with sklearn.preprocessing.StandardScaler)."
            )
        return location, scale

    def _to_safe_magnitude(self, X):
        """``X`` divided by powers of two when its squares would leave float64.

        Features whose largest magnitude is above 1e140 or below 1e-140 (but not
        zero) would overflow or underflow in the scatter. The statistics are then
        gathered from ``X / unit`` (exact: the units are powers of two, one per
        feature for scale-free models, one for all features otherwise) and the
        unit is folded into the model's location and scale, so that predictions
        are those of the unscaled model. Costs one extra read of ``X``.
        """
        self._unit = np.ones(X.shape[1])
        if X.shape[0] == 0:
            return X
        top = np.maximum(np.max(X, axis=0), -np.min(X, axis=0)).astype(np.float64)
        if np.all((top == 0) | ((top > 1e-140) & (top < 1e140))):
            return X
        if not np.all(np.isfinite(top)):
            return X  # NaN or infinity: from_data raises scikit-learn's error
        if not self._scale_free():
            top = np.full_like(top, top.max())
        safe = np.where(top > 0, top, 1.0)
        self._unit = np.where(top > 0, 2.0 ** np.floor(np.log2(safe)), 1.0)
        return X / self._unit.astype(X.dtype)

    def _check_class_sizes(self):
        """An unregularised per-class covariance needs two rows per class."""
        regularised = (
            self.shrinkage not in (None, 0, 0.0)
            or (self.alpha is not None and self.alpha < 1)
            or self.gamma not in (None, 0, 0.0)
            or self.reg_covar > 0
            or self.covariance_estimator is not None
        )
        seen = self._stats.n_obs > 0
        if not regularised:
            check_min_samples_per_class(
                self._stats.n_obs[seen], self.classes_[seen], 2,
                " for covariance_type='full' without regularisation",
            )

    def _data_options(self, stats_z, data):
        """Covariance recipes that need the rows, not only the statistics
        (their models are not scale-free, so the coordinates are X's, centred)."""
        if data is None:
            return {}
        pooled = None
        if self.covariance_estimator is not None:
            pooled = functools.partial(estimator_covariance, self.covariance_estimator,
                                       data, self._stats.means)
        elif self.shrinkage_scope == "per_class_standardized":
            shr = "auto" if self.shrinkage == "ledoit_wolf" else self.shrinkage
            pooled = functools.partial(per_class_standardized, data,
                                       self._priors_f64, shr)
        spectra = None
        if self.covariance_type == "full" and self.covariance_estimator is not None:
            spectra = functools.partial(estimator_spectra, self.covariance_estimator,
                                        data, len(self.classes_))
        if pooled is None and self.covariance_type == "full":
            pooled = functools.partial(covariance_from_statistics, stats_z,
                                       self.shrinkage)
        return {"pooled_covariance": pooled, "class_spectra": spectra}

    def _check_n_components(self):
        max_comp = min(len(self.classes_) - 1, self._stats.n_features)
        if self.n_components is not None and self.n_components > max_comp:
            raise ValueError(
                f"n_components={self.n_components} cannot be larger than "
                f"min(n_features, n_classes - 1) = {max_comp}."
            )
        self._max_components = self.n_components or max_comp

    def _finalize(self, dtype, data):
        st = self._stats
        self._dtype = np.dtype(dtype)
        self.class_count_ = st.counts.copy()
        self.n_samples_seen_ = st.n_samples
        self._priors_f64 = self._priors(st.counts)
        with np.errstate(divide="ignore"):
            log_priors = np.log(self._priors_f64)
        location, scale = self._standardizer(st)
        stats_z = st.rescaled(location, scale)
        unit = self._unit
        self._location, self._scale = location * unit, scale * unit
        opts = FitOptions(
            covariance_type=self.covariance_type, shrinkage=self.shrinkage,
            gamma=self.gamma, alpha=self.alpha,
            reg_covar=np.float64(self.reg_covar) / unit.max() / unit.max(),
            eig_floor=self.eig_floor, singular=self.singular, log_priors=log_priors,
            labels=self.classes_, **self._data_options(stats_z, data),
        )
        if self.covariance_type == "full":
            self._check_class_sizes()
        self._cache = {}
        with Progress(2, self.verbose, desc=type(self).__name__) as progress:
            progress.update(message=f"statistics of {st.n_samples:g} weighted rows, "
                                    f"{st.n_classes} classes")
            with _small_lapack(st.n_features):
                self._params = FAMILIES[self.covariance_type].fit(stats_z, opts)
            progress.update(message=f"{self.covariance_type} covariance model")
        self._check_n_components()

    def _merge_batch(self, batch):
        stats = self._stats
        if (stats.scatter is None) != (batch.scatter is None) or (
            (stats.class_scatter_ is None) != (batch.class_scatter_ is None)
        ):
            # a model from fit keeps only what fit needed: rebuild the batch
            # with the same fields (the merge is exact either way)
            raise ValueError(
                "partial_fit after fit needs the statistics partial_fit keeps; "
                "start the stream with partial_fit, or refit with fit."
            )
        return stats.merge(batch)

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
        self._check_fit_classes(classes, y_idx, sample_weight, X.shape[0])
        self.classes_ = classes
        self.n_features_in_ = X.shape[1]
        self.__dict__.pop("feature_names_in_", None)
        self._unit = np.ones(X.shape[1])
        self._stats = statistics_from_dask(
            X, y_idx, len(classes), sample_weight,
            **self._statistics_options(len(classes), X.shape[1], partial=True),
        )
        dtype = np.float32 if X.dtype == np.float32 else np.float64
        self._finalize(dtype, None)
        return self

    def _fit_namespace(self, X, y, sample_weight, xp):
        """Fit on an array-API input: statistics on its device, in one pass
        for the sums and one for the centred products; only ``C x d`` and
        ``d x d`` results reach the host."""
        if self.covariance_estimator is not None or (
            self.shrinkage_scope == "per_class_standardized"
        ):
            raise ValueError(
                "covariance_estimator and shrinkage_scope='per_class_standardized' "
                "run on NumPy inputs only; convert X with numpy.asarray first."
            )
        X = check_rows_in_namespace(X, xp, estimator=self, reset=True)
        dev = device(X)
        y = xp.asarray(y, device=dev)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(
                f"y must be 1-D with one label per row of X ({X.shape[0]}), got "
                f"shape {tuple(y.shape)}."
            )
        labels, y_idx = xp.unique_inverse(y)
        classes = to_numpy(labels)
        if sample_weight is not None:
            sample_weight = xp.asarray(sample_weight, dtype=X.dtype, device=dev)
            check_sample_weight_values(to_numpy(sample_weight))
        self._check_fit_classes(
            classes, to_numpy(y_idx),
            None if sample_weight is None else to_numpy(sample_weight), X.shape[0])
        self.classes_ = classes
        self._unit = np.ones(X.shape[1])
        self._stats = GaussianStatistics.from_data(
            X, y_idx, n_classes=len(classes), sample_weight=sample_weight,
            **self._statistics_options(len(classes), X.shape[1], partial=False),
        )
        self._finalize(np.float32 if X.dtype == xp.float32 else np.float64, None)
        return self
