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

__all__ = ["GaussianLikelihoodMixin"]


class GaussianLikelihoodMixin:
    """``score(X, y=None)`` for detectors with ``means_``, ``whitener_``,
    ``location_`` and ``statistics_`` (class counts)."""

    def _log_likelihood(self, X):
        """Per-row ``log sum_c pi_c N(x; mu_c, Sigma)`` of prepared rows."""
        counts = np.asarray(self.statistics_.counts, dtype=np.float64)
        log_priors = np.log(counts / counts.sum())
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
            return np.full(mixture.shape, -np.inf)
        return mixture - 0.5 * (rank * np.log(2.0 * np.pi) + whitener.logdet_)

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
        return float(np.mean(self._log_likelihood(self._prepare(X, reset=False))))
