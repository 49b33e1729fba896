"""Out-of-core paths: a tall dask array gives the NumPy results."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from sklearn_lowdim.sampling import leverage_scores, lewis_weights

da = pytest.importorskip("dask.array")


def _tall(seed=0):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((6000, 5)) * np.abs(rng.standard_t(2, 6000))[:, None]
    return A, da.from_array(A, chunks=(1000, 5))


def test_dask_leverage_scores_match_numpy():
    A, Ad = _tall()
    tau = leverage_scores(Ad)
    assert isinstance(tau, da.Array)
    assert_allclose(tau.compute(), leverage_scores(A), atol=1e-12)


@pytest.mark.parametrize("p", [1.0, 3.0])
def test_dask_lewis_weights_match_numpy(p):
    A, Ad = _tall(1)
    w, info = lewis_weights(Ad, p, return_info=True)
    assert info["residual"] <= 1e-8
    assert_allclose(w.compute(), lewis_weights(A, p), rtol=1e-6)
    assert float(w.sum().compute()) == pytest.approx(5.0)


def test_dask_on_a_local_cluster():
    distributed = pytest.importorskip("distributed")
    A, Ad = _tall(2)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster, distributed.Client(cluster):
        w = lewis_weights(Ad, 1.0).compute()
    assert_allclose(w, lewis_weights(A, 1.0), rtol=1e-6)


def test_dask_nan_raises():
    A, _ = _tall()
    A[5, 2] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        leverage_scores(da.from_array(A, chunks=(1000, 5))).compute()
