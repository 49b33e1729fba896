"""Tour step of the discriminant analysis family: GDA against scikit-learn.

Digits (1797 x 64) and wine (178 x 13), 5-fold cross-validated accuracy and the
fit time on all rows, for tied (LDA), full (QDA, regularised) and diagonal (naive
Bayes) Gaussian discriminant analysis against their scikit-learn peers, each
after ``VarianceThreshold`` (digits has constant border pixels, which make every
covariance singular) and a ``StandardScaler``.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np

from ..utils._tour_helpers import result_row, time_warm, tour_figure


def _pairs():
    from sklearn.discriminant_analysis import (
        LinearDiscriminantAnalysis,
        QuadraticDiscriminantAnalysis,
    )
    from sklearn.naive_bayes import GaussianNB

    from . import GaussianDiscriminantAnalysis as GDA

    return [
        ("GDA(tied)", GDA(), "LDA(svd)", LinearDiscriminantAnalysis()),
        ("GDA(full, gamma=0.05)", GDA(covariance_type="full", gamma=0.05),
         "QDA(reg_param=0.05)", QuadraticDiscriminantAnalysis(reg_param=0.05)),
        ("GDA(diag)", GDA(covariance_type="diag", reg_covar=1e-3), "GaussianNB",
         GaussianNB()),
    ]


def _pipeline(estimator):
    from sklearn.feature_selection import VarianceThreshold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(VarianceThreshold(), StandardScaler(), estimator)


def run(plots_dir=None):
    """Run the discriminant analysis tour and return its result rows.

    Parameters
    ----------
    plots_dir : str or None, default=None
        Folder where ``gda.png`` is written; ``None`` draws nothing.

    Returns
    -------
    rows : list of dict
        One row per (data set, estimator) pair.
    """
    from sklearn.datasets import load_digits, load_wine
    from sklearn.model_selection import StratifiedKFold, cross_val_score

    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    rows = []
    for name, loader in (("digits", load_digits), ("wine", load_wine)):
        X, y = loader(return_X_y=True)
        X = X.astype(np.float64)
        for ours_name, ours, peer_name, peer in _pairs():
            ours, peer = _pipeline(ours), _pipeline(peer)
            acc = cross_val_score(ours, X, y, cv=cv).mean()
            ours_t = time_warm(lambda o=ours: o.fit(X, y), repeats=3)[1]
            with warnings.catch_warnings():
                # the peers' own collinearity warnings are not the tour's subject
                warnings.simplefilter("ignore")
                acc_peer = cross_val_score(peer, X, y, cv=cv).mean()
                peer_t = time_warm(lambda p=peer: p.fit(X, y), repeats=3)[1]
            rows.append(result_row(
                ours_name, f"{name} {X.shape[0]}x{X.shape[1]}", "5-fold accuracy",
                acc, ours_t, baseline=peer_name, baseline_value=acc_peer,
                baseline_timing=peer_t))
    _plot(rows, plots_dir)
    return rows


def _plot(rows, plots_dir):
    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    with tour_figure(plots_dir, "gda", ncols=len(datasets), figsize=(11, 4.6),
                     sharey=True) as (fig, axes):
        if fig is None:
            return
        for ax, dataset in zip(axes, datasets):
            mine = [r for r in rows if r["dataset"] == dataset]
            pos = np.arange(len(mine))
            for shift, key, label in ((-0.2, "value", "sklearn_lowdim GDA"),
                                      (0.2, "baseline_value", "scikit-learn peer")):
                values = [r[key] for r in mine]
                bars = ax.bar(pos + shift, values, 0.4, label=label)
                ax.bar_label(bars, fmt="%.3f", fontsize=7, padding=2)
            ax.set_xticks(pos, [f"{r['estimator']}\nvs {r['baseline']}"
                                for r in mine], fontsize=7)
            ax.set_title(dataset, fontsize=10)
            ax.set_ylim(0.5, 1.04)
        axes[0].set_ylabel("5-fold cross-validated accuracy")
        # one legend above the panels, clear of the bars
        handles, labels = axes[0].get_legend_handles_labels()
        fig.suptitle("Gaussian discriminant analysis against its scikit-learn peer "
                     "(same pipeline)", fontsize=10)
        fig.legend(handles, labels, loc="outside lower center", ncol=2,
                   frameon=False)
