"""The report folder as CI systems and scripts read it: junit.xml valid against the JUnit schema CI servers
check (tests/schemas/junit.xsd) whatever a target sends, WARN visible to a dashboard that asks for it,
results.json valid against its published JSON Schema, and root causes first in "to look at first"."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dicom_harness.reports.render import write_reports
from dicom_harness.shared.verdicts import PROBLEMS
from tests.conftest import run_suites

SCHEMAS = Path(__file__).resolve().parent / "schemas"
FORBIDDEN_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
VERDICTS = ("PASS", "FAIL", "WARN", "NOT CLAIMED", "NOT VERIFIED", "DEVIATION", "FIXED", "ERROR")


def _junit_schema():
    import xmlschema
    return xmlschema.XMLSchema(SCHEMAS / "junit.xsd")


def _results_schema() -> dict:
    from importlib.resources import files
    return json.loads(files("dicom_harness.reports").joinpath("results.schema.json").read_text(encoding="utf-8"))


def _record(name: str, verdict: str, rid: str = "R1", level: str = "SHALL", message: str = "", evidence=None) -> dict:
    return {"nodeid": f"suites/storage/test_x.py::{name}", "test": name, "module": "dicom_harness.suites.storage.test_x",
            "doc": "what we send; what the standard requires", "service": "storage", "verdict": verdict,
            "requirements": [{"id": rid, "clause": "PS3.4 B.1.2", "edition": "DICOM 2020", "level": level,
                              "service": "storage", "statement": f"statement of {rid}", "quote": ""}],
            "message": message or ("" if verdict == "PASS" else f"expected x, observed y in {name}"),
            "deviation": [{"requirement": rid, "reason": "known", "link": ""}] if verdict in ("DEVIATION", "FIXED") else [],
            "evidence": evidence if evidence is not None else ["  0.001 > C-STORE-RQ", "  0.002 < C-STORE-RSP Success"],
            "duration": 0.00001, "target": "t", "rerun": f"dicom-harness run --test {name}"}


def _write(folder: Path, records: list[dict]) -> Path:
    write_reports({"run": {"tool": "dicom-harness", "target": "t", "target_spec": "--target t", "started": 1.7e9, "duration": 2.5,
                           "python": "3.11", "catalogue": []}, "results": records}, folder)
    return folder


def test_junit_xml_of_every_verdict_is_valid(tmp_path):
    """One test per verdict: junit.xml validates against the JUnit schema, each testcase says its verdict,
    and the counts are the ones a CI server recomputes from the testcases."""
    folder = _write(tmp_path, [_record(f"test_{v.lower().replace(' ', '_')}", v) for v in VERDICTS])
    schema = _junit_schema()
    schema.validate(folder / "junit.xml")
    suite = ET.parse(folder / "junit.xml").getroot().find("testsuite")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert {name: case.get("status") for name, case in cases.items()} == {
        f"test_{v.lower().replace(' ', '_')}": v for v in VERDICTS}
    assert cases["test_fail"].find("failure").get("type") == "FAIL"
    assert cases["test_error"].find("error") is not None
    assert all(cases[f"test_{v}"].find("skipped") is not None for v in ("not_claimed", "not_verified", "deviation"))
    assert cases["test_not_verified"].find("skipped").get("message").startswith("NOT VERIFIED: expected x")
    assert "requirement R1 (SHALL, PS3.4 B.1.2" in cases["test_fail"].find("system-out").text
    failures = sum(case.find("failure") is not None for case in cases.values())
    skipped = sum(case.find("skipped") is not None for case in cases.values())
    assert (suite.get("failures"), suite.get("errors"), suite.get("skipped")) == (str(failures), "1", str(skipped))


def test_warn_is_skipped_in_junit_xml_and_a_failure_in_junit_strict_xml(tmp_path):
    """WARN (a SHOULD not met) exits 0, so junit.xml does not count it as a failure; junit-strict.xml, for a
    dashboard that should show every WARN, writes it as <failure type="WARN">. Both are valid."""
    folder = _write(tmp_path, [_record("test_should", "WARN", level="SHOULD"), _record("test_ok", "PASS")])
    schema = _junit_schema()
    for name in ("junit.xml", "junit-strict.xml"):
        schema.validate(folder / name)
    plain = ET.parse(folder / "junit.xml").getroot().find("testsuite/testcase[@name='test_should']")
    assert plain.find("failure") is None and plain.find("skipped").get("message").startswith("WARN")
    strict = ET.parse(folder / "junit-strict.xml").getroot()
    case = strict.find("testsuite/testcase[@name='test_should']")
    assert case.find("failure").get("type") == "WARN" and case.find("failure").get("message").startswith("WARN")
    assert strict.get("failures") == strict.find("testsuite").get("failures") == "1"


def test_control_characters_from_a_target_keep_the_files_well_formed(tmp_path):
    """An error body with NUL, BEL, ESC, a lone surrogate or U+FFFF in the message or the evidence: junit.xml
    still parses and validates, index.html holds no character XML 1.0 forbids, and the text stays readable."""
    hostile = "status \x00\x07 from \x1b[31mbody\ud800 \uffff end"
    records = [_record("test_hostile", "FAIL", message=hostile, evidence=[f"  0.010 < HTTP 500 {hostile}"]),
               _record("test_error", "ERROR", message=hostile)]
    folder = _write(tmp_path, records)
    for name in ("junit.xml", "junit-strict.xml", "index.html"):
        text = (folder / name).read_text(encoding="utf-8")
        assert not FORBIDDEN_IN_XML.search(text), name
        assert "status \\x00\\x07 from \\x1b[31mbody\\ud800 \\uffff end" in text, name
    ET.parse(folder / "junit.xml")
    _junit_schema().validate(folder / "junit.xml")
    assert json.loads((folder / "results.json").read_text())["results"][0]["message"] == hostile


def test_results_json_declares_its_schema_version_and_validates(tmp_path):
    import jsonschema
    folder = _write(tmp_path, [_record(f"test_{i}", v) for i, v in enumerate(VERDICTS)])
    data = json.loads((folder / "results.json").read_text())
    assert data["schema_version"] == 1
    jsonschema.validate(data, _results_schema())
    data["results"][0]["verdict"] = "MAYBE"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, _results_schema())


# -- a real run ------------------------------------------------------------------------------------------------

DISCARDS_TESTS = ("association/test_max_pdu.py", "commitment/test_storage_commitment.py",
                  "query_retrieve/test_matching.py", "storage/test_c_store.py", "stow/test_store.py")


@pytest.fixture(scope="module")
def discards_run(tmp_path_factory):
    """`dicom-harness run --fault store-discards` over the files where its knock-on failures land."""
    folder = tmp_path_factory.mktemp("discards")
    args = [a for test in DISCARDS_TESTS for a in ("--test", test)]
    proc, records = run_suites(folder, "--fault", "store-discards", *args, timeout=240)
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    return folder, records


def test_a_real_runs_files_validate(discards_run):
    import jsonschema
    folder, _ = discards_run
    schema = _junit_schema()
    schema.validate(folder / "junit.xml")
    schema.validate(folder / "junit-strict.xml")
    results_schema = _results_schema()
    jsonschema.validate(json.loads((folder / "results.json").read_text()), results_schema)
    # results.jsonl: the plugin's records, one a line after the run header, from which results.json is built
    lines = [json.loads(line) for line in (folder / "results.jsonl").read_text().splitlines()]
    assert lines[0]["schema_version"] == 1 and "run" in lines[0]
    record_schema = {**results_schema["$defs"]["record"], "$defs": results_schema["$defs"]}
    for line in lines[1:]:
        jsonschema.validate(line, record_schema)


def test_root_cause_is_first_to_look_at(discards_run):
    """store-discards breaks STORE-RETAINS-INSTANCE; everything that reads back fails with it. The storage
    failure comes first, the others are marked as its likely consequences."""
    folder, records = discards_run
    html = (folder / "index.html").read_text()
    listed = re.search(r'<div class="problems".*?</ol>', html, re.S).group(0)
    items = re.findall(r"<li.*?</li>", listed, re.S)
    problems = [r for r in records if r["verdict"] in PROBLEMS]     # FAIL, and WARN for a broken SHOULD
    assert len(items) == len(problems) > 10
    assert "STORE-RETAINS-INSTANCE" in items[0] and "likely a consequence" not in items[0]
    later = items[1:]
    assert all("likely a consequence of" in item and "STORE-RETAINS-INSTANCE" in item for item in later), [
        item for item in later if "likely a consequence" not in item][:3]


# -- which failure explains which: reports/prerequisites.toml -------------------------------------------------

def test_prerequisite_table_names_catalogued_requirements_and_has_no_cycle():
    from dicom_harness.catalogue import load_catalogue
    from dicom_harness.reports.causes import prerequisites, relied_on
    catalogue = {rid: {"id": rid, "service": req.service} for rid, req in load_catalogue().items()}
    services = {entry["service"] for entry in catalogue.values()}
    for p in prerequisites():
        assert p.id in catalogue, f"prerequisites.toml: {p.id} is not catalogued"
        assert set(p.services) <= services, f"prerequisites.toml: {p.id}: unknown services {set(p.services) - services}"
        unknown = (set(p.requirements) | set(p.exceptions)) - set(catalogue)
        assert not unknown, f"prerequisites.toml: {p.id}: not catalogued: {unknown}"
        assert p.why
    graph = {rid: set(relied_on(entry)) for rid, entry in catalogue.items()}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in graph[start])

    assert [rid for rid in graph if reaches(rid, rid, {rid})] == [], "a cycle: the order would depend on chance"


# A fault's knock-on the table leaves out on purpose: (requirement the fault breaks, knock-on, why).
# mpps-set-not-kept also fails the create test (which completes its MPPS), and the create step, on which the
# whole mpps service relies, is then named the root: one step earlier than the fault, still the right place.
NOT_EXPLAINED = {("MPPS-SET-COMPLETED", "MPPS-CREATE-IN-PROGRESS"), ("MPPS-SET-COMPLETED", "MPPS-FINAL-NOT-UPDATABLE"),
                 ("MPPS-SET-COMPLETED", "MPPS-SET-DISCONTINUED"), ("MPPS-SET-COMPLETED", "MPPS-SET-INTERMEDIATE"),
                 ("MPPS-SET-COMPLETED", "MPPS-COMPLETED-NOT-UPDATABLE"), ("MPPS-SET-COMPLETED", "MPPS-FINAL-ERROR-COMMENT"),
                 ("MPPS-SET-COMPLETED", "MPPS-FINAL-ERROR-ID")}


def test_every_faults_knock_on_failures_are_explained_by_the_requirement_it_breaks():
    """The simulator faults are the project's data on knock-on failures: store-discards breaks
    STORE-RETAINS-INSTANCE and, with it, everything that reads back. The table explains each of them."""
    from dicom_harness.catalogue import load_catalogue
    from dicom_harness.reports.causes import find_causes
    from dicom_harness.simulators.faults import FAULTS
    catalogue = load_catalogue()

    def record(rid: str) -> dict:
        return {"verdict": "FAIL", "requirements": [{"id": rid, "service": catalogue[rid].service}]}

    missing = []
    for fault in FAULTS.values():
        causes = find_causes([record(fault.breaks), *(record(rid) for rid in fault.also_breaks)])
        missing += [(fault.name, fault.breaks, rid) for rid in fault.also_breaks
                    if fault.breaks not in causes.of[rid] and (fault.breaks, rid) not in NOT_EXPLAINED]
    assert missing == [], "add to reports/prerequisites.toml: " + "; ".join(
        f"{rid} relies on {breaks} (fault {name})" for name, breaks, rid in missing)


def test_independent_failures_and_chains():
    """Causes are followed to their root; a failure nothing explains stays a root of its own; the root that
    explains most comes first; a consequence whose cause passed is a root."""
    from dicom_harness.reports.causes import Prerequisite, look_at_first
    table = (Prerequisite("A", "a", services=("svc",)), Prerequisite("B", "b", requirements=("C",)))

    def record(name, rid, verdict="FAIL", service="svc"):
        return {"nodeid": name, "test": name, "verdict": verdict, "requirements": [{"id": rid, "service": service}]}

    records = [record("t0", "LONE", service="other"), record("t1", "A", service="other"), record("t2", "B"),
               record("t3", "C", service="other"), record("t4", "D"), record("t5", "E", "PASS", "other"),
               record("t6", "F", "WARN", "elsewhere")]
    ordered = look_at_first(records, table)
    assert [(r["test"], r["consequence_of"], r["explains"]) for r in ordered] == [
        ("t1", [], 3), ("t0", [], 0), ("t6", [], 0), ("t2", ["A"], 0), ("t3", ["A"], 0), ("t4", ["A"], 0)]
    passed_a = [r if r["test"] != "t1" else {**r, "verdict": "PASS"} for r in records]
    assert [(r["test"], r["consequence_of"]) for r in look_at_first(passed_a, table)] == [
        ("t2", []), ("t0", []), ("t4", []), ("t6", []), ("t3", ["B"])]
