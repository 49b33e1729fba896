"""Benchmark: Dask fits and predictions on data three times the cluster's memory.

A ``distributed.LocalCluster`` of 2 workers (1 thread each) with a memory limit
per worker, and X generated lazily, chunk by chunk, at three times the cluster's
memory or more:

- ``--size full``: 3 GiB per worker, 10,000,000 x 256 float64 (20.5 GB), the issue's
  setting;
- ``--size small`` (default): 768 MiB per worker, 2,400,000 x 256 (4.9 GB, 3.1x).

Each block of X is drawn in one task by NumPy's ``Generator`` (class means plus
standard normal noise; the regression target depends on the first 16 columns,
which a block draws from a stream of their own, so ``y`` costs 6% of a pass).

For each estimator, ``fit`` and its main per-row method run on the dask array
(``KDEMode``, with its default bandwidth, scores the first 2,000 rows: a density
sums over every training row, so scoring all of X would be quadratic in n); the
lazy per-row output is reduced to one number on the cluster (nothing of size n
comes back). The same estimator then runs in memory on a slice that fits (its
rows materialised beforehand, BLAS on both cores). The table gives rows per
second per core of each (the cluster has 2 worker threads, the in-memory run 2
cores), their ratio (goal: the Dask path at least half the in-memory throughput),
the peak memory of any worker, the spilled bytes and the workers restarted (goal:
none). The Dask times include generating X on every pass over it; the time of
one bare pass (``X.sum()``) is printed so the two can be told apart.

An estimator that would convert the whole X to NumPy (``np.asarray``) or compute it
whole fails at once here, and its row says so instead of exhausting memory.

    python benchmarks/bench_dask.py                # small
    python benchmarks/bench_dask.py --size tiny    # a smoke run of the script
    python benchmarks/bench_dask.py --size full    # about an hour on 2 cores
    python -m sklearn_lowdim bench --family dask
    python benchmarks/bench_dask.py --memory-only  # the in-memory column alone
    python benchmarks/bench_dask.py --only GDA KDE # the cases named so
"""

import argparse
import logging
import threading
import time
import warnings

import numpy as np
from _common import print_table, ratio

SIZES = {  # rows, features, rows per chunk, worker memory limit, in-memory slice rows
    "tiny": (200_000, 32, 20_000, "1GiB", 20_000),  # a smoke run, not 3x memory
    "small": (2_400_000, 256, 25_000, "768MiB", 50_000),
    "full": (10_000_000, 256, 100_000, "3GiB", 500_000),
}
N_CLASSES = 20
KDE_QUERIES = 2_000


#: ``y_reg`` depends on the first ``SIGNAL`` columns only, which each block draws
#: from a stream of their own: ``y`` is then computed without drawing all of X.
SIGNAL = 16


def _streams(seed, block):
    """Independent generators of one block: signal columns, the rest, labels, noise."""
    return [np.random.default_rng([seed, block, part]) for part in range(4)]


def _labels(seed, rows, block_id=None):
    return _streams(seed, block_id[0])[2].integers(0, N_CLASSES, rows[block_id[0]])


def _signal(seed, rows, means, block):
    streams = _streams(seed, block)
    labels = streams[2].integers(0, N_CLASSES, rows[block])
    signal = streams[0].standard_normal((rows[block], SIGNAL))
    return signal + means[labels, :SIGNAL], labels, streams


def _x_block(seed, rows, means, block_id=None):
    signal, labels, streams = _signal(seed, rows, means, block_id[0])
    out = streams[1].standard_normal((rows[block_id[0]], means.shape[1]))
    out[:, SIGNAL:] += means[labels, SIGNAL:]
    out[:, :SIGNAL] = signal
    return out


def _y_block(seed, rows, means, coef, block_id=None):
    signal, _, streams = _signal(seed, rows, means, block_id[0])
    return signal @ coef + streams[3].standard_t(3, rows[block_id[0]])


def lazy_data(n, d, rows, seed=0):
    """``(X, y_class, y_reg)``: lazy dask arrays, each chunk drawn on a worker.

    Every block is drawn in one task from NumPy's ``Generator`` seeded by
    ``(seed, block)``: class means plus standard normal noise for X, and
    ``y_reg = X[:, :SIGNAL] @ coef + t_3`` noise from the block's signal columns.
    """
    import dask.array as da

    rng = np.random.default_rng(seed)
    means = rng.normal(scale=3 / np.sqrt(d), size=(N_CLASSES, d))
    coef = rng.normal(size=SIGNAL) / np.sqrt(SIGNAL)
    sizes = (rows,) * (n // rows) + ((n % rows,) if n % rows else ())
    X = da.map_blocks(_x_block, seed, sizes, means, chunks=(sizes, (d,)),
                      dtype=np.float64, meta=np.empty((0, 0)))
    labels = da.map_blocks(_labels, seed, sizes, chunks=(sizes,), dtype=np.int64,
                           meta=np.empty(0, np.int64))
    y_reg = da.map_blocks(_y_block, seed, sizes, means, coef, chunks=(sizes,),
                          dtype=np.float64, meta=np.empty(0))
    return X, labels, y_reg


def cases():
    """``(name, make estimator, target, per-row method, query rows)``.

    The per-row method runs on X (query rows ``None``) or on its first rows.
    """
    from sklearn_lowdim.density import KDEMode
    from sklearn_lowdim.discriminant_analysis import GaussianDiscriminantAnalysis
    from sklearn_lowdim.linear_model import SubsampleRidgeEnsembleCV
    from sklearn_lowdim.ood import MahalanobisOOD
    from sklearn_lowdim.sampling import LpRegression

    return [
        ("MahalanobisOOD", lambda: MahalanobisOOD(), None, "score_samples", None),
        ("GDA (tied)", lambda: GaussianDiscriminantAnalysis(), "class", "predict",
         None),
        # 'auto' picks the sketch from 40 d^2 rows, i.e. on the Dask X but not on
        # the in-memory slice: each score method is pinned for both.
        ("LpRegression p=1 coreset, exact Lewis", lambda: LpRegression(
            p=1, coreset_size=5_000, score_method="exact", random_state=0), "reg",
         "predict", None),
        ("LpRegression p=1 coreset, sketched Lewis", lambda: LpRegression(
            p=1, coreset_size=5_000, score_method="sketch", random_state=0), "reg",
         "predict", None),
        ("SubsampleRidgeEnsembleCV", lambda: SubsampleRidgeEnsembleCV(
            alphas=np.logspace(-2, 2, 5), n_estimators=10, random_state=0),
         "reg", "predict", None),
        # A KDE's density at a row sums over every training row: scoring all of
        # X would be quadratic in n, so it scores a fixed block of queries.
        # The default bandwidth='auto' includes its effective-size check (the
        # kernel at 100 query rows for about 25 bandwidths in memory, 80 on
        # Dask: 4 doublings and 15 bisection midpoints per pass).
        ("KDEMode (+ density at 2,000 rows)", lambda: KDEMode(
            max_iter=10, polish_iter=5, random_state=0), None,
         "score_samples", KDE_QUERIES),
    ]


class WorkerWatch:
    """Poll the scheduler for every worker's memory, spill and identity."""

    def __init__(self, client, interval=0.5):
        self.client, self.interval = client, interval
        self.peak, self.spilled, self.addresses = 0, 0, set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            for address, info in self.client.scheduler_info()["workers"].items():
                self.addresses.add(address)
                metrics = info.get("metrics", {})
                self.peak = max(self.peak, metrics.get("memory", 0))
                spilled = metrics.get("spilled_bytes", {})
                self.spilled = max(self.spilled, spilled.get("disk", 0)
                                   if isinstance(spilled, dict) else 0)
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


def guard_materialisation(X):
    """Make computing the whole ``X`` (or ``np.asarray`` of a dask array) raise."""
    import dask.array as da

    original = da.Array.compute
    whole = {X.name}

    def compute(self, **kwargs):
        if self.name in whole:
            raise MemoryError("the estimator computes the whole X")
        return original(self, **kwargs)

    def refuse(self, *args, **kwargs):
        raise MemoryError("the estimator converts a dask array to NumPy")

    da.Array.compute, da.Array.__array__ = compute, refuse


def run_dask(make, X, target, method, query):
    """Seconds for fit + the reduced per-row output on the cluster."""
    import dask

    start = time.perf_counter()
    model = make().fit(X, target) if target is not None else make().fit(X)
    out = getattr(model, method)(X if query is None else X[:query])
    if hasattr(out, "dask"):
        dask.compute(out.sum())
    else:
        raise TypeError(f"{method} returned {type(out).__name__}, not a lazy array")
    return time.perf_counter() - start


def run_memory(make, X, target, method, query):
    """Seconds in memory, after a warm-up on a few rows (Numba compilation)."""
    rows = slice(0, 10_000)  # more than LpRegression's coreset
    warm = make().fit(X[rows], target[rows]) if target is not None else make().fit(
        X[rows])
    getattr(warm, method)(X[rows])
    start = time.perf_counter()
    model = make().fit(X, target) if target is not None else make().fit(X)
    getattr(model, method)(X if query is None else X[:query])
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--memory-only", action="store_true",
                        help="time the in-memory slice only (no cluster)")
    parser.add_argument("--only", nargs="*", default=None,
                        help="run the cases whose name contains one of these")
    args = parser.parse_args(argv)
    chosen = [c for c in cases()
              if not args.only or any(key in c[0] for key in args.only)]
    if args.memory_only:
        return memory_only(SIZES[args.size], chosen)
    warnings.simplefilter("ignore")
    logging.getLogger("distributed").setLevel(logging.ERROR)  # key-reuse chatter
    from distributed import Client, LocalCluster

    n, d, rows, limit, n_slice = SIZES[args.size]
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, memory_limit=limit,
                           processes=True, dashboard_address=None)
    client = Client(cluster)
    X, y_class, y_reg = lazy_data(n, d, rows)
    print(f"X: {n} x {d} float64 = {X.nbytes / 1e9:.1f} GB in {rows}-row chunks; "
          f"2 workers x {limit} (data / cluster memory = "
          f"{X.nbytes / (2 * _bytes(limit)):.1f}x)", flush=True)
    start = time.perf_counter()
    X.sum().compute()
    print("one bare pass over X (generation only): "
          f"{time.perf_counter() - start:.1f} s", flush=True)
    memory = [a[:n_slice].compute() for a in (X, y_class, y_reg)]
    targets = {None: (None, None), "class": (y_class, memory[1]),
               "reg": (y_reg, memory[2])}
    guard_materialisation(X)
    table = []
    for name, make, target, method, query in chosen:
        t_mem = run_memory(make, memory[0], targets[target][1], method, query)
        with WorkerWatch(client) as watch:
            try:
                t_dask = run_dask(make, X, targets[target][0], method, query)
            except Exception as exc:  # a row per estimator, whatever happens
                t_dask = f"{type(exc).__name__}: {str(exc)[:50]}"
        table.append(_row(name, n, n_slice, t_dask, t_mem, watch))
        print(*table[-1], sep="  ", flush=True)
    print_table("Dask (2 workers x 1 thread) against in memory (2 cores): "
                "fit + per-row output", ["estimator", "dask s", "dask rows/s/core",
                                         "memory rows/s/core", "dask / memory",
                                         "peak worker MiB", "spilled MiB",
                                         "restarts"], table)
    client.close()
    cluster.close()


def memory_only(size, chosen):
    """The in-memory column: rows/s/core on the slice, after a warm-up."""
    import dask

    n, d, rows, _, n_slice = size
    with dask.config.set(scheduler="threads"):
        X, y_class, y_reg = (a[:n_slice].compute() for a in lazy_data(n, d, rows))
    targets = {None: None, "class": y_class, "reg": y_reg}
    for name, make, target, method, query in chosen:
        seconds = run_memory(make, X, targets[target], method, query)
        print(f"{name}: {n_slice / seconds / 2:,.0f} rows/s/core in memory "
              f"({seconds:.2f} s for {n_slice} rows)", flush=True)


def _row(name, n, n_slice, t_dask, t_mem, watch):
    restarts = max(0, len(watch.addresses) - 2)
    mem_rate = n_slice / t_mem / 2
    if isinstance(t_dask, str):
        return [name, t_dask, "", f"{mem_rate:,.0f}", "", f"{watch.peak / 2**20:.0f}",
                f"{watch.spilled / 2**20:.0f}", restarts]
    dask_rate = n / t_dask / 2
    return [name, f"{t_dask:.1f}", f"{dask_rate:,.0f}", f"{mem_rate:,.0f}",
            ratio(dask_rate, mem_rate, ".2f"), f"{watch.peak / 2**20:.0f}",
            f"{watch.spilled / 2**20:.0f}", restarts]


def _bytes(limit):
    from dask.utils import parse_bytes

    return parse_bytes(limit)


if __name__ == "__main__":
    main()
