"""GCV curves against the penalty, one per subsample or sketch size."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = ["GCVPathDisplay"]


class GCVPathDisplay:
    """GCV (or corrected GCV) against the penalty for each ensemble size setting.

    Build it with :meth:`from_estimator` from a fitted
    :class:`SubsampleRidgeEnsembleCV` or :class:`SketchedRidgeEnsembleCV`, or
    directly from arrays, then call :meth:`plot` (scikit-learn's Display
    convention).

    Parameters
    ----------
    alphas : ndarray of shape (n_alphas,)
        Penalties, the x-axis.
    sizes : ndarray of shape (n_sizes,)
        Subsample or sketch sizes, one curve each.
    scores : ndarray of shape (n_sizes, n_alphas)
        The criterion, one row per size.
    selected : tuple (alpha, size), default=None
        The point to mark.
    true_risk : ndarray of shape (n_sizes, n_alphas), default=None
        Overlaid as dashed lines (known on simulated data).
    size_name : str, default="k"
        Name of the size in the legend labels (``"k=50"``).
    score_name : str, default="GCV"
        Label of the y-axis.

    Attributes
    ----------
    ax_ : matplotlib Axes
    figure_ : matplotlib Figure
    lines_ : list of matplotlib Line2D
        One per size.
    true_risk_lines_ : list of matplotlib Line2D
    selected_marker_ : matplotlib Line2D or None

    See Also
    --------
    SubsampleRidgeEnsembleCV : An estimator whose curves :meth:`from_estimator`
        plots.
    SketchedRidgeEnsembleCV : The same for sketched ensembles.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn_lowdim.linear_model import GCVPathDisplay
    >>> display = GCVPathDisplay(np.logspace(-2, 1, 4), np.array([50, 100]),
    ...                          np.array([[3.0, 2.0, 2.5, 4.0], [2.8, 2.1, 2.4, 3.9]]),
    ...                          selected=(0.1, 50)).plot()
    >>> len(display.lines_)
    2
    """

    def __init__(self, alphas, sizes, scores, *, selected=None, true_risk=None,
                 size_name="k", score_name="GCV"):
        self.alphas = np.asarray(alphas, dtype=float)
        self.sizes = np.asarray(sizes)
        self.scores = np.asarray(scores, dtype=float)
        self.selected = selected
        self.true_risk = None if true_risk is None else np.asarray(true_risk, float)
        self.size_name = size_name
        self.score_name = score_name

    def plot(self, ax=None, *, log_x=None):
        """Draw one curve per size, the selected point and the true risk.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            A new figure when ``None``.
        log_x : bool, default=None
            Log-scale penalty axis; ``None`` uses it when every penalty is
            positive.

        Returns
        -------
        self : GCVPathDisplay
            The display, with ``ax_``, ``figure_`` and the lines set.
        """
        import matplotlib.pyplot as plt

        expected = (self.sizes.size, self.alphas.size)
        if self.scores.shape != expected or (
            self.true_risk is not None and self.true_risk.shape != expected
        ):
            raise ValueError(
                f"scores and true_risk must have shape (n_sizes, n_alphas) = "
                f"{expected}, got {self.scores.shape}."
            )
        if ax is None:
            _, ax = plt.subplots()
        self.lines_, self.true_risk_lines_ = [], []
        for i, size in enumerate(self.sizes):
            (line,) = ax.plot(self.alphas, self.scores[i],
                              label=f"{self.size_name}={size}")
            self.lines_.append(line)
            if self.true_risk is not None:
                (truth,) = ax.plot(self.alphas, self.true_risk[i], "--",
                                   color=line.get_color(), alpha=0.7)
                self.true_risk_lines_.append(truth)
        self.selected_marker_ = None
        if self.selected is not None:
            alpha, size = self.selected
            i = int(np.flatnonzero(self.sizes == size)[0])
            j = int(np.argmin(np.abs(self.alphas - alpha)))
            (self.selected_marker_,) = ax.plot(
                [self.alphas[j]], [self.scores[i, j]], "*", color="red",
                markersize=14, label="selected")
        if log_x if log_x is not None else bool(np.all(self.alphas > 0)):
            ax.set_xscale("log")
        ax.set_xlabel("penalty alpha")
        ylabel = self.score_name + (" (dashed: true risk)"
                                    if self.true_risk is not None else "")
        ax.set_ylabel(ylabel)
        ax.legend()
        self.ax_, self.figure_ = ax, ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, true_risk=None, ax=None, log_x=None):
        """Plot a fitted subsample or sketched ridge ensemble's GCV curves.

        Parameters
        ----------
        estimator : SubsampleRidgeEnsembleCV or SketchedRidgeEnsembleCV
            Fitted; anything with ``alphas_``, ``gcv_scores_``, ``alpha_`` and
            ``subsample_sizes_``/``subsample_size_`` or
            ``sketch_sizes_``/``sketch_size_``.
        true_risk : ndarray of shape (n_sizes, n_alphas), default=None
            Overlaid as dashed lines (known on simulated data).
        ax : matplotlib Axes, default=None
            A new figure when ``None``.
        log_x : bool, default=None
            Log-scale penalty axis; ``None`` uses it when every penalty is
            positive.

        Returns
        -------
        display : GCVPathDisplay
            The plotted display.
        """
        for grid, chosen, name in (("subsample_sizes_", "subsample_size_", "k"),
                                   ("sketch_sizes_", "sketch_size_", "q")):
            if hasattr(estimator, grid):
                break
        else:
            raise ValueError(
                "estimator must be a fitted SubsampleRidgeEnsembleCV or "
                "SketchedRidgeEnsembleCV (it has no subsample_sizes_ or "
                "sketch_sizes_; call fit first)."
            )
        score_name = getattr(estimator, "criterion", "gcv").upper()
        display = cls(estimator.alphas_, getattr(estimator, grid),
                      estimator.gcv_scores_,
                      selected=(estimator.alpha_, getattr(estimator, chosen)),
                      true_risk=true_risk, size_name=name, score_name=score_name)
        return display.plot(ax=ax, log_x=log_x)
