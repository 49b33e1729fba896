"""The layer rule of DESIGN.md, enforced by reading every module's imports.

Each module of ``sklearn_lowdim`` is parsed with :mod:`ast` (nothing is imported),
and every import is collected: top-level and function-local, absolute and
relative, and ``importlib.import_module("...")`` calls with a literal name. Then:

- ``utils`` imports no other subpackage;
- ``covariance``, ``sketching``, ``metrics`` and ``datasets`` (the layers) import
  only ``utils`` and each other;
- a family (``discriminant_analysis``, ``ood``, ``linear_model``, ``sampling``,
  ``density``) imports no other family (tour modules aside: they demonstrate);
- nothing imports the command line (``_cli``), except ``__main__``;
- the module graph has no cycle (function-local imports included);
- only ``utils/_sklearn_compat.py`` imports scikit-learn's private names.

The one allowed exception, :data:`ALLOWED_EDGES`: the deprecated alias
``sklearn_lowdim.covariance.RobustMahalanobis`` (the detector moved to
``sklearn_lowdim.ood``) is resolved lazily in the covariance package's module
``__getattr__``; that import runs only when the old name is used, so it neither
creates a load-time cycle nor makes ``covariance`` depend on ``ood``. Remove the
entry together with the alias.
"""

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import sklearn_lowdim

PACKAGE = "sklearn_lowdim"
ROOT = Path(sklearn_lowdim.__file__).resolve().parent

UTILS = {"utils"}
LAYERS = {"covariance", "sketching", "metrics", "datasets"}
FAMILIES = {"discriminant_analysis", "ood", "linear_model", "sampling", "density"}
# Top-level modules that demonstrate or drive everything; nothing may import _cli.
DRIVERS = {"_cli", "_tour", "__main__"}

# (importing subpackage, enclosing function, imported module prefix) -> why allowed
ALLOWED_EDGES = {
    ("covariance", "__getattr__", "sklearn_lowdim.ood"): (
        "deprecated alias covariance.RobustMahalanobis -> ood.RobustMahalanobis, "
        "resolved lazily for one release"
    ),
}

SKLEARN_COMPAT = "sklearn_lowdim.utils._sklearn_compat"

# Violations that exist today in packages being refactored on other branches
# (issue 13). Each entry is checked to still exist, so the lists only shrink:
# when a fix lands, the test asks for its entry to be removed.
KNOWN_CYCLE_EDGES = {}
KNOWN_PRIVATE_IMPORTS = {}


def _module_name(path):
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules():
    return {
        _module_name(p): p
        for p in sorted(ROOT.rglob("*.py"))
        if "tests" not in p.relative_to(ROOT).parts
    }


MODULES = _modules()


class _ImportCollector(ast.NodeVisitor):
    """Collect ``(imported module, enclosing function, line)`` of one module."""

    def __init__(self, module, is_package):
        self.module = module
        # the package that relative imports are resolved against
        self.package = module if is_package else module.rpartition(".")[0]
        self.function = None
        self.imports = []

    def _add(self, target, node):
        self.imports.append((target, self.function, node.lineno))

    def _visit_function(self, node):
        outer, self.function = self.function, self.function or node.name
        self.generic_visit(node)
        self.function = outer

    visit_FunctionDef = visit_AsyncFunctionDef = _visit_function

    def visit_Import(self, node):
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node):
        if node.level:
            base = self.package.split(".")
            base = base[: len(base) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module
        for alias in node.names:
            # ``from pkg import sub`` imports the module ``pkg.sub`` when it exists
            candidate = f"{module}.{alias.name}"
            self._add(candidate if candidate in MODULES else module, node)
            self.private_names.append((module, alias.name, node.lineno))

    def visit_Call(self, node):
        func = node.func
        name = getattr(func, "attr", None) or getattr(func, "id", None)
        if (
            name == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            self._add(node.args[0].value, node)
        self.generic_visit(node)

    def collect(self, tree):
        self.private_names = []
        self.visit(tree)
        return self


def _collect(module):
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return _ImportCollector(module, path.name == "__init__.py").collect(tree)


COLLECTED = {module: _collect(module) for module in MODULES}


def _subpackage(module):
    """``'ood'`` for ``sklearn_lowdim.ood._base``; ``''`` for the top level."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _is_tour(module):
    return module.split(".")[-1] == "_tour"


def _allowed(importer, function, target):
    return (_subpackage(importer), function, target) in ALLOWED_EDGES or any(
        _subpackage(importer) == sub
        and function == func
        and (target == prefix or target.startswith(prefix + "."))
        for sub, func, prefix in ALLOWED_EDGES
    )


def _internal_imports():
    """Every ``(importer, target, function, line)`` inside the package."""
    for module, collector in COLLECTED.items():
        for target, function, line in collector.imports:
            if target == PACKAGE or target.startswith(PACKAGE + "."):
                yield module, target, function, line


def _where(module, line, function):
    path = MODULES[module].relative_to(ROOT.parent)
    inside = f" (inside {function}())" if function else ""
    return f"{path}:{line}{inside}"


def _layer_violation(importer, target):
    """Why ``importer`` may not import ``target``, or ``None``."""
    src, dst = _subpackage(importer), _subpackage(target)
    if dst == "_cli" and src != "__main__":
        return "nothing imports the command line"
    if src == dst or dst == "" or src in DRIVERS or _is_tour(importer):
        return None
    if src in UTILS:
        return "utils imports no other subpackage"
    if src in LAYERS and dst not in UTILS | LAYERS:
        return f"{src} is a layer: it imports only utils, {', '.join(sorted(LAYERS))}"
    if src in FAMILIES and dst in FAMILIES:
        return "a family never imports another family"
    if src in FAMILIES | LAYERS | UTILS and dst in DRIVERS:
        return f"{dst} is a driver: the package never imports it"
    return None


def test_modules_found():
    # guards the test itself: a broken walk would make every check vacuous
    assert "sklearn_lowdim.utils._sklearn_compat" in MODULES
    assert {_subpackage(m) for m in MODULES} >= UTILS | LAYERS | FAMILIES
    assert any(t.startswith("sklearn_lowdim.covariance") for _, t, _, _ in
               _internal_imports())


def test_layer_rule():
    problems = []
    for importer, target, function, line in _internal_imports():
        reason = _layer_violation(importer, target)
        if reason and not _allowed(importer, function, target):
            problems.append(
                f"{_where(importer, line, function)}: {importer} imports {target}: "
                f"{reason}"
            )
    assert not problems, (
        "Layer rule of DESIGN.md broken (utils <- covariance, sketching, metrics, "
        "datasets <- families; no family imports another; nothing imports _cli):\n  "
        + "\n  ".join(problems)
    )


def _graph(skip=KNOWN_CYCLE_EDGES):
    graph = defaultdict(set)
    for importer, target, function, _ in _internal_imports():
        if _allowed(importer, function, target):
            continue
        # an import of a name that is not a module resolves to its package
        while target not in MODULES and "." in target:
            target = target.rpartition(".")[0]
        if target != importer and (importer, target) not in skip:
            graph[importer].add(target)
    return graph


def _find_cycle(graph):
    """One cycle as a list of modules, or ``None`` (iterative DFS)."""
    state = {}  # 1 = on the stack, 2 = done
    for start in sorted(graph):
        if state.get(start):
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
                path.pop()
            elif state.get(child) == 1:
                return path[path.index(child):] + [child]
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))
    return None


def test_known_cycle_edges_still_exist():
    graph = _graph(skip=())
    stale = [edge for edge in KNOWN_CYCLE_EDGES if edge[1] not in graph[edge[0]]]
    assert not stale, f"Remove these fixed entries from KNOWN_CYCLE_EDGES: {stale}"


def test_find_cycle_detects_cycles():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle():
    cycle = _find_cycle(_graph())
    assert cycle is None, (
        "Import cycle between modules (function-local imports count too): "
        + " -> ".join(cycle)
        + ". Move the shared helper into a leaf module both can import."
    )


def _private_sklearn(module, name):
    parts = module.split(".")
    return parts[0] == "sklearn" and (
        any(p.startswith("_") for p in parts) or (name or "").startswith("_")
    )


def _private_imports():
    """Every ``(module, private sklearn name, where)`` outside the compat module."""
    for module, collector in COLLECTED.items():
        if module == SKLEARN_COMPAT:
            continue
        for target, function, line in collector.imports:
            if _private_sklearn(target, None):
                yield module, target, _where(module, line, function)
        for source, name, line in collector.private_names:
            if source and _private_sklearn(source, name):
                yield module, f"{source}.{name}", _where(module, line, None)


def test_known_private_imports_still_exist():
    found = {(module, name) for module, name, _ in _private_imports()}
    stale = sorted(set(KNOWN_PRIVATE_IMPORTS) - found)
    assert not stale, f"Remove these fixed entries from KNOWN_PRIVATE_IMPORTS: {stale}"


def test_private_sklearn_only_through_compat():
    problems = [
        f"{where}: imports {name}"
        for module, name, where in _private_imports()
        if (module, name) not in KNOWN_PRIVATE_IMPORTS
    ]
    assert not problems, (
        "scikit-learn's private API is imported only through "
        "sklearn_lowdim/utils/_sklearn_compat.py (add the name there, then "
        "`from ..utils._sklearn_compat import NAME`):\n  " + "\n  ".join(
            sorted(set(problems)))
    )


@pytest.mark.parametrize(
    "importer, target, broken",
    [
        ("sklearn_lowdim.utils._x", "sklearn_lowdim.ood", True),
        ("sklearn_lowdim.covariance._x", "sklearn_lowdim.sampling._y", True),
        ("sklearn_lowdim.covariance._x", "sklearn_lowdim.sketching", False),
        ("sklearn_lowdim.ood._x", "sklearn_lowdim.density", True),
        ("sklearn_lowdim.ood._x", "sklearn_lowdim.covariance", False),
        ("sklearn_lowdim.ood._tour", "sklearn_lowdim.density", False),
        ("sklearn_lowdim._tour", "sklearn_lowdim._cli", True),
        ("sklearn_lowdim.__main__", "sklearn_lowdim._cli", False),
        ("sklearn_lowdim.metrics._x", "sklearn_lowdim._tour", True),
    ],
)
def test_layer_violation_classifies(importer, target, broken):
    assert (_layer_violation(importer, target) is not None) is broken


def test_private_names_recognised():
    assert _private_sklearn("sklearn.utils._param_validation", "Interval")
    assert _private_sklearn("sklearn.base", "_fit_context")
    assert not _private_sklearn("sklearn.base", "BaseEstimator")
    assert not _private_sklearn("numpy", "_x")


def test_deprecated_alias_allowed_only_in_module_getattr():
    assert _allowed("sklearn_lowdim.covariance", "__getattr__", "sklearn_lowdim.ood")
    assert _allowed("sklearn_lowdim.covariance", "__getattr__",
                    "sklearn_lowdim.ood._robust")
    assert not _allowed("sklearn_lowdim.covariance", "fit", "sklearn_lowdim.ood")
    assert not _allowed("sklearn_lowdim.utils", "__getattr__", "sklearn_lowdim.ood")
    assert not _allowed("sklearn_lowdim.covariance", "__getattr__",
                        "sklearn_lowdim.oodle")


def test_collector_sees_local_relative_and_dynamic_imports():
    source = (
        "import importlib\n"
        "from . import _statistics\n"
        "def __getattr__(name):\n"
        "    from ..ood import RobustMahalanobis\n"
        "    return importlib.import_module('sklearn_lowdim.ood')\n"
    )
    collector = _ImportCollector("sklearn_lowdim.covariance", True).collect(
        ast.parse(source))
    assert ("sklearn_lowdim.covariance._statistics", None, 2) in collector.imports
    assert ("sklearn_lowdim.ood", "__getattr__", 4) in collector.imports
    assert ("sklearn_lowdim.ood", "__getattr__", 5) in collector.imports
