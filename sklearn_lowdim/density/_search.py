"""Search strategies of KDEMode: starts, the 'auto' choice and the screened search."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import math

import numpy as np

from ..sketching import make_sketch
from ..utils import device, get_namespace, is_dask_array, is_numpy_namespace
from ._kernel_functions import BOX
from ._mean_shift import log_kernel_sums, mean_shift

__all__ = ["choose_method", "choose_starts", "distinct_best", "n_random_starts",
           "run_search", "screened_mean_shift", "sketch_points", "take_index",
           "take_rows"]

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
    :func:`mean_shift` does. ``starts`` may live in any array namespace (the
    random draw is of positions, on the host).
    """
    if n_keep >= starts.shape[0]:
        return mean_shift(starts, points, sample_weight, kernel, bandwidth,
                          max_iter=max_iter, tol=tol)
    xp, _ = get_namespace(starts)
    log_sums = log_kernel_sums(starts, points, sample_weight, kernel, bandwidth)
    order = xp.argsort(-log_sums, stable=True)
    n_dense = max(n_keep // 2, 1)
    rest = order[n_dense:]
    # Drawing positions in ``rest`` is the same draw as rng.choice(rest, ...).
    others = rng.choice(rest.shape[0], size=n_keep - n_dense, replace=False)
    others = xp.take(rest, xp.asarray(others, device=device(rest)))
    keep = xp.concat([order[:n_dense], xp.sort(others)])
    return mean_shift(xp.take(starts, keep, axis=0), points, sample_weight, kernel,
                      bandwidth, max_iter=max_iter, tol=tol)


def choose_starts(sample_weight, method, n_starts, n_random, rng):
    """Indices of the start rows (in the namespace of ``sample_weight``).

    Rows of zero weight are never starts. 'bruteforce' with ``n_starts='auto'``
    starts everywhere; the sketch screens :func:`sketch_starts` rows; random
    starts take ``n_random``.
    """
    xp, _ = get_namespace(sample_weight)
    eligible = xp.nonzero(sample_weight > 0)[0]
    if method == "bruteforce" and n_starts == "auto":
        return eligible
    count = n_random
    if method == "sketch" and n_starts == "auto":
        count = sketch_starts(eligible.shape[0], n_random)[0]
    if count >= eligible.shape[0]:
        return eligible
    # eligible is increasing: sorting the drawn positions sorts the rows.
    picked = np.sort(rng.choice(eligible.shape[0], size=count, replace=False))
    return xp.take(eligible, xp.asarray(picked, device=device(eligible)))


def take_index(array, index):
    """``array[index]`` along the first axis, for host or device indices."""
    xp, _ = get_namespace(array)
    return xp.take(array, xp.asarray(index, device=device(array)), axis=0)


def take_rows(points, index):
    """``points[index]`` in memory, or the rows gathered from a dask array."""
    if is_dask_array(points):
        return np.asarray(points[np.asarray(index)].compute(), dtype=np.float64)
    xp, _ = get_namespace(points)
    return xp.take(points, index, axis=0)


def sketch_points(sketch, points):
    """``points @ S.T`` row by row: NumPy, any namespace (on its device), dask.

    A dask ``points`` is sketched block by block (``apply_right`` of each
    block, the same arithmetic per row) and persisted: the search then runs
    on the ``n x sketch_dim`` sketch, never on ``X``. Other namespaces get the
    dense sketch matrix (``sketch_dim x n_features``, from
    ``Sketch.toarray``) once on their device and one GEMM.
    """
    if is_dask_array(points):
        return points.map_blocks(sketch.apply_right, dtype=np.float64,
                                 chunks=(points.chunks[0], (sketch.sketch_size,))
                                 ).persist()
    xp, _ = get_namespace(points)
    if is_numpy_namespace(xp):
        return sketch.apply_right(points)
    matrix = xp.asarray(sketch.toarray().T, dtype=points.dtype,
                        device=device(points))
    return points @ matrix


def distinct_best(positions, log_sums, n_keep, min_gap):
    """Indices of the best positions, more than ``min_gap`` apart (host ints)."""
    xp, _ = get_namespace(positions)
    order = xp.argsort(-log_sums, stable=True)
    kept = []
    for rank in range(order.shape[0]):
        if len(kept) == n_keep:
            break
        i = int(order[rank])
        if kept:
            gaps = xp.take(positions, xp.asarray(kept, device=device(positions)),
                           axis=0) - positions[i, ...]
            if float(xp.min(xp.sqrt(xp.sum(gaps * gaps, axis=1)))) <= min_gap:
                continue
        kept.append(i)
    return kept


# Convergence tolerance (in bandwidths) of the search in the sketch.
SKETCH_TOL = 1e-3


def run_search(est, points, sample_weight, starts, rng):
    """The search of a fitted ``KDEMode`` ``est``: ``(candidates, log_sums, steps)``.

    ``log_sums`` is ``None`` when the candidates still need polishing (the
    sketch lifts them back to the original space). Sets ``est.sketch_dim_``.
    """
    n_features = points.shape[1]
    kernel, h = est._kernel, est._h
    options = {"max_iter": est.max_iter, "tol": est.tol}
    n_keep = sketch_starts(starts.shape[0], 0, est.n_modes)[1]
    # A few more candidates than modes asked for: a near-tie in the sketched
    # space is resolved by the exact density after polishing.
    n_candidates = 2 * est.n_modes + 2
    if est.method_ != "sketch" or est.sketch_dim >= n_features:
        est.sketch_dim_ = n_features
        if est.method_ == "sketch":
            found, log_sums, n_iter = screened_mean_shift(
                take_rows(points, starts), points, sample_weight, kernel, h,
                n_keep=n_keep, rng=rng, **options)
        else:
            found, log_sums, n_iter = mean_shift(
                take_rows(points, starts), points, sample_weight, kernel, h,
                **options)
        keep = est._distinct_best(found, log_sums, n_candidates)
        return take_index(found, keep), take_index(log_sums, keep), n_iter
    est.sketch_dim_ = est.sketch_dim
    sketch = make_sketch(est.sketch, n_features, est.sketch_dim, rng)
    sketched = sketch_points(sketch, points)
    # The sketched search only has to reach the right basin: lifting and
    # polishing make the answer precise.
    options["tol"] = max(est.tol, SKETCH_TOL)
    found, log_sums, n_iter = screened_mean_shift(
        take_rows(sketched, starts), sketched, sample_weight, kernel, h,
        n_keep=n_keep, rng=rng, **options)
    keep = est._distinct_best(found, log_sums, n_candidates)
    lifted = est._lift(take_index(found, keep), sketched, points, sample_weight)
    return lifted, None, n_iter
