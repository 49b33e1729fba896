"""KDE mode-finding problems with a known answer: an easy and a hard kind."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from sklearn.utils import check_random_state

from ._mixtures import make_gaussian_mixture

__all__ = ["make_mode_finding_problem"]

# Standard deviations (per feature) of the hard problem's parts. With the
# bandwidth 0.5 sqrt(d), a Gaussian cluster of weight w and sd s has KDE height
# about w (1 + 4 s^2 / d) ** (-d / 2) ~ w exp(-2 s^2) at its centre: the tight
# cluster (s = 0.3) is then 4.5x (d=50) to 8x (d=1000) higher than a broad one
# (s = 1.75) even at 0.5% of the points, while the broad clusters hold 22% each.
TIGHT_SD, BROAD_SD, BACKGROUND_SD = 0.3, 1.75, 3.0
N_BROAD, BACKGROUND_FRACTION = 4, 0.1
MIN_MODE_POINTS = 10


def make_mode_finding_problem(
    n_samples=5000,
    n_features=100,
    *,
    kind="hard",
    mode_fraction=0.005,
    random_state=None,
):
    """A KDE mode-finding problem, its global mode and the bandwidth it holds for.

    Both kinds use the Gaussian kernel at ``bandwidth = 0.5 * sqrt(n_features)``.

    - ``kind='easy'``: the 8-component mixture of
      :func:`make_gaussian_mixture` with nearly equal weights
      (``1/8 +- 0.004``, "close peaks"). Every component holds about 12% of the
      points, so a few random starts land in the global mode's basin.
    - ``kind='hard'``: a tight cluster (sd 0.3 per feature) holding
      ``mode_fraction`` of the points, four broad clusters (sd 1.75) sharing the
      rest but 10%, and 10% background (sd 3 around the origin), each background
      point an isolated shallow local mode. Cluster centres are about
      ``4 sqrt(n_features)`` apart, so mean shift from a point stays in its own
      cluster: the global mode's basin holds ``mode_fraction`` of the data, and a
      random start finds it with probability ``mode_fraction``.

    The returned ``mode`` is the centroid of the component whose KDE height is
    the largest (the tight cluster for 'hard'): mean shift started there
    converges to the global mode of the KDE of ``X``, within a small fraction of
    the bandwidth (the tests check it by brute force).

    Parameters
    ----------
    n_samples : int, default=5000
        Number of points; the hard kind needs ``mode_fraction * n_samples >= 10``.
    n_features : int, default=100
        Dimension; the margins above hold from 50 to 1,000 (and beyond).
    kind : {'hard', 'easy'}, default='hard'
    mode_fraction : float in [0.005, 0.5], default=0.005
        Share of the points in the tight cluster ('hard' only).
    random_state : int, RandomState instance or None, default=None
        Seeds the centres, the memberships and the noise.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The points, in random order.
    mode : ndarray of shape (n_features,)
        The known answer: the centroid of the highest component.
    bandwidth : float
        ``0.5 * sqrt(n_features)``, the Gaussian-kernel bandwidth the answer holds for.

    See Also
    --------
    make_gaussian_mixture : The easy kind's generator.
    sklearn_lowdim.density.KDEMode : Finds the mode.

    Examples
    --------
    >>> from sklearn_lowdim.datasets import make_mode_finding_problem
    >>> X, mode, h = make_mode_finding_problem(2000, 50, random_state=0)
    >>> X.shape, mode.shape, round(h, 3)
    ((2000, 50), (50,), 3.536)
    """
    n_samples, n_features = _check_sizes(n_samples, n_features)
    if kind not in ("hard", "easy"):
        raise ValueError(f"kind must be 'hard' or 'easy', got {kind!r}.")
    rng = check_random_state(random_state)
    bandwidth = 0.5 * np.sqrt(n_features)
    if kind == "easy":
        X, mode = _easy(n_samples, n_features, bandwidth, rng)
    else:
        X, mode = _hard(n_samples, n_features, mode_fraction, rng)
    return X, mode, float(bandwidth)


def _check_sizes(n_samples, n_features):
    for name, value, low in (("n_samples", n_samples, 2),
                             ("n_features", n_features, 1)):
        if not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"{name} must be an integer >= {low}, got {value!r}.")
    return int(n_samples), int(n_features)


def _easy(n_samples, n_features, bandwidth, rng):
    weights = np.full(8, 1 / 8) + np.linspace(-0.004, 0.004, 8)
    X, labels, _ = make_gaussian_mixture(n_samples, n_features, weights=weights,
                                         random_state=rng)
    # Expected KDE height at each centre: w (h^2 / (h^2 + s^2)) ** (d / 2).
    best, best_height = 0, -np.inf
    for c in np.unique(labels):
        members = X[labels == c]
        variance = members.var(axis=0).mean() if len(members) > 1 else 0.0
        height = np.log(len(members)) - 0.5 * n_features * np.log1p(
            variance / bandwidth**2)
        if height > best_height:
            best, best_height = c, height
    return X, X[labels == best].mean(axis=0)


def _hard(n_samples, n_features, mode_fraction, rng):
    if not 0.005 <= mode_fraction <= 0.5:
        raise ValueError(
            f"mode_fraction must be in [0.005, 0.5], got {mode_fraction!r}: below "
            "0.5% the tight cluster is no longer guaranteed to be the highest mode."
        )
    n_mode = int(round(mode_fraction * n_samples))
    if n_mode < MIN_MODE_POINTS:
        raise ValueError(
            f"mode_fraction * n_samples = {mode_fraction * n_samples:.1f} points in "
            f"the tight cluster; it needs at least {MIN_MODE_POINTS}: increase "
            "n_samples or mode_fraction."
        )
    n_background = int(round(BACKGROUND_FRACTION * n_samples))
    n_broad = n_samples - n_mode - n_background
    centers = rng.standard_normal((N_BROAD + 1, n_features)) * 4.0 / np.sqrt(2)
    labels = rng.randint(0, N_BROAD, size=n_broad)
    parts = [
        centers[N_BROAD] + TIGHT_SD * rng.standard_normal((n_mode, n_features)),
        centers[labels] + BROAD_SD * rng.standard_normal((n_broad, n_features)),
        BACKGROUND_SD * rng.standard_normal((n_background, n_features)),
    ]
    X = np.vstack(parts)
    order = rng.permutation(n_samples)
    return X[order], parts[0].mean(axis=0)
