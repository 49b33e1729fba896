"""Ridge ensembles on the inputs users send: scikit-learn's penalty, weights, extreme
magnitudes, large offsets, bad values; checked against Ridge, repeated rows and
invariances, never against the code under test."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.linear_model import Ridge

from sklearn_lowdim.linear_model import (
    SketchedRidgeEnsemble,
    SketchedRidgeEnsembleCV,
    SubsampleRidgeEnsemble,
    SubsampleRidgeEnsembleCV,
    ridge_ensemble_gcv_path,
    sketched_ridge_gcv_path,
)

ESTIMATORS = [
    lambda: SubsampleRidgeEnsemble(alpha=0.05, subsample_size=0.7, n_estimators=3,
                                   random_state=0),
    lambda: SubsampleRidgeEnsembleCV(alphas=[0.01, 0.1], subsample_sizes=[0.6, 1.0],
                                     n_estimators=3, random_state=0),
    lambda: SketchedRidgeEnsemble(alpha=0.05, sketch_size=3, n_estimators=3,
                                  random_state=0),
    lambda: SketchedRidgeEnsembleCV(alphas=[0.01, 0.1], sketch_sizes=[2, 4],
                                    n_estimators=3, random_state=0),
]


def _data(n=40, p=5, seed=0, targets=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    coef = rng.standard_normal(p if targets is None else (p, targets))
    y = X @ coef + 0.3 * rng.standard_normal(n if targets is None else (n, targets))
    return X, y


@pytest.mark.parametrize("targets", [None, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_full_sample_member_is_sklearn_ridge_at_n_times_alpha(targets, weighted):
    # The conversion the docstring states: Ridge(alpha=A) is alpha=A/n (A/sum(w)).
    X, y = _data(targets=targets)
    w = np.random.default_rng(1).uniform(0.2, 3.0, X.shape[0]) if weighted else None
    A = 3.7
    total = X.shape[0] if w is None else w.sum()
    ours = SubsampleRidgeEnsemble(alpha=A / total, subsample_size=1.0,
                                  n_estimators=1).fit(X, y, sample_weight=w)
    ref = Ridge(alpha=A).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, ref.intercept_, rtol=1e-10,
                               atol=1e-12)
    np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=1e-10,
                               atol=1e-10)


def _repeat(X, y, counts):
    return np.repeat(X, counts, axis=0), np.repeat(y, counts, axis=0)


@pytest.mark.parametrize("make", [
    lambda: SubsampleRidgeEnsemble(alpha=0.02, subsample_size=1.0),
    lambda: SubsampleRidgeEnsembleCV(alphas=[0.001, 0.02, 0.5],
                                     subsample_sizes=[1.0]),
    lambda: SketchedRidgeEnsemble(alpha=0.02, sketch_size=3, n_estimators=4,
                                  random_state=0),
    lambda: SketchedRidgeEnsembleCV(alphas=[-0.05, 0.02, 0.5], sketch_sizes=[2, 4],
                                    n_estimators=3, random_state=0),
])
def test_integer_weights_equal_repeated_rows(make):
    X, y = _data(n=30, p=5, seed=2)
    counts = np.random.default_rng(3).integers(0, 4, X.shape[0])
    counts[0] = 1  # not all zero
    weighted = make().fit(X, y, sample_weight=counts)
    repeated = make().fit(*_repeat(X, y, counts))
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(weighted.intercept_, repeated.intercept_, rtol=1e-9)
    np.testing.assert_allclose(weighted.dof_, repeated.dof_, rtol=1e-9)
    np.testing.assert_allclose(weighted.risk_extrapolation_,
                               repeated.risk_extrapolation_, rtol=1e-9)
    if hasattr(weighted, "gcv_scores_"):
        np.testing.assert_allclose(weighted.gcv_scores_, repeated.gcv_scores_,
                                   rtol=1e-9)


@pytest.mark.parametrize("bootstrap", [False, True])
def test_weights_are_scale_free_and_zero_weight_rows_only_drop_out(bootstrap):
    X, y = _data(n=50, p=6, seed=4)
    kwargs = {"subsample_sizes": [25, 40], "n_estimators": 4, "random_state": 0,
              "bootstrap": bootstrap}
    plain = ridge_ensemble_gcv_path(X, y, [0.01, 0.3], **kwargs)
    scaled = ridge_ensemble_gcv_path(X, y, [0.01, 0.3],
                                     sample_weight=np.full(50, 7.5), **kwargs)
    # the fits do not depend on the weights' scale (the criteria count weights as
    # repeated rows, so they do)
    for key in ("coef", "dof"):
        np.testing.assert_allclose(scaled[key], plain[key], rtol=1e-9, atol=1e-12)
    # one member on all rows: a zero weight removes the row
    w = np.ones(50)
    w[::5] = 0
    full = ridge_ensemble_gcv_path(X, y, [0.01, 0.3], sample_weight=w)
    kept = ridge_ensemble_gcv_path(X[w > 0], y[w > 0], [0.01, 0.3])
    for key in ("coef", "dof", "gcv", "cgcv", "gcv_union"):
        np.testing.assert_allclose(full[key], kept[key], rtol=1e-9, atol=1e-12)


def _scale_penalty(est, factor):
    if hasattr(est, "alphas"):
        return est.set_params(alphas=np.asarray(est.alphas) * factor)
    return est.set_params(alpha=est.alpha * factor)


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("scale", [1e-150, 1e-100, 1e100, 1e150])
def test_extreme_magnitudes_of_x_give_the_rescaled_answer(make, scale):
    # Ridge with X -> c X and alpha -> c^2 alpha has coefficients b / c: the same
    # problem, so the fit must be the unit-scale fit, not a LinAlgError.
    X, y = _data(seed=5)
    ref = make().fit(X, y)
    est = _scale_penalty(make(), scale**2).fit(X * scale, y)
    np.testing.assert_allclose(est.coef_ * scale, ref.coef_, rtol=1e-9)
    np.testing.assert_allclose(est.intercept_, ref.intercept_, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(est.predict(X * scale), ref.predict(X), rtol=1e-9)


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("scale", [1e200, 1e300])
def test_huge_x_makes_the_penalty_negligible(make, scale):
    # alpha / scale^2 is below float64's resolution of the eigenvalues: the right
    # answer is the ridgeless fit of the unit-scale data.
    X, y = _data(seed=5)
    ref = _scale_penalty(make(), 0.0).fit(X, y)
    est = make().fit(X * scale, y)
    np.testing.assert_allclose(est.coef_ * scale, ref.coef_, rtol=1e-9)
    np.testing.assert_allclose(est.predict(X * scale), ref.predict(X), rtol=1e-9)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_tiny_x_with_a_penalty_that_overflows_is_a_clear_error(make):
    X, y = _data(seed=5)
    with pytest.raises(ValueError, match="alphas .* too large for the magnitude"):
        make().fit(X * 1e-200, y)


@pytest.mark.parametrize("make", ESTIMATORS)
def test_huge_y_whose_squared_errors_overflow_is_a_clear_error(make):
    X, y = _data(seed=6)
    est = make().fit(X, y * 1e100)  # squared errors 1e200: still representable
    np.testing.assert_allclose(est.predict(X) / 1e100, make().fit(X, y).predict(X),
                               rtol=1e-9)
    with pytest.raises(ValueError, match="overflow"):
        make().fit(X, y * 1e250)


def _fit_pair(make, X, y, offset):
    return make().fit(X, y), make().fit(X + offset, y)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(offset=st.floats(-1e8, 1e8), log_scale=st.floats(-150, 150),
       y_offset=st.floats(-1e8, 1e8), which=st.integers(0, 3))
def test_translation_equivariance_with_an_intercept(offset, log_scale, y_offset,
                                                      which):
    # With an intercept, shifting X moves only the intercept (by -coef @ shift) and
    # shifting y moves it by the shift; where float64 cannot hold the data's
    # variation around the offset, a ValueError says so.
    make = ESTIMATORS[which]
    scale = 10.0**log_scale
    X, y = _data(n=30, p=4, seed=7)
    X = X * scale
    shift = offset * np.array([1.0, -0.5, 0.25, 2.0])
    Xs = X + shift
    ys = y + y_offset
    spread = np.append(np.ptp(Xs, axis=0) / np.max(np.abs(Xs), axis=0),
                       np.ptp(ys) / np.max(np.abs(ys)))
    if np.any(spread == 0):
        return  # the shifted data hold no variation at all: nothing to compare
    est = _scale_penalty(make(), scale**2)  # the penalty follows the data's scale
    ref = est.fit(X, y)
    coef, intercept, pred = ref.coef_.copy(), ref.intercept_, ref.predict(X)
    if np.any(spread < 1e-10):
        with pytest.raises(ValueError, match="translation-equivariant"):
            est.fit(Xs, ys)
        return
    est.fit(Xs, ys)
    # float64 keeps the variation of X and y to about eps / spread
    rtol = 1e-9 + 1e3 * np.finfo(float).eps / spread.min()
    np.testing.assert_allclose(est.coef_, coef, rtol=rtol, atol=rtol * np.abs(
        coef).max())
    np.testing.assert_allclose(est.predict(Xs), pred + y_offset, rtol=rtol,
                               atol=rtol * (np.abs(pred).max() + abs(y_offset)))
    np.testing.assert_allclose(est.intercept_ + est.coef_ @ shift,
                               intercept + y_offset, rtol=rtol,
                               atol=rtol * (abs(intercept) + abs(y_offset) + 1))


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("where", ["X", "y", "sample_weight"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_is_rejected(make, where, bad):
    X, y = _data(seed=8)
    w = np.ones(X.shape[0])
    {"X": X, "y": y, "sample_weight": w}[where].flat[3] = bad
    with pytest.raises(ValueError, match="NaN|inf"):
        make().fit(X, y, sample_weight=w)


@pytest.mark.parametrize("path, kwargs", [
    (ridge_ensemble_gcv_path, {}),
    (sketched_ridge_gcv_path, {"sketch_sizes": 2}),
])
def test_paths_reject_non_finite_input(path, kwargs):
    X, y = _data(seed=9)
    X_bad = X.copy()
    X_bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="X contains NaN"):
        path(X_bad, y, [0.1], **kwargs)
    with pytest.raises(ValueError, match="y contains NaN"):
        path(X, np.where(np.arange(y.size) == 2, np.inf, y), [0.1], **kwargs)
    with pytest.raises(ValueError, match="alphas"):
        path(X, y, [np.nan], **kwargs)


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("weights, match", [
    (-np.ones(40), "sample_weight has negative"),
    (np.zeros(40), "(?i)sample.weight.*(zero|non-zero)"),
    (np.ones(39), "sample_weight"),
])
def test_bad_weights_name_the_parameter(make, weights, match):
    X, y = _data(seed=10)
    with pytest.raises(ValueError, match=match):
        make().fit(X, y, sample_weight=weights)


@pytest.mark.parametrize("make, match", [
    (lambda: SubsampleRidgeEnsembleCV(alphas=[0.1, np.nan]), "alphas"),
    (lambda: SubsampleRidgeEnsembleCV(alphas=[0.1, np.inf]), "alphas"),
    (lambda: SubsampleRidgeEnsembleCV(subsample_sizes=[0.0]), r"\(0, 1\]"),
    (lambda: SubsampleRidgeEnsemble(alpha=np.nan), "alpha"),
    (lambda: SketchedRidgeEnsemble(alpha=np.inf), "alpha"),
    (lambda: SketchedRidgeEnsemble(sketch_size=0), "sketch_size"),
    (lambda: SketchedRidgeEnsembleCV(sketch_sizes=[0]), "sketch sizes"),
    (lambda: SketchedRidgeEnsembleCV(alphas=[np.nan]), "alphas"),
    (lambda: SubsampleRidgeEnsembleCV(alphas=[0.0], subsample_sizes=[1.0],
                                      fit_intercept=False),
     "no grid point has a finite criterion"),
])
def test_bad_parameters_name_the_parameter_and_range(make, match):
    X, y = _data(n=40, p=50, seed=11)  # p > n: the ridgeless full fit interpolates
    with pytest.raises(ValueError, match=match):
        make().fit(X, y)


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_inputs_are_not_modified(make, dtype, fit_intercept):
    X, y = _data(seed=12)
    X = X.astype(dtype)
    w = np.random.default_rng(0).uniform(0.5, 2.0, X.shape[0])
    copies = [X.copy(), y.copy(), w.copy()]
    est = make().set_params(fit_intercept=fit_intercept).fit(X, y, sample_weight=w)
    est.predict(X)
    est.predict_interval(X)
    for before, after in zip(copies, [X, y, w]):
        np.testing.assert_array_equal(before, after)


@pytest.mark.parametrize("make", ESTIMATORS)
@pytest.mark.parametrize("targets", [None, 2])
def test_dask_predict_is_lazy_and_equals_numpy(make, targets):
    dask = pytest.importorskip("dask")
    da = pytest.importorskip("dask.array")
    X, y = _data(n=60, seed=13, targets=targets)
    est = make().fit(X, y)
    blocks_seen = []

    def block(i):
        blocks_seen.append(i)
        return X[20 * i:20 * (i + 1)]

    # three blocks built on demand: nothing exists before compute
    dX = da.concatenate([
        da.from_delayed(dask.delayed(block)(i), shape=(20, 5),
                        dtype=np.float64) for i in range(3)])
    pred = est.predict(dX)
    assert blocks_seen == []  # lazy: no block read yet
    assert pred.chunks[0] == dX.chunks[0]
    np.testing.assert_allclose(pred.compute(), est.predict(X), rtol=1e-12)
    with pytest.raises(ValueError, match="features"):
        est.predict(dX[:, :3])
