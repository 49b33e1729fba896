"""Sensitivity sampling of rows with unbiased weights, and the distortion check."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import math
import warnings
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import validate_data

from ..utils import get_namespace, is_dask_array, to_numpy
from ..utils._doc_link import DocLinkMixin
from ..utils._sklearn_compat import (
    Interval,
    StrOptions,
    _assert_all_finite,
    _check_sample_weight,
    _fit_context,
    _safe_indexing,
)
from . import _backend, _linalg
from ._dask_estimators import fit_dask
from ._numeric import P_MIN, bernoulli_probabilities, half_power, sketch_pays
from ._scores import leverage_scores, lewis_weights

__all__ = ["SensitivitySampler"]

#: Constant of ``n_samples="auto"``: ``C * r * log(r)`` rows for ``p <= 2`` and
#: ``C * r^{p/2} * log(r)`` for ``p > 2`` (``r`` the rank of the scored matrix).
AUTO_SAMPLE_CONSTANT = 10.0



def _scores_for(A, p, scores, score_method, random_state, verbose=0):
    """Importance scores of the rows of ``A`` and its rank.

    ``A`` is a dense float matrix or the augmented-rows operand, which the
    public score functions read block by block (sketched) or build (exact).
    """
    if scores == "uniform":
        ones = _backend.put_like(np.ones(A.shape[0]), A)
        return ones, min(A.shape)
    if scores in ("leverage", "root_leverage"):
        tau = _leverage(A, score_method, random_state)
        rank = int(round(float(tau.sum()))) if score_method == "exact" else min(A.shape)
        return (tau if scores == "leverage" else half_power(tau, p)), rank
    w, info = lewis_weights(
        A=A,
        p=p,
        method="approximate" if score_method == "sketch" else "exact",
        return_info=True,
        random_state=random_state,
        verbose=verbose,
    )
    w = _backend.to_float64(w)
    if scores == "lewis":
        return w, info["rank"]
    # mixture: Lewis plus leverage, each normalised to sum 1 (Woodruff-Yasuda)
    tau = _leverage(A, score_method, random_state)
    return w / max(_sum(w), 1e-300) + tau / max(_sum(tau), 1e-300), info["rank"]


def _sum(v):
    xp, _ = get_namespace(v)
    return float(xp.sum(v))


def _leverage(A, score_method, random_state):
    tau = leverage_scores(A=A, method=score_method, random_state=random_state)
    return _backend.to_float64(tau)


class SensitivitySampler(DocLinkMixin, BaseEstimator):
    """Draw a weighted subset of rows that preserves ``||A x||_p^p`` for all ``x``.

    Rows are kept with probabilities proportional to importance scores (Lewis
    weights by default: upper bounds on the l_p sensitivities), and every kept
    row gets the weight ``1 / pi_i``, so that for every ``x`` the weighted sum
    ``sum_kept w_i |a_i x|^p`` is an unbiased estimate of ``||A x||_p^p``. With
    enough rows it is a ``(1 +- eps)`` subspace embedding, which makes the rows a
    *coreset*: any loss that is a sum of ``|a_i x - b_i|^p`` over rows is
    preserved.

    Parameters
    ----------
    p : float, default=2.0
        The exponent of the l_p norm to preserve, ``p > 0``.
    n_samples : int, float or "auto", default="auto"
        The expected number of kept rows ``m``. An int in ``[1, n]``; a float in
        ``(0, 1]`` is a fraction of ``n``; ``"auto"`` uses
        ``C r log(r)`` rows for ``p <= 2`` and ``C r^{p/2} log(r)`` for ``p > 2``
        (``r`` the rank of the scored matrix, ``C = 10``), the shape of the
        Cohen-Peng bounds for Lewis-weight sampling at a moderate ``eps``; it is
        capped at ``n``.
    scores : {"lewis", "leverage", "root_leverage", "mixture", "uniform"} or \
            array-like of shape (n_samples,), default="lewis"
        The importance scores: Lewis weights; leverage scores; ``tau^{p/2}``;
        the Lewis + leverage mixture (recommended by Woodruff and Yasuda for
        ``p > 2``); or uniform (the baseline that fails on coherent data). An
        array of shape (n_samples,) gives precomputed scores (for example Lewis
        weights reused across several draws).
    score_method : {"auto", "exact", "sketch"}, default="auto"
        ``"sketch"`` computes leverage scores from a CountSketch
        (:func:`leverage_scores` with ``method="sketch"``: one pass over the
        data instead of a QR, approximate within about +-40 %) and Lewis weights
        with ``lewis_weights(method="approximate")`` (a fixed point on a
        leverage-sampled subproblem plus two passes; within a few percent). Both
        are several times faster than the exact scores on tall data: at
        1,000,000 x 52, exact Lewis weights take longer than solving the
        regression on all rows. ``"auto"`` uses ``"sketch"`` when
        ``n_samples >= 40 * n_columns ** 2`` (the scored matrix's columns,
        ``[X, 1, y]`` for a regression coreset) and ``"exact"`` otherwise;
        ``score_method_`` records the choice.
    scheme : {"bernoulli", "with_replacement"}, default="bernoulli"
        ``"bernoulli"`` keeps each row independently with probability
        ``pi_i = min(1, c s_i)`` (``sum pi = m``), so high-score rows are kept
        deterministically and no draw is wasted on duplicates.
        ``"with_replacement"`` makes ``m`` i.i.d. draws with ``q_i = s_i / sum s``;
        the weight of a draw is ``1 / (m q_i)`` and duplicates are merged (their
        weights add up).
    augment_y : bool, default=True
        Score ``[X, y]`` instead of ``X`` when ``y`` is given, so that the
        embedding covers every residual ``X beta - y`` (needed for regression).
    fit_intercept : bool, default=True
        Append a column of ones before scoring, so the embedding also covers
        models with an intercept.
    random_state : int, RandomState instance or None, default=None
        Seeds the draw (and the sketches of the scores).
    verbose : int, default=0
        Report the Lewis-weight iterations (their residual) through
        :class:`sklearn_lowdim.utils.Progress`: ``1`` about ten lines, ``2``
        every iteration.

    Attributes
    ----------
    scores_ : ndarray of shape (n_samples,)
        The importance scores of all rows.
    probabilities_ : ndarray of shape (n_samples,)
        Inclusion probabilities (``"bernoulli"``) or draw probabilities
        (``"with_replacement"``).
    sample_indices_ : ndarray of shape (n_kept,)
        Indices of the kept rows, sorted.
    sample_weight_ : ndarray of shape (n_kept,)
        Weights on ``|.|^p`` of the kept rows (times the input ``sample_weight``):
        pass them as ``sample_weight`` to a model fitted on the output of
        :meth:`fit_resample` (:class:`CoresetEstimator` does).
    n_samples_ : int
        The target ``m``.
    rank_ : int
        Rank of the scored matrix.
    score_method_ : {"exact", "sketch"}
        How the scores were computed (``score_method`` with ``"auto"`` resolved).
    total_sensitivity_ : float
        Sum of the scores (an upper bound on the total sensitivity for
        ``"lewis"`` at ``p <= 2``).
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Defined only when ``X`` has feature names that are all strings.

    See Also
    --------
    CoresetEstimator : Fit any estimator on the sampled rows.
    LpRegression : An l_p regression, optionally on a coreset.
    subspace_distortion : Measure how well the sample preserves ``||Ax||_p``.

    Notes
    -----
    **Devices.** Under ``sklearn.config_context(array_api_dispatch=True)`` an
    array-API ``X`` (CuPy, PyTorch, ...) is scored on its device in float64
    (QR or CountSketch there; only ``d x d`` factors reach the host); the ``n``
    scores, never ``X``, come to the host for the draw, which uses NumPy's
    generator as for NumPy input, so the same ``random_state`` keeps the same
    rows on every backend. ``scores_``, ``probabilities_``, ``sample_indices_``
    and ``sample_weight_`` are then arrays of ``X``'s namespace on its device.

    **Dask.** A row-chunked ``dask.array.Array`` is scored out of core: leverage
    scores always by TSQR (exact); Lewis weights exactly (TSQR, then the fixed
    point over blocks) or, when ``score_method_`` is ``"sketch"`` (``"auto"``
    decides by the same rule as in memory), by ``lewis_weights(method=
    "approximate")`` on the TSQR basis. String ``scores`` only; both schemes
    draw as in memory, ``"with_replacement"`` by inverting the cumulative sum
    of the scores block by block. Passes over ``X``: 2 for ``"leverage"`` and
    ``"root_leverage"`` (TSQR, scores); for ``"lewis"`` 2 plus 1 per Lewis
    iteration (exact) or 4 (sketch), and 2 more for ``"mixture"``; 0 for
    ``"uniform"`` (``X`` is then checked for NaN only where rows are
    gathered); the draw then reads only the scores, which stay on the
    workers. ``scores_`` and ``probabilities_`` are lazy with ``X``'s row
    chunks; ``sample_indices_`` and ``sample_weight_`` (the coreset, ``m``
    numbers) are NumPy arrays.

    :meth:`fit_resample` follows imbalanced-learn's contract (it returns
    ``(X_sampled, y_sampled)``), so the sampler is a step of
    ``imblearn.pipeline.Pipeline``; the weights stay on the fitted sampler, and
    a step after it that ignores them fits the unweighted rows (biased towards
    high-score rows). Sampling with ``rng.choice(n, m, replace=False, p=q)`` and
    weights ``1/q`` is biased (the inclusion probabilities of that draw are not
    ``q``); both schemes here are unbiased.

    References
    ----------
    M. B. Cohen and R. Peng, "l_p Row Sampling by Lewis Weights", STOC 2015.
    D. P. Woodruff and T. Yasuda, "Sharper Bounds for l_p Sensitivity Sampling",
    ICML 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.sampling import SensitivitySampler
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((2000, 3))
    >>> y = X @ np.array([1.0, 2.0, 3.0]) + rng.laplace(size=2000)
    >>> sampler = SensitivitySampler(p=1, n_samples=200, random_state=0)
    >>> X_s, y_s = sampler.fit_resample(X, y)
    >>> X_s.shape[1], abs(len(y_s) - 200) < 50
    (3, True)
    >>> # the weighted sample estimates sums over all rows without bias
    >>> w = sampler.sample_weight_
    >>> bool(abs(w @ np.abs(y_s) / np.abs(y).sum() - 1) < 0.1)
    True
    """

    _parameter_constraints: dict = {
        "p": [Interval(Real, 0, None, closed="neither")],
        "n_samples": [
            Interval(Integral, 1, None, closed="left"),
            Interval(Real, 0, 1, closed="right"),
            StrOptions({"auto"}),
        ],
        "scores": [
            StrOptions(
                {
                    "lewis",
                    "leverage",
                    "root_leverage",
                    "mixture",
                    "uniform",
                }
            ),
            "array-like",
        ],
        "score_method": [StrOptions({"auto", "exact", "sketch"})],
        "scheme": [StrOptions({"bernoulli", "with_replacement"})],
        "augment_y": ["boolean"],
        "fit_intercept": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        p=2.0,
        n_samples="auto",
        *,
        scores="lewis",
        score_method="auto",
        scheme="bernoulli",
        augment_y=True,
        fit_intercept=True,
        random_state=None,
        verbose=0,
    ):
        self.p = p
        self.n_samples = n_samples
        self.scores = scores
        self.score_method = score_method
        self.scheme = scheme
        self.augment_y = augment_y
        self.fit_intercept = fit_intercept
        self.random_state = random_state
        self.verbose = verbose

    def _target_size(self, n, rank):
        if self.n_samples == "auto":
            r = max(rank, 1)
            power = r if self.p <= 2 else r ** (self.p / 2)
            m = math.ceil(AUTO_SAMPLE_CONSTANT * power * max(1.0, math.log(r)))
            return min(m, n)
        if isinstance(self.n_samples, Integral) and not isinstance(
            self.n_samples, bool
        ):
            if self.n_samples > n:
                raise ValueError(
                    f"n_samples={self.n_samples} exceeds the number of rows n={n}; "
                    "pass at most n rows, a fraction in (0, 1], or 'auto'."
                )
            return int(self.n_samples)
        return max(1, math.ceil(float(self.n_samples) * n))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Score the rows and draw the sample.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The rows to sample.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            Appended to ``X`` for scoring when ``augment_y=True``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights of the original problem
            (``sum_i s_i |a_i x|^p``); rows are scored on ``s_i^{1/p} a_i`` and
            the output weights are ``s_i / pi_i``.

        Returns
        -------
        self : SensitivitySampler
            The fitted sampler.
        """
        if is_dask_array(X):
            return fit_dask(self, X, y, sample_weight)
        X, y, sw = self._validate(X, y, sample_weight)
        n = X.shape[0]
        B = self._scoring_matrix(X, y, sw)
        rng = check_random_state(self.random_state)
        self.score_method_ = self.score_method
        if self.score_method == "auto":
            self.score_method_ = "sketch" if sketch_pays(*B.shape) else "exact"
        if not self._sketch_checks_finite(B):
            _assert_all_finite(X, input_name="X")
        if isinstance(self.scores, str):
            scores, rank = _scores_for(
                B, self.p, self.scores, self.score_method_, rng, self.verbose
            )
        else:
            scores, rank = _backend.put_like(self._given_scores(n), X), min(B.shape)
        m = self._target_size(n, rank)
        self._warn_below_rank(m, rank)
        # the draw runs on the host from the n scores (never X), with NumPy's
        # generator, so a seed keeps the same rows on every backend
        keep, weight, pi = self._draw(to_numpy(scores), m, rng)
        if sw is not None:
            weight = weight * to_numpy(_backend.take_rows(sw, keep))
        self.scores_ = scores
        self.probabilities_ = _backend.put_like(pi, X)
        self.sample_indices_ = _backend.put_like(keep, X)
        self.sample_weight_ = _backend.put_like(weight, X)
        self.n_samples_ = m
        self.rank_ = rank
        self.total_sensitivity_ = _sum(scores)
        return self

    def _validate(self, X, y, sample_weight):
        """``(X, y, sample_weight)`` checked; X's NaN/inf check comes later (a
        CountSketch of X may do it for free)."""
        if isinstance(self.scores, str) and self.scores in ("lewis", "mixture"):
            if self.p < P_MIN:
                raise ValueError(
                    f"p={self.p:g} is below {P_MIN:g}, the smallest p for which "
                    f"Lewis weights are computed (scores={self.scores!r}); use "
                    "p >= 0.5, or scores='root_leverage' for smaller p."
                )
        dtypes = _backend.float_dtypes(X)
        if y is None:
            X = validate_data(self, X, dtype=dtypes, ensure_all_finite=False)
        else:
            X, y = validate_data(
                self, X, y, dtype=dtypes, multi_output=True,
                y_numeric=True, ensure_all_finite=False,
            )
        sw = None
        if sample_weight is not None:
            sw = _check_sample_weight(sample_weight, X, dtype=dtypes[0])
            _backend.check_weights(sw)
        return X, y, sw

    def _given_scores(self, n):
        given = self.scores
        if _linalg.namespace_of(given) is not None:
            given = to_numpy(given)  # one number per row, for the host draw
        scores = check_array(
            given, ensure_2d=False, dtype=np.float64, input_name="scores"
        )
        if scores.shape != (n,) or np.any(scores < 0):
            raise ValueError(
                f"scores given as an array must be non-negative with shape "
                f"({n},), got shape {scores.shape}."
            )
        if not np.any(scores > 0):
            raise ValueError("scores given as an array must have a positive entry.")
        return scores

    def _warn_below_rank(self, m, rank):
        if m < rank:
            warnings.warn(
                f"SensitivitySampler draws about {m} rows, fewer than the rank "
                f"{rank} of the scored matrix (X with the intercept column and y): "
                "the sample cannot preserve ||Ax||_p for every x, and a model "
                "fitted on it is underdetermined. Increase n_samples to at least "
                f"{rank}, or use n_samples='auto'.",
                UserWarning,
                stacklevel=3,
            )

    def _draw(self, scores, m, rng):
        """``(kept indices, their weights, probabilities)`` of one draw."""
        n = len(scores)
        if not scores.sum() > 0:
            raise ValueError(
                "every row has score 0 (the scored matrix is zero), so there is "
                "nothing to sample; check X, or set fit_intercept=True."
            )
        if self.scheme == "bernoulli":
            pi = bernoulli_probabilities(scores, m)
            keep = np.flatnonzero(rng.random_sample(n) < pi)
            return keep, 1.0 / pi[keep], pi
        q = scores / scores.sum()
        draws = rng.choice(n, size=m, replace=True, p=q)
        keep, counts = np.unique(draws, return_counts=True)
        return keep, counts / (m * q[keep]), q

    def _sketch_checks_finite(self, B):
        """Whether the scores start with a CountSketch of the lazy ``[X, 1, y]``.

        That sketch reads every entry and raises scikit-learn's NaN/inf error
        from its sums (:meth:`_linalg.AugmentedRows.count_sketch`), so a separate
        pass over X would only repeat it (8 % of a coreset regression at 1e6 rows).
        """
        return (
            isinstance(B, _linalg.AugmentedRows)
            and self.score_method_ == "sketch"
            and isinstance(self.scores, str)
            and self.scores != "uniform"
        )

    def _scoring_matrix(self, X, y, sw):
        xp = _linalg.namespace_of(X)
        if xp is not None:
            extra = [_backend.ones_column(X, xp)] if self.fit_intercept else []
            if y is not None and self.augment_y:
                extra.append(y)
            scale = None if sw is None else sw ** (1.0 / self.p)
            return _backend.device_scoring_matrix(X, extra, scale, xp)
        X = np.asarray(X, dtype=np.float64)
        extra = []
        if self.fit_intercept:
            extra.append(np.ones((X.shape[0], 1)))
        if y is not None and self.augment_y:
            extra.append(np.asarray(y, dtype=np.float64).reshape(X.shape[0], -1))
        scale = None if sw is None else sw ** (1.0 / self.p)
        if not extra and scale is None:
            return X
        extra = np.hstack(extra) if extra else np.empty((X.shape[0], 0))
        # row blocks built on access: no full copy of X for the sketched scores
        return _linalg.AugmentedRows(X, extra, scale)

    def fit_resample(self, X, y=None, sample_weight=None):
        """Fit, then return the kept rows (imbalanced-learn's sampler contract).

        The sampling weights are ``sample_weight_`` on the fitted sampler: pass
        them as ``sample_weight`` to the model fitted on the rows.

        Parameters
        ----------
        X : {array-like, dataframe} of shape (n_samples, n_features)
            The rows to sample.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            The targets, sampled with the rows.
        sample_weight : array-like of shape (n_samples,), default=None
            Row weights of the original problem, see :meth:`fit`.

        Returns
        -------
        X_sampled : {ndarray, dataframe} of shape (n_kept, n_features)
            The kept rows, in the container and dtype of ``X`` (a DataFrame keeps
            its columns and index).
        y_sampled : {ndarray, series} of shape (n_kept,) or (n_kept, n_targets) or None
            The kept targets, in the container of ``y``; ``None`` without ``y``.
        """
        self.fit(X, y, sample_weight=sample_weight)
        idx = self.sample_indices_
        return _take_rows(X, idx), (None if y is None else _take_rows(y, idx))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


def _take_rows(data, idx):
    """Rows ``idx`` of ``data`` in its own container (DataFrame, Series, array)."""
    if _linalg.namespace_of(data) is not None:
        return _backend.take_rows(data, idx)
    if is_dask_array(data):
        return data[idx]  # the coreset, lazy
    if isinstance(data, (list, tuple)):
        data = np.asarray(data)
    return _safe_indexing(data, idx, axis=0)
