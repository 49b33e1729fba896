"""The mode of a kernel density estimate, found through a random projection."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from ..sketching import SKETCH_KINDS
from ..utils import (
    Progress,
    device,
    get_namespace,
    is_dask_array,
    numba_threads,
)
from ..utils._doc_link import DocLinkMixin
from ..utils._sklearn_compat import Interval, StrOptions, _fit_context
from ._bandwidth import (
    check_bandwidth,
    effective_sample_size,
    select_bandwidth,
    standardise,
    to_points,
)
from ._dask_support import lazy_log_sums
from ._inputs import check_lazy_rows, validate_fit_data
from ._kernel_functions import KERNELS, make_kernel
from ._mean_shift import (
    block_log_sums,
    lazy_mean_shift,
    log_kernel_sums,
    mean_shift,
    step,
)
from ._sampling import kernel_offsets, weighted_rows
from ._search import (
    choose_method,
    choose_starts,
    distinct_best,
    n_random_starts,
    run_search,
    take_index,
    take_rows,
)

__all__ = ["KDEMode"]

# Below this effective number of points the KDE at the mode is a few points.
MIN_EFFECTIVE_SAMPLE_SIZE = 10


class KDEMode(DocLinkMixin, BaseEstimator):
    """Mode of a kernel density estimate, by random projection and lifting.

    The estimate is ``f(x) = sum_i w_i kappa(||x - p_i||^2 / h^2) / sum_i w_i``
    (normalised to integrate to one in :meth:`score_samples`). With
    ``method='sketch'`` (Lee, Li, Musco, Phillips and Tai 2021; Luo, Musco and
    Widdershoven 2023) the points are projected to ``sketch_dim`` dimensions by a
    Gaussian random matrix, a multi-start mean-shift search runs in the sketched
    space, the best distinct candidates are lifted back to the original space by
    one mean-shift step whose weights come from sketched distances, and a short
    full-dimension mean shift polishes them. ``method='random_starts'`` runs mean
    shift in the original space from a few random data points (the practical
    baseline); ``method='bruteforce'`` runs it from every data point (the
    reference). ``method='auto'`` (default) takes the cheaper of the first two
    for the guarantee ``min_mode_fraction`` asks for.

    Parameters
    ----------
    kernel : {'gaussian', 'logistic', 'sigmoid', 'generalized_gaussian', 'box'}, \
            default='gaussian'
        Profile of the scaled squared distance ``t``: ``exp(-t/2)``, logistic
        ``1/(e^r + 2 + e^-r)``, sigmoid ``(2/pi)/(e^r + e^-r)`` (``r = sqrt(t)``),
        ``exp(-t**beta)``, or the indicator of ``t <= 1``. The guarantees need a
        kernel convex in ``t``; a generalized Gaussian with ``beta > 1`` warns.
        Exact mode finding for the box kernel is NP-hard (Luo, Musco and
        Widdershoven 2023), so it is not accepted with ``method='sketch'``;
        'auto' runs random starts for it, and every full-space method is the
        flat-kernel heuristic of :class:`sklearn.cluster.MeanShift`.
    beta : float, default=1.0
        Exponent of the generalized Gaussian kernel.
    bandwidth : float or {'auto', 'scott', 'silverman'}, default='auto'
        ``h``. 'scott' and 'silverman' use scikit-learn's factors times the data's
        root mean per-feature standard deviation; in high dimension they collapse
        to about one standard deviation, where a single point dominates the KDE.
        'auto' never goes below the bandwidth at which the KDE obeys a central
        limit theorem (see ``clt_bandwidth_factor``). A float must lie between
        1e-5 and 1e100 times the data's spread (the largest distance of a
        coordinate from the weighted mean); below, the rounding of squared
        distances is not small against ``h**2``, above, ``1 / h**2`` underflows,
        and a ValueError says so. Inside, tiny bandwidths make every point its
        own mode (the heaviest wins) and huge ones give the weighted mean.
    method : {'auto', 'sketch', 'random_starts', 'bruteforce'}, default='auto'
        - 'sketch': the projection search above. It screens
          ``min(n, max(1000, k))`` random data points by their KDE value in the
          sketch (``k`` from ``min_mode_fraction``) and runs mean shift from
          ``max(32, 16 * n_modes)`` of them, half the densest, half at random,
          to a tolerance of ``max(tol, 1e-3)`` in the sketch.
        - 'random_starts': mean shift in the original space from ``k`` random
          data points, ``k = ceil(log(0.05) / log(1 - min_mode_fraction))``
          (29 at the default): the baseline users run.
        - 'bruteforce': mean shift in the original space from every point.
        - 'auto': 'random_starts' or 'sketch', whichever a flop-count model
          (``_search.estimated_cost``, fitted to the benchmark's timings) says
          is cheaper for the same guarantee. With the default
          ``min_mode_fraction=0.1`` this is random starts; with 0.01 or less
          it is the sketch whenever ``n_features`` exceeds ``sketch_dim``.
          The choice is in ``method_``.
    min_mode_fraction : float in (0, 1], default=0.1
        The guarantee asked for: a global mode whose basin of attraction (the
        data points from which mean shift climbs to it) holds at least this
        share of the points is found with probability at least 95%. Random
        starts need ``k`` starts for it (above); the sketch screens at least
        ``k`` and spends the saving on many more. Lower it (e.g. 0.005) when the
        densest region may hold few points: a tight cluster among broad ones,
        many shallow local modes. Ignored when ``n_starts`` is an int.
    sketch_dim : int, default=20
        Dimension of the random projection. When it is not smaller than
        ``n_features`` no projection is made and the search runs in the original
        space. Values below 20 often rank the components wrongly.
    sketch : {'gaussian', 'orthogonal', 'countsketch', 'srdct', 'srht'}, \
            default='gaussian'
        The random projection, from :func:`sklearn_lowdim.sketching.make_sketch`
        (all preserve squared distances in expectation).
    n_starts : int or 'auto', default='auto'
        Number of data points the search starts from. 'auto' is every point for
        'bruteforce' and follows ``min_mode_fraction`` otherwise (above). The
        sketch continues from at most ``max(32, 16 * n_modes)`` of them.
    n_modes : int, default=1
        Number of distinct modes returned in ``modes_`` (best first).
    polish : bool, default=True
        Whether to run full-dimension mean shift from the lifted candidates
        (sketch only: the other methods run in the original space throughout).
    polish_iter : int, default=20
        Maximum number of polishing steps.
    max_iter : int, default=100
        Maximum number of mean-shift steps of the search.
    tol : float, default=1e-5
        A start has converged when a step moves it less than ``tol * bandwidth``.
    n_jobs : int, default=None
        Threads of the fused Numba kernel (``None`` or -1: all).
    random_state : int, RandomState instance or None, default=None
        Seeds the projection and the choice of starts.
    verbose : int, default=0
        Progress messages when positive.

    Attributes
    ----------
    mode_ : ndarray of shape (n_features,)
        The highest mode found.
    modes_ : ndarray of shape (n_modes_found, n_features)
        Distinct modes, best first (fewer than ``n_modes`` if fewer were found).
    mode_log_density_ : float
        Normalised log density at ``mode_``.
    mode_density_ : float
        ``exp(mode_log_density_)`` (underflows to 0 in high dimension, and
        overflows to inf, with a warning, for data on a tiny scale: use the log).
    modes_log_density_ : ndarray of shape (n_modes_found,)
        Normalised log density at each of ``modes_``.
    cluster_centers_ : ndarray of shape (n_modes_found, n_features)
        ``modes_``, under :class:`sklearn.cluster.MeanShift`'s name.
    labels_ : ndarray of shape (n_samples,)
        ``predict`` of the training rows: the index in ``modes_`` of the mode
        each row's mean-shift path ends nearest to. Computed on first access
        (mean shift from every training row costs as much as
        ``method='bruteforce'``) and cached.
    method_ : str
        The method that ran ('auto' resolved).
    bandwidth_ : float
        The bandwidth used, in the units of ``X``.
    sketch_dim_ : int
        Dimension the search ran in (``n_features`` when no projection was made).
    n_iter_ : int
        Mean-shift steps of the search plus polishing steps.
    effective_sample_size_ : float
        ``(sum w_i k_i)^2 / sum w_i k_i^2`` of the kernel values at the mode. Below 10 a
        warning says the bandwidth is too small for the KDE to mean much
        (below half the total weight on tiny samples).
    n_features_in_ : int
        Number of features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Only when ``X`` has string feature names.

    See Also
    --------
    sklearn.neighbors.KernelDensity : Evaluates and samples a KDE; has no mode
        finding.
    sklearn.cluster.MeanShift : Flat-kernel mean shift for clustering.

    Notes
    -----
    ``sample_weight`` are frequency weights: weight 2 is the same as a repeated
    row, also for the bandwidth rules (``n = sum(sample_weight)``).

    The modes move with the data: translating ``X`` translates them, scaling
    ``X`` and a float bandwidth by ``s`` scales them. Internally the data are
    centred and, when their spread leaves ``[2**-64, 2**64]``, divided by a
    power of two, so magnitudes from 1e-300 to 1e300 give the same answer.

    **Dask.** A dask ``X`` chunked by rows is never computed whole: ``fit``
    reads it in block passes, each block reduced to per-query sums on the
    workers: one pass for the centre and spread, one for the variance (rule
    bandwidths), two for 'auto''s effective-size check (its query rows; the
    start with 4 doublings) plus one per 4 more doublings and 5 when it
    bisects (20 steps, 4 a pass), one pass per
    mean-shift step (random starts; the polish), one for the densities at the
    ends, one for the lifting and one for ``effective_sample_size_``. The
    sketch's search reads the ``n x sketch_dim`` sketch, made in one pass and
    persisted, not ``X``; the start rows are gathered. ``score_samples`` of a
    dask ``X`` is lazy with its row chunks, and so are ``predict`` of a dask
    ``X`` and ``labels_`` of a dask fit (``max_iter`` passes over the training
    rows, block pair by block pair). ``method='bruteforce'`` would hold every
    row as a start and raises.

    **Array API.** Under ``sklearn.config_context(array_api_dispatch=True)``
    an ``X`` of another namespace (CuPy, PyTorch) is fitted on its device in
    its float dtype: the standardisation, the bandwidth, the sketch (one GEMM
    with the dense sketch matrix), every mean-shift step, the lifting, the
    polish and ``score_samples`` run there (NumPy keeps its Numba kernels,
    the NumPy branch of the same functions); fitted arrays live on the device.
    Only scalars and the random draws (start positions, sketch matrix) cross
    to and from the host.

    References
    ----------
    Jasper C. H. Lee, Jerry Li, Christopher Musco, Jeff M. Phillips and Wai Ming
    Tai, "Finding an approximate mode of a kernel density estimate", ESA 2021.
    Xinyu Luo, Christopher Musco and Cas Widdershoven, "Dimensionality Reduction
    for General KDE Mode Finding", ICML 2023.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.density import KDEMode
    >>> rng = np.random.default_rng(0)
    >>> X = np.vstack([rng.normal(0, 1, (300, 50)), rng.normal(6, 1, (100, 50))])
    >>> kde = KDEMode(random_state=0).fit(X)
    >>> bool(np.abs(kde.mode_).mean() < 0.5)  # the heavier cluster, at 0
    True
    >>> kde.method_
    'random_starts'
    >>> hard = KDEMode(min_mode_fraction=0.005, random_state=0).fit(X)
    >>> hard.method_, bool(np.abs(hard.mode_).mean() < 0.5)
    ('sketch', True)
    """

    _parameter_constraints: dict = {
        "kernel": [StrOptions(set(KERNELS))],
        "beta": [Interval(Real, 0, None, closed="neither")],
        "bandwidth": [
            Interval(Real, 0, None, closed="neither"),
            StrOptions({"auto", "scott", "silverman"}),
        ],
        "method": [StrOptions({"auto", "sketch", "random_starts", "bruteforce"})],
        "min_mode_fraction": [Interval(Real, 0, 1, closed="right")],
        "sketch_dim": [Interval(Integral, 1, None, closed="left")],
        "sketch": [StrOptions(set(SKETCH_KINDS))],
        "n_starts": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "n_modes": [Interval(Integral, 1, None, closed="left")],
        "polish": ["boolean"],
        "polish_iter": [Interval(Integral, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        kernel="gaussian",
        *,
        beta=1.0,
        bandwidth="auto",
        method="auto",
        min_mode_fraction=0.1,
        sketch_dim=20,
        sketch="gaussian",
        n_starts="auto",
        n_modes=1,
        polish=True,
        polish_iter=20,
        max_iter=100,
        tol=1e-5,
        n_jobs=None,
        random_state=None,
        verbose=0,
    ):
        self.kernel = kernel
        self.beta = beta
        self.bandwidth = bandwidth
        self.method = method
        self.min_mode_fraction = min_mode_fraction
        self.sketch_dim = sketch_dim
        self.sketch = sketch
        self.n_starts = n_starts
        self.n_modes = n_modes
        self.polish = polish
        self.polish_iter = polish_iter
        self.max_iter = max_iter
        self.tol = tol
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.verbose = verbose

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Find the mode(s) of the KDE of ``X``.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            Training data; not modified. A dask array chunked by rows is never
            computed whole (see Notes for the passes over it); an array of
            another namespace under ``array_api_dispatch=True`` stays on its
            device.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative frequency weights, not all zero.

        Returns
        -------
        self : KDEMode
            The fitted estimator.
        """
        X, sample_weight = validate_fit_data(self, X, sample_weight)
        if self.kernel == "box" and self.method == "sketch":
            raise ValueError(
                "kernel='box' needs method='bruteforce' or 'random_starts': finding "
                "the mode of a box-kernel KDE is NP-hard and the lifting step needs "
                "a kernel convex in the squared distance. Use kernel='gaussian' to "
                "keep the sketch."
            )
        self._kernel = make_kernel(self.kernel, self.beta)
        rng = check_random_state(self.random_state)
        points, self._center, self._scale, self._spread = standardise(
            X, sample_weight)
        self._h = self._scaled_bandwidth(points, sample_weight)
        self.bandwidth_ = float(self._h * self._scale)
        self._points, self._sample_weight = points, sample_weight
        self._labels = None
        n_random = (n_random_starts(self.min_mode_fraction)
                    if self.n_starts == "auto" else self.n_starts)
        xp, _ = get_namespace(sample_weight)
        n_eligible = int(xp.sum(xp.astype(sample_weight > 0, xp.int64)))
        self.method_ = choose_method(self.method, self._kernel, n_eligible,
                                     X.shape[1], self.sketch_dim, n_random)
        if self.method_ == "bruteforce" and is_dask_array(X):
            raise ValueError(
                "method='bruteforce' starts mean shift from every row, which would "
                "hold all of X in memory; on a dask array use method='sketch' or "
                "'random_starts' (or 'auto').")
        starts = choose_starts(sample_weight, self.method_, self.n_starts, n_random,
                               rng)

        with numba_threads(self.n_jobs), Progress(2, self.verbose, "KDEMode") as bar:
            candidates, log_sums, n_iter = self._search(points, sample_weight,
                                                        starts, rng)
            bar.update(message=f"{candidates.shape[0]} candidate(s), {self.method_}")
            if self.polish and self.polish_iter > 0 and log_sums is None:
                candidates, log_sums, n_polish = mean_shift(
                    candidates, points, sample_weight, self._kernel, self._h,
                    max_iter=self.polish_iter, tol=self.tol)
                n_iter += n_polish
            elif log_sums is None:
                log_sums = log_kernel_sums(candidates, points, sample_weight,
                                           self._kernel, self._h)
            bar.update(message="polished")
        self.n_iter_ = int(n_iter)
        self._set_modes(candidates, log_sums, X.dtype)
        return self

    def _scaled_bandwidth(self, points, sample_weight):
        """The bandwidth in the standardised units, checked to keep ``t`` finite."""
        if isinstance(self.bandwidth, str):
            return select_bandwidth(self.bandwidth, points, sample_weight)
        return check_bandwidth(self.bandwidth, self._spread) / self._scale

    def _search(self, points, sample_weight, starts, rng):
        """Candidate modes, their log sums (``None`` if to be polished), steps."""
        return run_search(self, points, sample_weight, starts, rng)

    def _lift(self, sketched_modes, sketched, points, sample_weight):
        """One mean-shift step in the original space with sketched-space weights.

        The weights ``w_i g(t_i)`` come from the distances to the sketched
        points and average the unsketched ones (one pass over both).
        """
        return step(sketched_modes, sketched, sample_weight, self._kernel, self._h,
                    values=points)[0]

    def _distinct_best(self, positions, log_sums, n_keep):
        """Indices of the best positions, at least ``bandwidth / 10`` apart."""
        return distinct_best(positions, log_sums, n_keep, 0.1 * self._h)

    def _set_modes(self, candidates, log_sums, dtype):
        keep = self._distinct_best(candidates, log_sums, self.n_modes)
        log_norm = self._log_normalizer()
        self._modes = take_index(candidates, keep)
        xp, _ = get_namespace(self._modes)
        self.modes_ = xp.astype(self._to_data_units(self._modes), dtype)
        self.cluster_centers_ = xp.asarray(self.modes_, copy=True)
        self.modes_log_density_ = take_index(log_sums, keep) - log_norm
        self.mode_ = self.modes_[0, ...]
        self.mode_log_density_ = float(self.modes_log_density_[0])
        with np.errstate(over="ignore"):
            self.mode_density_ = float(np.exp(self.mode_log_density_))
        if np.isinf(self.mode_density_):
            warnings.warn(
                f"mode_density_ overflows float64 (log density "
                f"{self.mode_log_density_:.1f}, data on a tiny scale): use "
                "mode_log_density_.", UserWarning, stacklevel=3)
        self.effective_sample_size_ = effective_sample_size(
            self._modes[0:1, ...], self._points, self._sample_weight, self._kernel,
            self._h)
        # Tiny samples cannot reach 10 effective points at any sensible bandwidth.
        total = float(get_namespace(self._sample_weight)[0].sum(self._sample_weight))
        threshold = min(MIN_EFFECTIVE_SAMPLE_SIZE, 0.5 * total)
        if self.effective_sample_size_ < threshold:
            warnings.warn(
                f"The KDE at the mode is carried by {self.effective_sample_size_:.1f} "
                "effective points: the bandwidth is too small for a density to mean "
                "much in this dimension. Use bandwidth='auto' or a larger float.",
                UserWarning,
                stacklevel=3,
            )

    def _to_data_units(self, positions):
        return positions * self._scale + self._center

    def _from_data_units(self, X):
        """Queries in the standardised units (in their namespace; dask: lazy)."""
        xp, is_array_api = get_namespace(X)
        if is_dask_array(X) or is_array_api:
            X = check_lazy_rows(self, X, xp, reset=False)
            if is_dask_array(X):
                return X.map_blocks(to_points, self._center, self._scale,
                                    dtype=np.float64)
            return to_points(X, self._center, self._scale)
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        return to_points(X, self._center, self._scale)

    def _log_normalizer(self):
        total = float(get_namespace(self._sample_weight)[0].sum(self._sample_weight))
        return float(np.log(total) + self._kernel.log_normalizer(
            self.n_features_in_, self.bandwidth_))

    def score_samples(self, X):
        """Normalised log density of the KDE at each row of ``X``.

        Same contract as :meth:`sklearn.neighbors.KernelDensity.score_samples`
        (equal to it for the Gaussian and box kernels at the same bandwidth).

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            Query points; not modified. A dask ``X`` gives a lazy result with
            its row chunks (one task per pair of a query block and a training
            block when the fit was on a dask array); another namespace stays on
            its device.

        Returns
        -------
        log_density : ndarray of shape (n_samples,)
            ``log f(x)`` at each row: float64 for NumPy and dask input, the
            input's float dtype and namespace otherwise.
        """
        check_is_fitted(self)
        queries = self._from_data_units(X)
        if is_dask_array(queries):
            block = partial(block_log_sums, kernel=self._kernel, bandwidth=self._h)
            return lazy_log_sums(block, queries, self._points,
                                 self._sample_weight) - self._log_normalizer()
        with numba_threads(self.n_jobs):
            log_sums = log_kernel_sums(queries, self._points, self._sample_weight,
                                       self._kernel, self._h)
        return log_sums - self._log_normalizer()

    def score(self, X, y=None):
        """Total log density of ``X`` under the KDE.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Query points.
        y : None
            Ignored.

        Returns
        -------
        log_likelihood : float
            Sum of :meth:`score_samples`.
        """
        scores = self.score_samples(X)
        xp, _ = get_namespace(scores)
        return float(scores.sum() if is_dask_array(scores) else xp.sum(scores))

    def predict(self, X):
        """Index in ``modes_`` of the mode each row's mean-shift path ends nearest to.

        Mean shift (the full-dimension, exact-kernel flow) runs from every row
        of ``X`` until it moves less than ``tol * bandwidth_`` or ``max_iter``
        steps; the row gets the nearest of ``modes_`` to where it stopped. Rows
        in the basin of a mode that is not in ``modes_`` (raise ``n_modes``) go
        to the nearest one that is. The cost is that of ``method='bruteforce'``
        with ``len(X)`` starts.

        Parameters
        ----------
        X : array-like or dask array of shape (n_samples, n_features)
            Rows to assign; not modified. A dask ``X`` gives lazy labels with
            its row chunks: one task per block after an in-memory fit; after a
            fit on a dask array, each of the ``max_iter`` mean-shift steps is
            one task per (query block, training block) pair, ``max_iter``
            passes over the training rows.

        Returns
        -------
        labels : ndarray of shape (n_samples,), int
            Index into ``modes_`` (and ``cluster_centers_``).
        """
        check_is_fitted(self)
        queries = self._from_data_units(X)
        if is_dask_array(queries):
            if is_dask_array(self._points):
                return self._lazy_assign(queries)
            return queries.map_blocks(self._assign, drop_axis=1, dtype=np.intp)
        return self._assign(queries)

    def _assign(self, queries):
        with numba_threads(self.n_jobs):
            ends, _, _ = mean_shift(queries, self._points, self._sample_weight,
                                    self._kernel, self._h, max_iter=self.max_iter,
                                    tol=self.tol)
        return self._nearest_mode(ends)

    def _lazy_assign(self, queries):
        ends = lazy_mean_shift(queries, self._points, self._sample_weight,
                               self._kernel, self._h, max_iter=self.max_iter,
                               tol=self.tol)
        return ends.map_blocks(self._nearest_mode, drop_axis=1, dtype=np.intp)

    def _nearest_mode(self, ends):
        xp, _ = get_namespace(ends)
        gaps = xp.sum((ends[:, None, :] - self._modes[None, :, :]) ** 2, axis=2)
        return xp.argmin(gaps, axis=1)

    @property
    def labels_(self):
        """``predict`` of the training rows, computed on first access and cached."""
        check_is_fitted(self)
        if self._labels is None:
            self._labels = (self._lazy_assign(self._points)
                            if is_dask_array(self._points)
                            else self._assign(self._points))
        return self._labels

    def sample(self, n_samples=1, random_state=None):
        """Draw from the KDE, as :meth:`sklearn.neighbors.KernelDensity.sample`.

        A data point is drawn with probability proportional to its weight, and
        kernel noise at ``bandwidth_`` is added (every kernel, not only the
        Gaussian and box kernels; see ``_sampling.kernel_offsets``). The draw is
        made on the host; the rows are gathered from the training data (a dask
        fit computes only those rows) and returned in its namespace.

        Parameters
        ----------
        n_samples : int, default=1
            Number of draws.
        random_state : int, RandomState instance or None, default=None
            Seeds the draws.

        Returns
        -------
        X : ndarray of shape (n_samples, n_features)
            The draws, in the dtype of the training data.
        """
        check_is_fitted(self)
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(
                f"n_samples must be a positive integer, got {n_samples!r}.")
        rng = check_random_state(random_state)
        rows = weighted_rows(self._sample_weight, int(n_samples), rng)
        noise = kernel_offsets(self._kernel, int(n_samples), self.n_features_in_, rng)
        xp, _ = get_namespace(self.modes_)
        drawn = self._to_data_units(take_rows(self._points, rows)) + xp.asarray(
            self.bandwidth_ * noise, device=device(self.modes_))
        return xp.astype(drawn, self.modes_.dtype)
