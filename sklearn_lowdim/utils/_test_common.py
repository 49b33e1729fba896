"""What the common checks need to know about individual estimators.

Most estimators are checked with their default parameters. A subpackage whose
estimators need constructor arguments (or faster settings) for the checks, or that have
checks failing for a documented reason, provides a private module
``<subpackage>/_common_checks.py`` with two dicts keyed by class name:

``TEST_PARAMS``
    ``{"ClassName": {"param": value_or_factory}}``; a value that is a function (not a
    class) is called to build a fresh object, for estimator-valued parameters.
``EXPECTED_FAILED_CHECKS``
    ``{"ClassName": {"check_name": "reason"}}``.

The lists are collected here, so nobody edits a central list when adding an estimator.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import inspect
import pkgutil
from functools import cache
from importlib import import_module
from pathlib import Path

__all__ = ["construct_instance", "expected_failed_checks", "collect_settings"]


@cache
def collect_settings():
    """Merge every subpackage's ``_common_checks`` into ``(params, failures)``."""
    import sklearn_lowdim

    params, failures = {}, {}
    root = Path(sklearn_lowdim.__file__).parent
    for info in pkgutil.iter_modules([str(root)]):
        if not info.ispkg:
            continue
        try:
            module = import_module(f"sklearn_lowdim.{info.name}._common_checks")
        except ModuleNotFoundError as exc:
            if exc.name == f"sklearn_lowdim.{info.name}._common_checks":
                continue
            raise
        params.update(getattr(module, "TEST_PARAMS", {}))
        failures.update(getattr(module, "EXPECTED_FAILED_CHECKS", {}))
    return params, failures


def construct_instance(Estimator):
    """An instance of ``Estimator`` set up for the common checks."""
    params = collect_settings()[0].get(Estimator.__name__, {})
    params = {
        key: value() if inspect.isfunction(value) else value
        for key, value in params.items()
    }
    return Estimator(**params)


def expected_failed_checks(estimator):
    """The checks expected to fail for ``estimator``, with their reasons."""
    return collect_settings()[1].get(type(estimator).__name__, {})
