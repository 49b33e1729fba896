"""Settings of the common checks for the covariance estimators."""

# The chi-square cut-off ('auto') flags no row of the checks' two-blob data, and
# check_outliers_train wants both labels; the 'auto' mode is tested in
# tests/covariance/test_robust.py.
TEST_PARAMS = {"RobustMahalanobis": {"contamination": 0.1}}
EXPECTED_FAILED_CHECKS = {}
