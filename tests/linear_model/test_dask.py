"""Ridge ensembles on Dask arrays that must never be materialised: equal to NumPy."""

import numpy as np
import pytest

from sklearn_lowdim.linear_model import (
    SketchedRidgeEnsemble,
    SketchedRidgeEnsembleCV,
    SubsampleRidgeEnsemble,
    SubsampleRidgeEnsembleCV,
    ridge_ensemble_gcv_path,
    sketched_ridge_gcv_path,
)

da = pytest.importorskip("dask.array")

ROWS = 47  # uneven blocks: the last one is short


def _data(n=400, p=12, t=None, seed=0, offset=5.0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * 2 + offset
    beta = rng.standard_normal((p,) if t is None else (p, t)) / 3
    y = X @ beta + 1.0 + rng.standard_normal(X.shape[:1] + beta.shape[1:])
    return X, y, rng.uniform(0.2, 3.0, n)


ESTIMATORS = [
    pytest.param(SubsampleRidgeEnsemble(0.05, subsample_size=150, n_estimators=4,
                                        random_state=0), id="subsample"),
    pytest.param(SubsampleRidgeEnsemble(0.05, subsample_size=0.5, n_estimators=3,
                                        bootstrap=True, random_state=1),
                 id="subsample-bootstrap"),
    pytest.param(SubsampleRidgeEnsemble(0.05, fit_intercept=False), id="full-member"),
    pytest.param(SubsampleRidgeEnsembleCV(alphas=[1e-3, 0.03, 1.0],
                                          subsample_sizes=[100, 0.6, 1.0],
                                          n_estimators=3, random_state=2), id="cv"),
    pytest.param(SketchedRidgeEnsemble(0.02, sketch_size=6, n_estimators=3,
                                       random_state=0), id="sketched"),
    pytest.param(SketchedRidgeEnsembleCV(alphas=[-0.01, 0.02, 0.5],
                                         sketch_sizes=[4, 8], n_estimators=3,
                                         sketch="srdct", random_state=3),
                 id="sketched-cv"),
    pytest.param(SketchedRidgeEnsembleCV(alphas=[0.01, 0.5], sketch_sizes=[6],
                                         n_estimators=2, ensemble_trick=True,
                                         random_state=4), id="sketched-trick"),
]

_SELECTED = ("alpha_", "subsample_size_", "sketch_size_")
_VALUES = ("dof_", "equivalent_alpha_", "gcv_score_", "cgcv_score_",
           "gcv_union_score_", "gcv_scores_", "risk_extrapolation_",
           "ridge_risk_estimates_", "best_score_")


@pytest.mark.parametrize("estimator", ESTIMATORS)
@pytest.mark.parametrize("weighted", [False, True])
def test_dask_fit_equals_numpy_fit(estimator, weighted, unmaterialisable):
    X, y, w = _data()
    w = w if weighted else None
    ref = estimator.__class__(**estimator.get_params()).fit(X, y, sample_weight=w)
    est = estimator.__class__(**estimator.get_params()).fit(
        unmaterialisable(X, ROWS), y, sample_weight=w)
    for name in _SELECTED:
        assert getattr(est, name, None) == getattr(ref, name, None), name
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-10)
    for name in _VALUES:
        if hasattr(ref, name):
            np.testing.assert_allclose(getattr(est, name), getattr(ref, name),
                                       rtol=1e-10, err_msg=name)
    pred = est.predict(unmaterialisable(X, ROWS))
    assert isinstance(pred, da.Array) and pred.chunks[0] == (ROWS,) * 8 + (24,)
    np.testing.assert_allclose(pred.compute(), ref.predict(X), rtol=1e-10)
    # the interval residuals take one more pass; the intervals are NumPy's
    lower, upper = est.predict_interval(unmaterialisable(X, ROWS), coverage=0.8)
    ref_lower, ref_upper = ref.predict_interval(X, coverage=0.8)
    np.testing.assert_allclose(lower.compute(), ref_lower, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(upper.compute(), ref_upper, rtol=1e-9, atol=1e-9)


def test_dask_fit_multi_target_and_float32(unmaterialisable):
    X, y, _ = _data(t=2)
    X32 = X.astype(np.float32)
    params = {"alphas": [0.01, 0.3], "subsample_sizes": [120, 1.0],
              "n_estimators": 3, "random_state": 0}
    ref = SubsampleRidgeEnsembleCV(**params).fit(X32, y)
    est = SubsampleRidgeEnsembleCV(**params).fit(unmaterialisable(X32, ROWS), y)
    assert (est.alpha_, est.subsample_size_) == (ref.alpha_, ref.subsample_size_)
    np.testing.assert_allclose(est.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    pred = est.predict(unmaterialisable(X32, ROWS))
    assert pred.dtype == np.float32 and pred.shape == (400, 2)
    np.testing.assert_allclose(pred.compute(), ref.predict(X32), rtol=1e-5)


def test_dask_paths_equal_numpy_paths(unmaterialisable):
    X, y, w = _data(p=10)
    Xd = unmaterialisable(X, ROWS)
    kw = {"subsample_sizes": [80, 200, 400], "n_estimators": 4, "random_state": 5,
          "sample_weight": w}
    ref = ridge_ensemble_gcv_path(X, y, [0.0, 0.01, 1.0], **kw)
    out = ridge_ensemble_gcv_path(Xd, y, [0.0, 0.01, 1.0], **kw)
    for key in ref:
        np.testing.assert_allclose(out[key], ref[key], rtol=1e-9, err_msg=key)
    kw = {"sketch_sizes": [3, 7], "n_estimators": 3, "random_state": 6}
    ref = sketched_ridge_gcv_path(X, y, [-0.05, 0.1], **kw)
    out = sketched_ridge_gcv_path(Xd, y, [-0.05, 0.1], **kw)
    for key in ref:
        np.testing.assert_allclose(out[key], ref[key], rtol=1e-9, err_msg=key)


class _CountingRows:
    """An array-like that counts the rows dask reads from it."""

    def __init__(self, X):
        self.X, self.rows = X, 0
        self.shape, self.dtype, self.ndim = X.shape, X.dtype, X.ndim

    def __getitem__(self, key):
        block = self.X[key]
        self.rows += block.shape[0]
        return block


@pytest.mark.parametrize("estimator, passes", [
    (SubsampleRidgeEnsembleCV(alphas=[0.01, 1.0], subsample_sizes=[100, 1.0],
                              n_estimators=3, random_state=0), 3),
    (SketchedRidgeEnsembleCV(alphas=[0.01, 1.0], sketch_sizes=[4, 8],
                             n_estimators=2, random_state=0), 3),
    (SketchedRidgeEnsembleCV(alphas=[0.01, 1.0], sketch_sizes=[4, 8],
                             n_estimators=2, ensemble_trick=True,
                             random_state=0), 4),
])
def test_fit_reads_x_in_the_documented_number_of_passes(estimator, passes):
    X, y, _ = _data()
    source = _CountingRows(X)
    estimator.fit(da.from_array(source, chunks=(ROWS, -1), asarray=True), y)
    assert source.rows == passes * X.shape[0]


def test_many_members_in_groups_give_the_same_fit(unmaterialisable):
    # a working memory too small for the members' Gram matrices together: one
    # pass per group of members, the same fit
    import sklearn

    X, y, _ = _data()
    est = SubsampleRidgeEnsemble(0.05, subsample_size=150, n_estimators=6,
                                 random_state=0)
    ref = est.fit(X, y).coef_.copy()
    with sklearn.config_context(working_memory=0.003):
        coef = est.fit(unmaterialisable(X, ROWS), y).coef_
    np.testing.assert_allclose(coef, ref, rtol=1e-10)


def test_dask_input_errors(unmaterialisable):
    X, y, _ = _data()
    bad = X.copy()
    bad[123, 4] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        SubsampleRidgeEnsemble().fit(unmaterialisable(bad, ROWS), y)
    with pytest.raises(ValueError, match="NaN or infinity"):
        ridge_ensemble_gcv_path(unmaterialisable(bad, ROWS), y, [0.1])
    with pytest.raises(ValueError, match="one row per row of X"):
        SubsampleRidgeEnsemble().fit(unmaterialisable(X, ROWS), y[:-1])
    with pytest.raises(ValueError, match="constant"):
        SubsampleRidgeEnsemble().fit(unmaterialisable(X, ROWS), np.ones(400))
    est = SubsampleRidgeEnsemble(n_estimators=2).fit(unmaterialisable(X, ROWS), y)
    with pytest.raises(ValueError, match="features"):
        est.predict(unmaterialisable(X[:, :5], ROWS))


@pytest.mark.parametrize("n_parts", [1, 2, 3, 5, 8])
def test_tree_sum_adds_every_part_two_at_a_time(n_parts):
    """The partials of a block pass are added pairwise: no task gathers more than
    two of them (a wide reduction held many member Gram stacks on one worker)."""
    import dask

    from sklearn_lowdim.linear_model._reduced import tree_sum

    values = [np.full((2, 3), 2.0**b) for b in range(n_parts)]
    parts = [dask.delayed(np.copy)(v) for v in values]
    total = tree_sum(parts)
    np.testing.assert_array_equal(total.compute(), np.sum(values, axis=0))
    graph = dict(total.__dask_graph__())
    adds = [key for key in graph if str(key).startswith("add-")]
    assert len(adds) == n_parts - 1
    for key in adds:
        deps = dask.core.get_dependencies(graph, key)
        assert len(deps) == 2


def test_member_gram_in_row_chunks_equals_the_whole_product():
    """A member is copied a row chunk at a time within the working memory."""
    import sklearn

    from sklearn_lowdim.linear_model._reduced import _block_grams

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((300, 7)), rng.standard_normal((300, 2))
    members = [np.sort(rng.choice(300, 280)), np.arange(300), np.array([5, 5, 9])]
    with sklearn.config_context(working_memory=0.002):  # about 30 rows a chunk
        grams = _block_grams(X, y, members)
    for gram, rows in zip(grams, members):
        A = X[rows]
        np.testing.assert_allclose(gram, np.hstack([A.T @ A, A.T @ y[rows]]),
                                   rtol=1e-12, atol=1e-12)


def test_pickle_of_a_dask_fit_holds_residuals_not_the_graph(unmaterialisable):
    import pickle

    X, y, _ = _data()
    est = SubsampleRidgeEnsemble(0.05, subsample_size=150, n_estimators=3,
                                 random_state=0).fit(unmaterialisable(X, ROWS), y)
    ref = SubsampleRidgeEnsemble(0.05, subsample_size=150, n_estimators=3,
                                 random_state=0).fit(X, y)
    blob = pickle.dumps(est)
    # X is in memory behind the dask array: a carried graph would carry X
    assert len(blob) < X.nbytes / 2
    loaded = pickle.loads(blob)
    assert isinstance(loaded._interval_residuals, np.ndarray)
    assert not isinstance(est.__dict__["_interval_residuals"], np.ndarray)
    lower, upper = loaded.predict_interval(X, coverage=0.8)
    ref_lower, ref_upper = ref.predict_interval(X, coverage=0.8)
    np.testing.assert_allclose(lower, ref_lower, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(upper, ref_upper, rtol=1e-9, atol=1e-9)
