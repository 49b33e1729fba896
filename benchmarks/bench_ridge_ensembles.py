"""Benchmark: tuning a subsample ridge ensemble by (corrected) GCV.

The issue's grid: n=2000, p=500, M=50, 10 subsample sizes x 10 penalties, isotropic
Gaussian data. Times, in CPU seconds (the comparable number on a shared machine):

* ``ridge_ensemble_gcv_path`` on the full grid (GCV, corrected GCV and union GCV
  for every ensemble size up to M);
* sklearn-ensemble-cv 0.2.5 ``GCV(corrected=True)`` (when installed) and a loop of
  scikit-learn ``Ridge`` fits per member with the degrees of freedom from an SVD,
  each on a 10 x 1 slice (one penalty) and scaled by 10, as the output says;
* the brute-force check: the true risk ``sigma^2 + ||b_hat - b||^2`` of every
  grid point, to see that corrected GCV selects the oracle's point.

``--small`` runs n=600, p=150, M=10 (used by ``python -m sklearn_lowdim bench``).
``--repeats R`` times the path R times (median; the Ridge loop and the package
once each), to read the run-to-run noise off the spread printed beside it.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import Ridge

from sklearn_lowdim.linear_model import ridge_ensemble_gcv_path
from sklearn_lowdim.utils import blas_threads

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import peak_extra_mib, print_table, ratio, timed  # noqa: E402


def _cpu(fn, repeats=1):
    """Median CPU seconds of ``repeats`` calls (through ``timed``), their min and
    max, and the last result: CPU time is the comparable number on a shared machine."""
    cpu = []

    def call():
        start = time.process_time()
        out = fn()
        cpu.append(time.process_time() - start)
        return out

    _, out = timed(call, repeats)
    return float(np.median(cpu)), (min(cpu), max(cpu)), out


def _ridge_loop(X, y, alpha, sizes, M, seed):
    """Members by sklearn Ridge, df by an SVD of each subsample, full GCV at M."""
    rng = np.random.RandomState(seed)
    n = X.shape[0]
    scores = []
    for k in sizes:
        coef, dof = np.zeros(X.shape[1]), 0.0
        for _ in range(M):
            idx = rng.choice(n, k, replace=False)
            member = Ridge(alpha=k * alpha, fit_intercept=False)
            coef += member.fit(X[idx], y[idx]).coef_
            s = np.linalg.svd(X[idx], compute_uv=False)
            dof += np.sum(s**2 / (s**2 + k * alpha))
        coef, dof = coef / M, dof / M
        scores.append(np.mean((y - X @ coef) ** 2) / (1 - dof / n) ** 2)
    return np.asarray(scores)


def _package(X, y, alpha, sizes, M):
    from sklearn_ensemble_cv import GCV

    grid_regr = {"alpha": [int(k) * alpha for k in sizes]}
    grid_ensemble = {"max_samples": [int(k) for k in sizes]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GCV(X, y, Ridge, grid_regr=grid_regr, grid_ensemble=grid_ensemble,
                   kwargs_regr={"fit_intercept": False},
                   kwargs_ensemble={"bootstrap": False}, M=M, M0=M, corrected=True,
                   type="full", n_jobs=1)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "full"], default="full")
    parser.add_argument("--small", action="store_const", const="small", dest="size")
    parser.add_argument("--skip-package", action="store_true",
                        help="skip sklearn-ensemble-cv (about 330 CPU s on the slice)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timed calls of the path (median reported)")
    args = parser.parse_args(argv)
    n, p, M = (2000, 500, 50) if args.size == "full" else (600, 150, 10)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, p))
    beta = rng.standard_normal(p)
    beta /= np.linalg.norm(beta)
    y = X @ beta + rng.standard_normal(n)
    sizes = np.linspace(n // 8, n, 10).astype(int)
    alphas = np.logspace(-3, 1, 10)
    print(f"n={n} p={p} M={M}, {sizes.size} subsample sizes x {alphas.size} "
          "penalties; CPU seconds, one BLAS thread")

    def ours():
        return ridge_ensemble_gcv_path(X, y, alphas, subsample_sizes=sizes,
                                       n_estimators=M, random_state=0)

    with blas_threads(1):
        path, peak = peak_extra_mib(ours)
        t_ours, spread, path = _cpu(ours, args.repeats)
        slice_alpha = alphas[5]
        t_loop, _, _ = _cpu(lambda: _ridge_loop(X, y, slice_alpha, sizes, M, 0))
        try:
            if args.skip_package:
                raise ImportError
            t_pkg, _, _ = _cpu(lambda: _package(X, y, slice_alpha, sizes, M))
        except ImportError:
            t_pkg = None
    # brute-force selection check: true conditional risk of every grid point
    risk = 1.0 + ((path["coef"][:, :, 0, :] - beta) ** 2).sum(-1)
    cgcv = path["cgcv"][:, :, -1, 0]
    sel = np.unravel_index(np.argmin(cgcv), cgcv.shape)
    oracle = np.unravel_index(np.argmin(risk), risk.shape)

    rows = [("sklearn_lowdim ridge_ensemble_gcv_path (full grid)",
             f"{t_ours:.2f} ({spread[0]:.2f}-{spread[1]:.2f})", "1x")]
    rows.append(("scikit-learn Ridge loop (10x1 slice x 10)", f"{10 * t_loop:.2f}",
                 ratio(10 * t_loop, t_ours)))
    if t_pkg is None:
        print("note: sklearn-ensemble-cv skipped (--skip-package, or not installed: "
              "pip install sklearn-ensemble-cv==0.2.5)")
    else:
        rows.append(("sklearn-ensemble-cv 0.2.5 GCV (10x1 slice x 10)",
                     f"{10 * t_pkg:.2f}", ratio(10 * t_pkg, t_ours)))
    print_table(f"CPU seconds, median of {args.repeats} (min-max) for ours",
                ["method", "CPU s", "ratio to ours"], rows)
    print(f"peak traced memory of the path: {peak:.0f} MiB "
          f"(p^2 + n x n_alphas = {(p * p + n * alphas.size) * 8 / 2**20:.1f} MiB)")
    print(f"corrected GCV selects k={sizes[sel[0]]}, alpha={alphas[sel[1]]:.3g} "
          f"(true risk {risk[sel]:.4f}); brute-force oracle k={sizes[oracle[0]]}, "
          f"alpha={alphas[oracle[1]]:.3g} (true risk {risk[oracle]:.4f})")
    rel = np.abs(path["cgcv"][:-1, :, -1, 0] / risk[:-1] - 1)
    print(f"|CGCV/true risk - 1| over the grid at M={M}: median {np.median(rel):.3f}, "
          f"max {rel.max():.3f}")


if __name__ == "__main__":
    main()
