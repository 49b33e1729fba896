"""Tour step of the ridge ensemble family: GCV-tuned subsample ridge ensembles.

Diabetes (442 x 10, bundled with scikit-learn) and a generated high-dimensional set
(1000 x 400, where subsampling acts as implicit regularisation): the GCV estimate of
the risk at the selected ``(lambda, k)``, the risk on a held-out half, and the fit
time against scikit-learn's ``RidgeCV`` on the same penalty grid.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import time

import numpy as np


def _timed(fn, repeats=3):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, float(np.median(times))


def run(plots_dir=None):
    """Run the ridge ensemble tour and return its result rows."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import train_test_split

    from . import SubsampleRidgeEnsembleCV

    rng = np.random.default_rng(0)
    Xs = rng.standard_normal((1000, 400))
    ys = Xs @ (rng.standard_normal(400) / 20.0) + rng.standard_normal(1000)
    sets = [
        ("diabetes", *load_diabetes(return_X_y=True)),
        ("gaussian 1000x400", Xs, ys),
    ]
    alphas = np.concatenate([[0.0], np.logspace(-4, 1, 16)])
    rows = []
    for name, X, y in sets:
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=0)
        n = Xtr.shape[0]
        ours = SubsampleRidgeEnsembleCV(
            alphas=alphas,
            subsample_sizes=[0.25, 0.5, 0.75, 1.0],
            n_estimators=10,
            random_state=0,
        )
        peer = RidgeCV(alphas=n * alphas[1:])
        ours, t_ours = _timed(lambda o=ours: o.fit(Xtr, ytr))
        peer, t_peer = _timed(lambda p=peer: p.fit(Xtr, ytr))
        held = float(np.mean((yte - ours.predict(Xte)) ** 2))
        held_peer = float(np.mean((yte - peer.predict(Xte)) ** 2))
        rows.append(
            {
                "estimator": "SubsampleRidgeEnsembleCV",
                "dataset": name,
                "metric": "corrected GCV risk estimate",
                "value": ours.best_score_,
                "time_s": t_ours,
            }
        )
        rows.append(
            {
                "estimator": "SubsampleRidgeEnsembleCV",
                "dataset": name,
                "metric": "held-out MSE",
                "value": held,
                "time_s": t_ours,
                "baseline": "RidgeCV",
                "baseline_value": held_peer,
                "baseline_time_s": t_peer,
            }
        )
    if plots_dir is not None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(5, 3.5))
        for i, k in enumerate(ours.subsample_sizes_):
            ax.semilogx(alphas[1:], ours.gcv_scores_[i, 1:], label=f"k={k}")
        ax.set_xlabel("alpha")
        ax.set_ylabel("corrected GCV")
        ax.set_title("GCV paths, gaussian 1000x400")
        ax.legend()
        fig.tight_layout()
        fig.savefig(f"{plots_dir}/ridge_gcv_paths.png", dpi=100)
        plt.close(fig)
    return rows
