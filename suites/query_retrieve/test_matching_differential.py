"""PS3.4 C.2.2: differential C-FIND matching. Hypothesis draws Study Root STUDY-level queries over a small seeded
set of studies; the target's matches are compared, study by study, with the reference model of C.2.2.1-C.2.2.3
(dicom_harness.testing.matching_model), which says for each study whether the text requires a match, forbids
one, or leaves it to the implementation.

Deterministic: the studies and the queries both come from the run's --seed (default 0), the same seed giving
the same queries; hypothesis neither stores nor shrinks examples (no shrinking against a slow target): a
mismatch is reduced here, by dropping keys one at a time, to the fewest keys that still show it.

A reduced mismatch names the rule(s) it breaks (the requirement IDs of the model). One whose rules are all
declared deviations of the target (say QR-MATCH-UNKNOWN-VALUE, judged DEVIATION by its own test) is written to
the evidence as explained and does not fail this test again; any other fails it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from dicom_harness.testing import Status, describe, matching_model, requirement, seed_instances

from .conftest import query

# The run's hypothesis profile: bounded, no example database, no shrinking, no deadline (a C-FIND takes the
# target's time), health checks off (a slow target is not a slow strategy). Registered so it can be named.
DIFFERENTIAL = settings(max_examples=40, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
                        suppress_health_check=list(HealthCheck), print_blob=False, derandomize=False)
settings.register_profile("dicom-harness-differential", DIFFERENTIAL)

STUDIES = 6
# Study Root, STUDY level (PS3.4 Table C.6-5): keyword -> (VR, key type)
KEYS = {"PatientName": ("PN", "R"), "PatientID": ("LO", "R"), "StudyDate": ("DA", "R"), "StudyTime": ("TM", "R"),
        "AccessionNumber": ("SH", "R"), "StudyID": ("SH", "R"), "ReferringPhysicianName": ("PN", "O"),
        "StudyDescription": ("LO", "O")}
STRING_OPERATIONS = ("exact", "exact", "universal", "lone star", "prefix star", "star suffix", "inner star",
                     "question", "question extra", "drop last", "other case")


@dataclass
class DifferentialWorld:
    """Six studies of four patients, with values drawn from small pools so keys cross-match; every value that
    carries the run ID carries it in the same place, so which study a drawn key matches does not depend on it."""
    run: str
    studies: list[dict[str, str]] = field(default_factory=list)      # keyword -> stored value ('' unknown)

    @property
    def uids(self) -> list[str]:
        return [s["StudyInstanceUID"] for s in self.studies]


def _build(factory) -> tuple[DifferentialWorld, list]:
    run, rng = factory.run_id, random.Random(f"differential/{factory.seed}")
    world = DifferentialWorld(run)
    patients = [(name, f"DH-{run}-{suffix}") for name, suffix in (
        ("DH^ALPHA", "MA"), ("DH^ALPHAB", "MAB"), ("DH^ALPHA^X", "MB"), ("DH^BETA", "NA"))]
    owners = [0, 0, 1, 2, 3, 3]
    instances = []
    for index in range(STUDIES):
        study = factory.study(patients[owners[index]])
        study.StudyDate = rng.choice(["20230115", "20230116", "20230301", "20231231", "20240229"])
        study.StudyTime = rng.choice(["000000", "083000", "083059", "120000", "235959", "093015"])
        study.AccessionNumber = rng.choice(["", f"Q{run}A", f"Q{run}AB", f"Q{run}B", f"q{run}a"])
        study.StudyID = rng.choice(["", "1", "12", "2", "S1"])
        study.ReferringPhysicianName = rng.choice(["", "DR^WHO", "DR^WHOM", "dr^who"])
        study.StudyDescription = rng.choice(["", "HEAD", "HEAD NECK", "head"])
        world.studies.append({k: str(study.get(k, "")) for k in (*KEYS, "StudyInstanceUID")})
        instances.append(factory.make("SC", study=study))
    return world, instances


class _LazyDifferentialWorld:
    def __init__(self, target, factory):
        self.target, self.factory, self.world = target, factory, None

    def get(self) -> DifferentialWorld:
        if self.world is None:
            world, instances = _build(self.factory)
            seed_instances(self.target, instances, "seeding the differential matching studies")
            self.world = world
        return self.world


_WORLDS: dict[int, _LazyDifferentialWorld] = {}


def _world(target, factory) -> DifferentialWorld:
    key = id(factory)
    if key not in _WORLDS:
        _WORLDS[key] = _LazyDifferentialWorld(target, factory)
    return _WORLDS[key].get()


# -- drawing queries ------------------------------------------------------------------------------------------
def _string_key(draw, base: str, run: str) -> str:
    operation = draw(st.sampled_from(STRING_OPERATIONS))
    where = draw(st.integers(0, 63))
    if operation == "universal":
        return ""
    if operation == "lone star" or not base:
        return "*" if operation != "exact" else "NONE"
    at = where % len(base)
    if operation == "prefix star":
        return base[:at] + "*"
    if operation == "star suffix":
        return "*" + base[at:]
    if operation == "inner star":
        return base[:at] + "*" + base[at + 1:] if at + 1 < len(base) else base[:at] + "*"
    if operation == "question":
        return base[:at] + "?" + base[at + 1:]
    if operation == "question extra":
        return base[:at] + "?" + base[at:]
    if operation == "drop last":
        return base[:-1] or "*"
    if operation == "other case":         # the run ID kept as it is: its letters are not the same in every run
        return run.join(part.swapcase() for part in base.split(run))
    return base


def _date_key(draw, dates: list[str]) -> str:
    one, two = draw(st.sampled_from(dates)), draw(st.sampled_from(dates))
    low, high = sorted((one, two))
    form = draw(st.sampled_from(("single", "closed", "from", "until", "universal")))
    return {"single": one, "closed": f"{low}-{high}", "from": f"{one}-", "until": f"-{one}", "universal": ""}[form]


def _time_key(draw, times: list[str]) -> str:
    picked = [draw(st.sampled_from(times)) for _ in range(2)]
    short = draw(st.booleans())
    one, two = [t[:4] if short else t for t in picked]
    low, high = sorted((one, two))
    form = draw(st.sampled_from(("single", "closed", "from", "until")))
    return {"single": one, "closed": f"{low}-{high}", "from": f"{one}-", "until": f"-{one}"}[form]


def queries(world: DifferentialWorld):
    dates = sorted({s["StudyDate"] for s in world.studies})
    times = sorted({s["StudyTime"] for s in world.studies})

    @st.composite
    def draw_query(draw) -> dict[str, str]:
        keywords = draw(st.lists(st.sampled_from(sorted(KEYS)), min_size=1, max_size=3, unique=True))
        keys = {}
        for keyword in keywords:
            vr = KEYS[keyword][0]
            if vr == "DA":
                keys[keyword] = _date_key(draw, dates)
            elif vr == "TM":
                keys[keyword] = _time_key(draw, times)
            else:
                source = world.studies[draw(st.integers(0, STUDIES - 1))]
                keys[keyword] = _string_key(draw, source[keyword], world.run)
        return keys

    return draw_query()


def explicit_queries(world: DifferentialWorld) -> list[dict[str, str]]:
    """One query per kind of matching, tried before the drawn ones, so each kind is exercised whatever the draw."""
    studies = world.studies
    accession = next(s["AccessionNumber"] for s in studies if s["AccessionNumber"])
    pid = studies[0]["PatientID"]
    dates = sorted({s["StudyDate"] for s in studies})
    times = sorted({s["StudyTime"] for s in studies})
    return [
        {},                                                               # the scope alone: the UID list
        {"AccessionNumber": ""},                                          # universal, over unknown values too
        {"AccessionNumber": accession},                                   # single value (and unknown values)
        {"PatientID": pid[:-1] + "?"},                                    # '?': exactly one character
        {"PatientID": pid + "?"},                                         # ... not none
        {"PatientID": pid[:-1] + "*"},                                    # '*': any sequence, empty included
        {"StudyDate": f"{dates[0]}-{dates[-2] if len(dates) > 2 else dates[-1]}"},   # closed range, ends included
        {"StudyTime": f"-{times[len(times) // 2][:4]}"},                  # open time range, reduced precision
    ]


# -- comparing --------------------------------------------------------------------------------------------------
@dataclass
class Mismatch:
    keys: dict[str, str]
    study: int
    matched: bool
    judgement: matching_model.EntityJudgement

    def rules(self) -> list[str]:
        """The rules the target broke: those of the keys that forbid the match it made, or (a required match
        missed) those of every drawn key, since any of them may be the one it failed. The scope (the list of
        the studies' UIDs) counts only in the query that has nothing else, which is always sent first."""
        judged = {k: j for k, j in self.judgement.keys.items() if k in self.keys or not self.keys}
        wanted = (matching_model.MUST_NOT,) if self.matched else (matching_model.MUST, matching_model.MAY,
                                                                 matching_model.MUST_NOT)
        return list(dict.fromkeys(j.rule for j in judged.values() if j.verdict in wanted))

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.keys.items())
        answer = "matched" if self.matched else "did not match"
        why = "; ".join(f"{k}: {j}" for k, j in self.judgement.keys.items() if k in self.keys or not self.keys)
        return f"query {{{shown}}}: study #{self.study + 1} {answer}, but the text says it {self.judgement.verdict} ({why})"


class Differential:
    def __init__(self, qr, world: DifferentialWorld, optional_matched: tuple[str, ...]):
        self.qr, self.world, self.optional_matched = qr, world, optional_matched
        self._answers: dict[tuple, set[str]] = {}
        self.queries = 0

    def answer(self, keys: dict[str, str]) -> set[str]:
        """The seeded studies the target matches: a Study Root STUDY C-FIND scoped by the list of their UIDs."""
        cache_key = tuple(sorted(keys.items()))
        if cache_key not in self._answers:
            result = self.qr.find("study_root", query("STUDY", StudyInstanceUID=self.world.uids, **keys))
            self.queries += 1
            assert result.final_status == Status.SUCCESS, (
                f"query {keys}: expected the C-FIND to end with Success, observed {describe(result.final_status)} "
                "(PS3.4 C.2.2.1.2: C-FIND SCPs shall support matching of all Required Keys)")
            found = {str(i.get("StudyInstanceUID", "")) for i in result.identifiers}
            strays = found - set(self.world.uids)
            assert not strays, (f"query {keys}: studies outside the UID list came back: {sorted(strays)} "
                                "(PS3.4 C.2.2.2.2, list of UID matching)")
            self._answers[cache_key] = found
        return self._answers[cache_key]

    def judge(self, keys: dict[str, str], study: int) -> matching_model.EntityJudgement:
        typed = {"StudyInstanceUID": ("UI", "\\".join(self.world.uids))}
        typed.update({k: (KEYS[k][0], v) for k, v in keys.items()})
        optional = [k for k in keys if KEYS[k][1] == "O"]
        return matching_model.judge_entity(typed, self.world.studies[study], optional=optional,
                                           matched_on=self.optional_matched)

    def mismatches(self, keys: dict[str, str]) -> list[Mismatch]:
        found = self.answer(keys)
        wrong = []
        for index, study in enumerate(self.world.studies):
            judgement = self.judge(keys, index)
            matched = study["StudyInstanceUID"] in found
            if not matching_model.allows(judgement, matched):
                wrong.append(Mismatch(keys, index, matched, judgement))
        return wrong

    def reduced(self, mismatch: Mismatch) -> Mismatch:
        """The fewest keys (dropped one at a time, one C-FIND each) that still show a mismatch for the study."""
        keys = dict(mismatch.keys)
        for keyword in list(keys):
            if len(keys) == 1:
                break
            fewer = {k: v for k, v in keys.items() if k != keyword}
            same = [m for m in self.mismatches(fewer) if m.study == mismatch.study]
            if same:
                keys, mismatch = fewer, same[0]
        return mismatch


@requirement("QR-MATCH-DIFFERENTIAL")
def test_matching_agrees_with_the_model(qr, claims, target, dataset_factory, evidence):
    """Six set and forty drawn Study Root STUDY queries (single value, wild card, range, universal keys) over six
    seeded studies; PS3.4 C.2.2 says which studies each must, must not or may return: the target must agree."""
    qr.model("study_root", "C-FIND")                      # NOT CLAIMED before anything is stored
    world = _world(target, dataset_factory)
    differential = Differential(qr, world, claims.query_retrieve.optional_keys)
    found: list[Mismatch] = []

    def compare(keys):
        found.extend(differential.mismatches(keys))

    run = given(queries(world))(compare)
    for keys in reversed(explicit_queries(world)):
        run = example(keys)(run)
    seed(dataset_factory.seed)(DIFFERENTIAL(run))()
    reduced = list({str(m): m for m in (differential.reduced(m) for m in found)}.values())
    declared = set(target.deviations)
    explained = [m for m in reduced if set(m.rules()) <= declared]
    broken = [m for m in reduced if m not in explained]
    evidence.add("#", f"hypothesis seed {dataset_factory.seed}: {len(explicit_queries(world))} explicit queries and "
                 f"{DIFFERENTIAL.max_examples} drawn, "
                 f"{differential.queries} C-FINDs sent, {len(found)} study answer(s) outside what the text allows")
    for m in explained:
        evidence.add("#", f"explained by a declared deviation ({', '.join(m.rules())}): {m}")
    assert len(broken) == 0, (f"{len(broken)} C-FIND answer(s) the text does not allow (PS3.4 C.2.2), e.g. "
                        + " | ".join(f"{m} [rule: {', '.join(m.rules())}]" for m in broken[:3]))
