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
]
