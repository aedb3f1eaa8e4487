"""The import rules of DESIGN.md, read from the code: no import cycle, the simulators stand alone, the
built-in provider is the harness's one door to them, reports never need pytest."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# repository folder -> installed import name (pyproject.toml [tool.setuptools.package-dir])
PACKAGES = {"harness": "dicom_harness", "simulators": "dicom_harness.simulators",
            "suites": "dicom_harness.suites", "reports": "dicom_harness.reports"}


def _module_name(path: Path) -> str:
    relative = path.relative_to(ROOT)
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join([PACKAGES[parts[0]], *parts[1:]])


def _sources() -> dict[str, Path]:
    return {_module_name(p): p for folder in PACKAGES for p in sorted((ROOT / folder).rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every project module `name` imports, at module level or inside functions: a cycle through a
    function-level import is still a cycle of ideas."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            candidates = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for candidate in candidates:
            # the deepest project module the name reaches: `from a.b import c` is a.b.c if c is a module
            while candidate and candidate not in known:
                candidate = candidate.rpartition(".")[0]
            if candidate and candidate != name:
                found.add(candidate)
                break
    return found


def _graph() -> dict[str, set[str]]:
    sources = _sources()
    known = set(sources)
    return {name: _imports(name, path, known) for name, path in sources.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _parents(module: str) -> set[str]:
    """A package's __init__ runs before its modules: importing a.b.c imports a and a.b."""
    parts = module.split(".")
    return {".".join(parts[:i]) for i in range(1, len(parts))}


def test_no_import_cycle():
    assert _cycles(_graph()) == []


def _part(module: str) -> str:
    """The named part a module belongs to: a subpackage of the harness (clients, targets, plugin ...), or
    simulators, suites, reports."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ("simulators", "suites", "reports"):
        return parts[1]
    return ".".join(parts[:2])


def test_no_import_cycle_between_the_named_parts():
    """The parts of the harness form layers too: clients use targets' profiles, targets never use clients."""
    parts: dict[str, set[str]] = {}
    for module, imports in _graph().items():
        parts.setdefault(_part(module), set()).update(_part(i) for i in imports if _part(i) != _part(module))
    assert _cycles(parts) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_simulators_import_only_the_shared_layer_of_the_harness():
    wrong = {(module, imported) for module, imports in _graph().items() if module.startswith("dicom_harness.simulators")
             for imported in imports
             if not imported.startswith(("dicom_harness.simulators", "dicom_harness.shared"))
             and imported not in _parents(module)}
    assert wrong == set()


def test_only_the_builtin_provider_imports_the_simulators():
    importers = {module for module, imports in _graph().items() if not module.startswith("dicom_harness.simulators")
                 and any(i.startswith("dicom_harness.simulators") for i in imports)}
    assert importers == {"dicom_harness.targets.builtin"}


def test_the_shared_layer_imports_nothing_else_of_the_project():
    wrong = {(module, imported) for module, imports in _graph().items() if module.startswith("dicom_harness.shared")
             for imported in imports if not imported.startswith("dicom_harness.shared")
             and imported not in _parents(module)}
    assert wrong == set()


def test_reports_read_records_without_pytest_or_the_engine():
    for name, path in _sources().items():
        if not name.startswith("dicom_harness.reports"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "import pytest" not in text, name
    wrong = {(module, imported) for module, imports in _graph().items() if module.startswith("dicom_harness.reports")
             for imported in imports if not imported.startswith(("dicom_harness.reports", "dicom_harness.shared"))
             and imported not in _parents(module)}
    assert wrong == set()


def test_nothing_patches_pynetdicom_at_import():
    """PS3.8's unknown-PDU A-ABORT goes into pynetdicom by an explicit call (shared.network.prepare_ae), not
    as a side effect of importing any module of ours."""
    script = (
        "import importlib, pkgutil\n"
        "from pynetdicom.dul import DULServiceProvider\n"
        "original = DULServiceProvider._read_pdu_data\n"
        "names = []\n"
        "for root in ('dicom_harness', 'dicom_harness.simulators', 'dicom_harness.reports'):\n"
        "    package = importlib.import_module(root)\n"
        "    for info in pkgutil.walk_packages(package.__path__, root + '.'):\n"
        "        if not info.name.endswith('__main__'):\n"
        "            names.append(importlib.import_module(info.name).__name__)\n"
        "assert 'dicom_harness.simulators.pacs' in names and 'dicom_harness.clients.dimse' in names, names\n"
        "assert DULServiceProvider._read_pdu_data is original, 'patched at import'\n"
        "from pynetdicom import AE\n"
        "from dicom_harness.shared.network import prepare_ae\n"
        "prepare_ae(AE())\n"
        "assert DULServiceProvider._read_pdu_data is not original, 'prepare_ae did not install it'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
