"""Deep nearest-neighbour OOD detection (Sun, Ming, Zhu and Li, ICML 2022)."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings
from numbers import Integral

import array_api_compat
import numpy as np

from ..covariance import GaussianStatistics, Whitener
from ..utils import asarray_like, device, to_numpy, working_memory_budget
from ..utils._sklearn_compat import Interval, StrOptions
from ._base import l2_normalize, power_of_two_unit
from ._feature_base import (
    _FeatureDetector,
    block_parts,
    block_statistics,
    tree_reduce,
)

__all__ = ["KNNOOD"]

# query rows per block: enough for BLAS to run at full speed
_QUERY_ROWS = 2048


def _blocks(Q, R, k):
    """Query-row blocks, each with the reference-row blocks of one GEMM."""
    m, n = Q.shape[0], R.shape[0]
    block = working_memory_budget() * 2**20 / Q.dtype.itemsize
    rows = int(max(1, min(m, _QUERY_ROWS)))
    cols = int(min(n, max(k, block // rows)))
    for start in range(0, m, rows):
        yield (slice(start, start + rows),
               [slice(first, first + cols) for first in range(0, n, cols)])


def largest_keys(Q, R, bias, k):
    """The ``k`` largest ``q . r + bias_r`` over the rows ``r`` of ``R``, per row.

    An exact search by blocks: one GEMM ``Q_block @ R_block^T`` sized by
    :func:`~sklearn_lowdim.utils.working_memory_budget`, then a Numba heap
    update, so no ``n_queries x n_refs`` matrix is ever formed. With
    ``bias = -|r|^2 / 2`` the largest keys are the nearest neighbours:
    ``|q - r|^2 = |q|^2 - 2 key``.

    Returns
    -------
    keys : ndarray of shape (n_queries, k), each row sorted in decreasing order
    """
    from ._kernels import topk_update  # imports Numba on the first search

    out = np.empty((Q.shape[0], k), dtype=Q.dtype)
    for rows, col_blocks in _blocks(Q, R, k):
        heaps = np.full((Q[rows].shape[0], k), -np.inf, dtype=Q.dtype)
        for cols in col_blocks:
            topk_update(Q[rows] @ R[cols].T, bias[cols], heaps)
        out[rows] = -np.sort(-heaps, axis=1)
    return out


def weighted_capacity(weights, threshold):
    """Rows a weighted candidate set can hold: the fewest (smallest) weights
    that reach ``threshold``, plus a margin of two for rounding."""
    cumulative = np.cumsum(np.sort(weights[weights > 0]))
    needed = int(np.searchsorted(cumulative, threshold)) + 1
    return min(needed + 1, len(weights)) + 1


def weighted_candidates(Q, R, bias, weights, thresholds, capacity):
    """Per query row, the fewest largest keys whose weights reach its threshold.

    The weighted version of :func:`largest_keys`: the same blocks, with the
    Numba update of ``_knn_kernels``. A row of weight ``w`` counts as ``w``
    rows (weights are multiplicities).

    Returns
    -------
    keys, wts : ndarrays of shape (n_queries, capacity)
        Keys in decreasing order with their weights; unused slots hold
        ``-inf`` and weight 0.
    """
    from ._knn_kernels import weighted_update  # imports Numba on first use

    m = Q.shape[0]
    keys = np.full((m, capacity), -np.inf, dtype=Q.dtype)
    wts = np.zeros((m, capacity))
    sizes = np.zeros(m, dtype=np.intp)
    thresholds = np.array(np.broadcast_to(thresholds, (m,)), dtype=np.float64)
    for rows, col_blocks in _blocks(Q, R, capacity):
        for cols in col_blocks:
            weighted_update(Q[rows] @ R[cols].T, bias[cols], weights[cols],
                            thresholds[rows], keys[rows], wts[rows], sizes[rows])
    unused = np.arange(capacity) >= sizes[:, None]
    keys[unused], wts[unused] = -np.inf, 0.0
    return keys, wts


def kth_key(keys, wts, thresholds):
    """Largest key at which the cumulative weight (keys decreasing) reaches
    the threshold, per row of candidate sets; ``-inf`` where it never does."""
    order = np.argsort(-keys, axis=-1, kind="stable")
    keys = np.take_along_axis(keys, order, axis=-1)
    cumulative = np.cumsum(np.take_along_axis(wts, order, axis=-1), axis=-1)
    thresholds = np.asarray(thresholds, dtype=np.float64)
    position = np.sum(cumulative < thresholds[..., None], axis=-1)
    last = keys.shape[-1] - 1
    kth = np.take_along_axis(keys, np.minimum(position, last)[..., None],
                             axis=-1)[..., 0]
    return np.where(position <= last, kth, -np.inf)


def _centred(Z, location, W):
    """Rows about the location, whitened when ``W`` is given, in Z's dtype."""
    dtype = Z.dtype
    Z = Z - location.astype(dtype)
    if W is not None:
        Z = Z @ W.astype(dtype)
    return np.ascontiguousarray(Z, dtype=dtype)


def _query(X, normalize, location, W):
    """A block of query rows as searched: normalised, centred, whitened."""
    X = np.asarray(X)
    return _centred(l2_normalize(X) if normalize == "l2" else X, location, W)


def _bank_block(Z, w):
    return Z, w


def _pair_candidates(Q, part, codes, params):
    """Candidate sets, per query row and class, in one block of the bank."""
    (Z, w), (location, W, n_classes, reach, capacity) = part, params
    R = _centred(np.asarray(Z), location, W)
    bias = -0.5 * np.einsum("ij,ij->i", R, R)
    keys = np.full((Q.shape[0], n_classes, capacity), -np.inf, dtype=Q.dtype)
    wts = np.zeros(keys.shape)
    for c in np.unique(codes):
        sel = codes == c
        if w is None:
            k = min(capacity, int(sel.sum()))
            keys[:, c, :k] = largest_keys(Q, R[sel], bias[sel], k)
            wts[:, c, :k] = 1.0
        else:
            keys[:, c], wts[:, c] = weighted_candidates(
                Q, R[sel], bias[sel], w[sel], reach, capacity)
    return keys, wts


def _merge_candidates(a, b, reach, capacity):
    """The candidate set of two blocks: the merged keys up to the weight
    ``reach`` (the prefix of each block's own set, so nothing is lost)."""
    keys = np.concatenate([a[0], b[0]], axis=-1)
    wts = np.concatenate([a[1], b[1]], axis=-1)
    order = np.argsort(-keys, axis=-1, kind="stable")[..., :2 * capacity]
    keys = np.take_along_axis(keys, order, axis=-1)
    wts = np.take_along_axis(wts, order, axis=-1)
    before = np.cumsum(wts, axis=-1) - wts
    drop = before >= reach
    keys[drop], wts[drop] = -np.inf, 0.0
    return keys[..., :capacity], wts[..., :capacity]


def _scores_from_candidates(Q, candidates, thresholds):
    """``-(distance to the k-th neighbour)``, the nearest class's."""
    kth = kth_key(*candidates, np.broadcast_to(thresholds, candidates[0].shape[:2]))
    z2 = np.einsum("ij,ij->i", Q, Q, dtype=np.float64)
    d2 = np.maximum(z2[:, None] - 2.0 * kth.astype(np.float64), 0.0)
    return -np.sqrt(d2.min(axis=1))


class KNNOOD(_FeatureDetector):
    """Distance to the k-th nearest fit row, on L2-normalised features.

    Sun, Ming, Zhu and Li (2022): every row is scaled to unit L2 norm and
    ``score_samples(x) = -||z - z_(k)||``, minus the distance from the
    normalised row ``z`` to its k-th nearest normalised fit row. The official
    code (deeplearning-wisc/knn-ood, ``run_cifar.py``) searches a faiss flat L2
    index and returns minus the *squared* distance: the ranking, hence every
    metric, is the same. Its normaliser divides by ``norm + 1e-10``; here a
    zero row stays zero.

    The search is exact, by blocks: one GEMM per block of query and fit rows,
    sized by :func:`~sklearn_lowdim.utils.working_memory_budget`, followed by a
    Numba top-k heap update (never an ``n x n`` matrix). float32 rows are
    searched in float32 (distances accurate to about ``1e-3`` relative for
    near neighbours of unit rows), float64 in float64.

    Fit rows are scored leave-one-out (their own zero distance excluded, as
    PyOD and :class:`~sklearn.neighbors.LocalOutlierFactor` do) to place
    ``offset_`` and ``decision_scores_``: the k-th neighbour of a fit row
    counted with itself would be its (k-1)-th, and the threshold would flag
    more than ``contamination`` of new in-distribution rows. For that reason
    the detector is a novelty detector like ``LocalOutlierFactor(novelty=True)``:
    it has no ``fit_predict``; ``labels_`` gives the fit rows' labels.

    ``sample_weight`` in :meth:`fit` are row multiplicities: the k-th
    neighbour of a row is at the smallest radius within which the weights of
    the fit rows reach ``k`` (integer weights search exactly as the rows
    repeated, a weight of zero as the row absent; a fit row scored
    leave-one-out leaves one unit of its own weight out).

    On a dask array chunked by rows, ``fit`` reads X twice: one pass for the
    mean (and covariance with ``whiten``) of the normalised rows, gathering
    the rows that place ``offset_``, and one for their leave-one-out search.
    The search bank stays lazy (never materialised): ``score_samples``,
    ``decision_function`` and ``predict`` return lazy arrays with the query's
    row chunks, each query block searching every bank block (a GEMM and the
    k largest keys per class) and merging the candidates by a tree, one read
    of the bank per call.

    Parameters
    ----------
    n_neighbors : int, default=50
        ``k``. The paper uses 50 on CIFAR-10 (50,000 fit rows) and scales it
        with the number of fit rows (1000 on ImageNet, 1% of the rows). Capped
        at (smallest class) - 1 fit rows, with a warning.
    normalize : {'l2'} or None, default='l2'
        Scale rows to unit L2 norm first (the paper's recipe).
    whiten : bool, default=False
        Search in the space whitened by the fit rows' covariance (after
        ``normalize``): the k-th neighbour in Mahalanobis distance, the
        variance-norm kNN of SigMahaKNN (Shao, Chan, Cochrane, Foster and
        Lyons; code datasig-ac-uk/signature_mahalanobis_knn). Directions of
        (near) zero variance get the eigenvalue floor of
        :class:`~sklearn_lowdim.covariance.Whitener` (a large but finite
        distance where the variance norm is infinite).
    class_conditional : bool, default=False
        Search each class's fit rows separately (``fit(X, y)``) and keep the
        smallest k-th-neighbour distance over classes. ``y=None`` is one class.
    contamination : float in (0, 0.5] or 'auto', default=0.05
        Fraction of fit rows (leave-one-out scores) below ``offset_``.
        ``'auto'``: the conformal threshold of ``predict(X, alpha=0.05)`` once
        calibration scores exist (``calibration`` or :meth:`calibrate`), so that
        at most 5% of in-distribution rows are flagged in expectation; before
        that, the 5% leave-one-out percentile.
    calibration : float in (0, 1) or None, default=None
        Fraction of the fit rows held out (drawn with ``random_state``) as the
        conformal calibration set for :meth:`pvalues` and
        ``predict(X, fdr=, alpha=)``.
    random_state : int, RandomState instance or None, default=None
        Draws the calibration rows.
    verbose : int, default=0
        Report the steps of ``fit`` on stderr through
        :class:`~sklearn_lowdim.utils.Progress`.

    Attributes
    ----------
    n_neighbors_ : int
        The ``k`` used.
    location_ : ndarray of shape (n_features,)
        Mean of the (normalised) fit rows, subtracted before the search for
        accuracy (distances do not change).
    whitener_ : Whitener or None
    classes_ : ndarray of shape (n_classes,)
    offset_ : float
    decision_scores_ : ndarray
        PyOD's outlier scores (``-score``) of the leave-one-out fit rows (all
        up to 20,000, evenly spaced ones beyond).
    calibration_scores_ : ndarray
        Sorted scores of the calibration rows (after ``calibration`` or
        :meth:`calibrate`).
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    MahalanobisOOD : Distance to the nearest class mean under a tied
        covariance.
    ResidualOOD : Norm of the residual outside the principal subspace.
    sklearn.neighbors.LocalOutlierFactor : Local density relative to the
        neighbours (``novelty=True`` for new rows).

    References
    ----------
    Yiyou Sun, Yifei Ming, Xiaojin Zhu and Yixuan Li, "Out-of-Distribution
    Detection with Deep Nearest Neighbors", ICML 2022 (arXiv:2204.06507); code
    github.com/deeplearning-wisc/knn-ood. Zhen Shao, Ryan Sze-Yin Chan, Thomas
    Cochrane, Peter Foster and Terry Lyons, "Dimensionless Anomaly Detection on
    Multivariate Streams with Variance Norm and Path Signature",
    arXiv:2006.03487.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_lowdim.ood import KNNOOD
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(200, 5)) + [3, 0, 0, 0, 0]
    >>> detector = KNNOOD(n_neighbors=10).fit(X)
    >>> detector.predict([[3.0, 0, 0, 0, 0], [-3.0, 0, 0, 0, 0]])
    array([ 1, -1])
    """

    _parameter_constraints: dict = {
        **_FeatureDetector._parameter_constraints,
        "n_neighbors": [Interval(Integral, 1, None, closed="left")],
        "normalize": [StrOptions({"l2"}), None],
        "whiten": ["boolean"],
        "class_conditional": ["boolean"],
    }

    # Scores of new rows, not of the fit rows (see the class docstring):
    # scikit-learn's common checks then skip the in-sample contamination test,
    # as for LocalOutlierFactor(novelty=True).
    novelty = True

    _fit_message = "statistics and search bank of the fit rows"

    def __init__(self, n_neighbors=50, *, normalize="l2", whiten=False,
                 class_conditional=False, contamination=0.05, calibration=None,
                 random_state=None, verbose=0):
        self.n_neighbors = n_neighbors
        self.normalize = normalize
        self.whiten = whiten
        self.class_conditional = class_conditional
        self.contamination = contamination
        self.calibration = calibration
        self.random_state = random_state
        self.verbose = verbose

    @property
    def fit_predict(self):
        """Not available: a novelty detector (use ``fit(X).labels_``)."""
        raise AttributeError(
            "KNNOOD is a novelty detector: fit rows are scored leave-one-out, "
            "new rows against all fit rows. Use fit(X).labels_ (PyOD's labels of "
            "the fit rows) or predict on new rows."
        )

    def _transform(self, X):
        Z = l2_normalize(X) if self.normalize == "l2" else X
        return _centred(Z, self.location_, self._whitening())

    def _whitening(self):
        return None if self.whitener_ is None else self.whitener_.W_

    def _fit_model(self, stats, y, sample_weight):
        """Location, whitener, classes and ``n_neighbors_`` from the statistics
        of the (normalised) fit rows; returns each row's class code."""
        self.location_ = stats.means[0]
        self.whitener_ = None
        if self.whiten:
            self.whitener_ = Whitener(method="eigh", singular="floor").fit(
                stats.scatter / stats.counts[0])
        labels = (np.zeros(stats.n_obs[0], dtype=int) if y is None or
                  not self.class_conditional else y)
        self.classes_, codes = np.unique(labels, return_inverse=True)
        counts = np.bincount(codes, weights=sample_weight,
                             minlength=len(self.classes_))
        self._set_n_neighbors(counts, sample_weight is not None)
        # leave-one-out searches reach n_neighbors_ + 1
        self._reach = self.n_neighbors_ + 1
        self._capacity = (self._reach if sample_weight is None
                          else weighted_capacity(sample_weight, self._reach))
        self._codes = codes
        self._bank = None
        return codes

    def _check_magnitude(self, unit):
        """Raw rows (``normalize=None``) whose squared distances leave float64."""
        if unit != 1.0:
            raise ValueError(
                f"KNNOOD(normalize=None) got rows of magnitude about {unit:.0e}: "
                "their squared distances under- or overflow float64. Rescale X "
                "(for example with sklearn.preprocessing.StandardScaler) or use "
                "normalize='l2'."
            )

    def _fit(self, X, y, sample_weight):
        if self.normalize is None:
            self._check_magnitude(power_of_two_unit(X, per_feature=False)[0])
        Z = l2_normalize(X) if self.normalize == "l2" else X
        codes = self._fit_model(
            GaussianStatistics.from_data(Z, sample_weight=sample_weight,
                                         pooled_scatter=self.whiten),
            y, sample_weight)
        order = np.argsort(codes, kind="stable")
        features = _centred(Z, self.location_, self._whitening())[order]
        self._features = features
        self._half_bias = -0.5 * np.einsum("ij,ij->i", features, features)
        self._bounds = np.r_[0, np.cumsum(np.bincount(codes))]
        self._position = np.argsort(order)  # sorted position of each fit row
        self._weights = None if sample_weight is None else sample_weight[order]

    def _fit_dask(self, X, y, sample_weight, rows):
        """Two passes over X: the statistics of the normalised rows with the
        rows that place ``offset_`` gathered on the way, then their
        leave-one-out search. The search bank (normalised rows) stays a lazy
        dask array, read again by each ``score_samples``."""
        Z = X.map_blocks(l2_normalize, dtype=X.dtype) if self.normalize else X
        stats, unit, gathered = block_statistics(
            Z, sample_weight, rows, scatter=self.whiten, rescale=not self.normalize)
        self._check_magnitude(unit)
        self._fit_model(stats, y, sample_weight)
        self._bank, self._bank_weights = Z, sample_weight
        Q = _centred(gathered, self.location_, self._whitening())
        own = self._loo_thresholds(rows, sample_weight)
        return self._lazy_scores([Q], [own])[0].compute()

    def _loo_thresholds(self, rows, sample_weight):
        """Thresholds per row and class: one more in the row's own class, which
        holds the row itself (one unit of its weight, when below 1)."""
        extra = 1 if sample_weight is None else np.minimum(sample_weight[rows], 1.0)
        own = self._codes[rows][:, None] == np.arange(len(self.classes_))
        return self.n_neighbors_ + own * np.reshape(extra, (-1, 1))

    def _lazy_scores(self, queries, thresholds):
        """Delayed scores of each (transformed, in-memory or delayed) query
        block against the lazy bank: per bank block the candidate sets of each
        class, merged by a tree, never the bank nor an n x n matrix whole."""
        import dask

        params = (self.location_, self._whitening(), len(self.classes_),
                  self._reach, self._capacity)
        bank = block_parts(self._bank, self._bank_weights, _bank_block)
        bounds = np.cumsum((0,) + tuple(self._bank.chunks[0]))
        codes = [self._codes[bounds[i]:bounds[i + 1]] for i in range(len(bank))]
        out = []
        for Q, thr in zip(queries, thresholds):
            pairs = [dask.delayed(_pair_candidates)(Q, part, c, params)
                     for part, c in zip(bank, codes)]
            merged = tree_reduce(pairs, _merge_candidates, self._reach,
                                 self._capacity)
            out.append(dask.delayed(_scores_from_candidates)(Q, merged, thr))
        return out

    def _score_dask(self, X):
        if getattr(self, "_bank", None) is None:
            return super()._score_dask(X)
        import dask
        import dask.array as da

        params = (self.normalize, self.location_, self._whitening())
        queries = [dask.delayed(_query)(block, *params)
                   for block in X.to_delayed().ravel()]
        parts = self._lazy_scores(queries, [self.n_neighbors_] * len(queries))
        return da.concatenate([da.from_delayed(part, shape=(m,), dtype=np.float64)
                               for part, m in zip(parts, X.chunks[0])])

    def _set_n_neighbors(self, counts, weighted):
        smallest = float(counts.min())
        if smallest < 2:
            what = (f"a class of total weight {smallest:g} (class weights "
                    f"{np.round(counts, 6).tolist()})" if weighted else
                    f"1 sample in a class (class counts {counts.tolist()})")
            raise ValueError(
                f"KNNOOD got {what}; it needs at least 2 fit rows (total weight 2) "
                "per class to score fit rows leave-one-out."
            )
        self.n_neighbors_ = int(min(self.n_neighbors, np.floor(smallest) - 1))
        if self.n_neighbors_ < self.n_neighbors:
            warnings.warn(
                f"n_neighbors={self.n_neighbors} needs more fit rows per class "
                f"than the {smallest:g} available; using n_neighbors_="
                f"{self.n_neighbors_}.", UserWarning, stacklevel=5,
            )

    def _class_distances(self, Z, c, thresholds, xp=None):
        """Squared k-th-neighbour distances of ``Z``'s rows in class ``c``, the
        k of each row (its threshold, a weight with ``sample_weight``) given.

        ``xp=None``: NumPy rows, searched by BLAS and the Numba kernels;
        otherwise rows of the namespace ``xp``, searched on their device.
        """
        lo, hi = int(self._bounds[c]), int(self._bounds[c + 1])
        thresholds = np.broadcast_to(thresholds, (Z.shape[0],))
        if xp is not None:
            R, bias = (self._bank_on_device(values, lo, hi, Z, xp)
                       for values in (self._features, self._half_bias))
            w = (xp.ones(hi - lo, dtype=Z.dtype, device=device(Z))
                 if self._weights is None
                 else self._on_device(self._weights[lo:hi], Z, xp))
            thresholds = self._on_device(np.array(thresholds), Z, xp)
            kth = _kth_key_xp(Z, R, bias, w, thresholds, self._capacity, xp)
            return xp.clip(xp.sum(Z * Z, axis=1) - 2.0 * kth, min=0.0)
        R, bias = self._features[lo:hi], self._half_bias[lo:hi].astype(Z.dtype)
        if self._weights is None:
            keys = largest_keys(Z, R, bias, int(thresholds.max()))
            kth = np.take_along_axis(keys, thresholds[:, None] - 1, axis=1)[:, 0]
        else:
            kth = kth_key(*weighted_candidates(Z, R, bias, self._weights[lo:hi],
                                               thresholds, self._capacity),
                          thresholds)
        z2 = np.einsum("ij,ij->i", Z, Z, dtype=np.float64)
        return np.maximum(z2 - 2.0 * kth.astype(np.float64), 0.0)

    def _bank_on_device(self, values, lo, hi, Z, xp):
        """Rows ``lo:hi`` of a bank array (host or device) on ``Z``'s device."""
        if isinstance(values, np.ndarray):
            return self._on_device(values[lo:hi], Z, xp)
        return xp.astype(values[lo:hi, ...], Z.dtype)

    def _nearest_scores(self, Z, thresholds, xp=None):
        """``-(k-th neighbour distance)`` in the nearest class; ``thresholds``
        a number or one column per class."""
        nearest = None
        for c in range(len(self.classes_)):
            column = thresholds if np.ndim(thresholds) == 0 else thresholds[:, c]
            d2 = self._class_distances(Z, c, column, xp)
            nearest = d2 if nearest is None else (
                np.minimum(nearest, d2) if xp is None else xp.minimum(nearest, d2))
        return -(np.sqrt(nearest) if xp is None else xp.sqrt(nearest))

    def _score(self, X):
        if self._bank is None and not isinstance(self._features, np.ndarray):
            # fitted on a device: score there, never copy the bank back
            xp = array_api_compat.array_namespace(self._features)
            return to_numpy(self._score_xp(asarray_like(X, self._features, xp), xp))
        Z = self._transform(X)
        if self._bank is not None:
            return self._lazy_scores([Z], [self.n_neighbors_])[0].compute()
        return self._nearest_scores(Z, self.n_neighbors_)

    def _fit_scores(self, X, rows, sample_weight):
        """Leave-one-out scores of (up to 20,000 evenly spaced) fit rows."""
        return self._nearest_scores(self._features[self._position[rows]],
                                    self._loo_thresholds(rows, sample_weight))

    def _fit_xp(self, X, y, sample_weight, xp):
        """The bank on the device: normalised, centred (whitened) rows in
        class order; the statistics on the device, ``eigh`` on the host."""
        Z = _normalized_xp(X, xp) if self.normalize == "l2" else X
        if self.normalize is None:
            top = float(xp.max(xp.abs(X)))
            self._check_magnitude(power_of_two_unit(np.array([[top]]), False)[0])
        w = None if sample_weight is None else self._on_device(sample_weight, X, xp)
        codes = self._fit_model(
            GaussianStatistics.from_data(Z, sample_weight=w,
                                         pooled_scatter=self.whiten),
            y, sample_weight)
        order = np.argsort(codes, kind="stable")
        features = xp.take(self._centred_xp(Z, xp),
                           xp.asarray(order, device=device(X)), axis=0)
        self._features = features
        self._half_bias = -0.5 * xp.sum(features * features, axis=1)
        self._bounds = np.r_[0, np.cumsum(np.bincount(codes))]
        self._position = np.argsort(order)
        self._weights = None if sample_weight is None else sample_weight[order]

    def _fit_scores_xp(self, X, rows, sample_weight, xp):
        Z = xp.take(self._features, xp.asarray(self._position[rows],
                                               device=device(X)), axis=0)
        return self._nearest_scores(Z, self._loo_thresholds(rows, sample_weight),
                                    xp)

    def _centred_xp(self, Z, xp):
        Z = Z - self._on_device(self.location_, Z, xp)
        if self.whitener_ is not None:
            Z = Z @ self._on_device(self.whitener_.W_, Z, xp)
        return Z

    def _score_xp(self, X, xp):
        """The same exact search in ``X``'s namespace: blocks, then a sort."""
        if self._bank is not None:
            raise ValueError(
                "This KNNOOD was fitted on a dask array: score dask or NumPy rows "
                "(or refit on the device)."
            )
        Z = _normalized_xp(X, xp) if self.normalize == "l2" else X
        return self._nearest_scores(self._centred_xp(Z, xp), self.n_neighbors_, xp)


def _normalized_xp(X, xp):
    norms = xp.linalg.vector_norm(X, axis=1, keepdims=True)
    return X / xp.where(norms > 0, norms, xp.ones_like(norms))


def _kth_key_xp(Z, R, bias, w, thresholds, capacity, xp):
    """The weighted k-th largest ``z . r + bias_r`` per row, on the device.

    By blocks of ``R``: each block's keys join the running candidates, a sort
    per row keeps the ``capacity`` largest (the standard has no partial sort),
    and the key where the cumulative weight reaches the row's threshold is
    the answer (``-inf`` where it never does). With unit weights and
    ``capacity = k`` it is the k-th largest key.
    """
    # a block, its concatenation and its sort: about 4 copies of 8 bytes each
    block = working_memory_budget() * 2**20 / 32
    cols = int(min(R.shape[0], max(capacity, block // max(Z.shape[0], 1))))
    keys = wts = None
    n = R.shape[0]
    for first in range(0, n, cols):
        last = min(first + cols, n)  # the standard has no out-of-bounds slices
        S = Z @ R[first:last, :].T + bias[first:last]
        W = xp.broadcast_to(w[first:last], S.shape)
        if keys is not None:
            S, W = xp.concat([keys, S], axis=1), xp.concat([wts, W], axis=1)
        order = xp.argsort(S, axis=1, descending=True, stable=True)[:, :capacity]
        keys = xp.take_along_axis(S, order, axis=1)
        wts = xp.take_along_axis(W, order, axis=1)
    reached = xp.cumulative_sum(wts, axis=1) >= thresholds[:, None]
    position = xp.sum(xp.astype(~reached, xp.int64), axis=1)
    last = keys.shape[1] - 1
    kth = xp.take_along_axis(keys, xp.clip(position, max=last)[:, None], axis=1)
    return xp.where(position <= last, kth[:, 0], xp.full_like(kth[:, 0], -xp.inf))
