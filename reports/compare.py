"""Compare runs: targets side by side (a leaderboard and a requirement matrix) and version to version (what
newly fails, what got fixed, what is unchanged). Reads results.json files only; never imports pytest.

Leaderboard scoring (documented in README.md; hard to game on purpose):
- The unit is the requirement, not the test: a requirement scores only when every one of its tests PASSed
  (or is FIXED) in that run. Adding easy tests does not add points; one failing test loses the requirement.
- Only a PASS scores. NOT CLAIMED, NOT VERIFIED, NOT APPLICABLE, DEVIATION, FAIL, WARN, ERROR and "not run" earn nothing, so
  claiming less, declaring deviations or running fewer tests (-k, --test) never raises a score.
- Every entry is scored against the same list: the union of requirements tested in any compared run.
- Ranking is by SHALL requirements passed, then SHOULD, then MAY: no number of SHOULDs outweighs one SHALL.
- An entry whose run hit harness ERRORs or used another requirement catalogue is flagged: re-run it.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from dicom_harness.reports.render import clause_key, environment, load_results, with_anchors, worst
from dicom_harness.shared.verdicts import ERROR, FAIL, FIXED, PASS, WARN
from dicom_harness.shared.verdicts import ORDER as VERDICT_ORDER

LEVELS = ("SHALL", "SHOULD", "MAY")
GOOD = (PASS, FIXED)
BAD = (FAIL, WARN)


class CompareError(Exception):
    """A run folder or results file that cannot be compared (one clear line for the user)."""


@dataclass
class Run:
    label: str
    source: Path
    data: dict

    @property
    def results(self) -> list[dict]:
        return self.data["results"]

    @property
    def run(self) -> dict:
        return self.data["run"]

    def requirement_verdicts(self) -> dict[str, str]:
        found: dict[str, list[str]] = defaultdict(list)
        for record in self.results:
            for requirement in record["requirements"]:
                found[requirement["id"]].append(record["verdict"])
        return {rid: worst(verdicts) for rid, verdicts in found.items()}


def load_run(path: str | Path, label: str | None = None) -> Run:
    """A report folder (holding results.json), a results.json, or a results.jsonl file."""
    path = Path(path)
    source = path / "results.json" if path.is_dir() else path
    if not source.exists():
        raise CompareError(f"{path}: no results.json there (give a report folder written by 'dicom-harness run')")
    try:
        data = load_results(source)
    except (json.JSONDecodeError, KeyError, IndexError) as exc:
        raise CompareError(f"{source}: not a dicom-harness results file ({exc})") from None
    if "results" not in data or "run" not in data:
        raise CompareError(f"{source}: not a dicom-harness results file (no 'run' and 'results')")
    data["results"] = with_anchors(data["results"])
    return Run(label=label or data["run"].get("target") or path.name, source=source, data=data)


def _unique_labels(runs: list[Run]) -> None:
    counts = Counter(run.label for run in runs)
    for run in runs:
        if counts[run.label] > 1:
            run.label = f"{run.label} ({run.source.parent.name})"


# -- side by side ------------------------------------------------------------------------------------------
@dataclass
class Score:
    label: str
    passed: dict[str, int]
    possible: dict[str, int]
    verdicts: Counter
    flags: list[str] = field(default_factory=list)
    rank: int = 0

    @property
    def key(self) -> tuple:
        return tuple(-self.passed[level] for level in LEVELS)

    def text(self, level: str) -> str:
        return f"{self.passed[level]}/{self.possible[level]}"


def requirement_table(runs: list[Run]) -> dict[str, dict]:
    """Every requirement tested in any run: its catalogue entry."""
    table: dict[str, dict] = {}
    for run in runs:
        for record in run.results:
            for requirement in record["requirements"]:
                table.setdefault(requirement["id"], requirement)
    return table


def leaderboard(runs: list[Run]) -> list[Score]:
    table = requirement_table(runs)
    possible = Counter(req["level"] for req in table.values())
    catalogues = {run.label: sorted(r["id"] for r in run.run.get("catalogue", [])) for run in runs}
    common = max(catalogues.values(), key=lambda ids: sum(1 for c in catalogues.values() if c == ids), default=[])
    scores = []
    for run in runs:
        verdicts = run.requirement_verdicts()
        passed = Counter(table[rid]["level"] for rid, verdict in verdicts.items() if verdict in GOOD)
        score = Score(run.label, {lvl: passed[lvl] for lvl in LEVELS}, {lvl: possible[lvl] for lvl in LEVELS},
                      Counter(verdicts.get(rid, "NOT RUN") for rid in table))
        errors = sum(r["verdict"] == ERROR for r in run.results)
        if errors:
            score.flags.append(f"{errors} harness error(s): re-run")
        missing = len(table) - len(verdicts)
        if missing:
            score.flags.append(f"{missing} requirement(s) not run")
        if catalogues[run.label] != common:
            score.flags.append("another requirement catalogue (harness version)")
        scores.append(score)
    scores.sort(key=lambda s: (s.key, s.label))
    rank, previous = 0, None
    for position, score in enumerate(scores, 1):
        if score.key != previous:
            rank, previous = position, score.key
        score.rank = rank
    return scores


def service_matrix(runs: list[Run]) -> tuple[list[str], dict[str, dict[str, dict]]]:
    """services x entries: requirements passed / tested, and the verdict counts behind it."""
    table = requirement_table(runs)
    services = sorted({req.get("service", "") for req in table.values()})
    per_run = [run.requirement_verdicts() for run in runs]
    matrix: dict[str, dict[str, dict]] = {}
    for service in services:
        ids = [rid for rid, req in table.items() if req.get("service", "") == service]
        matrix[service] = {}
        for run, verdicts in zip(runs, per_run):
            counts = Counter(verdicts.get(rid, "NOT RUN") for rid in ids)
            passed = sum(counts[v] for v in GOOD)
            matrix[service][run.label] = {"passed": passed, "total": len(ids), "counts": counts,
                                          "verdict": _cell_verdict(counts)}
    return services, matrix


def _cell_verdict(counts: Counter) -> str:
    present = [v for v in VERDICT_ORDER if counts.get(v)]
    if not present:
        return "NOT RUN"
    return present[0]


def requirement_matrix(runs: list[Run]) -> list[dict]:
    table = requirement_table(runs)
    verdicts = [run.requirement_verdicts() for run in runs]
    # the first test that decided each (run, requirement) verdict: the cell links to it
    deciding: list[dict[str, dict]] = []
    for run, found in zip(runs, verdicts):
        first: dict[str, dict] = {}
        for record in run.results:
            for q in record["requirements"]:
                if record["verdict"] == found[q["id"]]:
                    first.setdefault(q["id"], record)
        deciding.append(first)
    rows = []
    for rid, req in sorted(table.items(), key=lambda item: (clause_key(item[1]["clause"]), item[0])):
        cells = []
        for run, found, first in zip(runs, verdicts, deciding):
            verdict = found.get(rid, "NOT RUN")
            record = first.get(rid)
            cells.append({"verdict": verdict, "anchor": record["anchor"] if record else "", "run": run})
        rows.append({"req": req, "cells": cells, "differs": len({c["verdict"] for c in cells}) > 1})
    return rows


# -- version to version ------------------------------------------------------------------------------------
@dataclass
class Changes:
    before: str
    after: str
    new_failures: list[dict] = field(default_factory=list)     # failed now, did not fail before
    fixed: list[dict] = field(default_factory=list)            # failed before, passes now
    still_failing: list[dict] = field(default_factory=list)
    new_errors: list[dict] = field(default_factory=list)       # harness ERROR now, not before
    added: list[dict] = field(default_factory=list)            # tests not in the earlier run
    removed: list[dict] = field(default_factory=list)          # tests no longer run
    changed: list[dict] = field(default_factory=list)          # any other verdict change
    unchanged: int = 0

    @property
    def regressions(self) -> list[dict]:
        return self.new_failures


def _by_node(results: list[dict]) -> dict[str, dict]:
    return {r["nodeid"]: r for r in results}


def diff_runs(before: Run, after: Run) -> Changes:
    """Test by test (node ID). A regression is a test that FAILs or WARNs now and did not before (it passed,
    was not claimed, or was declared a deviation). A test new in the later run that fails is listed as added,
    not as a regression: nothing got worse, the harness learnt to look."""
    old, new = _by_node(before.results), _by_node(after.results)
    changes = Changes(before.label, after.label)
    for nodeid, record in sorted(new.items()):
        previous = old.get(nodeid)
        pair = {"nodeid": nodeid, "test": record["test"], "requirements": record["requirements"],
                "before": previous["verdict"] if previous else "NOT RUN", "after": record["verdict"],
                "anchor": record["anchor"], "message": record.get("message", ""), "rerun": record.get("rerun", "")}
        if previous is None:
            changes.added.append(pair)
        elif record["verdict"] in BAD and previous["verdict"] not in BAD:
            changes.new_failures.append(pair)
        elif previous["verdict"] in BAD and record["verdict"] in GOOD:
            changes.fixed.append(pair)
        elif record["verdict"] in BAD:
            changes.still_failing.append(pair)
        elif record["verdict"] == ERROR and previous["verdict"] != ERROR:
            changes.new_errors.append(pair)
        elif record["verdict"] != previous["verdict"]:
            changes.changed.append(pair)
        else:
            changes.unchanged += 1
    for nodeid, record in sorted(old.items()):
        if nodeid not in new:
            changes.removed.append({"nodeid": nodeid, "test": record["test"], "requirements": record["requirements"],
                                    "before": record["verdict"], "after": "NOT RUN", "anchor": "", "message": "",
                                    "rerun": ""})
    return changes


# -- the page ----------------------------------------------------------------------------------------------
def write_comparison(runs: list[Run], output: Path, links: dict[str, str] | None = None,
                     title: str = "DICOM conformance: comparison") -> Path:
    """Render compare.html (or `output` if it names a .html file). `links`: run label -> its report's URL,
    relative to the output page, so each cell links to the test that decided it."""
    if not runs:
        raise CompareError("nothing to compare: give at least one run folder")
    _unique_labels(runs)
    output = Path(output)
    page = output if output.suffix == ".html" else output / "compare.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    if links is None:
        links = {}
        for run in runs:
            report = run.source.parent / "index.html"
            if report.exists():
                links[run.label] = _relative(report, page.parent)
    services, matrix = service_matrix(runs)
    changes = [diff_runs(runs[0], later) for later in runs[1:]]
    page.write_text(environment().get_template("compare.html.j2").render(
        title=title, runs=runs, scores=leaderboard(runs), levels=LEVELS, services=services, matrix=matrix,
        rows=requirement_matrix(runs), changes=changes, links=links, verdict_order=VERDICT_ORDER), encoding="utf-8")
    return page


def _relative(path: Path, start: Path) -> str:
    import os
    try:
        return os.path.relpath(path.resolve(), start.resolve()).replace(os.sep, "/")
    except ValueError:          # another drive on Windows
        return path.resolve().as_uri()
