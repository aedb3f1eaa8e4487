"""PS3.4 K.2.2: differential Modality Worklist matching. Hypothesis draws worklist queries on the matching keys
of Table K.6-1 (Scheduled Station AE Title, Scheduled Procedure Step Start Date and Time, Modality and Scheduled
Performing Physician's Name inside the Scheduled Procedure Step Sequence; Patient's Name, Patient ID; Accession
Number, an Optional Matching Key) over six seeded worklist items; the target's matches are compared, item by item,
with the reference model (dicom_harness.testing.matching_model, service WORKLIST), which says for each item
whether the text requires a match, forbids one, or leaves it to the implementation.

The Worklist's own rules apply: an unknown (zero-length) value fails to match (K.2.2.1.1.1); Scheduled Station
AE Title, Modality and Patient ID are matched by single value only, so they are never drawn with wild cards;
the Start Date and Start Time ranges given together are one period (Table K.6-1). Each seeded item has one
Scheduled Procedure Step item, so sequence matching is matching its keys together.

Deterministic: the items and the queries both come from the run's --seed; hypothesis neither stores nor
shrinks examples: a mismatch is reduced, by dropping keys one at a time, to the fewest keys that show it
(dicom_harness.testing.differential, shared with the Q/R and QIDO differential tests).
A reduced mismatch whose rules are all declared deviations of the target is written to the evidence as
explained; any other fails the test."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from hypothesis import strategies as st

from dicom_harness.testing import (
    Status,
    describe,
    differential,
    matching_model,
    requirement,
    unique_worklist_item,
    worklist_query,
)

ITEMS = 6
DATE, TIME = "ScheduledProcedureStepStartDate", "ScheduledProcedureStepStartTime"
# Table K.6-1: keyword -> (VR, matching key type, the matching it allows)
KEYS = {"ScheduledStationAETitle": ("AE", "R", "single"), DATE: ("DA", "R", "range"), TIME: ("TM", "R", "range"),
        "Modality": ("CS", "R", "single"), "ScheduledPerformingPhysicianName": ("PN", "R", "wild card"),
        "PatientName": ("PN", "R", "wild card"), "PatientID": ("LO", "R", "single"),
        "AccessionNumber": ("SH", "O", "wild card")}
# The requirement a key's judgement belongs to, when the model names a Query/Retrieve rule
RULES = {"PatientID": "MWL-MATCH-PATIENT-ID", "ScheduledStationAETitle": "MWL-MATCH-SPS-SEQUENCE",
         "Modality": "MWL-MATCH-SPS-SEQUENCE", DATE: "MWL-MATCH-DATE-RANGE", TIME: "MWL-MATCH-TIME-RANGE"}
SINGLE_OPERATIONS = ("exact", "exact", "universal", "other case", "drop last", "none")
WILD_OPERATIONS = SINGLE_OPERATIONS + ("lone star", "prefix star", "star suffix", "inner star", "question",
                                       "question extra")
DATES = ("20240115", "20240116", "20240301", "20241231")
TIMES = ("000000", "083000", "083059", "120000", "235959", "093015")


@dataclass
class WorklistWorld:
    """Six items of four patients, their values drawn from small pools so that keys cross-match."""
    run: str
    items: list[dict[str, str]] = field(default_factory=list)        # keyword -> stored value ('' unknown)

    @property
    def uids(self) -> set[str]:
        return {i["StudyInstanceUID"] for i in self.items}


def build(factory) -> tuple[WorklistWorld, list]:
    run, rng = factory.run_id, random.Random(f"worklist-differential/{factory.seed}")
    world, datasets = WorklistWorld(run), []
    patients = [("DH^ALPHA", f"W{run}-MA"), ("DH^ALPHAB", f"W{run}-MAB"), ("DH^ALPHA^X", f"W{run}-MB"),
                ("DH^BETA", f"W{run}-NA")]
    for owner in (0, 0, 1, 2, 3, 3):
        item = unique_worklist_item(factory, patients[owner], modality=rng.choice(["CT", "MR", "CR"]),
                     station=rng.choice([f"W{run}A", f"W{run}AB", f"W{run}B"]), date=rng.choice(DATES),
                     time=rng.choice(TIMES))
        item.AccessionNumber = rng.choice(["", f"Q{run}A", f"Q{run}AB", f"Q{run}B"])
        step = item.ScheduledProcedureStepSequence[0]
        step.ScheduledPerformingPhysicianName = rng.choice(["", "DR^WHO", "DR^WHOM", "dr^who"])
        flat = {k: str(item.get(k, "")) for k in ("PatientName", "PatientID", "AccessionNumber", "StudyInstanceUID")}
        flat.update({k: str(step.get(k, "")) for k in KEYS if k not in flat})
        world.items.append(flat)
        datasets.append(item)
    return world, datasets


# -- drawing queries ------------------------------------------------------------------------------------------
def _string_key(draw, keyword: str, base: str, run: str) -> str:
    """The Worklist's own string keys: a single-value key is never drawn with a wild card, an unknown value is
    asked for by a value that matches nothing (or a lone '*', where wild cards are allowed)."""
    vr, _, kind = KEYS[keyword]
    operation = draw(differential.one_of(WILD_OPERATIONS if kind == "wild card" else SINGLE_OPERATIONS))
    at = draw(differential.index_below(64))
    if operation == "universal":
        return ""
    if operation == "none" or not base:
        return "*" if operation == "lone star" else f"NONE{run}"[:16]
    if operation == "other case":
        return base if vr == "CS" else differential.other_case(base, run)      # CS holds upper case only
    if operation == "drop last":
        return base[:-1] or base
    if operation == "lone star":
        return "*"
    return differential.wild_card(operation, base, at % len(base))


def queries(world: WorklistWorld):
    dates = sorted({i[DATE] for i in world.items})
    times = sorted({i[TIME] for i in world.items})

    @st.composite
    def draw_query(draw) -> dict[str, str]:
        keywords = differential.keywords(draw, KEYS)
        if draw(differential.index_below(4)) == 0:          # often enough: the date and time ranges together
            keywords = sorted({*keywords, DATE, TIME})
        keys = {}
        for keyword in keywords:
            if keyword == DATE:
                keys[keyword] = differential.range_key(draw, dates)
            elif keyword == TIME:
                keys[keyword] = differential.range_key(draw, times, short=draw(differential.BOOLEANS))
            else:
                source = world.items[draw(differential.index_below(ITEMS))]
                keys[keyword] = _string_key(draw, keyword, source[keyword], world.run)
        return keys

    return draw_query()


def _day(date: str, days: int) -> str:
    return (datetime.date(int(date[:4]), int(date[4:6]), int(date[6:])) + datetime.timedelta(days=days)).strftime(
        "%Y%m%d")


def explicit_queries(world: WorklistWorld) -> list[dict[str, str]]:
    """One query per kind of matching, tried before the drawn ones, so each kind is exercised whatever the draw."""
    first = world.items[0]
    # a period around the first item's day whose time range leaves its time out: one period, it is inside
    times = "130000-140000" if "100000" <= first[TIME] <= "110000" else "100000-110000"
    return [
        {},                                                                  # every item (universal)
        {"ScheduledPerformingPhysicianName": "DR^WHO"},                      # unknown values fail (K.2.2.1.1.1)
        {"ScheduledPerformingPhysicianName": "*"},                           # ... a lone '*' may reach them
        {"PatientID": first["PatientID"]},
        {"ScheduledStationAETitle": first["ScheduledStationAETitle"], "Modality": first["Modality"]},
        {"PatientName": "DH^ALPHA*"},
        {DATE: f"{_day(first[DATE], -1)}-{_day(first[DATE], 1)}", TIME: times},     # one period (Table K.6-1)
        {DATE: f"{first[DATE]}-", TIME: f"{first[TIME][:4]}-"},
    ]


# -- comparing --------------------------------------------------------------------------------------------------
def judge(keys: dict[str, str], item: dict[str, str]) -> matching_model.EntityJudgement:
    typed = {k: (KEYS[k][0], v) for k, v in keys.items() if not (k in (DATE, TIME) and DATE in keys and TIME in keys)}
    judged = matching_model.judge_entity(typed, item, service=matching_model.WORKLIST,
                                         optional=[k for k in typed if KEYS[k][1] == "O"])
    judgements = dict(judged.keys)
    if DATE in keys and TIME in keys:
        judgements[f"{DATE}+{TIME}"] = matching_model.judge_date_time(keys[DATE], keys[TIME], item[DATE], item[TIME])
    verdict = matching_model.both(*(j.verdict for j in judgements.values())) if judgements else matching_model.MUST
    return matching_model.EntityJudgement(verdict, judgements)


class Mismatch(differential.Mismatch):
    noun, scope, nothing = "item", (), "every key universal"

    def rules(self) -> list[str]:
        """The requirements the target broke: those of the keys that forbid the match it made, or (a required
        match missed) those of every key, since any of them may be the one it failed."""
        found = [j.rule if j.rule.startswith("MWL-") else RULES.get(k, "MWL-MATCH-DIFFERENTIAL")
                 for k, j in self.broken().items()]
        return list(dict.fromkeys(found)) or ["MWL-MATCH-DIFFERENTIAL"]


class Differential(differential.Differential):
    mismatch = Mismatch

    def __init__(self, worklist_find, world: WorklistWorld):
        super().__init__(world.items)
        self.worklist_find, self.world = worklist_find, world

    def ask(self, keys: dict[str, str]) -> set[str]:
        """The seeded items (by Study Instance UID, a return key) the target returns; other items are not ours."""
        result = self.worklist_find(worklist_query(**keys), expect_success=False, one_association=True)
        assert result.final_status == Status.SUCCESS, (
            f"query {keys}: expected the worklist C-FIND to end with Success, observed "
            f"{describe(result.final_status)} (PS3.4 K.2.2.1.1.1: a Basic Worklist Management SCP shall support "
            "matching based on values of all Required Matching Key Attributes)")
        found = {str(i.get("StudyInstanceUID", "")) for i in result.identifiers}
        return found & self.world.uids

    def judge(self, keys: dict[str, str], index: int) -> matching_model.EntityJudgement:
        return judge(keys, self.world.items[index])


@requirement("MWL-MATCH-DIFFERENTIAL")
def test_worklist_matching_agrees_with_the_model(seed_worklist, worklist_find, target, dataset_factory, evidence):
    """Eight set and forty drawn worklist queries on the matching keys of Table K.6-1 over six seeded items; PS3.4
    K.2.2 and C.2.2.2 say which items each must, must not or may return: the target must agree."""
    world, items = build(dataset_factory)
    seed_worklist(items)
    outcome = differential.run(Differential(worklist_find, world), queries(world), explicit_queries(world),
                               dataset_factory.seed, target.deviations)
    outcome.record(evidence, outcome.summary(noun="item") + "; items: " + "; ".join(
        f"#{n + 1} " + " ".join(f"{k}={v!r}" for k, v in i.items() if k != "StudyInstanceUID")
        for n, i in enumerate(world.items)))
    assert not outcome.broken, (f"{len(outcome.broken)} worklist answer(s) the text does not allow (PS3.4 K.2.2, "
                                f"Table K.6-1), e.g. {outcome.examples()}")
