import re
from pathlib import Path

import sklearn_lowdim


def test_version_is_declared_once_consistently():
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    declared = re.search(r'^version = "([^"]+)"', pyproject.read_text(), re.M)[1]
    assert sklearn_lowdim.__version__ == declared
    changelog = (pyproject.parent / "CHANGELOG.md").read_text()
    assert f"## {declared}" in changelog
