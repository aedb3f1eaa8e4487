"""PS3.4 C.2.2: differential C-FIND matching. Hypothesis draws Study Root STUDY-level queries over a small seeded
set of studies; the target's matches are compared, study by study, with the reference model of C.2.2.1-C.2.2.3
(dicom_harness.testing.matching_model), which says for each study whether the text requires a match, forbids
one, or leaves it to the implementation.

Deterministic: the studies and the queries both come from the run's --seed (default 0), the same seed giving
the same queries; hypothesis neither stores nor shrinks examples (no shrinking against a slow target): a
mismatch is reduced, by dropping keys one at a time, to the fewest keys that still show it (the machinery the
differential tests share: dicom_harness.testing.differential; this file keeps its studies, its keys, its C-FIND).

A reduced mismatch names the rule(s) it breaks (the requirement IDs of the model). One whose rules are all
declared deviations of the target (say QR-MATCH-UNKNOWN-VALUE, judged DEVIATION by its own test) is written to
the evidence as explained and does not fail this test again; any other fails it."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from dicom_harness.testing import NotClaimed, Status, describe, differential, requirement, seed_instances

from .conftest import query

STUDIES = 6
# Study Root, STUDY level (PS3.4 Table C.6-5): keyword -> (VR, key type)
KEYS = {"PatientName": ("PN", "R"), "PatientID": ("LO", "R"), "StudyDate": ("DA", "R"), "StudyTime": ("TM", "R"),
        "AccessionNumber": ("SH", "R"), "StudyID": ("SH", "R"), "ReferringPhysicianName": ("PN", "O"),
        "StudyDescription": ("LO", "O")}
VRS = {k: vr for k, (vr, _) in KEYS.items()}
OPTIONAL = [k for k, (_, kind) in KEYS.items() if kind == "O"]


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


# -- queries ----------------------------------------------------------------------------------------------------
def queries(world: DifferentialWorld):
    """Drawn queries: one to three keys of Table C.6-5, their values from the seeded studies' (differential)."""
    return differential.drawn_keys(world.studies, VRS, world.run)


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


# -- asking -----------------------------------------------------------------------------------------------------
class Differential(differential.Differential):
    """Study Root STUDY C-FINDs scoped by the list of the seeded studies' UIDs. A mismatch's rules are those of the
    keys that forbid the match the target made, or (a required match missed) those of every drawn key; the scope
    counts only in the query that has nothing else, which is always sent first."""

    def __init__(self, qr, world: DifferentialWorld, optional_matched: tuple[str, ...]):
        super().__init__(world.studies)
        self.qr, self.world, self.optional_matched = qr, world, optional_matched

    def ask(self, keys: dict[str, str]) -> set[str]:
        result = self.qr.find("study_root", query("STUDY", StudyInstanceUID=self.world.uids, **keys))
        assert result.final_status == Status.SUCCESS, (
            f"query {keys}: expected the C-FIND to end with Success, observed {describe(result.final_status)} "
            "(PS3.4 C.2.2.1.2: C-FIND SCPs shall support matching of all Required Keys)")
        found = {str(i.get("StudyInstanceUID", "")) for i in result.identifiers}
        strays = found - set(self.world.uids)
        assert not strays, (f"query {keys}: studies outside the UID list came back: {sorted(strays)} "
                            "(PS3.4 C.2.2.2.2, list of UID matching)")
        return found

    def judge(self, keys: dict[str, str], index: int):
        return differential.judge_scoped(keys, self.world.studies[index], self.world.uids, VRS, optional=OPTIONAL,
                                         matched_on=self.optional_matched)


@requirement("QR-MATCH-DIFFERENTIAL")
def test_matching_agrees_with_the_model(qr, claims, target, dataset_factory, evidence):
    """Six set and forty drawn Study Root STUDY queries (single value, wild card, range, universal keys) over six
    seeded studies; PS3.4 C.2.2 says which studies each must, must not or may return: the target must agree."""
    qr.model("study_root", "C-FIND")                      # NOT CLAIMED before anything is stored
    world = _world(target, dataset_factory)
    outcome = differential.run(Differential(qr, world, claims.query_retrieve.optional_keys), queries(world),
                               explicit_queries(world), dataset_factory.seed, target.deviations)
    outcome.record(evidence, outcome.summary())
    assert not outcome.broken, (f"{len(outcome.broken)} C-FIND answer(s) the text does not allow (PS3.4 C.2.2), "
                                f"e.g. {outcome.examples()}")


class CombinedDifferential(Differential):
    """The same studies, asked on an association that agreed combined date-time matching (C.5.1.1.2, byte 2)."""

    def __init__(self, qr, world: DifferentialWorld, optional_matched: tuple[str, ...], session, model_uid: str):
        super().__init__(qr, world, optional_matched)
        self.session, self.model_uid = session, model_uid

    def ask(self, keys: dict[str, str]) -> set[str]:
        result = self.session.find(query("STUDY", StudyInstanceUID=self.world.uids, **keys), self.model_uid)
        assert result.final_status == Status.SUCCESS, (
            f"query {keys}: expected the C-FIND to end with Success, observed {describe(result.final_status)}")
        return {str(i.get("StudyInstanceUID", "")) for i in result.identifiers} & set(self.world.uids)

    def judge(self, keys: dict[str, str], index: int):
        return differential.judge_scoped_combined(keys, self.world.studies[index], self.world.uids, VRS, "StudyDate",
                                                  "StudyTime", optional=OPTIONAL, matched_on=self.optional_matched)


@requirement("QR-MATCH-COMBINED-DATETIME")
def test_combined_matching_agrees_with_the_model(qr, claims, target, dataset_factory, evidence):
    """With combined date-time matching agreed, drawn Study Date and Study Time range pairs (mostly of the same form)
    over the six differential studies: a pair of the same form is one DT range (PS3.4 C.2.2.2.5.4), a pair of
    different forms two ranges; the studies returned must be those the model allows."""
    qr.model("study_root", "C-FIND")
    with qr.extended_session("study_root", "C-FIND", b"\x00\x01",
                             "relational-queries=0, combined date-time matching=1") as (session, uid, answer):
        if answer is None or len(answer) < 2 or answer[1] != 1:
            raise NotClaimed("the target did not agree combined date-time matching")
        world = _world(target, dataset_factory)
        dates = sorted({s["StudyDate"] for s in world.studies})
        times = sorted({s["StudyTime"] for s in world.studies})
        explicit = [{"StudyDate": f"{dates[0]}-{dates[-1]}", "StudyTime": f"{times[1]}-{times[-2]}"},
                    {"StudyDate": f"{dates[1]}-", "StudyTime": f"{times[len(times) // 2]}-"},
                    {"StudyDate": f"-{dates[-2]}", "StudyTime": f"-{times[len(times) // 2][:4]}"}]
        outcome = differential.run(CombinedDifferential(qr, world, claims.query_retrieve.optional_keys, session, uid),
                                   differential.drawn_date_time_keys(world.studies, "StudyDate", "StudyTime"),
                                   explicit, dataset_factory.seed, target.deviations)
    outcome.record(evidence, outcome.summary())
    assert not outcome.broken, (f"{len(outcome.broken)} C-FIND answer(s) combined date-time matching does not allow "
                                f"(PS3.4 C.2.2.2.5.4), e.g. {outcome.examples()}")
