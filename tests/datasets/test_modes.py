"""make_mode_finding_problem: its known answer, checked by brute force."""

import numpy as np
import pytest
from scipy.special import logsumexp

from sklearn_lowdim.datasets import make_mode_finding_problem


def log_kde(queries, X, h):
    """Brute-force log of the (unnormalised) Gaussian KDE sum."""
    sq = ((queries**2).sum(1)[:, None] + (X**2).sum(1) - 2 * queries @ X.T)
    return logsumexp(-np.maximum(sq, 0) / (2 * h * h), axis=1)


def brute_mean_shift(X, h, n_iter=100):
    """Mean shift from every point, plain NumPy, until no point moves 1e-6 h."""
    positions = X.copy()
    for _ in range(n_iter):
        sq = ((positions**2).sum(1)[:, None] + (X**2).sum(1) - 2 * positions @ X.T)
        log_k = -np.maximum(sq, 0) / (2 * h * h)
        k = np.exp(log_k - log_k.max(axis=1, keepdims=True))
        moved = k @ X / k.sum(axis=1, keepdims=True)
        done = np.abs(moved - positions).max() < 1e-6 * h
        positions = moved
        if done:
            break
    return positions


@pytest.mark.parametrize("kind, fraction", [("hard", 0.05), ("hard", 0.02),
                                            ("easy", 0.005)])
def test_known_answer_is_the_global_mode_by_brute_force(kind, fraction):
    X, mode, h = make_mode_finding_problem(500, 50, kind=kind, mode_fraction=fraction,
                                           random_state=0)
    assert X.shape == (500, 50) and h == pytest.approx(0.5 * np.sqrt(50))
    at_points = log_kde(X, X, h)
    at_mode = log_kde(mode[None], X, h)[0]
    assert at_mode > at_points.max()
    ends = brute_mean_shift(X, h)
    at_ends = log_kde(ends, X, h)
    best = ends[np.argmax(at_ends)]
    # Mean shift from every point finds its best mode next to the answer (the
    # centroid of the top component), and the answer is nearly as high.
    assert np.linalg.norm(best - mode) < (0.05 if kind == "hard" else 0.1) * h
    assert at_mode >= at_ends.max() - (1e-3 if kind == "hard" else np.log(1 / 0.99))
    if kind == "hard":
        # The global mode's basin is exactly the tight cluster.
        in_basin = np.linalg.norm(ends - best, axis=1) < 0.1 * h
        assert in_basin.sum() == round(fraction * 500)


def test_hard_margin_holds_at_half_a_percent_in_high_dimension():
    X, mode, h = make_mode_finding_problem(2000, 200, mode_fraction=0.005,
                                           random_state=1)
    at_mode, at_points = log_kde(mode[None], X, h)[0], log_kde(X, X, h)
    # Ten points near the mode (sd 0.3), none of the rest; the mode is higher
    # than every point, and twice as high as any point outside the tight cluster.
    near = np.linalg.norm(X - mode, axis=1) < h
    assert at_mode > at_points.max()
    assert at_mode > at_points[~near].max() + np.log(2)
    assert near.sum() == 10


def test_seeded_and_validated():
    a = make_mode_finding_problem(200, 5, mode_fraction=0.05, random_state=3)
    b = make_mode_finding_problem(200, 5, mode_fraction=0.05, random_state=3)
    np.testing.assert_array_equal(a[0], b[0])
    with pytest.raises(ValueError, match="kind"):
        make_mode_finding_problem(200, 5, kind="medium")
    with pytest.raises(ValueError, match="mode_fraction"):
        make_mode_finding_problem(200, 5, mode_fraction=0.001)
    with pytest.raises(ValueError, match="at least 10"):
        make_mode_finding_problem(200, 5, mode_fraction=0.01)
    with pytest.raises(ValueError, match="n_features"):
        make_mode_finding_problem(200, 0)
