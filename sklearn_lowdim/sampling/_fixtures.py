"""A coherent tall regression problem, where uniform row sampling fails (private).

Used by the tests, the benchmark and the gallery example; the recipe is the one of
the sampling spec (A6): Gaussian rows with heavy-tailed norms, a few "rare" columns
that only some rows touch, a Laplace-noise target and a few gross outliers.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils import check_random_state


def make_coherent_regression(
    n_samples=100_000,
    n_features=20,
    *,
    n_rare=5,
    rare_rows=30,
    outlier_fraction=0.005,
    random_state=None,
):
    """Return ``(A, b, x_true)`` with highly non-uniform leverage.

    Rows are Gaussian times ``|t_2|`` norms; ``n_rare`` columns are non-zero in
    only ``rare_rows`` rows each; ``b = A x_true + Laplace noise`` plus gross
    outliers on ``outlier_fraction`` of the rows.
    """
    rng = check_random_state(random_state)
    n, d = n_samples, n_features
    A = rng.standard_normal((n, d))
    A *= np.abs(rng.standard_t(2, size=n))[:, None]
    for j in range(d - n_rare, d):
        A[:, j] = 0.0
        rows = rng.choice(n, size=min(rare_rows, n), replace=False)
        A[rows, j] = rng.standard_normal(len(rows)) * 3.0
    x_true = rng.standard_normal(d)
    b = A @ x_true + rng.laplace(size=n)
    n_out = int(outlier_fraction * n)
    if n_out:
        out = rng.choice(n, size=n_out, replace=False)
        b[out] += rng.standard_normal(n_out) * 50.0
    return A, b, x_true
