"""
=========================================================
Tuning an OOD detector, with and without OOD examples
=========================================================

The shrinkage of :class:`~sklearn_lowdim.ood.MahalanobisOOD`'s covariance is a
hyperparameter. Two ways to choose it with
:class:`~sklearn.model_selection.GridSearchCV`:

* **No OOD data yet.** The Gaussian detectors have a ``score`` method, the mean
  in-distribution log-likelihood (the convention of scikit-learn's covariance
  estimators), so the search needs nothing but in-distribution rows.
* **Some OOD rows known.** :func:`~sklearn_lowdim.metrics.make_ood_scorer`
  turns AUROC, AUPR or FPR95 against a fixed OOD set into a scorer.

Then the chosen detector is deployed with a guaranteed false-alarm rate
through conformal calibration. The data are the shipped WordNet embeddings:
six concrete categories are in distribution; "cognition" glosses serve as the
known OOD set for tuning, the three other categories are kept for the final
evaluation.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV, train_test_split

from sklearn_lowdim.datasets import (
    WORDNET_IN_DISTRIBUTION,
    WORDNET_OUT_OF_DISTRIBUTION,
    load_wordnet_embeddings,
)
from sklearn_lowdim.metrics import make_ood_scorer, ood_auroc
from sklearn_lowdim.ood import MahalanobisOOD

wordnet = load_wordnet_embeddings()  # the tour's split below
data = wordnet.data
names = np.asarray(wordnet.target_names)[wordnet.target]
inside = np.isin(names, WORDNET_IN_DISTRIBUTION)
X_train, X_test, y_train, _ = train_test_split(
    data[inside], names[inside], test_size=0.3, random_state=0)
tuning_set = WORDNET_OUT_OF_DISTRIBUTION[0]
X_ood_tune = data[names == tuning_set]
X_ood_eval = data[np.isin(names, WORDNET_OUT_OF_DISTRIBUTION[1:])]

# %%
# Both searches over the same grid
# --------------------------------
shrinkages = [0.001, 0.01, 0.03, 0.1, 0.3, 0.6]
grid = {"covariance": shrinkages}
by_likelihood = GridSearchCV(MahalanobisOOD(normalize="l2"), grid, cv=3)
by_likelihood.fit(X_train, y_train)
by_auroc = GridSearchCV(MahalanobisOOD(normalize="l2"), grid, cv=3,
                        scoring=make_ood_scorer(X_ood_tune, "auroc"))
by_auroc.fit(X_train, y_train)
print("chosen by ID log-likelihood:", by_likelihood.best_params_)
print(f"chosen by AUROC vs {tuning_set}:", by_auroc.best_params_)

# %%
# The held-out evaluation: other OOD categories than the one used for tuning.
test_aurocs = {}
for label, search in [("log-likelihood", by_likelihood), ("AUROC", by_auroc)]:
    best = search.best_estimator_
    test_aurocs[label] = ood_auroc(best.score_samples(X_test),
                                   best.score_samples(X_ood_eval))
    print(f"tuned by {label:>14}: held-out AUROC {test_aurocs[label]:.3f}")

fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(9, 3.5))
ax1.semilogx(shrinkages, by_likelihood.cv_results_["mean_test_score"], "o-")
ax1.set(xlabel="shrinkage", ylabel="mean ID log-likelihood (CV)",
        title="No OOD data: score(X)")
ax2.semilogx(shrinkages, by_auroc.cv_results_["mean_test_score"], "o-", color="C1")
ax2.set(xlabel="shrinkage", ylabel=f"AUROC vs {tuning_set} (CV)",
        title="make_ood_scorer")
fig.tight_layout()

# %%
# Deploy with a guaranteed false-alarm rate
# -----------------------------------------
# Refit on part of the training rows, calibrate on the rest: the conformal
# p-values make ``predict(X, alpha=0.05)`` flag at most 5% of in-distribution
# rows in expectation, and ``predict(X, fdr=0.1)`` keep the expected share of
# in-distribution rows among the flagged ones under 10% (Benjamini-Hochberg).
X_fit, X_cal, y_fit, _ = train_test_split(X_train, y_train, test_size=0.25,
                                          random_state=0)
detector = by_likelihood.best_estimator_.fit(X_fit, y_fit).calibrate(X_cal)
false_alarms = np.mean(detector.predict(X_test, alpha=0.05) == -1)
detected = np.mean(detector.predict(X_ood_eval, alpha=0.05) == -1)
print(f"alpha=0.05: ID flagged {false_alarms:.3f}, OOD flagged {detected:.3f}")
batch = np.vstack([X_test, X_ood_eval])
flagged = detector.predict(batch, fdr=0.1) == -1
share_id = flagged[: len(X_test)].sum() / max(flagged.sum(), 1)
print(f"fdr=0.1: {flagged.sum()} rows flagged, of which {share_id:.3f} in-distribution")
plt.show()
