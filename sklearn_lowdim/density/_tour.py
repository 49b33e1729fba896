"""Tour step of the KDE mode finding family."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import numpy as np


def _timed(func):
    start = time.perf_counter()
    out = func()
    return out, time.perf_counter() - start


def run(plots_dir=None):
    """Sketched mode search vs brute force, and modes of real embeddings."""
    from ..datasets import load_wordnet_embeddings, make_gaussian_mixture
    from . import KDEMode

    rows = []
    # Compile the Numba kernels first: their one-off cost is not the method's.
    KDEMode(random_state=0).fit(make_gaussian_mixture(50, 30, random_state=0)[0])
    X, _, _ = make_gaussian_mixture(2000, 100, random_state=0)
    h = 0.5 * np.sqrt(100)
    sketch, sketch_s = _timed(lambda: KDEMode(bandwidth=h, random_state=0).fit(X))
    brute, brute_s = _timed(lambda: KDEMode(bandwidth=h, method="bruteforce").fit(X))
    rows.append({
        "estimator": "KDEMode(method='sketch')",
        "dataset": "Gaussian mixture 2000x100",
        "metric": "density / brute force's",
        "value": float(np.exp(sketch.mode_log_density_ - brute.mode_log_density_)),
        "time_s": sketch_s,
        "baseline": "mean shift from all points",
        "baseline_value": 1.0,
        "baseline_time_s": brute_s,
    })

    wordnet = load_wordnet_embeddings()
    food = wordnet.data[wordnet.target == list(wordnet.target_names).index("noun.food")]
    kde, kde_s = _timed(lambda: KDEMode(random_state=0).fit(food))
    best_point, scan_s = _timed(lambda: kde.score_samples(food).max())
    rows.append({
        "estimator": "KDEMode(method='sketch')",
        "dataset": "WordNet noun.food 400x384",
        "metric": "density / best gloss's",
        "value": float(np.exp(kde.mode_log_density_ - best_point)),
        "time_s": kde_s,
        "baseline": "densest data point",
        "baseline_value": 1.0,
        "baseline_time_s": scan_s,
    })
    if plots_dir is not None:
        _plot(X, sketch, brute, plots_dir)
    return rows


def _plot(X, sketch, brute, plots_dir):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.decomposition import PCA

    pca = PCA(2).fit(X)
    Z = pca.transform(X)
    fig, ax = plt.subplots(figsize=(5, 4))
    ax.scatter(Z[:, 0], Z[:, 1], s=3, alpha=0.3, label="data")
    for est, marker, label in [(brute, "x", "brute force"), (sketch, "+", "sketch")]:
        m = pca.transform(est.mode_[None])
        ax.scatter(m[:, 0], m[:, 1], marker=marker, s=150, label=label)
    ax.set_title("KDE mode, 2000 x 100 mixture (PCA view)")
    ax.legend()
    fig.savefig(f"{plots_dir}/kde_mode.png", dpi=100, bbox_inches="tight")
    plt.close(fig)
