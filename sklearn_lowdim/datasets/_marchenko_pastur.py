"""Limiting ridge (ensemble) risk for isotropic Gaussian features (Marchenko-Pastur)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

__all__ = ["marchenko_pastur_ridge_risk"]


def _fixed_point(alpha, phi_s):
    """``v`` solving ``1/v = alpha + phi_s / (1 + v)`` (``inf`` when ridgeless
    and underparametrised)."""
    if alpha > 0:
        b = phi_s + alpha - 1
        return (-b + np.sqrt(b * b + 4 * alpha)) / (2 * alpha)
    return 1.0 / (phi_s - 1) if phi_s > 1 else np.inf


def marchenko_pastur_ridge_risk(alpha, phi, *, subsample_ratio=None, n_estimators=1,
                                signal=1.0, noise=1.0):
    """Limiting prediction risk of a subsample ridge ensemble, isotropic features.

    Model ``y = x^T b + e`` with ``x ~ N(0, I_p)``, ``||b||^2 = signal``,
    ``Var e = noise``, in the proportional limit ``p/n -> phi``,
    ``p/k -> subsample_ratio``. Each of ``n_estimators`` members is ridge with
    the per-sample normalised penalty ``alpha`` (``Ridge(alpha=k * alpha)``) on
    ``k`` rows drawn without replacement; ``alpha = 0`` is ridgeless. The risk is
    the expected squared error on a new row, noise included:

    ``R_M = noise + signal * tc * [(1 + tv(phi_s))/M + (1 - 1/M)(1 + tv(phi))]
    + noise * [tv(phi_s)/M + (1 - 1/M) tv(phi)]``

    with ``v`` solving ``1/v = alpha + phi_s/(1 + v)``, ``tc = 1/(1 + v)^2`` and
    ``tv(x) = (x tc) / (1/v^2 - x tc)`` (Du, Patil, Kuchibhotla 2023, as in the
    authors' code). With ``M = 1`` and ``k = n`` it is ridge regression's
    Marchenko-Pastur risk.

    Parameters
    ----------
    alpha : float
        Penalty, >= 0.
    phi : float
        ``n_features / n_samples``.
    subsample_ratio : float, default=None
        ``n_features / k`` (>= ``phi``); ``None`` is ``phi`` (full-data ridge).
    n_estimators : int or float, default=1
        Ensemble size; ``np.inf`` for the infinite ensemble.
    signal, noise : float, default=1.0
        ``||b||^2`` and the noise variance.

    Returns
    -------
    risk : float
        Expected squared error on a new row, noise included.

    See Also
    --------
    sklearn_lowdim.linear_model.SubsampleRidgeEnsembleCV : The estimator whose
        risk this predicts.

    Examples
    --------
    >>> from sklearn_lowdim.datasets import marchenko_pastur_ridge_risk
    >>> round(marchenko_pastur_ridge_risk(0.1, 0.25), 6)
    1.260403
    >>> round(marchenko_pastur_ridge_risk(0.0, 0.25), 6)  # ridgeless: 1/(1 - phi)
    1.333333
    """
    phi_s = phi if subsample_ratio is None else float(subsample_ratio)
    values = {"alpha": alpha, "phi": phi, "subsample_ratio": phi_s,
              "signal": signal, "noise": noise}  # fmt: skip
    for name, value in values.items():
        if np.isnan(value):
            raise ValueError(f"{name} is NaN; pass a number.")
    if alpha < 0 or phi <= 0 or phi_s < phi or n_estimators < 1:
        raise ValueError(
            "need alpha >= 0, phi > 0, subsample_ratio >= phi and n_estimators >= 1; "
            f"got alpha={alpha}, phi={phi}, subsample_ratio={phi_s}, "
            f"n_estimators={n_estimators}."
        )
    if alpha == 0 and (phi_s == 1 or phi == 1):
        return np.inf  # interpolation threshold
    v = _fixed_point(alpha, phi_s)
    if np.isinf(v):  # ridgeless, k > p: least squares on each subsample
        tc = 0.0

        def tv(x):
            return x / (1 - x)
    else:
        tc = 1.0 / (1 + v) ** 2

        def tv(x):
            return x * tc / (1 / v**2 - x * tc)
    inv_m = 1.0 / n_estimators
    return float(
        noise
        + signal * tc * ((1 + tv(phi_s)) * inv_m + (1 - inv_m) * (1 + tv(phi)))
        + noise * (tv(phi_s) * inv_m + (1 - inv_m) * tv(phi))
    )
