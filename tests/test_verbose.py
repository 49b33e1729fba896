"""``verbose`` reports the steps of a fit on stderr, and nothing when 0."""

import numpy as np
import pytest

from sklearn_lowdim.discriminant_analysis import GaussianDiscriminantAnalysis
from sklearn_lowdim.ood import KNNOOD, MahalanobisOOD, ResidualOOD, ViM, WDiscOOD


@pytest.mark.parametrize("make", [GaussianDiscriminantAnalysis, MahalanobisOOD,
                                  WDiscOOD, KNNOOD, ResidualOOD, ViM])
def test_verbose_reports_and_default_is_silent(make, capsys):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), np.arange(60) % 3
    make().fit(X, y)
    assert capsys.readouterr().err == ""
    make(verbose=1).fit(X, y)
    err = capsys.readouterr().err
    assert f"[{make.__name__}]" in err and "statistics" in err and "done" in err
