"""At the end of a session: the result file, the report folder, and the one-line summary with a link to the page
explaining each failure."""

from __future__ import annotations

import json
import shlex
import sys
import time
from pathlib import Path

from dicom_harness.catalogue import load_catalogue
from dicom_harness.catalogue.coverage import as_header, named_in_sources
from dicom_harness.plugin.options import pytest_values, target_arguments
from dicom_harness.plugin.state import HANDED_OVER, RUN, run_state
from dicom_harness.reports import SCHEMA_VERSION
from dicom_harness.shared import verdicts


def _catalogue(state, read_sources: bool = True) -> list[dict]:
    """The catalogue with each requirement's status. A test this run did not collect (--test) still counts as
    a test when its file names the requirement; whether it ran is the report's business (its records). Without
    read_sources (a process of a sharded run), only what this process collected: the process that started the
    shards reads the suite files once for all of them (sharded.merged_catalogue)."""
    named = {**(named_in_sources(state.suite_folders) if read_sources else {}), **state.named}
    # coverage of what this run could judge: a server's requirements, or (from a recording) a client's
    chosen = {rid: req for rid, req in load_catalogue(state.catalogue_folders).items() if req.role == state.role}
    return as_header(chosen, named)


def _run_header(config) -> dict:
    state = run_state(config)
    return {
        "tool": "dicom-harness",
        "target": state.target_name,
        # a client is not started by options: its recording (below) says what was judged
        **({} if state.recording else {"target_spec": shlex.join(target_arguments(pytest_values(config)))}),
        "started": state.started,
        "duration": round(time.time() - state.started, 3),
        "python": sys.version.split()[0],
        "role": state.role,
        **({"recording": str(state.recording), "validators": _validators()} if state.recording else {}),
        "catalogue": _catalogue(state, getattr(config.stash.get(HANDED_OVER, None), "read_sources", True)),
    }


def _validators() -> list[dict]:
    """The IOD validator the client-side checks use, with its version, beside the catalogue's edition."""
    from dicom_harness.validation import VALIDATOR, validator_version
    return [{"name": VALIDATOR, "version": validator_version() or "not installed"}]


def pytest_sessionfinish(session, exitstatus):
    config = session.config
    state = config.stash.get(RUN, None)
    if state is None:
        return
    results_file, report_dir = config.getoption("results_file"), config.getoption("report_dir")
    if not state.records and not results_file and not report_dir:
        return
    run = state.header = _run_header(config)
    if results_file:
        path = Path(results_file)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"schema_version": SCHEMA_VERSION, "run": run}) + "\n")
            for record in state.records:
                handle.write(json.dumps(record) + "\n")
    if report_dir:
        from dicom_harness.reports.render import write_reports
        state.report = write_reports({"run": run, "results": state.records}, Path(report_dir))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    state = config.stash.get(RUN, None)
    if state is None or not state.records:
        return
    elapsed = time.time() - state.started
    terminalreporter.write_line(summary_line(state.records, state.target_name or "?", elapsed, state.header,
                                             state.report), bold=True)
    if state.report:
        for line in failure_links(state.records, state.report):
            terminalreporter.write_line(line)


def summary_line(records: list, target_name: str, elapsed: float, header: dict | None, report: Path | None) -> str:
    """'dicom-harness: 473 PASS on ... in 26.1 s; 438 of 554 catalogued requirements tested; report: ...'"""
    counts = {}
    for record in records:
        counts[record["verdict"]] = counts.get(record["verdict"], 0) + 1
    parts = [f"{counts[v]} {v}" for v in verdicts.ORDER if v in counts]
    line = f"dicom-harness: {', '.join(parts)} on {target_name} in {elapsed:.1f} s"
    if header:
        from dicom_harness.reports.render import coverage_line
        line += f"; {coverage_line(header, records)}"
    if report:
        line += f"; report: {report}"
    return line


def failure_links(records: list, report: Path, limit: int = 10) -> list[str]:
    """One click from the terminal to the page that explains each failure, root causes first as in the report's
    "to look at first"; the anchors are the report's own."""
    from dicom_harness.reports.causes import look_at_first
    from dicom_harness.reports.render import with_anchors
    page = Path(report).resolve().as_uri()
    problems = [record for record in look_at_first(with_anchors(records))
                if record["verdict"] in (verdicts.FAIL, verdicts.ERROR)]
    lines = []
    for record in problems[:limit]:
        cause = f" (likely a consequence of {', '.join(record['consequence_of'])})" if record["consequence_of"] else ""
        lines.append(f"  {record['verdict']} {record['test']}: {page}#{record['anchor']}{cause}")
    if len(problems) > limit:
        lines.append(f"  ... and {len(problems) - limit} more: {page}?problems=1")
    return lines
