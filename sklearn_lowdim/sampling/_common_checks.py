"""Settings of the sampling estimators for scikit-learn's common checks.

Every estimator is checked with its default constructor; the meta-estimator
gets its simplest argument (an estimator that takes ``sample_weight``).
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause


def _linear_regression():
    from sklearn.linear_model import LinearRegression

    return LinearRegression()


TEST_PARAMS = {
    "CoresetEstimator": {"estimator": _linear_regression},
}

EXPECTED_FAILED_CHECKS = {}
