"""Tour step of the sampling family: coreset l_p regression against the full fit.

1. Real data (offline): l_p regression of one coordinate of the WordNet sentence
   embeddings (4000 x 384) on the first 40 principal components of the others; a
   Lewis-weight coreset of 1,000 rows against the fit on all rows.
2. Generated coherent data (heavy-tailed rows, rare columns; n = 100,000,
   d = 20): the subspace distortion of a Lewis coreset against a uniform sample of
   the same size, and the cost ratio and time against the full fit.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np

from ..utils._tour_helpers import result_row, time_warm, tour_figure


def _cost(model, X, y, p):
    return float(np.sum(np.abs(model.predict(X) - y) ** p) ** (1 / p))


def run(plots_dir=None):
    """Run the sampling tour and return its result rows.

    Parameters
    ----------
    plots_dir : str or None, default=None
        Folder where ``sampling.png`` is written; ``None`` draws nothing.

    Returns
    -------
    rows : list of dict
        Cost ratios and subspace distortions against their baselines.
    """
    from sklearn.decomposition import PCA
    from sklearn.exceptions import ConvergenceWarning

    from ..datasets import load_wordnet_embeddings
    from . import LpRegression, SensitivitySampler, subspace_distortion
    from ._fixtures import make_coherent_regression

    rows = []
    X, _ = load_wordnet_embeddings(return_X_y=True)
    X = np.asarray(X, dtype=np.float64)
    target = X[:, -1]
    feats = PCA(40, random_state=0).fit_transform(X[:, :-1])
    for p in (1.0, 3.0):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            full, t_full = time_warm(lambda: LpRegression(p=p, solver="irls").fit(
                feats, target))
            core, t_core = time_warm(lambda: LpRegression(
                p=p, coreset_size=1000, score_method="sketch", random_state=0
            ).fit(feats, target))
        rows.append(result_row(
            f"LpRegression(p={p:g}, coreset_size=1000)",
            "wordnet embeddings 4000x40 (coordinate regression)",
            "cost ratio to full fit",
            _cost(core, feats, target, p) / _cost(full, feats, target, p), t_core,
            baseline="LpRegression on all rows", baseline_value=1.0,
            baseline_timing=t_full))

    A, b, _ = make_coherent_regression(100_000, 20, random_state=0)
    B = np.column_stack([A, np.ones(len(A)), b])
    p, m = 1.0, 1000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        full, t_full = time_warm(lambda: LpRegression(p=p, solver="irls").fit(A, b))
        core, t_core = time_warm(lambda: LpRegression(
            p=p, coreset_size=m, score_method="sketch", random_state=0).fit(A, b))
    uniform = SensitivitySampler(p=p, n_samples=m, scores="uniform",
                                 random_state=0).fit(A, b)
    d_core = subspace_distortion(B, core.coreset_indices_, core.coreset_weights_, p,
                                 random_state=0)
    d_uni = subspace_distortion(B, uniform.sample_indices_, uniform.sample_weight_,
                                p, random_state=0)
    coherent = "coherent 100000x20 (generated)"
    rows.append(result_row(
        "SensitivitySampler(p=1, lewis, m=1000)", coherent, "subspace distortion",
        d_core, t_core, baseline="uniform sampling, same m", baseline_value=d_uni))
    rows.append(result_row(
        "LpRegression(p=1, coreset_size=1000)", coherent, "cost ratio to full fit",
        _cost(core, A, b, p) / _cost(full, A, b, p), t_core,
        baseline="LpRegression on all rows", baseline_value=1.0,
        baseline_timing=t_full))
    _plot(plots_dir, A, b, B)
    return rows


def _plot(plots_dir, A, b, B):
    from matplotlib.ticker import NullFormatter

    from . import SensitivitySampler, subspace_distortion

    sizes = [250, 500, 1000, 2000]
    with tour_figure(plots_dir, "sampling", figsize=(6, 4.4)) as (fig, ax):
        if fig is None:
            return
        for scores in ("uniform", "leverage", "lewis"):
            values = []
            for m in sizes:
                s = SensitivitySampler(p=1, n_samples=m, scores=scores,
                                       score_method="sketch",
                                       random_state=0).fit(A, b)
                values.append(subspace_distortion(B, s.sample_indices_,
                                                  s.sample_weight_, 1,
                                                  random_state=0))
            ax.plot(sizes, values, marker="o", label=f"{scores} scores")
        ax.set_xscale("log")
        ax.set_yscale("log")
        # one labelled tick per sample size; log minor labels would overlap them
        ax.set_xticks(sizes, [str(m) for m in sizes])
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("rows sampled m (of 100,000)")
        ax.set_ylabel("l1 subspace distortion (lower is better)")
        ax.set_title("Coherent 100,000 x 20 rows: Lewis and leverage sampling\n"
                     "against uniform sampling of the same size", fontsize=10)
        ax.legend(title="sampling probabilities", fontsize=8, title_fontsize=8)
