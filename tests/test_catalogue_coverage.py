"""The catalogue shows what was not examined: entries quote the standard and may say they have no test (with a
reason); coverage is derived from the tests, so neither the report, results.json nor `dicom-harness requirements`
ever claims more than the tests check."""

from __future__ import annotations

import json
import re
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from dicom_harness.catalogue import DECLARED, NOT_TESTABLE, NOT_YET_TESTED, CatalogueError, load_catalogue
from dicom_harness.catalogue.coverage import NO_TEST, derive, named_in_sources
from tests.conftest import CLI, run_cli

CATALOGUE = '''edition = "DICOM 2020"
service = "verification"

[[requirement]]
id = "COV-ECHO-TESTED"
clause = "PS3.7 9.1.5.1.2"
level = "SHALL"
statement = "The C-ECHO response names the request's Message ID."
quote = """This parameter specifies the Message ID (0000,0110) of the request/indication to which this
response/ confirmation applies."""

[[requirement]]
id = "COV-NO-TEST-YET"
clause = "PS3.7 9.1.5.1.4"
level = "SHALL"
statement = "Meant to be tested, but no test names it yet."

[[requirement]]
id = "COV-DECLARED-LATER"
clause = "PS3.7 9.3.5"
level = "SHOULD"
statement = "Declared as not yet tested."
status = "not yet tested"
reason = "waiting for a C-ECHO with a data set"

[[requirement]]
id = "COV-NOT-TESTABLE"
clause = "PS3.8 9.1.1"
level = "MAY"
statement = "Cannot be observed from the harness's side."
status = "not testable"
reason = "needs a second network interface"
'''

TEST = '''from dicom_harness.testing import requirement


@requirement("COV-ECHO-TESTED")
def test_echo_checked_for_coverage(dimse):
    """Send one C-ECHO; PS3.7 9.1.5.1.2 says the response names the request's Message ID."""
    response = dimse.echo()
    assert response.responded_to == response.message_id
'''
OURS = {"COV-ECHO-TESTED", "COV-NO-TEST-YET", "COV-DECLARED-LATER", "COV-NOT-TESTABLE"}


def _builtin_by_status() -> dict[str, set[str]]:
    """The built-in requirements by declared status ("" for those meant to be tested: each has a test)."""
    found: dict[str, set[str]] = {"": set(), NOT_YET_TESTED: set(), NOT_TESTABLE: set()}
    for rid, req in load_catalogue().items():
        found[req.status].add(rid)
    return found


def _suite(folder: Path, catalogue: str = CATALOGUE, test: str = TEST) -> Path:
    (folder / "requirements").mkdir(parents=True)
    (folder / "requirements" / "cov.toml").write_text(catalogue)
    (folder / "test_cov_example.py").write_text(test)
    return folder


def _entry(**keys: str) -> str:
    fields = {"id": "COV-X", "clause": "PS3.4 A.1", "level": "SHALL", "statement": "something", **keys}
    return 'edition = "DICOM 2020"\nservice = "verification"\n[[requirement]]\n' + "".join(
        f"{key} = {json.dumps(value)}\n" for key, value in fields.items())


def _load_error(tmp_path: Path, text: str) -> str:
    folder = tmp_path / "bad"
    (folder / "requirements").mkdir(parents=True)
    (folder / "requirements" / "bad.toml").write_text(text)
    with pytest.raises(CatalogueError) as caught:
        load_catalogue((folder,))
    message = str(caught.value)
    assert "\n" not in message and "bad.toml" in message, message
    return message


# -- the catalogue format ---------------------------------------------------------------------------------------

def test_a_misspelt_key_names_the_closest_valid_one(tmp_path):
    message = _load_error(tmp_path, _entry(staus="not testable", reason="r"))
    assert "COV-X" in message and "unknown key 'staus'" in message and "did you mean 'status'?" in message


def test_an_unknown_status_is_an_error(tmp_path):
    message = _load_error(tmp_path, _entry(status="later", reason="r"))
    assert "COV-X" in message and "'later'" in message and "not testable" in message
    message = _load_error(tmp_path / "2", _entry(status="tested"))
    assert "leave status out" in message


def test_a_status_needs_a_reason_and_a_reason_a_status(tmp_path):
    message = _load_error(tmp_path, _entry(status="not testable"))
    assert "COV-X" in message and "no reason" in message
    message = _load_error(tmp_path / "2", _entry(reason="because"))
    assert "COV-X" in message and "no status" in message


def test_a_misspelt_top_level_key_is_an_error(tmp_path):
    message = _load_error(tmp_path, _entry().replace("edition =", "edtion = \"x\"\nedition ="))
    assert "did you mean 'edition'?" in message


def test_quote_status_and_reason_are_read_with_whitespace_folded(tmp_path):
    found = load_catalogue((_suite(tmp_path / "s"),))
    assert found["COV-ECHO-TESTED"].quote.startswith("This parameter specifies the Message ID (0000,0110) of the")
    assert "\n" not in found["COV-ECHO-TESTED"].quote and found["COV-ECHO-TESTED"].status == ""
    assert (found["COV-NOT-TESTABLE"].status, found["COV-NOT-TESTABLE"].reason) == (
        "not testable", "needs a second network interface")


def test_the_cli_reports_a_catalogue_error_in_one_line(tmp_path):
    folder = tmp_path / "bad"
    (folder / "requirements").mkdir(parents=True)
    (folder / "requirements" / "bad.toml").write_text(_entry(staus="not testable"))
    proc = run_cli("requirements", "--suite", str(folder), timeout=60)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert [line for line in proc.stderr.splitlines() if line.strip()] == [
        f"dicom-harness: {folder / 'requirements' / 'bad.toml'}: COV-X: unknown key 'staus', did you mean 'status'?"]


# -- derived coverage, without a run ----------------------------------------------------------------------------

def test_tests_are_found_by_reading_files_not_importing_them(tmp_path):
    (tmp_path / "test_x.py").write_text("import no_such_module\nimport pytest\n\n"
                                        "@pytest.mark.requirement('A', 'B')\ndef test_a(): pass\n\n"
                                        "@requirement(\"C\")\ndef test_c(): pass\n# @requirement('D')\n")
    (tmp_path / "broken.py").write_text("def (:\n")
    assert set(named_in_sources([tmp_path])) == {"A", "B", "C"}


def test_what_files_name_is_kept_between_processes_and_read_again_when_a_file_changes(tmp_path, monkeypatch):
    from dicom_harness.catalogue import coverage
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(coverage, "_PARSED", {})
    suites = tmp_path / "suites"
    suites.mkdir()
    test_file = suites / "test_x.py"
    test_file.write_text("@requirement('A')\ndef test_a(): pass\n")
    assert named_in_sources([suites]) == {"A": [str(test_file)]}
    assert (tmp_path / "cache" / "dicom-harness" / coverage.CACHE_NAME).exists()
    monkeypatch.setattr(coverage, "_PARSED", {})      # as a new process finds it
    monkeypatch.setattr(coverage.ast, "parse", None)   # read from the cache: nothing parsed
    assert named_in_sources([suites]) == {"A": [str(test_file)]}
    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(coverage, "_PARSED", {})
    test_file.write_text("@requirement('A', 'Bee')\ndef test_a(): pass\n")
    assert set(named_in_sources([suites])) == {"A", "Bee"}


def test_no_status_and_no_test_is_not_yet_tested(tmp_path):
    folder = _suite(tmp_path / "s")
    catalogue = load_catalogue((folder,))
    coverage = derive(catalogue, named_in_sources([folder]))
    assert {rid: (coverage[rid].status, coverage[rid].reason) for rid in OURS} == {
        "COV-ECHO-TESTED": ("tested", ""),
        "COV-NO-TEST-YET": ("not yet tested", NO_TEST),
        "COV-DECLARED-LATER": ("not yet tested", "waiting for a C-ECHO with a data set"),
        "COV-NOT-TESTABLE": ("not testable", "needs a second network interface")}


# -- a run with the example suite -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def coverage_run(tmp_path_factory):
    """Our example suite's one test, beside the built-in suites deselected by -k."""
    root = tmp_path_factory.mktemp("coverage")
    folder = _suite(root / "suite")
    proc = run_cli("run", "--suite", str(folder), "-k", "test_echo_checked_for_coverage",
                   "--report-dir", str(root / "report"), cwd=str(root))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc, root / "report"


def test_results_json_carries_each_requirements_status(coverage_run):
    _, report = coverage_run
    data = json.loads((report / "results.json").read_text())
    catalogue = {r["id"]: r for r in data["run"]["catalogue"]}
    assert {rid: (catalogue[rid]["status"], catalogue[rid]["reason"]) for rid in OURS} == {
        "COV-ECHO-TESTED": ("tested", ""),
        "COV-NO-TEST-YET": ("not yet tested", NO_TEST),
        "COV-DECLARED-LATER": ("not yet tested", "waiting for a C-ECHO with a data set"),
        "COV-NOT-TESTABLE": ("not testable", "needs a second network interface")}
    assert catalogue["COV-ECHO-TESTED"]["quote"].startswith("This parameter specifies")
    assert catalogue["VERIFY-ECHO-SUCCESS"]["status"] == "tested", "deselected by -k, but it has a test"
    # built-in entries without a test; a server run covers the server side of the catalogue only
    declared = Counter(req.status for req in load_catalogue().values() if req.role == "server")
    assert data["summary"]["coverage"] == {"tested in this run": 1, "not examined in this run": declared[""],
                                           "not yet tested": 2 + declared["not yet tested"],
                                           "not testable": 1 + declared["not testable"]}
    [record] = data["results"]
    assert record["requirements"][0]["id"] == "COV-ECHO-TESTED" and "status" not in record["requirements"][0]


def test_terminal_summary_counts_catalogued_requirements_tested(coverage_run):
    proc, _ = coverage_run
    summary = [line for line in proc.stdout.splitlines() if line.startswith("dicom-harness: 1 PASS")]
    assert len(summary) == 1, proc.stdout
    assert f"; 1 of {_server_side() + len(OURS)} catalogued requirements tested;" in summary[0]


def test_report_shows_what_was_not_examined(coverage_run):
    _, report = coverage_run
    html = (report / "index.html").read_text()
    section = html[html.index('<section id="coverage">'):]
    section = section[:section.index("</section>")]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    assert f"1 of {_server_side() + len(OURS)} catalogued requirements tested in this run" in text
    for rid, reason in (("COV-NO-TEST-YET", NO_TEST), ("COV-DECLARED-LATER", "waiting for a C-ECHO with a data set"),
                        ("COV-NOT-TESTABLE", "needs a second network interface")):
        row = re.search(rf'<tr id="cov-{rid}">(.*?)</tr>', section, re.S)
        assert row and reason in row.group(1), rid
    assert 'id="cov-COV-ECHO-TESTED"' not in section, "a tested requirement is not listed as a gap"
    assert "has a test, but not selected in this run" in text
    for part in ("PS3.4", "PS3.7", "PS3.8", "PS3.18"):
        assert f'id="gaps-{part}"' in section
    ps38 = re.search(r'<details class="gaps" id="gaps-PS3.8">\s*<summary>(.*?)</summary>', section, re.S).group(1)
    ps38_not_testable = 1 + sum(load_catalogue()[rid].part == "PS3.8" for rid in _builtin_by_status()[NOT_TESTABLE])
    assert f"{ps38_not_testable} not testable" in re.sub(r"\s+", " ", ps38)


def test_requirements_command_shows_and_filters_status(tmp_path):
    folder = _suite(tmp_path / "s")
    listed = run_cli("requirements", "--suite", str(folder), timeout=60)
    assert listed.returncode == 0 and listed.stderr == "", listed.stderr
    lines = {line.split()[0]: line for line in listed.stdout.splitlines()}
    assert re.search(r"COV-ECHO-TESTED +SHALL +PS3.7 9.1.5.1.2 +tested +The C-ECHO", lines["COV-ECHO-TESTED"])
    assert f"not yet tested Meant to be tested, but no test names it yet. [{NO_TEST}]" in lines["COV-NO-TEST-YET"]
    assert "[needs a second network interface]" in lines["COV-NOT-TESTABLE"]
    builtin = load_catalogue()
    meant = {rid for rid, req in builtin.items() if not req.status}
    assert all(" tested " in lines[rid] for rid in meant), "every built-in requirement meant to be tested has a test"
    for rid, req in builtin.items():
        if req.status:
            assert f" {req.status} " in lines[rid] and f"[{req.reason}]" in lines[rid], lines[rid]

    def ids(status: str) -> set[str]:
        proc = run_cli("requirements", "--suite", str(folder), "--status", status, timeout=60)
        assert proc.returncode == 0, proc.stderr
        return {line.split()[0] for line in proc.stdout.splitlines()}

    declared = {status: {rid for rid, req in builtin.items() if req.status == status} for status in DECLARED}
    assert ids("untested") == {"COV-NO-TEST-YET", "COV-DECLARED-LATER"} | declared["not yet tested"]
    assert ids("not-testable") == {"COV-NOT-TESTABLE"} | declared["not testable"]
    assert ids("tested") == meant | {"COV-ECHO-TESTED"}


# -- stale declarations -----------------------------------------------------------------------------------------

STALE_TEST = TEST + '''

@requirement("COV-NOT-TESTABLE")
def test_it_is_testable_after_all(dimse):
    """Send one C-ECHO; the catalogue still says this cannot be tested."""
    assert dimse.echo().status == 0
'''


def test_a_test_naming_a_requirement_declared_untested_is_a_collection_error(tmp_path):
    folder = _suite(tmp_path / "s", test=STALE_TEST)
    proc = run_cli("run", "--suite", str(folder), "-k", "test_echo_checked_for_coverage",
                   "--report-dir", str(tmp_path / "r"), timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert ("test_it_is_testable_after_all: names COV-NOT-TESTABLE, which " in proc.stderr
            and "cov.toml declares 'not testable' (needs a second network interface); a test checks it now, "
                "so remove its status and reason" in proc.stderr), proc.stderr
    listed = run_cli("requirements", "--suite", str(folder), timeout=60)
    assert listed.returncode == 0 and "warning:" in listed.stderr and "COV-NOT-TESTABLE" in listed.stderr


# -- the command line in a pipe ---------------------------------------------------------------------------------

def test_requirements_into_head_ends_without_a_traceback(tmp_path):
    """More than a pipe's buffer (64 KiB) of catalogue, and a reader that leaves after one line: the writer must
    hit the closed pipe, and stops quietly."""
    folder = tmp_path / "big"
    (folder / "requirements").mkdir(parents=True)
    entries = "".join(f'[[requirement]]\nid = "BIG-{n:04}"\nclause = "PS3.4 A.{n}"\nlevel = "MAY"\n'
                      f'statement = "{"a long statement " * 12}"\nstatus = "not yet tested"\nreason = "filler"\n\n'
                      for n in range(400))
    (folder / "requirements" / "big.toml").write_text(f'edition = "DICOM 2020"\nservice = "verification"\n{entries}')
    proc = subprocess.Popen([*CLI, "requirements", "--suite", str(folder)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip()
    proc.stdout.close()                       # what `head -1` does
    stderr = proc.stderr.read()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 141, stderr
    assert stderr == ""


def _server_side() -> int:
    """How many built-in requirements a server run covers (client-side ones are judged by `listen`)."""
    return sum(1 for req in load_catalogue().values() if req.role == "server")
