"""The HTML report of a real run, opened in Debian's headless Chromium: it renders, its filters and anchors
work, and a screenshot is kept in ./artefacts/ for the CI artefacts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import require_peer, run_suites

ARTEFACTS = Path(__file__).resolve().parents[1] / "artefacts"


@pytest.fixture(scope="module")
def report_of_a_faulty_run(tmp_path_factory):
    """A run against the simulators with one fault: some tests pass, some fail."""
    folder = tmp_path_factory.mktemp("report")
    proc, records = run_suites(folder, "--fault", "store-discards")
    assert proc.returncode == 1, proc.stdout[-1500:] + proc.stderr[-1500:]
    return folder / "index.html", records


@pytest.fixture(scope="module")
def browser():
    from tests.browser import Chromium
    with Chromium(require_peer("chromium")) as chromium:
        yield chromium


def _visible(browser) -> list[str]:
    return browser.evaluate("Array.from(document.querySelectorAll('details.test')).filter(e => !e.hidden)"
                            ".map(e => e.dataset.verdict)")


def test_report_renders_and_filters_work(browser, report_of_a_faulty_run):
    index, records = report_of_a_faulty_run
    failed = sum(r["verdict"] == "FAIL" for r in records)
    assert 0 < failed < len(records)
    browser.open(index.as_uri())
    assert browser.evaluate("document.body.dataset.ready") == "1", "the report's script did not run"
    assert browser.evaluate("document.title").startswith("DICOM conformance")
    assert browser.evaluate("document.querySelectorAll('details.test').length") == len(records)
    assert browser.evaluate("document.querySelectorAll('#matrix tr[id^=req-]').length") > 0
    assert f"{failed} FAIL" in browser.evaluate("document.getElementById('overall').innerText")
    browser.screenshot(ARTEFACTS / "report.png")

    # The verdict filter, used as a person would: choose FAIL in the select.
    browser.evaluate("const s = document.getElementById('verdict-filter'); s.value = 'FAIL';"
                     "s.dispatchEvent(new Event('change'))")
    assert _visible(browser) == ["FAIL"] * failed
    assert browser.evaluate("location.search") == "?verdict=FAIL"
    assert browser.evaluate("document.getElementById('shown-count').innerText").startswith(f"{failed} of")
    browser.evaluate("document.getElementById('tests').scrollIntoView()")
    browser.screenshot(ARTEFACTS / "report-failed-only.png")


def test_filter_from_the_address_and_anchor_to_a_failure(browser, report_of_a_faulty_run):
    index, records = report_of_a_faulty_run
    passed = sum(r["verdict"] == "PASS" for r in records)
    browser.open(index.as_uri() + "?verdict=PASS")
    assert _visible(browser) == ["PASS"] * passed

    # A link to a failure from a bug report opens that test, even when the filter would hide it.
    failure = next(r for r in records if r["verdict"] == "FAIL")
    browser.open(index.as_uri() + "?verdict=PASS#" + failure["anchor"])
    browser.wait_for(f"location.hash === '#{failure['anchor']}' && !document.getElementById({failure['anchor']!r}).hidden")
    state = browser.evaluate(f"(e => [e.hidden, e.open, e.textContent])(document.getElementById({failure['anchor']!r}))")
    assert state[0] is False and state[1] is True
    assert failure["rerun"] in state[2] and failure["requirements"][0]["statement"][:40] in state[2]


def test_comparison_page_renders_and_its_filter_works(browser, report_of_a_faulty_run, tmp_path):
    """The faulty run against the same run with every test passing: the 'only differences' filter leaves
    exactly the requirements that did not pass."""
    import copy

    from dicom_harness.reports.compare import load_run, write_comparison
    from dicom_harness.reports.render import load_results, write_reports
    index, records = report_of_a_faulty_run
    fixed = load_results(index.parent / "results.json")
    for record in fixed["results"]:
        record.update(verdict="PASS", message="")
    fixed["run"] = dict(fixed["run"], target="all fixed")
    write_reports(copy.deepcopy(fixed), tmp_path / "fixed")
    page = write_comparison([load_run(index.parent), load_run(tmp_path / "fixed")], tmp_path / "compare")
    # every requirement whose verdict the fix changes: FAIL and WARN, and NOT VERIFIED where a read-back failed
    failing = {q["id"] for r in records if r["verdict"] != "PASS" for q in r["requirements"]}

    browser.open(page.as_uri())
    assert browser.evaluate("document.body.dataset.ready") == "1"
    assert browser.evaluate("document.querySelector('#leaderboard td:nth-child(2)').innerText") == "all fixed"
    browser.evaluate("const b = document.getElementById('only-differences'); b.checked = true;"
                     "b.dispatchEvent(new Event('change'))")
    shown = browser.evaluate("Array.from(document.querySelectorAll('#requirement-matrix tr[data-differs]'))"
                             ".filter(r => !r.hidden).map(r => r.querySelector('code').innerText)")
    assert set(shown) == failing
    browser.screenshot(ARTEFACTS / "compare.png")


def test_tables_keep_their_shape(browser, report_of_a_faulty_run):
    """The short "By level" table beside "By service" is as tall as its rows, its header one line; no header
    cell breaks a word ("Requireme-nt"), nor a level ("SH-AL-L") or a clause in the clause matrix."""
    index, _ = report_of_a_faulty_run
    browser.open(index.as_uri())
    heights = browser.evaluate(
        "['by-level', 'by-service'].map(id => [document.getElementById(id).getBoundingClientRect().height,"
        " document.querySelector('#' + id + ' tr').getBoundingClientRect().height])")
    (level_table, level_header), (service_table, service_header) = heights
    assert level_header <= service_header * 1.2, heights
    assert level_table < service_table, f"By level is stretched to the height of By service: {heights}"
    lines = ("(cell => { const range = document.createRange(); range.selectNodeContents(cell);"
             " return new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top))).size; })")
    broken = browser.evaluate(
        f"Array.from(document.querySelectorAll('th, #matrix table.matrix td:nth-child(-n+3)'))"
        f".filter(cell => cell.innerText.trim() && !/\\s/.test(cell.innerText.trim()) && {lines}(cell) > 1)"
        f".map(cell => cell.innerText)")
    assert broken == [], f"cells broken inside a word: {broken[:10]}"
