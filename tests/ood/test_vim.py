"""ResidualOOD and ViM against a NumPy transcription of the official recipe."""

import numpy as np
import pytest
from numpy.linalg import norm, pinv
from scipy.special import logsumexp
from sklearn.covariance import EmpiricalCovariance
from sklearn.linear_model import LogisticRegression

from sklearn_lowdim.ood import ResidualOOD, ViM
from sklearn_lowdim.ood._vim import principal_dimension


def official(feature_id_train, w, b, feature_test, DIM):
    """haoqiwang/vim benchmark.py, the ViM and Residual blocks, written out."""
    u = -np.matmul(pinv(w), b)
    ec = EmpiricalCovariance(assume_centered=True)
    ec.fit(feature_id_train - u)
    eig_vals, eigen_vectors = np.linalg.eig(ec.covariance_)
    eig_vals, eigen_vectors = eig_vals.real, eigen_vectors.real
    NS = np.ascontiguousarray((eigen_vectors.T[np.argsort(eig_vals * -1)[DIM:]]).T)
    logit_id_train = feature_id_train @ w.T + b
    vlogit_id_train = norm(np.matmul(feature_id_train - u, NS), axis=-1)
    alpha = logit_id_train.max(axis=-1).mean() / vlogit_id_train.mean()
    residual = norm(np.matmul(feature_test - u, NS), axis=-1)
    energy = logsumexp(feature_test @ w.T + b, axis=-1)
    return energy - alpha * residual, -residual


def data(n=400, d=12, n_classes=5, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    scales = np.linspace(3.0, 0.2, d)  # a distinct spectrum
    X = rng.normal(size=(n, d)) * scales + 2.0 * np.eye(d)[y]
    W = rng.normal(size=(n_classes, d))
    b = rng.normal(size=n_classes)
    T = np.vstack([X[:50] + 0.1, rng.normal(size=(50, d)) * 3])
    return X, y, W, b, T


@pytest.mark.parametrize("D", ["auto", 3, 9])
def test_vim_and_residual_match_the_official_recipe(D):
    X, y, W, b, T = data()
    dim = principal_dimension(X.shape[1]) if D == "auto" else D
    vim_score, residual_score = official(X, W, b, T, dim)
    vim = ViM(n_components=D, head=(W, b)).fit(X)
    np.testing.assert_allclose(vim.score_samples(T), vim_score, rtol=1e-9, atol=1e-9)
    residual = ResidualOOD(n_components=D, head=(W, b)).fit(X)
    np.testing.assert_allclose(residual.score_samples(T), residual_score,
                               rtol=1e-9, atol=1e-9)


def test_fitted_classifier_heads():
    X, y, _, _, T = data()
    clf = LogisticRegression(max_iter=500).fit(X, y)
    expected, _ = official(X, clf.coef_, clf.intercept_, T, 6)
    np.testing.assert_allclose(ViM(head=clf).fit(X).score_samples(T), expected,
                               rtol=1e-9)
    # head=None fits the same probe on the labels
    np.testing.assert_allclose(ViM().fit(X, y).score_samples(T), expected, rtol=1e-6)
    # a binary classifier's single row becomes logits [0, w.x + b]
    binary = LogisticRegression().fit(X, y % 2)
    W2 = np.vstack([np.zeros(X.shape[1]), binary.coef_])
    expected2, _ = official(X, W2, np.r_[0.0, binary.intercept_], T, 6)
    np.testing.assert_allclose(ViM(head=binary).fit(X).score_samples(T), expected2,
                               rtol=1e-9)


def test_residual_without_head_is_the_pca_residual():
    X, _, _, _, T = data()
    mean = X.mean(axis=0)
    _, _, Vt = np.linalg.svd(X - mean, full_matrices=False)  # another route
    top = Vt[:4].T
    centred = T - mean
    expected = -norm(centred - centred @ top @ top.T, axis=1)
    detector = ResidualOOD(n_components=4).fit(X)
    np.testing.assert_allclose(detector.score_samples(T), expected, rtol=1e-8)
    # ViM without a head and without labels falls back to it, with a warning
    with pytest.warns(UserWarning, match="neither a head"):
        vim = ViM(n_components=4).fit(X)
    np.testing.assert_allclose(vim.score_samples(T), expected, rtol=1e-8)


@pytest.mark.parametrize("d, expected", [(4096, 1000), (2048, 1000), (2047, 512),
                                         (768, 512), (767, 383), (384, 192),
                                         (1, 0)])
def test_dimension_rule(d, expected):
    assert principal_dimension(d) == expected


def test_float32_rows_and_calibration():
    X, y, W, b, T = data()
    full = ViM(head=(W, b)).fit(X)
    single = ViM(head=(W, b)).fit(X.astype(np.float32))
    np.testing.assert_allclose(single.score_samples(T.astype(np.float32)),
                               full.score_samples(T), rtol=1e-4, atol=1e-4)
    calibrated = ViM(head=(W, b), calibration=0.25, random_state=0).fit(X)
    assert calibrated.calibration_scores_.shape == (100,)
    assert calibrated.pvalues(T).min() >= 1 / 101


@pytest.mark.parametrize("kwargs, match", [
    ({"head": (np.ones((3, 5)), np.ones(3))}, "5 input features"),
    ({"head": "linear"}, "head must be"),
    ({"head": (np.full((3, 12), np.nan), np.ones(3))}, "NaN"),
    ({"n_components": 12}, "n_features=12"),
])
def test_bad_parameters(kwargs, match):
    X, y, *_ = data()
    with pytest.raises(ValueError, match=match):
        ViM(**kwargs).fit(X, y)


@pytest.mark.parametrize("namespace", ["array_api_strict", "torch"])
@pytest.mark.parametrize("make", [lambda h: ResidualOOD(4), lambda h: ViM(head=h),
                                  lambda h: ResidualOOD(head=h)])
def test_array_api_scores_stay_in_namespace(namespace, make):
    import sklearn

    xp = pytest.importorskip(namespace)
    X, y, W, b, T = data()
    detector = make((W, b)).fit(X)
    with sklearn.config_context(array_api_dispatch=True):
        scores = detector.score_samples(xp.asarray(T))
        decision = detector.decision_function(xp.asarray(T))
    assert type(scores).__module__.split(".")[0] == namespace
    np.testing.assert_allclose(np.asarray(scores), detector.score_samples(T),
                               rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(np.asarray(decision), detector.decision_function(T),
                               rtol=1e-9, atol=1e-9)


# ----------------------------------------------------------- sample_weight
@pytest.mark.parametrize("make", [lambda h: ResidualOOD(4), lambda h: ViM(head=h),
                                  lambda h: ResidualOOD(head=h)])
def test_integer_weights_are_repeated_rows(make):
    X, y, W, b, T = data()
    w = np.random.default_rng(1).integers(0, 4, len(X)).astype(float)
    counts = w.astype(int)
    weighted = make((W, b)).fit(X, y, sample_weight=w)
    plain = make((W, b)).fit(np.repeat(X, counts, axis=0), np.repeat(y, counts))
    tol = 1e-9
    np.testing.assert_allclose(weighted.score_samples(T), plain.score_samples(T),
                               rtol=tol, atol=tol)
    assert weighted.offset_ == pytest.approx(plain.offset_, rel=tol, abs=tol)
    np.testing.assert_allclose(weighted.eigenvalues_, plain.eigenvalues_,
                               rtol=1e-9, atol=1e-12)
    if isinstance(weighted, ViM) and weighted.head is not None:
        assert weighted.alpha_ == pytest.approx(plain.alpha_, rel=1e-10)


def test_probe_head_gets_the_weights():
    X, y, *_ = data()
    w = np.random.default_rng(3).integers(0, 4, len(X)).astype(float)
    probe = LogisticRegression(max_iter=1000).fit(X, y, sample_weight=w)
    vim = ViM().fit(X, y, sample_weight=w)
    np.testing.assert_allclose(vim.coef_, probe.coef_, rtol=1e-8, atol=1e-10)
    assert not np.allclose(vim.coef_, ViM().fit(X, y).coef_)


def test_weighted_official_recipe():
    """The official recipe on the repeated rows, against fractional-free weights
    scaled: weights multiplied by a constant give the same detector."""
    X, y, W, b, T = data()
    w = np.random.default_rng(2).integers(1, 3, len(X)).astype(float)
    expected, _ = official(np.repeat(X, w.astype(int), axis=0), W, b, T, 6)
    for scale in (1.0, 0.25):
        got = ViM(head=(W, b)).fit(X, sample_weight=scale * w).score_samples(T)
        np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("Detector", [ResidualOOD, ViM])
def test_weight_validation_and_verbose(Detector, capsys):
    X, y, W, b, _ = data(n=40)
    with pytest.raises(ValueError, match="sample_weight has negative"):
        Detector(head=(W, b)).fit(X, sample_weight=np.r_[-1.0, np.ones(39)])
    with pytest.raises(ValueError, match="(?i)weight.*(zero|non-zero)"):
        Detector(head=(W, b)).fit(X, sample_weight=np.zeros(40))
    Detector(head=(W, b)).fit(X)
    assert capsys.readouterr().err == ""
    Detector(head=(W, b), verbose=1).fit(X)
    err = capsys.readouterr().err
    assert f"[{Detector.__name__}]" in err and "statistics" in err and "done" in err


# ------------------------------------------------------------- magnitudes
@pytest.mark.parametrize("scale", [2.0**-1000, 1e-300, 1e300, 2.0**1000])
def test_extreme_magnitudes_give_the_scaled_answer(scale):
    """Regression (issue 14): data near 1e300 crashed in eigh (LinAlgError)."""
    X, y, W, b, T = data()
    reference = ResidualOOD(n_components=4).fit(X)
    huge = ResidualOOD(n_components=4).fit(X * scale)
    # the residual norm is equivariant to scaling
    np.testing.assert_allclose(huge.score_samples(T * scale),
                               reference.score_samples(T) * scale, rtol=1e-9)
    np.testing.assert_array_equal(huge.predict(T * scale), reference.predict(T))
    assert huge.scale_ != 1.0
    np.testing.assert_allclose(huge.eigenvalues_ * (huge.scale_ / scale) ** 2,
                               reference.eigenvalues_, rtol=1e-9)
    np.testing.assert_allclose(huge.origin_, reference.origin_ * scale, rtol=1e-9)
    # ViM: the head sees the scaled rows through a scaled-down coef
    vim = ViM(n_components=4, head=(W / scale, b)).fit(X * scale)
    expected = ViM(n_components=4, head=(W, b)).fit(X).score_samples(T)
    np.testing.assert_allclose(vim.score_samples(T * scale), expected, rtol=1e-9)


def test_residual_norms_beyond_float64_raise():
    X, *_ = data()
    detector = ResidualOOD(n_components=4).fit(X * 1e300)
    with pytest.raises(ValueError, match="overflows float64"):
        detector.score_samples(np.full((1, X.shape[1]), 1.7e308))


def test_rank_deficient_fit_stops_at_the_rank():
    """n < d: beyond the rank the subspace is not unique; D stops there."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 12))
    detector = ResidualOOD(n_components=8).fit(X)
    assert detector.n_components_ == 4  # 5 rows about their mean: rank 4
    assert np.all(detector.score_samples(X) == 0)  # fit rows lie in the span
    T = rng.normal(size=(3, 12))
    centred = T - X.mean(axis=0)
    _, _, Vt = np.linalg.svd(X - X.mean(axis=0), full_matrices=False)
    span = Vt[:4].T
    np.testing.assert_allclose(detector.score_samples(T),
                               -norm(centred - centred @ span @ span.T, axis=1),
                               rtol=1e-9)
