"""The shape of the sampling and sketching packages: no import cycle (function-local
imports included), no other family imported, one CountSketch kernel, short modules."""

import ast
from pathlib import Path

import pytest

import sklearn_lowdim

ROOT = Path(sklearn_lowdim.__file__).parent
FAMILIES = {"discriminant_analysis", "ood", "linear_model", "sampling", "density"}


def _imports(path, package):
    """Modules of ``sklearn_lowdim`` that ``path`` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            if not base.startswith("sklearn_lowdim"):
                continue
            if node.module is None or node.level and not node.module:
                found.update(f"{base}.{alias.name}" for alias in node.names)
            else:
                found.add(base)
                found.update(f"{base}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names
                         if a.name.startswith("sklearn_lowdim"))
    return found


def _graph(subpackage):
    modules = {}
    for path in sorted((ROOT / subpackage).glob("*.py")):
        name = f"sklearn_lowdim.{subpackage}.{path.stem}"
        modules[name] = path
    graph = {}
    for name, path in modules.items():
        package = f"sklearn_lowdim.{subpackage}"
        if path.stem == "__init__":
            name = package
        targets = _imports(path, package)
        graph[name] = {t for t in targets if t in modules and t != name}
    return graph


def _find_cycle(graph):
    state = {}

    def visit(node, stack):
        state[node] = "active"
        for nxt in graph.get(node, ()):
            if state.get(nxt) == "active":
                return stack + [node, nxt]
            if nxt not in state:
                cycle = visit(nxt, stack + [node])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for node in graph:
        if node not in state:
            cycle = visit(node, [])
            if cycle:
                return cycle
    return None


@pytest.mark.parametrize("subpackage", ["sampling", "sketching"])
def test_no_import_cycle(subpackage):
    graph = _graph(subpackage)
    assert graph, "no modules found"
    # the tour modules sit above the package, as the command line does
    graph = {k: v for k, v in graph.items() if not k.endswith("._tour")}
    assert _find_cycle(graph) is None, _find_cycle(graph)


def test_cycle_finder_finds_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) is not None
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_numeric_helpers_are_a_leaf():
    imports = _imports(ROOT / "sampling" / "_numeric.py", "sklearn_lowdim.sampling")
    assert not imports


@pytest.mark.parametrize("subpackage, allowed", [
    ("sampling", {"utils", "sketching", "sampling"}),
    ("sketching", {"utils", "sketching"}),
])
def test_layer_rule(subpackage, allowed):
    for path in (ROOT / subpackage).glob("*.py"):
        if path.stem == "_tour":
            continue
        for target in _imports(path, f"sklearn_lowdim.{subpackage}"):
            top = target.split(".")[1] if "." in target else ""
            if top in FAMILIES | {"covariance", "metrics", "datasets", "utils",
                                  "sketching", "_cli"}:
                assert top in allowed, f"{path.name} imports {target}"


def test_one_countsketch_kernel():
    """The scatter-add of a CountSketch lives in sketching/ only."""
    for path in (ROOT / "sampling").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and "countsketch" in node.name:
                pytest.fail(f"{path.name} defines {node.name}")


@pytest.mark.parametrize("subpackage", ["sampling", "sketching"])
def test_modules_are_short(subpackage):
    for path in (ROOT / subpackage).glob("*.py"):
        assert len(path.read_text().splitlines()) <= 600, path.name
