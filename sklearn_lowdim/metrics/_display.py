"""Score histograms and ROC curves of an OOD detector (scikit-learn Display)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Real

import numpy as np
from sklearn.metrics import roc_curve

from ._ood import fpr_at_tpr, ood_auroc

__all__ = ["OODScoreDisplay"]


class OODScoreDisplay:
    """Histograms of ID and OOD scores and the ROC curve of each OOD set.

    Create it with :meth:`from_estimator` or :meth:`from_predictions`; both draw
    at once. The ROC curve treats in-distribution rows as positives, so its area
    is :func:`ood_auroc`. The legends give each OOD set's AUROC and FPR95, and a
    decision threshold, when given, is drawn on both panels with the fractions of
    ID and OOD rows it accepts.

    Parameters
    ----------
    id_scores : ndarray of shape (n_id,)
        ``score_samples`` of in-distribution rows (higher = more normal).
    ood_scores : dict of str to ndarray
        ``score_samples`` of each named OOD set.
    name : str, default=None
        Detector name for the titles.
    threshold : float, default=None
        A decision threshold on the scores (rows scoring below it are flagged as
        OOD), for example a detector's ``offset_``; ``None`` draws none.

    Attributes
    ----------
    aurocs_ : dict of str to float
        AUROC of each OOD set.
    fprs_at_95_ : dict of str to float
        Fraction of each OOD set accepted when 95% of ID rows are.
    tpr_at_threshold_ : float or None
        Fraction of ID rows at or above ``threshold``.
    fprs_at_threshold_ : dict of str to float
        Fraction of each OOD set at or above ``threshold`` (empty without one).
    figure_ : matplotlib Figure
        Set by :meth:`plot`.
    axes_ : sequence of two matplotlib Axes
        The histogram and the ROC axes, set by :meth:`plot`.

    See Also
    --------
    ood_auroc : The area under the ROC curve.
    detection_report : The same numbers as a table.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.metrics import OODScoreDisplay
    >>> rng = np.random.default_rng(0)
    >>> display = OODScoreDisplay.from_predictions(
    ...     rng.normal(1, 1, 200), {"far": rng.normal(-2, 1, 200)}, threshold=-0.5)
    >>> round(display.aurocs_["far"], 2)
    0.98
    >>> round(display.tpr_at_threshold_, 2)
    0.96
    """

    def __init__(self, id_scores, ood_scores, *, name=None, threshold=None):
        self.id_scores = np.asarray(id_scores, dtype=float)
        self.ood_scores = {k: np.asarray(v, dtype=float) for k, v in ood_scores.items()}
        self.name = name
        self.threshold = threshold
        self.aurocs_ = {k: ood_auroc(self.id_scores, v)
                        for k, v in self.ood_scores.items()}
        self.fprs_at_95_ = {k: fpr_at_tpr(self.id_scores, v)
                            for k, v in self.ood_scores.items()}
        if threshold is not None and not (
            isinstance(threshold, Real) and np.isfinite(threshold)
        ):
            raise ValueError(
                f"threshold must be a finite number or None, got {threshold!r}."
            )
        self.tpr_at_threshold_ = (
            None if threshold is None else float(np.mean(self.id_scores >= threshold))
        )
        self.fprs_at_threshold_ = (
            {} if threshold is None
            else {k: float(np.mean(v >= threshold)) for k, v in self.ood_scores.items()}
        )

    def _plot_histograms(self, ax, bins):
        everything = np.concatenate([self.id_scores, *self.ood_scores.values()])
        edges = np.linspace(everything.min(), everything.max(), bins + 1)
        ax.hist(self.id_scores, bins=edges, density=True, alpha=0.6,
                label=f"in-distribution (n={self.id_scores.size})")
        for name, scores in self.ood_scores.items():
            ax.hist(scores, bins=edges, density=True, alpha=0.5,
                    label=f"{name} (n={scores.size})")
        if self.threshold is not None:
            ax.axvline(self.threshold, color="k", ls="--", lw=1.2,
                       label=f"threshold {self.threshold:.3g}: "
                       f"{self.tpr_at_threshold_:.0%} of ID accepted")
        title = self.name or "detector"
        ax.set(title=f"{title}: score_samples",
               xlabel="score_samples (higher = more in-distribution)",
               ylabel="density (fraction of rows per unit score)")
        # legends above the data: the histograms fill the lower part of the panel
        ax.set_ylim(top=ax.get_ylim()[1] * 1.35)
        ax.legend(fontsize=8, loc="upper left")

    def _plot_roc(self, ax):
        colors = {}
        for name, scores in self.ood_scores.items():
            labels = np.r_[np.ones(self.id_scores.size), np.zeros(scores.size)]
            fpr, tpr, _ = roc_curve(labels, np.r_[self.id_scores, scores])
            (line,) = ax.plot(fpr, tpr, label=f"{name} (AUROC "
                              f"{self.aurocs_[name]:.3f}, FPR95 "
                              f"{self.fprs_at_95_[name]:.2f})")
            colors[name] = line.get_color()
        ax.plot([0, 1], [0, 1], "k:", lw=0.8)
        for name, fpr in self.fprs_at_threshold_.items():
            ax.scatter([fpr], [self.tpr_at_threshold_], color=colors[name],
                       edgecolor="k", marker="o", s=40, zorder=3,
                       label=f"threshold on {name}: FPR {fpr:.2f}, "
                       f"TPR {self.tpr_at_threshold_:.2f}")
        ax.set(title="ROC, in-distribution as positive",
               xlabel="FPR: fraction of OOD rows accepted",
               ylabel="TPR: fraction of ID rows accepted",
               xlim=(-0.01, 1.01), ylim=(-0.01, 1.01))
        ax.legend(fontsize=8, loc="lower right")

    def plot(self, axes=None, bins=40):
        """Draw the histograms (left) and the ROC curves (right).

        Parameters
        ----------
        axes : sequence of two matplotlib Axes, default=None
            Where to draw; a new figure is made when None.
        bins : int, default=40
            Number of histogram bins, shared by all score sets.

        Returns
        -------
        self : OODScoreDisplay
            The display, with ``figure_`` and ``axes_`` set.
        """
        import matplotlib.pyplot as plt

        if axes is None:
            _, axes = plt.subplots(1, 2, figsize=(11, 4.2))
        hist_ax, roc_ax = axes
        self._plot_histograms(hist_ax, bins)
        self._plot_roc(roc_ax)
        self.axes_ = axes
        self.figure_ = hist_ax.figure
        return self

    @classmethod
    def from_predictions(cls, id_scores, ood_scores, *, name=None, threshold=None,
                         axes=None):
        """Plot from scores already computed.

        Parameters
        ----------
        id_scores : array-like of shape (n_id,)
            ``score_samples`` of in-distribution rows.
        ood_scores : array-like or dict of str to array-like
            Scores of one OOD set, or of several by name.
        name : str, default=None
            Detector name for the titles.
        threshold : float, default=None
            Decision threshold on the scores to draw; ``None`` draws none.
        axes : sequence of two matplotlib Axes, default=None
            Where to draw; a new figure is made when None.

        Returns
        -------
        display : OODScoreDisplay
            The display, drawn.
        """
        if not isinstance(ood_scores, dict):
            ood_scores = {"OOD": ood_scores}
        return cls(id_scores, ood_scores, name=name, threshold=threshold).plot(
            axes=axes)

    @classmethod
    def from_estimator(cls, estimator, X_id, X_ood, *, name=None, threshold="auto",
                       axes=None):
        """Plot the ``score_samples`` of a fitted detector.

        Parameters
        ----------
        estimator : fitted detector
            Anything with ``score_samples``.
        X_id : array-like of shape (n_id, n_features)
            In-distribution rows (not used to fit, for an honest picture).
        X_ood : array-like or dict of str to array-like
            One OOD set, or several by name.
        name : str, default=None
            Defaults to the estimator's class name.
        threshold : "auto", float or None, default="auto"
            Decision threshold to draw. ``"auto"`` is the detector's own:
            ``offset_`` (``predict`` flags rows scoring below it) when it has
            one, else none.
        axes : sequence of two matplotlib Axes, default=None
            Where to draw; a new figure is made when None.

        Returns
        -------
        display : OODScoreDisplay
            The display, drawn.
        """
        if not isinstance(X_ood, dict):
            X_ood = {"OOD": X_ood}
        if isinstance(threshold, str) and threshold == "auto":
            offset = getattr(estimator, "offset_", None)
            threshold = None if offset is None else float(offset)
        scores = {k: estimator.score_samples(v) for k, v in X_ood.items()}
        return cls.from_predictions(
            estimator.score_samples(X_id), scores,
            name=name or type(estimator).__name__, threshold=threshold, axes=axes,
        )
