"""KDEMode on array-API devices against the NumPy (Numba) fit, at dtype tolerance."""

import numpy as np
import pytest
import sklearn

from sklearn_lowdim.datasets import make_mode_finding_problem
from sklearn_lowdim.density import KDEMode
from sklearn_lowdim.utils import device
from sklearn_lowdim.utils._testing import (
    NAMESPACES,
    TOLERANCE,
    namespace_of,
    to_host,
    to_namespace,
)

pytestmark = pytest.mark.filterwarnings("ignore:The KDE at the mode")

# sketch_dim=8 < d=24: the projection, lifting and polish all run.
CASES = [
    {"method": "sketch", "n_modes": 2, "sketch_dim": 8},
    {"method": "random_starts", "kernel": "logistic", "n_starts": 6},
    {"method": "sketch", "sketch": "srht", "bandwidth": "silverman",
     "sketch_dim": 8},
    {"method": "bruteforce", "kernel": "generalized_gaussian", "beta": 0.7},
    {"method": "random_starts", "kernel": "box", "bandwidth": 6.0},
]


def _data(n=150, d=24, seed=0):
    X, _, _ = make_mode_finding_problem(n, d, mode_fraction=0.1, random_state=seed)
    w = np.random.default_rng(seed).uniform(0.5, 2.0, n)
    return X, w


@pytest.mark.parametrize("params", CASES, ids=lambda p: "-".join(map(str, p.values())))
@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
def test_device_fit_matches_numpy(namespace, dtype, params):
    X, w = _data()
    queries = X[::25] + 0.3
    tol = TOLERANCE[dtype]
    # Near-converged searches: a rounding difference that flips a stopping
    # decision then moves a mode by far less than the tolerance.
    # float32 rounding keeps steps above 1e-7 h: the default tol there.
    options = {"random_state": 0, "tol": 1e-7 if dtype == "float64" else 1e-5,
               "max_iter": 100, "polish_iter": 100, **params}
    ref = KDEMode(**options).fit(X.astype(dtype), sample_weight=w)
    xp, (Xd, wd, Qd) = to_namespace(namespace, dtype, X, w, queries)
    with sklearn.config_context(array_api_dispatch=True):
        est = KDEMode(**options).fit(Xd, sample_weight=wd)
        scores = est.score_samples(Qd)
        labels = est.predict(Qd)
        drawn = est.sample(4, random_state=1)
    for attr in ("mode_", "modes_", "cluster_centers_", "modes_log_density_"):
        value = getattr(est, attr)
        assert namespace_of(value) == namespace_of(Xd), attr
        assert device(value) == device(Xd), attr
    assert est.modes_.dtype == Xd.dtype and scores.dtype == Xd.dtype
    assert est.method_ == ref.method_ and est.sketch_dim_ == ref.sketch_dim_
    np.testing.assert_allclose(est.bandwidth_, ref.bandwidth_, rtol=tol)
    h = ref.bandwidth_
    # A mode is only determined to the search's tolerance: 10 tol * h (one
    # stopping decision flipped by rounding moves it by about tol * h).
    np.testing.assert_allclose(to_host(est.modes_), ref.modes_, rtol=tol,
                               atol=(tol + 10 * options["tol"]) * h)
    np.testing.assert_allclose(to_host(est.modes_log_density_),
                               ref.modes_log_density_, rtol=tol, atol=tol)
    # A function of the mode, so known to about the same tolerance.
    np.testing.assert_allclose(est.effective_sample_size_,
                               ref.effective_sample_size_, rtol=10 * tol + 1e-5)
    np.testing.assert_allclose(to_host(scores), ref.score_samples(queries),
                               rtol=tol, atol=tol)
    np.testing.assert_array_equal(to_host(labels), ref.predict(queries))
    # The same rows and noise: equal up to the dtype's rounding.
    np.testing.assert_allclose(to_host(drawn), ref.sample(4, random_state=1),
                               rtol=tol, atol=tol * h)


@pytest.mark.parametrize("namespace, dtype", NAMESPACES[:3])
def test_device_input_errors_name_the_fix(namespace, dtype):
    X, w = _data(200, 5)
    bad = X.copy()
    bad[2, 1] = np.nan
    xp, (Xd, bad_d, wd) = to_namespace(namespace, dtype, X, bad, -w)
    with sklearn.config_context(array_api_dispatch=True):
        with pytest.raises(ValueError, match="NaN or infinity"):
            KDEMode().fit(bad_d)
        with pytest.raises(ValueError, match="negative"):
            KDEMode().fit(Xd, sample_weight=wd)
        est = KDEMode(random_state=0).fit(Xd)
        with pytest.raises(ValueError, match="features"):
            est.score_samples(Xd[:, :3])
