"""NOT APPLICABLE: the test data (a user's corpus, --data) lacks what a test needs. Like NOT CLAIMED it examines
nothing, scores nothing and never counts against the target (exit code 0); the reports show its badge and reason."""

from dicom_harness.reports.compare import leaderboard
from dicom_harness.reports.render import coverage, write_reports
from dicom_harness.shared import verdicts
from tests.test_reports import _record, _requirement, _run


def test_judged_and_exit_code():
    assert verdicts.judge("not-applicable", ["SHALL"], False) == verdicts.NOT_APPLICABLE
    assert verdicts.judge("not-applicable", ["SHALL"], True) == verdicts.NOT_APPLICABLE
    assert verdicts.exit_code([verdicts.PASS, verdicts.NOT_APPLICABLE]) == 0
    assert verdicts.NOT_APPLICABLE in verdicts.ORDER and verdicts.LETTER[verdicts.NOT_APPLICABLE] == "a"


def test_reports_show_it_as_not_examined(tmp_path):
    records = [_record("a", verdicts.NOT_APPLICABLE, "R1"), _record("b", "PASS", "R2")]
    found = coverage([{**_requirement(rid), "status": "tested", "reason": ""} for rid in ("R1", "R2")],
                     {r["requirements"][0]["id"]: [r] for r in records})
    assert [(g["id"], g["why"]) for g in found["parts"][0]["gaps"]] == [("R1", "NOT APPLICABLE to the test data (--data)")]
    [score] = leaderboard([_run("corpus", records)])
    assert score.text("SHALL") == "1/2"
    write_reports({"run": {"target": "t", "duration": 1.0, "catalogue": []}, "results": records}, tmp_path)
    html = (tmp_path / "index.html").read_text()
    assert 'class="badge not-applicable"' in html and "<option>NOT APPLICABLE</option>" in html
    assert '<skipped message="NOT APPLICABLE' in (tmp_path / "junit.xml").read_text()


def test_results_json_and_junit_validate(tmp_path):
    import json

    import jsonschema

    from tests.test_report_files import _junit_schema, _results_schema, _write
    from tests.test_report_files import _record as _full_record
    folder = _write(tmp_path, [_full_record("test_a", verdicts.NOT_APPLICABLE), _full_record("test_b", "PASS")])
    jsonschema.validate(json.loads((folder / "results.json").read_text()), _results_schema())
    _junit_schema().validate(folder / "junit.xml")
