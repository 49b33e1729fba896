"""``score``: the mean in-distribution log-likelihood of the Gaussian detectors.

The Gaussian detectors fit class-conditional Gaussians with a tied covariance;
with the class frequencies as priors that is a Gaussian mixture, and ``score``
follows scikit-learn's covariance estimators (``EmpiricalCovariance.score``):
the mean log-density of the rows under the fitted model. Cross-validated, it
chooses the covariance and its shrinkage from in-distribution rows alone.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import warnings

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ..covariance import mahalanobis_distances
from ..covariance._distances import centre_distances_xp, whiten_xp
from ..utils import device, get_namespace

__all__ = ["GaussianLikelihoodMixin"]


class GaussianLikelihoodMixin:
    """``score(X, y=None)`` for detectors with ``means_``, ``whitener_``,
    ``location_`` and ``statistics_`` (class counts)."""

    def _log_likelihood(self, X):
        """Per-row ``log sum_c pi_c N(x; mu_c, Sigma)`` of prepared rows."""
        counts = np.asarray(self.statistics_.counts, dtype=np.float64)
        log_priors = np.log(counts / counts.sum())
        xp, is_array_api = get_namespace(X)
        if is_array_api:
            mixture = self._log_mixture_xp(X, log_priors, xp)
        else:
            mixture, _ = mahalanobis_distances(
                X, self.means_, self.whitener_, location=self.location_,
                reduction="logsumexp", factor=-0.5, bias=log_priors,
            )
        whitener = self.whitener_
        rank = whitener.W_.shape[1]
        if rank < whitener.W_.shape[0]:
            # a singular Gaussian has no density off its span (scikit-learn's
            # EmpiricalCovariance.score is -inf there too)
            warnings.warn(
                f"The covariance is singular (rank {rank} of "
                f"{whitener.W_.shape[0]}): the Gaussian log-likelihood is -inf. "
                "Use covariance='ledoit_wolf', 'oas' or a float shrinkage to "
                "compare models by score.", UserWarning, stacklevel=3)
            return xp.full(mixture.shape, -np.inf, dtype=mixture.dtype,
                           device=device(mixture))
        return mixture - 0.5 * float(rank * np.log(2.0 * np.pi) + whitener.logdet_)

    def _log_mixture_xp(self, X, log_priors, xp):
        """``log sum_c pi_c exp(-d_c^2 / 2)`` on X's device, chunk by chunk."""
        p = self._scoring_params(xp, device(X))
        means = p["means"]
        Z = whiten_xp(X, p["location"], p["W"], xp,
                      float(xp.max(xp.sum(means * means, axis=1))))
        bias = xp.asarray(log_priors, dtype=Z.dtype, device=device(Z))

        def logsumexp(d2):
            S = bias[None, :] - 0.5 * d2
            top = xp.max(S, axis=1, keepdims=True)
            return top[:, 0] + xp.log(xp.sum(xp.exp(S - top), axis=1))

        return centre_distances_xp(Z, means, xp, logsumexp)

    def score(self, X, y=None):
        """Mean log-likelihood of ``X`` under the fitted Gaussian model.

        The model is the mixture ``sum_c pi_c N(mu_c, Sigma)`` with the class
        frequencies of the fit rows as ``pi_c`` and the tied covariance
        ``Sigma`` as regularised by ``covariance`` (one class: a single
        Gaussian, as in :meth:`sklearn.covariance.EmpiricalCovariance.score`).
        With ``normalize='l2'`` it is the density of the normalised rows. A
        singular covariance (``'empirical'``, which uses a pseudo-inverse, with
        fewer rows than features or constant features) has no density off its
        span and scores ``-inf``, as scikit-learn's covariance estimators do;
        shrinkage (``'ledoit_wolf'``, ``'oas'``, a float) is always finite.
        Higher is better, so ``GridSearchCV`` can choose ``covariance`` from
        in-distribution rows alone.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            In-distribution rows.
        y : None
            Ignored (the class labels do not enter the mixture density).

        Returns
        -------
        score : float
            Mean over the rows of the log-density; ``-inf`` whenever the
            covariance is singular.
        """
        check_is_fitted(self)
        xp, is_array_api = self._prepared_namespace(X, "score")
        if is_array_api:
            return float(xp.mean(self._log_likelihood(self._prepare_xp(X, xp))))
        return float(np.mean(self._log_likelihood(self._prepare(X, reset=False))))
