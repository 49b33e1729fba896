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


def _help(sub):
    result = subprocess.run([sys.executable, "-m", "sklearn_lowdim", sub, "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    return result.stdout


def test_tour_help_lists_every_family():
    from sklearn_lowdim._tour import FAMILIES

    out = _help("tour")
    for name in FAMILIES:
        # listed with its description, one line each
        assert any(line.split()[:1] == [name] and len(line.split()) > 2
                   for line in out.splitlines()), name


def test_bench_help_lists_the_benchmark_scripts():
    from pathlib import Path

    scripts = sorted(Path(__file__).resolve().parents[1].glob(
        "benchmarks/bench_*.py"))
    assert scripts
    out = _help("bench")
    for script in scripts:
        assert script.stem.removeprefix("bench_") in out


def test_bench_rejects_unknown_family(capsys):
    assert main(["bench", "--family", "no-such-family"]) == 2
    assert "choose from" in capsys.readouterr().err


def _fake_family(tmp_path, monkeypatch, names):
    """Fast stand-in families, written as modules, that draw with the tour helper."""
    from sklearn_lowdim import _tour

    for name in names:
        (tmp_path / f"fake_tour_{name}.py").write_text(
            "from sklearn_lowdim.utils._tour_helpers import (result_row, time_warm,\n"
            "                                                tour_figure)\n"
            "def run(plots_dir=None):\n"
            "    value, timing = time_warm(lambda: 0.5)\n"
            f"    with tour_figure(plots_dir, '{name}') as (fig, ax):\n"
            "        if fig:\n"
            "            ax.plot([0, 1], [0, 1])\n"
            f"    return [result_row('{name}-est', 'toy', 'm', value, timing)]\n"
        )
        monkeypatch.setitem(_tour.FAMILIES, name, f"fake_tour_{name}")
    monkeypatch.syspath_prepend(str(tmp_path))


def test_tour_plots_writes_one_figure_per_family(tmp_path, monkeypatch, capsys):
    _fake_family(tmp_path, monkeypatch, ["alpha", "beta"])
    plots = tmp_path / "plots"
    assert main(["tour", "--family", "alpha", "--family", "beta",
                 "--plots", str(plots)]) == 0
    assert sorted(p.name for p in plots.iterdir()) == ["alpha.png", "beta.png"]
    out = capsys.readouterr().out
    assert "alpha-est" in out and "first call s" in out and "warm" in out


def test_every_family_writes_its_own_figure_name():
    # each real tour module saves <family>.png, the name the CLI promises
    from pathlib import Path

    from sklearn_lowdim import _tour

    root = Path(_tour.__file__).parent
    for name, module in _tour.FAMILIES.items():
        path = root.joinpath(*module.split(".")[1:]).with_suffix(".py")
        assert f'tour_figure(plots_dir, "{name}"' in path.read_text(), path


def test_time_warm_reports_first_call_apart():
    from sklearn_lowdim.utils._tour_helpers import time_warm

    calls = []
    result, timing = time_warm(lambda: calls.append(1) or len(calls), repeats=3)
    assert calls == [1, 1, 1, 1] and result == 4
    assert timing.first_s >= 0 and timing.seconds >= 0


def test_info_lists_gpu_backends(capsys, monkeypatch):
    from sklearn_lowdim import _cli

    assert main(["info"]) == 0
    assert "GPU backends" in capsys.readouterr().out
    # a found device is printed; a failing probe is a note, never an error
    monkeypatch.setattr(_cli, "_cupy_devices", lambda: ["cupy 13: cuda:0 Fake GPU"])

    def broken():
        raise RuntimeError("driver missing")

    monkeypatch.setattr(_cli, "_torch_devices", broken)
    devices, notes = _cli.gpu_backends()
    assert devices == ["cupy 13: cuda:0 Fake GPU"]
    assert notes == ["torch: RuntimeError: driver missing"]


def test_bench_device_runs_the_device_script(monkeypatch):
    from sklearn_lowdim import _cli

    assert "--device" in _help("bench")
    calls = []

    class Done:
        returncode = 0

    monkeypatch.setattr(_cli.subprocess, "run", lambda cmd: calls.append(cmd) or Done)
    assert main(["bench", "--device", "torch", "--family", "ood"]) == 0
    (command,) = calls
    assert command[1].endswith("bench_device.py")
    assert command[2:] == ["--device", "torch", "--size", "small", "--family", "ood"]
