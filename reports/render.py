"""Render one run's results into a report folder: results.json, junit.xml, index.html."""

from __future__ import annotations

import functools
import json
import re
import time
from collections import Counter, defaultdict
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from dicom_harness.reports import SCHEMA_VERSION
from dicom_harness.reports.causes import look_at_first
from dicom_harness.shared.verdicts import (
    DEVIATION,
    ERROR,
    FAIL,
    FIXED,
    NOT_APPLICABLE,
    NOT_CLAIMED,
    NOT_VERIFIED,
    PASS,
    PROBLEMS,
    SYMBOL,
    WARN,
)
from dicom_harness.shared.verdicts import ORDER as VERDICT_ORDER

# JUnit knows passed, failure, error and skipped. NOT CLAIMED, NOT VERIFIED, NOT APPLICABLE and DEVIATION are skipped (with the
# reason); WARN (a SHOULD not met,
# exit code 0) is skipped in junit.xml, which agrees with the exit code, and a <failure type="WARN"> in
# junit-strict.xml, for a dashboard that should show every WARN.
JUNIT_SKIPPED = (NOT_CLAIMED, NOT_VERIFIED, NOT_APPLICABLE, DEVIATION, WARN)
JUNIT_FILES = {"junit.xml": False, "junit-strict.xml": True}        # file name: WARN written as a failure
LEVEL_ORDER = ("SHALL", "SHOULD", "MAY")

# Coverage of the catalogue in one run. A requirement is examined when a test checked it against the target:
# NOT CLAIMED (not asked), NOT VERIFIED (could not be checked to the end on this target), NOT APPLICABLE (the
# test data lacks what the test needs) and ERROR (the harness
# failed) examined nothing that completes the requirement.
EXAMINED = (PASS, FAIL, WARN, DEVIATION, FIXED)
TESTED, NOT_RUN, NOT_YET_TESTED, NOT_TESTABLE = "tested in this run", "not examined in this run", "not yet tested", \
    "not testable"
COVERAGE = (TESTED, NOT_RUN, NOT_YET_TESTED, NOT_TESTABLE)
NO_RESULT = "has a test, but not selected in this run (-k, --test)"


# Characters XML 1.0 does not allow (C0 controls other than tab, newline and carriage return; lone surrogates;
# U+FFFE and U+FFFF). A target's error body can hold any of them; every rendered file shows them as escapes.
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape_code(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value):
    """Any value a template prints, with the characters XML 1.0 forbids written as \\x00 or \\ud800 (the one
    place they are handled: the environment's finalize, so no template can forget)."""
    if isinstance(value, str) and _NOT_IN_XML.search(value):
        cleaned = _NOT_IN_XML.sub(_escape_code, str(value))
        return Markup(cleaned) if isinstance(value, Markup) else cleaned
    return value


def slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


@functools.cache
def environment() -> Environment:
    """One per process (its templates compiled once): the fault matrix writes hundreds of reports."""
    env = Environment(loader=PackageLoader("dicom_harness.reports", "templates"),
                      autoescape=select_autoescape(["html", "xml", "j2"]), trim_blocks=True, lstrip_blocks=True,
                      finalize=printable)
    env.filters["css"] = lambda verdict: verdict.lower().replace(" ", "-")
    env.filters["slug"] = slug
    env.filters["letter"] = lambda verdict: SYMBOL.get(verdict, "?")
    env.filters["timestamp"] = lambda seconds: time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(seconds))
    env.filters["seconds"] = lambda value: f"{float(value or 0):.3f}"
    env.filters["first_line"] = lambda text: (text or "").strip().partition("\n")[0]
    env.globals.update(problem_verdicts=list(PROBLEMS))
    return env


def compile_templates() -> None:
    """The report's templates compiled ahead (a tenth of a second): a sharded run does it while its shards run."""
    env = environment()
    for name in env.list_templates(filter_func=lambda name: name.startswith("_") or name in ("index.html.j2",
                                                                                           "junit.xml.j2")):
        env.get_template(name)


def load_results(path: Path) -> dict:
    """Read results.json, or a JSON-lines result file written by --results-file."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {"run": lines[0]["run"], "results": lines[1:]}


def anchor_for(nodeid: str) -> str:
    """A stable anchor from the node ID, so a link in a bug report survives a re-run:
    'suites/storage/test_c_store.py::test_x[CT]' -> 'storage.test_c_store.test_x-CT'."""
    path, _, name = nodeid.partition("::")
    path = path.replace("\\", "/")
    if "suites/" in path:
        path = path[path.rindex("suites/") + len("suites/"):]
    return slug(path.removesuffix(".py").replace("/", ".") + "." + name.replace("::", "."))


def anchors(results: list[dict]) -> list[str]:
    """Each record's anchor in the report, in order: from its node ID, numbered when two collide."""
    seen: Counter = Counter()
    found = []
    for record in results:
        anchor = anchor_for(record.get("nodeid") or record.get("test", "test"))
        seen[anchor] += 1
        found.append(anchor if seen[anchor] == 1 else f"{anchor}-{seen[anchor]}")
    return found


def with_anchors(results: list[dict]) -> list[dict]:
    """Copies of the records, each with its anchor (the caller's records are left as they are)."""
    return [{**record, "anchor": anchor} for record, anchor in zip(results, anchors(results))]


def clause_key(clause: str) -> tuple:
    part, _, number = clause.partition(" ")
    part_number = [int(p) if p.isdigit() else 0 for p in part.removeprefix("PS").split(".")]
    pieces = [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in number.replace(".", " ").split()]
    return (part_number, pieces)


def worst(verdicts) -> str:
    return min(verdicts, key=VERDICT_ORDER.index)


def _level_key(level: str) -> int:
    return LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER)


def _coverage_of(requirement: dict, records: list[dict]) -> tuple[str, str]:
    """One requirement's coverage in this run and why it was not examined. A catalogue entry from an older
    results.json has no status: it counts as tested when a record names it, else as not yet tested."""
    verdicts = {record["verdict"] for record in records}
    if verdicts & set(EXAMINED):
        return TESTED, ""
    status = requirement.get("status")
    if status in (NOT_YET_TESTED, NOT_TESTABLE):
        return status, requirement.get("reason", "")
    if NOT_CLAIMED in verdicts:
        return NOT_RUN, "NOT CLAIMED by the target"
    if NOT_VERIFIED in verdicts:
        return NOT_RUN, "NOT VERIFIED on this target"
    if NOT_APPLICABLE in verdicts:
        return NOT_RUN, "NOT APPLICABLE to the test data (--data)"
    if records:
        return NOT_RUN, "the harness hit an ERROR"
    if status == "tested":
        return NOT_RUN, NO_RESULT
    return NOT_YET_TESTED, requirement.get("reason") or "no test names it"


def coverage(catalogue: list[dict], by_requirement: dict[str, list[dict]]) -> dict:
    """What this run examined of the catalogue: counts per part and level, and per part the requirements not
    examined with their reason, in clause order. Requirements tested but absent from the catalogue count too."""
    entries = {r["id"]: r for r in catalogue}
    for rid, records in by_requirement.items():
        entries.setdefault(rid, next(q for q in records[0]["requirements"] if q["id"] == rid))
    parts: dict[str, dict] = {}
    total: Counter = Counter()
    for rid, entry in sorted(entries.items(), key=lambda item: (clause_key(item[1]["clause"]), item[0])):
        state, reason = _coverage_of(entry, by_requirement.get(rid, []))
        part_name = entry["clause"].split()[0]
        part = parts.setdefault(part_name, {"part": part_name, "levels": defaultdict(Counter), "counts": Counter(),
                                            "gaps": []})
        part["levels"][entry["level"]][state] += 1
        part["counts"][state] += 1
        total[state] += 1
        if state != TESTED:
            part["gaps"].append({**entry, "coverage": state, "why": reason, "has_records": rid in by_requirement})
    for part in parts.values():
        part["levels"] = sorted(part["levels"].items(), key=lambda item: _level_key(item[0]))
    ordered = sorted(parts.values(), key=lambda part: clause_key(part["part"] + " 0"))
    return {"parts": ordered, "total": total, "catalogued": sum(total.values()), "columns": COVERAGE}


def coverage_line(run: dict, results: list[dict]) -> str:
    """'115 of 115 catalogued requirements tested' for the terminal's summary line."""
    found = coverage(run.get("catalogue", []), _by_requirement(results))
    return f"{found['total'][TESTED]} of {found['catalogued']} catalogued requirements tested"


def _by_requirement(results: list[dict]) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = defaultdict(list)
    for record in results:
        for requirement in record["requirements"]:
            found[requirement["id"]].append(record)
    return found


def summarise(data: dict) -> dict:
    results = data["results"]
    overall = Counter(r["verdict"] for r in results)
    by_service: dict[str, Counter] = defaultdict(Counter)
    by_level: dict[str, Counter] = defaultdict(Counter)
    by_requirement: dict[str, list[dict]] = defaultdict(list)
    requirement_info: dict[str, dict] = {}
    for record in results:
        by_service[record["service"]][record["verdict"]] += 1
        for requirement in record["requirements"]:
            requirement_info[requirement["id"]] = requirement
            by_level[requirement["level"]][record["verdict"]] += 1
            by_requirement[requirement["id"]].append(record)
    catalogue = data["run"].get("catalogue", [])

    rows = []
    for rid, records in by_requirement.items():
        info = requirement_info[rid]
        rows.append({"clause": info["clause"], "id": rid, "level": info["level"], "statement": info["statement"],
                     "part": info["clause"].split()[0], "verdict": worst(r["verdict"] for r in records),
                     "records": records})
    rows.sort(key=lambda row: (clause_key(row["clause"]), row["id"]))
    parts: dict[str, dict] = {}
    for row in rows:
        part = parts.setdefault(row["part"], {"part": row["part"], "rows": [], "counts": Counter()})
        part["rows"].append(row)
        part["counts"][row["verdict"]] += 1
    editions = sorted({r.get("edition", "") for r in catalogue if r.get("edition")}) or ["the catalogue's edition"]
    problems = look_at_first(results)
    return {
        "overall": [(v, overall[v]) for v in VERDICT_ORDER if overall[v]],
        "by_service": {s: [(v, c[v]) for v in VERDICT_ORDER if c[v]] for s, c in sorted(by_service.items())},
        "by_level": {lvl: [(v, c[v]) for v in VERDICT_ORDER if c[v]]
                     for lvl, c in sorted(by_level.items(), key=lambda item: _level_key(item[0]))},
        "clauses": rows,
        "parts": list(parts.values()),
        "problems": problems,
        "coverage": coverage(catalogue, by_requirement),
        "edition": ", ".join(editions),
        "total": len(results),
    }


def write_reports(data: dict, folder: Path) -> Path:
    """Write results.json, index.html, junit.xml and junit-strict.xml; returns the path of index.html. `data` is
    not changed."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    data = {**data, "results": with_anchors(data["results"])}
    summary = summarise(data)
    (folder / "results.json").write_text(json.dumps(
        {"schema_version": SCHEMA_VERSION, "run": data["run"],
         "summary": {"overall": dict(summary["overall"]),
                     "by_service": {s: dict(v) for s, v in summary["by_service"].items()},
                     "by_level": {s: dict(v) for s, v in summary["by_level"].items()},
                     "coverage": {c: summary["coverage"]["total"][c] for c in COVERAGE}},
         "results": data["results"]}, indent=1), encoding="utf-8")
    env = environment()
    ordered = sorted(data["results"], key=lambda r: (VERDICT_ORDER.index(r["verdict"]), r["nodeid"]))
    (folder / "index.html").write_text(env.get_template("index.html.j2").render(
        run=data["run"], summary=summary, results=ordered, verdict_order=VERDICT_ORDER), encoding="utf-8")
    for name, warn_as_failure in JUNIT_FILES.items():
        (folder / name).write_text(junit(env, data["run"], data["results"], warn_as_failure), encoding="utf-8")
    return folder / "index.html"


def junit(env: Environment, run: dict, results: list[dict], warn_as_failure: bool) -> str:
    """JUnit XML as CI servers validate it (tests/schemas/junit.xsd): each testcase's verdict in its `status`,
    FAIL as <failure>, ERROR as <error>, NOT CLAIMED, NOT VERIFIED, DEVIATION and WARN as <skipped>, or WARN as
    <failure type="WARN"> with `warn_as_failure`."""
    failed = (FAIL, WARN) if warn_as_failure else (FAIL,)
    skipped = tuple(v for v in JUNIT_SKIPPED if v not in failed)
    return env.get_template("junit.xml.j2").render(
        run=run, results=results, failed=failed, skipped=skipped,
        timestamp=time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(run["started"])) if run.get("started") else "",
        counts={"failures": sum(r["verdict"] in failed for r in results),
                "errors": sum(r["verdict"] == ERROR for r in results),
                "skipped": sum(r["verdict"] in skipped for r in results)})


def rerender(run_dir: Path) -> Path:
    """Render an old run's folder again from its results.json (after a template change, say)."""
    return write_reports(load_results(Path(run_dir) / "results.json"), Path(run_dir))
