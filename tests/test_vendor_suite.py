"""A vendor's own tests (tests/vendor_example) run beside the suites with `--suite`: verdicts, reports, re-run
commands, and the user errors a vendor can make."""

from __future__ import annotations

import json
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import run_cli

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "tests" / "vendor_example"
ACME = {"ACME-ECHO-RESPONDS-TO-REQUEST": "PS3.7 9.1.5.1.2", "ACME-QIDO-SAME-ANSWER-TWICE": "PS3.18 8.3.4.4.1"}
ONLY = "test_acme or test_echo_is_answered_with_success"       # the vendor's tests and one of ours


def _one_clear_line(proc) -> str:
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture(scope="module")
def vendor_run(tmp_path_factory):
    report = tmp_path_factory.mktemp("vendor") / "report"
    proc = run_cli("run", "--suite", "tests/vendor_example", "-k", ONLY, "--report-dir", str(report), cwd=str(REPO))
    return proc, report


def _vendor_records(report: Path) -> list[dict]:
    records = json.loads((report / "results.json").read_text())["results"]
    return [r for r in records if r["requirements"][0]["id"] in ACME]


def test_vendor_tests_get_verdicts_in_results_json(vendor_run):
    proc, report = vendor_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "3 PASS" in proc.stdout
    data = json.loads((report / "results.json").read_text())
    vendor = _vendor_records(report)
    assert {r["requirements"][0]["id"]: r["requirements"][0]["clause"] for r in vendor} == ACME
    assert {r["verdict"] for r in vendor} == {"PASS"}
    assert {r["nodeid"] for r in vendor} == {"test_acme.py::test_echo_response_names_its_request",
                                             "test_acme.py::test_same_search_twice_gives_the_same_answer"}
    assert set(ACME) <= {r["id"] for r in data["run"]["catalogue"]}, "the vendor's requirements join the catalogue"


def test_vendor_tests_in_junit_and_html(vendor_run):
    _, report = vendor_run
    cases = {case.get("name"): case for case in ET.parse(report / "junit.xml").getroot().iter("testcase")}
    for record in _vendor_records(report):
        case = cases[record["test"]]
        requirement = record["requirements"][0]
        assert f"requirement {requirement['id']} ({requirement['level']}, {requirement['clause']}" in \
            case.find("system-out").text
        assert case.get("status") == "PASS"
    html = (report / "index.html").read_text()
    for record in _vendor_records(report):
        assert f'id="{record["anchor"]}"' in html and record["test"] in html
    for rid, clause in ACME.items():
        assert rid in html and clause in html


def test_vendor_rerun_command_runs_exactly_that_test(vendor_run, tmp_path):
    _, report = vendor_run
    record = next(r for r in _vendor_records(report) if "echo" in r["test"])
    command = shlex.split(record["rerun"])
    assert command[:2] == ["dicom-harness", "run"] and "--suite" in command
    proc = run_cli(*command[1:], "--report-dir", str(tmp_path / "again"), cwd=str(tmp_path))   # from elsewhere
    assert proc.returncode == 0, proc.stdout + proc.stderr
    again = json.loads((tmp_path / "again" / "results.json").read_text())["results"]
    assert [(r["nodeid"], r["verdict"], r["rerun"]) for r in again] == [(record["nodeid"], "PASS", record["rerun"])]


def test_vendor_tests_through_pytest_are_reported(tmp_path):
    """`pytest --suite PATH`: the plugin collects the folder and records its tests like suite tests."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "dicom_harness.suites",
         "--suite", str(EXAMPLE), "-k", "test_acme", "--report-dir", str(tmp_path / "report"), "-q"],
        capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    vendor = _vendor_records(tmp_path / "report")
    assert len(vendor) == 2 and {r["verdict"] for r in vendor} == {"PASS"}
    assert all(f"--suite {EXAMPLE} --test test_acme.py::" in r["rerun"] for r in vendor)


def test_missing_suite_folder_is_one_line_exit_2(tmp_path):
    proc = run_cli("run", "--suite", str(tmp_path / "nowhere"), "--report-dir", str(tmp_path / "r"))
    assert proc.returncode == 2
    assert "--suite" in _one_clear_line(proc) and "no such folder" in proc.stderr


def test_duplicate_requirement_id_is_one_line_exit_2(tmp_path):
    (tmp_path / "acme" / "requirements").mkdir(parents=True)
    (tmp_path / "acme" / "requirements" / "acme.toml").write_text(
        'edition = "DICOM 2020"\nservice = "verification"\n[[requirement]]\nid = "VERIFY-ECHO-SUCCESS"\n'
        'clause = "PS3.4 A.4"\nlevel = "SHALL"\nstatement = "the same ID as one of ours"\n')
    proc = run_cli("run", "--suite", str(tmp_path / "acme"), "--report-dir", str(tmp_path / "r"))
    assert proc.returncode == 2
    assert "duplicate requirement ID VERIFY-ECHO-SUCCESS" in _one_clear_line(proc)


def test_unknown_requirement_in_a_vendor_test_is_a_collection_error(tmp_path):
    (tmp_path / "acme").mkdir()
    (tmp_path / "acme" / "test_mine.py").write_text(
        "from dicom_harness.testing import requirement\n\n\n@requirement('ACME-NO-SUCH')\n"
        "def test_mine(dimse):\n    pass\n")
    proc = run_cli("run", "--suite", str(tmp_path / "acme"), "--report-dir", str(tmp_path / "r"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "unknown requirement ID 'ACME-NO-SUCH'" in proc.stderr and "Traceback" not in proc.stderr


def test_the_example_is_not_collected_as_a_project_test():
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           str(REPO / "tests")], capture_output=True, text=True, timeout=120, cwd=str(REPO))
    assert proc.returncode == 0 and "test_acme" not in proc.stdout, proc.stdout[-2000:]


def test_readme_shows_the_example_verbatim():
    readme = (REPO / "README.md").read_text()
    for path in (EXAMPLE / "requirements" / "acme.toml", EXAMPLE / "test_acme.py"):
        assert path.read_text().rstrip() in readme, f"README.md 'Adding your own tests' lags behind {path.name}"
