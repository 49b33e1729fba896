import pickle

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import multivariate_normal as mvn
from sklearn.base import clone
from sklearn.covariance import LedoitWolf, ledoit_wolf
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as LDA
from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis as QDA
from sklearn.model_selection import GridSearchCV
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_lowdim.discriminant_analysis import GaussianDiscriminantAnalysis as GDA

TYPES = ["tied", "full", "diag", "spherical", "tied_diag", "tied_spherical"]


def _data(n=300, d=5, C=3, seed=0, sep=3.0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, C, n)
    X = rng.normal(size=(n, d)) @ rng.normal(size=(d, d))
    X += sep * rng.normal(size=(C, d))[y]
    return X, y


def _joint_reference(gda, X):
    """log p(x, y=k) from scipy's Gaussian density and the fitted parameters."""
    C, d = gda.means_.shape
    cov = gda.covariance_
    out = np.empty((X.shape[0], C))
    for k in range(C):
        ct = gda.covariance_type
        if ct == "tied":
            ck = cov
        elif ct == "full":
            ck = cov[k]
        elif ct == "diag":
            ck = np.diag(cov[k])
        elif ct == "spherical":
            ck = cov[k] * np.eye(d)
        elif ct == "tied_diag":
            ck = np.diag(cov)
        else:
            ck = cov * np.eye(d)
        out[:, k] = mvn(gda.means_[k], ck).logpdf(X) + np.log(gda.priors_[k])
    return out


def test_tied_matches_lda_lsqr():
    X, y = _data(600)
    ours, ref = GDA().fit(X, y), LDA(solver="lsqr").fit(X, y)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X),
                               rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X),
                               atol=1e-10)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-9)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-9, atol=1e-9)


def test_binary_shapes_match_lda():
    X, y = _data(200, C=2)
    ours, ref = GDA().fit(X, y), LDA(solver="lsqr").fit(X, y)
    assert ours.coef_.shape == ref.coef_.shape == (1, 5)
    assert ours.decision_function(X).shape == (200,)
    np.testing.assert_allclose(ours.decision_function(X), ref.decision_function(X),
                               rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("shrinkage", ["ledoit_wolf", 0.3])
def test_per_class_standardized_matches_lda_shrinkage(shrinkage):
    X, y = _data(300, d=6)
    ours = GDA(shrinkage=shrinkage, shrinkage_scope="per_class_standardized")
    ours.fit(X, y)
    ref = LDA(solver="lsqr", shrinkage="auto" if shrinkage == "ledoit_wolf"
              else shrinkage).fit(X, y)
    np.testing.assert_allclose(ours.covariance_, ref.covariance_, rtol=1e-10)
    np.testing.assert_allclose(ours.predict_proba(X), ref.predict_proba(X),
                               atol=1e-9)


def test_pooled_ledoit_wolf_is_lw_of_residuals():
    X, y = _data(80, d=8)
    gda = GDA(shrinkage="ledoit_wolf").fit(X, y)
    R = X - gda.means_[np.searchsorted(gda.classes_, y)]
    cov, s = ledoit_wolf(R, assume_centered=True)
    np.testing.assert_allclose(gda.covariance_, cov, rtol=1e-10)
    np.testing.assert_allclose(gda.shrinkage_, s, rtol=1e-10)
    est = GDA(covariance_estimator=LedoitWolf(assume_centered=True)).fit(X, y)
    np.testing.assert_allclose(est.covariance_, cov, rtol=1e-10)


def test_full_matches_qda():
    X, y = _data(600)
    ours = GDA(covariance_type="full").fit(X, y)
    ref = QDA(store_covariance=True).fit(X, y)
    np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X),
                               atol=1e-9)
    np.testing.assert_allclose(ours.covariance_, np.array(ref.covariance_),
                               rtol=1e-10, atol=1e-12)


def test_diag_matches_gaussian_nb():
    X, y = _data(600)
    ref = GaussianNB().fit(X, y)
    ours = GDA(covariance_type="diag", reg_covar=1e-9 * X.var(axis=0).max()).fit(X, y)
    np.testing.assert_allclose(ours.predict_log_proba(X), ref.predict_log_proba(X),
                               atol=1e-9)


@pytest.mark.parametrize("covariance_type", TYPES)
def test_joint_log_likelihood_and_score_samples_match_scipy(covariance_type):
    X, y = _data(200)
    gda = GDA(covariance_type=covariance_type).fit(X, y)
    J = _joint_reference(gda, X)
    np.testing.assert_allclose(gda.predict_joint_log_proba(X), J, rtol=1e-9,
                               atol=1e-8)
    np.testing.assert_allclose(gda.score_samples(X), logsumexp(J, axis=1),
                               rtol=1e-9, atol=1e-8)
    assert gda.mahalanobis(X).shape == J.shape
    proba = gda.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(np.exp(gda.predict_log_proba(X)), proba, rtol=1e-12)
    np.testing.assert_array_equal(gda.predict(X), gda.classes_[J.argmax(axis=1)])


def test_mahalanobis_brute_force():
    X, y = _data(100)
    for ct in ("tied", "full"):
        gda = GDA(covariance_type=ct).fit(X, y)
        cov = gda.covariance_
        D = np.empty((100, 3))
        for k in range(3):
            P = np.linalg.inv(cov if ct == "tied" else cov[k])
            R = X - gda.means_[k]
            D[:, k] = np.einsum("ij,jk,ik->i", R, P, R)
        np.testing.assert_allclose(gda.mahalanobis(X), D, rtol=1e-8)


def test_one_dimensional_closed_form():
    X = np.array([-1.0, 1.0, -3.0, 3.0, 5.0, 7.0])[:, None]
    y = np.array([0, 0, 0, 1, 1, 1])
    gda = GDA().fit(X, y)
    np.testing.assert_allclose(gda.covariance_, [[8 / 3]])
    np.testing.assert_allclose(gda.coef_, [[2.25]])
    np.testing.assert_allclose(gda.intercept_, [-4.5])
    np.testing.assert_allclose(gda.predict_proba([[2.0]]), [[0.5, 0.5]], atol=1e-15)


def test_far_point_log_proba_is_exact_not_floored():
    X, y = _data(300, C=2)
    gda = GDA().fit(X, y)
    far = gda.means_[0] + 1e3 * (gda.means_[0] - gda.means_[1])
    lp = gda.predict_log_proba(far[None])
    s = gda.decision_function(far[None])[0]  # log odds of class 1
    np.testing.assert_allclose(lp[0, 1], -np.logaddexp(0, -s), rtol=1e-10)
    assert lp[0, 1] < -1000


def test_full_low_rank_with_shrinkage_matches_dense_formula():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(45, 20)), np.repeat([0, 1, 2], 15)
    for s in (0.3, "ledoit_wolf", "oas"):
        gda = GDA(covariance_type="full", shrinkage=s, gamma=0.1, reg_covar=0.01)
        gda.fit(X, y)
        for k in range(3):
            Xk = X[y == k]
            S = np.cov(Xk.T, bias=True)
            if s == "ledoit_wolf":
                ref = ledoit_wolf(Xk)[0]
            elif s == "oas":
                from sklearn.covariance import OAS

                ref = OAS().fit(Xk).covariance_
            else:
                ref = 0.7 * S + 0.3 * np.trace(S) / 20 * np.eye(20)
            ref = 0.9 * ref + 0.1 * np.trace(ref) / 20 * np.eye(20) + 0.01 * np.eye(20)
            np.testing.assert_allclose(gda.covariance_[k], ref, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(gda.predict_joint_log_proba(X),
                                   _joint_reference(gda, X), rtol=1e-8)


def test_rda_alpha_limits():
    X, y = _data(300)
    full = GDA(covariance_type="full").fit(X, y)
    a1 = GDA(covariance_type="full", alpha=1.0).fit(X, y)
    np.testing.assert_allclose(a1.predict_proba(X), full.predict_proba(X), atol=1e-10)
    a0 = GDA(covariance_type="full", alpha=0.0).fit(X, y)
    tied = GDA().fit(X, y)
    np.testing.assert_allclose(a0.predict_proba(X), tied.predict_proba(X), atol=1e-9)
    a5 = GDA(covariance_type="full", alpha=0.5).fit(X, y)
    np.testing.assert_allclose(a5.covariance_,
                               0.5 * full.covariance_ + 0.5 * tied.covariance_,
                               rtol=1e-10)


@pytest.mark.parametrize("covariance_type", TYPES)
def test_partial_fit_random_chunkings_equal_fit(covariance_type):
    X, y = _data(240)
    rng = np.random.default_rng(1)
    shrink = "ledoit_wolf" if covariance_type in ("tied", "full") else None
    ref = GDA(covariance_type=covariance_type, shrinkage=shrink).fit(X, y)
    inc = GDA(covariance_type=covariance_type, shrinkage=shrink)
    cuts = np.sort(rng.choice(np.arange(1, 240), 5, replace=False))
    for Xb, yb in zip(np.split(X, cuts), np.split(y, cuts)):
        inc.partial_fit(Xb, yb, classes=[0, 1, 2])
    np.testing.assert_allclose(inc.means_, ref.means_, rtol=1e-10)
    np.testing.assert_allclose(inc.covariance_, ref.covariance_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(inc.predict_log_proba(X), ref.predict_log_proba(X),
                               rtol=1e-8, atol=1e-8)


def test_permutation_invariance():
    X, y = _data(200)
    gda = GDA(covariance_type="full").fit(X, y)
    perm_f = np.array([3, 0, 4, 1, 2])
    g2 = GDA(covariance_type="full").fit(X[:, perm_f], y)
    np.testing.assert_allclose(g2.predict_proba(X[:, perm_f]), gda.predict_proba(X),
                               atol=1e-10)
    relabel = np.array([2, 0, 1])
    g3 = GDA(covariance_type="full").fit(X, relabel[y])
    np.testing.assert_allclose(g3.predict_proba(X)[:, relabel], gda.predict_proba(X),
                               atol=1e-10)


def test_affine_equivariance_tied_without_shrinkage_only():
    X, y = _data(200)
    rng = np.random.default_rng(3)
    A, b = rng.normal(size=(5, 5)), rng.normal(size=5)
    p = GDA().fit(X, y).predict_proba(X)
    q = GDA().fit(X @ A + b, y).predict_proba(X @ A + b)
    np.testing.assert_allclose(p, q, atol=1e-8)
    p = GDA(shrinkage="ledoit_wolf").fit(X, y).predict_proba(X)
    q = GDA(shrinkage="ledoit_wolf").fit(X @ A + b, y).predict_proba(X @ A + b)
    assert np.abs(p - q).max() > 1e-6  # Ledoit-Wolf is not affine equivariant


@pytest.mark.parametrize("covariance_type", TYPES)
def test_float32_close_to_float64(covariance_type):
    X, y = _data(300)
    g64 = GDA(covariance_type=covariance_type).fit(X, y)
    g32 = GDA(covariance_type=covariance_type).fit(X.astype(np.float32), y)
    np.testing.assert_allclose(g32.predict_proba(X.astype(np.float32)),
                               g64.predict_proba(X), atol=1e-4)
    if covariance_type in ("tied", "tied_diag", "tied_spherical"):
        assert g32.transform(X.astype(np.float32)).dtype == np.float32


def test_string_labels_and_sample_weight_equals_repeats():
    X, y = _data(120)
    labels = np.array(["cat", "dog", "emu"])[y]
    w = np.random.default_rng(0).integers(0, 4, 120)
    for ct in TYPES:
        a = GDA(covariance_type=ct).fit(X, labels, sample_weight=w)
        b = GDA(covariance_type=ct).fit(np.repeat(X, w, axis=0), np.repeat(labels, w))
        np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-9)
        assert set(a.predict(X)) <= {"cat", "dog", "emu"}


def test_transform_matches_lda_svd():
    X, y = _data(300, d=6, C=4)
    ours, ref = GDA(n_components=2).fit(X, y), LDA(n_components=2).fit(X, y)
    np.testing.assert_allclose(ours.explained_variance_ratio_,
                               ref.explained_variance_ratio_, rtol=1e-8)
    T, R = ours.transform(X), ref.transform(X)
    assert T.shape == (300, 2)
    # equal up to a sign and a scale per component
    for j in range(2):
        c = np.corrcoef(T[:, j], R[:, j])[0, 1]
        assert abs(abs(c) - 1) < 1e-8
    with pytest.raises(ValueError, match="linear model"):
        GDA(covariance_type="full").fit(X, y).transform(X)
    with pytest.raises(ValueError, match="n_components"):
        GDA(n_components=5).fit(X, y)


def test_bad_input_errors():
    X, y = _data(60)
    with pytest.raises(ValueError, match="class"):
        GDA().fit(X, np.zeros(60))
    y1 = y.copy()
    y1[0] = 7
    with pytest.raises(ValueError, match="at least 2"):
        GDA(covariance_type="full").fit(X, y1)
    GDA(covariance_type="full", shrinkage=0.5).fit(X, y1)  # regularised: fine
    Xn = X.copy()
    Xn[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        GDA().fit(Xn, y)
    with pytest.raises(ValueError, match="sample_weight"):
        GDA().fit(X, y, sample_weight=np.ones(3))
    with pytest.raises(ValueError, match="negative"):
        GDA().fit(X, y, sample_weight=-np.ones(60))
    gda = GDA().partial_fit(X, y)
    with pytest.raises(ValueError, match="not in classes_"):
        gda.partial_fit(X[:3], np.array([0, 1, 9]))
    with pytest.raises(ValueError, match="features"):
        gda.predict(X[:, :3])
    with pytest.raises(ValueError, match="alpha"):
        GDA(alpha=0.5).fit(X, y)
    with pytest.raises(ValueError, match="cannot both"):
        GDA(shrinkage=0.1, covariance_estimator=LedoitWolf()).fit(X, y)
    with pytest.raises(ValueError, match="per_class_standardized"):
        GDA(shrinkage="ledoit_wolf", shrinkage_scope="per_class_standardized"
            ).partial_fit(X, y)
    with pytest.raises(ValueError, match="singular"):
        GDA(covariance_type="full", singular="raise").fit(X[:12, :], y[:12] % 2)


def test_singular_covariance_warns_and_stays_finite():
    from sklearn_lowdim.covariance import SingularCovarianceWarning

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    X = np.hstack([X, X[:, :1]])  # duplicated column
    y = np.repeat([0, 1], 20)
    with pytest.warns(SingularCovarianceWarning):
        gda = GDA().fit(X, y)
    assert gda.rank_ == 3
    assert np.all(np.isfinite(gda.predict_log_proba(X)))
    pinv = GDA(singular="pinv").fit(X, y)
    np.testing.assert_allclose(pinv.predict_proba(X), GDA().fit(X[:, :3], y)
                               .predict_proba(X[:, :3]), atol=1e-8)


def test_inputs_not_modified_and_meta_estimators():
    X, y = _data(90)
    X0, y0 = X.copy(), y.copy()
    w = np.ones(90)
    for ct in TYPES:
        gda = GDA(covariance_type=ct).fit(X, y, sample_weight=w)
        gda.predict_proba(X)
        gda.mahalanobis(X)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(y, y0)
    np.testing.assert_array_equal(w, 1.0)
    gda = GDA(covariance_type="full", shrinkage=0.1).fit(X, y)
    again = pickle.loads(pickle.dumps(gda))
    np.testing.assert_array_equal(again.predict_proba(X), gda.predict_proba(X))
    np.testing.assert_allclose(again.covariance_, gda.covariance_)
    assert clone(gda).get_params() == gda.get_params()
    pipe = make_pipeline(StandardScaler(), GDA()).fit(X, y)
    assert pipe.score(X, y) > 0.8
    grid = GridSearchCV(GDA(covariance_type="full"), {"shrinkage": [0.0, 0.5]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["shrinkage"] in (0.0, 0.5)


@pytest.mark.parametrize("covariance_type", ["tied", "full", "diag"])
def test_dask_fit_matches_numpy(covariance_type):
    da = pytest.importorskip("dask.array")
    distributed = pytest.importorskip("distributed")
    X, y = _data(300)
    w = np.random.default_rng(0).uniform(0.5, 2.0, 300)
    shrink = "ledoit_wolf" if covariance_type != "diag" else None
    ref = GDA(covariance_type=covariance_type, shrinkage=shrink).fit(
        X, y, sample_weight=w)
    with distributed.LocalCluster(processes=False, n_workers=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        model = GDA(covariance_type=covariance_type, shrinkage=shrink).fit(
            da.from_array(X, chunks=(70, 5)), da.from_array(y, chunks=70),
            sample_weight=w)
    np.testing.assert_allclose(model.means_, ref.means_, rtol=1e-10)
    np.testing.assert_allclose(model.covariance_, ref.covariance_, rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(model.predict_log_proba(X), ref.predict_log_proba(X),
                               rtol=1e-9, atol=1e-9)
    with pytest.raises(ValueError, match="NaN"):
        Xn = X.copy()
        Xn[5, 1] = np.nan
        GDA().fit(da.from_array(Xn, chunks=(70, 5)), y)


@pytest.mark.parametrize("namespace", ["array_api_strict", "torch"])
@pytest.mark.parametrize("covariance_type", ["tied", "diag", "tied_diag"])
def test_array_api_inputs_give_outputs_in_namespace(namespace, covariance_type):
    import sklearn

    xp = pytest.importorskip(namespace)
    X, y = _data(200)
    ref = GDA(covariance_type=covariance_type).fit(X, y)
    Xx, yx = xp.asarray(X), xp.asarray(y)
    with sklearn.config_context(array_api_dispatch=True):
        model = GDA(covariance_type=covariance_type).fit(Xx, yx)
        outs = {
            "predict_proba": model.predict_proba(Xx),
            "predict_log_proba": model.predict_log_proba(Xx),
            "score_samples": model.score_samples(Xx),
            "predict_joint_log_proba": model.predict_joint_log_proba(Xx),
            "predict": model.predict(Xx),
        }
    for name, out in outs.items():
        assert type(out).__module__.split(".")[0] == type(Xx).__module__.split(".")[0]
        np.testing.assert_allclose(np.asarray(out), getattr(ref, name)(X),
                                   rtol=1e-9, atol=1e-9)
