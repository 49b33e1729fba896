"""Helpers shared by the benchmark scripts: one timer, one peak-memory probe, one table.

Every ``bench_*.py`` imports these, so that all families time, measure and print
the same way (median of repeats, temporaries traced by :mod:`tracemalloc`, plain
aligned text tables).
"""

import time
import tracemalloc

import numpy as np

__all__ = ["peak_extra_mib", "print_table", "ratio", "timed"]


def timed(func, repeats=3):
    """Median wall time of ``repeats`` calls of ``func()``, and the last result."""
    times, out = [], None
    for _ in range(max(int(repeats), 1)):
        start = time.perf_counter()
        out = func()
        times.append(time.perf_counter() - start)
    return float(np.median(times)), out


def peak_extra_mib(func):
    """Peak traced allocation during ``func()`` beyond the returned array, in MiB.

    NumPy reports its buffers to :mod:`tracemalloc`, so this counts the
    temporaries of the call (BLAS workspaces excluded) and is not fooled by
    memory the process already holds. Returns ``(result, mib)``.
    """
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = func()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    returned = out.nbytes if isinstance(out, np.ndarray) else 0
    return out, max(peak - base - returned, 0) / 2**20


def ratio(slow, fast, fmt=".1f"):
    """``slow / fast`` as ``'12.3x'`` (empty when either is missing or zero)."""
    if not slow or not fast:
        return ""
    return f"{slow / fast:{fmt}}x"


def print_table(title, header, rows):
    """Print ``rows`` (sequences of cells) under ``header``, columns aligned."""
    print(f"\n{title}")
    cells = [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(header)]
    print("  ".join(h.ljust(w) for h, w in zip(header, widths)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)))
