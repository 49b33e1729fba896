"""Benchmark: Gaussian discriminant analysis against scikit-learn's LDA, QDA and NB.

Synthetic Gaussian classes with a shared random covariance ``Q diag(linspace(0.2,
3, d)) Q^T`` and means ``N(0, (6 / sqrt(d))^2 I)`` (the spec's configurations):

* A: n = 100,000, d = 256, C = 100;   B: n = 20,000, d = 768, C = 1000;
* 100,000 test rows (10,000 for the slow per-class peers and for 'full').

Each method is timed in this process (median of ``--repeats`` runs, fit and
predict separately); "+MiB" is the peak memory NumPy allocated during the call
beyond the array it returns (tracemalloc, in a separate untimed run).
Ratios are the peer's time over ours (> 1: we are faster).

    python benchmarks/bench_discriminant.py                # small (n/5, d/4, C/5)
    python benchmarks/bench_discriminant.py --size full    # the spec's A and B
"""

import argparse
import warnings

import numpy as np
from _common import peak_extra_mib, print_table, ratio, timed

from sklearn_lowdim.discriminant_analysis import GaussianDiscriminantAnalysis as GDA

CONFIGS = {
    "full": {"A": (100_000, 256, 100), "B": (20_000, 768, 1000)},
    "small": {"A": (20_000, 64, 20), "B": (4_000, 192, 200)},
}
N_TEST = {"full": 100_000, "small": 20_000}


def make_data(n, d, C, n_test, seed=0):
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    A = Q * np.sqrt(np.linspace(0.2, 3.0, d))
    means = rng.normal(scale=6 / np.sqrt(d), size=(C, d))

    def draw(m):
        y = np.arange(m) % C
        rng.shuffle(y)
        return means[y] + rng.normal(size=(m, d)) @ A.T, y

    X, y = draw(n)
    Xt, yt = draw(n_test)
    return X, y, Xt, yt


def run_method(name, make, X, y, Xt, yt, repeats, proba=True):
    row = {"method": name}
    fit_s, model = timed(lambda: make().fit(X, y), repeats)
    _, fit_mb = peak_extra_mib(lambda: make().fit(X, y))
    pred_s, pred = timed(lambda: model.predict(Xt), repeats)
    _, pred_mb = peak_extra_mib(lambda: model.predict(Xt))
    row.update(fit_s=fit_s, fit_mb=fit_mb, predict_s=pred_s, predict_mb=pred_mb,
               accuracy=float(np.mean(pred == yt)), n_test=len(yt))
    if proba:
        row["proba_s"], _ = timed(lambda: model.predict_proba(Xt), repeats)
        _, row["proba_mb"] = peak_extra_mib(lambda: model.predict_proba(Xt))
    return row


def min_mahalanobis(whitener, means, Xt):
    from sklearn_lowdim.covariance import mahalanobis_distances

    return mahalanobis_distances(Xt, means, whitener, reduction="min")


def fmt(v, spec):
    return "" if v is None else format(v, spec)


HEADER = ["method", "test rows", "fit s", "fit +MiB", "predict s", "pred +MiB",
          "proba s", "proba +MiB", "accuracy", "fit ratio", "predict ratio"]


def table_rows(rows, peers):
    lines = []
    for r in rows:
        peer = peers.get(r["method"])
        pr = next((p for p in rows if p["method"] == peer), None)
        fit_ratio = ratio(pr["fit_s"], r["fit_s"]) if pr else ""
        # predict is timed on fewer rows for the slow peers: compare per row
        pred_ratio = ratio(pr["predict_s"] / pr["n_test"],
                           r["predict_s"] / r["n_test"]) if pr else ""
        lines.append([
            r["method"], str(r["n_test"]), fmt(r["fit_s"], ".2f"),
            fmt(r["fit_mb"], ".0f"), fmt(r["predict_s"], ".2f"),
            fmt(r["predict_mb"], ".0f"), fmt(r.get("proba_s"), ".2f"),
            fmt(r.get("proba_mb"), ".0f"), fmt(r["accuracy"], ".4f"),
            f"{fit_ratio} vs {peer}" if fit_ratio else "", pred_ratio,
        ])
    return lines


def main(argv=None):
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as LDA
    from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis as QDA
    from sklearn.naive_bayes import GaussianNB

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "full"], default="small")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--configs", default="A,B")
    parser.add_argument("--skip-slow", action="store_true",
                        help="skip LDA(lsqr, auto) and GaussianNB")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    for cfg in args.configs.split(","):
        n, d, C = CONFIGS[args.size][cfg]
        X, y, Xt, yt = make_data(n, d, C, N_TEST[args.size])
        Xs, ys = Xt[:10_000], yt[:10_000]
        rep = args.repeats
        rows, peers = [], {
            "GDA tied": "LDA(svd)",
            "GDA tied LW": "LDA(lsqr, auto)",
            "GDA diag": "GaussianNB",
            "GDA full LW": "QDA(reg_param=0.1)",
        }
        # warm-up (Numba compilation is cached, excluded from the timings)
        GDA().fit(X[:500], y[:500] % 3).predict_proba(Xt[:10])
        rows.append(run_method("GDA tied", GDA, X, y, Xt, yt, rep))
        from sklearn_lowdim.covariance import Whitener

        model = GDA().fit(X, y)
        # the fused kernel on the fitted tied covariance, through public names only
        whitener = Whitener().fit(model.covariance_)
        min_mahalanobis(whitener, model.means_, Xt[:100])
        maha_s, _ = timed(lambda: min_mahalanobis(whitener, model.means_, Xt), rep)
        _, maha_mb = peak_extra_mib(
            lambda: min_mahalanobis(whitener, model.means_, Xt))
        rows.append(run_method("GDA tied LW", lambda: GDA(shrinkage="ledoit_wolf"),
                               X, y, Xt, yt, rep))
        rows.append(run_method("LDA(svd)", LDA, X, y, Xt, yt, rep))
        rows.append(run_method("LDA(eigen)", lambda: LDA(solver="eigen"), X, y, Xt,
                               yt, rep))
        if not args.skip_slow:
            rows.append(run_method(
                "LDA(lsqr, auto)", lambda: LDA(solver="lsqr", shrinkage="auto"),
                X, y, Xt, yt, max(1, rep - 2)))
        rows.append(run_method("GDA diag", lambda: GDA(covariance_type="diag"),
                               X, y, Xt, yt, rep))
        if not args.skip_slow:
            rows.append(run_method("GaussianNB", GaussianNB, X, y, Xs, ys, 1))
        rows.append(run_method(
            "GDA full LW", lambda: GDA(covariance_type="full",
                                       shrinkage="ledoit_wolf"),
            X, y, Xs, ys, 1, proba=False))
        if n // C > d and args.size == "small":
            rows.append(run_method("QDA(reg_param=0.1)",
                                   lambda: QDA(reg_param=0.1), X, y, Xs, ys, 1,
                                   proba=False))
        print_table(f"Config {cfg}: n={n}, d={d}, C={C} (median of {rep})", HEADER,
                    table_rows(rows, peers))
        print(f"min Mahalanobis over all {C} classes, {len(yt)} rows (GDA tied "
              f"covariance, fused Numba min): {maha_s:.2f} s, +{maha_mb:.0f} MiB")


if __name__ == "__main__":
    main()
