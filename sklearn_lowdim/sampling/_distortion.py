"""The measured distortion of a weighted row sample (the check that a coreset
is a subspace embedding)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_array, check_random_state

from ..utils._sklearn_compat import Interval, validate_params
from . import _linalg

__all__ = ["subspace_distortion"]


def _check_sample(sample_indices, sample_weight, n):
    """Validated ``(indices, weights)`` of a weighted row sample of ``n`` rows."""
    idx = check_array(sample_indices, ensure_2d=False, dtype=None,
                      ensure_min_samples=0, input_name="sample_indices")
    w = check_array(sample_weight, ensure_2d=False, dtype=np.float64,
                    ensure_min_samples=0, input_name="sample_weight")
    if idx.shape != w.shape or idx.ndim != 1:
        raise ValueError(
            f"sample_indices and sample_weight must be 1-D with the same shape, got "
            f"{idx.shape} and {w.shape}."
        )
    if idx.size and not np.issubdtype(idx.dtype, np.integer):
        raise ValueError(
            f"sample_indices must be integer row indices, got dtype {idx.dtype}."
        )
    if idx.size and (idx.min() < 0 or idx.max() >= n):
        raise ValueError("sample_indices must be row indices of A in [0, n_samples).")
    if np.any(w < 0):
        raise ValueError("sample_weight must be non-negative.")
    return idx, w


def _direction_set(A, n_directions, rng):
    """Test directions: Gaussian in a whitened basis, coordinates, R^{-1} columns."""
    T, rank = _linalg.factor_from_r(_linalg.qr_r(A))
    d = A.shape[1]
    dirs = [T @ rng.standard_normal((rank, n_directions)), np.eye(d), T]
    return np.hstack(dirs)


@validate_params(
    {
        "A": ["array-like"],
        "sample_indices": ["array-like"],
        "sample_weight": ["array-like"],
        "p": [Interval(Real, 0, None, closed="neither")],
        "n_directions": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def subspace_distortion(
    A, sample_indices, sample_weight, p=2.0, *, n_directions=300, random_state=None
):
    """Measured distortion of a weighted row sample: ``max_x |S(x) / F(x) - 1|``.

    ``F(x) = ||A x||_p^p`` and ``S(x) = sum_j w_j |a_{i_j} x|^p`` over the sampled
    rows. The maximum is over ``n_directions`` random directions (Gaussian in a
    whitened basis of the column space), the coordinate vectors and the columns
    of ``R^{-1}`` from a QR of ``A``; directions with ``Ax = 0`` are skipped. It is a
    lower bound on the true sup-distortion; a value below ``eps`` on many
    directions is the practical check that the sample is a subspace embedding.

    Parameters
    ----------
    A : array-like of shape (n_samples, n_features)
        The full matrix (for regression, ``[X, y]``, with a ones column when
        the model has an intercept).
    sample_indices : array-like of shape (n_kept,)
        Integer row indices of the sample (``SensitivitySampler.sample_indices_``).
    sample_weight : array-like of shape (n_kept,)
        Non-negative weights on ``|.|^p`` (``SensitivitySampler.sample_weight_``).
    p : float, default=2.0
        The exponent of the norm, ``p > 0``.
    n_directions : int, default=300
        Number of random test directions.
    random_state : int, RandomState instance or None, default=None
        Seeds the random directions.

    Returns
    -------
    distortion : float
        The largest ``|S(x) / F(x) - 1|`` over the test directions.

    See Also
    --------
    SensitivitySampler : Draws the weighted row sample checked here.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.sampling import SensitivitySampler, subspace_distortion
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((5000, 4))
    >>> s = SensitivitySampler(p=1, n_samples=2000, fit_intercept=False,
    ...                        random_state=0).fit(A)
    >>> d = subspace_distortion(A, s.sample_indices_, s.sample_weight_, p=1)
    >>> bool(d < 0.2)
    True
    """
    A = check_array(A, dtype=[np.float64, np.float32], input_name="A")
    idx, w = _check_sample(sample_indices, sample_weight, A.shape[0])
    # S(x) / F(x) does not change when a column is rescaled (x absorbs it):
    # unit columns keep |A x|^p inside float64 for any units
    col_max = np.max(np.abs(A), axis=0)
    A = np.asarray(A, dtype=np.float64) / np.where(col_max > 0, col_max, 1.0)
    rng = check_random_state(random_state)
    D = _direction_set(A, n_directions, rng)
    full = np.zeros(D.shape[1])
    for rows in _linalg.row_chunks(A.shape[0], 8 * 2 * D.shape[1]):
        full += np.sum(np.abs(A[rows] @ D) ** p, axis=0)
    sampled = w @ (np.abs(A[idx] @ D) ** p) if idx.size else np.zeros(D.shape[1])
    ok = full > 1e-12 * full.max() if full.size and full.max() > 0 else full > 0
    if not ok.any():
        return 0.0
    return float(np.max(np.abs(sampled[ok] / full[ok] - 1.0)))
