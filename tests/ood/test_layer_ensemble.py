"""LayerEnsembleOOD against per-layer detectors combined by hand."""

import pickle

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegressionCV

from sklearn_lowdim.metrics import ood_auroc
from sklearn_lowdim.ood import LayerEnsembleOOD, MahalanobisOOD, WDiscOOD


def two_layer_data(seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, 600)
    centres1, centres2 = rng.normal(0, 2, (3, 4)), rng.normal(0, 2, (3, 5))
    X = np.hstack([centres1[y] + rng.normal(size=(600, 4)),
                   centres2[y] + rng.normal(size=(600, 5))])
    # OOD rows look normal in layer 1 and abnormal in layer 2.
    X_ood = np.hstack([centres1[rng.integers(0, 3, 200)] + rng.normal(size=(200, 4)),
                       rng.normal(0, 2, (200, 5)) + 4.0])
    return X, y, X_ood


def test_label_free_sum_of_standardised_layer_scores():
    X, y, X_ood = two_layer_data()
    ensemble = LayerEnsembleOOD(layers=[4, 5]).fit(X, y)
    layers = [MahalanobisOOD().fit(X[:, :4], y), MahalanobisOOD().fit(X[:, 4:], y)]
    expected = 0
    for det, cols in zip(layers, [slice(0, 4), slice(4, 9)]):
        fit_scores = det.score_samples(X[:, cols])
        expected = expected + (det.score_samples(X_ood[:, cols]) - fit_scores.mean()) \
            / fit_scores.std()
    np.testing.assert_allclose(ensemble.score_samples(X_ood), expected, rtol=1e-10)
    # Column indices give the same blocks as widths.
    by_index = LayerEnsembleOOD(layers=[list(range(4)), list(range(4, 9))]).fit(X, y)
    np.testing.assert_allclose(by_index.score_samples(X_ood),
                               ensemble.score_samples(X_ood))


def test_logistic_combination_with_validation_outliers():
    X, y, X_ood = two_layer_data(seed=1)
    ensemble = LayerEnsembleOOD(layers=[4, 5]).fit(X, y, X_outlier=X_ood[:100])
    assert isinstance(ensemble.combiner_, LogisticRegressionCV)
    held_out = two_layer_data(seed=2)
    auroc = ood_auroc(ensemble.score_samples(held_out[0]),
                      ensemble.score_samples(held_out[2]))
    layer1 = MahalanobisOOD().fit(X[:, :4], y)
    auroc1 = ood_auroc(layer1.score_samples(held_out[0][:, :4]),
                       layer1.score_samples(held_out[2][:, :4]))
    assert auroc1 < 0.6 < 0.9 < auroc  # layer 1 alone cannot see these outliers
    restored = pickle.loads(pickle.dumps(ensemble))
    np.testing.assert_array_equal(restored.score_samples(X), ensemble.score_samples(X))


def test_other_detector_and_bad_input():
    X, y, X_ood = two_layer_data(seed=3)
    ensemble = LayerEnsembleOOD(layers=[4, 5], detector=WDiscOOD()).fit(X, y)
    assert all(isinstance(d, WDiscOOD) for d in ensemble.detectors_)
    with pytest.raises(ValueError, match="summing"):
        LayerEnsembleOOD(layers=[4, 4]).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        LayerEnsembleOOD(layers=[4, 5]).fit(X, y, X_outlier=X_ood[:, :5])
    # y=None is one class (issue 14): each layer's detector fits one class
    unlabelled = LayerEnsembleOOD(layers=[4, 5]).fit(X)
    one_class = LayerEnsembleOOD(layers=[4, 5]).fit(X, np.zeros(len(X)))
    np.testing.assert_allclose(unlabelled.score_samples(X_ood),
                               one_class.score_samples(X_ood), rtol=1e-12)
