"""Tour step of the ridge ensemble family: GCV-tuned subsample ridge ensembles.

Diabetes (442 x 10, bundled with scikit-learn) and a generated high-dimensional set
(1000 x 400, where subsampling acts as implicit regularisation): the GCV estimate of
the risk at the selected ``(lambda, k)``, the risk on a held-out half, and the fit
time against scikit-learn's ``RidgeCV`` on the same penalty grid.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils._tour_helpers import result_row, time_warm, tour_figure


def _datasets():
    from sklearn.datasets import load_diabetes

    rng = np.random.default_rng(0)
    Xs = rng.standard_normal((1000, 400))
    ys = Xs @ (rng.standard_normal(400) / 20.0) + rng.standard_normal(1000)
    return [("diabetes", *load_diabetes(return_X_y=True)),
            ("gaussian 1000x400", Xs, ys)]


def run(plots_dir=None):
    """Run the ridge ensemble tour and return its result rows.

    Parameters
    ----------
    plots_dir : str or None, default=None
        Folder where ``ridge.png`` is written; ``None`` draws nothing.

    Returns
    -------
    rows : list of dict
        Two rows per data set: the GCV estimate and the held-out error.
    """
    from sklearn.linear_model import RidgeCV
    from sklearn.model_selection import train_test_split

    from . import SubsampleRidgeEnsembleCV

    alphas = np.concatenate([[0.0], np.logspace(-4, 1, 16)])
    rows, fitted = [], []
    for name, X, y in _datasets():
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.5, random_state=0)
        n = Xtr.shape[0]
        ours = SubsampleRidgeEnsembleCV(
            alphas=alphas, subsample_sizes=[0.25, 0.5, 0.75, 1.0], n_estimators=10,
            random_state=0)
        # RidgeCV's alpha is not normalised by the number of rows
        peer = RidgeCV(alphas=n * alphas[1:])
        ours, t_ours = time_warm(lambda o=ours: o.fit(Xtr, ytr), repeats=3)
        peer, t_peer = time_warm(lambda p=peer: p.fit(Xtr, ytr), repeats=3)
        held = float(np.mean((yte - ours.predict(Xte)) ** 2))
        held_peer = float(np.mean((yte - peer.predict(Xte)) ** 2))
        rows.append(result_row("SubsampleRidgeEnsembleCV", name,
                               "corrected GCV risk estimate", ours.best_score_,
                               t_ours))
        rows.append(result_row("SubsampleRidgeEnsembleCV", name, "held-out MSE",
                               held, t_ours, baseline="RidgeCV",
                               baseline_value=held_peer, baseline_timing=t_peer))
        fitted.append((name, ours, held))
    _plot(fitted, plots_dir)
    return rows


def _plot(fitted, plots_dir):
    from . import GCVPathDisplay

    with tour_figure(plots_dir, "ridge", ncols=len(fitted),
                     figsize=(5.5 * len(fitted), 4.4)) as (fig, axes):
        if fig is None:
            return
        for ax, (name, est, held) in zip(axes, fitted):
            GCVPathDisplay.from_estimator(est, ax=ax, log_x=False)
            # symlog shows the ridgeless point alpha = 0 beside the log grid
            ax.set_xscale("symlog", linthresh=1e-4)
            ax.set_xlabel("penalty alpha per row (Ridge(alpha=k * alpha) on k rows)")
            ax.set_ylabel("corrected GCV estimate of test MSE")
            ax.set_title(f"{name}: held-out MSE at the selected point {held:.3g}",
                         fontsize=9)
            ax.legend(title="subsample size k", fontsize=8, title_fontsize=8)
        fig.suptitle("Subsample ridge ensembles: GCV over (alpha, k), selected "
                     "point starred", fontsize=10)
