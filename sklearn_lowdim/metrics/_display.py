"""Score histograms and ROC curves of an OOD detector (scikit-learn Display)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.metrics import roc_curve

from ._ood import fpr_at_tpr, ood_auroc

__all__ = ["OODScoreDisplay"]


class OODScoreDisplay:
    """Histograms of ID and OOD scores and the ROC curve of each OOD set.

    Create it with :meth:`from_estimator` or :meth:`from_predictions`; both draw
    at once. The ROC curve treats in-distribution rows as positives, so its area
    is :func:`ood_auroc`.

    Parameters
    ----------
    id_scores : ndarray of shape (n_id,)
    ood_scores : dict of str to ndarray
    name : str, default=None
        Detector name for the titles.

    Attributes
    ----------
    aurocs_ : dict of str to float
    fprs_at_95_ : dict of str to float
    figure_, axes_ : matplotlib Figure and two Axes
        Set by :meth:`plot`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.metrics import OODScoreDisplay
    >>> rng = np.random.default_rng(0)
    >>> display = OODScoreDisplay.from_predictions(
    ...     rng.normal(1, 1, 200), {"far": rng.normal(-2, 1, 200)})
    >>> round(display.aurocs_["far"], 2)
    0.98
    """

    def __init__(self, id_scores, ood_scores, *, name=None):
        self.id_scores = np.asarray(id_scores, dtype=float)
        self.ood_scores = {k: np.asarray(v, dtype=float) for k, v in ood_scores.items()}
        self.name = name
        self.aurocs_ = {k: ood_auroc(self.id_scores, v)
                        for k, v in self.ood_scores.items()}
        self.fprs_at_95_ = {k: fpr_at_tpr(self.id_scores, v)
                            for k, v in self.ood_scores.items()}

    def plot(self, axes=None, bins=40):
        """Draw the histograms (left) and the ROC curves (right).

        Parameters
        ----------
        axes : sequence of two matplotlib Axes, default=None
            Where to draw; a new figure is made when None.
        bins : int, default=40

        Returns
        -------
        self : OODScoreDisplay
        """
        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(10, 4))
        hist_ax, roc_ax = axes
        everything = np.concatenate([self.id_scores, *self.ood_scores.values()])
        edges = np.linspace(everything.min(), everything.max(), bins + 1)
        hist_ax.hist(self.id_scores, bins=edges, density=True, alpha=0.6,
                     label="in-distribution")
        for name, scores in self.ood_scores.items():
            hist_ax.hist(scores, bins=edges, density=True, alpha=0.5, label=name)
            labels = np.r_[np.ones(self.id_scores.size), np.zeros(scores.size)]
            fpr, tpr, _ = roc_curve(labels, np.r_[self.id_scores, scores])
            roc_ax.plot(fpr, tpr, label=f"{name} (AUROC {self.aurocs_[name]:.3f}, "
                        f"FPR95 {self.fprs_at_95_[name]:.2f})")
        roc_ax.plot([0, 1], [0, 1], "k:", lw=0.8)
        title = self.name or "detector"
        hist_ax.set(title=f"{title}: score_samples", xlabel="score (higher = ID)",
                    ylabel="density")
        roc_ax.set(title="ROC, ID as positive", xlabel="OOD accepted (FPR)",
                   ylabel="ID accepted (TPR)")
        hist_ax.legend(fontsize=8)
        roc_ax.legend(fontsize=8, loc="lower right")
        self.axes_ = axes
        self.figure_ = hist_ax.figure
        return self

    @classmethod
    def from_predictions(cls, id_scores, ood_scores, *, name=None, axes=None):
        """Plot from scores already computed.

        Parameters
        ----------
        id_scores : array-like of shape (n_id,)
        ood_scores : array-like or dict of str to array-like
        name : str, default=None
        axes : two matplotlib Axes, default=None

        Returns
        -------
        display : OODScoreDisplay
        """
        if not isinstance(ood_scores, dict):
            ood_scores = {"OOD": ood_scores}
        return cls(id_scores, ood_scores, name=name).plot(axes=axes)

    @classmethod
    def from_estimator(cls, estimator, X_id, X_ood, *, name=None, axes=None):
        """Plot the ``score_samples`` of a fitted detector.

        Parameters
        ----------
        estimator : fitted detector with ``score_samples``
        X_id : array-like of shape (n_id, n_features)
        X_ood : array-like or dict of str to array-like
        name : str, default=None
            Defaults to the estimator's class name.
        axes : two matplotlib Axes, default=None

        Returns
        -------
        display : OODScoreDisplay
        """
        if not isinstance(X_ood, dict):
            X_ood = {"OOD": X_ood}
        scores = {k: estimator.score_samples(v) for k, v in X_ood.items()}
        return cls.from_predictions(
            estimator.score_samples(X_id), scores,
            name=name or type(estimator).__name__, axes=axes,
        )
