"""Reports people act on: re-rendering, the comparison (leaderboard, changes), CI baselines, many targets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dicom_harness.reports.compare import Run, diff_runs, leaderboard, load_run, write_comparison
from dicom_harness.reports.render import anchor_for, anchors, write_reports
from tests.conftest import run_cli

ECHO = "verification/test_c_echo.py::test_echo_is_answered_with_success"
RETAINS = "storage/test_c_store.py::test_stored_instance_reads_back_identical"


def _requirement(rid: str, level: str = "SHALL", service: str = "storage") -> dict:
    return {"id": rid, "clause": "PS3.4 B.1.2", "edition": "DICOM 2020", "level": level, "service": service,
            "statement": f"statement of {rid}"}


def _record(name: str, verdict: str, rid: str, level: str = "SHALL") -> dict:
    return {"nodeid": f"suites/storage/test_x.py::{name}", "test": name, "module": "dicom_harness.suites.storage.test_x",
            "doc": "", "requirements": [_requirement(rid, level)], "service": "storage", "verdict": verdict,
            "message": "" if verdict == "PASS" else f"expected x, observed y in {name}", "deviation": [],
            "evidence": ["  0.001 > C-STORE-RQ"], "duration": 0.1, "target": "t", "rerun": f"dicom-harness run --test {name}"}


def _run(label: str, records: list[dict]) -> Run:
    return Run(label, Path(f"/nowhere/{label}/results.json"), {"run": {"target": label, "catalogue": []},
                                                                "results": records})


def test_anchors_are_stable_and_readable():
    assert anchor_for("suites/storage/test_c_store.py::test_x[CT]") == "storage.test_c_store.test_x-CT"
    assert anchor_for("/abs/path/suites/association/test_max_pdu.py::test_y") == "association.test_max_pdu.test_y"


def test_writing_a_report_leaves_the_records_alone(tmp_path):
    """The plugin keeps its records; it asks anchors() for the links the report uses."""
    records = [_record("a", "FAIL", "R1"), _record("a", "PASS", "R2")]
    before = json.dumps(records)
    write_reports({"run": {"target": "t", "duration": 1.0, "catalogue": []}, "results": records}, tmp_path)
    assert json.dumps(records) == before
    written = json.loads((tmp_path / "results.json").read_text())["results"]
    assert [r["anchor"] for r in written] == anchors(records) == ["storage.test_x.a", "storage.test_x.a-2"]


def test_scoring_counts_requirements_and_not_claimed_is_not_a_pass():
    honest = _run("honest", [_record("a", "PASS", "R1"), _record("b", "FAIL", "R2"), _record("c", "PASS", "R3", "SHOULD")])
    # claims less: R2 NOT CLAIMED; declares a deviation for R3; runs an extra easy test for R1
    shy = _run("shy", [_record("a", "PASS", "R1"), _record("a2", "PASS", "R1"), _record("b", "NOT CLAIMED", "R2"),
                       _record("c", "DEVIATION", "R3", "SHOULD")])
    partial = _run("partial", [_record("a", "PASS", "R1")])            # ran only what passes
    broken_shall = _run("broken", [_record("a", "FAIL", "R1"), _record("a2", "PASS", "R1"), _record("b", "PASS", "R2"),
                                   _record("c", "PASS", "R3", "SHOULD")])
    scores = {s.label: s for s in leaderboard([honest, shy, partial, broken_shall])}
    assert scores["honest"].text("SHALL") == "1/2" and scores["honest"].text("SHOULD") == "1/1"
    assert scores["shy"].text("SHALL") == "1/2" and scores["shy"].text("SHOULD") == "0/1"
    assert scores["partial"].text("SHALL") == "1/2" and "2 requirement(s) not run" in scores["partial"].flags
    assert scores["broken"].text("SHALL") == "1/2", "one failing test loses the requirement"
    assert scores["honest"].rank == 1 and scores["broken"].rank == 1      # same SHALLs and SHOULDs: shared rank
    assert scores["shy"].rank == 3 and scores["partial"].rank == 3


def test_changes_between_versions():
    before = _run("v1", [_record("a", "PASS", "R1"), _record("b", "FAIL", "R2"), _record("c", "FAIL", "R3"),
                         _record("d", "NOT CLAIMED", "R4"), _record("gone", "PASS", "R5")])
    after = _run("v2", [_record("a", "FAIL", "R1"), _record("b", "PASS", "R2"), _record("c", "FAIL", "R3"),
                        _record("d", "FAIL", "R4"), _record("new", "FAIL", "R6")])
    for run in (before, after):
        for record in run.results:
            record["anchor"] = anchor_for(record["nodeid"])
    changes = diff_runs(before, after)
    assert [p["test"] for p in changes.new_failures] == ["a", "d"]
    assert [p["test"] for p in changes.fixed] == ["b"]
    assert [p["test"] for p in changes.still_failing] == ["c"]
    assert [p["test"] for p in changes.added] == ["new"] and [p["test"] for p in changes.removed] == ["gone"]


def test_comparison_page_is_rendered_from_results(tmp_path):
    folders = []
    for label, verdict in (("alpha", "PASS"), ("beta", "FAIL")):
        folder = tmp_path / label
        write_reports({"run": {"target": label, "duration": 1.0, "catalogue": []},
                       "results": [_record("a", verdict, "R1")]}, folder)
        folders.append(folder)
    page = write_comparison([load_run(f) for f in folders], tmp_path / "cmp")
    html = page.read_text()
    assert "alpha" in html and "beta" in html and "1 new failures" in html
    assert '../alpha/index.html#storage.test_x.a' in html, "cells link to the test in each run's report"


def test_reports_package_never_imports_pytest():
    code = ("import sys, dicom_harness.reports.render, dicom_harness.reports.compare, dicom_harness.reports.statement; "
            "sys.exit(1 if 'pytest' in sys.modules else 0)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_compare_command_and_bad_input(tmp_path):
    write_reports({"run": {"target": "one", "duration": 1.0, "catalogue": []}, "results": [_record("a", "PASS", "R1")]},
                  tmp_path / "one")
    write_reports({"run": {"target": "two", "duration": 1.0, "catalogue": []}, "results": [_record("a", "FAIL", "R1")]},
                  tmp_path / "two")
    proc = run_cli("compare", str(tmp_path / "one"), str(tmp_path / "two"), "-o", str(tmp_path / "out"), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "out" / "compare.html").exists()
    proc = run_cli("compare", str(tmp_path / "nothing-here"), timeout=60)
    assert proc.returncode == 2 and "no results.json" in proc.stderr and "Traceback" not in proc.stderr


@pytest.fixture(scope="module")
def two_targets(tmp_path_factory):
    """--targets with two entries (clean simulators, and with the fault that breaks one storage test)."""
    root = tmp_path_factory.mktemp("targets")
    entries = root / "entries.toml"
    entries.write_text('concurrency = 2\n'
                       '[[entry]]\nname = "clean"\ntarget = "simulators"\n'
                       '[[entry]]\nname = "discards"\ntarget = "simulators"\nfault = ["store-discards"]\n')
    proc = run_cli("run", "--targets", str(entries), "--report-dir", str(root / "out"),
                   "--test", RETAINS, "--test", ECHO, timeout=240)
    return proc, root / "out"


def test_many_targets_one_comparison(two_targets):
    proc, out = two_targets
    assert proc.returncode == 1, proc.stdout + proc.stderr        # an entry failed a requirement
    assert (out / "clean" / "index.html").exists() and (out / "discards" / "run.log").exists()
    html = (out / "index.html").read_text()
    assert html.index(">clean<") < html.index(">discards<"), "the clean entry ranks first"
    assert json.loads((out / "discards" / "results.json").read_text())["summary"]["overall"]["FAIL"] == 1


def test_baseline_fails_only_on_regressions(two_targets, tmp_path):
    _, out = two_targets
    regressed = run_cli("run", "--fault", "store-discards", "--report-dir", str(tmp_path / "regressed"),
                        "--test", RETAINS, "--test", ECHO, "--baseline", str(out / "clean" / "results.json"), timeout=120)
    assert regressed.returncode == 1, regressed.stdout + regressed.stderr
    assert "1 regression(s)" in regressed.stdout and "REGRESSION PASS -> FAIL" in regressed.stdout
    assert (tmp_path / "regressed" / "baseline.html").exists()
    # the same failure, already in the baseline: not a regression
    again = run_cli("run", "--fault", "store-discards", "--report-dir", str(tmp_path / "again"),
                    "--test", RETAINS, "--test", ECHO, "--baseline", str(out / "discards"), timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "0 regression(s)" in again.stdout and "1 still failing" in again.stdout


def test_baseline_that_does_not_exist_is_a_usage_error(tmp_path):
    proc = run_cli("run", "--baseline", str(tmp_path / "missing.json"), "--report-dir", str(tmp_path / "r"), timeout=60)
    assert proc.returncode == 2 and "--baseline" in proc.stderr and "Traceback" not in proc.stderr


def test_targets_entries_take_the_run_options_naming_a_target(tmp_path):
    from dicom_harness.cli.many_targets import load_entries
    entries = tmp_path / "entries.toml"
    entries.write_text('[[entry]]\nname = "web"\ndicomweb = "http://127.0.0.1:8042/dicom-web"\n'
                       '[[entry]]\nname = "sim"\ntarget = "simulators"\nfault = "store-discards"\n')
    found, _ = load_entries(entries)
    assert [e.arguments() for e in found] == [["--dicomweb", "http://127.0.0.1:8042/dicom-web"],
                                              ["--target", "simulators", "--fault", "store-discards"]]


def test_targets_file_errors_are_one_line(tmp_path):
    entries = tmp_path / "entries.toml"
    entries.write_text('[[entry]]\nname = "x"\n')
    proc = run_cli("run", "--targets", str(entries), "--report-dir", str(tmp_path / "out"), timeout=60)
    assert proc.returncode == 2 and "exactly one of target" in proc.stderr and "Traceback" not in proc.stderr


def test_coverage_counts_only_what_a_test_examined():
    """NOT CLAIMED and ERROR examined nothing; a catalogued requirement with a test that did not run is not
    examined; declared statuses keep their reason."""
    from dicom_harness.reports.render import coverage
    catalogue = [{**_requirement(rid), "status": "tested", "reason": ""} for rid in ("R1", "R2", "R3", "R4")]
    catalogue += [{**_requirement("R5", "MAY"), "status": "not testable", "reason": "client-side behaviour"}]
    records = [_record("a", "FAIL", "R1"), _record("b", "NOT CLAIMED", "R2"), _record("c", "ERROR", "R3")]
    by_requirement = {r["requirements"][0]["id"]: [r] for r in records}
    found = coverage(catalogue, by_requirement)
    assert dict(found["total"]) == {"tested in this run": 1, "not examined in this run": 3, "not testable": 1}
    [part] = found["parts"]
    assert [(g["id"], g["coverage"], g["why"]) for g in part["gaps"]] == [
        ("R2", "not examined in this run", "NOT CLAIMED by the target"),
        ("R3", "not examined in this run", "the harness hit an ERROR"),
        ("R4", "not examined in this run", "has a test, but not selected in this run (-k, --test)"),
        ("R5", "not testable", "client-side behaviour")]
    assert [(level, dict(counts)) for level, counts in part["levels"]] == [
        ("SHALL", {"tested in this run": 1, "not examined in this run": 3}), ("MAY", {"not testable": 1})]


def test_not_verified_is_neither_examined_nor_scored(tmp_path):
    """NOT VERIFIED (a storage-only SCP: no read-back) checked the requirement only in part: the coverage says
    why it was not examined, the leaderboard gives it nothing, and the report shows its badge and filter."""
    from dicom_harness.reports.render import coverage
    records = [_record("a", "NOT VERIFIED", "R1"), _record("b", "PASS", "R2")]
    found = coverage([{**_requirement(rid), "status": "tested", "reason": ""} for rid in ("R1", "R2")],
                     {r["requirements"][0]["id"]: [r] for r in records})
    assert [(g["id"], g["why"]) for g in found["parts"][0]["gaps"]] == [("R1", "NOT VERIFIED on this target")]
    [score] = leaderboard([_run("storage-only", records)])
    assert score.text("SHALL") == "1/2"
    write_reports({"run": {"target": "t", "duration": 1.0, "catalogue": []}, "results": records}, tmp_path)
    html = (tmp_path / "index.html").read_text()
    assert 'class="badge not-verified"' in html and "<option>NOT VERIFIED</option>" in html


def test_an_old_results_json_without_statuses_renders_and_compares(tmp_path):
    """results.json from before the catalogue had statuses: entries without status, records without quote."""
    old = {"run": {"target": "old", "duration": 1.0, "catalogue": [_requirement("R1"), _requirement("R9")]},
           "results": [_record("a", "PASS", "R1")]}
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "results.json").write_text(json.dumps(old))
    from dicom_harness.reports.render import rerender
    html = rerender(tmp_path / "old").read_text()
    assert "1 of 2</strong> catalogued requirements tested in this run" in html
    assert 'id="cov-R9"' in html and "no test names it" in html
    summary = json.loads((tmp_path / "old" / "results.json").read_text())["summary"]
    assert summary["coverage"]["not yet tested"] == 1
    write_reports({"run": {"target": "new", "duration": 1.0, "catalogue": []},
                   "results": [_record("a", "FAIL", "R1")]}, tmp_path / "new")
    (tmp_path / "old" / "results.json").write_text(json.dumps(old))          # exactly the old file again
    page = write_comparison([load_run(tmp_path / "old"), load_run(tmp_path / "new")], tmp_path / "cmp")
    assert "1 new failures" in page.read_text()
