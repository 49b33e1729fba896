"""
==================================================
Detecting out-of-distribution sentence embeddings
==================================================

Six concrete-noun WordNet categories (animals, plants, food, body parts,
substances, artifacts) are "in distribution"; glosses about cognition, feelings,
contact verbs and time are not. The detectors see only the labelled in-distribution
embeddings; the held-out in-distribution rows must score higher than every OOD set.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Data: the in-distribution rows are split three ways: 60% to fit, 10% to choose
# the threshold, 30% to test. Three embedding dimensions are dead (see the data
# set's description); ``VarianceThreshold`` drops them, so no covariance is
# singular.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_selection import VarianceThreshold
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sklearn_lowdim.datasets import (
    WORDNET_IN_DISTRIBUTION,
    WORDNET_OUT_OF_DISTRIBUTION,
    load_wordnet_embeddings,
)
from sklearn_lowdim.metrics import OODScoreDisplay, detection_report
from sklearn_lowdim.ood import MahalanobisOOD, WDiscOOD

wordnet = load_wordnet_embeddings()
names = np.asarray(wordnet.target_names)[wordnet.target]
inside = np.isin(names, WORDNET_IN_DISTRIBUTION)
X_train, X_rest, y_train, _ = train_test_split(
    wordnet.data[inside], names[inside], test_size=0.4, random_state=0
)
X_val, X_test = train_test_split(X_rest, test_size=0.75, random_state=0)
X_ood = {name: wordnet.data[names == name] for name in WORDNET_OUT_OF_DISTRIBUTION}


def detector_pipeline(detector):
    return make_pipeline(VarianceThreshold(threshold=1e-8), detector)


# %%
# Scores, ROC and the deployed threshold
# --------------------------------------
# The threshold keeps 95% of the validation rows (``set_threshold``); the
# histograms show where it falls among the test scores, and the dots on the ROC
# curves show the false-alarm and miss rates it gives on each OOD category.
mahalanobis = detector_pipeline(MahalanobisOOD()).fit(X_train, y_train)
mahalanobis[-1].set_threshold(mahalanobis[:-1].transform(X_val), tpr=0.95)
fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
OODScoreDisplay.from_estimator(
    mahalanobis, X_test, X_ood, name="MahalanobisOOD",
    threshold=mahalanobis[-1].offset_, axes=axes,
)
plt.show()

# %%
# Every detector: AUROC per OOD category
# --------------------------------------
detectors = {
    "Mahalanobis": mahalanobis,
    "relative Mahalanobis": detector_pipeline(MahalanobisOOD(relative=True)),
    "WDiscOOD": detector_pipeline(WDiscOOD()),
}
for name, detector in detectors.items():
    if detector is not mahalanobis:
        detector.fit(X_train, y_train)
    report = detection_report(
        detector.score_samples(X_test),
        {k: detector.score_samples(v) for k, v in X_ood.items()},
    )
    aurocs = ", ".join(f"{k}: {v['auroc']:.3f}" for k, v in report.items())
    print(f"{name:>22}  AUROC  {aurocs}")

# %%
# Relative Mahalanobis subtracts the distance to one Gaussian of all the data. It
# helps near-OOD; here the OOD glosses are far, and it hurts.
fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), layout="constrained")
OODScoreDisplay.from_estimator(detectors["relative Mahalanobis"], X_test, X_ood,
                               name="relative Mahalanobis", threshold=None,
                               axes=axes)
plt.show()
