"""GCVPathDisplay draws what the estimators computed."""

import numpy as np
import pytest

from sklearn_lowdim.linear_model import (
    GCVPathDisplay,
    SketchedRidgeEnsembleCV,
    SubsampleRidgeEnsembleCV,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 30))
    return X, X @ rng.standard_normal(30) / 5 + rng.standard_normal(200)


@pytest.mark.parametrize("make, grid", [
    (lambda: SubsampleRidgeEnsembleCV([0.01, 0.1, 1.0], subsample_sizes=[100, 200],
                                      n_estimators=3, random_state=0),
     "subsample_sizes_"),
    (lambda: SketchedRidgeEnsembleCV([-0.05, 0.1, 1.0], sketch_sizes=[10, 20],
                                     n_estimators=3, random_state=0),
     "sketch_sizes_"),
])
def test_from_estimator_draws_the_scores_and_the_selection(make, grid):
    import matplotlib.pyplot as plt

    X, y = _data()
    est = make().fit(X, y)
    truth = est.gcv_scores_ * 1.1
    display = GCVPathDisplay.from_estimator(est, true_risk=truth)
    assert len(display.lines_) == len(getattr(est, grid))
    for line, scores in zip(display.lines_, est.gcv_scores_):
        np.testing.assert_allclose(line.get_xdata(), est.alphas_)
        np.testing.assert_allclose(line.get_ydata(), scores)
    np.testing.assert_allclose(display.true_risk_lines_[0].get_ydata(), truth[0])
    assert display.selected_marker_.get_ydata()[0] == pytest.approx(est.best_score_)
    # negative penalties keep a linear axis
    assert display.ax_.get_xscale() == ("log" if np.all(est.alphas_ > 0) else "linear")
    plt.close("all")


def test_bad_input():
    with pytest.raises(ValueError, match="call fit first"):
        GCVPathDisplay.from_estimator(SubsampleRidgeEnsembleCV())
    with pytest.raises(ValueError, match="shape"):
        GCVPathDisplay([0.1, 1.0], [10], np.ones((2, 2))).plot()
