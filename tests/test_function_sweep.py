"""Bad-input sweep over the public numeric functions (issue 14).

The cases and the contract are those of ``test_input_sweep`` (a ValueError or
TypeError that says what is wrong, or a finite result; no other exception, no
non-finite output without a warning, no mutated input). ``FUNCTIONS`` says how to
call each function on a case's ``X`` (and ``y``); ``BAD_ARGUMENTS`` holds calls with
an invalid argument that must raise. A public function of the swept subpackages
without a row fails ``test_every_function_is_swept``.
"""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LinearRegression
from test_input_sweep import (
    CASES,
    NONFINITE,
    _call,
    _data,
    _mutations,
    _snapshot,
    _verdict,
    as_params,
    check,
)

from sklearn_lowdim import covariance as _cov
from sklearn_lowdim.covariance import (
    GaussianStatistics,
    Whitener,
    covariance_from_statistics,
    lda_shrunk_covariance,
    ledoit_wolf_shrinkage_from_moments,
    mahalanobis_distances,
    oas_shrinkage,
    shrink_covariance,
)
from sklearn_lowdim.datasets import make_gaussian_mixture, marchenko_pastur_ridge_risk
from sklearn_lowdim.density import clt_bandwidth_factor
from sklearn_lowdim.linear_model import ridge_ensemble_gcv_path, sketched_ridge_gcv_path
from sklearn_lowdim.metrics import detection_report, fpr_at_tpr, ood_aupr, ood_auroc
from sklearn_lowdim.sampling import (
    bernoulli_probabilities,
    leverage_scores,
    lewis_weights,
    lp_sensitivities,
    root_leverage_scores,
    subspace_distortion,
)
from sklearn_lowdim.sketching import SKETCH_KINDS, make_sketch


def _col(X, j=0):
    if isinstance(X, pd.DataFrame):
        return X.iloc[:, j]
    if isinstance(X, list):
        return [row[j] for row in X]
    if sp.issparse(X):
        return X[:, [j]]
    return np.asarray(X)[:, j]


def _ncols(X):
    # the last axis: a 1-d X must reach the function (which rejects it), not
    # crash the harness
    return np.shape(X)[-1] if not isinstance(X, list) else len(X[0])


def _gram(X):
    X = np.asarray(X.toarray() if sp.issparse(X) else X, dtype=np.float64)
    with np.errstate(all="ignore"):
        return X.T @ X / max(len(X), 1)


def _whitened(X, y):
    d = _ncols(X)
    return mahalanobis_distances(X, np.zeros((1, d)), Whitener().fit(np.eye(d)))


def _sketched(kind):
    def call(X, y):
        return make_sketch(kind, np.shape(X)[0], 4, random_state=0).apply_left(X)

    return call


def _statistics(X, y):
    stats = GaussianStatistics.from_data(X, moments=True)
    return covariance_from_statistics(stats, "ledoit_wolf")[0]


def _lw_moments(X, y):
    return ledoit_wolf_shrinkage_from_moments(_gram(X), len(np.asarray(X)), 1.0)


_VECTOR_ONLY = {"no_feature", "duplicated_column", "one_d_X", "strings", "sparse_csr"}
_FN_CASES = [c for c, row in CASES.items() if row[3] == "all"]
# A list in CASES order, not a set: xdist workers must collect the same order.
_COV_CASES = [c for c in _FN_CASES if c in {
    "nan_in_X", "inf_in_X", "constant_column", "identical_rows", "one_row",
    "n_less_than_d", "scale_1e-300", "offset_1e8"}]  # fmt: skip
# (no scale_1e300: the harness's own Gram matrix would overflow to inf)


# name: (call(X, y), y kind, cases), bad arguments: name -> (call, regex)
FUNCTIONS = {
    "leverage_scores": (lambda X, y: leverage_scores(X), None, _FN_CASES),
    "lewis_weights": (lambda X, y: lewis_weights(X, p=1.0), None, _FN_CASES),
    "lewis_weights[p=3]": (lambda X, y: lewis_weights(X, p=3.0), None, _FN_CASES),
    "lp_sensitivities": (lambda X, y: lp_sensitivities(X, p=1.0), None, _FN_CASES),
    "root_leverage_scores": (lambda X, y: root_leverage_scores(X, p=1.0), None,
                             _FN_CASES),
    "bernoulli_probabilities": (lambda X, y: bernoulli_probabilities(
        np.abs(np.asarray(_col(X), dtype=float)), 5), None,
        [c for c in _FN_CASES if c not in _VECTOR_ONLY]),
    "subspace_distortion": (lambda X, y: subspace_distortion(
        X, np.arange(2), np.ones(2), n_directions=10, random_state=0), None, _FN_CASES),
    "mahalanobis_distances": (_whitened, None, _FN_CASES),
    "GaussianStatistics+covariance_from_statistics": (_statistics, None, _FN_CASES),
    "lda_shrunk_covariance": (lambda X, y: lda_shrunk_covariance(
        X, y, np.array([0.5, 0.5])), "classes", _FN_CASES),
    "shrink_covariance": (lambda X, y: shrink_covariance(_gram(X), 0.5), None,
                          _COV_CASES),
    "oas_shrinkage": (lambda X, y: oas_shrinkage(_gram(X), 5), None, _COV_CASES),
    "ledoit_wolf_shrinkage_from_moments": (_lw_moments, None, _COV_CASES),
    "Whitener.fit": (lambda X, y: Whitener().fit(_gram(X)).W_, None, _COV_CASES),
    # The sketch is drawn for the data's row count (so no "empty" case); a 1-d
    # vector and a matrix without columns are documented inputs (the sketch of
    # an (n, 0) matrix is (m, 0), tests/sampling/test_sampling_hardening.py).
    **{f"Sketch.apply_left[{k}]": (_sketched(k), None, [
        c for c in _FN_CASES if c not in ("empty", "one_d_X", "no_feature")])
       for k in SKETCH_KINDS},
    "ood_auroc": (lambda X, y: ood_auroc(_col(X, 0), _col(X, 1)), None,
                  [c for c in _FN_CASES if c not in _VECTOR_ONLY]),
    "ood_aupr": (lambda X, y: ood_aupr(_col(X, 0), _col(X, 1)), None,
                 [c for c in _FN_CASES if c not in _VECTOR_ONLY]),
    "fpr_at_tpr": (lambda X, y: fpr_at_tpr(_col(X, 0), _col(X, 1)), None,
                   [c for c in _FN_CASES if c not in _VECTOR_ONLY]),
    "ridge_ensemble_gcv_path": (lambda X, y: ridge_ensemble_gcv_path(
        X, y, [0.1, 1.0], n_estimators=2, random_state=0), "continuous",
        _FN_CASES),
    "sketched_ridge_gcv_path": (lambda X, y: sketched_ridge_gcv_path(
        X, y, [0.1, 1.0], sketch_sizes=[0.5], n_estimators=2, random_state=0),
        "continuous", _FN_CASES),
}  # fmt: skip

BAD_ARGUMENTS = {
    "lewis_weights[p=0.01]": (lambda: lewis_weights(_data(None)[0], p=0.01), "p"),
    "lewis_weights[p=nan]": (lambda: lewis_weights(_data(None)[0], p=np.nan), "p"),
    "lp_sensitivities[p=0]": (lambda: lp_sensitivities(_data(None)[0], p=0.0), "p"),
    "root_leverage_scores[p=-1]": (lambda: root_leverage_scores(
        _data(None)[0], p=-1.0), "p"),
    "bernoulli_probabilities[negative]": (lambda: bernoulli_probabilities(
        -np.ones(5), 2), "score"),
    "bernoulli_probabilities[n_samples=0]": (lambda: bernoulli_probabilities(
        np.ones(5), 0), "n_samples"),
    "subspace_distortion[index_out_of_range]": (lambda: subspace_distortion(
        _data(None)[0], np.array([0, 99]), np.ones(2), n_directions=5), "indic"),
    "subspace_distortion[negative_weight]": (lambda: subspace_distortion(
        _data(None)[0], np.arange(2), -np.ones(2), n_directions=5), "weight"),
    "subspace_distortion[weight_length]": (lambda: subspace_distortion(
        _data(None)[0], np.arange(2), np.ones(3), n_directions=5), "weight"),
    "shrink_covariance[shrinkage=1.5]": (lambda: shrink_covariance(
        np.eye(2), 1.5), "shrinkage"),
    "shrink_covariance[shrinkage=nan]": (lambda: shrink_covariance(
        np.eye(2), np.nan), "shrinkage"),
    "shrink_covariance[not_square]": (lambda: shrink_covariance(
        np.ones((2, 3)), 0.5), "square"),
    "oas_shrinkage[n_samples=0]": (lambda: oas_shrinkage(np.eye(2), 0), "n_samples"),
    "mahalanobis_distances[centres_width]": (lambda: mahalanobis_distances(
        np.ones((3, 2)), np.zeros((1, 3)), Whitener().fit(np.eye(2))), "feature"),
    "Whitener.fit[not_symmetric]": (lambda: Whitener().fit(
        np.array([[1.0, 2.0], [0.0, 1.0]])), "symmetric"),
    "Whitener.fit[nan]": (lambda: Whitener().fit(np.full((2, 2), np.nan)), NONFINITE),
    "lda_shrunk_covariance[priors_nan]": (lambda: lda_shrunk_covariance(
        *_data("classes"), np.array([np.nan, 1.0])), "prior"),
    "make_sketch[size=0]": (lambda: make_sketch("gaussian", 5, 0), "sketch_size"),
    "make_sketch[n_features=0]": (lambda: make_sketch("gaussian", 0, 2), "n_features"),
    "make_sketch[kind]": (lambda: make_sketch("nope", 5, 2), "kind"),
    "clt_bandwidth_factor[n=0]": (lambda: clt_bandwidth_factor(0, 2), "n_samples"),
    "clt_bandwidth_factor[d=0]": (lambda: clt_bandwidth_factor(10, 0), "n_features"),
    "ood_auroc[empty]": (lambda: ood_auroc([], [1.0]), "empty|sample"),
    "fpr_at_tpr[tpr=1.5]": (lambda: fpr_at_tpr([1.0, 2], [0.0, 1], tpr=1.5), "tpr"),
    "ood_aupr[positive]": (lambda: ood_aupr([1.0], [0.0], positive="x"), "positive"),
    "detection_report[nan]": (lambda: detection_report(
        [np.nan, 1.0], [0.0, 1.0]), NONFINITE),
    "ridge_ensemble_gcv_path[alpha=-1]": (lambda: ridge_ensemble_gcv_path(
        *_data("continuous"), [-1.0]), "alpha"),
    "ridge_ensemble_gcv_path[alpha=nan]": (lambda: ridge_ensemble_gcv_path(
        *_data("continuous"), [np.nan]), "alpha"),
    "sketched_ridge_gcv_path[size=0]": (lambda: sketched_ridge_gcv_path(
        *_data("continuous"), [1.0], sketch_sizes=[0]), r"sketch.size"),
    "marchenko_pastur_ridge_risk[phi=0]": (lambda: marchenko_pastur_ridge_risk(
        1.0, 0.0), "phi"),
    "marchenko_pastur_ridge_risk[alpha=nan]": (lambda: marchenko_pastur_ridge_risk(
        np.nan, 0.5), "alpha"),
    "make_gaussian_mixture[n_samples=0]": (lambda: make_gaussian_mixture(
        0, 3), "n_samples"),
    "make_gaussian_mixture[weights_nan]": (lambda: make_gaussian_mixture(
        10, 2, n_components=2, weights=[np.nan, 1.0]), "weight"),
}  # fmt: skip

# The spectral helpers of the covariance layer (on main since 4697630); the rows
# exist only where the functions do.
_SPECTRAL = {
    "spectrum_from_factor": (lambda X, y: _cov.spectrum_from_factor(
        X, np.shape(X)[0])[0], None, _FN_CASES),
    "floor_eigenvalues": (lambda X, y: _cov.floor_eigenvalues(
        np.asarray(_col(X), dtype=float), eig_floor=1e-12, singular="floor")[0],
        None, [c for c in _FN_CASES if c not in _VECTOR_ONLY]),
}  # fmt: skip
_SPECTRAL_BAD = {
    "shrinkage_from_spectrum[nan]": (lambda: _cov.shrinkage_from_spectrum(
        np.array([1.0, np.nan]), 2, 10, "ledoit_wolf", 1.0), NONFINITE),
    "shrinkage_from_spectrum[n_samples=0]": (lambda: _cov.shrinkage_from_spectrum(
        np.array([1.0, 0.5]), 2, 0, "oas"), "n_samples"),
    "shrinkage_intensity[shrinkage=1.5]": (lambda: _cov.shrinkage_intensity(
        1.5, trace=2.0, fro2=2.0, n_features=2, n_samples=10), "shrinkage"),
    "shrinkage_intensity[trace=nan]": (lambda: _cov.shrinkage_intensity(
        "oas", trace=np.nan, fro2=2.0, n_features=2, n_samples=10), NONFINITE),
    "floor_eigenvalues[singular]": (lambda: _cov.floor_eigenvalues(
        np.ones(2), eig_floor=1e-12, singular="nope"), "singular"),
}  # fmt: skip
if hasattr(_cov, "floor_eigenvalues"):
    FUNCTIONS.update(_SPECTRAL)
    BAD_ARGUMENTS.update(_SPECTRAL_BAD)

# Public functions of the swept subpackages that the tables above do not call.
NOT_SWEPT = {
    "load_wordnet_embeddings": "a loader without numeric input",
    "statistics_from_dask": "the Dask path, swept by tests/covariance on Dask arrays",
    "make_mode_finding_problem": "a data generator (datasets), no user data",
    "make_ood_scorer": "a scorer factory; the scores go through ood_auroc/ood_aupr",
}


def function_problems(name, case):
    """Run one (function, case) and return its contract violations."""
    call, y_kind, _ = FUNCTIONS[name]
    build, expect, match, _ = CASES[case]
    prob = build(y_kind)
    snapshot = _snapshot(prob, LinearRegression())
    error, out, caught = _call(lambda: call(prob.X, prob.y))
    outputs = {} if out is None else {"output": np.asarray(out, dtype=object)
                                      if isinstance(out, tuple) else out}  # fmt: skip
    if isinstance(outputs.get("output"), dict):
        outputs = outputs["output"]
    problems = _verdict(error, outputs, caught, expect, match)
    return problems + _mutations(snapshot, prob, LinearRegression())


def bad_argument_problems(name):
    call, match = BAD_ARGUMENTS[name]
    error, _, caught = _call(call)
    return _verdict(error, {}, caught, "raise", match)


# (function, case) -> what happens today (strict xfails, as in test_input_sweep).
KNOWN_FAILURES = {
}  # fmt: skip


def _pairs():
    yield from ((name, case) for name, row in FUNCTIONS.items() for case in row[2])
    yield from ((name, "bad_argument") for name in BAD_ARGUMENTS)


@pytest.mark.parametrize("name, case", as_params(_pairs(), KNOWN_FAILURES))
def test_function_input(name, case):
    if case == "bad_argument":
        check(bad_argument_problems(name), name)
    else:
        check(function_problems(name, case), f"{name} on {case}")


def test_every_function_is_swept():
    # A new public numeric function must get a row (or a reason not to).
    import sklearn_lowdim.covariance as cov
    import sklearn_lowdim.datasets as ds
    import sklearn_lowdim.density as dens
    import sklearn_lowdim.linear_model as lm
    import sklearn_lowdim.metrics as met
    import sklearn_lowdim.sampling as smp
    import sklearn_lowdim.sketching as sk

    swept = {n.split("[")[0] for n in [*FUNCTIONS, *BAD_ARGUMENTS]}
    swept |= {part for n in swept for part in n.split("+")}
    missing = [
        name
        for module in (cov, ds, dens, lm, met, smp, sk)
        for name in module.__all__
        if callable(getattr(module, name))
        and not isinstance(getattr(module, name), type)
        and name not in swept | set(NOT_SWEPT)
    ]
    assert not missing, f"public functions without a sweep row: {missing}"


def test_known_failures_name_real_cases():
    absent = {*_SPECTRAL, *_SPECTRAL_BAD}
    if hasattr(_cov, "floor_eigenvalues"):
        absent = set()
    stale = {k for k in KNOWN_FAILURES if k[0] not in absent} - set(_pairs())
    assert not stale, stale
