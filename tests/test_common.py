"""scikit-learn's common checks over every public estimator, found automatically."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sklearn_lowdim.utils._test_common import construct_instance, expected_failed_checks
from sklearn_lowdim.utils.discovery import all_estimators

ESTIMATORS = [construct_instance(Estimator) for _, Estimator in all_estimators()]


def test_estimators_are_discovered():
    # The list grows by itself; it must at least see what the subpackages export.
    names = {type(est).__name__ for est in ESTIMATORS}
    assert len(names) == len(ESTIMATORS)


if ESTIMATORS:

    @parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
    def test_sklearn_compatible_estimator(estimator, check):
        check(estimator)

else:  # pragma: no cover - only before the first estimator lands

    @pytest.mark.skip(reason="no public estimator yet")
    def test_sklearn_compatible_estimator():
        pass
