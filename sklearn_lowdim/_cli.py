"""Command line: ``python -m sklearn_lowdim {info,tour,bench}``."""

# Authors: The sklearn_lowdim developers
# SPDX-License-Identifier: BSD-3-Clause

import argparse
import importlib
import platform
import subprocess
import sys
import time
from pathlib import Path

OPTIONAL_BACKENDS = ("cupy", "torch", "dask", "distributed", "array_api_strict",
                     "pandas", "matplotlib")


def _version(module_name):
    try:
        module = importlib.import_module(module_name)
    except Exception:  # an optional backend may fail in many ways (no GPU, ...)
        return None
    return getattr(module, "__version__", "installed")


def _cupy_devices():
    import cupy

    runtime = cupy.cuda.runtime
    return [f"cupy {cupy.__version__}: cuda:{i} "
            f"{runtime.getDeviceProperties(i)['name'].decode()}"
            for i in range(runtime.getDeviceCount())]


def _torch_devices():
    import torch

    found = [f"torch {torch.__version__}: cuda:{i} {torch.cuda.get_device_name(i)}"
             for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        found.append(f"torch {torch.__version__}: mps")
    return found


def gpu_backends():
    """``(devices, notes)``: the GPU devices CuPy and PyTorch can use.

    Each probe runs in isolation: a missing library or driver is a note, not an
    error.
    """
    devices, notes = [], []
    for name, probe in (("cupy", _cupy_devices), ("torch", _torch_devices)):
        try:
            found = probe()
        except ImportError:
            notes.append(f"{name} not installed")
            continue
        except Exception as exc:  # no driver, no runtime library, ...
            notes.append(f"{name}: {type(exc).__name__}: {str(exc)[:60]}")
            continue
        devices += found
        if not found:
            notes.append(f"{name}: no GPU device")
    return devices, notes


def cmd_info(args):
    import numba
    from threadpoolctl import threadpool_info

    import sklearn_lowdim

    print(f"sklearn_lowdim   {sklearn_lowdim.__version__}")
    print(f"python           {platform.python_version()} ({sys.executable})")
    for name in ("numpy", "scipy", "sklearn", "numba", "joblib", "threadpoolctl",
                 "array_api_compat"):
        print(f"{name:<17}{_version(name)}")
    print(f"numba threads    {numba.get_num_threads()} "
          f"(threading layer: {numba.config.THREADING_LAYER})")
    print("thread pools:")
    for pool in threadpool_info():
        print(f"  {pool.get('user_api')}: {pool.get('internal_api')} "
              f"{pool.get('version')}, {pool.get('num_threads')} threads "
              f"({Path(pool.get('filepath', '')).name})")
    print("optional backends:")
    for name in OPTIONAL_BACKENDS:
        version = _version(name)
        print(f"  {name:<17}{version if version else 'not importable'}")
    devices, notes = gpu_backends()
    print("GPU backends (array API dispatch):")
    for line in devices or ["none found"]:
        print(f"  {line}")
    if notes:
        print(f"  ({'; '.join(notes)})")
    return 0


def cmd_tour(args):
    from sklearn_lowdim._tour import FAMILIES, TIMING_NOTE, format_table, run_tour

    unknown = set(args.family or []) - set(FAMILIES)
    if unknown:
        print(f"error: unknown family {sorted(unknown)}; choose from {list(FAMILIES)}",
              file=sys.stderr)
        return 2
    if args.plots:
        Path(args.plots).mkdir(parents=True, exist_ok=True)
    print("sklearn_lowdim tour (offline data only)")
    start = time.perf_counter()
    rows, missing = run_tour(args.family, plots_dir=args.plots)
    if args.plots:
        written = sorted(p.name for p in Path(args.plots).glob("*.png"))
        print(f"figures in {args.plots}: {', '.join(written) or 'none'}")
    print()
    if rows:
        print(format_table(rows))
        print(TIMING_NOTE)
    for name in missing:
        print(f"family '{name}' is not installed yet (no {FAMILIES[name]}).")
    print(f"\ntour finished in {time.perf_counter() - start:.1f}s")
    return 0


def _benchmark_dir():
    for root in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (root / "benchmarks").is_dir():
            return root / "benchmarks"
    return None


def _benchmarks():
    """``{family: script path}`` of ``benchmarks/bench_<family>.py`` (may be empty)."""
    bench_dir = _benchmark_dir()
    if bench_dir is None:
        return {}
    return {p.stem.removeprefix("bench_"): p
            for p in sorted(bench_dir.glob("bench_*.py"))}


def _first_doc_line(path):
    """The first line of a script's docstring, read without running it."""
    import ast

    try:
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    except (OSError, SyntaxError, ValueError):
        return ""
    line = doc.strip().splitlines()[0] if doc else ""
    return line.removeprefix("Benchmark: ")


def _choices_epilog(title, descriptions):
    width = max(map(len, descriptions), default=0)
    lines = [f"  {name:<{width}}  {text}".rstrip()
             for name, text in descriptions.items()]
    return f"{title}:\n" + "\n".join(lines)


def cmd_bench(args):
    if _benchmark_dir() is None:
        print("error: no benchmarks/ folder found; run from a source checkout of "
              "sklearn_lowdim.", file=sys.stderr)
        return 2
    available = _benchmarks()
    scripts = list(available.values())
    if args.family and not args.device:
        if args.family not in available:
            print(f"error: no benchmark for family '{args.family}'; choose from "
                  f"{sorted(available)}", file=sys.stderr)
            return 2
        scripts = [available[args.family]]
    if not scripts:
        print("no benchmark scripts found in", _benchmark_dir())
        return 0
    if args.device:
        return _bench_device(args, available)
    status = 0
    for script in scripts:
        print(f"\n=== {script.name} (--size {args.size}) ===", flush=True)
        result = subprocess.run([sys.executable, str(script), "--size", args.size])
        status = status or result.returncode
    return status


def _bench_device(args, available):
    """Run ``bench_device.py`` for one family (or all) on ``args.device``."""
    if "device" not in available:
        print("error: benchmarks/bench_device.py not found", file=sys.stderr)
        return 2
    command = [sys.executable, str(available["device"]), "--device", args.device,
               "--size", args.size]
    if args.family:
        command += ["--family", args.family]
    print(f"\n=== bench_device.py --device {args.device} (--size {args.size}) ===",
          flush=True)
    return subprocess.run(command).returncode


def build_parser():
    """The ``python -m sklearn_lowdim`` argument parser.

    Returns
    -------
    parser : argparse.ArgumentParser
        With the sub-commands ``info``, ``tour`` and ``bench``; the help of
        ``tour`` and ``bench`` lists the families found at run time.
    """
    from sklearn_lowdim._tour import FAMILIES, FAMILY_HELP

    benchmarks = _benchmarks()
    parser = argparse.ArgumentParser(
        prog="python -m sklearn_lowdim",
        description="sklearn_lowdim: environment report, tour and benchmarks.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    info = sub.add_parser("info", help="versions, BLAS and Numba threads, backends",
                          description="Print versions, BLAS and Numba threads and "
                          "which optional backends are importable.")
    info.set_defaults(func=cmd_info)
    tour = sub.add_parser(
        "tour", help="run every family's demonstration",
        description="Run each family's short demonstration on offline data and "
        "print one results table.",
        epilog=_choices_epilog("families", {
            name: FAMILY_HELP.get(name, "") for name in FAMILIES}),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    tour.add_argument("--family", action="append", metavar="FAMILY",
                      help="run only this family (repeatable), one of: "
                      f"{', '.join(FAMILIES)}")
    tour.add_argument("--plots", metavar="DIR",
                      help="write one figure per family, DIR/<family>.png")
    tour.set_defaults(func=cmd_tour)
    bench = sub.add_parser(
        "bench", help="run the benchmark scripts",
        description="Run benchmarks/bench_*.py and print their ratio tables.",
        epilog=_choices_epilog("families", {
            name: _first_doc_line(path) for name, path in benchmarks.items()})
        if benchmarks else "no benchmarks/ folder found (a source checkout has one)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    bench.add_argument("--family", metavar="FAMILY",
                       help="run one benchmark only, one of: "
                       f"{', '.join(benchmarks) or 'none found'}")
    bench.add_argument("--size", choices=("small", "full"), default="small",
                       help="problem sizes (default: small, a few minutes)")
    bench.add_argument("--device", choices=("cupy", "torch"),
                       help="time every family's fit and predict on this array "
                       "library's device against the CPU (bench_device.py); with "
                       "--family, that family only")
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv=None):
    """Run the command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments; ``None`` reads ``sys.argv``.

    Returns
    -------
    status : int
        The exit status.
    """
    args = build_parser().parse_args(argv)
    return args.func(args)
