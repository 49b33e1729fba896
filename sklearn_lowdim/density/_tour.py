"""Tour step of the KDE mode finding family."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils._tour_helpers import result_row, time_warm, tour_figure


def run(plots_dir=None):
    """Sketched mode search vs brute force, and modes of real embeddings.

    Parameters
    ----------
    plots_dir : str or None, default=None
        Folder where ``kde.png`` is written; ``None`` draws nothing.

    Returns
    -------
    rows : list of dict
        The density found against the brute-force search and the best data point.
    """
    from ..datasets import load_wordnet_embeddings, make_gaussian_mixture
    from . import KDEMode

    rows = []
    X, _, _ = make_gaussian_mixture(2000, 100, random_state=0)
    h = 0.5 * np.sqrt(100)
    sketch, sketch_t = time_warm(
        lambda: KDEMode(bandwidth=h, method="sketch", random_state=0).fit(X))
    brute, brute_t = time_warm(
        lambda: KDEMode(bandwidth=h, method="bruteforce").fit(X))
    rows.append(result_row(
        "KDEMode(method='sketch')", "Gaussian mixture 2000x100",
        "density / brute force's",
        np.exp(sketch.mode_log_density_ - brute.mode_log_density_), sketch_t,
        baseline="mean shift from all points", baseline_value=1.0,
        baseline_timing=brute_t))

    wordnet = load_wordnet_embeddings()
    food = wordnet.data[wordnet.target == list(wordnet.target_names).index("noun.food")]
    kde, kde_t = time_warm(lambda: KDEMode(method="sketch", random_state=0).fit(food))
    best_point, scan_t = time_warm(lambda: kde.score_samples(food).max())
    rows.append(result_row(
        "KDEMode(method='sketch')", "WordNet noun.food 400x384",
        "density / best gloss's", np.exp(kde.mode_log_density_ - best_point), kde_t,
        baseline="densest data point", baseline_value=1.0, baseline_timing=scan_t))
    _plot(X, sketch, brute, plots_dir)
    return rows


def _plot(X, sketch, brute, plots_dir):
    from sklearn.decomposition import PCA

    with tour_figure(plots_dir, "kde", figsize=(6, 5)) as (fig, ax):
        if fig is None:
            return
        pca = PCA(2).fit(X)
        Z = pca.transform(X)
        ax.scatter(Z[:, 0], Z[:, 1], s=3, alpha=0.3, color="0.5", label="data")
        for est, marker, label in [(brute, "x", "mode, mean shift from all points"),
                                   (sketch, "+", "mode, sketched search")]:
            m = pca.transform(est.mode_[None])
            ax.scatter(m[:, 0], m[:, 1], marker=marker, s=160, linewidths=2,
                       label=label)
        ax.set_xlabel("first principal component")
        ax.set_ylabel("second principal component")
        ax.set_title("Highest KDE mode, 2000 x 100 Gaussian mixture\n"
                     "(PCA projection of the data and of the modes)", fontsize=10)
        ax.legend(fontsize=8, loc="best", framealpha=0.9)
