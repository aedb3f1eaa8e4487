"""Faults are registered objects that simulator code refers to by identity (simulators/faults.py).

A check written against a bare name (`"mpps-duplicate-overwrites" not in self.faults`) can never fire if
the name is not registered, and nothing would say so: these tests read the simulators' sources and fail on
such a check, on any fault name left as a string, and on a registered fault no simulator code refers to."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from dicom_harness.simulators import faults
from dicom_harness.simulators.faults import FAULTS, Fault, UnknownFault, check_faults, faults_named

SIMULATORS = Path(faults.__file__).resolve().parent
# The module-level name of each registered fault, as simulator code imports it
FAULT_CONSTANTS = {name: value for name, value in vars(faults).items() if isinstance(value, Fault)}


def _sources() -> dict[str, ast.Module]:
    return {str(path.relative_to(SIMULATORS)): ast.parse(path.read_text(), str(path))
            for path in sorted(SIMULATORS.rglob("*.py")) if path != Path(faults.__file__).resolve()}


def _docstrings(tree: ast.Module) -> set[int]:
    """ids of the docstring nodes: prose may name a fault."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _mentions_faults(node: ast.AST) -> bool:
    """self.faults, self.worklist.faults, self._dh_faults, faults ...: an expression holding a run's faults."""
    return any((isinstance(n, ast.Name) and "faults" in n.id) or (isinstance(n, ast.Attribute) and "faults" in n.attr)
               for n in ast.walk(node))


def _fault_names(node: ast.AST) -> list[str | None]:
    """The fault constants an expression tested against a fault set names (both of `A if c else B`)."""
    if isinstance(node, ast.IfExp):
        return _fault_names(node.body) + _fault_names(node.orelse)
    return [_fault_name(node)]


def _fault_name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "faults":
        return node.attr             # faults.ECHO_FAILURE
    return None


def problems_in(tree: ast.Module, where: str) -> list[str]:
    """Fault checks that do not name a registered Fault object, and fault names left as strings."""
    found = []
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops):
            operands = [node.left, *node.comparators]
            for index, op in enumerate(node.ops):
                if not isinstance(op, (ast.In, ast.NotIn)) or not _mentions_faults(operands[index + 1]):
                    continue
                tested = operands[index]
                if isinstance(tested, ast.Constant):
                    found.append(f"{where}:{node.lineno}: {tested.value!r} compared with a fault set as a string")
                elif not set(_fault_names(tested)) <= set(FAULT_CONSTANTS):
                    found.append(f"{where}:{node.lineno}: {ast.unparse(tested)} is not a registered fault")
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in FAULTS
              and id(node) not in docstrings):
            found.append(f"{where}:{node.lineno}: fault name {node.value!r} as a string, not its Fault object")
    return found


def test_simulators_check_only_registered_faults_by_identity():
    found = [problem for where, tree in _sources().items() for problem in problems_in(tree, where)]
    assert not found, "\n".join(found)


def test_every_registered_fault_is_used_by_some_simulator():
    used = {_fault_name(node) for tree in _sources().values() for node in ast.walk(tree)} & set(FAULT_CONSTANTS)
    unused = sorted(FAULT_CONSTANTS[name].name for name in set(FAULT_CONSTANTS) - used)
    assert not unused, f"registered but never checked by a simulator: {', '.join(unused)}"


def test_every_registered_fault_has_one_module_level_name():
    assert sorted(f.name for f in FAULT_CONSTANTS.values()) == sorted(FAULTS)
    assert all(FAULTS[f.name] is f for f in FAULT_CONSTANTS.values())


@pytest.mark.parametrize("check", [
    'if uid and uid in self.performed and "mpps-duplicate-overwrites" not in self.faults:\n    pass',
    "if MPPS_DUPLICATE_OVERWRITES not in self.faults:\n    pass",
    "fault = MOVE_MISCOUNTS\nif fault in self._dh_faults:\n    pass",
    'fault = "move-miscounts" if kind == "C_MOVE" else "get-miscounts"',
])
def test_the_scan_catches_unregistered_and_bare_name_checks(check):
    """The defect this test was written for: a check of a fault that was never registered."""
    assert problems_in(ast.parse(check), "example")


def test_a_check_by_object_passes_the_scan():
    assert not problems_in(ast.parse("if ECHO_FAILURE in self.faults:\n    pass"), "example")


def test_names_become_the_registered_objects_at_the_boundary():
    assert faults_named(["echo-failure", faults.STORE_DISCARDS]) == {faults.ECHO_FAILURE, faults.STORE_DISCARDS}
    assert check_faults(["echo-failure"]) == frozenset({"echo-failure"})
    with pytest.raises(UnknownFault, match="unknown fault 'no-such-fault'; `dicom-harness faults` lists all"):
        faults_named(["no-such-fault"])
    with pytest.raises(UnknownFault, match="did you mean 'echo-failure'"):
        faults_named(["echo-failur"])
    with pytest.raises(UnknownFault):
        faults_named([Fault("echo-failure", "VERIFY-ECHO-SUCCESS", "a look-alike")])
