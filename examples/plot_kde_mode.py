"""
=============================================
KDE modes of real sentence embeddings
=============================================

:class:`~sklearn_lowdim.density.KDEMode` finds the highest point of a kernel
density estimate in hundreds of dimensions by searching a 20-dimensional random
projection and lifting the result back. Here it finds, for each of four WordNet
categories, the "most typical" point of the 384-dimensional sentence embeddings of
their glosses, and prints the glosses nearest to it. A 2-D toy mixture first shows
the search itself.
"""

# %%
# The search on a toy mixture
# ---------------------------
# Mean shift from many starts climbs to the local modes; the best one is kept.
import matplotlib.pyplot as plt
import numpy as np

from sklearn_lowdim.datasets import load_wordnet_embeddings, make_gaussian_mixture
from sklearn_lowdim.density import KDEMode

X2, _, _ = make_gaussian_mixture(600, 2, n_components=4, separation=3.0,
                                 random_state=2)
toy = KDEMode(bandwidth=0.6, method="bruteforce", n_modes=4).fit(X2)
grid = np.stack(np.meshgrid(np.linspace(*np.percentile(X2[:, 0], [0, 100]), 120),
                            np.linspace(*np.percentile(X2[:, 1], [0, 100]), 120)),
                axis=-1).reshape(-1, 2)
density = toy.score_samples(grid).reshape(120, 120)

fig, axes = plt.subplots(1, 2, figsize=(10, 4))
axes[0].contourf(grid[:, 0].reshape(120, 120), grid[:, 1].reshape(120, 120),
                 np.exp(density), levels=20, cmap="Blues")
axes[0].scatter(X2[:, 0], X2[:, 1], s=2, c="k", alpha=0.3)
axes[0].scatter(toy.modes_[:, 0], toy.modes_[:, 1], marker="x", s=80, c="r",
                label="modes (best first)")
axes[0].scatter(*toy.mode_, marker="*", s=250, c="gold", edgecolor="k",
                label="highest mode")
axes[0].set_title("KDE and its modes (toy, 2-D)")
axes[0].legend(loc="lower left", fontsize=8)

# %%
# Modes of real embeddings
# ------------------------
# For each category, the mode of the KDE of its glosses' embeddings, and the
# glosses nearest to it (cosine similarity).
wordnet = load_wordnet_embeddings()
names = list(wordnet.target_names)
log_ratios = []
for category in ["noun.animal", "noun.food", "noun.feeling", "verb.contact"]:
    members = wordnet.target == names.index(category)
    X = wordnet.data[members]
    kde = KDEMode(random_state=0).fit(X)
    similarity = X @ kde.mode_ / np.linalg.norm(kde.mode_)
    nearest = np.argsort(-similarity)[:3]
    print(f"\n{category}: bandwidth {kde.bandwidth_:.3f}, "
          f"effective sample size {kde.effective_sample_size_:.0f}")
    for i in nearest:
        print(f"  {similarity[i]:.2f}  {wordnet.text[np.flatnonzero(members)[i]]}")
    log_ratios.append(kde.mode_log_density_ - kde.score_samples(X).max())

axes[1].bar(range(4), np.exp(log_ratios))
axes[1].axhline(1.0, color="k", lw=0.8)
axes[1].set_xticks(range(4), ["animal", "food", "feeling", "contact"])
axes[1].set_ylabel("density at mode / at densest gloss")
axes[1].set_title("The mode beats every data point")
fig.tight_layout()
plt.show()
