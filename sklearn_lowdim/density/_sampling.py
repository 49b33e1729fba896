"""Draws from a radial kernel: the noise added to data points by ``KDEMode.sample``."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import device, get_namespace
from ._kernel_functions import BOX, GAUSSIAN, GENERALIZED_GAUSSIAN, LOGISTIC

__all__ = ["kernel_offsets", "weighted_rows"]


def weighted_rows(sample_weight, n_samples, rng):
    """Rows drawn with probability proportional to ``sample_weight``.

    The draw of ``rng.choice(n, n_samples, p=w / sum(w))`` written out (the
    same uniforms, the same rows), so that weights on a device stay there.
    """
    xp, _ = get_namespace(sample_weight)
    cdf = xp.cumulative_sum(sample_weight)
    cdf = cdf / cdf[-1]
    uniforms = rng.random_sample(n_samples)
    return xp.searchsorted(cdf, xp.asarray(uniforms, dtype=cdf.dtype,
                                           device=device(cdf)), side="right")


def kernel_offsets(kernel, n_samples, n_features, rng):
    """``n_samples`` draws from the density proportional to ``kappa(||y||^2)``.

    The density is radial, so a draw is a uniform direction times a radius whose
    density is proportional to ``r^(d-1) kappa(r^2)``:

    - Gaussian: ``y ~ N(0, I)`` directly;
    - generalized Gaussian ``exp(-t^beta)``: ``r^(2 beta) ~ Gamma(d / (2 beta))``;
    - box: ``r = U^(1/d)`` (uniform in the unit ball);
    - logistic and sigmoid: ``r ~ Gamma(d)`` accepted with probability
      ``1 / (1 + e^-r)^2`` (at least 1/4) or ``1 / (1 + e^-2r)`` (at least 1/2),
      since ``r^(d-1) kappa(r^2)`` is ``r^(d-1) e^-r`` times that factor.

    Multiply by the bandwidth and add to data points drawn by weight.
    """
    if kernel.code == GAUSSIAN:
        return rng.standard_normal((n_samples, n_features))
    direction = rng.standard_normal((n_samples, n_features))
    norms = np.linalg.norm(direction, axis=1, keepdims=True)
    direction /= np.where(norms > 0, norms, 1.0)
    return direction * _radii(kernel, n_samples, n_features, rng)[:, None]


def _radii(kernel, n_samples, d, rng):
    if kernel.code == BOX:
        return rng.uniform(size=n_samples) ** (1.0 / d)
    if kernel.code == GENERALIZED_GAUSSIAN:
        shape = d / (2.0 * kernel.beta)
        return rng.gamma(shape, size=n_samples) ** (1.0 / (2.0 * kernel.beta))
    rate = 1.0 if kernel.code == LOGISTIC else 2.0
    power = 2.0 if kernel.code == LOGISTIC else 1.0
    radii = np.empty(0)
    while radii.size < n_samples:  # a batch per round: about 1 to 4 rounds
        proposal = rng.gamma(float(d), size=4 * (n_samples - radii.size) + 8)
        accept = rng.uniform(size=proposal.size) < (
            1.0 / (1.0 + np.exp(-rate * proposal)) ** power)
        radii = np.concatenate([radii, proposal[accept]])
    return radii[:n_samples]
