"""The tour prints no warning on the package's own data, and its pieces work."""

import warnings

import numpy as np
import pytest


@pytest.mark.slow  # four detectors on 1,440 x 384 rows, Numba compilation included
def test_ood_tour_fits_without_warning():
    from sklearn_lowdim.ood import _tour

    X_train, y_train, X_val, X_test, X_ood = _tour._split()
    (_, make_baseline, _), detectors = _tour._detectors()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _, make, supervised in detectors:
            pipe = _tour._pipeline(make())
            pipe.fit(X_train, y_train) if supervised else pipe.fit(X_train)
            assert np.all(np.isfinite(pipe.score_samples(X_ood)))
        _tour._pipeline(make_baseline()).fit(X_train)


def test_ood_tour_warns_without_variance_threshold():
    # guards the test above: the dead dimensions do make the detectors warn
    from sklearn_lowdim.covariance import SingularCovarianceWarning
    from sklearn_lowdim.ood import MahalanobisOOD, _tour

    X_train, y_train, *_ = _tour._split()
    with pytest.warns(SingularCovarianceWarning):
        MahalanobisOOD().fit(X_train, y_train)


def test_gda_tour_fits_without_warning():
    from sklearn.datasets import load_digits

    from sklearn_lowdim.discriminant_analysis import _tour

    X, y = load_digits(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _, ours, _, _ in _tour._pairs():
            _tour._pipeline(ours).fit(X, y)


def test_tour_figure_saves_and_closes(tmp_path):
    import matplotlib.pyplot as plt

    from sklearn_lowdim.utils._tour_helpers import tour_figure

    with tour_figure(None, "none") as (fig, ax):
        assert fig is None and ax is None
    before = plt.get_fignums()
    with tour_figure(tmp_path, "fam", figsize=(2, 2)) as (fig, ax):
        ax.plot([0, 1])
    assert (tmp_path / "fam.png").stat().st_size > 0
    assert plt.get_fignums() == before


def test_result_row_keys_match_table_columns():
    from sklearn_lowdim._tour import COLUMNS
    from sklearn_lowdim.utils._tour_helpers import Timing, result_row

    row = result_row("e", "d", "m", 1, Timing(2.0, 1.0), baseline="b",
                     baseline_value=3, baseline_timing=Timing(5.0, 4.0))
    assert set(row) <= {key for key, _ in COLUMNS}
    assert row["time_s"] == 1.0 and row["first_s"] == 2.0
    assert row["baseline_time_s"] == 4.0
