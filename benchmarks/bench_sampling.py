"""Benchmark: leverage scores, Lewis weights and coreset l_p regression.

Times sklearn_lowdim.sampling against the brute-force references on the same data
in one process (median of ``--repeats`` runs) and prints tables with ratios:

1. approximate (sketched) leverage scores vs exact ones (QR) -- target >= 2x
   faster at n = 1,000,000 with the median ratio approx/exact in [0.8, 1.25];
2. Lewis weights vs one ``numpy.linalg.qr`` of A -- target <= 10x its time;
3. coreset + ``LpRegression`` vs ``LpRegression`` on all rows -- target >= 10x
   faster at a cost ratio <= 1.02; with the distortion of the coreset and of a
   uniform sample of the same size beside it.

The data is the coherent fixture of the tests (heavy-tailed rows, rare columns,
Laplace noise and outliers), where uniform sampling is not a subspace embedding.

    python benchmarks/bench_sampling.py                # small (n=100,000, d=20)
    python benchmarks/bench_sampling.py --size full    # n=1,000,000, d=50
"""

import argparse
import warnings

import numpy as np
from _common import print_table, ratio, timed

from sklearn_lowdim.sampling import (
    LpRegression,
    SensitivitySampler,
    leverage_scores,
    lewis_weights,
    subspace_distortion,
)
from sklearn_lowdim.sampling._fixtures import make_coherent_regression

SIZES = {"small": (100_000, 20, 1000), "full": (1_000_000, 50, 2500)}


def cost(A, b, model, p):
    r = A @ model.coef_ + model.intercept_ - b
    return float(np.sum(np.abs(r) ** p) ** (1 / p))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ps", default="1,1.5,3", help="comma-separated p values")
    parser.add_argument("--sections", default="1,2,3",
                        help="comma-separated sections to run (1, 2, 3)")
    args = parser.parse_args()
    n, d, m = SIZES[args.size]
    ps = [float(p) for p in args.ps.split(",")]
    rep = args.repeats
    sections = {int(x) for x in args.sections.split(",")}
    warnings.simplefilter("ignore")
    print(f"sampling benchmark: n={n:,}, d={d}, coreset m={m}, median of {rep}")
    A, b, _ = make_coherent_regression(n, d, rare_rows=30, random_state=0)
    B = np.column_stack([A, np.ones(n), b])  # what the regression coreset scores

    t_qr, _ = timed(lambda: np.linalg.qr(B), rep)
    print(f"numpy.linalg.qr of [A 1 b]: {t_qr:.3f} s")
    if 1 in sections:
        leverage_section(B, t_qr, rep)
    if 2 in sections:
        lewis_section(B, t_qr, ps, rep)
    if 3 in sections:
        regression_section(A, b, B, m, ps, rep)


def leverage_section(B, t_qr, rep):
    t_exact, tau = timed(lambda: leverage_scores(B), rep)
    t_sketch, tau_hat = timed(lambda: leverage_scores(B, method="sketch",
                                                      random_state=0), rep)
    rel = tau_hat / tau
    q1, med, q99 = np.percentile(rel, [1, 50, 99])
    print_table(
        "1. leverage scores of [A 1 b] (target: sketch >= 2x faster, median in "
        "[0.8, 1.25])",
        ["method", "time s", "speed-up vs exact", "median approx/exact",
         "1%-99%"],
        [
            ["numpy.linalg.qr (reference)", f"{t_qr:.3f}", "-", "-", "-"],
            ["leverage_scores exact", f"{t_exact:.3f}", "1.00", "1", "-"],
            ["leverage_scores sketch", f"{t_sketch:.3f}",
             ratio(t_exact, t_sketch, ".2f"), f"{med:.3f}", f"{q1:.2f}-{q99:.2f}"],
        ],
    )


def lewis_section(B, t_qr, ps, rep):
    rows = []
    for p in ps:
        for method in ("exact", "sketch", "approximate"):
            t, (w, info) = timed(lambda: lewis_weights(
                B, p, method=method, return_info=True, random_state=0), rep)
            if method == "exact":
                w_exact = w
            lo, hi = np.percentile(w / w_exact, [1, 99])
            rows.append([f"{p:g}", method, f"{t:.3f}", ratio(t, t_qr, ".2f"),
                         info["n_iter"], f"{info['residual']:.1e}",
                         f"{float(w.sum()):.6f}", f"{lo:.3f}-{hi:.3f}"])
    print_table("2. Lewis weights (target: <= 10x one numpy.linalg.qr of A; "
          "'approximate' is not exact, its residual is the subproblem's)",
          ["p", "method", "time s", "x QR", "iterations", "residual", "sum w",
           "w / exact, 1%-99%"], rows)


def regression_section(A, b, B, m, ps, rep):
    rows = []
    for p in ps:
        full_t, full = timed(
            lambda: LpRegression(p=p, solver="irls").fit(A, b), rep)
        full_cost = cost(A, b, full, p)
        configs = [("lewis", "exact"), ("lewis", "sketch")]
        configs.append(("root_leverage", "sketch") if p < 2 else
                       ("leverage", "sketch"))
        for scores, score_method in configs:
            core_t, core = timed(lambda: LpRegression(
                p=p, coreset_size=m, scores=scores, score_method=score_method,
                random_state=0).fit(A, b), rep)
            dist = subspace_distortion(B, core.coreset_indices_,
                                       core.coreset_weights_, p, random_state=0)
            uni = SensitivitySampler(p=p, n_samples=m, scores="uniform",
                                     random_state=0).fit(A, b)
            uni_dist = subspace_distortion(B, uni.sample_indices_,
                                           uni.sample_weight_, p, random_state=0)
            rows.append([
                f"{p:g}", f"{scores}/{score_method}", f"{full_t:.3f}",
                f"{core_t:.3f}", ratio(full_t, core_t),
                f"{cost(A, b, core, p) / full_cost:.4f}",
                len(core.coreset_indices_), f"{dist:.3f}", f"{uni_dist:.2f}",
            ])
    print_table(
        "3. l_p regression: coreset + LpRegression vs all rows (target: >= 10x "
        "faster, cost ratio <= 1.02)",
        ["p", "scores", "full s", "coreset s", "speed-up", "cost ratio", "rows",
         "distortion", "uniform distortion"],
        rows,
    )


if __name__ == "__main__":
    main()
