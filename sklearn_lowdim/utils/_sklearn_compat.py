"""The one module through which the package imports scikit-learn's private API.

scikit-learn gives no stability promise for names that start with an underscore or
live in private modules. Importing them here, and only here, means a new
scikit-learn release is checked in one place: ``tests/utils/test_sklearn_compat.py``
imports every name below, and ``pyproject.toml`` bounds the supported versions.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from sklearn.base import _fit_context
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    StrOptions,
    validate_params,
)
from sklearn.utils._set_output import _safe_set_output
from sklearn.utils.metadata_routing import _raise_for_params, _routing_enabled
from sklearn.utils.validation import _assert_all_finite, _check_sample_weight

try:  # releases with the array API move helpers (1.9 has them)
    from sklearn.utils._array_api import (
        check_same_namespace,
        move_estimator_to,
        move_to,
    )
except ImportError:  # older releases: the check only, no move helper
    move_estimator_to = None

    def move_to(array, *, xp, device):
        """Fallback: ``array`` in namespace ``xp`` on ``device``, via the host."""
        from ._array_api import to_numpy

        return xp.asarray(to_numpy(array), device=device)

    def check_same_namespace(X, estimator, *, attribute, method):
        """Fallback: a ValueError when ``X`` and the fitted attribute differ."""
        import array_api_compat
        import sklearn

        if not sklearn.get_config().get("array_api_dispatch", False):
            return
        attr = getattr(estimator, attribute)
        if not all(array_api_compat.is_array_api_obj(a) for a in (X, attr)):
            return
        same = array_api_compat.array_namespace(X) is array_api_compat.array_namespace(
            attr) and array_api_compat.device(X) == array_api_compat.device(attr)
        if not same:
            raise ValueError(
                f"Inputs passed to {type(estimator).__name__}.{method}() must use "
                "the same namespace and device as those passed to fit(); refit "
                "on the new device."
            )

__all__ = [
    "HasMethods",
    "Interval",
    "StrOptions",
    "_assert_all_finite",
    "_check_sample_weight",
    "_raise_for_params",
    "_routing_enabled",
    "_safe_indexing",
    "_safe_set_output",
    "_fit_context",
    "validate_params",
    "check_same_namespace",
    "move_to",
    "move_estimator_to",
]
