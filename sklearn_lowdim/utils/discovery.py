"""Discovery of the public estimators, displays and functions of sklearn_lowdim."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import inspect
import pkgutil
from importlib import import_module
from operator import itemgetter
from pathlib import Path

__all__ = ["all_estimators", "all_functions"]

_MODULES_TO_SKIP = {"tests", "externals", "_tour", "__main__", "_cli"}


def _public_modules():
    import sklearn_lowdim

    root = str(Path(sklearn_lowdim.__file__).parent)
    for _, module_name, _ in pkgutil.walk_packages([root], prefix="sklearn_lowdim."):
        parts = module_name.split(".")
        if any(part in _MODULES_TO_SKIP for part in parts):
            continue
        # Public names live in public (sub)packages, re-exported from private files.
        if any(part.startswith("_") for part in parts):
            continue
        yield module_name


def _all_public_classes():
    classes = {}
    for module_name in _public_modules():
        module = import_module(module_name)
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if name.startswith("_") or not obj.__module__.startswith("sklearn_lowdim"):
                continue
            classes[name] = obj
    return classes


def all_estimators(type_filter=None):
    """List every public estimator of sklearn_lowdim.

    Works like :func:`sklearn.utils.discovery.all_estimators`: subpackages are walked,
    and every public class deriving from :class:`sklearn.base.BaseEstimator` that is
    not abstract is returned. A new estimator is found without editing any list.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer", "outlier_detector"} \
            or list of those, default=None
        Keep only estimators of these kinds.

    Returns
    -------
    estimators : list of (name, class) tuples, sorted by name
        The public estimator classes.

    See Also
    --------
    all_functions : The public functions.
    sklearn.utils.discovery.all_estimators : The list of scikit-learn.

    Examples
    --------
    >>> from sklearn_lowdim.utils.discovery import all_estimators
    >>> isinstance(all_estimators(), list)
    True
    """
    from sklearn.base import (
        BaseEstimator,
        ClassifierMixin,
        OutlierMixin,
        RegressorMixin,
        TransformerMixin,
    )

    estimators = [
        (name, cls)
        for name, cls in _all_public_classes().items()
        if issubclass(cls, BaseEstimator) and not inspect.isabstract(cls)
    ]
    if type_filter is not None:
        filters = [type_filter] if isinstance(type_filter, str) else list(type_filter)
        mixins = {
            "classifier": ClassifierMixin,
            "regressor": RegressorMixin,
            "transformer": TransformerMixin,
            "outlier_detector": OutlierMixin,
        }
        unknown = set(filters) - set(mixins)
        if unknown:
            raise ValueError(
                f"type_filter must be among {sorted(mixins)} or None, got {unknown}."
            )
        estimators = [
            (name, cls)
            for name, cls in estimators
            if any(issubclass(cls, mixins[f]) for f in filters)
        ]
    return sorted(set(estimators), key=itemgetter(0))


def all_functions():
    """List every public function of sklearn_lowdim's subpackages.

    A function is public when a public subpackage exports it; the docstring and
    layer tests walk this list.

    Returns
    -------
    functions : list of (name, function) tuples, sorted by name
        The public functions.

    See Also
    --------
    all_estimators : The public estimators.

    Examples
    --------
    >>> from sklearn_lowdim.utils.discovery import all_functions
    >>> any(name == "load_wordnet_embeddings" for name, _ in all_functions())
    True
    """
    functions = {}
    for module_name in _public_modules():
        module = import_module(module_name)
        for name, obj in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("_") or not obj.__module__.startswith("sklearn_lowdim"):
                continue
            functions[name] = obj
    return sorted(functions.items(), key=itemgetter(0))
