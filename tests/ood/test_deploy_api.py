"""score (log-likelihood) against SciPy; PyOD's interface against PyOD itself."""

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from sklearn.model_selection import GridSearchCV, KFold

from sklearn_lowdim.ood import LayerEnsembleOOD, MahalanobisOOD, WDiscOOD


def classes(n=120, d=4, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + 3.0 * np.eye(d)[y % d]
    return X, y


def scipy_loglik(detector, X, y_fit):
    """log sum_c pi_c N(x; mu_c, Sigma) written out with scipy."""
    _, counts = np.unique(y_fit, return_counts=True)
    priors = counts / counts.sum()
    return logsumexp([np.log(p) + multivariate_normal(m, detector.covariance_).logpdf(X)
                      for p, m in zip(priors, detector.means_)], axis=0)


@pytest.mark.parametrize("covariance", ["ledoit_wolf", "oas", 0.3, "empirical"])
def test_score_is_the_mixture_loglikelihood(covariance):
    X, y = classes()
    detector = MahalanobisOOD(covariance).fit(X[:80], y[:80])
    expected = scipy_loglik(detector, X[80:], y[:80]).mean()
    assert detector.score(X[80:]) == pytest.approx(expected, rel=1e-10)
    # WDiscOOD fits the same Gaussian model
    wdisc = WDiscOOD(covariance=covariance).fit(X[:80], y[:80])
    assert wdisc.score(X[80:]) == pytest.approx(expected, rel=1e-10)


def test_singular_empirical_scores_minus_inf():
    X, y = classes(n=30, d=40)
    detector = MahalanobisOOD().fit(X[:20], y[:20])  # rank <= 20 < 40
    assert detector.score(X[20:]) == -np.inf
    assert np.isfinite(MahalanobisOOD("ledoit_wolf").fit(X[:20], y[:20]).score(X[20:]))


def test_grid_search_selects_shrinkage_from_id_rows():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 30)) * np.linspace(0.5, 2, 30)
    y = rng.integers(0, 2, 60)
    grid = {"covariance": [0.01, 0.3, 0.9, "ledoit_wolf"]}
    cv = KFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(MahalanobisOOD(), grid, cv=cv).fit(X, y)
    by_hand = []
    for value in grid["covariance"]:
        folds = []
        for train, test in cv.split(X):
            det = MahalanobisOOD(value).fit(X[train], y[train])
            folds.append(scipy_loglik(det, X[test], y[train]).mean())
        by_hand.append(np.mean(folds))
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], by_hand,
                               rtol=1e-9)
    assert search.best_params_["covariance"] != 0.01  # n ~ d: shrink


# ----- PyOD's interface ------------------------------------------------------
def pyod_reference(detector, X_fit, contamination):
    """PyOD's own BaseDetector driven by our scores (PyOD's orientation)."""
    base = pytest.importorskip("pyod.models.base")

    class Wrapped(base.BaseDetector):
        def __init__(self, contamination):
            super().__init__(contamination=contamination)

        def fit(self, X, y=None):
            self._set_n_classes(y)
            self.decision_scores_ = -detector.score_samples(X)
            self._process_decision_scores()
            return self

        def decision_function(self, X):
            return -detector.score_samples(X)

    return Wrapped(contamination=contamination).fit(X_fit)


@pytest.mark.parametrize("make", [
    lambda: MahalanobisOOD(contamination=0.1),
    lambda: WDiscOOD(),
    lambda: LayerEnsembleOOD(layers=[2, 2], contamination=0.2),
])
def test_pyod_members_match_pyod(make):
    X, y = classes()
    detector = make().fit(X[:90], y[:90])
    reference = pyod_reference(detector, X[:90], detector.contamination)
    np.testing.assert_allclose(detector.decision_scores_, reference.decision_scores_)
    assert detector.threshold_ == pytest.approx(reference.threshold_)
    np.testing.assert_array_equal(detector.labels_, reference.labels_)
    np.testing.assert_array_equal(detector.labels_,
                                  (detector.predict(X[:90]) == -1).astype(int))
    X_test = np.vstack([X[90:], X[90:] * 3])
    for method in ("linear", "unify"):
        np.testing.assert_allclose(detector.predict_proba(X_test, method=method),
                                   reference.predict_proba(X_test, method=method),
                                   atol=1e-12)
    np.testing.assert_allclose(detector.predict_confidence(X_test),
                               reference.predict_confidence(X_test), atol=1e-12)


def test_pyod_members_need_a_fit_and_a_valid_method():
    from sklearn.exceptions import NotFittedError

    detector = MahalanobisOOD()
    with pytest.raises(NotFittedError):
        detector.predict_proba(np.ones((2, 3)))
    assert not hasattr(detector, "threshold_")
    X, y = classes()
    detector.fit(X, y)
    with pytest.raises(ValueError, match="method must be"):
        detector.predict_proba(X, method="softmax")
    proba = detector.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
