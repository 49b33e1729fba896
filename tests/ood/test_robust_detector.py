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
    for det in (RobustMahalanobis(contamination="chi2"),
                RobustMahalanobis(contamination="chi2", standardize=False)):
        flagged = det.fit(X).outlier_mask_.sum()
        # the chi-square cut-off's 2.5%, with a wide binomial band
        assert flagged <= 0.025 * n + 5 * np.sqrt(binom.var(n, 0.025))
    # and outliers in the continuous part are still found
    outliers = _with_one_hot(n=40, seed=3)
    outliers[:, :4] += 8.0 * np.sign(outliers[:, :4])
    det = RobustMahalanobis(contamination="chi2").fit(X)
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
    assert RobustMahalanobis(contamination="chi2").fit(X).threshold_ == \
        pytest.approx(chi2.ppf(0.975, 2))


def test_consistency_correction_calibrates_the_chi_square_cut_off():
    # a non-spherical Gaussian: shrinkage toward the identity biases the raw
    # distances; the correction brings the flagged share back to 2.5%
    rng = np.random.default_rng(4)
    n = 4000
    X = rng.normal(size=(n, 6)) @ np.diag([1.0, 3.0, 0.3, 1.0, 2.0, 0.5])
    flagged = RobustMahalanobis(contamination="chi2").fit(X).outlier_mask_.sum()
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


# ----- issue 17: calibration=, contamination='auto', p-values -------------------
def _t_rows(n, seed, d=3):
    return np.random.default_rng(seed).standard_t(5, size=(n, d))


def test_calibration_equals_a_manual_split():
    from sklearn.model_selection import train_test_split

    X = _t_rows(400, 0)
    auto = RobustMahalanobis(calibration=0.25, random_state=0).fit(X)
    X_fit, X_cal = train_test_split(X, test_size=100, random_state=0)
    manual = RobustMahalanobis().fit(X_fit).calibrate(X_cal)
    np.testing.assert_allclose(auto.calibration_scores_, manual.calibration_scores_)
    np.testing.assert_allclose(auto.location_, manual.location_)
    np.testing.assert_array_equal(auto.predict(X, alpha=0.1),
                                  manual.predict(X, alpha=0.1))
    # the p-values count calibration scores at or below the row's score
    p = auto.pvalues(X[:20])
    s = auto.score_samples(X[:20])
    brute = [(1 + np.sum(auto.calibration_scores_ <= v)) / 101 for v in s]
    np.testing.assert_allclose(p, brute)


def test_pvalues_are_super_uniform_over_many_splits():
    # split conformal: for a new in-distribution row P(p <= t) <= t, marginally
    # over the calibration draw; 100 splits x 100 new rows, heavy-tailed data
    pvalues, auto_flags, fdp = [], [], []
    for seed in range(100):
        det = RobustMahalanobis(calibration=0.5, random_state=seed,
                                contamination="auto").fit(_t_rows(160, seed))
        new = _t_rows(100, 10_000 + seed)
        pvalues.append(det.pvalues(new))
        auto_flags.append(np.mean(det.predict(new) == -1))
        # a batch with 10 far rows: realised false-discovery proportion
        batch = np.vstack([new[:90], _t_rows(10, 20_000 + seed) * 6])
        flagged = det.predict(batch, fdr=0.2) == -1
        fdp.append(flagged[:90].sum() / max(flagged.sum(), 1))
    pvalues = np.concatenate(pvalues)
    for t in (0.02, 0.05, 0.1, 0.25, 0.5):
        # rows share a calibration set, so the spread is over splits: bound it
        # by the per-split means (100 of them)
        per_split = np.mean(np.reshape(pvalues <= t, (100, -1)), axis=1)
        se = per_split.std() / np.sqrt(100)
        assert per_split.mean() <= t + 3 * se + 1e-12, t
    # and not trivially conservative: the 81-row calibration set gives
    # P(p <= 0.05) = floor(0.05 * 81) / 81 = 4 / 81 exactly at exchangeability
    assert np.mean(pvalues <= 0.05) >= 0.035
    assert np.mean(auto_flags) <= 0.05 + 0.01
    assert np.mean(fdp) <= 0.2 + 0.03


def test_auto_before_calibration_is_the_five_percent_fit_percentile():
    X = _t_rows(300, 1)
    det = RobustMahalanobis(contamination="auto").fit(X)
    assert det.threshold_ == pytest.approx(np.percentile(det.dist_, 95))
    assert det.outlier_mask_.mean() == pytest.approx(0.05, abs=1 / 300)
    chi = RobustMahalanobis(contamination="chi2").fit(X)
    assert chi.threshold_ == pytest.approx(chi2.ppf(0.975, 3))
    with pytest.raises(ValueError, match="calibrate"):
        det.pvalues(X)


def test_calibration_refuses_weights_and_dask():
    da = pytest.importorskip("dask.array")
    X = _t_rows(100, 2)
    with pytest.raises(ValueError, match="calibrate"):
        RobustMahalanobis(calibration=0.2).fit(X, sample_weight=np.ones(100))
    with pytest.raises(ValueError, match="calibrate"):
        RobustMahalanobis(calibration=0.2).fit(da.from_array(X, chunks=50))
