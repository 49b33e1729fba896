"""Leverage scores, Lewis weights and l_p sensitivities of the rows of a tall matrix."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.linalg as sla
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ..utils import is_dask_array
from ..utils._sklearn_compat import Interval, StrOptions, validate_params
from . import _linalg
from ._dask import dask_approximate_lewis, dask_leverage_scores, dask_lewis_weights
from ._lewis import approximate_lewis, exact_lewis, warn_not_converged
from ._numeric import P_MIN, cast_out, half_power, out_dtype, sketch_pays
from ._solvers import solve_irls, solve_linprog

__all__ = [
    "leverage_scores",
    "root_leverage_scores",
    "lewis_weights",
    "lp_sensitivities",
]


def _sparse_error(func):
    return TypeError(
        f"{func} does not accept sparse A with method='exact' (a dense QR would "
        "densify it). Use leverage_scores(A, method='sketch'), which applies a "
        "CountSketch in O(nnz(A)), or pass A.toarray() for a small matrix."
    )


def _exact_factor(A, rcond):
    if sp.issparse(A):
        raise _sparse_error("leverage_scores")
    return _linalg.exact_factor(A, rcond)


@validate_params(
    {
        "A": ["array-like", "sparse matrix"],
        "method": [StrOptions({"exact", "sketch"})],
        "sketch_size": [Interval(Integral, 1, None, closed="left"), None],
        "jl_dim": [Interval(Integral, 1, None, closed="left"), None],
        "rcond": [Interval(Real, 0, 1, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def leverage_scores(
    A, *, method="exact", sketch_size=None, jl_dim=None, rcond=None, random_state=None
):
    """Statistical leverage scores of the rows of ``A``.

    The leverage score of row ``a_i`` is ``tau_i = a_i^T (A^T A)^+ a_i``, the
    ``i``-th diagonal entry of the hat matrix ``A (A^T A)^+ A^T``. They sum to
    ``rank(A)``; they are the l_2 sensitivities of the rows.

    Parameters
    ----------
    A : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
        The matrix. A ``dask.array.Array`` chunked along rows is handled out of
        core: a TSQR reduction computes the ``R`` factor only, then a second pass
        computes the scores (returned as a lazy dask array). Sparse matrices need
        ``method="sketch"``. Under ``array_api_dispatch=True`` an array-API
        ``A`` (CuPy, PyTorch, ...) is scored on its device in float64 (its QR or
        CountSketch there; only the small ``R`` reaches the host) and the
        scores are returned there. The augmented-rows operand of
        :class:`SensitivitySampler` (``[X, 1, y]`` times row scales, built block
        by block) is read in place by ``method="sketch"``.
    method : {"exact", "sketch"}, default="exact"
        ``"exact"``: QR of ``A`` (``R`` only) and an SVD of ``R``.
        ``"sketch"``: the ``R`` factor of a CountSketch ``S A`` (``sketch_size``
        rows, O(nnz(A)) to form), then ``||a_i R^{-1} G||^2`` with a Gaussian
        ``G`` of ``jl_dim`` columns (Drineas, Magdon-Ismail, Mahoney and Woodruff,
        2012). The scores are then approximate: their ratio to the exact scores
        is close to 1 in the median with a spread of about +-40 %, which is
        enough for sampling with a 2x oversampling.
    sketch_size : int, default=None
        Rows of the CountSketch; ``None`` uses ``max(4 d^2, 10 d, 100)``.
    jl_dim : int, default=None
        Columns of the Johnson-Lindenstrauss projection; ``None`` uses
        ``ceil(4 log n)``. When it is not smaller than the rank, no projection is
        applied (only the sketched ``R`` is approximate).
    rcond : float, default=None
        Relative cut-off on the singular values of ``R`` that defines the rank;
        ``None`` uses ``max(n, d) * eps``. Rank-deficient ``A`` gets the scores of
        its column space (the diagonal of the orthogonal projector onto it).
    random_state : int, RandomState instance or None, default=None
        Seeds the sketch (``method="sketch"`` only).

    Returns
    -------
    scores : ndarray of shape (n_samples,)
        Float32 for float32 input (computed in float64), float64 otherwise.

    See Also
    --------
    root_leverage_scores : ``tau ** (p / 2)``, upper bounds on l_p sensitivities.
    lewis_weights : The l_p generalisation of leverage scores.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.sampling import leverage_scores
    >>> A = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    >>> leverage_scores(A).round(3)
    array([1. , 0.5, 0.5])
    """
    if is_dask_array(A):
        return dask_leverage_scores(A, rcond=rcond)
    A_in = A = _linalg.check_matrix(A, accept_sparse=True, build=method == "exact")
    A = _work_copy(A)
    if method == "exact":
        T, _ = _exact_factor(A, rcond)
        scores = _linalg.row_sq_norms_of_product(A, T)
    else:
        scores = _sketched_leverage(A, sketch_size, jl_dim, random_state, rcond)
    return cast_out(scores, A_in)


def _work_copy(A):
    """A device ``A`` in float64 on its device; anything else as it is."""
    xp = _linalg.namespace_of(A)
    return A if xp is None else _linalg.device_work_copy(A, xp)


def _sketched_leverage(A, sketch_size, jl_dim, random_state, rcond):
    """Leverage scores from a CountSketch factor and a JL projection (row blocks)."""
    rng = check_random_state(random_state)
    n = A.shape[0]
    T, rank = _linalg.sketch_factor(A, sketch_size, rng, rcond)
    k = int(math.ceil(4 * math.log(max(n, 2)))) if jl_dim is None else jl_dim
    if k < rank:
        G = rng.standard_normal((rank, k)) / math.sqrt(k)
        T = T @ G
    return _linalg.row_sq_norms_of_product(A, T)


@validate_params(
    {
        "A": ["array-like", "sparse matrix"],
        "p": [Interval(Real, 0, None, closed="neither")],
        "method": [StrOptions({"exact", "sketch"})],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def root_leverage_scores(A, p=1.0, *, method="exact", random_state=None):
    """Leverage scores raised to ``p / 2``: upper bounds on l_p sensitivities, p <= 2.

    Since ``||y||_p >= ||y||_2`` for ``p <= 2``, ``|a_i x|^p <= tau_i^{p/2}
    ||Ax||_2^p <= tau_i^{p/2} ||Ax||_p^p``, so ``sigma_i <= tau_i^{p/2}``. The
    total can reach ``n^{1-p/2} d^{p/2}``, yet root-leverage sampling needs only
    about ``d`` rows for ``1 <= p < 2`` (Woodruff and Yasuda, 2023).

    Parameters
    ----------
    A : {array-like, sparse matrix} of shape (n_samples, n_features)
        The matrix.
    p : float, default=1.0
        The exponent, ``p > 0``. For ``p > 2`` the result is still returned (it
        is a useful importance score) but it is not a sensitivity bound.
    method : {"exact", "sketch"}, default="exact"
        How the leverage scores are computed, see :func:`leverage_scores`.
    random_state : int, RandomState instance or None, default=None
        Seeds the sketch (``method="sketch"`` only).

    Returns
    -------
    scores : ndarray of shape (n_samples,)
        ``tau ** (p / 2)`` (float32 for float32 input).

    See Also
    --------
    leverage_scores : The scores ``tau`` raised here to ``p / 2``.
    lewis_weights : Tighter l_p sensitivity bounds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.sampling import root_leverage_scores
    >>> A = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]])
    >>> root_leverage_scores(A, p=1).round(3)
    array([1. , 0.5, 0.5, 0.5, 0.5])
    """
    tau = leverage_scores(A, method=method, random_state=random_state)
    return half_power(tau, p)


@validate_params(
    {
        "A": ["array-like"],
        "p": [Interval(Real, P_MIN, None, closed="left")],
        "method": [StrOptions({"auto", "exact", "sketch", "approximate"})],
        "tol": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "rcond": [Interval(Real, 0, 1, closed="left"), None],
        "return_info": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=True,
)
def lewis_weights(
    A,
    p=1.0,
    *,
    method="auto",
    tol=1e-8,
    max_iter=100,
    rcond=None,
    return_info=False,
    random_state=None,
    verbose=0,
):
    """Compute the l_p Lewis weights by the Cohen-Peng fixed-point iteration.

    The Lewis weights are the unique ``w >= 0`` with
    ``w_i = (a_i^T (A^T W^{1-2/p} A)^+ a_i)^{p/2}``, ``W = diag(w)``; they sum to
    ``rank(A)``, equal the leverage scores at ``p = 2`` and bound the l_p
    sensitivities: ``sigma_i <= w_i`` for ``p <= 2`` and
    ``sigma_i <= d^{p/2-1} w_i`` for ``p > 2``.

    Each step is one leverage-score computation on ``W^{1/2-1/p} A``: one
    weighted Gram matrix and one triangular solve on a basis ``U = A T`` of the
    column space, both BLAS-3 and chunked. The plain map contracts by
    ``|1 - p/2|`` for ``p < 4`` (Cohen and Peng, 2015); the update here is relaxed
    in log space by ``4 / (p + 2)``, which improves the local rate to
    ``|p - 2| / (p + 2)`` (1/3 at ``p = 1``, 1/5 at ``p = 3``) and, for
    ``p >= 4``, where the plain map does not contract, makes the iteration
    converge locally. For ``p >= 4`` there is no global guarantee: check
    ``info["residual"]`` (a ``ConvergenceWarning`` is raised when ``tol`` is not
    reached), or use the algorithms of Fazel, Lee, Padmanabhan and Sidford
    (SODA 2022) or Apers, Gribling and Sidford (2024).

    Parameters
    ----------
    A : {array-like, dask array} of shape (n_samples, n_features)
        The matrix. A row-chunked ``dask.array.Array`` runs out of core (TSQR for
        the basis, one pass for the starting weights, then one pass per
        iteration that updates the weights and reduces the next Gram matrix;
        the relaxation step follows the residuals up to the previous
        iteration, so the weights agree with NumPy's to ``tol``;
        ``"approximate"``: four passes, with the TSQR basis); they are
        then returned as a dask array. The augmented-rows operand of
        :class:`SensitivitySampler` is read in place by ``"sketch"`` and
        ``"approximate"``. An array-API ``A`` (``array_api_dispatch=True``)
        iterates on its device in float64; only the ``r x r`` Gram matrix of
        each step comes to the host (and, for ``"approximate"``, the ``n``
        sampling scores of the subproblem's draw).
    p : float, default=1.0
        The exponent, ``p >= 0.5``. Below that, ``w ** (1 - 2 / p)`` leaves the
        range of float64 and the fixed point stops converging; use
        :func:`root_leverage_scores` for smaller ``p``.
    method : {"auto", "exact", "sketch", "approximate"}, default="auto"
        How the column-space basis is found. The Lewis weights do not depend on
        the basis, so ``"exact"`` and ``"sketch"`` give the same weights:
        ``"exact"`` uses a QR of ``A``, ``"sketch"`` the QR of a CountSketch of
        ``A`` (cheaper for tall ``A``; the basis is then only well conditioned,
        not orthonormal). ``"auto"`` uses ``"sketch"`` when
        ``n_samples >= 40 * n_features ** 2``.
        ``"approximate"`` is much faster and not exact: rows are drawn with
        probabilities proportional to ``max(tau, tau^{p/2})`` (``tau`` the
        leverage scores in the sketched basis, an upper bound on the Lewis
        weights up to a small factor), the fixed point is solved on that
        weighted sample of ``30 r log r`` rows, and one more pass gives
        ``w_i = (a_i^T M^{-1} a_i)^{p/2}`` for all rows from the sample's
        ``M = A_S^T W_S^{1-2/p} A_S``. It costs about three passes over ``A``;
        on the test fixture the ratio to the exact weights stays within
        0.97-1.04 for 98 % of the rows, enough for sampling (Cohen and Peng
        sample with constant-factor approximations). ``info["residual"]`` is
        then the residual of the sampled problem.
    tol : float, default=1e-8
        Stop when the fixed-point residual is at most ``tol``.
    max_iter : int, default=100
        Maximum number of fixed-point iterations.
    rcond : float, default=None
        Rank cut-off, see :func:`leverage_scores`.
    return_info : bool, default=False
        Also return a dict with ``n_iter``, ``residual`` (the fixed-point residual
        at the returned weights), ``residual_history`` and ``rank``.
    random_state : int, RandomState instance or None, default=None
        Seeds the sketch of ``method="sketch"``.
    verbose : int, default=0
        Print the residual per iteration.

    Returns
    -------
    weights : ndarray of shape (n_samples,)
        The Lewis weights (float32 for float32 input).
    info : dict
        Only when ``return_info=True``: ``n_iter``, ``residual``,
        ``residual_history``, ``rank`` (and ``sample_size`` for
        ``"approximate"``).

    See Also
    --------
    leverage_scores : The Lewis weights at ``p = 2``.
    lp_sensitivities : Sensitivity bounds built from the Lewis weights.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.sampling import lewis_weights
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((200, 3))
    >>> w, info = lewis_weights(A, p=1, return_info=True)
    >>> round(float(w.sum()), 6), info["rank"], info["residual"] < 1e-8
    (3.0, 3, True)
    """
    if is_dask_array(A) and method == "approximate":
        return dask_approximate_lewis(
            A, p, tol=tol, max_iter=max_iter, rcond=rcond,
            rng=check_random_state(random_state), return_info=return_info,
            verbose=verbose,
        )
    if is_dask_array(A):
        return dask_lewis_weights(
            A, p, tol=tol, max_iter=max_iter, rcond=rcond,
            return_info=return_info, verbose=verbose,
        )
    if sp.issparse(A):
        raise TypeError(
            "lewis_weights needs a dense A; convert with A.toarray(), or use "
            "leverage_scores(A, method='sketch') / root_leverage_scores for sparse A."
        )
    A = _linalg.check_matrix(A, build=False)
    n, d = A.shape
    if method == "auto":
        method = "sketch" if sketch_pays(n, d) else "exact"
    if method == "exact":
        A = _linalg.check_matrix(A)  # builds an augmented-rows operand
    A_in, A = A, _work_copy(A)
    rng = check_random_state(random_state)
    if method == "approximate":
        w, info = approximate_lewis(A, p, tol, max_iter, rcond, rng, verbose)
    else:
        if method == "exact":
            T, rank = _exact_factor(A, rcond)
        else:
            T, rank = _linalg.sketch_factor(A, None, rng, rcond)
        w, info = exact_lewis(A, T, rank, p, tol, max_iter, verbose)
        warn_not_converged(p, info["residual"], tol, info["n_iter"])
    w = cast_out(w, A_in)
    return (w, info) if return_info else w


def _exact_sensitivities(A, p, rcond):
    """``sigma_i = 1 / min{||Ax||_p^p : a_i x = 1}``, one convex program per row."""
    T, rank = _exact_factor(A, rcond)
    U = _linalg.apply_in_chunks(A, T)
    n = U.shape[0]
    sigma = np.zeros(n)
    if rank == 0:
        return sigma
    norms = np.einsum("ij,ij->i", U, U)
    ones = np.ones(n)
    for i in np.flatnonzero(norms > 1e-14 * norms.max()):
        u = U[i]
        z0 = u / norms[i]
        # null space of u^T: the last r - 1 right singular vectors
        N = sla.svd(u[None, :], full_matrices=True)[2][1:].T
        c = U @ z0
        if rank == 1:
            cost = float(np.sum(np.abs(c) ** p))
        else:
            B = U @ N
            if p == 1:
                beta, _ = solve_linprog(B, -c, ones)
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    beta, _, _ = solve_irls(B, -c, ones, p, tol=1e-12, max_iter=500)
            cost = float(np.sum(np.abs(c + B @ beta) ** p))
        sigma[i] = 1.0 / cost
    return sigma


@validate_params(
    {
        "A": ["array-like", "sparse matrix"],
        "p": [Interval(Real, 0, None, closed="neither")],
        "method": [
            StrOptions({"exact", "lewis", "root_leverage", "leverage", "mixture"})
        ],
        "rcond": [Interval(Real, 0, 1, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def lp_sensitivities(A, p=1.0, *, method="lewis", rcond=None, random_state=None):
    """Compute the l_p sensitivities of the rows of ``A``, exact or upper bounds.

    The sensitivity of row ``i`` is ``sigma_i = sup_x |a_i x|^p / ||Ax||_p^p``;
    their sum is the total sensitivity that governs how many rows sensitivity
    sampling needs.

    Parameters
    ----------
    A : {array-like, sparse matrix} of shape (n_samples, n_features)
        The matrix (dense only for ``"exact"``, ``"lewis"`` and ``"mixture"``).
    p : float, default=1.0
        The exponent, ``p > 0`` (``p >= 1`` for ``"exact"``, ``p >= 0.5`` for
        ``"lewis"`` and ``"mixture"``).
    method : {"exact", "lewis", "root_leverage", "leverage", "mixture"}, \
            default="lewis"
        - ``"exact"``: ``sigma_i = 1 / min{||Ax||_p^p : a_i x = 1}``, one convex
          program per row (an LP at ``p = 1``, IRLS/Newton otherwise); ``p >= 1``
          only (the program is not convex for ``p < 1``). It costs one solve per
          row: a test oracle for a few thousand rows at most.
        - ``"lewis"``: ``w_i`` for ``p <= 2`` and ``r^{p/2-1} w_i`` for ``p > 2``
          (``w`` the Lewis weights, ``r`` the rank).
        - ``"root_leverage"``: ``tau_i^{p/2}``, for ``p <= 2``.
        - ``"leverage"``: ``tau_i``, exact at ``p = 2``; for other ``p`` an
          importance score, not a bound.
        - ``"mixture"`` (``p > 2``): ``r^{p/2-1} (w_i + tau_i)``, the Lewis bound
          plus a leverage term (Woodruff and Yasuda, 2023, sample with a mix of
          leverage scores and sensitivities); an upper bound since
          ``sigma_i <= r^{p/2-1} w_i``. For ``p <= 2`` it is ``(w_i + tau_i)``.
    rcond : float, default=None
        Rank cut-off, see :func:`leverage_scores`.
    random_state : int, RandomState instance or None, default=None
        Unused by the exact methods; kept for sketch-based variants.

    Returns
    -------
    sensitivities : ndarray of shape (n_samples,)
        Upper bounds on (or, for ``"exact"``, the values of) the sensitivities.

    See Also
    --------
    lewis_weights : The weights behind ``method="lewis"``.
    root_leverage_scores : The bounds of ``method="root_leverage"``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.sampling import lp_sensitivities
    >>> rng = np.random.default_rng(0)
    >>> A = rng.standard_normal((40, 2))
    >>> exact = lp_sensitivities(A, p=1, method="exact")
    >>> bound = lp_sensitivities(A, p=1, method="lewis")
    >>> bool(np.all(exact <= bound * (1 + 1e-6)))
    True
    """
    if method == "exact":
        if p < 1:
            raise ValueError(
                f"method='exact' needs p >= 1 (the program is not convex for "
                f"p={p:g} < 1); use method='lewis' for an upper bound."
            )
        A = _linalg.check_matrix(A)
        if _linalg.namespace_of(A) is not None:
            raise TypeError(
                "lp_sensitivities(method='exact') solves one convex program per "
                "row on the host and takes NumPy input only; convert A to NumPy, "
                "or use method='lewis' (which runs on the device)."
            )
        sigma = _exact_sensitivities(A, p, rcond)
        return sigma.astype(out_dtype(A), copy=False)
    if method in ("lewis", "mixture") and p < P_MIN:
        raise ValueError(
            f"method={method!r} needs Lewis weights, which are computed for "
            f"p >= {P_MIN:g}; got p={p:g}. Use method='root_leverage' for smaller p."
        )
    if method == "root_leverage":
        if p > 2:
            raise ValueError(
                f"method='root_leverage' bounds sensitivities only for p <= 2, got "
                f"p={p:g}; use method='lewis' or 'mixture'."
            )
        return root_leverage_scores(A, p, random_state=random_state)
    if method == "leverage":
        return leverage_scores(A, rcond=rcond, random_state=random_state)
    A = _linalg.check_matrix(A)
    w, info = lewis_weights(A, p, rcond=rcond, return_info=True,
                            random_state=random_state)
    rank = max(info["rank"], 1)
    factor = rank ** (p / 2 - 1) if p > 2 else 1.0
    if method == "lewis":
        return factor * w
    tau = leverage_scores(A, rcond=rcond)
    return factor * (w + tau)
