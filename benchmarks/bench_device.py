"""Benchmark: fit and predict on a GPU (CuPy or PyTorch) against the CPU path.

With ``sklearn.set_config(array_api_dispatch=True)`` every estimator that
supports the array API fits and predicts on the input's device. For each such
estimator this script times, in one process (median of ``--repeats`` runs),
``fit`` + the main prediction method on the device against the NumPy (2-core
CPU) path on the same data, in float64 and float32, and prints the ratios.
Estimators that still run on NumPy only are listed as such.

    python benchmarks/bench_device.py --device torch   # cuda if available, else cpu
    python benchmarks/bench_device.py --device cupy --size full  # the issue's sizes

``--size full`` is GDA case B (n=20,000, d=768, C=1000, 100,000 test rows) and
the OOD case (100,000 x 768, C=1000); ``small`` divides n, d and C by 4 (and the
test rows by 10) so that the script also runs on a CPU-only machine.
"""

import argparse
import os
import warnings

# scikit-learn's array API dispatch needs SciPy's, switched on before SciPy loads
os.environ.setdefault("SCIPY_ARRAY_API", "1")

import numpy as np  # noqa: E402
from _common import print_table, ratio, timed  # noqa: E402

SIZES = {"full": (20_000, 768, 1000, 100_000), "small": (5_000, 192, 250, 10_000)}


def make_data(n, d, C, n_test, seed=0):
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=6 / np.sqrt(d), size=(C, d))
    y = rng.integers(0, C, n)
    X = rng.normal(size=(n, d)) + means[y]
    Xt = rng.normal(size=(n_test, d)) + means[rng.integers(0, C, n_test)]
    return X, y, Xt


def to_device(name, torch_device):
    if name == "cupy":
        import cupy

        return cupy.asarray, cupy.cuda.Device().synchronize
    import torch

    dev = torch_device or ("cuda" if torch.cuda.is_available() else "cpu")

    def sync():
        if dev.startswith("cuda"):
            torch.cuda.synchronize()

    return (lambda a: torch.asarray(a, device=dev)), sync


def cases():
    from sklearn_lowdim.discriminant_analysis import GaussianDiscriminantAnalysis

    return [
        ("GDA tied", lambda: GaussianDiscriminantAnalysis(), "predict_proba"),
        ("GDA diag", lambda: GaussianDiscriminantAnalysis(covariance_type="diag"),
         "predict_proba"),
    ]


def run_case(make, method, X, y, Xt, put, sync, repeats):
    import sklearn

    def cpu():
        return getattr(make().fit(X, y), method)(Xt)

    Xd, yd, Xtd = put(X), put(y), put(Xt)

    def dev():
        with sklearn.config_context(array_api_dispatch=True):
            out = getattr(make().fit(Xd, yd), method)(Xtd)
        sync()
        return out

    dev()  # warm-up: kernels compiled, memory pools filled
    t_cpu, _ = timed(cpu, repeats)
    t_dev, _ = timed(dev, repeats)
    return t_cpu, t_dev


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", choices=["cupy", "torch"], default="torch")
    parser.add_argument("--torch-device", default=None,
                        help="torch device (default: cuda when available, else cpu)")
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    put, sync = to_device(args.device, args.torch_device)
    n, d, C, n_test = SIZES[args.size]
    rows = []
    for dtype in (np.float64, np.float32):
        X, y, Xt = make_data(n, d, C, n_test)
        X, Xt = X.astype(dtype), Xt.astype(dtype)
        for name, make, method in cases():
            t_cpu, t_dev = run_case(make, method, X, y, Xt, put, sync, args.repeats)
            rows.append([name, np.dtype(dtype).name, f"{t_cpu:.3f}", f"{t_dev:.3f}",
                         ratio(t_cpu, t_dev)])
    print_table(f"fit + predict on {args.device} (n={n}, d={d}, C={C}, "
                f"{n_test} test rows; median of {args.repeats})",
                ["estimator", "dtype", "CPU s", "device s", "speed-up"], rows)
    print("\nNot timed on the device yet (their fit runs on NumPy): the OOD "
          "detectors, the ridge ensembles, the sampling estimators, KDEMode.")


if __name__ == "__main__":
    main()
