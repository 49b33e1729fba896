"""Covariance families of Gaussian discriminant analysis, chosen from a table.

As in scikit-learn's ``GaussianMixture``, each family is a small object with
``fit(stats, options) -> params``, ``mahalanobis(params, Z, xp)`` and
``scores(params, Z, xp, exact)`` (the joint log-likelihood up to the terms every
family shares). Everything happens in the coordinates the estimator chose (the
statistics arrive rescaled, rows arrive as ``Z = (X - location) / scale``);
shrinkage, the small-eigenvalue policy and spectra come from
:mod:`sklearn_lowdim.covariance`. The functions take an array namespace ``xp``:
parameters are NumPy float64 arrays and are moved to ``Z``'s namespace once per
call by the scorer.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.linalg import blas

from ..covariance import (
    Whitener,
    covariance_from_statistics,
    floor_eigenvalues,
    shrink_covariance,
    shrinkage_from_spectrum,
)
from ..covariance._spectral import warn_singular

__all__ = ["FAMILIES", "FitOptions"]


@dataclass(frozen=True)
class FitOptions:
    """The estimator's covariance options, in the coordinates of the statistics."""

    covariance_type: str
    shrinkage: object = None
    gamma: object = None
    alpha: object = None
    reg_covar: float = 0.0
    eig_floor: float = 1e-12
    singular: str = "floor"
    log_priors: np.ndarray = None
    pooled_covariance: object = None  # a callable giving (cov, shrinkage) or None
    class_spectra: object = None  # a callable giving per-class spectra or None
    labels: object = None


def _sq_norms(A, xp=np):
    """Squared row norms (accumulated in float64 for NumPy rows)."""
    if isinstance(A, np.ndarray):
        return np.einsum("ij,ij->i", A, A, dtype=np.float64)
    return xp.sum(A * A, axis=1)


def _regularise_dense(cov, opts):
    """``gamma`` toward the scaled identity, then ``reg_covar`` on the diagonal."""
    if opts.gamma is not None:
        cov = shrink_covariance(cov, opts.gamma)
    if opts.reg_covar:
        cov = cov + opts.reg_covar * np.eye(cov.shape[0])
    return cov


# ----------------------------------------------------------------- linear (tied)
class LinearFamily:
    """One covariance shared by the classes: ``tied``, ``tied_diag``,
    ``tied_spherical``. Scores are linear in ``z`` up to a row term."""

    linear = True

    def fit(self, stats, opts):
        cov, shrinkage = self._covariance(stats, opts)
        cov = _regularise_dense(cov, opts)
        wh = Whitener(method="cholesky", singular=opts.singular,
                      eig_floor=opts.eig_floor).fit(cov)
        Mw, P = whiten_and_precision(stats.means, wh.W_, wh.method_)
        m2 = _sq_norms(Mw)
        return LinearParams(
            covariance=cov, shrinkage=shrinkage, whitener=wh, W=wh.W_,
            A=np.ascontiguousarray(P.T), m2=m2, bias=-0.5 * m2 + opts.log_priors,
            logdet=wh.logdet_, rank=wh.rank_, Mw=Mw,
        )

    @staticmethod
    def _covariance(stats, opts):
        if opts.covariance_type == "tied":
            if opts.pooled_covariance is not None:
                return opts.pooled_covariance()
            return covariance_from_statistics(stats, opts.shrinkage)
        var = stats.sq_dev.sum(axis=0) / stats.n_samples
        s = float(opts.shrinkage or 0.0)
        if s:
            var = (1 - s) * var + s * var.mean()
        if opts.covariance_type == "tied_spherical":
            var = np.full(var.shape[0], var.mean())
        return np.diag(var), s

    @staticmethod
    def mahalanobis(params, Z, xp):
        ZW = Z @ params["W"]
        G = Z @ params["A"]
        return _sq_norms(ZW, xp)[:, None] - 2.0 * G + params["m2"][None, :]

    @staticmethod
    def scores(params, Z, xp, exact):
        S = Z @ params["A"] + params["bias"][None, :]
        if exact:
            ZW = Z @ params["W"]
            S = S + (-0.5 * _sq_norms(ZW, xp) - 0.5 * params["logdet"])[:, None]
        return S


@dataclass
class LinearParams:
    covariance: np.ndarray
    shrinkage: float
    whitener: Whitener
    W: np.ndarray
    A: np.ndarray  # (d, C): Sigma^{-1} mu_k as columns
    m2: np.ndarray
    bias: np.ndarray
    logdet: float
    rank: int
    Mw: np.ndarray

    def arrays(self):
        return {"W": self.W, "A": self.A, "m2": self.m2, "bias": self.bias,
                "logdet": self.logdet}


def whiten_and_precision(M, W, method):
    """``M W`` and ``M W W^T`` (whitened rows and ``Sigma^{-1}`` applied).

    A Cholesky whitener is upper triangular, so two BLAS ``trmm`` do it with
    half the flops of two GEMMs.
    """
    if method != "cholesky":
        Mw = M @ W
        return Mw, Mw @ W.T
    # transposes are Fortran-ordered views: BLAS gets its operands without copies
    L = np.ascontiguousarray(W).T
    Mw_t = blas.dtrmm(1.0, L, np.ascontiguousarray(M).T, side=0, lower=1)
    precision_applied_t = blas.dtrmm(1.0, L, Mw_t, side=0, lower=1, trans_a=1)
    return Mw_t.T, precision_applied_t.T


# ------------------------------------------------------------------ diagonal
class DiagonalFamily:
    """A diagonal (``diag``) or isotropic (``spherical``) covariance per class."""

    linear = False

    def fit(self, stats, opts):
        var = stats.class_variances()
        s = float(opts.shrinkage or 0.0)
        if s:
            var = (1 - s) * var + s * var.mean(axis=1, keepdims=True)
        if opts.gamma is not None:
            var = (1 - opts.gamma) * var + opts.gamma * var.mean(axis=1, keepdims=True)
        if opts.covariance_type == "spherical":
            var = np.repeat(var.mean(axis=1, keepdims=True), var.shape[1], axis=1)
        var = var + opts.reg_covar
        var, rank = _floor_rows(var, opts)
        inv = 1.0 / var
        M = stats.means
        return DiagonalParams(
            variances=var, shrinkage=s, rank=rank, inv=inv, lin=M * inv,
            m2=np.einsum("ij,ij->i", M * M, inv),
            const=-0.5 * np.sum(np.log(var), axis=1) + opts.log_priors,
        )

    @staticmethod
    def mahalanobis(params, Z, xp):
        return (Z * Z) @ params["inv"].T - 2.0 * (Z @ params["lin"].T) \
            + params["m2"][None, :]

    @classmethod
    def scores(cls, params, Z, xp, exact):
        return -0.5 * cls.mahalanobis(params, Z, xp) + params["const"][None, :]


@dataclass
class DiagonalParams:
    variances: np.ndarray
    shrinkage: float
    rank: np.ndarray
    inv: np.ndarray
    lin: np.ndarray
    m2: np.ndarray
    const: np.ndarray

    def arrays(self):
        return {"inv": self.inv, "lin": self.lin, "m2": self.m2, "const": self.const}


def _floor_rows(var, opts):
    """The small-eigenvalue policy per class (``pinv`` floors too: a diagonal
    covariance has no subspace to project on)."""
    singular = "floor" if opts.singular == "pinv" else opts.singular
    out, rank, warned = np.empty_like(var), np.empty(var.shape[0], np.int64), False
    for k, row in enumerate(var):
        what = f"the covariance of class {opts.labels[k]!r}"
        out[k], _, small = floor_eigenvalues(
            row, eig_floor=opts.eig_floor, singular=singular, what=what)
        rank[k] = row.shape[0] - int(small.sum())
        warned |= bool(small.any())
    if warned:
        warn_singular(
            "zero or tiny per-class variances were floored at eig_floor times "
            "the largest; consider reg_covar.", stacklevel=5,
        )
    return out, rank


# ---------------------------------------------------------------------- full
class FullFamily:
    """One covariance per class, stored as a low-rank factor plus an isotropic
    remainder ``sigma_k^2 I`` (memory ``O(d sum_k rank_k)``, not ``C d^2``)."""

    linear = False

    def fit(self, stats, opts):
        d, C = stats.n_features, stats.n_classes
        pooled = None
        if opts.alpha is not None and opts.alpha < 1:
            pooled = opts.pooled_covariance()[0]
        spectra = (opts.class_spectra() if opts.class_spectra is not None
                   else stats.class_spectra())
        parts = [self._class_factor(k, lam, V, stats, opts, pooled, d)
                 for k, (lam, V) in enumerate(spectra)]
        if any(p["floored"] for p in parts):
            warn_singular(
                "some class covariances are singular; their eigenvalues were "
                "floored at eig_floor times the largest. Add shrinkage, gamma or "
                "reg_covar.", stacklevel=5,
            )
        return _stack_full(parts, stats.means, opts.log_priors, d, C)

    @staticmethod
    def _class_factor(k, lam, V, stats, opts, pooled, d):
        fourth = None if stats.fourth is None else float(stats.fourth[k])
        s = 0.0
        if opts.class_spectra is None:
            s = shrinkage_from_spectrum(lam, d, max(stats.counts[k], 1e-300),
                                        opts.shrinkage, fourth)
        m = lam.sum() / d
        ell, rem = (1 - s) * lam + s * m, s * m  # rem: on the complement of V
        if pooled is not None:
            ell, V, rem = _mix_with_pooled(ell, V, rem, pooled, opts.alpha, d)
        r = V.shape[1]
        if opts.gamma is not None:
            t = (ell.sum() + (d - r) * rem) / d
            ell = (1 - opts.gamma) * ell + opts.gamma * t
            rem = (1 - opts.gamma) * rem + opts.gamma * t
        ell, rem = ell + opts.reg_covar, rem + opts.reg_covar
        return _apply_policy(k, ell, V, rem, s, opts, d)

    @staticmethod
    def mahalanobis(params, Z, xp):
        Mc = params["means"]
        D2 = _sq_norms(Z, xp)[:, None] - 2.0 * (Z @ Mc.T) + params["mean_sq"][None, :]
        Q = Z @ params["V"] - params["MV"][None, :]
        Q = Q * Q
        B = params["B"]
        proj = (B.T @ Q.T).T if sp.issparse(B) else Q @ B
        return proj + D2 * params["inv_rem"][None, :]

    @classmethod
    def scores(cls, params, Z, xp, exact):
        return -0.5 * cls.mahalanobis(params, Z, xp) + params["const"][None, :]


def _mix_with_pooled(ell, V, rem, pooled, alpha, d):
    """RDA: ``alpha Sigma_k + (1 - alpha) Sigma_pooled`` (dense, full rank)."""
    dense = (V * ell) @ V.T
    if V.shape[1] < d:
        dense += rem * (np.eye(d) - V @ V.T)
    lam, V = np.linalg.eigh(alpha * dense + (1 - alpha) * pooled)
    return lam, V, 0.0


def _apply_policy(k, ell, V, rem, s, opts, d):
    """The small-eigenvalue policy on a class's factor and its remainder."""
    r = V.shape[1]
    has_rem = r < d
    values = np.append(ell, rem) if has_rem else ell
    floored, keep, small = floor_eigenvalues(
        values, eig_floor=opts.eig_floor, singular=opts.singular,
        what=f"the covariance of class {opts.labels[k]!r}")
    rem_small = has_rem and bool(small[-1])
    rank = r - int(small[:r].sum()) + (d - r if has_rem and not rem_small else 0)
    V, ell = V[:, keep[:r]], floored[:r][keep[:r]]
    if has_rem:
        rem = np.inf if rem_small and opts.singular != "floor" else floored[-1]
    if V.shape[1] == d:
        rem = 0.0
    logdet = np.sum(np.log(ell)) + (
        (d - V.shape[1]) * np.log(rem) if 0 < rem < np.inf else 0.0)
    return {"V": V, "ell": ell, "rem": rem, "shrinkage": s, "rank": rank,
            "logdet": logdet, "floored": opts.singular == "floor" and small.any()}


def _stack_full(parts, means, log_priors, d, C):
    sizes = np.array([p["V"].shape[1] for p in parts])
    R = int(sizes.sum())
    V = np.concatenate([p["V"] for p in parts], axis=1) if R else np.zeros((d, 0))
    ell = np.concatenate([p["ell"] for p in parts]) if R else np.zeros(0)
    rem = np.array([p["rem"] for p in parts])
    seg = np.repeat(np.arange(C), sizes)
    MV = np.einsum("dj,jd->j", V, means[seg]) if R else np.zeros(0)
    inv_rem = np.where((rem > 0) & np.isfinite(rem),
                       1.0 / np.where(rem > 0, rem, 1.0), 0.0)
    # Q^2 @ B gives sum_j Q_j^2 (1/ell_j - 1/sigma_k^2) per class
    B = sp.csr_matrix((1.0 / ell - inv_rem[seg], (np.arange(R), seg)), shape=(R, C))
    logdet = np.array([p["logdet"] for p in parts])
    return FullParams(
        V=V, ell=ell, sizes=sizes, rem=rem, means=means, mean_sq=_sq_norms(means),
        MV=MV, B=B, inv_rem=inv_rem, const=-0.5 * logdet + log_priors,
        logdet=logdet, rank=np.array([p["rank"] for p in parts]),
        shrinkage=np.array([p["shrinkage"] for p in parts]),
    )


@dataclass
class FullParams:
    V: np.ndarray
    ell: np.ndarray
    sizes: np.ndarray
    rem: np.ndarray
    means: np.ndarray
    mean_sq: np.ndarray
    MV: np.ndarray
    B: object
    inv_rem: np.ndarray
    const: np.ndarray
    logdet: np.ndarray
    rank: np.ndarray
    shrinkage: np.ndarray

    def arrays(self):
        return {"V": self.V, "means": self.means, "mean_sq": self.mean_sq,
                "MV": self.MV, "B": self.B, "inv_rem": self.inv_rem,
                "const": self.const}

    def covariances(self):
        """Dense ``(C, d, d)`` covariances rebuilt from the factors."""
        d = self.V.shape[0]
        out = np.empty((len(self.sizes), d, d))
        bounds = np.concatenate([[0], np.cumsum(self.sizes)])
        for k in range(len(self.sizes)):
            V = self.V[:, bounds[k]:bounds[k + 1]]
            out[k] = (V * self.ell[bounds[k]:bounds[k + 1]]) @ V.T
            if V.shape[1] < d and 0 < self.rem[k] < np.inf:
                out[k] += self.rem[k] * (np.eye(d) - V @ V.T)
        return out


_LINEAR, _DIAGONAL, _FULL = LinearFamily(), DiagonalFamily(), FullFamily()

FAMILIES = {
    "tied": _LINEAR,
    "tied_diag": _LINEAR,
    "tied_spherical": _LINEAR,
    "diag": _DIAGONAL,
    "spherical": _DIAGONAL,
    "full": _FULL,
}
