"""
==================================================
Detecting out-of-distribution sentence embeddings
==================================================

Six concrete-noun WordNet categories (animals, plants, food, body parts,
substances, artifacts) are "in distribution"; glosses about cognition, feelings,
contact verbs and time are not. The detectors see only the labelled in-distribution
embeddings; the held-out 30% of those must score higher than every OOD set.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import train_test_split

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
X_train, X_test, y_train, _ = train_test_split(
    wordnet.data[inside], names[inside], test_size=0.3, random_state=0
)
X_ood = {name: wordnet.data[names == name] for name in WORDNET_OUT_OF_DISTRIBUTION}

# %%
# Fit, score, report
# ------------------
detectors = {
    "Mahalanobis": MahalanobisOOD(),
    "relative Mahalanobis": MahalanobisOOD(relative=True),
    "WDiscOOD": WDiscOOD(),
}
for name, detector in detectors.items():
    detector.fit(X_train, y_train)
    report = detection_report(
        detector.score_samples(X_test),
        {k: detector.score_samples(v) for k, v in X_ood.items()},
    )
    aurocs = ", ".join(f"{k}: {v['auroc']:.3f}" for k, v in report.items())
    print(f"{name:>22}  AUROC  {aurocs}")

# %%
# Scores and ROC curves
# ---------------------
# Relative Mahalanobis subtracts the distance to one Gaussian of all the data. It
# helps near-OOD; here the OOD glosses are far, and it hurts.
fig, axes = plt.subplots(2, 2, figsize=(11, 8))
OODScoreDisplay.from_estimator(detectors["Mahalanobis"], X_test, X_ood,
                               axes=axes[0])
OODScoreDisplay.from_estimator(detectors["relative Mahalanobis"], X_test, X_ood,
                               name="relative Mahalanobis", axes=axes[1])
fig.tight_layout()
plt.show()
