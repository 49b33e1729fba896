"""Benchmark: every family's fit and predict on a GPU (CuPy or PyTorch) against the CPU.

With ``sklearn.set_config(array_api_dispatch=True)`` an estimator that supports
the array API fits and predicts on the input's device. For each family this
script times, in one process (median of ``--repeats`` runs after one warm-up),
``fit`` + the main per-row method on the device against the NumPy (CPU) path on
the same data, in float64 and float32, and prints the speed-up. A case whose
device run raises is listed with the error instead of a time, so the table also
says which estimators do not run on the device yet.

    python benchmarks/bench_device.py --device torch   # cuda if available, else cpu
    python benchmarks/bench_device.py --device cupy --size full  # the issue's sizes
    python -m sklearn_lowdim bench --device cupy --size full     # the same

``--size full`` uses the sizes of the other benchmarks: GDA case B (n=20,000,
d=768, C=1000, 100,000 test rows), the OOD case (100,000 x 768, C=1000), the
ridge grid (n=2,000, p=500, 50 members, 10 sizes x 10 penalties), the coreset at
n=1,000,000 (d=50) and KDE at 50,000 x 1,000. ``small`` shrinks each so that
the script runs in a few minutes on a CPU-only machine (torch's CPU device),
where the device path is not expected to be faster.
"""

import argparse
import os
import warnings

# scikit-learn's array API dispatch needs SciPy's, switched on before SciPy loads
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
from _common import print_table, ratio, timed  # noqa: E402

# (n, d, C, n_test) per problem and size
SIZES = {
    "full": {"gda": (20_000, 768, 1000, 100_000), "ood": (100_000, 768, 1000, 100_000),
             "ridge": (2_000, 500, 0, 2_000), "coreset": (1_000_000, 50, 0, 100_000),
             "kde": (50_000, 1000, 0, 5_000)},
    "small": {"gda": (5_000, 192, 250, 10_000), "ood": (10_000, 192, 100, 10_000),
              "ridge": (1_000, 100, 0, 1_000), "coreset": (100_000, 20, 0, 10_000),
              "kde": (5_000, 100, 0, 1_000)},
}


def classification(n, d, C, n_test, seed=0):
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=6 / np.sqrt(d), size=(C, d))
    y = rng.integers(0, C, n)
    X = rng.normal(size=(n, d)) + means[y]
    Xt = rng.normal(size=(n_test, d)) + means[rng.integers(0, C, n_test)]
    return X, y, Xt


def regression(n, d, _, n_test, seed=0):
    rng = np.random.default_rng(seed)
    coef = rng.normal(size=d) / np.sqrt(d)
    X = rng.normal(size=(n + n_test, d))
    y = X @ coef + rng.standard_t(3, size=n + n_test)
    return X[:n], y[:n], X[n:]


def clustered(n, d, _, n_test, seed=0):
    from sklearn_lowdim.datasets import make_mode_finding_problem

    X = make_mode_finding_problem(n + n_test, d, kind="hard", random_state=seed)[0]
    return X[:n], None, X[n:]


def cases():
    """``(family, name, problem, make estimator, method)`` for every family."""
    from sklearn_lowdim.density import KDEMode
    from sklearn_lowdim.discriminant_analysis import GaussianDiscriminantAnalysis
    from sklearn_lowdim.linear_model import SubsampleRidgeEnsembleCV
    from sklearn_lowdim.ood import KNNOOD, MahalanobisOOD, ViM, WDiscOOD
    from sklearn_lowdim.sampling import LpRegression

    alphas = np.logspace(-3, 1, 10)
    return [
        ("discriminant", "GDA tied", "gda", GaussianDiscriminantAnalysis,
         "predict_proba"),
        ("discriminant", "GDA diag", "gda",
         lambda: GaussianDiscriminantAnalysis(covariance_type="diag"), "predict_proba"),
        ("ood", "MahalanobisOOD", "ood", MahalanobisOOD, "score_samples"),
        ("ood", "WDiscOOD", "ood", WDiscOOD, "score_samples"),
        ("ood", "KNNOOD (k=50)", "ood", KNNOOD, "score_samples"),
        ("ood", "ViM", "ood", ViM, "score_samples"),
        ("ridge_ensembles", "SubsampleRidgeEnsembleCV", "ridge",
         lambda: SubsampleRidgeEnsembleCV(alphas=alphas, random_state=0), "predict"),
        ("sampling", "LpRegression p=1.5 coreset", "coreset",
         lambda: LpRegression(p=1.5, coreset_size=2_000, random_state=0), "predict"),
        ("kde", "KDEMode", "kde", lambda: KDEMode(random_state=0), "score_samples"),
    ]


PROBLEMS = {"gda": classification, "ood": classification, "ridge": regression,
            "coreset": regression, "kde": clustered}


def to_device(name, torch_device):
    if name == "cupy":
        import cupy

        return cupy.asarray, cupy.cuda.Device().synchronize
    import torch

    dev = torch_device or ("cuda" if torch.cuda.is_available() else "cpu")

    def sync():
        if dev.startswith("cuda"):
            torch.cuda.synchronize()

    return (lambda a: None if a is None else torch.asarray(a, device=dev)), sync


def run_case(make, method, data, put, sync, repeats):
    """``(cpu seconds, device seconds or the device error)``."""
    import sklearn

    X, y, Xt = data

    def cpu():
        return getattr(make().fit(X, y), method)(Xt)

    Xd, yd, Xtd = put(X), put(y), put(Xt)

    def dev():
        with sklearn.config_context(array_api_dispatch=True):
            out = getattr(make().fit(Xd, yd), method)(Xtd)
        sync()
        return out

    try:
        dev()  # warm-up: kernels compiled, memory pools filled
    except Exception as exc:  # report which estimators do not run there yet
        return timed(cpu, repeats)[0], f"{type(exc).__name__}: {str(exc)[:40]}"
    return timed(cpu, repeats)[0], timed(dev, repeats)[0]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cupy", "torch"], default="torch")
    parser.add_argument("--torch-device", default=None,
                        help="torch device (default: cuda when available, else cpu)")
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--family", action="append",
                        help="only these families (repeatable): discriminant, ood, "
                        "ridge_ensembles, sampling, kde")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    put, sync = to_device(args.device, args.torch_device)
    sizes = SIZES[args.size]
    rows = []
    for dtype in (np.float64, np.float32):
        for family, name, problem, make, method in cases():
            if args.family and family not in args.family:
                continue
            X, y, Xt = PROBLEMS[problem](*sizes[problem])
            data = (X.astype(dtype), y if y is None or y.dtype.kind == "i"
                    else y.astype(dtype), Xt.astype(dtype))
            t_cpu, t_dev = run_case(make, method, data, put, sync, args.repeats)
            shape = "x".join(str(s) for s in sizes[problem][:2])
            device = ([t_dev, ""] if isinstance(t_dev, str)
                      else [f"{t_dev:.3f}", ratio(t_cpu, t_dev)])
            rows.append([name, shape, np.dtype(dtype).name, f"{t_cpu:.3f}", *device])
            print(*rows[-1], sep="  ", flush=True)
    print_table(f"fit + predict on {args.device} against the CPU path "
                f"(median of {args.repeats}, after a warm-up)",
                ["estimator", "n x d", "dtype", "CPU s", "device s", "speed-up"], rows)


if __name__ == "__main__":
    main()
