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

import time
import warnings

import numpy as np


def _cost(model, X, y, p):
    return float(np.sum(np.abs(model.predict(X) - y) ** p) ** (1 / p))


def _timed(func):
    start = time.perf_counter()
    out = func()
    return out, time.perf_counter() - start


def run(plots_dir=None):
    """Run the sampling tour and return its result rows."""
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
            full, t_full = _timed(lambda: LpRegression(p=p, solver="irls").fit(
                feats, target))
            core, t_core = _timed(lambda: LpRegression(
                p=p, coreset_size=1000, score_method="sketch", random_state=0
            ).fit(feats, target))
        rows.append({
            "estimator": f"LpRegression(p={p:g}, coreset_size=1000)",
            "dataset": "wordnet embeddings 4000x40 (coordinate regression)",
            "metric": "cost ratio to full fit",
            "value": _cost(core, feats, target, p) / _cost(full, feats, target, p),
            "time_s": t_core,
            "baseline": "LpRegression on all rows",
            "baseline_value": 1.0,
            "baseline_time_s": t_full,
        })

    A, b, _ = make_coherent_regression(100_000, 20, random_state=0)
    B = np.column_stack([A, np.ones(len(A)), b])
    p, m = 1.0, 1000
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        full, t_full = _timed(lambda: LpRegression(p=p, solver="irls").fit(A, b))
        core, t_core = _timed(lambda: LpRegression(
            p=p, coreset_size=m, score_method="sketch", random_state=0).fit(A, b))
    uniform = SensitivitySampler(p=p, n_samples=m, scores="uniform",
                                 random_state=0).fit(A, b)
    d_core = subspace_distortion(B, core.coreset_indices_, core.coreset_weights_, p,
                                 random_state=0)
    d_uni = subspace_distortion(B, uniform.sample_indices_, uniform.sample_weight_,
                                p, random_state=0)
    rows.append({
        "estimator": "SensitivitySampler(p=1, lewis, m=1000)",
        "dataset": "coherent 100000x20 (generated)",
        "metric": "subspace distortion",
        "value": d_core,
        "time_s": t_core,
        "baseline": "uniform sampling, same m",
        "baseline_value": d_uni,
    })
    rows.append({
        "estimator": "LpRegression(p=1, coreset_size=1000)",
        "dataset": "coherent 100000x20 (generated)",
        "metric": "cost ratio to full fit",
        "value": _cost(core, A, b, p) / _cost(full, A, b, p),
        "time_s": t_core,
        "baseline": "LpRegression on all rows",
        "baseline_value": 1.0,
        "baseline_time_s": t_full,
    })

    if plots_dir is not None:
        _plot(plots_dir, A, b, B)
    return rows


def _plot(plots_dir, A, b, B):
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from . import SensitivitySampler, subspace_distortion

    sizes = [250, 500, 1000, 2000]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for scores in ("uniform", "leverage", "lewis"):
        values = []
        for m in sizes:
            s = SensitivitySampler(p=1, n_samples=m, scores=scores,
                                   score_method="sketch", random_state=0).fit(A, b)
            values.append(subspace_distortion(B, s.sample_indices_,
                                              s.sample_weight_, 1, random_state=0))
        ax.plot(sizes, values, marker="o", label=scores)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("rows sampled (m)")
    ax.set_ylabel("l1 subspace distortion")
    ax.set_title("Coherent 100k x 20: distortion vs sample size")
    ax.legend()
    fig.tight_layout()
    fig.savefig(Path(plots_dir) / "sampling_distortion.png", dpi=100)
    plt.close(fig)
