"""GDA on the inputs users send: units, offsets, priors, dtypes, devices, dask."""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as LDA
from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis as QDA

from sklearn_lowdim.covariance import SingularCovarianceWarning
from sklearn_lowdim.discriminant_analysis import GaussianDiscriminantAnalysis as GDA

SCALE_FREE = ["tied", "full", "diag", "tied_diag"]


def _data(n=600, d=6, C=3, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, C, n)
    A = rng.normal(size=(d, d)) / np.sqrt(d) + np.eye(d)
    X = rng.normal(size=(n, d)) @ A + 1.5 * rng.normal(size=(C, d))[y]
    return X, y


@pytest.mark.parametrize("covariance_type", SCALE_FREE)
def test_feature_units_do_not_change_the_model(covariance_type):
    # per-feature scales from 1e-4 to 1e4: the everyday case of tabular data
    X, y = _data()
    units = np.logspace(-4, 4, X.shape[1])
    ref = GDA(covariance_type=covariance_type).fit(X, y)
    scaled = GDA(covariance_type=covariance_type).fit(X * units, y)
    np.testing.assert_array_equal(scaled.predict(X * units), ref.predict(X))
    np.testing.assert_allclose(scaled.predict_proba(X * units), ref.predict_proba(X),
                               atol=1e-8)
    # the density changes by the Jacobian of the change of units only
    np.testing.assert_allclose(
        scaled.score_samples(X * units) + np.sum(np.log(units)),
        ref.score_samples(X), rtol=1e-9,
    )
    if covariance_type == "tied":  # and scikit-learn's LDA agrees
        lda = LDA().fit(X * units, y)
        np.testing.assert_array_equal(scaled.predict(X * units), lda.predict(X * units))


@pytest.mark.parametrize("covariance_type", SCALE_FREE + ["spherical"])
def test_large_common_offset(covariance_type):
    X, y = _data(seed=1)
    X = X / X.std(axis=0)
    ref = GDA(covariance_type=covariance_type).fit(X, y)
    far = GDA(covariance_type=covariance_type).fit(X + 1e8, y)
    np.testing.assert_array_equal(far.predict(X + 1e8), ref.predict(X))
    # the inputs are rounded to 1.5e-8 at 1e8: probabilities agree to that order
    np.testing.assert_allclose(far.predict_proba(X + 1e8), ref.predict_proba(X),
                               atol=1e-5)
    if far.covariance_type == "tied":
        lda = LDA(solver="lsqr").fit(X + 1e8, y)
        np.testing.assert_allclose(far.coef_, lda.coef_, rtol=1e-6)
        # binary log-odds are computed centred: no cancellation at the offset
        binary = y < 2
        far2 = GDA().fit(X[binary] + 1e8, y[binary])
        ref2 = GDA().fit(X[binary], y[binary])
        np.testing.assert_allclose(far2.decision_function(X[binary] + 1e8),
                                   ref2.decision_function(X[binary]), atol=1e-5)


def test_decision_function_binary_and_multiclass_match_lda_form():
    X, y = _data(C=4, seed=2)
    gda = GDA().fit(X, y)
    np.testing.assert_allclose(gda.decision_function(X),
                               X @ gda.coef_.T + gda.intercept_, rtol=1e-9,
                               atol=1e-9)
    Xb, yb = X[y < 2], y[y < 2]
    gda = GDA().fit(Xb, yb)
    lda = LDA(solver="lsqr").fit(Xb, yb)
    np.testing.assert_allclose(gda.decision_function(Xb), lda.decision_function(Xb),
                               rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("priors", [[np.nan, 0.5, 0.5], [0.0, 0.0, 0.0],
                                    [-0.1, 0.6, 0.5], [0.5, 0.5]])
def test_bad_priors_are_rejected(priors):
    X, y = _data()
    with pytest.raises(ValueError, match="priors"):
        GDA(priors=priors).fit(X, y)


def test_priors_are_copied_and_renormalised():
    X, y = _data()
    priors = np.array([2.0, 1.0, 1.0])
    with pytest.warns(UserWarning, match="Renormalizing"):
        gda = GDA(priors=priors).fit(X, y)
    np.testing.assert_allclose(gda.priors_, [0.5, 0.25, 0.25])
    before = gda.predict_proba(X)
    priors[:] = [1.0, 0.0, 0.0]
    np.testing.assert_allclose(gda.priors_, [0.5, 0.25, 0.25])
    np.testing.assert_array_equal(gda.predict_proba(X), before)
    assert not np.shares_memory(gda.priors_, priors)


@pytest.mark.parametrize("covariance_type", ["tied", "full"])
def test_float32_attributes_stay_float32_like_sklearn(covariance_type):
    X, y = _data()
    X32 = X.astype(np.float32)
    gda = GDA(covariance_type=covariance_type).fit(X32, y)
    ref = (LDA() if covariance_type == "tied" else QDA()).fit(X32, y)
    assert gda.means_.dtype == ref.means_.dtype == np.float32
    if covariance_type == "tied":
        assert gda.coef_.dtype == ref.coef_.dtype == np.float32
        assert gda.intercept_.dtype == np.float32
    assert GDA().fit(X, y).means_.dtype == np.float64


def test_as_many_samples_as_classes_raises_like_lda():
    X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]])
    y = np.array([0, 1, 2])
    with pytest.raises(ValueError, match="more than the number of classes"):
        LDA().fit(X, y)
    with pytest.raises(ValueError, match="more than the number of classes"):
        GDA().fit(X, y)


def test_singular_warning_fires_on_every_fit():
    X, y = _data()
    X = np.hstack([X, X[:, :1]])  # a duplicated column: singular covariance
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        GDA().fit(X, y)
        GDA().fit(X, y)
    assert sum(issubclass(w.category, SingularCovarianceWarning) for w in rec) == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", SingularCovarianceWarning)
        for _ in range(2):
            with pytest.raises(SingularCovarianceWarning):
                GDA().fit(X, y)


@pytest.mark.parametrize("covariance_type", ["tied", "full"])
def test_covariance_estimator_without_covariance_raises(covariance_type):
    X, y = _data()
    with pytest.raises(ValueError, match="covariance_"):
        GDA(covariance_type=covariance_type,
            covariance_estimator=KMeans(n_clusters=2, n_init=1)).fit(X, y)


def test_derived_attributes_are_not_pickled():
    X, y = _data()
    gda = GDA().fit(X, y)
    size = len(pickle.dumps(gda))
    gda.scalings_, gda.covariance_, gda.coef_  # fill the caches
    assert len(pickle.dumps(gda)) == size
    again = pickle.loads(pickle.dumps(gda))
    np.testing.assert_array_equal(again.scalings_, gda.scalings_)
    np.testing.assert_array_equal(again.transform(X), gda.transform(X))


@pytest.mark.parametrize("covariance_type", ["tied", "full", "diag", "spherical",
                                             "tied_diag", "tied_spherical"])
def test_scores_on_a_non_default_array_api_device(covariance_type):
    sklearn = pytest.importorskip("sklearn")
    xp = pytest.importorskip("array_api_strict")
    X, y = _data()
    ref = GDA(covariance_type=covariance_type).fit(X, y)
    dev = xp.Device("device1")
    Xd = xp.asarray(X, device=dev)  # refuses any conversion to the host
    methods = ["predict_proba", "predict_log_proba", "score_samples",
               "predict_joint_log_proba", "decision_function", "mahalanobis"]
    if covariance_type.startswith("tied"):
        methods.append("transform")
    with sklearn.config_context(array_api_dispatch=True):
        for name in methods:
            out = getattr(ref, name)(Xd)
            assert out.device == dev
            host = np.asarray(xp.asarray(out, device=xp.Device("CPU_DEVICE")))
            np.testing.assert_allclose(host, getattr(ref, name)(X), rtol=1e-8,
                                       atol=1e-8, err_msg=name)
        labels = ref.predict(Xd)
    np.testing.assert_array_equal(
        np.asarray(xp.asarray(labels, device=xp.Device("CPU_DEVICE"))),
        ref.predict(X))


@pytest.mark.parametrize("covariance_type", ["tied", "full", "diag"])
def test_dask_scoring_is_lazy_and_equals_numpy(unmaterialisable, covariance_type):
    import dask

    X, y = _data(n=500)
    ref = GDA(covariance_type=covariance_type).fit(X, y)
    Xd = unmaterialisable(X, 120)
    methods = ["predict", "predict_proba", "predict_log_proba", "score_samples",
               "predict_joint_log_proba", "decision_function", "mahalanobis"]
    if covariance_type == "tied":
        methods.append("transform")
    outs = {name: getattr(ref, name)(Xd) for name in methods}
    for name, out in outs.items():
        assert type(out).__module__.startswith("dask"), name
        assert out.chunks[0] == Xd.chunks[0], name
    computed = dask.compute(outs)[0]
    for name, out in computed.items():
        np.testing.assert_allclose(out, getattr(ref, name)(X), rtol=1e-10,
                                   atol=1e-10, err_msg=name)
    model = GDA(covariance_type=covariance_type).fit(Xd, y)
    np.testing.assert_allclose(model.means_, ref.means_, rtol=1e-10)


def _namespace_arrays(namespace, dtype, *arrays):
    if namespace == "array_api_strict":
        xp = pytest.importorskip("array_api_strict")
        dev = xp.Device("device1")  # refuses np.asarray: no hidden host copy of X
        return xp, [xp.asarray(a, device=dev) if a.dtype.kind != "f"
                    else xp.asarray(a.astype(dtype), device=dev) for a in arrays]
    torch = pytest.importorskip("torch")
    return torch, [torch.asarray(a if a.dtype.kind != "f" else a.astype(dtype))
                   for a in arrays]


@pytest.mark.parametrize("namespace,dtype", [("array_api_strict", np.float64),
                                             ("torch", np.float64),
                                             ("torch", np.float32)])
@pytest.mark.parametrize("covariance_type,shrinkage", [
    ("tied", None), ("tied", "ledoit_wolf"), ("full", None), ("full", "oas"),
    ("diag", None), ("spherical", None), ("tied_diag", None),
    ("tied_spherical", None)])
def test_fit_on_the_device_equals_numpy(namespace, dtype, covariance_type, shrinkage):
    import sklearn

    X, y = _data(n=300, d=5)
    w = np.random.default_rng(3).uniform(0.0, 2.0, X.shape[0])
    ref = GDA(covariance_type=covariance_type, shrinkage=shrinkage).fit(
        X.astype(dtype), y, sample_weight=w)
    xp, (Xd, yd, wd) = _namespace_arrays(namespace, dtype, X, y, w)
    with sklearn.config_context(array_api_dispatch=True):
        model = GDA(covariance_type=covariance_type, shrinkage=shrinkage).fit(
            Xd, yd, sample_weight=wd)
        proba = model.predict_proba(Xd)
    assert proba.dtype == (xp.float32 if dtype == np.float32 else xp.float64)
    rtol = 1e-4 if dtype == np.float32 else 1e-9
    np.testing.assert_allclose(model.means_, ref.means_, rtol=rtol)
    np.testing.assert_allclose(model.covariance_, ref.covariance_, rtol=rtol,
                               atol=1e-6 if dtype == np.float32 else 1e-12)
    if namespace == "array_api_strict":
        proba = xp.asarray(proba, device=xp.Device("CPU_DEVICE"))
    np.testing.assert_allclose(np.asarray(proba), ref.predict_proba(X.astype(dtype)),
                               atol=1e-4 if dtype == np.float32 else 1e-9)


@pytest.mark.parametrize("covariance_type", ["tied", "full", "diag", "spherical",
                                             "tied_spherical"])
@pytest.mark.parametrize("magnitude", [1e300, 1e-300, "mixed"])
def test_extreme_magnitudes_give_the_unscaled_model(covariance_type, magnitude):
    # squares of 1e300 overflow and of 1e-300 underflow: the statistics are
    # gathered from X divided by powers of two, exactly
    X, y = _data(d=4, seed=4)
    units = (np.array([1e300, 1e-300, 1.0, 1e200]) if magnitude == "mixed"
             else np.full(4, magnitude))
    if magnitude == "mixed" and covariance_type in ("spherical", "tied_spherical"):
        pytest.skip("an isotropic model is not defined across such units")
    ref = GDA(covariance_type=covariance_type).fit(X, y)
    big = GDA(covariance_type=covariance_type).fit(X * units, y)
    np.testing.assert_array_equal(big.predict(X * units), ref.predict(X))
    np.testing.assert_allclose(big.predict_proba(X * units), ref.predict_proba(X),
                               atol=1e-9)
    np.testing.assert_allclose(big.means_, ref.means_ * units, rtol=1e-12)
    # a stream continues in the units of its first fit
    big.partial_fit(X[:50] * units, y[:50]) if covariance_type != "full" else None


def test_folded_linear_scores_equal_the_centred_ones(monkeypatch):
    # near the origin the centring folds into the coefficients (one GEMM on X);
    # both forms must give the same model
    import sklearn_lowdim.discriminant_analysis._scoring as scoring

    X, y = _data(C=4, seed=5)
    gda = GDA().fit(X, y)
    folded = {m: getattr(gda, m)(X) for m in ("predict", "predict_proba",
                                             "decision_function")}
    monkeypatch.setattr(scoring, "_FOLD_MAX_OFFSET", -1.0)
    for name, out in folded.items():
        np.testing.assert_allclose(getattr(gda, name)(X), out, rtol=1e-9,
                                   atol=1e-9, err_msg=name)
