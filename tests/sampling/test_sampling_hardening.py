"""Bad and extreme input against every public function and estimator of sampling/
and sketching/: a ValueError/TypeError that says what is wrong, or a finite,
correct answer; never another exception, never a silent NaN, never a mutated input."""

import types
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, QuantileRegressor

from sklearn_lowdim.sampling import (
    CoresetEstimator,
    LpRegression,
    SensitivitySampler,
    bernoulli_probabilities,
    leverage_scores,
    lewis_weights,
    lp_sensitivities,
    root_leverage_scores,
    subspace_distortion,
)
from sklearn_lowdim.sketching import SKETCH_KINDS, make_sketch


def _data(n=60, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)
    return X, y


def _hat_diag(A):
    """Leverage scores by brute force: the diagonal of the hat matrix (pinv)."""
    return np.einsum("ij,ji->i", A, np.linalg.pinv(A))


# ---------------------------------------------------------------------------
# the sweep: every public callable, every bad-input class

def _bad_inputs():
    X, _ = _data()
    nan = X.copy()
    nan[3, 1] = np.nan
    inf = X.copy()
    inf[5, 0] = -np.inf
    return {
        "nan": nan,
        "inf": inf,
        "empty": np.empty((0, 3)),
        "no_features": np.empty((10, 0)),
        "one_dim": X[:, 0],
        "strings": np.array([["a", "b"], ["c", "d"]]),
        "complex": X.astype(complex),
    }


def _odd_inputs():
    """Valid but awkward inputs: the answer must be finite (and correct)."""
    X, _ = _data()
    dup = np.column_stack([X, X[:, 0]])
    const = np.column_stack([X, np.ones(len(X))])
    return {
        "one_row": X[:1],
        "n_less_than_d": _data(4, 8)[0],
        "duplicated_column": dup,
        "constant_column": const,
        "huge": X * 1e300,
        "tiny": X * 1e-300,
        "mixed_units": X * np.array([1e-150, 1.0, 1e150]),
        "offset": X + 1e8,
        "float32": X.astype(np.float32),
        "fortran": np.asfortranarray(X),
    }


FUNCTIONS = {
    "leverage_scores": lambda A: leverage_scores(A),
    "leverage_scores_sketch": lambda A: leverage_scores(
        A, method="sketch", random_state=0),
    "root_leverage_scores": lambda A: root_leverage_scores(A, p=1),
    "lewis_weights": lambda A: lewis_weights(A, p=1),
    "lewis_weights_approx": lambda A: lewis_weights(
        A, p=1.5, method="approximate", random_state=0),
    "lp_sensitivities": lambda A: lp_sensitivities(A, p=3, method="mixture"),
    "lp_sensitivities_exact": lambda A: lp_sensitivities(A, p=1, method="exact"),
    "subspace_distortion": lambda A: subspace_distortion(
        A, np.arange(len(A)), np.ones(len(A)), p=1, n_directions=20,
        random_state=0),
    **{
        f"sketch_{kind}": (
            lambda A, kind=kind: make_sketch(kind, len(A), max(1, len(A) // 2),
                                             random_state=0).apply_left(A)
        )
        for kind in SKETCH_KINDS
    },
}

ESTIMATORS = {
    "SensitivitySampler": lambda X, y: SensitivitySampler(
        p=1, random_state=0).fit_resample(X, y)[0],
    "SensitivitySampler_sketch": lambda X, y: SensitivitySampler(
        p=1.5, n_samples=0.5, score_method="sketch", random_state=0
    ).fit_resample(X, y)[0],
    "LpRegression": lambda X, y: LpRegression(p=1.5).fit(X, y).predict(X),
    "LpRegression_coreset": lambda X, y: LpRegression(
        p=1, coreset_size="auto", random_state=0).fit(X, y).predict(X),
    "CoresetEstimator": lambda X, y: CoresetEstimator(
        LinearRegression(), random_state=0).fit(X, y).predict(X),
}


def _run_and_check(call, *args):
    copies = [np.array(a, copy=True) for a in args]
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = call(*args)
    except (ValueError, TypeError) as exc:
        assert len(str(exc)) > 20, f"unhelpful message: {exc!r}"
        out, caught = None, []
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(a, c, err_msg="input was modified")
    if out is not None and np.asarray(out).dtype.kind in "fc":
        warned = any(issubclass(w.category, (RuntimeWarning, UserWarning))
                     for w in caught)
        assert np.all(np.isfinite(out)) or warned, "non-finite output, no warning"
    return out


@pytest.mark.parametrize("case", sorted(_bad_inputs()))
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_functions_reject_bad_input(name, case):
    A = _bad_inputs()[case]
    if name.startswith("sketch_") and case in ("no_features", "one_dim"):
        # a sketch applies to vectors, and to matrices without columns
        assert FUNCTIONS[name](A).shape[0] == len(A) // 2
        return
    with pytest.raises((ValueError, TypeError)) as info:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            FUNCTIONS[name](A.copy())
    assert len(str(info.value)) > 20


@pytest.mark.parametrize("case", sorted(_odd_inputs()))
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_functions_on_awkward_input(name, case):
    _run_and_check(FUNCTIONS[name], _odd_inputs()[case])


@pytest.mark.parametrize("case", sorted(_bad_inputs()))
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_estimators_reject_bad_input(name, case):
    X = _bad_inputs()[case]
    y = np.arange(X.shape[0], dtype=float) if X.ndim == 2 else np.arange(len(X))
    with pytest.raises((ValueError, TypeError)) as info:
        ESTIMATORS[name](X, y)
    assert len(str(info.value)) > 20


@pytest.mark.parametrize("case", sorted(_odd_inputs()))
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_estimators_on_awkward_input(name, case):
    X = _odd_inputs()[case]
    y = _data(len(X), 1, seed=1)[1]
    _run_and_check(ESTIMATORS[name], X, y)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
@pytest.mark.parametrize("name", sorted(ESTIMATORS))
def test_estimators_reject_non_finite_y(name, bad):
    X, y = _data()
    y[4] = bad
    with pytest.raises(ValueError, match="y"):
        ESTIMATORS[name](X, y)


@pytest.mark.parametrize("name", sorted(_odd_inputs()))
def test_scores_are_right_on_awkward_input(name):
    """Leverage scores do not depend on units or column scales: the awkward
    matrices get the brute-force scores of their well-scaled version."""
    A = _odd_inputs()[name]
    if name in ("huge", "tiny", "mixed_units", "offset"):
        X, _ = _data()
        reference = X + 1.0 if name == "offset" else X  # offset: [X + c] ~ [X] + c
        expected = _hat_diag(reference if name != "offset" else A)
    else:
        expected = _hat_diag(np.asarray(A, dtype=np.float64))
    assert_allclose(leverage_scores(A), expected, rtol=1e-6, atol=1e-9)


# ---------------------------------------------------------------------------
# parameters and weights

@pytest.mark.parametrize("make", [
    lambda: LpRegression(),
    lambda: SensitivitySampler(random_state=0),
    lambda: CoresetEstimator(LinearRegression(), random_state=0),
])
@pytest.mark.parametrize("weights", ["negative", "nan", "zeros"])
def test_bad_sample_weight_rejected(make, weights):
    X, y = _data()
    sw = np.ones(len(y))
    if weights == "negative":
        sw[3] = -1.0
    elif weights == "nan":
        sw[3] = np.nan
    else:
        sw[:] = 0.0
    sw0 = sw.copy()
    with pytest.raises(ValueError, match="(?i)sample.weight"):
        make().fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(sw, sw0)


@pytest.mark.parametrize("size", [5, 20, 0.01])
def test_coreset_smaller_than_coefficients_raises(size):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 20))
    y = X.sum(axis=1)
    with pytest.raises(ValueError, match=r"coreset_size=.*21 coefficients"):
        LpRegression(coreset_size=size, random_state=0).fit(X, y)


def test_sampler_below_rank_warns():
    X, y = _data(500, 10)
    with pytest.warns(UserWarning, match="fewer than the rank 12"):
        SensitivitySampler(n_samples=5, random_state=0).fit(X, y)


@pytest.mark.parametrize("p", [0.01, 0.1, 0.49])
def test_p_below_lewis_range_raises(p):
    X, y = _data()
    with pytest.raises(ValueError, match=r"'p' parameter.*\[0.5, inf\)"):
        lewis_weights(X, p=p)
    with pytest.raises(ValueError, match=f"p={p:g}.*0.5"):
        SensitivitySampler(p=p).fit(X, y)
    with pytest.raises(ValueError, match=f"p={p:g}"):
        lp_sensitivities(X, p=p)


def test_small_p_with_root_leverage_scores_samples_correctly():
    """Below the Lewis range, root leverage scores still work: they are
    tau ** (p / 2) of the brute-force scores, and the sampler keeps rows."""
    X, y = _data(400, 3)
    tau = _hat_diag(np.column_stack([X, np.ones(400), y]))
    s = SensitivitySampler(p=0.01, n_samples=100, scores="root_leverage",
                           score_method="exact", random_state=0).fit(X, y)
    assert_allclose(s.scores_, tau ** 0.005, rtol=1e-8)
    assert 50 < len(s.sample_indices_) < 150


@pytest.mark.parametrize("p", [0.5, 0.75])
def test_lewis_weights_near_the_lower_limit_are_fixed_points(p):
    X, _ = _data(300, 4)
    w = lewis_weights(X, p=p)
    M = X.T @ (X * (w ** (1 - 2 / p))[:, None])
    q = np.einsum("ij,ij->i", X @ np.linalg.inv(M), X)
    assert_allclose(w, q ** (p / 2), rtol=1e-6)
    assert w.sum() == pytest.approx(4)


def test_bernoulli_probabilities_rejects_bad_scores():
    for bad in (np.array([1.0, np.nan]), np.array([1.0, -1.0]),
                np.ones((2, 2))):
        with pytest.raises(ValueError, match="scores"):
            bernoulli_probabilities(bad, 1)
    with pytest.raises(ValueError, match="n_samples"):
        bernoulli_probabilities(np.ones(3), 0)


def test_subspace_distortion_validates_the_sample():
    X, _ = _data()
    with pytest.raises(ValueError, match="sample_weight"):
        subspace_distortion(X, np.arange(3), np.array([1.0, np.nan, 1.0]))
    with pytest.raises(ValueError, match="non-negative"):
        subspace_distortion(X, np.arange(3), np.array([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match="integer"):
        subspace_distortion(X, np.array([0.5, 1.0]), np.ones(2))


@pytest.mark.parametrize("failing", [("highs",), ("highs", "highs-ipm", "highs-ds")])
def test_linprog_failure_falls_back(monkeypatch, failing):
    """A HiGHS failure (status != 0) never escapes as a RuntimeError: another
    HiGHS method gives the l_1 optimum (checked against scikit-learn's
    QuantileRegressor), and when all fail IRLS does, with a warning."""
    from scipy.optimize import linprog

    from sklearn_lowdim.sampling import _solvers

    X, y = _data(200, 3)
    reference = QuantileRegressor(quantile=0.5, alpha=0.0).fit(X, y)

    def flaky_linprog(*args, method, **kwargs):
        if method in failing:
            return types.SimpleNamespace(status=4, message="Numerical difficulties",
                                         x=None, nit=0)
        return linprog(*args, method=method, **kwargs)

    monkeypatch.setattr(_solvers, "linprog", flaky_linprog)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        reg = LpRegression(p=1, solver="linprog").fit(X, y)
    warned = [w for w in caught if issubclass(w.category, ConvergenceWarning)]

    def cost(coef, intercept):
        return np.abs(y - X @ coef - intercept).sum()

    optimum = cost(reference.coef_, reference.intercept_)
    if len(failing) == 1:
        assert not warned
        assert cost(reg.coef_, reg.intercept_) <= optimum * (1 + 1e-9)
    else:
        assert len(warned) == 1 and "HiGHS" in str(warned[0].message)
        assert cost(reg.coef_, reg.intercept_) <= optimum * (1 + 1e-3)


# ---------------------------------------------------------------------------
# invariances

def test_large_offset_matches_linear_regression():
    """Features with mean 1e8 (sd 1): R^2 of LinearRegression (the issue's case)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2000, 5)) + 1e8
    y = (X - 1e8) @ rng.standard_normal(5) + 0.1 * rng.standard_normal(2000)
    r2_ref = LinearRegression().fit(X, y).score(X, y)
    assert r2_ref > 0.99
    r2 = LpRegression(p=2).fit(X, y).score(X, y)
    assert r2 == pytest.approx(r2_ref, abs=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    x_offset=st.floats(-1e8, 1e8),
    y_offset=st.floats(-1e8, 1e8),
    p=st.sampled_from([1.0, 1.5, 2.0, 3.0]),
    seed=st.integers(0, 2**16),
)
def test_translation_equivariance(x_offset, y_offset, p, seed):
    """fit(X + a, y + c) predicts fit(X, y)'s predictions + c, for offsets up
    to 1e8: the intercept absorbs translations of X and y."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((150, 3))
    y = X @ rng.standard_normal(3) + rng.laplace(size=150)
    shift = x_offset * rng.uniform(0.5, 1.0, 3)
    base = LpRegression(p=p).fit(X, y).predict(X)
    moved = LpRegression(p=p).fit(X + shift, y + y_offset).predict(X + shift)
    # float64 holds X + shift to |shift| * 1e-16 only, and p = 1 optima may
    # move between equally good vertices: compare on the residual scale
    tol = 1e-5 * np.std(y) + 1e-14 * (abs(x_offset) + abs(y_offset))
    if p == 1:
        f = np.abs(y - base).sum()
        f_moved = np.abs(y + y_offset - moved).sum()
        assert abs(f_moved - f) <= 1e-6 * f + tol * len(y)
    else:
        assert_allclose(moved - y_offset, base, atol=tol * 10)


@settings(max_examples=15, deadline=None)
@given(scale=st.sampled_from([1e-150, 1e-50, 1e-5, 1e5, 1e50, 1e150]),
       p=st.sampled_from([1.5, 2.0, 3.0]))
def test_unit_equivariance(scale, p):
    """Rescaling a feature by s rescales its coefficient by 1 / s: same predictions."""
    X, y = _data(120, 3, seed=2)
    units = np.array([scale, 1.0, 1.0 / scale])
    base = LpRegression(p=p).fit(X, y).predict(X)
    scaled = LpRegression(p=p).fit(X * units, y).predict(X * units)
    assert_allclose(scaled, base, rtol=1e-6, atol=1e-6 * np.std(y))


@pytest.mark.parametrize("scheme", ["bernoulli", "with_replacement"])
def test_zero_matrix_has_nothing_to_sample(scheme):
    with pytest.raises(ValueError, match="score 0"):
        SensitivitySampler(fit_intercept=False, scheme=scheme).fit(np.zeros((50, 3)))
