"""Sphinx configuration for sklearn_lowdim."""

import os
import sys
from importlib import import_module
from pathlib import Path

os.environ.setdefault("SCIPY_ARRAY_API", "1")
os.environ.setdefault("MPLBACKEND", "Agg")

import sklearn_lowdim  # noqa: E402

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent))

project = "sklearn_lowdim"
author = "The sklearn_lowdim developers"
copyright = "2026, The sklearn_lowdim developers"
version = release = sklearn_lowdim.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn_lowdim {version}"
html_theme_options = {"navigation_with_keys": False}

autosummary_generate = True
# Docstrings inherited from scikit-learn's mixins (score, ...) cite labels of
# scikit-learn's own documentation, which cannot be linked offline.
suppress_warnings = ["ref.ref"]
# Inherited scikit-learn methods (set_output, set_fit_request, ...) refer to
# labels of scikit-learn's own documentation, which is not reachable offline.
autodoc_default_options = {
    "members": True,
    "inherited-members": False,
    "exclude-members": ",".join(
        f"set_{method}_request"
        for method in ("fit", "score", "partial_fit", "predict", "transform",
                       "split", "decision_function", "predict_proba")
    ),
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": str(HERE.parent / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
    "reference_url": {"sklearn_lowdim": None},
}

# The API reference is generated from the public subpackages' __all__, so a new
# public name appears without editing any page.
SUBPACKAGES = [
    ("covariance", "Gaussian core: statistics, covariance estimators, whitening"),
    ("discriminant_analysis", "Gaussian discriminant analysis"),
    ("ood", "Out-of-distribution detectors"),
    ("metrics", "OOD metrics"),
    ("linear_model", "Ridge ensembles and generalized cross-validation"),
    ("sketching", "Random sketches"),
    ("sampling", "Sensitivity sampling"),
    ("density", "KDE mode finding"),
    ("datasets", "Data sets"),
    ("utils", "Utilities"),
]


def write_api_page():
    lines = [
        ".. _api:",
        "",
        "API reference",
        "=============",
        "",
        "Generated from each public subpackage's ``__all__``.",
        "",
    ]
    for name, title in SUBPACKAGES:
        try:
            module = import_module(f"sklearn_lowdim.{name}")
        except ImportError:
            continue
        public = sorted(getattr(module, "__all__", []))
        public = [p for p in public if not p.isupper()]  # skip constants
        if not public:
            continue
        heading = f":mod:`sklearn_lowdim.{name}`: {title}"
        lines += [heading, "-" * len(heading), "",
                  f".. currentmodule:: sklearn_lowdim.{name}", "",
                  ".. autosummary::", "   :toctree: generated/", ""]
        lines += [f"   {p}" for p in public] + [""]
    (HERE / "api.rst").write_text("\n".join(lines), encoding="utf-8")


write_api_page()
