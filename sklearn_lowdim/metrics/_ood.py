"""Out-of-distribution detection metrics (in-distribution is the positive class)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

__all__ = ["ood_auroc", "ood_aupr", "fpr_at_tpr", "detection_report"]


def _scores_and_labels(id_scores, ood_scores):
    id_scores = np.asarray(id_scores, dtype=float).ravel()
    ood_scores = np.asarray(ood_scores, dtype=float).ravel()
    if id_scores.size == 0 or ood_scores.size == 0:
        raise ValueError("id_scores and ood_scores must both be non-empty.")
    if not (np.all(np.isfinite(id_scores)) and np.all(np.isfinite(ood_scores))):
        raise ValueError("scores contain NaN or infinity; check the detector's input.")
    scores = np.concatenate([id_scores, ood_scores])
    labels = np.concatenate([np.ones(id_scores.size), np.zeros(ood_scores.size)])
    return scores, labels


def ood_auroc(id_scores, ood_scores):
    """Area under the ROC curve separating ID (higher scores) from OOD rows.

    The probability that a random in-distribution row scores higher than a random
    OOD row (ties count one half): 1 is perfect, 0.5 is chance.

    Parameters
    ----------
    id_scores, ood_scores : array-like of shape (n,)
        ``score_samples`` of in- and out-of-distribution rows (higher = more normal).

    Returns
    -------
    auroc : float
        The area, in [0, 1].

    See Also
    --------
    fpr_at_tpr : The false-alarm rate at a fixed true-positive rate.
    OODScoreDisplay : The ROC curve and the score histograms.

    Examples
    --------
    >>> from sklearn_lowdim.metrics import ood_auroc
    >>> ood_auroc([3.0, 2.0], [1.0, 2.5])
    0.75
    """
    scores, labels = _scores_and_labels(id_scores, ood_scores)
    return float(roc_auc_score(labels, scores))


def ood_aupr(id_scores, ood_scores, *, positive="id"):
    """Area under the precision-recall curve (average precision).

    Unlike AUROC it depends on the proportion of ID and OOD rows, so report the
    sizes with it.

    Parameters
    ----------
    id_scores, ood_scores : array-like of shape (n,)
        ``score_samples`` of in- and out-of-distribution rows (higher = more normal).
    positive : {"id", "ood"}, default="id"
        "id" is AUPR-In (ID rows are positives ranked by score); "ood" is
        AUPR-Out (OOD rows are positives ranked by negated score).

    Returns
    -------
    aupr : float
        The average precision, in [0, 1].

    See Also
    --------
    ood_auroc : The area under the ROC curve.

    Examples
    --------
    >>> from sklearn_lowdim.metrics import ood_aupr
    >>> ood_aupr([3.0, 2.0], [1.0, 0.0])
    1.0
    """
    scores, labels = _scores_and_labels(id_scores, ood_scores)
    if positive == "id":
        return float(average_precision_score(labels, scores))
    if positive == "ood":
        return float(average_precision_score(1 - labels, -scores))
    raise ValueError(f"positive must be 'id' or 'ood', got {positive!r}.")


def fpr_at_tpr(id_scores, ood_scores, *, tpr=0.95):
    """False-positive rate of OOD rows at the threshold keeping ``tpr`` of ID rows.

    The threshold is the ``1 - tpr`` quantile of the ID scores (FPR95 for
    ``tpr=0.95``): the fraction of OOD scores at or above it is returned.

    Parameters
    ----------
    id_scores, ood_scores : array-like of shape (n,)
        ``score_samples`` of in- and out-of-distribution rows (higher = more normal).
    tpr : float in (0, 1], default=0.95
        Fraction of in-distribution rows the threshold keeps.

    Returns
    -------
    fpr : float
        Fraction of OOD rows accepted at that threshold.

    See Also
    --------
    ood_auroc : The threshold-free summary.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.metrics import fpr_at_tpr
    >>> fpr_at_tpr(np.arange(100.0), [50.0, -1.0], tpr=0.95)
    0.5
    """
    if not 0 < tpr <= 1:
        raise ValueError(f"tpr must lie in (0, 1], got {tpr!r}.")
    scores, labels = _scores_and_labels(id_scores, ood_scores)
    threshold = np.quantile(scores[labels == 1], 1 - tpr, method="lower")
    return float(np.mean(scores[labels == 0] >= threshold))


def detection_report(id_scores, ood_scores, *, tpr=0.95, as_frame=False):
    """AUROC, AUPR-In, AUPR-Out and FPR at ``tpr`` for one or several OOD sets.

    One call gives the usual table of an OOD benchmark, one row per OOD set.

    Parameters
    ----------
    id_scores : array-like of shape (n,)
        ``score_samples`` of in-distribution rows (higher = more normal).
    ood_scores : array-like or dict of str to array-like
        One OOD set, or several by name.
    tpr : float, default=0.95
        True-positive rate at which the false-positive rate is reported.
    as_frame : bool, default=False
        Return a pandas DataFrame (one row per OOD set) instead of a dict.

    Returns
    -------
    report : dict of str to dict, or DataFrame
        For each OOD set: ``auroc``, ``aupr_in``, ``aupr_out``,
        ``fpr@<tpr>tpr`` and ``n_ood``.

    See Also
    --------
    OODScoreDisplay : The same numbers as a figure.

    Examples
    --------
    >>> from sklearn_lowdim.metrics import detection_report
    >>> report = detection_report([3.0, 2.0], {"far": [0.0, 1.0]})
    >>> report["far"]["auroc"]
    1.0
    """
    if not isinstance(ood_scores, dict):
        ood_scores = {"ood": ood_scores}
    report = {
        name: {
            "auroc": ood_auroc(id_scores, scores),
            "aupr_in": ood_aupr(id_scores, scores, positive="id"),
            "aupr_out": ood_aupr(id_scores, scores, positive="ood"),
            f"fpr@{tpr:g}tpr": fpr_at_tpr(id_scores, scores, tpr=tpr),
            "n_ood": int(np.size(scores)),
        }
        for name, scores in ood_scores.items()
    }
    if as_frame:
        import pandas as pd

        return pd.DataFrame.from_dict(report, orient="index")
    return report
