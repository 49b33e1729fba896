"""Small numeric helpers of the sampling package (a leaf module: it imports no
other module of the package, so every other one may import it)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import numpy as np
from array_api_compat import array_namespace, is_array_api_obj

__all__ = [
    "P_MIN",
    "bernoulli_probabilities",
    "bernoulli_scale",
    "cast_out",
    "half_power",
    "sketch_pays",
    "out_dtype",
]

#: Smallest ``p`` for which the Lewis weights are computed. Towards 0 the
#: weights enter as ``w ** (1 - 2 / p)`` (exponent -199 at p = 0.01: NaN from
#: underflow) and the fixed point stops converging: on the coherent test fixture
#: p = 0.1-0.2 still oscillate (residual 0.1) after 300 iterations, p = 0.3 needs
#: 60-90 and p = 0.5 about 35.
P_MIN = 0.5


def sketch_pays(n_rows, n_columns):
    """Whether ``"auto"`` score methods sketch: from ``40 d^2`` rows on."""
    return n_rows >= 40 * n_columns**2


def half_power(x, p):
    """``x ** (p / 2)`` for ``x >= 0``, with square roots for p in {1, 2, 3, 4}.

    ``numpy.power`` with a fractional exponent is 3x slower than ``sqrt``; the
    result is a new array (``x`` is never modified), in the namespace of ``x``.
    """
    xp = array_namespace(x)  # the array's own namespace, whatever the dispatch
    if p == 1:
        return xp.sqrt(x)
    if p == 2:
        return x * 1.0
    if p == 3:
        return x * xp.sqrt(x)
    if p == 4:
        return x * x
    return x ** (p / 2)


def out_dtype(A):
    """Float32 for float32 input, float64 otherwise (scores are computed in float64).

    The dtype is ``A``'s namespace's (NumPy's for NumPy input).
    """
    if not is_array_api_obj(A):  # sparse matrices, the augmented-rows operand
        return np.float32 if A.dtype == np.float32 else np.float64
    xp = array_namespace(A)
    return xp.float32 if A.dtype == xp.float32 else xp.float64


def cast_out(values, A):
    """``values`` (float64) in the output dtype of ``A``, without a needless copy."""
    xp = array_namespace(values)
    return xp.astype(values, out_dtype(A), copy=False)


def bernoulli_probabilities(scores, n_samples):
    """Inclusion probabilities ``pi_i = min(1, c s_i)`` with ``sum(pi) = n_samples``.

    ``c`` is found exactly by sorting (rows whose scaled score exceeds one are
    kept with probability one). If fewer than ``n_samples`` rows have a positive
    score, all of them get probability one.

    Parameters
    ----------
    scores : array-like of shape (n_rows,)
        Non-negative, finite importance scores.
    n_samples : int
        The expected number of kept rows, ``>= 1``.

    Returns
    -------
    probabilities : ndarray of shape (n_rows,)
        Inclusion probabilities in ``[0, 1]``.

    See Also
    --------
    SensitivitySampler : Draws coresets with these probabilities.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.sampling import bernoulli_probabilities
    >>> bernoulli_probabilities(np.array([10.0, 1.0, 1.0, 0.0]), 2).round(3)
    array([1. , 0.5, 0.5, 0. ])
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or not np.all(np.isfinite(s)) or np.any(s < 0):
        raise ValueError(
            "scores must be a 1-D array of finite, non-negative numbers; got "
            f"shape {s.shape} with {int(np.sum(~np.isfinite(s)))} non-finite and "
            f"{int(np.sum(s < 0))} negative entries."
        )
    if s.size == 0:
        raise ValueError(
            "scores is empty: there are no rows to sample from; pass one score "
            "per row (at least one row)."
        )
    if int(n_samples) != n_samples or n_samples < 1:
        raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
    pi = np.zeros_like(s)
    positive = s > 0
    if int(positive.sum()) <= n_samples:
        pi[positive] = 1.0
        return pi
    # At most n_samples rows are capped at 1, so only the n_samples + 1 largest
    # scores need sorting (a partition is O(n), a full sort O(n log n)).
    top = min(int(n_samples), len(s) - 1)
    order = np.argpartition(-s, top)[: top + 1]
    order = order[np.argsort(-s[order], kind="stable")]
    ss = s[order]
    others = np.ones(len(s), dtype=bool)
    others[order] = False
    c, k_star = bernoulli_scale(ss, s[others].sum(), n_samples)
    pi = np.minimum(1.0, c * s)
    pi[order[:k_star]] = 1.0
    return pi


def bernoulli_scale(top, rest_sum, n_samples):
    """``(c, k)`` of :func:`bernoulli_probabilities` from the largest scores.

    ``top`` holds the ``min(n_samples, n - 1) + 1`` largest scores in decreasing
    order and ``rest_sum`` the sum of all the others; the ``k`` largest rows are
    kept with probability one and the rest with ``c * s_i``. The dask path
    calls it with the same numbers reduced from the blocks.
    """
    # with the k largest capped, c_k = (m - k) / (sum of the other scores)
    tail = rest_sum + np.cumsum(top[::-1])[::-1]  # no cancellation
    k = np.arange(len(top))
    with np.errstate(divide="ignore", invalid="ignore"):
        c = (n_samples - k) / tail
        valid = (k < n_samples) & (c * top <= 1.0)
    k_star = int(np.argmax(valid))
    return float(c[k_star]), k_star
