"""Class statistics of an array-API input, computed on its device.

The rows never leave the device: class sums are one-hot GEMMs per row block
(``(C, rows) @ (rows, d)``), the scatter one ``Z^T Z`` per block of centred rows.
Only the results (``C x d`` sums, ``d x d`` scatter, per-class factors of at most
``d`` rows) come to the host, where the small factorisations run in float64.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np

from ..utils import accumulation_dtype, device, gen_row_chunks, to_numpy

__all__ = ["statistics_in_namespace"]


def _blocks(X, C, budget_cols):
    per_row = 8 * (C + 3 * budget_cols)
    for sl in gen_row_chunks(X.shape[0], per_row):
        yield sl.start, sl.stop


def _one_hot(y, C, w, xp, dtype, dev):
    classes = xp.arange(C, device=dev)
    return xp.astype(y[None, :] == classes[:, None], dtype) * w[None, :]


def statistics_in_namespace(cls, X, y, xp, *, sample_weight, n_classes,
                            pooled_scatter, class_factors, moments):
    """:meth:`GaussianStatistics.from_data` for an array-API input, on its device.

    Parameters
    ----------
    cls : type
        :class:`GaussianStatistics`.
    X : array of shape (n_samples, n_features)
        Rows, in their namespace.
    y : array of int of shape (n_samples,) or None
        Class indices, in the same namespace (``None``: one class).
    xp : module
        The namespace.
    sample_weight : array of shape (n_samples,) or None
        Sample weights, in the same namespace.
    n_classes : int or None
        Number of classes (``max(y) + 1`` when None).
    pooled_scatter, class_factors, moments : bool
        As in :meth:`GaussianStatistics.from_data`.

    Returns
    -------
    stats : GaussianStatistics
        NumPy float64 statistics.
    """
    n, d = X.shape
    dev = device(X)
    y = (xp.zeros(n, dtype=xp.int64, device=dev) if y is None
         else xp.asarray(y, device=dev))
    if n_classes is None:
        n_classes = int(xp.max(y)) + 1 if n else 1
    w = (xp.ones(n, dtype=X.dtype, device=dev) if sample_weight is None
         else xp.asarray(sample_weight, device=dev))
    stats = cls(n_classes, d, pooled_scatter=pooled_scatter,
                class_factors=class_factors, moments=moments)
    options = {"class_factors": class_factors, "moments": moments}
    C = n_classes
    dtype = accumulation_dtype(xp, X)
    X = xp.astype(X, dtype)
    w = xp.astype(w, dtype)
    counts = xp.zeros(C, dtype=dtype, device=dev)
    n_obs = xp.zeros(C, dtype=dtype, device=dev)
    sums = xp.zeros((C, d), dtype=dtype, device=dev)
    for a, b in _blocks(X, C, d):
        oh = _one_hot(y[a:b], C, w[a:b], xp, dtype, dev)
        counts = counts + xp.sum(oh, axis=1)
        n_obs = n_obs + xp.sum(xp.astype(oh > 0, dtype), axis=1)
        sums = sums + oh @ X[a:b, ...]
    if not bool(xp.all(xp.isfinite(sums))):
        raise ValueError(
            "Input X contains NaN or infinity (or values whose sums overflow). "
            "Impute them first, for example with sklearn.impute.SimpleImputer."
        )
    means = sums / xp.where(counts > 0, counts, xp.ones_like(counts))[:, None]
    acc = _second_pass(X, y, w, means, xp, dtype, dev, C, options)
    stats.counts = to_numpy(counts).astype(np.float64)
    # rows of non-zero weight per class, counted on the device
    stats.n_obs = np.rint(to_numpy(n_obs)).astype(np.int64)
    stats.means = to_numpy(means).astype(np.float64)
    stats.sq_dev = acc["sq_dev"]
    if stats.scatter is not None:
        stats.scatter = acc["scatter"]
    if options.get("moments"):
        stats.fourth, stats.third = acc["fourth"], acc["third"]
    if options.get("class_factors"):
        stats.class_factors_ = _class_factors(acc["centred"], y, xp, C, d)
    return stats


def _second_pass(X, y, w, means, xp, dtype, dev, C, options):
    """Centred rows: scatter, per-feature squares, moments (one block pass)."""
    d = X.shape[1]
    scatter = xp.zeros((d, d), dtype=dtype, device=dev)
    sq_dev = xp.zeros((C, d), dtype=dtype, device=dev)
    fourth = xp.zeros(C, dtype=dtype, device=dev)
    third = xp.zeros((C, d), dtype=dtype, device=dev)
    centred = []
    for a, b in _blocks(X, C, d):
        yb = y[a:b]
        Z = X[a:b, ...] - xp.take(means, yb, axis=0)
        oh = _one_hot(yb, C, w[a:b], xp, dtype, dev)
        if options.get("moments"):
            r2 = xp.sum(Z * Z, axis=1)
            fourth = fourth + oh @ (r2 * r2)
            third = third + oh @ (Z * r2[:, None])
        Zw = Z * xp.sqrt(w[a:b])[:, None]
        scatter = scatter + Zw.T @ Zw
        sq_dev = sq_dev + oh @ (Z * Z)
        if options.get("class_factors"):
            centred.append(Zw)
    return {
        "scatter": to_numpy(scatter).astype(np.float64),
        "sq_dev": to_numpy(sq_dev).astype(np.float64),
        "fourth": to_numpy(fourth).astype(np.float64),
        "third": to_numpy(third).astype(np.float64),
        "centred": centred,
    }


def _class_factors(blocks, y, xp, C, d):
    """Per-class factors ``R_k`` (``R_k^T R_k`` = the class scatter), at most d
    rows each: a QR on the device for large classes, the rows for small ones."""
    Z = xp.concat(blocks, axis=0)
    factors = []
    for k in range(C):
        rows = xp.nonzero(y == k)[0]
        Zk = xp.take(Z, rows, axis=0)
        if Zk.shape[0] > d:
            Zk = xp.linalg.qr(Zk, mode="reduced")[1]
        factors.append(to_numpy(Zk).astype(np.float64))
    return factors
