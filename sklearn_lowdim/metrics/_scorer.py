"""A scikit-learn scorer that evaluates an OOD detector against a fixed OOD set."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ._ood import fpr_at_tpr, ood_aupr, ood_auroc

__all__ = ["make_ood_scorer"]

# name -> (metric of (id_scores, ood_scores), sign making higher better)
_METRICS = {
    "auroc": (ood_auroc, 1.0),
    "aupr": (ood_aupr, 1.0),
    "fpr95": (lambda id_s, ood_s: fpr_at_tpr(id_s, ood_s, tpr=0.95), -1.0),
}


class _OODScorer:
    """``scorer(estimator, X, y=None)``: the metric of ID rows ``X`` vs ``X_ood``."""

    def __init__(self, X_ood, metric):
        self._X_ood = X_ood
        self._metric = metric

    def __call__(self, estimator, X, y=None):
        func, sign = _METRICS[self._metric]
        id_scores = np.asarray(estimator.score_samples(X))
        ood_scores = np.asarray(estimator.score_samples(self._X_ood))
        return float(sign * func(id_scores, ood_scores))

    def __repr__(self):
        return (f"make_ood_scorer(X_ood=<{np.shape(self._X_ood)[0]} rows>, "
                f"metric={self._metric!r})")


def make_ood_scorer(X_ood, metric="auroc"):
    """Scorer for model selection of OOD detectors against known OOD rows.

    The returned callable ``scorer(estimator, X, y=None)`` scores the
    validation fold ``X`` (in-distribution rows) and the fixed rows ``X_ood``
    with ``estimator.score_samples`` (higher is more in-distribution) and
    returns the metric, oriented so that higher is better, as
    :class:`~sklearn.model_selection.GridSearchCV` expects: ``"auroc"`` and
    ``"aupr"`` (AUPR-In) as they are, ``"fpr95"`` negated (minus the false
    positive rate at 95% true positive rate, like scikit-learn's ``neg_``
    scorers).

    ``X_ood`` must not overlap the rows the search cross-validates on. When no
    OOD rows exist, the Gaussian detectors' own ``score`` (mean
    in-distribution log-likelihood) selects from in-distribution rows alone.

    Parameters
    ----------
    X_ood : array-like of shape (n_ood, n_features)
        Out-of-distribution rows, scored in every fold.
    metric : {"auroc", "fpr95", "aupr"}, default="auroc"
        The metric: AUROC, AUPR-In, or the false positive rate at 95% true
        positive rate (negated).

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y=None) -> float``; pass it as ``scoring=``.

    See Also
    --------
    ood_auroc : Area under the ROC curve of ID vs OOD scores.
    ood_aupr : Area under the precision-recall curve, ID as positive.
    fpr_at_tpr : False positive rate at a given true positive rate.
    sklearn.metrics.make_scorer : Scorers from metrics of ``(y_true, y_pred)``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.model_selection import GridSearchCV
    >>> from sklearn_lowdim.metrics import make_ood_scorer
    >>> from sklearn_lowdim.ood import MahalanobisOOD
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.normal(size=(200, 3)), rng.integers(0, 2, 200)
    >>> X_ood = rng.normal(3.0, 1.0, size=(50, 3))
    >>> search = GridSearchCV(MahalanobisOOD(), {"covariance": ["empirical", 0.5]},
    ...                       scoring=make_ood_scorer(X_ood, "fpr95"), cv=3)
    >>> bool(search.fit(X, y).best_score_ <= 0)
    True
    """
    if metric not in _METRICS:
        raise ValueError(
            f"metric must be one of {sorted(_METRICS)}, got {metric!r}."
        )
    if np.ndim(X_ood) != 2 or np.shape(X_ood)[0] == 0:
        raise ValueError(
            "X_ood must be a non-empty 2-D array of shape (n_ood, n_features), "
            f"got shape {np.shape(X_ood)}."
        )
    return _OODScorer(X_ood, metric)
