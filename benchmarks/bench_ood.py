"""Benchmark: Mahalanobis and WDiscOOD fit/score against references and peers.

Synthetic Gaussian classes with a shared random covariance. Timed in one process
(median of ``--repeats``):

- ``MahalanobisOOD`` fit and score (float64 and float32) against a straightforward
  reference (one-hot means, ``numpy.cov``-style scatter, ``pinvh``, whiten once,
  one GEMM for all distances) and, when installed, pytorch-ood's Mahalanobis on a
  subset, scaled linearly (said so in the table);
- ``WDiscOOD`` against ``MahalanobisOOD`` (target: within 2x);
- float32 against float64 input (Spearman correlation of the scores; the
  nearest-class search stays float32 and recomputes its few candidates in
  float64, see ``sklearn_lowdim.covariance.mahalanobis_distances``).

``--quality`` instead prints AUROC and FPR at 95% TPR on the shipped WordNet
embeddings (six concrete-noun categories in, four out; 70/30 split, seed 0) for
every detector here and every peer that is installed: scikit-learn
``EllipticEnvelope`` / ``EmpiricalCovariance``, PyOD ``LOF`` / ``ECOD`` /
``IForest``, pytorch-ood ``Mahalanobis`` / ``RMD``.

pytorch-ood 0.4.0's top-level package imports torchvision, which this project
does not install (``pip install --no-deps pytorch-ood==0.4.0``); its detector
modules are loaded without it.

Peak extra memory of scoring is measured with ``tracemalloc`` (NumPy allocations).

    python benchmarks/bench_ood.py               # n=20,000, d=256, C=100
    python benchmarks/bench_ood.py --size full   # n=100,000, d=768, C=1000
"""

import argparse

import numpy as np
from _common import peak_extra_mib, print_table, ratio, timed
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


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quality", action="store_true",
                        help="print the WordNet quality table instead")
    args = parser.parse_args(argv)
    if args.quality:
        quality_table()
        return
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
    _, mem = peak_extra_mib(lambda: model.score_samples(X_test))
    _, ref_mem = peak_extra_mib(lambda: reference_score(X_test, ref_model))
    agreement = np.max(np.abs(scores - ref_scores) / np.abs(ref_scores).max())
    rho = spearmanr(scores, scores32).statistic

    def row(name, fit, score, peak=None):
        return [name, f"{fit:.2f}", f"{score:.2f}",
                "" if peak is None else f"{peak:.0f}",
                ratio(ref_fit_s, fit, ".2f"), ratio(ref_score_s, score, ".2f")]

    print_table(
        f"Median of {args.repeats} (speed-up: reference time / ours)",
        ["method", "fit s", "score s", "score +MiB", "fit speed-up",
         "score speed-up"],
        [row("reference (whiten once + GEMM)", ref_fit_s, ref_score_s, ref_mem),
         row("MahalanobisOOD float64", fit_s, score_s, mem),
         row("MahalanobisOOD float32", fit32_s, score32_s),
         row("WDiscOOD float64", wfit_s, wscore_s)])
    print(f"\nmax |ours - reference| / max|reference| = {agreement:.1e}")
    print(f"float32 score speed-up over float64: {score_s / score32_s:.2f}x, "
          f"Spearman {rho:.5f}")
    print(f"WDiscOOD / Mahalanobis total time: "
          f"{(wfit_s + wscore_s) / (fit_s + score_s):.2f}x")
    pytorch_ood_timing(X, y, X_test, fit_s, score_s)


def load_pytorch_ood():
    """pytorch-ood's Mahalanobis and RMD classes, or ``None`` when not installed."""
    import importlib.util
    import sys
    import types

    try:
        spec = importlib.util.find_spec("pytorch_ood")
        import torch  # noqa: F401
    except ImportError:
        return None
    if spec is None:
        return None
    if "pytorch_ood" not in sys.modules:
        # skip the package __init__, which imports torchvision for its models
        package = types.ModuleType("pytorch_ood")
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules["pytorch_ood"] = package
    from pytorch_ood.detector.mahalanobis import Mahalanobis
    from pytorch_ood.detector.rmd import RMD

    return Mahalanobis, RMD


def pytorch_ood_timing(X, y, X_test, fit_s, score_s, fit_rows=10_000, score_rows=50):
    peers = load_pytorch_ood()
    if peers is None:
        print("pytorch-ood not installed: peer skipped "
              "(pip install --no-deps pytorch-ood==0.4.0).")
        return
    import torch

    Mahalanobis, _ = peers
    torch.set_num_threads(2)
    # the first fit_rows rows; pytorch-ood needs labels 0..C-1, so they are
    # re-encoded and the printed class count says how many the subset holds
    sub = np.arange(min(fit_rows, len(X)))
    labels, sub_y = np.unique(y[sub], return_inverse=True)
    z = torch.as_tensor(X[sub], dtype=torch.float32)
    detector = Mahalanobis(None)
    peer_fit, _ = timed(lambda: detector.fit_features(z, torch.as_tensor(sub_y)), 1)
    peer_fit *= len(X) / len(sub)
    z_test = torch.as_tensor(X_test[:score_rows], dtype=torch.float32)
    peer_score, _ = timed(lambda: detector.predict_features(z_test), 1)
    peer_score *= len(X_test) / score_rows
    print(f"\npytorch-ood 0.4.0 Mahalanobis (float32 CPU, {len(labels)} classes): fit "
          f"timed on {len(sub):,} rows and scaled linearly to {len(X):,}: "
          f"{peer_fit:.0f} s ({peer_fit / fit_s:.0f}x ours); score timed on "
          f"{score_rows} rows and scaled to {len(X_test):,}: {peer_score:.0f} s "
          f"({peer_score / score_s:.0f}x ours)")


def quality_table():
    """AUROC / FPR95 on the WordNet embeddings, ours and the installed peers."""
    import warnings

    from sklearn.covariance import EllipticEnvelope, EmpiricalCovariance
    from sklearn.model_selection import train_test_split

    try:  # RobustMahalanobis moves from covariance to ood (issue 13)
        from sklearn_lowdim.ood import RobustMahalanobis
    except ImportError:
        from sklearn_lowdim.ood import RobustMahalanobis
    from sklearn_lowdim.datasets import WORDNET_IN_DISTRIBUTION, load_wordnet_embeddings
    from sklearn_lowdim.metrics import fpr_at_tpr, ood_auroc

    wordnet = load_wordnet_embeddings()
    names = np.asarray(wordnet.target_names)[wordnet.target]
    inside = np.isin(names, WORDNET_IN_DISTRIBUTION)
    X_train, X_test, y_train, _ = train_test_split(
        wordnet.data[inside].astype(np.float64), names[inside], test_size=0.3,
        random_state=0)
    X_ood = wordnet.data[~inside].astype(np.float64)

    def supervised(make):
        est = make().fit(X_train, y_train)
        return est.score_samples(X_test), est.score_samples(X_ood)

    def unsupervised(make):
        est = make().fit(X_train)
        return est.score_samples(X_test), est.score_samples(X_ood)

    def empirical():
        est = EmpiricalCovariance().fit(X_train)
        return -est.mahalanobis(X_test), -est.mahalanobis(X_ood)

    def pyod(make):
        est = make().fit(X_train)  # PyOD: higher decision_function = more outlying
        return -est.decision_function(X_test), -est.decision_function(X_ood)

    def pytorch_ood(cls):
        import torch

        labels, codes = np.unique(y_train, return_inverse=True)
        est = cls(None).fit_features(torch.as_tensor(X_train, dtype=torch.float32),
                                     torch.as_tensor(codes))

        def score(X):
            z = torch.as_tensor(X, dtype=torch.float32)
            return -est.predict_features(z).numpy()  # outlier score: negate

        return score(X_test), score(X_ood)

    candidates = [
        ("MahalanobisOOD()", "ours", lambda: supervised(MahalanobisOOD)),
        ("MahalanobisOOD('ledoit_wolf')", "ours",
         lambda: supervised(lambda: MahalanobisOOD(covariance="ledoit_wolf"))),
        ("MahalanobisOOD(relative=True)", "ours",
         lambda: supervised(lambda: MahalanobisOOD(relative=True))),
        ("MahalanobisOOD(normalize='l2')", "ours",
         lambda: supervised(lambda: MahalanobisOOD(normalize="l2"))),
        ("WDiscOOD()", "ours", lambda: supervised(WDiscOOD)),
        ("RobustMahalanobis()", "ours", lambda: unsupervised(RobustMahalanobis)),
        ("EmpiricalCovariance", "sklearn", empirical),
        ("EllipticEnvelope (MCD)", "sklearn",
         lambda: unsupervised(lambda: EllipticEnvelope(random_state=0))),
    ]
    try:
        from pyod.models.ecod import ECOD
        from pyod.models.iforest import IForest
        from pyod.models.lof import LOF

        candidates += [("PyOD LOF", "PyOD", lambda: pyod(LOF)),
                       ("PyOD ECOD", "PyOD", lambda: pyod(ECOD)),
                       ("PyOD IForest", "PyOD",
                        lambda: pyod(lambda: IForest(random_state=0)))]
    except ImportError:
        print("PyOD not installed: its rows are skipped (pip install pyod).")
    peers = load_pytorch_ood()
    if peers is None:
        print("pytorch-ood not installed: its rows are skipped.")
    else:
        candidates += [(f"pytorch-ood {cls.__name__}", "pytorch-ood",
                        lambda cls=cls: pytorch_ood(cls)) for cls in peers]

    rows, table = [], []
    for name, library, run in candidates:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                seconds, (s_in, s_out) = timed(run, 1)
        except Exception as exc:  # noqa: BLE001 - a failing peer is reported
            table.append([name, library, "failed", str(exc)[:60], ""])
            continue
        auroc, fpr = ood_auroc(s_in, s_out), fpr_at_tpr(s_in, s_out, tpr=0.95)
        rows.append((name, library, auroc, fpr, seconds))
        table.append([name, library, f"{auroc:.3f}", f"{fpr:.3f}", f"{seconds:.2f}"])
        print(f"  {name} done", flush=True)
    print_table(
        "Quality on the WordNet embeddings (6 concrete-noun categories in, 4 "
        f"out; {len(X_train)} fit rows, {len(X_test)} ID test rows, {len(X_ood)} "
        "OOD rows)", ["detector", "library", "AUROC", "FPR95", "fit+score s"], table)
    return rows


if __name__ == "__main__":
    main()
