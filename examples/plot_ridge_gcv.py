"""
==============================================================
Tuning a subsample ridge ensemble by GCV, without a validation
==============================================================

:class:`~sklearn_lowdim.linear_model.SubsampleRidgeEnsembleCV` scores every
(penalty, subsample size) pair of a grid by corrected generalized
cross-validation on the full data, with one eigendecomposition per member serving
all penalties. Here the criterion is compared with the true prediction risk, known
because the data are simulated: ``sigma^2 + ||beta_hat - beta||^2`` for isotropic
Gaussian features. A second panel uses the ``1/M`` structure of ensembles to
predict, from a fit with 10 members, the risk of larger ones.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from sklearn_lowdim.linear_model import SubsampleRidgeEnsemble, SubsampleRidgeEnsembleCV

rng = np.random.default_rng(0)
n, p, sigma = 600, 300, 1.0
beta = rng.normal(size=p) / np.sqrt(p)
X = rng.normal(size=(n, p))
y = X @ beta + sigma * rng.normal(size=n)

model = SubsampleRidgeEnsembleCV(
    alphas=np.logspace(-3, 1, 12), subsample_sizes=[0.2, 0.4, 0.6, 0.8, 1.0],
    n_estimators=10, fit_intercept=False, random_state=0,
).fit(X, y)
print(f"selected alpha={model.alpha_:.3g}, k={model.subsample_size_}, "
      f"corrected GCV {model.best_score_:.3f}")

# %%
# True risk of each grid point, from ensembles with the same settings
# -------------------------------------------------------------------
true_risk = np.empty_like(model.gcv_scores_)
for i, k in enumerate(model.subsample_sizes_):
    for j, alpha in enumerate(model.alphas_):
        member = SubsampleRidgeEnsemble(alpha, subsample_size=int(k), n_estimators=10,
                                        fit_intercept=False, random_state=0).fit(X, y)
        true_risk[i, j] = sigma**2 + np.sum((member.coef_ - beta) ** 2)

fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, surface, title in [(axes[0], model.gcv_scores_, "corrected GCV"),
                           (axes[1], true_risk, "true risk")]:
    mesh = ax.pcolormesh(model.alphas_, model.subsample_sizes_, surface,
                         shading="nearest", cmap="viridis",
                         vmin=true_risk.min(), vmax=np.percentile(true_risk, 90))
    ax.set_xscale("log")
    ax.scatter([model.alpha_], [model.subsample_size_], marker="*", s=200, c="red",
               label="selected")
    ax.set(title=title, xlabel="penalty alpha")
    ax.legend(loc="lower left")
axes[0].set_ylabel("subsample size k")
fig.colorbar(mesh, ax=axes)
plt.show()

# %%
# Predicting the risk of larger ensembles
# ---------------------------------------
# Ridgeless members on 40% of the rows (fewer rows than features) interpolate
# their subsample; averaging many of them regularises. ``risk_path`` fits
# ``R_M = R_1/M + (1 - 1/M) R_inf`` to corrected GCV at ``M = 1..10`` and
# extrapolates; the dots are the true risks of ensembles with more members.
small = SubsampleRidgeEnsemble(0.0, subsample_size=0.4, n_estimators=10,
                               fit_intercept=False, random_state=0).fit(X, y)
sizes = np.array([1, 2, 5, 10, 20, 50])
truth = [
    sigma**2 + np.sum((SubsampleRidgeEnsemble(
        0.0, subsample_size=0.4, n_estimators=int(M), fit_intercept=False,
        random_state=1).fit(X, y).coef_ - beta) ** 2)
    for M in sizes
]
grid = np.arange(1, 51)
fig, ax = plt.subplots(figsize=(5.5, 3.8))
ax.plot(grid, small.risk_path(grid), label="risk_path (fitted on M <= 10)")
ax.plot(np.arange(1, 11), small.criteria_by_n_estimators_["cgcv"], "o",
        mfc="none", label="corrected GCV, M <= 10")
ax.plot(sizes, truth, "k.", ms=10, label="true risk")
ax.set(xscale="log", xlabel="ensemble size M", ylabel="prediction risk",
       title="ridgeless members, k = 0.4 n < p")
ax.legend()
plt.show()
print("risk_path(50) =", round(small.risk_path(50), 3), " true risk at M=50:",
      round(truth[-1], 3))
