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

``--quality`` instead prints AUROC and FPR at 95% TPR on the shipped WordNet
embeddings (the tour's split: six concrete-noun categories in, four out; 70/30,
seed 0) for ``KNNOOD``, ``ResidualOOD`` and ``ViM`` (its head a logistic-regression
probe fitted on the ID labels, the features having no network head), with
pytorch-ood 0.4.0's ``KNN`` and ``ViM`` (same probe) as references when installed
(loaded without torchvision, as in ``bench_ood.py``).

    python benchmarks/bench_ood_knn.py                  # 10,000 x 10,000, d=256
    python benchmarks/bench_ood_knn.py --size medium    # 20,000 x 10,000, d=768
    python benchmarks/bench_ood_knn.py --size full      # 100,000 x 100,000, d=768
    python benchmarks/bench_ood_knn.py --quality
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
    mixing = (rng.normal(size=(d, d)) / np.sqrt(d)).astype(dtype)
    X = rng.standard_normal((n_fit + n_test, d), dtype=np.float32).astype(dtype)
    X = X @ mixing  # correlated features, as network embeddings are
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    assert X.dtype == dtype
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


def wordnet_split():
    from sklearn.model_selection import train_test_split

    from sklearn_lowdim.datasets import WORDNET_IN_DISTRIBUTION, load_wordnet_embeddings

    wordnet = load_wordnet_embeddings()
    names = np.asarray(wordnet.target_names)[wordnet.target]
    inside = np.isin(names, WORDNET_IN_DISTRIBUTION)
    X_train, X_test, y_train, _ = train_test_split(
        wordnet.data[inside], names[inside], test_size=0.3, random_state=0)
    return X_train, X_test, y_train, wordnet.data[~inside]


def pytorch_ood_peers(X_train, y_train, probe):
    """pytorch-ood's KNN and ViM as (name, run) pairs, or [] if not installed."""
    from bench_ood import load_pytorch_ood

    if load_pytorch_ood() is None:
        print("pytorch-ood not installed: its rows are skipped.")
        return []
    import torch
    from pytorch_ood.detector.knn import KNN
    from pytorch_ood.detector.vim import ViM as TorchViM

    features = torch.tensor(X_train, dtype=torch.float64)
    labels = torch.as_tensor(np.unique(y_train, return_inverse=True)[1])
    w = torch.tensor(probe.coef_, dtype=torch.float64)
    b = torch.tensor(probe.intercept_, dtype=torch.float64)

    def torch_run(detector):
        detector.fit_features(features, labels)
        return lambda X: -detector.predict_features(
            torch.tensor(X, dtype=torch.float64)).numpy()

    d_vim = X_train.shape[1] // 2
    return [(f"KNN(k={k})", lambda k=k: torch_run(KNN(None, k=k))) for k in (50, 10)] \
        + [(f"ViM(d={d_vim})", lambda: torch_run(TorchViM(None, d_vim, w, b)))]


def quality():
    import time
    import warnings

    from sklearn.linear_model import LogisticRegression

    from sklearn_lowdim.metrics import fpr_at_tpr, ood_auroc
    from sklearn_lowdim.ood import MahalanobisOOD, ResidualOOD, ViM

    X_train, X_test, y_train, X_ood = wordnet_split()
    X64 = X_train.astype(np.float64)
    probe = LogisticRegression(max_iter=1000).fit(X64, y_train)

    def ours(make):
        detector = make().fit(X_train, y_train)
        return detector.score_samples

    candidates = [(name, "ours", lambda make=make: ours(make)) for name, make in [
        ("KNNOOD()", KNNOOD),
        ("KNNOOD(n_neighbors=10)", lambda: KNNOOD(10)),
        ("KNNOOD(whiten=True)", lambda: KNNOOD(whiten=True)),
        ("KNNOOD(class_conditional=True)", lambda: KNNOOD(class_conditional=True)),
        ("ResidualOOD()", ResidualOOD),
        ("ResidualOOD(head=probe)", lambda: ResidualOOD(head=probe)),
        ("ViM(head=probe)", lambda: ViM(head=probe)),
        ("MahalanobisOOD(normalize='l2')", lambda: MahalanobisOOD(normalize="l2")),
    ]]
    candidates += [(name, "pytorch-ood", run)
                   for name, run in pytorch_ood_peers(X64, y_train, probe)]
    rows = []
    for name, library, run in candidates:
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            score = run()
            s_in, s_out = score(X_test), score(X_ood)
        seconds = time.perf_counter() - start
        rows.append((name, library, f"{ood_auroc(s_in, s_out):.3f}",
                     f"{fpr_at_tpr(s_in, s_out, tpr=0.95):.3f}", f"{seconds:.2f}"))
    print_table(f"WordNet quality ({len(X_train)} fit, {len(X_test)} ID test, "
                f"{len(X_ood)} OOD rows)",
                ["detector", "library", "AUROC", "FPR95", "fit+score s"], rows)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-peers", action="store_true",
                        help="time only the GEMM and KNNOOD")
    parser.add_argument("--quality", action="store_true",
                        help="AUROC/FPR95 on the WordNet embeddings instead")
    args = parser.parse_args(argv)
    if args.quality:
        return quality()
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
