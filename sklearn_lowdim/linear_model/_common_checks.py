"""Settings of the ridge ensembles for scikit-learn's common checks."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

# Small ensembles keep the ~50 checks per estimator fast; the checks test the
# API, not the statistics.
TEST_PARAMS = {
    # the default subsample_size=1.0: integer weights equal repeated rows draw for
    # draw only for the full-sample member (a subsample of repeated rows is a
    # different draw), which check_sample_weight_equivalence compares
    "SubsampleRidgeEnsemble": {"n_estimators": 5, "random_state": 0},
    "SubsampleRidgeEnsembleCV": {"n_estimators": 5, "random_state": 0},
    "SketchedRidgeEnsemble": {"n_estimators": 3, "random_state": 0},
    "SketchedRidgeEnsembleCV": {"n_estimators": 3, "random_state": 0},
}

EXPECTED_FAILED_CHECKS = {}
