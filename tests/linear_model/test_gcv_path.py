"""The GCV path against explicit smoother matrices and scikit-learn ridge fits."""

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from sklearn_lowdim.linear_model import ridge_ensemble_gcv_path
from sklearn_lowdim.linear_model._gcv_path import extrapolate_risk


def _data(n=60, p=40, seed=0, targets=None):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p))
    shape = (p,) if targets is None else (p, targets)
    y = X @ rng.standard_normal(shape) / np.sqrt(p) + 0.5 * rng.standard_normal(
        (n,) if targets is None else (n, targets))
    return X, y


def _draws(n, k, M, seed, bootstrap=False):
    """The subsamples the path draws (one RandomState stream per size)."""
    size_seed = np.random.RandomState(seed).randint(2**31 - 1, size=1)[0]
    rng = np.random.RandomState(size_seed)
    return [np.sort(rng.choice(n, k, replace=bootstrap)) for _ in range(M)]


def _brute(X, y, alphas, subsets):
    """Members by sklearn Ridge / pinv, ensemble smoother L as an n x n matrix."""
    n, p = X.shape
    out = []
    for alpha in alphas:
        L = np.zeros((n, n))
        coefs, dofs, resids = [], [], []
        for idx in subsets:
            XI, k = X[idx], len(idx)
            if alpha > 0:
                coefs.append(Ridge(alpha=k * alpha, fit_intercept=False,
                                   solver="svd").fit(XI, y[idx]).coef_)
                H = X @ np.linalg.solve(XI.T @ XI + k * alpha * np.eye(p), XI.T)
            else:
                coefs.append(np.linalg.pinv(XI) @ y[idx])
                H = X @ np.linalg.pinv(XI)
            J = np.zeros((k, n))
            J[np.arange(k), idx] = 1
            Lm = H @ J
            L += Lm / len(subsets)
            dofs.append(np.trace(Lm))
            resids.append(y - Lm @ y)
        coef = np.mean(coefs, axis=0)
        np.testing.assert_allclose(L @ y, X @ coef, atol=1e-8)
        tr = np.trace(L)
        gcv = np.mean((y - L @ y) ** 2) / (1 - tr / n) ** 2
        union = np.unique(np.concatenate(subsets))
        gcv_u = np.mean((y - L @ y)[union] ** 2) / (1 - tr / union.size) ** 2
        # Bellec et al.'s correction, per-member d_m form (written out)
        k, M = len(subsets[0]), len(subsets)
        bracket = np.mean([r @ r / (n - 2 * d + d * d / k)
                           for r, d in zip(resids, dofs)])
        t = tr / n
        cgcv = gcv - t**2 / (1 - t) ** 2 * (n / k - 1) / M * bracket
        out.append({"coef": coef, "dof": tr, "gcv": gcv, "gcv_union": gcv_u,
                    "cgcv": cgcv})
    return out


@pytest.mark.parametrize("k", [50, 25])  # k > p and k < p
def test_path_matches_explicit_smoothers(k):
    X, y = _data()
    alphas = [0.0, 0.01, 0.3, 3.0]
    path = ridge_ensemble_gcv_path(X, y, alphas, subsample_sizes=k, n_estimators=4,
                                   random_state=3)
    ref = _brute(X, y, alphas, _draws(60, k, 4, 3))
    for j, r in enumerate(ref):
        np.testing.assert_allclose(path["coef"][0, j, 0], r["coef"], rtol=1e-7,
                                   atol=1e-9)
        np.testing.assert_allclose(path["dof"][0, j], r["dof"], rtol=1e-8)
        for key in ("gcv", "cgcv", "gcv_union"):
            if k < 40 and j == 0 and key == "gcv_union":
                # ridgeless members interpolate their rows: 0/0 on the union
                continue
            np.testing.assert_allclose(path[key][0, j, -1, 0], r[key], rtol=1e-7)


def test_every_ensemble_size_matches_a_smaller_ensemble():
    X, y = _data()
    big = ridge_ensemble_gcv_path(X, y, [0.1, 1.0], subsample_sizes=[30, 45],
                                  n_estimators=6, random_state=0)
    for M in (1, 3):
        small = ridge_ensemble_gcv_path(X, y, [0.1, 1.0], subsample_sizes=[30, 45],
                                        n_estimators=M, random_state=0)
        for key in ("gcv", "cgcv", "gcv_union"):
            np.testing.assert_allclose(small[key][:, :, -1], big[key][:, :, M - 1],
                                       rtol=1e-10)


def test_full_data_single_member_is_ridge_and_cgcv_is_gcv():
    X, y = _data(n=80, p=30)
    n = 80
    alphas = [0.001, 0.1, 2.0]
    path = ridge_ensemble_gcv_path(X, y, alphas, n_estimators=7)
    for j, alpha in enumerate(alphas):
        ridge = Ridge(alpha=n * alpha, fit_intercept=False).fit(X, y)
        np.testing.assert_allclose(path["coef"][0, j, 0], ridge.coef_, rtol=1e-9)
        s = np.linalg.svd(X, compute_uv=False)
        dof = np.sum(s**2 / (s**2 + n * alpha))
        gcv = np.mean((y - X @ ridge.coef_) ** 2) / (1 - dof / n) ** 2
        np.testing.assert_allclose(path["gcv"][0, j, :, 0], gcv, rtol=1e-9)
    np.testing.assert_allclose(path["cgcv"], path["gcv"], rtol=1e-12)


def test_ridgeless_near_square_uses_the_svd_and_equals_pinv():
    X, y = _data(n=60, p=40)
    path = ridge_ensemble_gcv_path(X, y, [0.0], subsample_sizes=42, n_estimators=3,
                                   random_state=1)
    subsets = _draws(60, 42, 3, 1)
    coef = np.mean([np.linalg.pinv(X[i]) @ y[i] for i in subsets], axis=0)
    np.testing.assert_allclose(path["coef"][0, 0, 0], coef, rtol=1e-8, atol=1e-10)


def test_bootstrap_members_use_repeated_rows():
    X, y = _data()
    path = ridge_ensemble_gcv_path(X, y, [0.2], subsample_sizes=50, n_estimators=3,
                                   bootstrap=True, random_state=2)
    subsets = _draws(60, 50, 3, 2, bootstrap=True)
    assert any(len(np.unique(i)) < 50 for i in subsets)
    ref = _brute(X, y, [0.2], subsets)[0]
    np.testing.assert_allclose(path["coef"][0, 0, 0], ref["coef"], rtol=1e-8)
    np.testing.assert_allclose(path["gcv"][0, 0, -1, 0], ref["gcv"], rtol=1e-8)


def test_multi_target_equals_one_target_at_a_time():
    X, Y = _data(targets=3)
    both = ridge_ensemble_gcv_path(X, Y, [0.05, 0.5], subsample_sizes=[30, 60],
                                   n_estimators=4, random_state=0)
    for t in range(3):
        one = ridge_ensemble_gcv_path(X, Y[:, t], [0.05, 0.5], subsample_sizes=[30, 60],
                                      n_estimators=4, random_state=0)
        np.testing.assert_allclose(both["coef"][:, :, t], one["coef"][:, :, 0],
                                   rtol=1e-10)
        for key in ("gcv", "cgcv", "gcv_union"):
            np.testing.assert_allclose(both[key][..., t], one[key][..., 0],
                                       rtol=1e-10)


def test_n_jobs_gives_the_same_path():
    X, y = _data()
    kwargs = {"subsample_sizes": [20, 45], "n_estimators": 5, "random_state": 0}
    a = ridge_ensemble_gcv_path(X, y, [0.1, 1.0], **kwargs)
    b = ridge_ensemble_gcv_path(X, y, [0.1, 1.0], n_jobs=2, **kwargs)
    for key in ("coef", "dof", "gcv", "cgcv", "gcv_union"):
        np.testing.assert_allclose(a[key], b[key], rtol=1e-10)


def test_extrapolation_recovers_the_one_over_m_law():
    M = np.arange(1, 9)[:, None]
    r1, r_inf = np.array([3.0, 2.0]), np.array([1.0, 1.5])
    got = extrapolate_risk(r1 / M + (1 - 1 / M) * r_inf)
    np.testing.assert_allclose(got[0], r1)
    np.testing.assert_allclose(got[1], r_inf)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_estimators": 0}, "n_estimators"),
        ({"subsample_sizes": 1}, r"outside \[2"),
        ({"subsample_sizes": 61}, r"outside \[2"),
        ({"subsample_sizes": 1.5}, r"fractions must lie in \(0, 1\]"),
        ({"alphas": [-1.0, -0.1]}, ">= 0"),
        ({"alphas": []}, "non-empty"),
    ],
)
def test_bad_input(kwargs, match):
    X, y = _data()
    alphas = kwargs.pop("alphas", [0.1])
    with pytest.raises(ValueError, match=match):
        ridge_ensemble_gcv_path(X, y, alphas, **kwargs)


def test_joblib_dask_backend_gives_the_same_path():
    distributed = pytest.importorskip("distributed")
    import joblib

    X, y = _data()
    kwargs = {"subsample_sizes": [20, 45], "n_estimators": 3, "random_state": 0}
    local = ridge_ensemble_gcv_path(X, y, [0.1, 1.0], **kwargs)
    with distributed.LocalCluster(processes=False, n_workers=2,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster), joblib.parallel_backend("dask"):
        remote = ridge_ensemble_gcv_path(X, y, [0.1, 1.0], n_jobs=2, **kwargs)
    for key in ("coef", "gcv", "cgcv"):
        np.testing.assert_allclose(remote[key], local[key], rtol=1e-10)


@pytest.mark.parametrize("estimator", ["subsample", "sketched"])
def test_n_jobs_none_follows_the_dask_backend(estimator):
    # As in scikit-learn: inside joblib.parallel_backend("dask"), n_jobs=None runs
    # the members on the cluster (the task stream records them) with the same result.
    distributed = pytest.importorskip("distributed")
    import joblib

    from sklearn_lowdim.linear_model import (
        SketchedRidgeEnsembleCV,
        SubsampleRidgeEnsembleCV,
    )

    X, y = _data()
    if estimator == "subsample":
        make = lambda: SubsampleRidgeEnsembleCV(  # noqa: E731
            alphas=[0.1, 1.0], subsample_sizes=[20, 45], n_estimators=3,
            random_state=0)
    else:
        make = lambda: SketchedRidgeEnsembleCV(  # noqa: E731
            alphas=[0.1, 1.0], sketch_sizes=[10, 20], n_estimators=3, random_state=0)
    local = make().fit(X, y)
    with distributed.LocalCluster(processes=False, n_workers=1,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client, joblib.parallel_backend("dask"):
        with distributed.get_task_stream(client) as stream:
            remote = make().fit(X, y)
    assert len(stream.data) > 0, "no task ran on the Dask cluster"
    np.testing.assert_allclose(remote.coef_, local.coef_, rtol=1e-10)
    np.testing.assert_allclose(remote.gcv_scores_, local.gcv_scores_, rtol=1e-10)
