"""RobustMahalanobis and RobustShrinkageCovariance on Dask and array-API inputs.

Dask (issue 16): the fit reads X block by block (exact distributed medians by a
radix selection), never whole, and equals the in-memory fit to 1e-10.
Array API (issue 15): fit and scores on the device, against NumPy.
"""

import numpy as np
import pytest
import sklearn

from sklearn_lowdim.covariance import RobustShrinkageCovariance
from sklearn_lowdim.covariance._robust_rows import RowAccess, weighted_median
from sklearn_lowdim.ood import RobustMahalanobis
from sklearn_lowdim.utils._testing import (
    NAMESPACES,
    TOLERANCE,
    namespace_of,
    to_host,
    to_namespace,
)


def _data(n=600, d=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_t(3, size=(n, d)) @ rng.normal(size=(d, d)) * [1e-3, 1, 10, 1e4]
    X[: n // 20] += 50.0  # some gross outliers
    return X


# ----- Dask ------------------------------------------------------------------
def test_distributed_medians_are_the_exact_weighted_medians():
    da = pytest.importorskip("dask.array")
    rng = np.random.default_rng(1)
    A = rng.standard_t(2, size=(1001, 6))
    A[:, 1] = np.round(A[:, 1])  # ties
    A[:400, 2] = 0.0  # a majority at one value
    A[:7, 3] = -0.0  # signed zeros
    A[:, 4] *= 1e-300  # subnormal range
    A[:, 5] = -np.abs(A[:, 5])
    for w in (None, rng.integers(0, 4, 1001).astype(float)):
        rows = RowAccess(da.from_array(A, chunks=(137, 6)), w)
        got = rows.medians(da.from_array(A, chunks=(137, 6)))
        np.testing.assert_array_equal(got, weighted_median(A, w))
        assert rows.passes == 5  # 64 bits, 13 per pass
    # a tiny budget: narrow digits (5 bits for 3 medians: 13 passes), row chunks
    # of 72 inside each block, on values formed per chunk (pairwise products)
    with sklearn.config_context(working_memory=0.01):
        rows = RowAccess(da.from_array(A, chunks=(500, 6)), w)
        got = rows.medians(da.from_array(A, chunks=(500, 6)),
                           lambda B: B[:, [0, 1, 2]] * B[:, [3, 4, 5]])
    np.testing.assert_array_equal(got, weighted_median(A[:, :3] * A[:, 3:], w))
    assert rows.passes == 13


# weighted l1_median: through the weighted detector test below
@pytest.mark.parametrize("location, weighted", [("l1_median", False),
                                                ("median", True)])
def test_dask_covariance_fit_equals_the_in_memory_fit(unmaterialisable, location,
                                                      weighted):
    X = _data()
    X[:, 3] = np.random.default_rng(2).random(len(X)) < 0.3  # a zero-MAD column
    w = np.random.default_rng(3).integers(0, 3, len(X)).astype(float) if weighted \
        else None
    ref = RobustShrinkageCovariance(location=location).fit(X, sample_weight=w)
    est = RobustShrinkageCovariance(location=location).fit(
        unmaterialisable(X, 150), sample_weight=w)
    for name in ("location_", "raw_location_", "covariance_", "raw_covariance_"):
        np.testing.assert_allclose(getattr(est, name), getattr(ref, name),
                                   rtol=1e-10, atol=1e-10 * np.abs(
                                       getattr(ref, name)).max())
    assert est.shrinkage_ == pytest.approx(ref.shrinkage_, rel=1e-10)
    lazy = est.mahalanobis(unmaterialisable(X, 150))
    assert namespace_of(lazy) == "dask" and lazy.chunks[0] == (150,) * 4
    np.testing.assert_allclose(lazy[:300].compute(), ref.mahalanobis(X[:300]),
                               rtol=1e-10)
    # passes: max|X|, 5 for each selection (start, comedian), 1 location
    # shrinkage, 1 moments, the Weiszfeld steps, 6 where the OGK step runs
    assert 13 <= est.n_passes_ <= 13 + 200 + 6


@pytest.mark.parametrize("weighted", [False, True])
def test_dask_detector_equals_the_in_memory_detector(unmaterialisable, weighted):
    X = _data(seed=4)
    w = np.random.default_rng(3).integers(0, 3, len(X)).astype(float) if weighted \
        else None
    ref = RobustMahalanobis(contamination="auto").fit(X, sample_weight=w)
    det = RobustMahalanobis(contamination="auto").fit(unmaterialisable(X, 100),
                                                      sample_weight=w)
    np.testing.assert_allclose(det.centre_, ref.centre_, rtol=1e-12)
    np.testing.assert_allclose(det.scale_, ref.scale_, rtol=1e-12)
    np.testing.assert_allclose(det.location_, ref.location_, rtol=1e-10,
                               atol=1e-10 * np.abs(ref.location_).max())
    np.testing.assert_allclose(det.dist_, ref.dist_, rtol=1e-9)
    assert det.offset_ == pytest.approx(ref.offset_, rel=1e-10)
    np.testing.assert_array_equal(det.outlier_mask_, ref.outlier_mask_)
    X_new = _data(n=200, seed=5)
    lazy = det.predict(unmaterialisable(X_new, 50))
    assert namespace_of(lazy) == "dask"
    np.testing.assert_array_equal(lazy[:100].compute(), ref.predict(X_new[:100]))
    decision = det.decision_function(unmaterialisable(X_new, 50))
    np.testing.assert_allclose(decision[100:].compute(),
                               ref.decision_function(X_new[100:]), rtol=1e-9)


def test_dask_rejects_what_it_cannot_do(unmaterialisable):
    from sklearn.covariance import MinCovDet

    X = _data(n=100)
    with pytest.raises(ValueError, match="NumPy rows"):
        RobustMahalanobis(MinCovDet()).fit(unmaterialisable(X, 50))
    with pytest.raises(ValueError, match="l1_medoid"):
        RobustShrinkageCovariance(location="l1_medoid").fit(unmaterialisable(X, 50))
    X[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        RobustShrinkageCovariance().fit(unmaterialisable(X, 50))


# ----- array API ---------------------------------------------------------------
@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
@pytest.mark.parametrize("weighted", [False, True])
def test_device_fit_and_scores_match_numpy(namespace, dtype, weighted):
    X = _data(n=300, seed=6)
    X_new = _data(n=50, seed=7)
    w = np.random.default_rng(8).integers(0, 3, len(X)).astype(float) if weighted \
        else None
    # the reference: NumPy on the same (possibly float32-rounded) values
    X_ref, X_new_ref = X.astype(dtype).astype(np.float64), X_new.astype(dtype)
    ref = RobustMahalanobis(contamination="auto").fit(X_ref, sample_weight=w)
    xp, (Xd, X_newd) = to_namespace(namespace, dtype, X, X_new)
    wd = None if w is None else to_namespace(namespace, "float64", w)[1][0]
    with sklearn.config_context(array_api_dispatch=True):
        det = RobustMahalanobis(contamination="auto").fit(Xd, sample_weight=wd)
        scores = det.score_samples(X_newd)
        labels = det.predict(X_newd)
        cov = det.estimator_.covariance_
    assert namespace_of(scores) == namespace_of(Xd) == namespace_of(cov)
    assert namespace_of(det.location_) == namespace_of(Xd)
    # estimator_ works on the float64 standardised rows; the detector keeps
    # the input dtype
    assert scores.dtype == Xd.dtype == det.location_.dtype == det.dist_.dtype
    assert cov.dtype == xp.float64
    tol = TOLERANCE[dtype]  # float32 attributes are the float64 fit, rounded
    np.testing.assert_allclose(to_host(det.location_), ref.location_, rtol=tol,
                               atol=tol * np.abs(ref.location_).max())
    np.testing.assert_allclose(to_host(scores),
                               ref.score_samples(X_new_ref.astype(np.float64)),
                               rtol=tol)
    assert det.offset_ == pytest.approx(ref.offset_, rel=1e-8)
    np.testing.assert_array_equal(to_host(labels), ref.predict(X_new_ref))
    np.testing.assert_array_equal(to_host(det.outlier_mask_), ref.outlier_mask_)


@pytest.mark.parametrize("namespace, dtype", NAMESPACES)
def test_device_covariance_matches_numpy(namespace, dtype):
    X = _data(n=200, seed=9)
    ref = RobustShrinkageCovariance().fit(X.astype(dtype).astype(np.float64))
    xp, (Xd,) = to_namespace(namespace, dtype, X)
    with sklearn.config_context(array_api_dispatch=True):
        est = RobustShrinkageCovariance().fit(Xd)
        dist = est.mahalanobis(Xd)
    assert namespace_of(est.covariance_) == namespace_of(Xd)
    assert est.covariance_.dtype == est.location_.dtype == dist.dtype == Xd.dtype
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(to_host(est.covariance_), ref.covariance_,
                               rtol=tol, atol=tol * np.abs(ref.covariance_).max())
    np.testing.assert_allclose(to_host(dist), ref.mahalanobis(X.astype(dtype)),
                               rtol=TOLERANCE[dtype])
    with sklearn.config_context(array_api_dispatch=True), pytest.raises(
            ValueError, match="l1_medoid"):
        RobustShrinkageCovariance(location="l1_medoid").fit(Xd)
