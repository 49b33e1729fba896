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
