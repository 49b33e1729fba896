"""KNNOOD against scikit-learn's brute-force NearestNeighbors and faiss."""

import numpy as np
import pytest
import sklearn
from sklearn.neighbors import NearestNeighbors

import sklearn_lowdim.ood._knn as knn_module
from sklearn_lowdim.ood import KNNOOD, conformal_pvalues
from sklearn_lowdim.ood._conformal import alpha_threshold


def unit(X):
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def data(n=300, m=120, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + 2.0
    T = np.vstack([rng.normal(size=(m, d)) + 2.0, rng.normal(size=(m, d)) * 4])
    return X, T


def brute_kth(X_fit, X_test, k, **kwargs):
    nn = NearestNeighbors(n_neighbors=k, algorithm="brute", **kwargs).fit(X_fit)
    return nn.kneighbors(X_test)[0][:, -1]


@pytest.mark.parametrize("k", [1, 5, 40])
def test_scores_are_minus_the_kth_distance_on_unit_rows(k):
    X, T = data()
    detector = KNNOOD(n_neighbors=k).fit(X)
    np.testing.assert_allclose(detector.score_samples(T),
                               -brute_kth(unit(X), unit(T), k), atol=1e-10)


def test_unnormalised_and_float32():
    X, T = data()
    detector = KNNOOD(n_neighbors=7, normalize=None).fit(X)
    np.testing.assert_allclose(detector.score_samples(T), -brute_kth(X, T, 7),
                               rtol=1e-10)
    detector32 = KNNOOD(n_neighbors=7).fit(X.astype(np.float32))
    np.testing.assert_allclose(detector32.score_samples(T.astype(np.float32)),
                               -brute_kth(unit(X), unit(T), 7), atol=2e-3)


def test_many_blocks_give_the_same_answer(monkeypatch):
    X, T = data(n=500)
    expected = -brute_kth(unit(X), unit(T), 9)
    monkeypatch.setattr(knn_module, "_QUERY_ROWS", 7)
    with sklearn.config_context(working_memory=0.001):  # ~18 fit rows per block
        got = KNNOOD(n_neighbors=9).fit(X).score_samples(T)
    np.testing.assert_allclose(got, expected, atol=1e-10)


def test_fit_rows_are_scored_leave_one_out():
    X, _ = data()
    X[5] = X[6]  # a duplicate must count as a neighbour, the row itself not
    detector = KNNOOD(n_neighbors=4).fit(X)
    nn = NearestNeighbors(n_neighbors=4, algorithm="brute").fit(unit(X))
    loo = nn.kneighbors(None)[0][:, -1]  # scikit-learn excludes each query row
    np.testing.assert_allclose(detector.decision_scores_, loo, atol=1e-10)
    assert detector.offset_ == pytest.approx(np.percentile(-loo, 5))
    assert not hasattr(detector, "fit_predict")


def test_class_conditional_is_the_min_over_classes():
    X, T = data()
    y = np.arange(len(X)) % 3
    detector = KNNOOD(n_neighbors=5, class_conditional=True).fit(X, y)
    per_class = np.column_stack([brute_kth(unit(X[y == c]), unit(T), 5)
                                 for c in range(3)])
    np.testing.assert_allclose(detector.score_samples(T), -per_class.min(axis=1),
                               atol=1e-10)
    # leave-one-out inside the own class only
    loo = np.empty(len(X))
    for c in range(3):
        own = NearestNeighbors(n_neighbors=5).fit(unit(X[y == c])).kneighbors(None)
        others = [brute_kth(unit(X[y == o]), unit(X[y == c]), 5)
                  for o in range(3) if o != c]
        loo[y == c] = np.min([own[0][:, -1], *others], axis=0)
    np.testing.assert_allclose(detector.decision_scores_, loo, atol=1e-10)
    # no labels is one class
    np.testing.assert_allclose(
        KNNOOD(n_neighbors=5, class_conditional=True).fit(X).score_samples(T),
        KNNOOD(n_neighbors=5).fit(X).score_samples(T))


@pytest.mark.parametrize("normalize", [None, "l2"])
def test_whitened_search_is_mahalanobis_knn(normalize):
    X, T = data()
    Xp, Tp = (unit(X), unit(T)) if normalize else (X, T)
    precision = np.linalg.inv(np.cov(Xp, rowvar=False, bias=True))
    expected = brute_kth(Xp, Tp, 6, metric="mahalanobis",
                         metric_params={"VI": precision})
    detector = KNNOOD(n_neighbors=6, normalize=normalize, whiten=True).fit(X)
    np.testing.assert_allclose(detector.score_samples(T), -expected, rtol=1e-8)


def test_official_recipe_with_faiss():
    """run_cifar.py: normalise (+1e-10), faiss IndexFlatL2, score = -D[:, -1]."""
    faiss = pytest.importorskip("faiss")
    X, T = data()
    normalizer = lambda x: x / (np.linalg.norm(x, ord=2, axis=-1, keepdims=True)
                                + 1e-10)
    index = faiss.IndexFlatL2(X.shape[1])
    index.add(np.ascontiguousarray(normalizer(X).astype(np.float32)))
    D, _ = index.search(np.ascontiguousarray(normalizer(T).astype(np.float32)), 50)
    official = -D[:, -1]
    ours = KNNOOD().fit(X).score_samples(T)
    np.testing.assert_allclose(-ours**2, official, atol=1e-5)
    assert (np.argsort(ours) == np.argsort(official)).mean() > 0.99


def test_calibration_fraction_and_auto_contamination():
    X, T = data(n=400)
    detector = KNNOOD(n_neighbors=5, calibration=0.25, contamination="auto",
                      random_state=0).fit(X)
    # the held-out rows are the 100 rows not among the neighbours' fit rows
    assert detector.calibration_scores_.shape == (100,)
    assert detector._features.shape[0] == 300
    assert detector.offset_ == alpha_threshold(detector.calibration_scores_, 0.05)
    np.testing.assert_array_equal(detector.predict(T), detector.predict(T, alpha=0.05))
    np.testing.assert_allclose(
        detector.pvalues(T),
        conformal_pvalues(detector.calibration_scores_, detector.score_samples(T)))
    # PyOD's confidence with 'auto' uses the share of flagged fit rows
    assert detector.predict_confidence(T).shape == (len(T),)


def test_conformal_validity_with_refits():
    """Over random calibration draws (each a refit), ID p-values are valid."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(260, 4))
    hits = []
    for seed in range(200):
        perm = rng.permutation(260)
        detector = KNNOOD(n_neighbors=5, calibration=0.25, random_state=seed)
        detector.fit(X[perm[:200]])
        hits.append((detector.pvalues(X[perm[200:]]) <= 0.1).mean())
    hits = np.asarray(hits)
    assert hits.mean() <= 0.1 + 3 * hits.std() / np.sqrt(len(hits))


def test_dask_scores_match():
    da = pytest.importorskip("dask.array")
    X, T = data()
    detector = KNNOOD(n_neighbors=5).fit(X)
    lazy = detector.score_samples(da.from_array(T, chunks=(50, 6)))
    np.testing.assert_allclose(lazy.compute(), detector.score_samples(T))


def test_bad_input_and_small_classes():
    X, _ = data()
    with pytest.raises(ValueError, match="1 sample"):
        KNNOOD().fit(X[:1])
    with pytest.raises(ValueError, match="y must be 1-D"):
        KNNOOD().fit(X, np.zeros(3))
    with pytest.warns(UserWarning, match="n_neighbors_=9"):
        assert KNNOOD(n_neighbors=50).fit(X[:10]).n_neighbors_ == 9
    with pytest.raises(ValueError, match="calibration"):
        KNNOOD(calibration=0.5).fit(X[:2])
    with pytest.raises(ValueError, match="NaN"):
        KNNOOD().fit(np.where(X > 3, np.nan, X))


@pytest.mark.parametrize("namespace", ["array_api_strict", "torch"])
@pytest.mark.parametrize("params", [{}, {"whiten": True}, {"normalize": None},
                                    {"class_conditional": True}])
def test_array_api_scores_stay_in_namespace(namespace, params, monkeypatch):
    xp = pytest.importorskip(namespace)
    X, T = data()
    y = np.arange(len(X)) % 3
    detector = KNNOOD(n_neighbors=5, **params).fit(X, y)
    with sklearn.config_context(array_api_dispatch=True, working_memory=0.05):
        scores = detector.score_samples(xp.asarray(T))  # several blocks
    assert type(scores).__module__.split(".")[0] == namespace
    np.testing.assert_allclose(np.asarray(scores), detector.score_samples(T),
                               atol=1e-10)


# ----------------------------------------------------------- sample_weight
def repeated(X, w, *others):
    counts = w.astype(int)
    return [np.repeat(a, counts, axis=0) for a in (X, *others)]


@pytest.mark.parametrize("params", [{}, {"whiten": True}, {"normalize": None},
                                    {"class_conditional": True}])
def test_integer_weights_are_repeated_rows(params):
    X, T = data(n=120)
    rng = np.random.default_rng(1)
    w = rng.integers(0, 4, len(X)).astype(float)  # zeros: rows absent
    y = np.arange(len(X)) % 2
    weighted = KNNOOD(n_neighbors=6, **params).fit(X, y, sample_weight=w)
    Xr, yr = repeated(X, w, y)
    plain = KNNOOD(n_neighbors=6, **params).fit(Xr, yr)
    np.testing.assert_allclose(weighted.score_samples(T), plain.score_samples(T),
                               atol=1e-10)
    assert weighted.offset_ == pytest.approx(plain.offset_, abs=1e-10)
    np.testing.assert_array_equal(weighted.predict(T), plain.predict(T))
    # the leave-one-out fit scores: each kept row once, a repeat as its copies
    np.testing.assert_allclose(np.sort(np.repeat(weighted.decision_scores_,
                                                 w[w > 0].astype(int))),
                               np.sort(plain.decision_scores_), atol=1e-10)


def test_fractional_weights_against_brute_force():
    X, T = data(n=80)
    w = np.random.default_rng(2).uniform(0.05, 1.5, len(X))
    k = 4
    d = np.linalg.norm(unit(T)[:, None, :] - unit(X)[None, :, :], axis=2)
    order = np.argsort(d, axis=1)
    reach = np.cumsum(w[order], axis=1) >= k  # first radius whose weight reaches k
    expected = np.take_along_axis(d, order, axis=1)[np.arange(len(T)),
                                                     reach.argmax(axis=1)]
    detector = KNNOOD(n_neighbors=k).fit(X, sample_weight=w)
    np.testing.assert_allclose(detector.score_samples(T), -expected, atol=1e-10)
    # several blocks give the same answer
    with sklearn.config_context(working_memory=0.001):
        np.testing.assert_allclose(detector.score_samples(T), -expected, atol=1e-10)


def test_weight_validation_and_small_total_weight():
    X, _ = data(n=30)
    with pytest.raises(ValueError, match="sample_weight has negative"):
        KNNOOD(n_neighbors=3).fit(X, sample_weight=np.r_[-1.0, np.ones(29)])
    with pytest.raises(ValueError, match="(?i)weight.*(zero|non-zero)"):
        KNNOOD(n_neighbors=3).fit(X, sample_weight=np.zeros(30))
    with pytest.raises(ValueError, match="total weight 1.5"):
        KNNOOD(n_neighbors=3).fit(X, sample_weight=np.r_[1.5, np.zeros(29)])
    with pytest.raises(ValueError, match="calibration"):
        KNNOOD(calibration=0.2).fit(X, sample_weight=np.ones(30))


def test_sample_weight_is_routed_and_verbose_reports(capsys):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, T = data(n=60)
    w = np.arange(60) % 3 + 0.5
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                             KNNOOD(n_neighbors=4).set_fit_request(sample_weight=True))
        pipe.fit(X, sample_weight=w)
    scaled = StandardScaler().fit(X)
    direct = KNNOOD(n_neighbors=4).fit(scaled.transform(X), sample_weight=w)
    np.testing.assert_allclose(pipe.score_samples(T),
                               direct.score_samples(scaled.transform(T)))
    assert not np.allclose(direct.score_samples(scaled.transform(T)),
                           KNNOOD(n_neighbors=4).fit(scaled.transform(X))
                           .score_samples(scaled.transform(T)))
    assert capsys.readouterr().err == ""
    KNNOOD(n_neighbors=4, verbose=1).fit(X)
    err = capsys.readouterr().err
    assert "[KNNOOD]" in err and "statistics" in err and "done" in err


@pytest.mark.parametrize("scale", [1e-300, 1e300])
def test_raw_rows_beyond_float64_raise_and_normalised_rows_do_not(scale):
    """normalize=None at 1e-300 gave all-zero scores without a word."""
    X, T = data()
    with pytest.raises(ValueError, match="normalize='l2'"):
        KNNOOD(n_neighbors=5, normalize=None).fit(X * scale)
    # unit rows do not depend on the scale
    np.testing.assert_allclose(
        KNNOOD(n_neighbors=5).fit(X * scale).score_samples(T * scale),
        KNNOOD(n_neighbors=5).fit(X).score_samples(T), atol=1e-10)
