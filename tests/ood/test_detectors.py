"""OOD detectors against literal transcriptions of the official recipes."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.covariance import EmpiricalCovariance, MinCovDet
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lowdim.datasets import WORDNET_IN_DISTRIBUTION, load_wordnet_embeddings
from sklearn_lowdim.metrics import ood_auroc
from sklearn_lowdim.ood import MahalanobisOOD, WDiscOOD


def classes_data(n_per_class=60, d=8, n_classes=4, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (n_classes, d))
    mixing = rng.normal(size=(d, d))
    X = np.vstack([rng.normal(size=(n_per_class, d)) @ mixing + c for c in centres])
    y = np.repeat(np.arange(n_classes), n_per_class)
    return X, y


def official_mahalanobis(X_train, y, X_test):
    """Lee et al.'s recipe written out: means, MLE of centred rows, pinv, min."""
    classes = np.unique(y)
    means = np.array([X_train[y == c].mean(axis=0) for c in classes])
    centred = X_train - means[np.searchsorted(classes, y)]
    precision = EmpiricalCovariance(assume_centered=False).fit(centred).precision_
    d2 = np.stack([np.einsum("ij,jk,ik->i", X_test - m, precision, X_test - m)
                   for m in means], axis=1)
    return -d2.min(axis=1), d2


def official_relative(X_train, y, X_test):
    score, d2 = official_mahalanobis(X_train, y, X_test)
    mu0 = X_train.mean(axis=0)
    p0 = EmpiricalCovariance().fit(X_train).precision_
    d0 = np.einsum("ij,jk,ik->i", X_test - mu0, p0, X_test - mu0)
    return -(d2 - d0[:, None]).min(axis=1)


def official_wdisc(X_train, y, X_test, num_disc, w=1.0, alpha=1e-5):
    """The official WDiscOOD fit and score, transcribed (vectorised)."""
    classes = np.unique(y)
    means = np.array([X_train[y == c].mean(axis=0) for c in classes])
    centred = X_train - means[np.searchsorted(classes, y)]
    P = EmpiricalCovariance(assume_centered=True).fit(centred).precision_
    eigvals, V = np.linalg.eig(P)
    Wz = (V * np.sqrt(eigvals.real)) @ V.T  # ZCA whitening
    Xw, Tw = X_train @ Wz.real, X_test @ Wz.real
    mu = Xw.mean(axis=0)
    mu_c = np.array([Xw[y == c].mean(axis=0) for c in classes])
    Sw = np.cov((Xw - mu_c[np.searchsorted(classes, y)]).T, bias=True)
    Sb = sum(np.outer(m - mu, m - mu) for m in mu_c) / len(classes)
    ratio, disc = np.linalg.eig(np.linalg.inv(Sw + alpha * np.eye(len(Sw))) @ Sb)
    order = np.argsort(-ratio.real)
    G = disc.real.T[order][:num_disc]
    _, _, B = np.linalg.svd(G, full_matrices=False)
    H = np.eye(len(Sw)) - B.T @ B
    s_disc = -np.min(np.linalg.norm((Tw @ G.T)[:, None, :] - (mu_c @ G.T)[None],
                                    axis=2), axis=1)
    s_res = -np.linalg.norm((Tw - mu) @ H.T, axis=1)
    return s_disc + w * s_res


def test_mahalanobis_reproduces_official_recipe():
    X, y = classes_data()
    X_test = np.random.default_rng(1).normal(0, 4, (50, 8))
    expected, d2 = official_mahalanobis(X, y, X_test)
    detector = MahalanobisOOD().fit(X, y)
    np.testing.assert_allclose(detector.score_samples(X_test), expected, rtol=1e-8)
    np.testing.assert_allclose(detector.class_distances(X_test), d2, rtol=1e-8)


def test_relative_mahalanobis_reproduces_official_recipe():
    X, y = classes_data(seed=2)
    X_test = np.random.default_rng(3).normal(0, 4, (50, 8))
    detector = MahalanobisOOD(relative=True).fit(X, y)
    np.testing.assert_allclose(detector.score_samples(X_test),
                               official_relative(X, y, X_test), rtol=1e-8,
                               atol=1e-8)


@pytest.mark.parametrize("w", [0.0, 1.0, 5.0])
# (10, 5): the discriminant span is the smaller part of the whitened space;
# (6, 6): its complement is, which the scorer then uses to split the norm.
@pytest.mark.parametrize("d, n_classes", [(10, 5), (6, 6)])
def test_wdisc_reproduces_official_algorithm(w, d, n_classes):
    X, y = classes_data(n_per_class=80, d=d, n_classes=n_classes, seed=4)
    X_test = np.random.default_rng(5).normal(0, 4, (40, d))
    detector = WDiscOOD(residual_weight=w).fit(X, y)
    assert detector.n_discriminants_ == n_classes - 1
    np.testing.assert_allclose(
        detector.score_samples(X_test),
        official_wdisc(X, y, X_test, n_classes - 1, w), rtol=1e-6)


def test_empirical_mahalanobis_is_affine_invariant_and_class_permutation_invariant():
    X, y = classes_data(seed=6)
    X_test = np.random.default_rng(7).normal(0, 4, (30, 8))
    A = np.random.default_rng(8).normal(size=(8, 8))
    b = np.arange(8.0)
    base = MahalanobisOOD().fit(X, y).score_samples(X_test)
    moved = MahalanobisOOD().fit(X @ A + b, y).score_samples(X_test @ A + b)
    np.testing.assert_allclose(moved, base, rtol=1e-6)
    relabelled = MahalanobisOOD().fit(X, (y + 2) % 4).score_samples(X_test)
    np.testing.assert_allclose(relabelled, base, rtol=1e-10)
    wdisc = WDiscOOD().fit(X, y).score_samples(X_test)
    np.testing.assert_allclose(WDiscOOD().fit(X, (y + 1) % 4).score_samples(X_test),
                               wdisc, rtol=1e-8)


def test_partial_fit_equals_fit():
    X, y = classes_data(seed=9)
    full = MahalanobisOOD(relative=True).fit(X, y)
    stream = MahalanobisOOD(relative=True)
    order = np.random.default_rng(0).permutation(len(X))
    for chunk in np.array_split(order, 5):
        stream.partial_fit(X[chunk], y[chunk], classes=np.unique(y))
    np.testing.assert_allclose(stream.means_, full.means_, rtol=1e-10)
    np.testing.assert_allclose(stream.covariance_, full.covariance_, rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(stream.score_samples(X), full.score_samples(X),
                               rtol=1e-8)
    with pytest.raises(ValueError, match="not among the classes"):
        stream.partial_fit(X[:3], np.array([9, 9, 9]))


@pytest.mark.parametrize("covariance", ["ledoit_wolf", "oas", 0.3])
def test_shrunk_covariances_match_sklearn_on_class_centred_rows(covariance):
    from sklearn.covariance import OAS, LedoitWolf, ShrunkCovariance

    X, y = classes_data(seed=10)
    detector = MahalanobisOOD(covariance=covariance).fit(X, y)
    centred = X - detector.means_[y]
    reference = {"ledoit_wolf": LedoitWolf(), "oas": OAS(),
                 0.3: ShrunkCovariance(shrinkage=0.3)}[covariance].fit(centred)
    np.testing.assert_allclose(detector.covariance_, reference.covariance_,
                               rtol=1e-8)


def test_covariance_estimator_object_and_l2_normalize():
    X, y = classes_data(seed=11)
    detector = MahalanobisOOD(covariance=MinCovDet(random_state=0)).fit(X, y)
    assert detector.covariance_.shape == (8, 8)
    scaled = MahalanobisOOD(normalize="l2").fit(X * 7.0, y).score_samples(X)
    plain = MahalanobisOOD(normalize="l2").fit(X, y).score_samples(X)
    np.testing.assert_allclose(scaled, plain, rtol=1e-8)


def test_outlier_api_with_labels_and_thresholds():
    X, y = classes_data(n_per_class=100, seed=12)
    for detector in (MahalanobisOOD(contamination=0.1), WDiscOOD(contamination=0.1)):
        labels = detector.fit_predict(X, y)
        assert set(np.unique(labels)) <= {-1, 1}
        np.testing.assert_allclose(detector.decision_function(X),
                                   detector.score_samples(X) - detector.offset_)
        assert abs(np.mean(labels == -1) - 0.1) <= 0.01
        X_val = classes_data(n_per_class=100, seed=13)[0]
        detector.set_threshold(X_val, tpr=0.9)
        assert np.mean(detector.predict(X_val) == 1) >= 0.9


def test_wordnet_auroc():
    wn = load_wordnet_embeddings()
    names = np.asarray(wn.target_names)[wn.target]
    inside = np.isin(names, WORDNET_IN_DISTRIBUTION)
    X_train, X_test, y_train, _ = train_test_split(
        wn.data[inside], names[inside], test_size=0.3, random_state=0
    )
    X_ood = wn.data[~inside]
    maha = MahalanobisOOD().fit(X_train, y_train)
    auroc = ood_auroc(maha.score_samples(X_test), maha.score_samples(X_ood))
    wdisc = WDiscOOD().fit(X_train, y_train)
    auroc_w = ood_auroc(wdisc.score_samples(X_test), wdisc.score_samples(X_ood))
    assert auroc >= 0.95
    assert auroc_w >= auroc - 0.005


def test_float32_close_to_float64():
    X, y = classes_data(seed=14)
    s64 = MahalanobisOOD().fit(X, y).score_samples(X)
    X32 = X.astype(np.float32)
    copy = X32.copy()
    s32 = MahalanobisOOD().fit(X32, y).score_samples(X32)
    np.testing.assert_array_equal(X32, copy)
    np.testing.assert_allclose(s32, s64, rtol=1e-3, atol=1e-3)


def test_bad_input():
    X, y = classes_data(seed=15)
    # y=None is one class (issue 14): the same model as constant labels
    for detector in (MahalanobisOOD(), WDiscOOD()):
        unlabelled = clone(detector).fit(X).score_samples(X)
        constant = clone(detector).fit(X, np.zeros(len(X))).score_samples(X)
        np.testing.assert_allclose(unlabelled, constant, rtol=1e-12)
    with pytest.raises(ValueError, match="at least two classes"):
        MahalanobisOOD(relative=True).fit(X)
    bad = X.copy()
    bad[0, 0] = np.inf
    with pytest.raises(ValueError):
        MahalanobisOOD().fit(bad, y)
    detector = MahalanobisOOD().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        detector.score_samples(X[:, :3])
    with pytest.raises(ValueError, match="tpr"):
        detector.set_threshold(X, tpr=0)


def test_zero_variance_feature_is_handled_without_nan():
    from sklearn_lowdim.covariance import SingularCovarianceWarning

    X, y = classes_data(seed=16)
    X[:, 3] = 1.0
    X[:, 5] = 2.0
    with pytest.warns(SingularCovarianceWarning, match=r"\[3, 5\] have zero") as rec:
        WDiscOOD().fit(X, y).score_samples(X)
    assert len([w for w in rec if "zero variance" in str(w.message)]) == 1
    X[:, 5] = np.random.default_rng(0).normal(size=len(X))
    shrunk = MahalanobisOOD(covariance="ledoit_wolf").fit(X, y)
    assert np.all(np.isfinite(shrunk.score_samples(X)))
    detector = MahalanobisOOD().fit(X, y)  # pinv drops the constant direction
    assert detector.whitener_.rank_ == 7
    assert np.all(np.isfinite(detector.score_samples(X)))


def test_pipeline_clone_pickle():
    X, y = classes_data(seed=17)
    pipe = make_pipeline(StandardScaler(), WDiscOOD()).fit(X, y)
    restored = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(restored.predict(X), pipe.predict(X))
    assert clone(MahalanobisOOD(relative=True)).relative


@pytest.mark.parametrize("d, n_classes", [(10, 5), (6, 6)])
def test_wdisc_score_components_from_its_fitted_projections(d, n_classes):
    X, y = classes_data(n_per_class=80, d=d, n_classes=n_classes, seed=11)
    X_test = np.random.default_rng(12).normal(0, 4, (30, d))
    det = WDiscOOD(residual_weight=2.5).fit(X, y)
    disc, resid = det.score_components(X_test)
    # brute force from the fitted maps: whitened rows, discriminant coordinates
    centred = X_test - det.location_
    whitened = centred @ det.whitener_.W_
    coords = centred @ det.discriminants_
    centres = (det.means_ - det.location_) @ det.discriminants_
    expected_disc = -np.min(np.linalg.norm(coords[:, None] - centres[None], axis=2),
                            axis=1)
    expected_resid = -np.sqrt(np.maximum(
        (whitened**2).sum(1) - (coords**2).sum(1), 0.0))
    np.testing.assert_allclose(disc, expected_disc, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(resid, expected_resid, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(det.score_samples(X_test), disc + 2.5 * resid,
                               rtol=1e-12)


@pytest.mark.parametrize("make", ["MahalanobisOOD", "WDiscOOD", "KNNOOD", "ResidualOOD",
                                  "ViM", "RobustMahalanobis", "LayerEnsembleOOD"])
def test_set_threshold_keeps_the_requested_fraction_on_every_detector(make):
    from sklearn_lowdim import ood

    X, y = classes_data(n_per_class=100, seed=12)
    kwargs = {"layers": [3, 5]} if make == "LayerEnsembleOOD" else {}
    detector = getattr(ood, make)(**kwargs).fit(X, y)
    X_val = classes_data(n_per_class=100, seed=13)[0]
    scores = detector.score_samples(X_val)
    for tpr in (0.5, 0.9, 1.0):
        detector.set_threshold(X_val, tpr=tpr)
        # numpy's 'lower' quantile: the order statistic at floor((1 - tpr)(n - 1))
        expected = np.sort(scores)[int(np.floor((1 - tpr) * (scores.size - 1)))]
        assert detector.offset_ == expected
        assert np.mean(detector.predict(X_val) == 1) >= tpr
