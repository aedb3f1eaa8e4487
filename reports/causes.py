"""Root causes first: which failures of a run are likely the consequences of another requirement's failure
(prerequisites.toml says which requirements others rely on), and the order a reader should look at them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

from dicom_harness.shared.verdicts import DEVIATION, ERROR, FAIL, PROBLEMS, WARN
from dicom_harness.shared.verdicts import ORDER as VERDICT_ORDER

# A requirement with one of these verdicts did not hold in the run, so it can explain failures of others.
NOT_HELD = (FAIL, ERROR, WARN, DEVIATION)


@dataclass(frozen=True)
class Prerequisite:
    id: str
    why: str
    services: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    exceptions: tuple[str, ...] = ()

    def needed_by(self, requirement: dict) -> bool:
        """Whether `requirement` (a record's or the catalogue's entry) relies on this one."""
        rid = requirement["id"]
        if rid == self.id or rid in self.exceptions:
            return False
        return rid in self.requirements or requirement.get("service") in self.services


@cache
def prerequisites() -> tuple[Prerequisite, ...]:
    table = tomllib.loads(files("dicom_harness.reports").joinpath("prerequisites.toml").read_text(encoding="utf-8"))
    return tuple(Prerequisite(entry["id"], entry["why"], tuple(entry.get("services", ())),
                              tuple(entry.get("requirements", ())), tuple(entry.get("except", ())))
                 for entry in table.get("prerequisite", []))


def relied_on(requirement: dict, table: tuple[Prerequisite, ...] | None = None) -> list[str]:
    """The IDs of the requirements `requirement` relies on directly."""
    return [p.id for p in (prerequisites() if table is None else table) if p.needed_by(requirement)]


@dataclass
class Causes:
    """For each requirement that did not hold in a run: the root causes that likely explain it (failed
    prerequisites that themselves rely on nothing failed), empty when it is a root cause itself."""
    of: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def explained(self, cause: str) -> list[str]:
        return [rid for rid, roots in self.of.items() if cause in roots]


def find_causes(records: list[dict], table: tuple[Prerequisite, ...] | None = None) -> Causes:
    entries: dict[str, dict] = {}
    for record in records:
        if record["verdict"] in NOT_HELD:
            for requirement in record["requirements"]:
                entries.setdefault(requirement["id"], requirement)
    failed_prerequisites = {rid: [p for p in relied_on(entry, table) if p in entries] for rid, entry in entries.items()}

    def roots(rid: str, seen: frozenset[str]) -> set[str]:
        found: set[str] = set()
        for prerequisite in failed_prerequisites[rid]:
            if prerequisite in seen:                    # a cycle in the table: stop there
                continue
            found |= roots(prerequisite, seen | {prerequisite}) or {prerequisite}
        return found

    return Causes({rid: tuple(sorted(roots(rid, frozenset({rid})))) for rid in entries})


def look_at_first(records: list[dict], table: tuple[Prerequisite, ...] | None = None) -> list[dict]:
    """The records a reader should look at (FAIL, ERROR, WARN, FIXED), root causes first: those explaining the
    most other failures, then by verdict and node; then the likely consequences, after their cause. Each is a
    copy with `consequence_of` (root cause IDs, empty for a root) and `explains` (how many failing requirements
    it likely explains)."""
    causes = find_causes(records, table)
    problems = []
    for record in records:
        if record["verdict"] not in PROBLEMS:
            continue
        ids = [q["id"] for q in record["requirements"]]
        of = [causes.of.get(rid, ()) for rid in ids]
        consequence_of = sorted({c for found in of for c in found}) if of and all(of) else []
        explains = len({x for rid in ids if not causes.of.get(rid) for x in causes.explained(rid)})
        problems.append({**record, "consequence_of": consequence_of, "explains": explains})

    def key(record: dict) -> tuple:
        return (VERDICT_ORDER.index(record["verdict"]), record["nodeid"])

    roots = sorted((r for r in problems if not r["consequence_of"]), key=lambda r: (-r["explains"], *key(r)))
    position = {}
    for index, record in enumerate(roots):
        for rid in (q["id"] for q in record["requirements"]):
            position.setdefault(rid, index)
    consequences = sorted((r for r in problems if r["consequence_of"]),
                          key=lambda r: (min(position.get(c, len(roots)) for c in r["consequence_of"]), *key(r)))
    return roots + consequences
