"""The public surface for suites and vendors' tests is dicom_harness.testing (httpx style: the list is tested),
and the suites import from it alone: nothing else of the harness, nothing from another suite's folder."""

from __future__ import annotations

import ast
from pathlib import Path

import dicom_harness.testing

SUITES = Path(__file__).resolve().parent.parent / "suites"

PUBLIC = [
    "requirement",
    "AssociationRejected", "NotApplicable", "NotClaimed", "NotVerified", "TargetFailure",
    "Status", "describe", "is_defined_store_status", "status_class",
    "assert_same_instance", "assert_suboperation_counts", "assert_json_model", "json_model_findings",
    "assert_rendered_jpeg",
    "DICOM_JSON", "MULTIPART_DICOM", "MULTIPART_OCTET", "json_value", "native_dicom_attributes", "native_values",
    "read_part10", "study_paths", "references_by_sequence",
    "KINDS", "PRIVATE_CREATOR", "DatasetFactory", "code_item", "pixel_digest", "seed_instances",
    "RETURN_KEYS", "SPS_RETURN_KEYS", "unique_tag", "unique_worklist_item", "worklist_query",
    "matching_model",
    "differential",
    "DISCONTINUED", "final_state_attributes", "in_progress_attributes",
    "CANCELED", "CANCEL_REQUESTED", "COMPLETED", "FILTERED_WORKLIST_UID", "IN_PROGRESS", "PROGRESS", "REFUSED",
    "SCHEDULED", "STATE_REPORT", "WORKLIST_UID", "about", "is_event", "state_of", "subscriber_title",
    "request_commitment",
    "associate_rq", "qr_levels", "received", "requested", "expected_of", "well_formed", "mpps",
    "ul_state_model", "ups_model",
    "TYPE1", "TYPE2", "UIDS", "UNREADABLE", "VALUES", "uid_problem", "uid_values", "validate",
]


def test_the_public_surface_is_the_written_list():
    assert dicom_harness.testing.__all__ == PUBLIC
    missing = [name for name in PUBLIC if not hasattr(dicom_harness.testing, name)]
    assert not missing, f"listed in __all__ but not defined: {missing}"


def _imports(path: Path):
    """(line, module) for every import in a suite file; relative imports as '.name' (level dots kept)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, "." * node.level + (node.module or "")


def _problem(path: Path, module: str) -> str | None:
    folder = path.parent.relative_to(SUITES).parts
    if module.startswith("."):
        level = len(module) - len(module.lstrip("."))
        if level > 1 or not folder:
            return "reaches outside its own suite folder"
        return None
    if module == "dicom_harness" or module.startswith("dicom_harness."):
        if module == "dicom_harness.testing":
            return None
        if module.startswith("dicom_harness.suites."):
            return "imports from another suite" if module.split(".")[2:3] != list(folder[:1]) else (
                "imports its own folder by absolute name (use a relative import)")
        return "imports the harness outside dicom_harness.testing"
    if module in ("harness", "suites", "simulators", "reports") or module.startswith(
            ("harness.", "suites.", "simulators.", "reports.")):
        return "imports a repository folder by path"
    return None


def test_suites_import_only_the_public_surface():
    files = sorted(SUITES.rglob("*.py"))
    assert files, f"no suite files under {SUITES}"
    problems = [f"{path.relative_to(SUITES.parent)}:{line}: {module}: {problem}"
                for path in files for line, module in _imports(path)
                if (problem := _problem(path, module))]
    assert not problems, "\n".join(problems)


def test_the_scan_catches_what_it_should():
    """The checker itself can fail: each kind of forbidden import is reported."""
    for module in ("dicom_harness.clients.web", "dicom_harness.suites.storage.conftest", "..storage.conftest",
                   "simulators.ris"):
        assert _problem(SUITES / "qido" / "test_x.py", module), module
    assert _problem(SUITES / "qido" / "test_x.py", "dicom_harness.suites.qido.conftest")
    for module in ("dicom_harness.testing", ".conftest", "pydicom.dataset", "pytest"):
        assert _problem(SUITES / "qido" / "test_x.py", module) is None, module
