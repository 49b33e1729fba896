"""
==============================================================
Tuning a subsample ridge ensemble by GCV, without a validation
==============================================================

:class:`~sklearn_lowdim.linear_model.SubsampleRidgeEnsembleCV` scores every
(penalty, subsample size) pair of a grid by generalized cross-validation on the
full data, with one eigendecomposition per member serving all penalties. Here the
GCV surface is compared with the true prediction risk, known because the data are
simulated: ``sigma^2 + ||beta_hat - beta||^2`` for isotropic Gaussian features.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np

from sklearn_lowdim.linear_model import SubsampleRidgeEnsembleCV

rng = np.random.default_rng(0)
n, p, sigma = 600, 300, 1.0
beta = rng.normal(size=p) / np.sqrt(p)
X = rng.normal(size=(n, p))
y = X @ beta + sigma * rng.normal(size=n)

model = SubsampleRidgeEnsembleCV(
    lambdas=np.logspace(-3, 1, 12), max_samples=[0.2, 0.4, 0.6, 0.8, 1.0],
    n_estimators=20, fit_intercept=False, random_state=0,
).fit(X, y)
print(f"selected lambda={model.lambda_:.3g}, k={model.max_samples_}")

# %%
# True risk of each grid point, from refits with the same settings
# -----------------------------------------------------------------
true_risk = np.empty_like(model.gcv_scores_)
for i, k in enumerate(model.max_samples_grid_):
    for j, lam in enumerate(model.lambdas_):
        member = SubsampleRidgeEnsembleCV(lambdas=[lam], max_samples=[int(k)],
                                          n_estimators=20, fit_intercept=False,
                                          random_state=0).fit(X, y)
        true_risk[i, j] = sigma**2 + np.sum((member.coef_ - beta) ** 2)

fig, axes = plt.subplots(1, 2, figsize=(11, 4), sharey=True)
for ax, surface, title in [(axes[0], model.gcv_scores_, "GCV estimate"),
                           (axes[1], true_risk, "true risk")]:
    mesh = ax.pcolormesh(model.lambdas_, model.max_samples_grid_, surface,
                         shading="nearest", cmap="viridis",
                         vmin=true_risk.min(), vmax=np.percentile(true_risk, 90))
    ax.set_xscale("log")
    ax.scatter([model.lambda_], [model.max_samples_], marker="*", s=200, c="red",
               label="GCV choice")
    ax.set(title=title, xlabel="penalty lambda")
    ax.legend(loc="lower left")
axes[0].set_ylabel("subsample size k")
fig.colorbar(mesh, ax=axes)
plt.show()
