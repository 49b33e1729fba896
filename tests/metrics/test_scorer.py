"""make_ood_scorer inside GridSearchCV, against the metrics computed by hand."""

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

from sklearn_lowdim.metrics import fpr_at_tpr, make_ood_scorer, ood_aupr, ood_auroc
from sklearn_lowdim.ood import MahalanobisOOD


def data(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(240, 6)) * np.array([1, 1, 1, 1, 1, 0.05])
    y = rng.integers(0, 3, 240)
    X[:, :3] += 3.0 * np.eye(3)[y]
    X_ood = rng.normal(size=(80, 6))  # leaves by the low-variance direction
    return X, y, X_ood


@pytest.mark.parametrize("metric, func, sign", [
    ("auroc", ood_auroc, 1), ("aupr", ood_aupr, 1),
    ("fpr95", lambda a, b: fpr_at_tpr(a, b, tpr=0.95), -1),
])
def test_scorer_equals_the_metric(metric, func, sign):
    X, y, X_ood = data()
    detector = MahalanobisOOD().fit(X[:160], y[:160])
    scorer = make_ood_scorer(X_ood, metric)
    expected = sign * func(detector.score_samples(X[160:]),
                           detector.score_samples(X_ood))
    assert scorer(detector, X[160:], y[160:]) == pytest.approx(expected)
    assert metric in repr(scorer)


def test_grid_search_picks_what_the_folds_say():
    X, y, X_ood = data()
    scorer = make_ood_scorer(X_ood, "auroc")
    grid = {"covariance": ["empirical", 0.5, 0.99]}
    cv = KFold(3, shuffle=True, random_state=0)
    search = GridSearchCV(MahalanobisOOD(), grid, scoring=scorer, cv=cv).fit(X, y)
    # the same folds by hand, through cross_val_score
    by_hand = [cross_val_score(MahalanobisOOD(covariance=c), X, y, scoring=scorer,
                               cv=cv).mean() for c in grid["covariance"]]
    np.testing.assert_allclose(search.cv_results_["mean_test_score"], by_hand)
    assert search.best_params_["covariance"] == grid["covariance"][
        int(np.argmax(by_hand))]
    # heavy shrinkage hides the low-variance direction the OOD rows leave by
    assert search.best_params_["covariance"] != 0.99


@pytest.mark.parametrize("kwargs, match", [
    ({"metric": "f1"}, "metric must be"),
    ({"X_ood": np.ones(3)}, "X_ood must be"),
    ({"X_ood": np.ones((0, 3))}, "X_ood must be"),
])
def test_bad_arguments(kwargs, match):
    args = {"X_ood": np.ones((2, 3)), "metric": "auroc", **kwargs}
    with pytest.raises(ValueError, match=match):
        make_ood_scorer(**args)
