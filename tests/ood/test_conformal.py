"""Conformal p-values and error control: exact formulas and validity over splits."""

from functools import cache

import numpy as np
import pytest

from sklearn_lowdim.datasets import WORDNET_IN_DISTRIBUTION, load_wordnet_embeddings
from sklearn_lowdim.ood import (
    LayerEnsembleOOD,
    MahalanobisOOD,
    WDiscOOD,
    benjamini_hochberg,
    conformal_pvalues,
)

N_SPLITS = 400


def brute_pvalues(cal, test):
    return np.array([(1 + np.sum(cal <= s)) / (len(cal) + 1) for s in test])


def brute_bh(p, q):
    """The step-up rule written out: the largest k with p_(k) <= q k / m."""
    m = len(p)
    ranked = sorted(range(m), key=lambda i: p[i])
    k = 0
    for j in range(1, m + 1):
        if p[ranked[j - 1]] <= q * j / m:
            k = j
    rejected = np.zeros(m, dtype=bool)
    rejected[ranked[:k]] = True
    return rejected


def test_pvalues_match_the_formula_with_ties():
    rng = np.random.default_rng(0)
    cal = rng.integers(0, 5, 30).astype(float)  # many ties
    test = rng.integers(-1, 7, 50).astype(float)
    np.testing.assert_allclose(conformal_pvalues(cal, test), brute_pvalues(cal, test))


@pytest.mark.parametrize("q", [0.05, 0.1, 0.3])
def test_bh_matches_the_step_up_rule(q):
    rng = np.random.default_rng(1)
    P = np.concatenate([rng.uniform(size=(20, 30)),
                        rng.uniform(0, 0.02, size=(20, 10))], axis=1)
    batched = benjamini_hochberg(P, q)
    for row, got in zip(P, batched):
        np.testing.assert_array_equal(got, brute_bh(row, q))
        np.testing.assert_array_equal(benjamini_hochberg(row, q), got)


@pytest.mark.parametrize("bad", [0.0, 1.0, -0.1, "0.1"])
def test_levels_are_validated(bad):
    with pytest.raises(ValueError, match="q must be"):
        benjamini_hochberg([0.1, 0.2], bad)


def test_scores_are_validated():
    with pytest.raises(ValueError, match="cal_scores is empty"):
        conformal_pvalues([], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        conformal_pvalues([1.0], [np.nan])
    with pytest.raises(ValueError, match="pvalues must lie"):
        benjamini_hochberg([0.1, 1.5], 0.1)


def random_splits(n_pool, n_cal, n_splits, seed):
    rng = np.random.default_rng(seed)
    perm = np.argsort(rng.random((n_splits, n_pool)), axis=1)
    return perm[:, :n_cal], perm[:, n_cal:]


def check_super_uniform(id_scores, n_cal, seed):
    """P(p <= t) over random calibration splits equals floor(t (n+1)) / (n+1)."""
    cal_idx, test_idx = random_splits(id_scores.size, n_cal, N_SPLITS, seed)
    P = np.stack([conformal_pvalues(id_scores[c], id_scores[t])
                  for c, t in zip(cal_idx, test_idx)])
    for t in (0.05, 0.1, 0.25, 0.5):
        per_split = (P <= t).mean(axis=1)
        mean, se = per_split.mean(), per_split.std() / np.sqrt(N_SPLITS)
        exact = np.floor(t * (n_cal + 1)) / (n_cal + 1)  # p is uniform on a grid
        assert mean <= t + 3 * se
        assert abs(mean - exact) <= 4 * se + 1e-3


def check_fdr(id_scores, ood_scores, n_cal, n_id_test, seed):
    """Realised FDR of BH over random splits stays at or below q."""
    rng = np.random.default_rng(seed)
    cal_idx, rest = random_splits(id_scores.size, n_cal, N_SPLITS, seed)
    test_idx = rest[:, :n_id_test]
    n_ood = max(n_id_test // 4, 1)
    ood_idx = np.argsort(rng.random((N_SPLITS, ood_scores.size)), axis=1)[:, :n_ood]
    P = np.stack([
        conformal_pvalues(id_scores[c], np.r_[id_scores[t], ood_scores[o]])
        for c, t, o in zip(cal_idx, test_idx, ood_idx)
    ])
    is_id = np.r_[np.ones(n_id_test, bool), np.zeros(n_ood, bool)]
    for q in (0.05, 0.1, 0.2):
        rejected = benjamini_hochberg(P, q)
        false = (rejected & is_id).sum(axis=1)
        fdp = false / np.maximum(rejected.sum(axis=1), 1)
        mean, se = fdp.mean(), fdp.std() / np.sqrt(N_SPLITS)
        assert mean <= q + 3 * se + 1e-3, (q, mean, se)
        assert rejected[:, ~is_id].mean() > 0.2  # the test has power


@cache
def gaussian_scores(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(600, 5))
    y = rng.integers(0, 3, 600)
    X += 3.0 * np.eye(5)[y]
    detector = MahalanobisOOD().fit(X[:200], y[:200])
    ood = rng.normal(size=(200, 5)) * 3.0 + 4.0
    return detector.score_samples(X[200:]), detector.score_samples(ood)


@cache
def wordnet_scores():
    wordnet = load_wordnet_embeddings()
    names = np.asarray(wordnet.target_names)[wordnet.target]
    inside = np.isin(names, WORDNET_IN_DISTRIBUTION)
    rng = np.random.default_rng(0)
    order = rng.permutation(np.flatnonzero(inside))
    fit, pool = order[:1000], order[1000:1600]
    detector = MahalanobisOOD(normalize="l2").fit(wordnet.data[fit], names[fit])
    ood = rng.choice(np.flatnonzero(~inside), 400, replace=False)
    return (detector.score_samples(wordnet.data[pool]),
            detector.score_samples(wordnet.data[ood]))


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("data", [gaussian_scores, wordnet_scores])
def test_pvalues_are_super_uniform_over_splits(data):
    id_scores, _ = data()
    check_super_uniform(id_scores, n_cal=39, seed=2)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("data", [gaussian_scores, wordnet_scores])
def test_bh_controls_the_fdr_over_splits(data):
    id_scores, ood_scores = data()
    check_fdr(id_scores, ood_scores, n_cal=199, n_id_test=80, seed=3)


def test_missing_plus_one_would_be_caught():
    # The uniformity check is sharp: p-values without the +1 correction fail it.
    id_scores, _ = gaussian_scores()
    cal_idx, test_idx = random_splits(id_scores.size, 10, N_SPLITS, 4)
    P = np.stack([np.searchsorted(np.sort(id_scores[c]), id_scores[t], "right") / 10
                  for c, t in zip(cal_idx, test_idx)])
    assert (P <= 0.1).mean() > 0.1 + 0.05  # 2/11 in expectation


def fitted_detectors():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 4)) + 2.0 * np.eye(4)[rng.integers(0, 2, 300)]
    y = (X[:, 0] > X[:, 1]).astype(int)
    return X, [est.fit(X[:200], y[:200]) for est in
               (MahalanobisOOD(), WDiscOOD(), LayerEnsembleOOD(layers=[2, 2]))]


def test_every_detector_predicts_with_alpha_and_fdr():
    X, detectors = fitted_detectors()
    X_test = np.vstack([X[250:], np.full((5, 4), 8.0)])
    for detector in detectors:
        detector.calibrate(X[200:250])
        p = detector.pvalues(X_test)
        np.testing.assert_allclose(
            p, conformal_pvalues(detector.score_samples(X[200:250]),
                                 detector.score_samples(X_test)))
        for a in (0.02, 0.1, 0.5):
            np.testing.assert_array_equal(detector.predict(X_test, alpha=a) == -1,
                                          p <= a)
        np.testing.assert_array_equal(detector.predict(X_test, fdr=0.1) == -1,
                                      benjamini_hochberg(p, 0.1))
        assert (detector.predict(X_test[-5:], fdr=0.1) == -1).all()
        np.testing.assert_array_equal(
            detector.predict(X_test), np.where(detector.decision_function(X_test)
                                               < 0, -1, 1))


def test_errors_name_the_fix():
    X, (detector, *_) = fitted_detectors()
    with pytest.raises(ValueError, match="call calibrate"):
        detector.pvalues(X)
    with pytest.raises(ValueError, match="call calibrate"):
        detector.predict(X, alpha=0.1)
    detector.calibrate(X[200:])
    with pytest.raises(ValueError, match="not both"):
        detector.predict(X, alpha=0.1, fdr=0.1)
    with pytest.raises(ValueError, match="alpha must be"):
        detector.predict(X, alpha=2)
    with pytest.raises(ValueError, match="0 sample"):
        detector.calibrate(X[:0])


def test_a_refit_voids_the_calibration():
    X, (detector, *_) = fitted_detectors()
    y = (X[:, 0] > X[:, 1]).astype(int)
    detector.calibrate(X[200:])
    detector.partial_fit(X[:50], y[:50])
    with pytest.raises(ValueError, match="call calibrate"):
        detector.pvalues(X)
    detector.calibrate(X[200:]).fit(X[:100], y[:100])
    with pytest.raises(ValueError, match="call calibrate"):
        detector.pvalues(X)


def test_alpha_threshold_agrees_with_the_pvalues_under_ties():
    from sklearn_lowdim.ood._conformal import alpha_threshold

    rng = np.random.default_rng(6)
    for n in (1, 9, 19, 20, 99):
        cal = np.sort(rng.integers(0, 6, n).astype(float))
        test = np.arange(-1.0, 7.0, 0.5)
        p = conformal_pvalues(cal, test)
        for alpha in (0.01, 0.05, 0.1, 0.2, 0.5, 0.99, 1 / (n + 1), 2 / (n + 1)):
            if alpha >= 1:
                continue
            np.testing.assert_array_equal(test < alpha_threshold(cal, alpha),
                                          p <= alpha)
