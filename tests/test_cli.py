import subprocess
import sys

import pytest

from sklearn_lowdim._cli import main
from sklearn_lowdim._tour import format_table


def test_info_runs(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "numba threads" in out and "optional backends" in out


def test_bad_arguments_exit_nonzero():
    with pytest.raises(SystemExit) as exc:
        main(["bogus"])
    assert exc.value.code != 0
    assert main(["tour", "--family", "nope"]) == 2


def test_help_of_each_subcommand():
    for sub in ("info", "tour", "bench"):
        result = subprocess.run(
            [sys.executable, "-m", "sklearn_lowdim", sub, "--help"],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0 and "usage" in result.stdout


def test_format_table():
    table = format_table([{"family": "x", "value": 0.5, "time_s": 1.0}])
    assert "family" in table.splitlines()[0] and "0.5" in table


def test_tour_reports_missing_families(monkeypatch, capsys):
    from sklearn_lowdim import _tour

    monkeypatch.setitem(_tour.FAMILIES, "ghost", "sklearn_lowdim.ghost._tour")
    rows, missing = _tour.run_tour(["ghost"])
    assert rows == [] and missing == ["ghost"]
