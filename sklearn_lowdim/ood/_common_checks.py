"""Settings of the common checks for the OOD detectors (see utils._test_common)."""

_NEEDS_LABELS = (
    "supervised detector: the check calls fit(X) without the class labels the "
    "detector requires (y is tagged as required); tests/ood checks the same outlier "
    "API contract (offset_, decision_function, predict, contamination) with labels."
)
_SUPERVISED = {
    "check_outliers_train": _NEEDS_LABELS,
    "check_outliers_train(readonly_memmap=True)": _NEEDS_LABELS,
    "check_outliers_fit_predict": _NEEDS_LABELS,
}

TEST_PARAMS = {}
EXPECTED_FAILED_CHECKS = {
    "MahalanobisOOD": _SUPERVISED,
    "WDiscOOD": _SUPERVISED,
    "LayerEnsembleOOD": _SUPERVISED,
}
