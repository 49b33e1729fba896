"""Settings of the sampling estimators for scikit-learn's common checks."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause


def _linear_regression():
    from sklearn.linear_model import LinearRegression

    return LinearRegression()


def _sampler():
    from ._sampler import SensitivitySampler

    return SensitivitySampler(p=2, n_samples="auto", random_state=0)


TEST_PARAMS = {
    "CoresetEstimator": {"estimator": _linear_regression, "sampler": _sampler},
    "SensitivitySampler": {"random_state": 0},
    "LpRegression": {"random_state": 0},
}

EXPECTED_FAILED_CHECKS = {}
