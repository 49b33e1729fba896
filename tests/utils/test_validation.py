import numpy as np
import pytest

from sklearn_lowdim.utils import (
    check_2d,
    check_all_finite,
    check_min_samples_per_class,
    check_n_classes,
    check_sample_weight_values,
)


def test_check_2d():
    with pytest.raises(ValueError, match="reshape"):
        check_2d(np.ones(3))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_check_all_finite(bad):
    X = np.ones((3, 2))
    X[1, 1] = bad
    with pytest.raises(ValueError, match="SimpleImputer"):
        check_all_finite(X)


def test_check_n_classes():
    with pytest.raises(ValueError, match="at least 2"):
        check_n_classes(np.array([1]))
    check_n_classes(np.array([1, 2]))


def test_check_min_samples_per_class():
    with pytest.raises(ValueError, match="class 'b' has 1"):
        check_min_samples_per_class([2, 1], np.array(["a", "b"]), 2)


@pytest.mark.parametrize(
    "weights, match",
    [([1.0, -1.0], "negative"), ([0.0, 0.0], "sums to zero"), ([np.nan, 1], "NaN")],
)
def test_check_sample_weight_values(weights, match):
    with pytest.raises(ValueError, match=match):
        check_sample_weight_values(np.asarray(weights))


def test_check_rows_in_namespace_on_a_device_without_host_copies():
    from sklearn.base import BaseEstimator

    from sklearn_lowdim.utils import check_rows_in_namespace

    xp = pytest.importorskip("array_api_strict")
    dev = xp.Device("device1")  # refuses np.asarray
    est = BaseEstimator()
    X = check_rows_in_namespace(xp.asarray([[1, 2], [3, 4]], device=dev), xp,
                                estimator=est, reset=True, min_samples=2)
    assert X.dtype == xp.float64 and X.device == dev and est.n_features_in_ == 2
    with pytest.raises(ValueError, match="3 features, but BaseEstimator is expect"):
        check_rows_in_namespace(xp.ones((2, 3), device=dev), xp, estimator=est)
    with pytest.raises(ValueError, match="NaN or infinity"):
        check_rows_in_namespace(xp.asarray([[1.0, xp.nan]], device=dev), xp)
    with pytest.raises(ValueError, match="minimum of 2"):
        check_rows_in_namespace(xp.ones((1, 2), device=dev), xp, min_samples=2)
    with pytest.raises(ValueError, match="2-D"):
        check_rows_in_namespace(xp.ones(3, device=dev), xp)
    float32 = xp.ones((2, 2), dtype=xp.float32, device=dev)
    assert check_rows_in_namespace(float32, xp).dtype == xp.float32


def test_check_rows_in_namespace_reads_a_dask_array_from_metadata(unmaterialisable):
    import array_api_compat.numpy as xp

    from sklearn_lowdim.utils import check_rows_in_namespace

    Xd = unmaterialisable(np.arange(12).reshape(6, 2), 3)  # integers, never computed
    out = check_rows_in_namespace(Xd, xp)
    assert out.dtype == np.float64 and out.chunks == ((3, 3), (2,))
