"""Settings of the common checks for the OOD detectors (see utils._test_common).

Every detector passes scikit-learn's checks with its default constructor: the
supervised ones take ``y=None`` as one class.
"""

TEST_PARAMS = {}
EXPECTED_FAILED_CHECKS = {}
