"""Benchmark: KDE mode finding by sketching against brute force and the peers.

On an 8-component Gaussian mixture with close peaks (nearly equal weights) it
times, in one process (median of ``--repeats`` runs):

1. ``KDEMode(method='sketch')`` (defaults: sketch_dim=20, 'auto' starts, lift,
   polish) against brute-force mean shift started from every data point in the
   original space. Brute force from all n starts is far too slow to run, so it is
   timed from ``--brute-starts`` starts and scaled linearly to n starts (the cost
   of a mean-shift step is linear in the number of starts); the density it
   reaches is the best of those starts plus the sketch's own result.
   Target: sketch >= 50x faster at a density ratio >= 0.99.
2. The fused Numba mean-shift kernel against the best NumPy formulation of the
   same low-dimensional search (blocked GEMM distances + exp + GEMM sums).
   Target: >= 3x.
3. Where they apply: scikit-learn ``MeanShift`` (flat kernel, seeded from the same
   starts) and ``scipy.stats.gaussian_kde`` evaluation at the candidate modes.

    python benchmarks/bench_kde_mode.py                # n=5,000, d=200
    python benchmarks/bench_kde_mode.py --size full    # n=50,000, d=1,000
"""

import argparse
import time

import numpy as np

from sklearn_lowdim.datasets import make_gaussian_mixture
from sklearn_lowdim.density import KDEMode
from sklearn_lowdim.density._kernel_functions import make_kernel
from sklearn_lowdim.density._mean_shift import blocked_step, mean_shift, step

SIZES = {"small": (5_000, 200), "full": (50_000, 1_000)}


def timed(func, repeats):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def print_table(title, header, rows):
    print(f"\n{title}")
    cells = [[str(c) for c in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--brute-starts", type=int, default=16)
    args = parser.parse_args(argv)
    n, d = SIZES[args.size]
    weights = np.full(8, 1 / 8) + np.linspace(-0.004, 0.004, 8)  # close peaks
    X, _, _ = make_gaussian_mixture(n, d, weights=weights, random_state=0)
    h = 0.5 * np.sqrt(d)
    kernel = make_kernel("gaussian")
    print(f"data: {n} x {d} Gaussian mixture, 8 close peaks, bandwidth {h:.2f}")

    # 1. sketch vs brute force
    estimator = KDEMode(bandwidth=h, random_state=0)
    sketch_s, fitted = timed(lambda: estimator.fit(X), args.repeats)
    centre = X.mean(axis=0)
    points = X - centre
    rng = np.random.default_rng(1)
    starts = points[rng.choice(n, size=args.brute_starts, replace=False)]
    brute_s, (found, log_sums, n_iter) = timed(
        lambda: mean_shift(starts, points, np.ones(n), kernel, h, max_iter=100,
                           tol=1e-5),
        1,
    )
    brute_all_s = brute_s * n / args.brute_starts
    log_norm = np.log(n) + kernel.log_normalizer(d, h)
    best_brute = max(log_sums.max() - log_norm, fitted.mode_log_density_)
    ratio = np.exp(fitted.mode_log_density_ - best_brute)
    print_table(
        "1. KDEMode(method='sketch') vs brute-force mean shift from all points",
        ["method", "time s", "density ratio", "speed-up"],
        [
            ["KDEMode sketch (m=20)", f"{sketch_s:.2f}", f"{ratio:.4f}",
             f"{brute_all_s / sketch_s:.0f}x"],
            [f"brute force, {args.brute_starts} starts (measured)", f"{brute_s:.2f}",
             f"{np.exp(log_sums.max() - log_norm - best_brute):.4f}", "-"],
            [f"brute force, all {n} starts (scaled linearly)", f"{brute_all_s:.0f}",
             "-", "1x"],
        ],
    )

    # 2. fused Numba kernel vs the best NumPy formulation, same low-d search
    m = 20
    sketched = points @ (np.random.default_rng(2).standard_normal((d, m)) / np.sqrt(m))
    sketched -= sketched.mean(axis=0)
    queries = sketched[np.random.default_rng(3).choice(n, 400, replace=False)]
    ones = np.ones(n)
    step(queries[:2], sketched, ones, kernel, h, fused=True)  # compile outside timing
    fused_s, fused_out = timed(lambda: step(queries, sketched, ones, kernel, h,
                                            fused=True), args.repeats)
    numpy_s, numpy_out = timed(lambda: blocked_step(queries, sketched, ones, kernel,
                                                    h), args.repeats)
    err = np.abs(fused_out[0] - numpy_out[0]).max()
    print_table(
        "2. one mean-shift step, 400 starts in the 20-d sketch",
        ["implementation", "time s", "speed-up", "max abs diff"],
        [["GEMM + fused Numba weights + GEMM", f"{fused_s:.3f}",
          f"{numpy_s / fused_s:.1f}x", f"{err:.1e}"],
         ["NumPy: GEMM distances + exp + GEMM", f"{numpy_s:.3f}", "1x", "-"]],
    )

    # 3. peers where they apply
    rows = []
    try:
        from sklearn.cluster import MeanShift

        seeds = X[np.random.default_rng(4).choice(n, 50, replace=False)]
        peer = MeanShift(bandwidth=2 * h, seeds=seeds, bin_seeding=False, n_jobs=1)
        ms_s, peer = timed(lambda: peer.fit(X), 1)
        centres = peer.cluster_centers_
        best = (fitted.score_samples(centres).max() if len(centres) else -np.inf)
        rows.append(["sklearn MeanShift (flat kernel, 50 seeds)", f"{ms_s:.2f}",
                     f"{np.exp(best - fitted.mode_log_density_):.4f}"])
    except Exception as exc:  # noqa: BLE001 - a peer failing is reported, not fatal
        rows.append(["sklearn MeanShift", "failed", str(exc)[:40]])
    if d <= 200:
        from scipy.stats import gaussian_kde

        kde = gaussian_kde(X[: min(n, 5000)].T)
        kde_s, _ = timed(lambda: kde(fitted.modes_.T), 1)
        rows.append(["scipy gaussian_kde, evaluate at the mode", f"{kde_s:.3f}", "-"])
    else:
        rows.append(["scipy gaussian_kde", "skipped", "d > 200: covariance-scaled"
                     " kernel is singular-prone"])
    print_table("3. peers (density ratio = peer's best / KDEMode's mode)",
                ["peer", "time s", "density ratio"], rows)


if __name__ == "__main__":
    main()
