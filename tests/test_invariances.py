"""Invariances of the models, as property-based tests (issue 14, contract item 1).

GDA (every covariance type) and the Gaussian detectors do not depend on the
origin or on the units of the features: translating X by up to 1e8 and scaling
each feature by 1e-150..1e150 must give identical labels and rank-identical scores.
(The spherical covariance types are invariant to one common scale only: a
per-feature scale changes the model itself.) Ridge ensembles and ``LpRegression``
with an intercept are translation-equivariant; KDE modes move with the data.
Where float64 cannot hold the transformed problem, a ValueError must say so.

The references are the model on the untransformed data and, for GDA, scikit-learn's
LDA/QDA on the transformed data. Failing properties are strict xfails (none today).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from scipy.stats import spearmanr
from sklearn.discriminant_analysis import (
    LinearDiscriminantAnalysis,
    QuadraticDiscriminantAnalysis,
)

from sklearn_lowdim.density import KDEMode
from sklearn_lowdim.discriminant_analysis import GaussianDiscriminantAnalysis
from sklearn_lowdim.linear_model import (
    SketchedRidgeEnsemble,
    SubsampleRidgeEnsemble,
)
from sklearn_lowdim.ood import MahalanobisOOD, RobustMahalanobis, WDiscOOD
from sklearn_lowdim.sampling import LpRegression

SETTINGS = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
D = 3
seeds = st.integers(0, 2**16)
# log10 of per-feature scales and offsets
exponents = st.lists(st.floats(-150, 150), min_size=D, max_size=D)
offsets = st.lists(st.floats(-8, 8), min_size=D, max_size=D)
UNITS = [-4.0, 0.0, 4.0]  # the everyday case: features in different units


def _classes(seed, n=90, n_classes=3):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    centres = rng.normal(0, 2.5, (n_classes, D))
    mix = rng.normal(size=(D, D)) + 2 * np.eye(D)
    X = centres[y] + rng.normal(size=(n, D)) @ mix
    return X, y, centres[rng.integers(0, n_classes, 40)] + 1.5 * rng.normal(
        size=(40, D)
    ) @ mix


def _params(keys, known):
    """pytest params over ``keys``; a strict xfail where ``known`` has a reason."""
    out = []
    for key in keys:
        reason = known.get(key)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        values = key if isinstance(key, tuple) else (key,)
        out.append(pytest.param(*values, marks=marks, id="-".join(map(str, values))))
    return out


def _offset(exps):
    return np.sign(exps) * 10.0 ** np.abs(np.asarray(exps))


def _confident(proba, margin=1e-6):
    # Rows whose top two posteriors differ: elsewhere a tie decides the label.
    top = np.sort(proba, axis=1)
    return top[:, -1] - top[:, -2] > margin


def _same_labels(model, X, y, X_test, transform):
    ref = model.fit(X, y)
    labels, proba = ref.predict(X_test), ref.predict_proba(X_test)
    try:
        moved = type(model)(**model.get_params()).fit(transform(X), y)
    except ValueError as exc:  # allowed only when float64 cannot hold the data
        assert "overflow" in str(exc).lower() or "float64" in str(exc), exc
        return
    keep = _confident(proba)
    got = moved.predict(transform(X_test))
    flips = np.mean(got[keep] != labels[keep])
    assert flips == 0, f"{flips:.0%} of the labels flipped"


# ----------------------------------------------------------------------- GDA
GDA_SCALE_FREE = ["tied", "full", "diag", "tied_diag"]
GDA_ALL = GDA_SCALE_FREE + ["spherical", "tied_spherical"]
# Before 7e516ec (GDA hardening) an offset of 1e8 flipped 25% of the labels of
# the linear types and units 1e-4, 1, 1e4 flipped 12-42% of every type's labels.
_FLOORED = "floors relative to the largest feature variance are not unit-free"
_GDA_TRANSLATION_XFAIL = {}
_GDA_SCALING_XFAIL = {}


@pytest.mark.parametrize("kind", _params(GDA_ALL, _GDA_TRANSLATION_XFAIL))
@SETTINGS
@given(seed=seeds, exps=offsets)
@example(seed=0, exps=[8.0, 8.0, 8.0])
def test_gda_translation_invariant(kind, seed, exps):
    X, y, X_test = _classes(seed)
    shift = _offset(exps)
    model = GaussianDiscriminantAnalysis(covariance_type=kind)
    _same_labels(model, X, y, X_test, lambda Z: Z + shift)


@pytest.mark.parametrize("kind", _params(GDA_SCALE_FREE, _GDA_SCALING_XFAIL))
@SETTINGS
@given(seed=seeds, exps=exponents)
@example(seed=0, exps=UNITS)
def test_gda_per_feature_scaling_invariant(kind, seed, exps):
    X, y, X_test = _classes(seed)
    scale = 10.0 ** np.asarray(exps)
    model = GaussianDiscriminantAnalysis(covariance_type=kind)
    _same_labels(model, X, y, X_test, lambda Z: Z * scale)


@pytest.mark.parametrize("kind", ["spherical", "tied_spherical"])
@SETTINGS
@given(seed=seeds, exp=st.floats(-150, 150))
def test_gda_spherical_common_scaling_invariant(kind, seed, exp):
    X, y, X_test = _classes(seed)
    model = GaussianDiscriminantAnalysis(covariance_type=kind)
    _same_labels(model, X, y, X_test, lambda Z: Z * 10.0**exp)


@pytest.mark.parametrize(
    "kind, Reference",
    [
        ("tied", LinearDiscriminantAnalysis),
        ("full", QuadraticDiscriminantAnalysis),
    ],
)
@SETTINGS
@given(seed=seeds, exps=st.lists(st.floats(-4, 4), min_size=D, max_size=D))
@example(seed=0, exps=UNITS)
def test_gda_matches_sklearn_on_scaled_data(kind, Reference, seed, exps):
    # scikit-learn's solvers standardise: an independent reference in any units.
    X, y, X_test = _classes(seed)
    scale = 10.0 ** np.asarray(exps)
    try:
        ref = Reference().fit(X * scale, y)
    except np.linalg.LinAlgError:  # QDA's own rank check: no reference here
        assume(False)
    keep = _confident(ref.predict_proba(X_test * scale))
    got = GaussianDiscriminantAnalysis(covariance_type=kind).fit(X * scale, y)
    pred = got.predict(X_test * scale)
    assert np.mean(pred[keep] != ref.predict(X_test * scale)[keep]) == 0


# ------------------------------------------------------------------ detectors
DETECTORS = {
    "MahalanobisOOD": lambda: MahalanobisOOD(),
    "MahalanobisOOD[relative]": lambda: MahalanobisOOD(relative=True),
    "WDiscOOD": lambda: WDiscOOD(),
    "RobustMahalanobis": lambda: RobustMahalanobis(),
}
_DETECTOR_TRANSLATION_XFAIL = {}
_DETECTOR_SCALING_XFAIL = {}


def _same_ranks(name, transform, seed):
    X, y, X_test = _classes(seed)
    make = DETECTORS[name]
    fit_args = (lambda Z: (Z,)) if name == "RobustMahalanobis" else (lambda Z: (Z, y))
    ref = make().fit(*fit_args(X))
    try:
        moved = make().fit(*fit_args(transform(X)))
    except ValueError as exc:
        assert "overflow" in str(exc).lower() or "float64" in str(exc), exc
        return
    a, b = ref.score_samples(X_test), moved.score_samples(transform(X_test))
    assert np.all(np.isfinite(b)), "non-finite scores"
    rho = spearmanr(a, b).statistic
    assert rho > 0.9999, f"rank correlation {rho:.4f} with the untransformed fit"
    assert np.mean(ref.predict(X_test) != moved.predict(transform(X_test))) == 0


@pytest.mark.parametrize("name", _params(DETECTORS, _DETECTOR_TRANSLATION_XFAIL))
@SETTINGS
@given(seed=seeds, exps=offsets)
@example(seed=0, exps=[8.0, 8.0, 8.0])
def test_detector_translation_invariant(name, seed, exps):
    shift = _offset(exps)
    _same_ranks(name, lambda Z: Z + shift, seed)


@pytest.mark.parametrize("name", _params(DETECTORS, _DETECTOR_SCALING_XFAIL))
@SETTINGS
@given(seed=seeds, exps=exponents)
@example(seed=0, exps=UNITS)
def test_detector_per_feature_scaling_invariant(name, seed, exps):
    scale = 10.0 ** np.asarray(exps)
    _same_ranks(name, lambda Z: Z * scale, seed)


# ---------------------------------------------------------------- regressors
REGRESSORS = {
    "SubsampleRidgeEnsemble": lambda: SubsampleRidgeEnsemble(
        alpha=0.1, n_estimators=5, subsample_size=0.7, random_state=0
    ),
    "SketchedRidgeEnsemble": lambda: SketchedRidgeEnsemble(
        alpha=0.1, n_estimators=3, random_state=0
    ),
    "LpRegression[p=2]": lambda: LpRegression(p=2, random_state=0),
    "LpRegression[p=1.5]": lambda: LpRegression(p=1.5, random_state=0),
}
_REGRESSOR_XFAIL = {}


def _regression(seed, n=80):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, D))
    y = X @ rng.normal(size=D) + 0.3 * rng.normal(size=n) + 2.0
    return X, y, rng.normal(size=(30, D))


@pytest.mark.parametrize("name", _params(REGRESSORS, _REGRESSOR_XFAIL))
@SETTINGS
@given(seed=seeds, exps=offsets, y_exp=st.floats(-8, 8))
@example(seed=0, exps=[8.0, 8.0, 8.0], y_exp=8.0)
def test_regressor_translation_equivariant(name, seed, exps, y_exp):
    # f(X + a; y + b)(x + a) = f(X; y)(x) + b for a model with an intercept.
    X, y, X_test = _regression(seed)
    a, b = _offset(exps), float(_offset([y_exp])[0])
    ref = REGRESSORS[name]().fit(X, y).predict(X_test)
    got = REGRESSORS[name]().fit(X + a, y + b).predict(X_test + a) - b
    # float64 holds X + a and y + b to (|a| + |b|) * 2**-52; allow 1e3 times that.
    tol = 1e-6 * np.std(y) + 1e3 * (np.abs(a).max() + abs(b)) * 2.0**-52
    np.testing.assert_allclose(got, ref, atol=tol, rtol=1e-6)


# ----------------------------------------------------------------------- KDE
def _kde():
    return KDEMode(n_starts=2, max_iter=50, random_state=0)


def _blob(seed, n=60):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, D)) * [1.0, 2.0, 0.5]


@SETTINGS
@given(seed=seeds, exps=offsets)
@example(seed=0, exps=[8.0, 8.0, 8.0])
def test_kde_mode_moves_with_translation(seed, exps):
    X = _blob(seed)
    shift = _offset(exps)
    ref = _kde().fit(X)
    moved = _kde().fit(X + shift)
    # X + shift is exact to |shift| * 2**-52 per coordinate, so is the mode.
    atol = 1e-3 * ref.bandwidth_ + 4 * np.abs(shift).max() * 2.0**-52
    np.testing.assert_allclose(moved.mode_ - shift, ref.mode_, rtol=0, atol=atol)


@SETTINGS
@given(seed=seeds, exp=st.floats(-150, 150))
@example(seed=0, exp=-150.0)
@example(seed=0, exp=150.0)
def test_kde_mode_moves_with_common_scaling(seed, exp):
    X = _blob(seed)
    c = 10.0**exp
    ref = _kde().fit(X)
    try:
        moved = _kde().fit(X * c)
    except ValueError as exc:
        assert "overflow" in str(exc).lower() or "float64" in str(exc), exc
        return
    np.testing.assert_allclose(moved.mode_ / c, ref.mode_, atol=1e-3 * ref.bandwidth_)


# ------------------------------------------------- beyond float64's exponent range
# Before 8f3d87f (main) 1e-300 flipped 70% of the labels with only a warning,
# and 1e300 raised "covariance contains NaN or infinity".
_EXTREME_XFAIL = {}


@pytest.mark.parametrize(
    "kind, exp",
    _params([(k, e) for k in ("tied", "full") for e in (-300, 300)], _EXTREME_XFAIL),
)
def test_gda_extreme_scale_is_invariant_or_says_overflow(kind, exp):
    # Squares of 1e300 overflow and of 1e-300 underflow: either the model
    # standardises and gets the same labels, or a ValueError names the problem.
    X, y, X_test = _classes(0)
    model = GaussianDiscriminantAnalysis(covariance_type=kind)
    _same_labels(model, X, y, X_test, lambda Z: Z * 10.0**exp)
