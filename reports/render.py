"""Render one run's results into a report folder: results.json, junit.xml, index.html."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

VERDICT_ORDER = ("FAIL", "ERROR", "WARN", "DEVIATION", "FIXED", "NOT CLAIMED", "PASS")


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("reports", "templates"),
                      autoescape=select_autoescape(["html", "xml", "j2"]), trim_blocks=True, lstrip_blocks=True)
    env.filters["css"] = lambda verdict: verdict.lower().replace(" ", "-")
    return env


def load_results(path: Path) -> dict:
    """Read results.json, or a JSON-lines result file written by --results-file."""
    text = Path(path).read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    return {"run": lines[0]["run"], "results": lines[1:]}


def summarise(data: dict) -> dict:
    results = data["results"]
    overall = Counter(r["verdict"] for r in results)
    by_service: dict[str, Counter] = defaultdict(Counter)
    by_level: dict[str, Counter] = defaultdict(Counter)
    by_clause: dict[tuple[str, str], list[dict]] = defaultdict(list)
    tested = set()
    for record in results:
        by_service[record["service"]][record["verdict"]] += 1
        for requirement in record["requirements"]:
            tested.add(requirement["id"])
            by_level[requirement["level"]][record["verdict"]] += 1
            by_clause[(requirement["clause"], requirement["id"])].append(record)
    catalogue = data["run"].get("catalogue", [])
    untested = [r for r in catalogue if r["id"] not in tested]

    def clause_key(item):
        clause = item[0][0]
        part, _, number = clause.partition(" ")
        pieces = [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in number.replace(".", " ").split()]
        return (part, pieces, item[0][1])

    clauses = []
    for (clause, rid), records in sorted(by_clause.items(), key=clause_key):
        worst = min((r["verdict"] for r in records), key=VERDICT_ORDER.index)
        clauses.append({"clause": clause, "id": rid, "verdict": worst, "records": records,
                        "statement": records[0]["requirements"][0]["statement"] if records else "",
                        "level": next(q["level"] for q in records[0]["requirements"] if q["id"] == rid)})
    return {
        "overall": [(v, overall[v]) for v in VERDICT_ORDER if overall[v]],
        "by_service": {s: [(v, c[v]) for v in VERDICT_ORDER if c[v]] for s, c in sorted(by_service.items())},
        "by_level": {lvl: [(v, c[v]) for v in VERDICT_ORDER if c[v]] for lvl, c in sorted(by_level.items())},
        "clauses": clauses,
        "untested": untested,
        "total": len(results),
    }


def write_reports(data: dict, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    summary = summarise(data)
    (folder / "results.json").write_text(json.dumps(
        {"run": data["run"], "summary": {"overall": dict(summary["overall"]),
                                         "by_service": {s: dict(v) for s, v in summary["by_service"].items()}},
         "results": data["results"]}, indent=1), encoding="utf-8")
    env = _environment()
    ordered = sorted(data["results"], key=lambda r: (VERDICT_ORDER.index(r["verdict"]), r["nodeid"]))
    for index, record in enumerate(data["results"]):
        record.setdefault("anchor", f"t{index}")
    (folder / "index.html").write_text(env.get_template("index.html.j2").render(
        run=data["run"], summary=summary, results=ordered), encoding="utf-8")
    (folder / "junit.xml").write_text(env.get_template("junit.xml.j2").render(
        run=data["run"], results=data["results"],
        failures=sum(r["verdict"] == "FAIL" for r in data["results"]),
        errors=sum(r["verdict"] == "ERROR" for r in data["results"]),
        skipped=sum(r["verdict"] in ("NOT CLAIMED", "DEVIATION", "WARN") for r in data["results"])),
        encoding="utf-8")
    return folder / "index.html"
