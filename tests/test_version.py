import tomllib
from pathlib import Path

import sklearn_lowdim


def test_version_is_declared_once_consistently():
    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    declared = tomllib.loads(pyproject.read_text())["project"]["version"]
    assert sklearn_lowdim.__version__ == declared
    changelog = (pyproject.parent / "CHANGELOG.md").read_text()
    assert f"## {declared}" in changelog
