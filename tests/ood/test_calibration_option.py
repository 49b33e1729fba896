"""``calibration=`` and ``contamination='auto'`` on the Gaussian detectors."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from sklearn_lowdim.ood import LayerEnsembleOOD, MahalanobisOOD, WDiscOOD


def _gaussian(n, seed, d=3):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return rng.normal(size=(n, d)) + 2.0 * y[:, None], y


@pytest.mark.parametrize("make", [MahalanobisOOD, WDiscOOD, LayerEnsembleOOD])
def test_calibration_equals_a_manual_split(make):
    X, y = _gaussian(400, 0)
    auto = make(calibration=0.25, random_state=0).fit(X, y)
    X_fit, X_cal, y_fit, _ = train_test_split(X, y, test_size=100, random_state=0)
    manual = make().fit(X_fit, y_fit).calibrate(X_cal)
    np.testing.assert_allclose(auto.calibration_scores_, manual.calibration_scores_)
    np.testing.assert_array_equal(auto.predict(X, alpha=0.1),
                                  manual.predict(X, alpha=0.1))


def test_auto_contamination_controls_false_alarms_over_many_splits():
    # each ID row is flagged with probability <= alpha = 0.05 (split conformal,
    # marginal over the calibration draw): check the average over 200 splits
    rates = []
    for seed in range(200):
        X, y = _gaussian(240, seed)
        det = MahalanobisOOD(calibration=0.5, random_state=seed,
                             contamination="auto").fit(X, y)
        X_new, _ = _gaussian(200, 10_000 + seed)
        rates.append(np.mean(det.predict(X_new) == -1))
    # Monte-Carlo standard error of the mean is below 0.002 here
    assert np.mean(rates) <= 0.05 + 0.006
    assert np.mean(rates) >= 0.02  # the threshold is not trivially conservative


def test_calibration_refuses_weights_and_dask():
    X, y = _gaussian(100, 1)
    with pytest.raises(ValueError, match="calibrate"):
        MahalanobisOOD(calibration=0.2).fit(X, y, sample_weight=np.ones(100))
