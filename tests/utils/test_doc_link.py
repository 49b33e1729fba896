"""Every public estimator's HTML representation links to its API page."""

from importlib import import_module

import pytest

from sklearn_lowdim.utils._doc_link import DOC_URL
from sklearn_lowdim.utils._test_common import construct_instance
from sklearn_lowdim.utils.discovery import all_estimators

ESTIMATORS = all_estimators()


def _exporting_subpackage(name):
    """The public subpackage whose ``__all__`` lists ``name`` (the API page's)."""
    import sklearn_lowdim

    found = [
        f"sklearn_lowdim.{sub}"
        for sub in sklearn_lowdim.__all__
        if name in getattr(import_module(f"sklearn_lowdim.{sub}"), "__all__", ())
    ]
    assert len(found) == 1, f"{name} is exported by {found}, expected exactly one"
    return found[0]


def test_estimators_found():
    assert len(ESTIMATORS) >= 10


@pytest.mark.parametrize("name, Estimator", ESTIMATORS)
def test_doc_link_points_to_api_page(name, Estimator):
    estimator = construct_instance(Estimator)
    # doc/conf.py's autosummary writes generated/<subpackage>.<Name>.html
    expected = f"{DOC_URL}generated/{_exporting_subpackage(name)}.{name}.html"
    assert estimator._get_doc_link() == expected
    assert expected in estimator._repr_html_()


def test_doc_url_is_versioned():
    from sklearn_lowdim import __version__
    from sklearn_lowdim.utils._doc_link import _version_url

    major, minor = __version__.split(".")[:2]
    assert DOC_URL.endswith(f"/{major}.{minor}/") or DOC_URL.endswith("/dev/")
    assert _version_url("1.2.0.dev0") == "dev"
    assert _version_url("1.2.3") == "1.2"
