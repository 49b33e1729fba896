"""Links from an estimator's HTML representation to its API page.

scikit-learn's HTML representation (the diagram a notebook shows) puts a "?" link
to the estimator's documentation when the class says where it lives, through
``_doc_link_module`` and ``_doc_link_template`` (see
``sklearn.utils._repr_html.base.ReprHTMLMixin``). Every public estimator of the
package lists :class:`DocLinkMixin` first among its bases.
"""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

from .. import __version__

__all__ = ["DOC_URL", "DocLinkMixin"]


def _version_url(version):
    major, minor = version.split(".")[:2]
    return "dev" if "dev" in version else f"{major}.{minor}"


#: Root of the documentation of this version; the API pages are ``generated/``
#: pages of the public import path, as ``doc/conf.py``'s autosummary writes them.
DOC_URL = f"https://sklearn-lowdim.readthedocs.io/en/{_version_url(__version__)}/"


class DocLinkMixin:
    """Point scikit-learn's HTML representation at this package's API pages.

    The link is ``DOC_URL + "generated/<public module>.<ClassName>.html"``, the
    public module being the class's module up to its first private part (for
    example ``sklearn_lowdim.ood`` for a class defined in
    ``sklearn_lowdim.ood._mahalanobis``). Put the mixin first among the bases,
    before scikit-learn's ``BaseEstimator``, whose attributes it overrides.

    See Also
    --------
    sklearn.base.BaseEstimator : Whose ``_get_doc_link`` uses these attributes.

    Examples
    --------
    >>> from sklearn.base import BaseEstimator
    >>> from sklearn_lowdim.utils._doc_link import DocLinkMixin
    >>> class Toy(DocLinkMixin, BaseEstimator):
    ...     pass
    >>> Toy.__module__ = "sklearn_lowdim.toys._toy"
    >>> Toy()._get_doc_link().endswith("generated/sklearn_lowdim.toys.Toy.html")
    True
    """

    _doc_link_module = "sklearn_lowdim"
    _doc_link_template = DOC_URL + "generated/{estimator_module}.{estimator_name}.html"
