"""Tour step of the discriminant analysis family: GDA against scikit-learn.

Digits (1797 x 64) and wine (178 x 13), 5-fold cross-validated accuracy and the
fit time on all rows, for tied (LDA), full (QDA, regularised) and diagonal (naive
Bayes) Gaussian discriminant analysis against their scikit-learn peers, each
after a ``StandardScaler``.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import time
import warnings

import numpy as np


def _fit_time(est, X, y, repeats=3):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        est.fit(X, y)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def run(plots_dir=None):
    """Run the discriminant analysis tour and return its result rows."""
    from sklearn.datasets import load_digits, load_wine
    from sklearn.discriminant_analysis import (
        LinearDiscriminantAnalysis,
        QuadraticDiscriminantAnalysis,
    )
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.naive_bayes import GaussianNB
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from . import GaussianDiscriminantAnalysis as GDA

    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    pairs = [
        ("GDA(tied)", GDA(), "LDA(svd)", LinearDiscriminantAnalysis()),
        ("GDA(full, gamma=0.05)", GDA(covariance_type="full", gamma=0.05),
         "QDA(reg_param=0.05)", QuadraticDiscriminantAnalysis(reg_param=0.05)),
        ("GDA(diag)", GDA(covariance_type="diag", reg_covar=1e-3), "GaussianNB",
         GaussianNB()),
    ]
    rows = []
    for name, loader in (("digits", load_digits), ("wine", load_wine)):
        X, y = loader(return_X_y=True)
        X = X.astype(np.float64)
        for ours_name, ours, peer_name, peer in pairs:
            # standardised features: the shrinkage targets are unit-dependent
            ours, peer = make_pipeline(StandardScaler(), ours), make_pipeline(
                StandardScaler(), peer)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                acc = cross_val_score(ours, X, y, cv=cv).mean()
                acc_peer = cross_val_score(peer, X, y, cv=cv).mean()
                t, t_peer = _fit_time(ours, X, y), _fit_time(peer, X, y)
            rows.append({
                "estimator": ours_name,
                "dataset": f"{name} {X.shape[0]}x{X.shape[1]}",
                "metric": "5-fold accuracy",
                "value": float(acc),
                "time_s": t,
                "baseline": peer_name,
                "baseline_value": float(acc_peer),
                "baseline_time_s": t_peer,
            })
    if plots_dir is not None:
        import matplotlib

        matplotlib.use("Agg")
        from pathlib import Path

        import matplotlib.pyplot as plt

        fig, ax = plt.subplots(figsize=(7, 3.5))
        labels = [f"{r['dataset'].split()[0]}\n{r['estimator']}" for r in rows]
        pos = np.arange(len(rows))
        ax.bar(pos - 0.2, [r["value"] for r in rows], 0.4, label="sklearn_lowdim")
        ax.bar(pos + 0.2, [r["baseline_value"] for r in rows], 0.4,
               label="scikit-learn peer")
        ax.set_xticks(pos, labels, fontsize=6)
        ax.set_ylim(0.5, 1.0)
        ax.set_ylabel("5-fold accuracy")
        ax.legend()
        fig.tight_layout()
        fig.savefig(Path(plots_dir) / "discriminant_analysis_tour.png", dpi=100)
        plt.close(fig)
    return rows
