"""RobustMahalanobis as an OOD detector: the move, whitener_, hardening, progress."""

import importlib

import numpy as np
import pytest
from scipy.stats import binom, chi2
from sklearn.covariance import EllipticEnvelope
from sklearn.datasets import make_blobs

from sklearn_lowdim.covariance import RobustShrinkageCovariance
from sklearn_lowdim.ood import LayerEnsembleOOD, RobustMahalanobis


def test_deprecated_import_from_covariance_is_the_same_class():
    covariance = importlib.import_module("sklearn_lowdim.covariance")
    with pytest.warns(FutureWarning, match="moved to sklearn_lowdim.ood"):
        old = covariance.RobustMahalanobis
    assert old is RobustMahalanobis
    with pytest.warns(FutureWarning):
        from sklearn_lowdim.covariance import RobustMahalanobis as imported
    assert imported is RobustMahalanobis
    assert "RobustMahalanobis" not in covariance.__all__
    with pytest.raises(AttributeError):
        covariance.NoSuchName  # noqa: B018


def test_whitener_gives_the_scores():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)) @ rng.normal(size=(4, 4)) * [1e-3, 1, 10, 1e4]
    X_test = rng.normal(size=(20, 4)) * [1e-3, 1, 10, 1e4]
    det = RobustMahalanobis().fit(X)
    Z = (X_test - det.location_) @ det.whitener_.W_
    np.testing.assert_allclose(-np.einsum("ij,ij->i", Z, Z),
                               det.score_samples(X_test), rtol=1e-8)
    raw = RobustShrinkageCovariance().fit(X)
    Z = (X_test - raw.location_) @ raw.whitener_.W_
    np.testing.assert_allclose(np.einsum("ij,ij->i", Z, Z), raw.mahalanobis(X_test),
                               rtol=1e-10)


@pytest.mark.parametrize("magnitude", [1e-300, 1e-150, 1e150, 1e300])
def test_extreme_magnitudes_give_the_same_distances(magnitude):
    # issue 14: LinAlgError at 1e-300 (the location's sandwich matrix overflowed)
    X = np.random.default_rng(1).standard_t(4, size=(200, 3))
    base = RobustShrinkageCovariance().fit(X).mahalanobis(X)
    scaled = RobustShrinkageCovariance().fit(X * magnitude)
    np.testing.assert_allclose(scaled.mahalanobis(X * magnitude), base, rtol=1e-8)
    np.testing.assert_allclose(scaled.location_ / magnitude,
                               RobustShrinkageCovariance().fit(X).location_,
                               rtol=1e-8, atol=1e-12)
    det = RobustMahalanobis().fit(X * magnitude)
    np.testing.assert_array_equal(det.predict(X * magnitude),
                                  RobustMahalanobis().fit(X).predict(X))


def _with_one_hot(n=600, seed=2):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)) @ rng.normal(size=(4, 4))
    one_hot = np.eye(3)[rng.integers(0, 3, n)]
    return np.hstack([X, one_hot])


def test_one_hot_columns_do_not_dominate():
    # issue 14: RobustMahalanobis() flagged 100% of the rows (EllipticEnvelope 10%)
    X = _with_one_hot()
    n = len(X)
    for det in (RobustMahalanobis(contamination="auto"),
                RobustMahalanobis(contamination="auto", standardize=False)):
        flagged = det.fit(X).outlier_mask_.sum()
        # the chi-square cut-off's 2.5%, with a wide binomial band
        assert flagged <= 0.025 * n + 5 * np.sqrt(binom.var(n, 0.025))
    # and outliers in the continuous part are still found
    outliers = _with_one_hot(n=40, seed=3)
    outliers[:, :4] += 8.0 * np.sign(outliers[:, :4])
    det = RobustMahalanobis(contamination="auto").fit(X)
    assert np.mean(det.predict(outliers) == -1) >= 0.9
    reference = EllipticEnvelope(random_state=0).fit(X)
    assert np.mean(reference.predict(outliers) == -1) >= 0.9


def test_default_threshold_flags_some_training_rows():
    # scikit-learn's outlier checks fit on three blobs, where a chi-square
    # cut-off flags nothing: the default is the 2.5% share of the fit rows
    X, _ = make_blobs(n_samples=300, random_state=0)
    det = RobustMahalanobis().fit(X)
    assert det.outlier_mask_.sum() > 0
    assert abs(det.outlier_mask_.mean() - 0.025) <= 1 / 300
    assert RobustMahalanobis(contamination="auto").fit(X).threshold_ == \
        pytest.approx(chi2.ppf(0.975, 2))


def test_consistency_correction_calibrates_the_chi_square_cut_off():
    # a non-spherical Gaussian: shrinkage toward the identity biases the raw
    # distances; the correction brings the flagged share back to 2.5%
    rng = np.random.default_rng(4)
    n = 4000
    X = rng.normal(size=(n, 6)) @ np.diag([1.0, 3.0, 0.3, 1.0, 2.0, 0.5])
    flagged = RobustMahalanobis(contamination="auto").fit(X).outlier_mask_.sum()
    assert abs(flagged - 0.025 * n) <= 3 * np.sqrt(binom.var(n, 0.025))


def test_verbose_reports_progress(capsys):
    X = np.random.default_rng(5).normal(size=(80, 3))
    RobustMahalanobis(verbose=2).fit(X)
    err = capsys.readouterr().err
    assert "[RobustShrinkageCovariance]" in err and "comedian column" in err
    LayerEnsembleOOD(layers=[1, 2], verbose=2).fit(X)
    err = capsys.readouterr().err
    assert err.count("[LayerEnsembleOOD]") == 3  # two layers and the summary
    RobustMahalanobis().fit(X)
    assert capsys.readouterr().err == ""


def test_estimator_without_sample_weight_is_a_clear_error():
    from sklearn.covariance import MinCovDet

    X = np.random.default_rng(6).normal(size=(50, 2))
    det = RobustMahalanobis(MinCovDet(random_state=0)).fit(X)
    assert det.whitener_ is not None
    with pytest.raises(ValueError, match="does not accept it"):
        det.fit(X, sample_weight=np.ones(50))
