"""
==========================================================
Coresets for l1 regression: uniform vs leverage vs Lewis
==========================================================

A weighted subset of rows is a *coreset* for l_p regression when
``sum_kept w_i |a_i x - b_i|^p`` stays within ``1 +- eps`` of the full sum for
every ``x``. How many rows that takes depends on how they are drawn.

We build a tall, *coherent* problem (heavy-tailed row norms, five columns that
only 30 rows touch, Laplace noise and gross outliers) and compare three
importance scores for :class:`~sklearn_lowdim.sampling.SensitivitySampler` at
``p = 1``:

* **uniform** sampling, the usual "fit on a random subset";
* **leverage** scores, the l_2 sensitivities;
* **Lewis weights**, the l_1 analogue of leverage scores (Cohen and Peng, 2015).

For each sample size we measure the subspace distortion with
:func:`~sklearn_lowdim.sampling.subspace_distortion`, and the cost of the l_1
regression solved on the coreset relative to the fit on all rows.
"""

# %%
# The data
# --------
import time

import matplotlib.pyplot as plt
import numpy as np

from sklearn_lowdim.sampling import (
    LpRegression,
    SensitivitySampler,
    leverage_scores,
    lewis_weights,
    subspace_distortion,
)
from sklearn_lowdim.sampling._fixtures import make_coherent_regression

A, b, _ = make_coherent_regression(50_000, 20, random_state=0)
B = np.column_stack([A, np.ones(len(A)), b])  # the coreset must embed [A 1 b]
print(f"A: {A.shape}, max leverage of [A 1 b]: {leverage_scores(B).max():.2f}")

# %%
# Scores are computed once and reused for every draw (an array ``scores``).
start = time.perf_counter()
scores = {
    "uniform": np.ones(len(A)),
    "leverage": leverage_scores(B),
    "Lewis (p=1)": lewis_weights(B, p=1),
}
print(f"scores in {time.perf_counter() - start:.2f} s")

p = 1.0
full = LpRegression(p=p, solver="irls").fit(A, b)


def cost(model):
    return np.abs(A @ model.coef_ + model.intercept_ - b).sum()


sizes = [200, 400, 800, 1600, 3200]
distortion = {name: [] for name in scores}
cost_ratio = {name: [] for name in scores}
for name, s in scores.items():
    for m in sizes:
        d_runs, c_runs = [], []
        for seed in range(2):
            sampler = SensitivitySampler(p=p, n_samples=m, scores=s, random_state=seed)
            X_s, y_s = sampler.fit_resample(A, b)
            w = sampler.sample_weight_
            d_runs.append(subspace_distortion(B, sampler.sample_indices_, w, p,
                                              random_state=0))
            fit = LpRegression(p=p, solver="irls", max_iter=500).fit(
                X_s, y_s, sample_weight=w)
            c_runs.append(cost(fit) / cost(full))
        distortion[name].append(np.median(d_runs))
        cost_ratio[name].append(np.median(c_runs))

# %%
# Distortion and cost against the sample size
# -------------------------------------------
# Uniform sampling misses the rows that carry the rare columns: its distortion
# stays at or above 1 (a direction is sampled to zero, or blown up). Leverage
# and Lewis weights embed the subspace; Lewis weights do better at small ``m``,
# as the theory for ``p = 1`` predicts.
fig, axes = plt.subplots(1, 2, figsize=(10, 4))
for name in scores:
    axes[0].plot(sizes, distortion[name], marker="o", label=name)
    axes[1].plot(sizes, np.array(cost_ratio[name]) - 1, marker="o", label=name)
axes[0].set(xscale="log", yscale="log", xlabel=f"rows sampled (m, of {len(A):,})",
            ylabel="subspace distortion (max relative error)",
            title="l1 subspace distortion")
axes[1].set(xscale="log", yscale="log", xlabel=f"rows sampled (m, of {len(A):,})",
            ylabel="cost ratio - 1 (relative excess l1 loss)",
            title="l1 regression: coreset vs full fit")
for ax in axes:
    # one readable label per sample size instead of crowded log ticks
    ax.set_xticks(sizes, [f"{m:,}" for m in sizes])
    ax.minorticks_off()
axes[0].legend()
fig.tight_layout()
plt.show()

for name in scores:
    print(f"{name:>12}: distortion at m=800: {distortion[name][2]:.3f}, "
          f"cost ratio {cost_ratio[name][2]:.4f}")
