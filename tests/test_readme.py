"""The README's quick start runs as written, and its commands match CI."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_quick_start_runs():
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    quick_start = [b for b in blocks if "load_wine" in b]
    assert quick_start, "the README lost its quick start"
    exec(compile(quick_start[0], "README.md", "exec"), {})


def test_setup_commands_and_ci_agree():
    assert "pip install . && python -m sklearn_lowdim tour" in README
    test_command = "pytest -n 2"
    assert f'pip install -e ".[test]" && {test_command}' in README
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert f"\n{test_command}\n" in ci
