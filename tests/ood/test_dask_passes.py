"""Dask fits that never materialise X, equal to the in-memory fits."""

import numpy as np
import pytest
from sklearn.base import clone

from sklearn_lowdim.ood import (
    LayerEnsembleOOD,
    MahalanobisOOD,
    RobustMahalanobis,
    WDiscOOD,
    _base,
)

da = pytest.importorskip("dask.array")


@pytest.fixture
def guarded(monkeypatch):
    """A dask array whose full materialisation (not a row sample) raises."""
    # few offset rows, so that gathering them is not gathering X
    monkeypatch.setattr(_base, "_OFFSET_ROWS", 64)
    rng = np.random.default_rng(0)
    n, d = 900, 7
    y = rng.integers(0, 3, n)
    X = rng.normal(0, 3, (3, d))[y] + rng.normal(size=(n, d)) @ rng.normal(size=(d, d))
    Xd = da.from_array(X, chunks=(150, d))
    original = da.Array.compute

    def compute(self, *args, **kwargs):
        if self.ndim == 2 and self.shape[0] >= n:
            raise AssertionError("the whole X was materialised")
        return original(self, *args, **kwargs)

    def to_numpy(self, *args, **kwargs):
        raise AssertionError("np.asarray on a dask array")

    monkeypatch.setattr(da.Array, "compute", compute)
    monkeypatch.setattr(da.Array, "__array__", to_numpy)
    # the guard itself works
    with pytest.raises(AssertionError, match="materialised"):
        Xd.compute()
    with pytest.raises(AssertionError, match="asarray"):
        np.asarray(Xd)
    return X, y, Xd


DETECTORS = [
    MahalanobisOOD(),
    WDiscOOD(),
    LayerEnsembleOOD(layers=[3, 4]),
    LayerEnsembleOOD(layers=[3, 4], detector=MahalanobisOOD(
        covariance="ledoit_wolf", normalize="l2")),
    LayerEnsembleOOD(layers=[[0, 2, 4], [1, 3, 5, 6]], detector=WDiscOOD()),
]


@pytest.mark.parametrize("detector", DETECTORS, ids=repr)
def test_dask_fit_equals_in_memory_without_materialising(guarded, detector):
    X, y, Xd = guarded
    ref = clone(detector).fit(X, y)
    model = clone(detector).fit(Xd, y)
    X_test = np.random.default_rng(1).normal(0, 4, (40, X.shape[1]))
    np.testing.assert_allclose(model.score_samples(X_test), ref.score_samples(X_test),
                               rtol=1e-10, atol=1e-12)
    assert model.offset_ == pytest.approx(ref.offset_, rel=1e-10, abs=1e-12)
    lazy = model.score_samples(Xd)
    assert type(lazy).__module__.startswith("dask")
    np.testing.assert_allclose(lazy[:100].compute(), ref.score_samples(X[:100]),
                               rtol=1e-10, atol=1e-12)


def test_dask_layer_ensemble_rejects_detectors_it_cannot_reduce(guarded):
    from sklearn.covariance import LedoitWolf

    X, y, Xd = guarded
    with pytest.raises(ValueError, match="Gaussian core"):
        LayerEnsembleOOD(detector=MahalanobisOOD(covariance=LedoitWolf())).fit(Xd, y)


def test_robust_mahalanobis_scores_dask_lazily(guarded):
    X, _, Xd = guarded
    det = RobustMahalanobis().fit(X)
    lazy = det.score_samples(Xd)
    assert type(lazy).__module__.startswith("dask")
    np.testing.assert_allclose(lazy[:200].compute(), det.score_samples(X[:200]),
                               rtol=1e-12)
