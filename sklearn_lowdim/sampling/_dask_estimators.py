"""Dask paths of the sampling estimators (placeholder)."""


def fit_dask(sampler, X, y, sample_weight):
    raise NotImplementedError


def coreset_fit_dask(est, X, y, sample_weight, fit_params):
    raise NotImplementedError


def predict_dask(estimator, method, X, n_features):
    raise NotImplementedError


def lp_fit_dask(est, X, y, sample_weight):
    raise NotImplementedError
