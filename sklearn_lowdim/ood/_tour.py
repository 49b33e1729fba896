"""Tour step of the OOD family: WordNet embeddings, six concrete categories in.

The detectors are fitted on 60% of the in-distribution rows, their threshold is
set to keep 95% of another 10% (``set_threshold``), and they score the remaining
30% against the four out-of-distribution categories. Three of the 384 embedding
dimensions are dead (two are zero, one holds only float16 rounding noise of
variance 1e-16; see the data set's description): ``VarianceThreshold(1e-8)`` in
the pipeline drops them, as it would any dead feature.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils._tour_helpers import result_row, time_warm, tour_figure

DATASET = "WordNet 6 ID / 4 OOD categories"


def _split():
    from sklearn.model_selection import train_test_split

    from ..datasets import WORDNET_IN_DISTRIBUTION, load_wordnet_embeddings

    wordnet = load_wordnet_embeddings()
    names = np.asarray(wordnet.target_names)[wordnet.target]
    inside = np.isin(names, WORDNET_IN_DISTRIBUTION)
    X_train, X_test, y_train, _ = train_test_split(
        wordnet.data[inside], names[inside], test_size=0.4, random_state=0)
    X_val, X_test = train_test_split(X_test, test_size=0.75, random_state=0)
    return X_train, y_train, X_val, X_test, wordnet.data[~inside]


def _pipeline(detector):
    from sklearn.feature_selection import VarianceThreshold
    from sklearn.pipeline import make_pipeline

    return make_pipeline(VarianceThreshold(threshold=1e-8), detector)


def _detectors():
    from sklearn.covariance import EmpiricalCovariance

    from . import KNNOOD, MahalanobisOOD, ResidualOOD, ViM, WDiscOOD

    class _EmpiricalEnvelope(EmpiricalCovariance):
        # EllipticEnvelope without its robust MCD step, which alone takes about
        # 90 s on these rows on 2 cores (its AUROC was 0.964)
        def score_samples(self, X):
            return -self.mahalanobis(X)

    baseline = ("sklearn EmpiricalCovariance", _EmpiricalEnvelope, False)
    ours = [
        ("MahalanobisOOD()", MahalanobisOOD, True),
        ("MahalanobisOOD(relative=True)", lambda: MahalanobisOOD(relative=True), True),
        ("MahalanobisOOD(normalize='l2')", lambda: MahalanobisOOD(normalize="l2"),
         True),
        ("WDiscOOD()", WDiscOOD, True),
        ("KNNOOD()", KNNOOD, False),
        ("ResidualOOD()", ResidualOOD, False),
        ("ViM() (logistic-probe head)", ViM, True),
    ]
    return baseline, ours


def run(plots_dir=None):
    """AUROC and time of each detector against one scikit-learn Gaussian.

    Parameters
    ----------
    plots_dir : str or None, default=None
        Folder where ``ood.png`` is written; ``None`` draws nothing.

    Returns
    -------
    rows : list of dict
        One row per detector.
    """
    from ..metrics import ood_auroc

    X_train, y_train, X_val, X_test, X_ood = _split()

    def fit(make, supervised):
        pipe = _pipeline(make())
        return pipe.fit(X_train, y_train) if supervised else pipe.fit(X_train)

    def evaluate(make, supervised):
        pipe, timing = time_warm(lambda: fit(make, supervised))
        return pipe, timing, ood_auroc(pipe.score_samples(X_test),
                                       pipe.score_samples(X_ood))

    (base_name, base_make, _), ours = _detectors()
    _, base_timing, base_auroc = evaluate(base_make, False)
    rows, fitted = [], {}
    for name, make, supervised in ours:
        pipe, timing, auroc = evaluate(make, supervised)
        pipe[-1].set_threshold(pipe[:-1].transform(X_val), tpr=0.95)
        fitted[name] = pipe
        rows.append(result_row(name, DATASET, "AUROC", auroc, timing,
                               baseline=base_name, baseline_value=base_auroc,
                               baseline_timing=base_timing))
    _plot(fitted, X_test, X_ood, plots_dir)
    return rows


# detectors drawn with their own score histogram and ROC, one per figure row
DISPLAYED = ("MahalanobisOOD()", "KNNOOD()", "ViM() (logistic-probe head)")


def _plot(fitted, X_test, X_ood, plots_dir):
    from ..metrics import OODScoreDisplay

    with tour_figure(plots_dir, "ood", nrows=len(DISPLAYED), ncols=3,
                     figsize=(16, 4.2 * len(DISPLAYED))) as (fig, axes):
        if fig is None:
            return
        for row, name in zip(axes, DISPLAYED):
            pipe = fitted[name]
            OODScoreDisplay.from_estimator(
                pipe, X_test, {"OOD categories": X_ood}, name=name,
                threshold=pipe[-1].offset_, axes=row[:2])
        _plot_every_roc(fitted, X_test, X_ood, axes[0, 2])
        for ax in axes[1:, 2]:
            ax.set_axis_off()
        fig.suptitle("WordNet gloss embeddings: 6 concrete-noun categories in, "
                     "4 abstract categories out (threshold keeps 95% of held-out "
                     "ID rows)", fontsize=10)


def _plot_every_roc(fitted, X_test, X_ood, ax):
    from sklearn.metrics import roc_curve

    from ..metrics import fpr_at_tpr, ood_auroc

    for label, est in fitted.items():
        id_s, ood_s = est.score_samples(X_test), est.score_samples(X_ood)
        labels = np.r_[np.ones(id_s.size), np.zeros(ood_s.size)]
        fpr, tpr, _ = roc_curve(labels, np.r_[id_s, ood_s])
        ax.plot(fpr, tpr, label=f"{label}: AUROC {ood_auroc(id_s, ood_s):.3f}, "
                f"FPR95 {fpr_at_tpr(id_s, ood_s):.3f}")
    ax.plot([0, 1], [0, 1], "k:", lw=0.8)
    ax.set(title="Every detector, same split",
           xlabel="FPR: fraction of OOD rows accepted",
           ylabel="TPR: fraction of ID rows accepted")
    ax.legend(fontsize=7, loc="lower right")
