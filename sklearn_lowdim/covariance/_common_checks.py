"""Settings of the common checks for the covariance estimators."""

TEST_PARAMS = {}
EXPECTED_FAILED_CHECKS = {}
