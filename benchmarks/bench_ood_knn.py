"""Benchmark: KNNOOD's exact k-th-neighbour search against one GEMM and its peers.

Unit-norm random rows (float32 by default: 100,000 x 768 rows take 0.3 GB each;
``--dtype float64`` doubles that). In one process, each timed once per repeat
(median of ``--repeats``):

- the reference: one GEMM ``X_test @ X_fit.T`` of the full shapes, computed in
  4096 x 16384 tiles into one reused buffer (the whole product at 100k x 100k
  would take 40 GB; tiles this size run BLAS at full speed);
- ``KNNOOD(n_neighbors=50).score_samples(X_test)`` after ``fit(X_fit)`` (the
  acceptance target: at most twice the GEMM);
- scikit-learn ``NearestNeighbors(algorithm="brute", n_jobs=-1).kneighbors`` on
  the same unit rows;
- faiss ``IndexFlatL2`` (the official KNN code's index), when installed.

The k-th-neighbour distances of the three searches are compared on the first
1000 test rows. Peak extra memory of KNNOOD's scoring is traced on the small size.

    python benchmarks/bench_ood_knn.py                  # 10,000 x 10,000, d=256
    python benchmarks/bench_ood_knn.py --size medium    # 20,000 x 10,000, d=768
    python benchmarks/bench_ood_knn.py --size full      # 100,000 x 100,000, d=768
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import peak_extra_mib, print_table, ratio, timed  # noqa: E402

from sklearn_lowdim.ood import KNNOOD  # noqa: E402

SIZES = {
    "small": (10_000, 10_000, 256),
    "medium": (10_000, 20_000, 768),
    "full": (100_000, 100_000, 768),
}
K = 50


def make_data(n_fit, n_test, d, dtype, seed=0):
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d)).astype(dtype) / np.sqrt(d)
    X = rng.standard_normal((n_fit + n_test, d), dtype=np.float32).astype(dtype)
    X = X @ mixing  # correlated features, as network embeddings are
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return np.ascontiguousarray(X[:n_fit]), np.ascontiguousarray(X[n_fit:])


def full_gemm(Q, R, rows=4096, cols=16384):
    """``Q @ R.T`` tile by tile into one buffer: the flops of one full GEMM."""
    buf = np.empty((rows, cols), dtype=Q.dtype)
    for i in range(0, Q.shape[0], rows):
        q = Q[i:i + rows]
        for j in range(0, R.shape[0], cols):
            r = R[j:j + cols]
            np.matmul(q, r.T, out=buf[:q.shape[0], :r.shape[0]])
    return buf[0, 0]


def sklearn_kth(X_fit, X_test):
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=K, algorithm="brute", n_jobs=-1).fit(X_fit)
    return nn.kneighbors(X_test)[0][:, -1]


def faiss_kth(X_fit, X_test):
    import faiss

    index = faiss.IndexFlatL2(X_fit.shape[1])
    index.add(np.ascontiguousarray(X_fit, dtype=np.float32))
    D, _ = index.search(np.ascontiguousarray(X_test, dtype=np.float32), K)
    return np.sqrt(np.maximum(D[:, -1], 0))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-peers", action="store_true",
                        help="time only the GEMM and KNNOOD")
    args = parser.parse_args(argv)
    n_fit, n_test, d = SIZES[args.size]
    X_fit, X_test = make_data(n_fit, n_test, d, np.dtype(args.dtype))
    print(f"{n_test} test rows against {n_fit} fit rows, d={d}, {args.dtype}, "
          f"k={K}, {os.cpu_count()} CPUs", flush=True)

    gemm_s, _ = timed(lambda: full_gemm(X_test, X_fit), args.repeats)
    detector = KNNOOD(n_neighbors=K)
    fit_s, _ = timed(lambda: detector.fit(X_fit), 1)
    detector.score_samples(X_test[:10])  # compile the kernel outside the timing
    ours_s, ours = timed(lambda: detector.score_samples(X_test), args.repeats)
    rows = [("one GEMM (reference)", f"{gemm_s:.2f}", "1.0x", ""),
            ("KNNOOD score_samples", f"{ours_s:.2f}", ratio(ours_s, gemm_s, ".2f"),
             f"fit {fit_s:.2f} s")]
    kth = {"KNNOOD": -ours[:1000]}
    peers = [] if args.no_peers else [("sklearn NearestNeighbors brute",
                                       sklearn_kth)]
    try:
        import faiss  # noqa: F401
    except ImportError:
        print("faiss not installed: its row is skipped.")
    else:
        peers += [] if args.no_peers else [("faiss IndexFlatL2", faiss_kth)]
    for name, search in peers:
        seconds, out = timed(lambda search=search: search(X_fit, X_test), args.repeats)
        kth[name] = out[:1000]
        rows.append((name, f"{seconds:.2f}", ratio(seconds, gemm_s, ".2f"),
                     f"KNNOOD {ratio(seconds, ours_s, '.2f')} faster"))
    print_table("Exact k-th nearest neighbour, seconds (ratio to one GEMM)",
                ["method", "seconds", "/ GEMM", "note"], rows)
    for name, values in kth.items():
        if name != "KNNOOD":
            gap = np.abs(values - kth["KNNOOD"]).max()
            print(f"max |k-th distance| difference, KNNOOD vs {name}: {gap:.2e}")
    if args.size == "small":
        _, mib = peak_extra_mib(lambda: detector.score_samples(X_test))
        print(f"KNNOOD scoring: peak extra memory {mib:.0f} MiB "
              f"(the {n_test} x {n_fit} matrix would be "
              f"{n_test * n_fit * X_test.itemsize / 2**20:.0f} MiB)")


if __name__ == "__main__":
    main()
