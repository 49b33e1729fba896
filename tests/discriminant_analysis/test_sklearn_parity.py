"""scikit-learn's discriminant-analysis tests, run on GaussianDiscriminantAnalysis.

Adapted from ``sklearn/tests/test_discriminant_analysis.py`` (scikit-learn 1.8):
``covariance_type="tied"`` where the original tests ``LinearDiscriminantAnalysis``,
``"full"`` where it tests ``QuadraticDiscriminantAnalysis``, and scikit-learn's own
estimator as the reference wherever a number is compared. Each test names the
original it adapts. Not adapted, because they test an API GDA does not have:
the ``solver`` choice and its errors (``NotImplementedError`` for svd+shrinkage,
lsqr ``transform``), ``store_covariance``, QDA's ``rotations_``/``scalings_``
and ``reg_param``, the private ``_cov``. The last block tests the five behaviours
where GDA differed from scikit-learn (issue 14); all five hold on main since the
GDA hardening (7e516ec).
"""

import warnings

import numpy as np
import pytest
from numpy.testing import (
    assert_allclose,
    assert_almost_equal,
    assert_array_almost_equal,
    assert_array_equal,
)
from sklearn.cluster import KMeans
from sklearn.covariance import EmpiricalCovariance, ShrunkCovariance
from sklearn.datasets import make_blobs
from sklearn.discriminant_analysis import (
    LinearDiscriminantAnalysis,
    QuadraticDiscriminantAnalysis,
)
from sklearn.model_selection import ShuffleSplit, cross_val_score

from sklearn_lowdim.covariance import SingularCovarianceWarning
from sklearn_lowdim.discriminant_analysis import GaussianDiscriminantAnalysis as GDA

# The data of scikit-learn's tests.
X = np.array([[-2, -1], [-1, -1], [-1, -2], [1, 1], [1, 2], [2, 1]], dtype="f")
y = np.array([1, 1, 1, 2, 2, 2])
y3 = np.array([1, 1, 2, 2, 3, 3])
X1 = np.array([[-2], [-1], [-1], [1], [1], [2]], dtype="f")
X6 = np.array(
    [[0, 0], [-2, -2], [-2, -1], [-1, -1], [-1, -2], [1, 3], [1, 2], [2, 1], [2, 2]]
)
y6 = np.array([1, 1, 1, 1, 1, 2, 2, 2, 2])
y7 = np.array([1, 2, 3, 2, 3, 1, 2, 3, 1])
X7 = np.array([[-3], [-2], [-1], [-1], [0], [1], [1], [2], [3]])
X2 = np.array(
    [[-3, 0], [-2, 0], [-1, 0], [-1, 0], [0, 0], [1, 0], [1, 0], [2, 0], [3, 0]]
)
y4 = np.array([1, 1, 1, 1, 1, 1, 1, 1, 2])

# LDA's (solver, shrinkage) grid, as GDA parameters.
TIED = [
    {},
    {"shrinkage": "ledoit_wolf", "shrinkage_scope": "per_class_standardized"},
    {"shrinkage": 0.0},
    {"shrinkage": 0.43},
]


@pytest.mark.parametrize("params", TIED, ids=str)
def test_lda_predict(params):
    # test_lda_predict
    clf = GDA(**params)
    assert_array_equal(clf.fit(X, y).predict(X), y)
    assert_array_equal(clf.fit(X1, y).predict(X1), y)
    proba = clf.predict_proba(X1)
    assert_array_equal((proba[:, 1] > 0.5) + 1, y)
    assert_allclose(np.exp(clf.predict_log_proba(X1)), proba, rtol=1e-6, atol=1e-6)
    assert np.any(clf.fit(X, y3).predict(X) != y3)


def test_lda_estimator_and_shrinkage_exclude_each_other():
    # test_lda_predict
    clf = GDA(shrinkage=0.1, covariance_estimator=ShrunkCovariance())
    with pytest.raises(ValueError, match="shrinkage"):
        clf.fit(X, y)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_lda_predict_proba(n_classes):
    # test_lda_predict_proba: posteriors against the closed form (ESL 4.4.5)
    rng = np.random.RandomState(42)
    centres = np.array([[0, 0], [-10, 40], [-30, 30]])[:n_classes]
    cov = np.array([[10, 10], [10, 100]])
    size = 90000 // n_classes
    Xb = np.vstack([rng.multivariate_normal(c, cov, size=size) for c in centres])
    yb = np.repeat(np.arange(n_classes), size)
    gda = GDA().fit(Xb, yb)
    assert_allclose(gda.means_, centres, atol=1e-1)
    assert_allclose(gda.covariance_, cov, atol=1)
    precision = np.linalg.inv(cov)
    sample = np.array([-22.0, 22.0])
    logits = [
        precision @ (c - centres[-1]) @ (sample - (c + centres[-1]) / 2)
        for c in centres
    ]
    expected = np.exp(logits) / np.exp(logits).sum()
    assert_allclose(gda.predict_proba(sample[None]), expected[None], atol=1e-2)


def test_lda_priors():
    # test_lda_priors
    with pytest.raises(ValueError, match="priors"):
        GDA(priors=np.array([0.5, -0.5])).fit(X, y)
    GDA(priors=[0.5, 0.5]).fit(X, y)
    clf = GDA(priors=np.array([0.5, 0.6]))
    with pytest.warns(UserWarning):
        clf.fit(X, y)
    assert_array_almost_equal(clf.priors_, [0.45, 0.55], 2)


def test_lda_coefs():
    # test_lda_coefs, with LDA as the reference
    Xb, yb = make_blobs(n_samples=1000, n_features=2, centers=2, random_state=11)
    ref = LinearDiscriminantAnalysis().fit(Xb, yb)
    gda = GDA().fit(Xb, yb)
    assert_array_almost_equal(gda.coef_, ref.coef_)
    assert_array_almost_equal(gda.intercept_, ref.intercept_)


def test_lda_transform_and_solver_agreement():
    # test_lda_transform, test_lda_solver_agreement
    gda = GDA(n_components=1).fit(X, y)
    assert gda.transform(X).shape[1] == 1
    ref = LinearDiscriminantAnalysis(n_components=1).fit(X, y)
    assert_allclose(np.abs(gda.transform(X)), np.abs(ref.transform(X)), rtol=1e-5)
    assert_allclose(gda.decision_function(X), ref.decision_function(X), rtol=1e-5)


def test_lda_explained_variance_ratio():
    # test_lda_explained_variance_ratio
    state = np.random.RandomState(0)
    Xr = state.normal(loc=0, scale=100, size=(40, 20))
    yr = state.randint(0, 3, size=(40,))
    gda = GDA().fit(Xr, yr)
    assert_almost_equal(gda.explained_variance_ratio_.sum(), 1.0, 3)
    assert gda.explained_variance_ratio_.shape == (2,)
    ref = LinearDiscriminantAnalysis().fit(Xr, yr)
    assert_array_almost_equal(
        gda.explained_variance_ratio_, ref.explained_variance_ratio_
    )


def test_lda_orthogonality():
    # test_lda_orthogonality
    means = np.array([[0, 0, -1], [0, 2, 0], [0, -2, 0], [0, 0, 5]])
    scatter = np.array(
        [[0.1, 0, 0], [-0.1, 0, 0], [0, 0.1, 0], [0, -0.1, 0], [0, 0, 0.1],
         [0, 0, -0.1]]
    )  # fmt: skip
    Xo = (means[:, None, :] + scatter[None, :, :]).reshape((-1, 3))
    yo = np.repeat(np.arange(4), 6)
    gda = GDA().fit(Xo, yo)
    m = gda.transform(means)
    d1, d2 = m[3] - m[0], m[2] - m[1]
    d1, d2 = d1 / np.linalg.norm(d1), d2 / np.linalg.norm(d2)
    t = gda.transform(scatter)
    assert_almost_equal(np.cov(t.T, bias=True), np.eye(t.shape[1]))
    assert_almost_equal(np.abs(d1[:2] @ [1, 0]), 1.0)
    assert_almost_equal(np.abs(d2[:2] @ [0, 1]), 1.0)


def test_lda_scaling():
    # test_lda_scaling: features in units 1, 100, 10000 separate perfectly
    rng = np.random.RandomState(1234)
    x1 = rng.uniform(-1, 1, (100, 3)) + [-10, 0, 0]
    x2 = rng.uniform(-1, 1, (100, 3)) + [10, 0, 0]
    xs = np.vstack((x1, x2)) * [1, 100, 10000]
    ys = [-1] * 100 + [1] * 100
    assert GDA().fit(xs, ys).score(xs, ys) == 1.0


def test_lda_covariance():
    # test_lda_store_covariance (GDA always keeps covariance_)
    gda = GDA().fit(X6, y6)
    assert_array_almost_equal(
        gda.covariance_, [[0.422222, 0.088889], [0.088889, 0.533333]]
    )


@pytest.mark.parametrize("seed", range(3))
def test_lda_shrinkage(seed):
    # test_lda_shrinkage, and LDA(lsqr, shrinkage=0.5) as the reference
    rng = np.random.RandomState(seed)
    Xs, ys = rng.rand(100, 10), rng.randint(3, size=100)
    c1 = GDA(shrinkage=0.5).fit(Xs, ys)
    c2 = GDA(covariance_estimator=ShrunkCovariance(shrinkage=0.5)).fit(Xs, ys)
    assert_allclose(c1.means_, c2.means_)
    assert_allclose(c1.covariance_, c2.covariance_)
    ref = LinearDiscriminantAnalysis(solver="lsqr", shrinkage=0.5).fit(Xs, ys)
    assert_allclose(c1.covariance_, ref.covariance_)


def test_lda_ledoitwolf():
    # test_lda_ledoitwolf: LDA's shrinkage="auto" standardises each class
    rng = np.random.RandomState(0)
    Xs, ys = rng.rand(100, 10), rng.randint(3, size=100)
    gda = GDA(shrinkage="ledoit_wolf", shrinkage_scope="per_class_standardized")
    ref = LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto").fit(Xs, ys)
    assert_allclose(gda.fit(Xs, ys).covariance_, ref.covariance_)


@pytest.mark.parametrize("n_features", [3, 5])
@pytest.mark.parametrize("n_classes", [5, 3])
def test_lda_dimension_warning(n_classes, n_features):
    # test_lda_dimension_warning
    Xd = np.random.RandomState(0).randn(10, n_features)
    yd = np.tile(range(n_classes), 10 // n_classes + 1)[:10]
    top = min(n_features, n_classes - 1)
    for n_components in [top - 1, None, top]:
        if n_components != 0:
            GDA(n_components=n_components).fit(Xd, yd).transform(Xd)
    for n_components in [top + 1, max(n_features, n_classes - 1) + 1]:
        with pytest.raises(ValueError, match="n_components"):
            GDA(n_components=n_components).fit(Xd, yd).transform(Xd)


@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.int64])
def test_lda_dtype_match(dtype):
    # test_lda_dtype_match (float32: see test_float32_stays_float32)
    for params in TIED:
        gda = GDA(**params).fit(X.astype(dtype), y.astype(dtype))
        assert gda.coef_.dtype == np.float64


def test_lda_numeric_consistency_float32_float64():
    # test_lda_numeric_consistency_float32_float64
    for params in TIED:
        c32 = GDA(**params).fit(X.astype(np.float32), y)
        c64 = GDA(**params).fit(X.astype(np.float64), y)
        assert_allclose(c32.coef_, c64.coef_, rtol=1e-6)


def test_qda():
    # test_qda
    clf = GDA(covariance_type="full")
    assert_array_equal(clf.fit(X6, y6).predict(X6), y6)
    assert_array_equal(clf.fit(X7, y6).predict(X7), y6)
    proba = clf.predict_proba(X7)
    assert_array_equal((proba[:, 1] > 0.5) + 1, y6)
    assert_array_almost_equal(np.exp(clf.predict_log_proba(X7)), proba, 8)
    assert np.any(clf.fit(X6, y7).predict(X6) != y7)


def test_qda_priors():
    # test_qda_priors
    n_pos = np.sum(GDA(covariance_type="full").fit(X, y).predict(X) == 2)
    neg = 1e-30
    clf = GDA(covariance_type="full", priors=np.array([neg, 1 - neg]))
    assert np.sum(clf.fit(X, y).predict(X) == 2) > n_pos


@pytest.mark.parametrize("container", [list, tuple, np.asarray])
def test_qda_prior_type(container):
    # test_qda_prior_type
    clf = GDA(covariance_type="full", priors=container([0.5, 0.5])).fit(X6, y6)
    assert isinstance(clf.priors_, np.ndarray)
    assert_array_equal(clf.priors_, [0.5, 0.5])


def test_qda_covariance():
    # test_qda_store_covariance
    clf = GDA(covariance_type="full").fit(X6, y6)
    for k, label in enumerate([1, 2]):
        expected = EmpiricalCovariance().fit(X6[y6 == label]).covariance_
        assert_array_almost_equal(clf.covariance_[k], expected)


def test_qda_regularization():
    # test_qda_regularization: a constant feature. QDA raises LinAlgError; GDA
    # floors the covariance and says so, and a ridge removes the warning.
    clf = GDA(covariance_type="full")
    with pytest.warns(SingularCovarianceWarning):
        clf.fit(X2, y6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf = GDA(covariance_type="full", reg_covar=0.01).fit(X2, y6)
    assert_array_equal(clf.predict(X2), y6)


def test_qda_shrinkage_performance():
    # test_qda_shrinkage_performance: shrinkage pays when n_k is small vs d
    rng = np.random.default_rng(0)
    d = 25
    v1, v2 = rng.uniform(2.0, 3.0, d), rng.uniform(0.2, 1.0, d)
    Xq = np.vstack([rng.normal(size=(500, d)) * np.sqrt(v1),
                    rng.normal(size=(500, d)) * np.sqrt(v2)])  # fmt: skip
    yq = np.repeat([0, 1], 500)
    cv = ShuffleSplit(n_splits=5, train_size=100, random_state=0)
    shrunk = GDA(covariance_type="full", shrinkage="ledoit_wolf")
    plain = QuadraticDiscriminantAnalysis()
    score = cross_val_score(shrunk, Xq, yq, cv=cv, scoring="d2_brier_score")
    assert score.mean() > 0.9
    assert cross_val_score(plain, Xq, yq, cv=cv, scoring="d2_brier_score").mean() < 0.6


def test_raises_value_error_on_one_sample_per_class():
    # test_raises_value_error_on_one_sample_per_class (QDA)
    Xo = np.array([[0.5, 0.6], [0.6, 0.5], [0.4, 0.4], [0.6, 0.5]])
    yo = np.array(["a", "a", "a", "b"])
    with pytest.raises(ValueError, match="sample"):
        GDA(covariance_type="full").fit(Xo, yo)


def test_get_feature_names_out():
    # test_get_feature_names_out
    est = GDA().fit(X, y)
    names = est.get_feature_names_out()
    n_out = est.explained_variance_ratio_.shape[0]
    expected = [f"gaussiandiscriminantanalysis{i}" for i in range(n_out)]
    assert_array_equal(names, np.array(expected, dtype=object))


# --------------------------------------------- the five differences of issue 14
# All five failed before 7e516ec/4697630 (GDA hardening, every singular fit warns).
@pytest.mark.parametrize("kind", ["tied", "full"])
def test_covariance_estimator_without_covariance_raises(kind):
    # LDA/QDA: ValueError for an estimator that has no covariance_ (KMeans).
    clf = GDA(covariance_type=kind, covariance_estimator=KMeans(2, n_init="auto"))
    with pytest.raises(ValueError, match="covariance_"):
        clf.fit(X, y)


def test_float32_stays_float32():
    # test_lda_dtype_match: float32 in, float32 coef_, intercept_ and means_ out.
    gda = GDA().fit(X.astype(np.float32), y)
    assert gda.coef_.dtype == np.float32
    assert gda.intercept_.dtype == np.float32
    assert gda.means_.dtype == np.float32
    ref = LinearDiscriminantAnalysis().fit(X.astype(np.float32), y)
    assert ref.coef_.dtype == np.float32  # the behaviour we match


@pytest.mark.parametrize("kind", ["tied", "full"])
def test_priors_are_copied(kind):
    # test_qda_prior_copy: changing the user's array later changes nothing.
    priors = np.array([0.5, 0.5])
    gda = GDA(covariance_type=kind, priors=priors).fit(X, y)
    assert_array_equal(gda.priors_, gda.priors)
    before = gda.predict_proba(X)
    priors[0] = 0.2
    assert gda.priors_[0] == 0.5
    assert not np.shares_memory(gda.priors_, priors)
    assert_allclose(gda.predict_proba(X), before)


@pytest.mark.parametrize("kind", ["tied", "full"])
def test_as_many_samples_as_classes_raises(kind):
    # test_raises_value_error_on_same_number_of_classes_and_samples
    Xs, ys = np.array([[0.5, 0.6], [0.6, 0.5]]), np.array(["a", "b"])
    with pytest.raises(ValueError, match="samples"):
        LinearDiscriminantAnalysis().fit(Xs, ys)  # the behaviour we match
    with pytest.raises(ValueError, match="samples"):
        GDA(covariance_type=kind).fit(Xs, ys)


@pytest.mark.parametrize("action", ["always", "error"])
def test_singular_warning_on_every_singular_fit(action):
    # Two singular fits in one process: the warning must fire both times.
    for _ in range(2):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter(action)
            try:
                GDA(covariance_type="full").fit(X2, y6)
            except SingularCovarianceWarning:
                continue
        assert any(issubclass(w.category, SingularCovarianceWarning) for w in caught)
