"""
=======================================================================
Gaussian discriminant analysis as a linear probe on sentence embeddings
=======================================================================

A *linear probe* classifies frozen features with a linear model. Logistic
regression is the usual choice; Zheng et al. (ICML 2023) showed that the generative
alternative, Gaussian discriminant analysis with a shared covariance, needs far
fewer samples per class to approach its asymptotic accuracy.

We compare, on 384-d sentence embeddings of WordNet glosses (10 categories,
offline), the test accuracy of

* :class:`~sklearn_lowdim.discriminant_analysis.GaussianDiscriminantAnalysis`
  with a tied covariance shrunk by Ledoit-Wolf (an LDA probe),
* the same with ``covariance_type="tied_diag"`` (the naive Bayes probe of Zheng
  et al.),
* :class:`~sklearn.linear_model.LogisticRegression`,

as the number of training samples per class grows.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

# %%
# Data: a stratified split, then nested training subsets of k samples per class.
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from sklearn_lowdim.datasets import load_wordnet_embeddings
from sklearn_lowdim.discriminant_analysis import GaussianDiscriminantAnalysis

X, y = load_wordnet_embeddings(return_X_y=True)
X_pool, X_test, y_pool, y_test = train_test_split(
    X, y, test_size=0.5, stratify=y, random_state=0
)
rng = np.random.default_rng(0)
order = {c: rng.permutation(np.flatnonzero(y_pool == c)) for c in np.unique(y)}

models = {
    "GDA tied + Ledoit-Wolf": lambda: GaussianDiscriminantAnalysis(
        shrinkage="ledoit_wolf"
    ),
    "GDA tied_diag (NB probe)": lambda: GaussianDiscriminantAnalysis(
        covariance_type="tied_diag", reg_covar=1e-6  # 3 features are constant
    ),
    "LogisticRegression": lambda: LogisticRegression(C=10.0, max_iter=2000),
}
sizes = [2, 4, 8, 16, 32, 64, 150]
acc = {name: [] for name in models}
fit_time = dict.fromkeys(models, 0.0)
for k in sizes:
    idx = np.concatenate([order[c][:k] for c in order])
    for name, make in models.items():
        start = time.perf_counter()
        model = make().fit(X_pool[idx], y_pool[idx])
        fit_time[name] += time.perf_counter() - start
        acc[name].append(model.score(X_test, y_test))

for name in models:
    print(f"{name:26s} accuracy at k=2: {acc[name][0]:.3f}, k=8: {acc[name][2]:.3f}, "
          f"k={sizes[-1]}: {acc[name][-1]:.3f}; total fit time "
          f"{fit_time[name]:.2f} s")

# %%
# The learning curves. On these embeddings the three probes are within a few
# points of each other at every size (the text categories are not Gaussian), while
# the GDA probes fit in a fraction of logistic regression's time: one pass over
# the data and one factorisation, no iterative solver.
fig, ax = plt.subplots(figsize=(6, 4))
for name, values in acc.items():
    ax.plot(sizes, values, marker="o", label=name)
ax.set_xscale("log", base=2)
ax.set_xlabel("training samples per class")
ax.set_ylabel("test accuracy")
ax.set_title("Linear probes on WordNet sentence embeddings (d = 384)")
ax.legend()
fig.tight_layout()
plt.show()
