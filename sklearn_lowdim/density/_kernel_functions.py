"""Radial kernels for KDE mode finding: value, log value and mean-shift weight.

Every kernel is a profile ``kappa(t)`` of the scaled squared distance
``t = ||x - p||^2 / h^2``. Mean shift with the "shadow" weight
``g(t) = -kappa'(t)`` is monotone ascent of the KDE when ``kappa`` is convex in
``t`` (a minorise-maximise argument), and the lifting step of the sketched search
is exactly one such step with weights computed in the sketched space.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
from scipy.special import gammaln, zeta

__all__ = ["KERNELS", "make_kernel"]

# Codes shared with the Numba kernels in _kernels.py.
GAUSSIAN, GENERALIZED_GAUSSIAN, LOGISTIC, SIGMOID, BOX = range(5)
# t is clamped from below where the weight is singular at 0 (generalized
# Gaussian with beta < 1).
T_FLOOR = 1e-12


class RadialKernel:
    """A kernel profile of the scaled squared distance ``t``.

    Parameters
    ----------
    name : str
        One of :data:`KERNELS`.
    beta : float, default=1.0
        Exponent of the generalized Gaussian ``exp(-t**beta)``; ignored otherwise.

    Examples
    --------
    >>> from sklearn_lowdim.density._kernel_functions import RadialKernel
    >>> k = RadialKernel("gaussian")
    >>> float(k.value(0.0)), float(k.weight(0.0))
    (1.0, 0.5)
    """

    def __init__(self, name, beta=1.0):
        self.name = name
        self.beta = float(beta)
        self.code = KERNELS[name]

    @property
    def convex(self):
        """Whether ``kappa`` is convex in ``t`` (mean shift is then monotone)."""
        if self.code == BOX:
            return False
        if self.code == GENERALIZED_GAUSSIAN:
            return self.beta <= 1.0
        return True

    def log_value(self, t, xp=np):
        """``log kappa(t)``, computed without overflow for large ``t``.

        ``xp`` is the array namespace of ``t`` (NumPy by default).
        """
        if xp is np:
            t = np.asarray(t, dtype=float)
        if self.code == GAUSSIAN:
            return -0.5 * t
        if self.code == GENERALIZED_GAUSSIAN:
            return -(t**self.beta)
        if self.code == BOX:
            return xp.where(t <= 1.0, xp.zeros_like(t), xp.full_like(t, -xp.inf))
        r = xp.sqrt(t)
        if self.code == LOGISTIC:  # e^-r / (1 + e^-r)^2
            return -r - 2.0 * xp.log1p(xp.exp(-r))
        # SIGMOID: (2/pi) e^-r / (1 + e^-2r)
        return np.log(2.0 / np.pi) - r - xp.log1p(xp.exp(-2.0 * r))

    def value(self, t):
        """``kappa(t)``."""
        return np.exp(self.log_value(t))

    def weight_ratio(self, t, xp=np):
        """``g(t) / kappa(t)``, finite everywhere (the box kernel's is 1)."""
        if xp is np:
            t = np.asarray(t, dtype=float)
        if self.code == GAUSSIAN:
            return xp.full_like(t, 0.5)
        if self.code == GENERALIZED_GAUSSIAN:
            return self.beta * xp.maximum(t, xp.full_like(t, T_FLOOR)) ** (
                self.beta - 1.0)
        if self.code == BOX:
            return xp.ones_like(t)
        r = xp.sqrt(t)
        u = xp.exp(-r)
        # r = 0 is replaced by 1 before dividing; its limit is set by the where.
        safe = xp.where(r > 0, r, xp.ones_like(r))
        if self.code == LOGISTIC:  # (1 - u) / ((1 + u) 2r)
            ratio = xp.where(r > 0, -xp.expm1(-r) / safe, xp.ones_like(r))
            return ratio / (2.0 * (1.0 + u))
        # SIGMOID: (1 - u^2) / ((1 + u^2) 2r)
        ratio = xp.where(r > 0, -xp.expm1(-2.0 * r) / safe, xp.full_like(r, 2.0))
        return ratio / (2.0 * (1.0 + u * u))

    def weight(self, t):
        """Mean-shift weight ``g(t) = -kappa'(t)`` (box: the neighbour indicator)."""
        return self.weight_ratio(t) * self.value(t)

    def log_normalizer(self, n_features, bandwidth):
        """``log`` of the integral of ``kappa(||x||^2 / h^2)`` over ``R^d``.

        Subtracting it from the log of the average kernel value gives a log density
        that integrates to one, as in :class:`sklearn.neighbors.KernelDensity`.
        """
        d = n_features
        log_h = d * np.log(bandwidth)
        # Surface area of the unit sphere in R^d, times the radial integral.
        log_sphere = np.log(2.0) + 0.5 * d * np.log(np.pi) - gammaln(0.5 * d)
        if self.code == GAUSSIAN:
            return log_h + 0.5 * d * np.log(2.0 * np.pi)
        if self.code == BOX:
            return log_h + 0.5 * d * np.log(np.pi) - gammaln(0.5 * d + 1.0)
        if self.code == GENERALIZED_GAUSSIAN:
            radial = gammaln(d / (2.0 * self.beta)) - np.log(2.0 * self.beta)
            return log_h + log_sphere + radial
        if self.code == LOGISTIC:
            # int r^(d-1) e^-r/(1+e^-r)^2 dr = Gamma(d) eta(d-1), Dirichlet eta.
            radial = gammaln(d) + np.log(_dirichlet_eta(d - 1))
            return log_h + log_sphere + radial
        # SIGMOID: (2/pi) Gamma(d) beta(d), Dirichlet beta.
        radial = np.log(2.0 / np.pi) + gammaln(d) + np.log(_dirichlet_beta(d))
        return log_h + log_sphere + radial


def _dirichlet_eta(s):
    if s == 0:
        return 0.5
    if s == 1:
        return np.log(2.0)
    return (1.0 - 2.0 ** (1.0 - s)) * zeta(s)


def _dirichlet_beta(s):
    if s == 1:
        return np.pi / 4.0
    return 4.0**-s * (zeta(s, 0.25) - zeta(s, 0.75))


KERNELS = {
    "gaussian": GAUSSIAN,
    "generalized_gaussian": GENERALIZED_GAUSSIAN,
    "logistic": LOGISTIC,
    "sigmoid": SIGMOID,
    "box": BOX,
}


def make_kernel(name, beta=1.0):
    """Build a :class:`RadialKernel`, warning when it is not convex in ``t``.

    Examples
    --------
    >>> from sklearn_lowdim.density._kernel_functions import make_kernel
    >>> make_kernel("logistic").convex
    True
    """
    if name not in KERNELS:
        raise ValueError(f"kernel must be one of {sorted(KERNELS)}, got {name!r}.")
    if not np.isfinite(beta) or beta <= 0:
        raise ValueError(f"beta must be a finite positive number, got {beta!r}.")
    kernel = RadialKernel(name, beta)
    if kernel.code == GENERALIZED_GAUSSIAN and not kernel.convex:
        warnings.warn(
            f"kernel='generalized_gaussian' with beta={beta} > 1 is not convex in the "
            "squared distance: mean shift is no longer guaranteed to ascend and the "
            "lifting guarantee does not hold. Use beta <= 1 for the guarantees.",
            UserWarning,
            stacklevel=3,
        )
    return kernel
