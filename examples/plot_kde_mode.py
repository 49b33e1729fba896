"""
=============================================
KDE modes of real sentence embeddings
=============================================

:class:`~sklearn_lowdim.density.KDEMode` finds the highest point of a kernel
density estimate in hundreds of dimensions. Here it finds, for each of four
WordNet categories, the "most typical" point of the 384-dimensional sentence
embeddings of their glosses, shows where those modes sit among the data on a
two-dimensional projection, and prints the glosses nearest to them. A 2-D toy
mixture then shows the search itself.
"""

# %%
# Modes on a two-dimensional projection of the embeddings
# -------------------------------------------------------
# One KDE per category (bandwidth ``'auto'``). ``KDEMode`` returns its highest
# mode (star). For contrast, mean shift from 12 random glosses of the category
# (the practical baseline, ``method='random_starts'``) stops at local modes: the
# black crosses mark the distinct points where those climbs ended, and the
# legend counts them. The plane is spanned by the top two principal axes of the
# four categories' embeddings (all 384 dimensions are projected on it, so the
# axes are in the units of the unit-norm embeddings).
import matplotlib.pyplot as plt
import numpy as np
from sklearn.decomposition import PCA

from sklearn_lowdim.datasets import load_wordnet_embeddings, make_gaussian_mixture
from sklearn_lowdim.density import KDEMode

wordnet = load_wordnet_embeddings()
names = list(wordnet.target_names)
categories = ["noun.animal", "noun.food", "noun.feeling", "verb.contact"]
rows = np.isin(wordnet.target, [names.index(c) for c in categories])
pca = PCA(2).fit(wordnet.data[rows])

fig, ax = plt.subplots(figsize=(7, 7))
fits = {}
for category, color in zip(categories, ["C0", "C1", "C2", "C3"]):
    X = wordnet.data[wordnet.target == names.index(category)]
    kde = KDEMode(random_state=0).fit(X)
    starts = KDEMode(method="random_starts", n_starts=12, n_modes=12,
                     bandwidth=kde.bandwidth_, random_state=1).fit(X)
    fits[category] = (X, kde)
    Z = pca.transform(X)
    ax.scatter(Z[:, 0], Z[:, 1], s=4, color=color, alpha=0.25, linewidths=0)
    mode = pca.transform(kde.mode_[None])
    n_ends = len(starts.modes_)
    ax.scatter(mode[:, 0], mode[:, 1], marker="*", s=320, color=color,
               edgecolor="k", linewidths=1, zorder=3,
               label=f"{category}: mode ({n_ends} distinct random-start "
                     f"end{'s' if n_ends > 1 else ''})")
    ends = pca.transform(starts.modes_)
    ax.scatter(ends[:, 0], ends[:, 1], marker="x", s=40, color="k",
               linewidths=1.2, zorder=4)
# Marker legend entries without data, so the legend explains the symbols.
ax.scatter([], [], s=12, color="0.5", alpha=0.5, label="glosses (one dot each)")
ax.scatter([], [], marker="x", s=40, color="k",
           label="where mean shift from 12 random glosses ended")
ax.set_xlabel(f"first principal axis ({pca.explained_variance_ratio_[0]:.0%} "
              "of the variance)")
ax.set_ylabel(f"second principal axis ({pca.explained_variance_ratio_[1]:.0%} "
              "of the variance)")
ax.set_title("KDE modes of 384-d WordNet gloss embeddings, one KDE per category\n"
             "(projection on the top two principal axes of the data)", fontsize=10)
ax.tick_params(labelsize=9)
# Below the axes, so that it covers no data.
ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2,
          framealpha=0.9)
fig.tight_layout()
plt.show()

# %%
# The glosses nearest each mode
# -----------------------------
# The glosses most similar (cosine) to each category's mode, and how much
# higher the KDE is at the mode than at the densest gloss.
log_ratios = []
for category, (X, kde) in fits.items():
    similarity = X @ kde.mode_ / np.linalg.norm(kde.mode_)
    nearest = np.argsort(-similarity)[:3]
    members = np.flatnonzero(wordnet.target == names.index(category))
    print(f"\n{category}: bandwidth {kde.bandwidth_:.3f}, "
          f"effective sample size {kde.effective_sample_size_:.0f}")
    for i in nearest:
        print(f"  {similarity[i]:.2f}  {wordnet.text[members[i]]}")
    log_ratios.append(kde.mode_log_density_ - kde.score_samples(X).max())

# %%
# The search on a toy mixture
# ---------------------------
# Mean shift from many starts climbs to the local modes; the best one is kept.
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
axes[0].set_xlabel("x1")
axes[0].set_ylabel("x2")
axes[0].set_title("KDE and its modes (toy, 2-D)")
axes[0].legend(loc="lower left", fontsize=8)

axes[1].bar(range(4), np.exp(log_ratios))
axes[1].axhline(1.0, color="k", lw=0.8)
axes[1].set_xticks(range(4), ["animal", "food", "feeling", "contact"])
axes[1].set_ylabel("density at mode / at densest gloss")
axes[1].set_title("The mode beats every data point")
fig.tight_layout()
plt.show()
