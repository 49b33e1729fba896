"""Ecosystem contracts: imbalanced-learn resampling, DataFrames, set_output,
metadata routing, idempotence, verbose."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from numpy.testing import assert_allclose
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

from sklearn_lowdim.sampling import CoresetEstimator, LpRegression, SensitivitySampler
from sklearn_lowdim.sampling._fixtures import make_coherent_regression


@pytest.fixture(scope="module")
def data():
    A, b, _ = make_coherent_regression(3000, 4, rare_rows=20, random_state=0)
    return A, b


def test_fit_resample_returns_the_kept_rows(data):
    A, b = data
    s = SensitivitySampler(p=1, n_samples=300, random_state=0)
    out = s.fit_resample(A, b)
    assert isinstance(out, tuple) and len(out) == 2
    X_s, y_s = out
    np.testing.assert_array_equal(X_s, A[s.sample_indices_])
    np.testing.assert_array_equal(y_s, b[s.sample_indices_])
    assert s.sample_weight_.shape == y_s.shape


def test_imblearn_pipeline_fits_the_next_step_on_the_sample(data):
    imblearn_pipeline = pytest.importorskip("imblearn.pipeline")
    A, b = data
    pipe = imblearn_pipeline.Pipeline([
        ("coreset", SensitivitySampler(p=2, n_samples=400, random_state=0)),
        ("ols", LinearRegression()),
    ]).fit(A, b)
    idx = pipe.named_steps["coreset"].sample_indices_
    expected = LinearRegression().fit(A[idx], b[idx])
    assert_allclose(pipe.named_steps["ols"].coef_, expected.coef_)
    # resampling happens at fit only: predict sees every row
    assert pipe.predict(A).shape == (3000,)


def test_fit_resample_keeps_dataframes_and_series(data):
    A, b = data
    index = pd.Index(np.arange(3000) * 7 + 11, name="id")
    X = pd.DataFrame(A, columns=[f"f{i}" for i in range(4)], index=index)
    y = pd.Series(b, index=index, name="target")
    s = SensitivitySampler(p=1.5, n_samples=200, random_state=0)
    X_s, y_s = s.fit_resample(X, y)
    assert isinstance(X_s, pd.DataFrame) and isinstance(y_s, pd.Series)
    assert list(X_s.columns) == list(X.columns) and y_s.name == "target"
    np.testing.assert_array_equal(X_s.index, index[s.sample_indices_])
    np.testing.assert_array_equal(X_s.to_numpy(), A[s.sample_indices_])
    np.testing.assert_array_equal(y_s.index, X_s.index)
    # same draw as for the arrays
    s_arr = SensitivitySampler(p=1.5, n_samples=200, random_state=0).fit(A, b)
    np.testing.assert_array_equal(s.sample_indices_, s_arr.sample_indices_)


def test_coreset_set_output_pandas(data):
    A, b = data
    X = pd.DataFrame(A, columns=list("abcd"), index=np.arange(3000) + 100)
    est = CoresetEstimator(
        StandardScaler(), SensitivitySampler(p=2, n_samples=500, augment_y=False,
                                             random_state=0)
    ).set_output(transform="pandas")
    out = est.fit(X).transform(X)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == list("abcd")
    np.testing.assert_array_equal(out.index, X.index)
    idx, w = est.sampler_.sample_indices_, est.sampler_.sample_weight_
    ref = StandardScaler().fit(A[idx], sample_weight=w).transform(A)
    assert_allclose(out.to_numpy(), ref)
    np.testing.assert_array_equal(est.get_feature_names_out(), list("abcd"))
    # a clone keeps the configuration; default output is an array again
    est.set_output(transform="default")
    assert isinstance(est.transform(X), np.ndarray)


def test_set_output_only_for_transformers():
    assert not hasattr(CoresetEstimator(LinearRegression()), "set_output")
    assert hasattr(CoresetEstimator(StandardScaler()), "set_output")


@pytest.mark.parametrize("request_weights", [True, False, None])
def test_coreset_honours_the_estimators_sample_weight_request(data, request_weights):
    A, b = data
    with sklearn.config_context(enable_metadata_routing=True):
        inner = LinearRegression()
        if request_weights is not None:
            inner.set_fit_request(sample_weight=request_weights)
        est = CoresetEstimator(
            inner, SensitivitySampler(p=2, n_samples=300, random_state=0)
        ).fit(A, b)
    idx, w = est.sampler_.sample_indices_, est.sampler_.sample_weight_
    if request_weights is False:
        expected = LinearRegression().fit(A[idx], b[idx])
    else:
        expected = LinearRegression().fit(A[idx], b[idx], sample_weight=w)
    assert_allclose(est.estimator_.coef_, expected.coef_)
    # the weights differ, so the two fits differ: the test can fail
    assert not np.allclose(
        LinearRegression().fit(A[idx], b[idx]).coef_,
        LinearRegression().fit(A[idx], b[idx], sample_weight=w).coef_,
    )


def test_coreset_random_state_makes_fit_idempotent(data):
    A, b = data
    est = CoresetEstimator(LinearRegression(), random_state=3)
    first = est.fit(A, b).estimator_.coef_.copy()
    idx = est.sampler_.sample_indices_.copy()
    np.testing.assert_array_equal(est.fit(A, b).estimator_.coef_, first)
    np.testing.assert_array_equal(est.sampler_.sample_indices_, idx)
    # it overrides the sampler's own seed, which the parameter object keeps
    sampler = SensitivitySampler(random_state=0)
    est = CoresetEstimator(LinearRegression(), sampler, random_state=3).fit(A, b)
    assert est.sampler_.random_state == 3 and sampler.random_state == 0
    np.testing.assert_array_equal(est.sampler_.sample_indices_, idx)


def test_verbose_reports_lewis_and_solver_iterations(data, capsys):
    A, b = data
    SensitivitySampler(p=1, n_samples=200, score_method="exact", verbose=2,
                       random_state=0).fit(A, b)
    err = capsys.readouterr().err
    assert "[lewis p=1]" in err and "residual" in err
    LpRegression(p=1.5, verbose=2).fit(A, b)
    err = capsys.readouterr().err
    assert "[l_1.5 regression]" in err and "objective" in err
    LpRegression(p=1.5, coreset_size=300, score_method="exact", verbose=1,
                 random_state=0).fit(A, b)
    err = capsys.readouterr().err
    assert "[lewis p=1.5]" in err and "[l_1.5 regression]" in err
    LpRegression(p=1.5).fit(A, b)
    assert capsys.readouterr().err == ""
