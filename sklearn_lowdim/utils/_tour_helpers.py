"""Timing and plotting shared by the tour modules (``<family>/_tour.py``).

Every family times its estimators the same way (one untimed warm-up call, which
compiles the Numba kernels and fills caches, then the median of timed calls; the
first call's time is reported in its own column) and writes its one figure the
same way (``<plots_dir>/<family>.png``, Agg backend, closed after saving).
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import contextlib
import time
from pathlib import Path

__all__ = ["Timing", "time_warm", "result_row", "tour_figure"]


class Timing:
    """Times of one call: the first (compilation included) and the warm median.

    Parameters
    ----------
    first_s : float
        Seconds of the first call.
    seconds : float
        Median seconds of the calls after it.
    """

    def __init__(self, first_s, seconds):
        self.first_s = first_s
        self.seconds = seconds


def time_warm(func, repeats=1):
    """Call ``func()`` once untimed-for-the-table, then time ``repeats`` calls.

    Parameters
    ----------
    func : callable
        Called without arguments.
    repeats : int, default=1
        Number of timed calls after the first; their median is reported.

    Returns
    -------
    result : object
        What the last call returned.
    timing : Timing
        The first call's seconds and the median of the others.
    """
    start = time.perf_counter()
    result = func()
    first = time.perf_counter() - start
    times = []
    for _ in range(max(int(repeats), 1)):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    times.sort()
    return result, Timing(first, times[len(times) // 2])


def result_row(estimator, dataset, metric, value, timing=None, *, baseline=None,
               baseline_value=None, baseline_timing=None):
    """One row of the tour table (the keys of ``sklearn_lowdim._tour.COLUMNS``).

    Parameters
    ----------
    estimator, dataset, metric : str
        What was run, on what, and what ``value`` measures.
    value : float
        The estimator's result.
    timing : Timing, default=None
        The estimator's times.
    baseline : str, default=None
        The peer it is compared with.
    baseline_value : float, default=None
        The peer's result.
    baseline_timing : Timing or float, default=None
        The peer's times (a float is a single measured time).

    Returns
    -------
    row : dict
        The table row.
    """
    row = {"estimator": estimator, "dataset": dataset, "metric": metric,
           "value": float(value)}
    if timing is not None:
        row["time_s"], row["first_s"] = timing.seconds, timing.first_s
    if baseline is not None:
        row["baseline"] = baseline
        row["baseline_value"] = (None if baseline_value is None
                                 else float(baseline_value))
    if isinstance(baseline_timing, Timing):
        row["baseline_time_s"] = baseline_timing.seconds
    elif baseline_timing is not None:
        row["baseline_time_s"] = float(baseline_timing)
    return row


@contextlib.contextmanager
def tour_figure(plots_dir, family, **subplots_kw):
    """Make a figure, yield ``(fig, axes)``, then save it as ``<family>.png``.

    Nothing is drawn when ``plots_dir`` is None (the block still runs, with
    ``(None, None)``, so callers guard their drawing with ``if fig``).

    Parameters
    ----------
    plots_dir : str, Path or None
        Folder of the figures.
    family : str
        File name stem.
    **subplots_kw : dict
        Passed to ``matplotlib.pyplot.subplots``.

    Yields
    ------
    fig, axes : matplotlib Figure and Axes, or (None, None)
        Where to draw.
    """
    if plots_dir is None:
        yield None, None
        return
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # constrained layout keeps legends placed "outside" clear of the axes
    fig, axes = plt.subplots(**{"layout": "constrained", **subplots_kw})
    try:
        yield fig, axes
        fig.savefig(Path(plots_dir) / f"{family}.png", dpi=110)
    finally:
        plt.close(fig)
