"""Every private scikit-learn name the package uses still exists and still works.

``sklearn_lowdim/utils/_sklearn_compat.py`` is the one module that imports
scikit-learn's private API. This test imports each of its names and uses it the way
the package does, so a scikit-learn release that moves or changes one fails here,
in one place. CI runs it on the oldest supported scikit-learn as well as the newest.
"""

from numbers import Integral, Real

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator

from sklearn_lowdim.utils import _sklearn_compat as compat


def test_every_name_is_tested():
    assert set(compat.__all__) == set(USES)


def _interval():
    assert compat.Interval(Real, 0, 1, closed="both").is_satisfied_by(0.5)
    assert not compat.Interval(Integral, 1, None, closed="left").is_satisfied_by(0)


def _str_options():
    assert compat.StrOptions({"a", "b"}).is_satisfied_by("a")
    assert not compat.StrOptions({"a"}).is_satisfied_by("c")


def _has_methods():
    assert compat.HasMethods(["fit"]).is_satisfied_by(BaseEstimator.__new__(
        type("E", (BaseEstimator,), {"fit": lambda self: self})))
    assert not compat.HasMethods(["fit"]).is_satisfied_by(object())


def _validate_params():
    @compat.validate_params({"x": [compat.Interval(Real, 0, None, closed="left")]},
                            prefer_skip_nested_validation=True)
    def f(x):
        return x

    assert f(1.0) == 1.0
    with pytest.raises(ValueError, match="x"):
        f(-1.0)


def _fit_context():
    class Estimator(BaseEstimator):
        _parameter_constraints = {"c": [compat.Interval(Real, 0, None,
                                                        closed="left")]}

        def __init__(self, c=1.0):
            self.c = c

        @compat._fit_context(prefer_skip_nested_validation=True)
        def fit(self, X=None):
            self.fitted_ = True
            return self

    assert Estimator().fit().fitted_
    with pytest.raises(ValueError, match="c"):
        Estimator(c=-1).fit()


def _assert_all_finite():
    compat._assert_all_finite(np.ones(3))
    with pytest.raises(ValueError):
        compat._assert_all_finite(np.array([1.0, np.nan]))


def _check_sample_weight():
    X = np.ones((4, 2))
    np.testing.assert_array_equal(compat._check_sample_weight(None, X), np.ones(4))
    with pytest.raises(ValueError):
        compat._check_sample_weight(np.ones(3), X)


def _safe_indexing():
    X = np.arange(8.0).reshape(4, 2)
    np.testing.assert_array_equal(compat._safe_indexing(X, [1, 3], axis=0), X[[1, 3]])
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, index=[10, 11, 12, 13])
    assert list(compat._safe_indexing(frame, [1, 3], axis=0).index) == [11, 13]


def _safe_set_output():
    from sklearn.preprocessing import StandardScaler

    pytest.importorskip("pandas")
    scaler = compat._safe_set_output(StandardScaler(), transform="pandas")
    out = scaler.fit_transform(np.ones((3, 2)))
    assert type(out).__name__ == "DataFrame"


def _routing():
    assert compat._routing_enabled() in (True, False)
    compat._raise_for_params({}, BaseEstimator(), "fit")
    with pytest.raises(ValueError):
        # extra params without routing enabled are refused
        compat._raise_for_params({"a": 1}, BaseEstimator(), "fit")


def _move_to():
    xp = pytest.importorskip("array_api_strict")
    moved = compat.move_to(np.arange(3.0), xp=xp, device=xp.Device("device1"))
    assert xp.__name__ in type(moved).__module__
    back = compat.move_to(moved, xp=xp, device=xp.Device("CPU_DEVICE"))
    np.testing.assert_array_equal(np.asarray(back), np.arange(3.0))


def _device_fit(xp):
    from sklearn_lowdim.ood import MahalanobisOOD

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    dev = xp.Device("device1")
    with sklearn.config_context(array_api_dispatch=True):
        fitted = MahalanobisOOD().fit(xp.asarray(X, device=dev))
    return X, fitted


def _check_same_namespace():
    xp = pytest.importorskip("array_api_strict")
    X, fitted = _device_fit(xp)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="namespace|device"):
            compat.check_same_namespace(X, fitted, attribute="location_",
                                        method="score_samples")


def _move_estimator_to():
    if compat.move_estimator_to is None:  # scikit-learn < 1.9 has no such helper
        return
    xp = pytest.importorskip("array_api_strict")
    X, fitted = _device_fit(xp)
    with sklearn.config_context(array_api_dispatch=True):
        on_host = compat.move_estimator_to(fitted, np, None)
        scores = on_host.score_samples(X)
    with sklearn.config_context(array_api_dispatch=True):
        expected = fitted.score_samples(xp.asarray(X, device=xp.Device("device1")))
    np.testing.assert_allclose(
        scores, np.asarray(xp.asarray(expected, device=xp.Device("CPU_DEVICE"))),
        rtol=1e-10)


USES = {
    "check_same_namespace": _check_same_namespace,
    "move_to": _move_to,
    "move_estimator_to": _move_estimator_to,
    "HasMethods": _has_methods,
    "Interval": _interval,
    "StrOptions": _str_options,
    "_assert_all_finite": _assert_all_finite,
    "_check_sample_weight": _check_sample_weight,
    "_fit_context": _fit_context,
    "_raise_for_params": _routing,
    "_routing_enabled": _routing,
    "_safe_indexing": _safe_indexing,
    "_safe_set_output": _safe_set_output,
    "validate_params": _validate_params,
}


@pytest.mark.parametrize("name", sorted(compat.__all__))
def test_name_is_usable(name):
    # move_estimator_to is None on releases without it (documented fallback)
    assert callable(getattr(compat, name)) or (
        name == "move_estimator_to" and compat.move_estimator_to is None)
    USES[name]()
