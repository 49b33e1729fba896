"""Search strategies of KDEMode: starts, the 'auto' choice and the screened search."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np

from ._kernel_functions import BOX
from ._mean_shift import log_kernel_sums, mean_shift

__all__ = ["choose_method", "n_random_starts", "screened_mean_shift"]

# The guarantee asked for is met with this probability.
CONFIDENCE = 0.95
# Cost model of 'auto', in multiply-adds, fitted to the benchmark's timings
# (bench_kde.py, n = 5,000 and 50,000, d = 100 and 1,000): mean shift in the
# original space converges in about FULL_ITER steps; one kernel value (an exp)
# costs about EXP_COST multiply-adds; below GEMM_ROWS rows a GEMM costs as much
# as GEMM_ROWS rows (it is bound by reading X). The sketch projects X once,
# evaluates the KDE at its screened starts, runs about SKETCH_ITER steps from
# the kept starts, then lifts and polishes a few candidates (about POLISH_ITER
# full-dimension steps).
FULL_ITER, SKETCH_ITER, POLISH_ITER, GEMM_ROWS, EXP_COST = 8, 20, 8, 16, 40
SKETCH_START_CAP, SKETCH_KEEP = 1000, 32


def n_random_starts(min_mode_fraction, confidence=CONFIDENCE):
    """Random data points needed to land in a basin holding ``min_mode_fraction``.

    A start drawn from the data lands in the basin with probability
    ``min_mode_fraction``, so ``k`` starts all miss it with probability
    ``(1 - min_mode_fraction) ** k``; this returns the smallest ``k`` with a miss
    probability of at most ``1 - confidence``.

    Examples
    --------
    >>> from sklearn_lowdim.density._search import n_random_starts
    >>> n_random_starts(0.1), n_random_starts(0.005)
    (29, 598)
    """
    if min_mode_fraction >= 1.0:
        return 1
    return int(math.ceil(math.log1p(-confidence) / math.log1p(-min_mode_fraction)))


def sketch_starts(n_eligible, n_random, n_modes=1):
    """Starts the sketch screens, and how many of them it keeps after one step.

    It screens ``min(n, max(1000, n_random))`` starts, never fewer than random
    starts would need for the same guarantee (1,000 random points all miss a
    basin holding 0.3% of the data with probability 5%), and keeps
    ``max(32, 16 n_modes)``:
    the densest half holds any small high basin the screen landed in, the
    random half the lower modes.
    """
    n_screen = min(n_eligible, max(SKETCH_START_CAP, n_random))
    return n_screen, min(n_screen, max(SKETCH_KEEP, 16 * n_modes))


def estimated_cost(method, n, d, sketch_dim, n_starts):
    """Multiply-adds of one fit, by the model above (for comparing methods only)."""
    full_step = n * (2 * d + EXP_COST)  # per start: two GEMM rows and the kernel
    if method == "random_starts":
        return FULL_ITER * max(n_starts, GEMM_ROWS) * full_step
    n_screen, n_keep = sketch_starts(n, n_starts)
    m = min(sketch_dim, d)
    screen = n * d * m + n_screen * n * (m + EXP_COST)
    search = SKETCH_ITER * n_keep * n * (2 * m + EXP_COST)
    return screen + search + POLISH_ITER * GEMM_ROWS * full_step


def choose_method(method, kernel, n, d, sketch_dim, n_random):
    """Resolve ``method='auto'``: the cheaper of random starts and the sketch.

    Both are asked for the same guarantee: random starts take ``n_random`` data
    points, the sketch screens at least as many (see :func:`sketch_starts`).
    The box kernel has no sketch (its lifting step needs a convex kernel).
    """
    if method != "auto":
        return method
    if kernel.code == BOX:
        return "random_starts"
    random_cost = estimated_cost("random_starts", n, d, sketch_dim, n_random)
    sketch_cost = estimated_cost("sketch", n, d, sketch_dim, n_random)
    return "random_starts" if random_cost <= sketch_cost else "sketch"


def screened_mean_shift(starts, points, sample_weight, kernel, bandwidth, *,
                        n_keep, rng, max_iter, tol):
    """Mean shift from ``n_keep`` of ``starts``, screened by their KDE values.

    One pass evaluates the KDE at every start (no mean-shift step); half of
    the kept starts are the densest (where a small, high basin shows itself),
    the other half are drawn at random from the rest (so that lower modes keep
    being found for ``n_modes > 1``). Returns ``(positions, log_sums, n_iter)`` as
    :func:`mean_shift` does.
    """
    if n_keep >= starts.shape[0]:
        return mean_shift(starts, points, sample_weight, kernel, bandwidth,
                          max_iter=max_iter, tol=tol)
    log_sums = log_kernel_sums(starts, points, sample_weight, kernel, bandwidth)
    order = np.argsort(-log_sums, kind="stable")
    n_dense = max(n_keep // 2, 1)
    rest = order[n_dense:]
    others = rng.choice(rest, size=n_keep - n_dense, replace=False)
    keep = np.concatenate([order[:n_dense], np.sort(others)])
    return mean_shift(starts[keep], points, sample_weight, kernel, bandwidth,
                      max_iter=max_iter, tol=tol)
