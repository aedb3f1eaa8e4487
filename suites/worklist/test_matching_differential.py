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
shrinks examples: a mismatch is reduced here, by dropping keys one at a time, to the fewest keys that show it.
A reduced mismatch whose rules are all declared deviations of the target is written to the evidence as
explained; any other fails the test."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from dicom_harness.testing import Status, describe, matching_model, requirement, unique_worklist_item, worklist_query

DIFFERENTIAL = settings(max_examples=40, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
                        suppress_health_check=list(HealthCheck), print_blob=False, derandomize=False)

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
    vr, _, kind = KEYS[keyword]
    operation = draw(st.sampled_from(WILD_OPERATIONS if kind == "wild card" else SINGLE_OPERATIONS))
    at = draw(st.integers(0, 63))
    if operation == "universal":
        return ""
    if operation == "none" or not base:
        return "*" if operation == "lone star" else f"NONE{run}"[:16]
    if operation == "other case":
        swapped = run.join(part.swapcase() for part in base.split(run))
        return base if vr == "CS" else swapped       # CS holds upper case only
    if operation == "drop last":
        return base[:-1] or base
    if operation == "lone star":
        return "*"
    at = at % len(base)
    return {"prefix star": base[:at] + "*", "star suffix": "*" + base[at:],
            "inner star": base[:at] + "*" + base[at + 1:], "question": base[:at] + "?" + base[at + 1:],
            "question extra": base[:at] + "?" + base[at:]}.get(operation, base)


def _range_key(draw, pool: list[str], short: bool) -> str:
    one, two = (draw(st.sampled_from(pool)) for _ in range(2))
    if short:
        one, two = one[:4], two[:4]
    low, high = sorted((one, two))
    form = draw(st.sampled_from(("single", "closed", "from", "until", "universal")))
    return {"single": one, "closed": f"{low}-{high}", "from": f"{one}-", "until": f"-{one}", "universal": ""}[form]


def queries(world: WorklistWorld):
    dates = sorted({i[DATE] for i in world.items})
    times = sorted({i[TIME] for i in world.items})

    @st.composite
    def draw_query(draw) -> dict[str, str]:
        keywords = draw(st.lists(st.sampled_from(sorted(KEYS)), min_size=1, max_size=3, unique=True))
        if draw(st.integers(0, 3)) == 0:          # often enough: the date and time ranges together
            keywords = sorted({*keywords, DATE, TIME})
        keys = {}
        for keyword in keywords:
            if keyword == DATE:
                keys[keyword] = _range_key(draw, dates, False)
            elif keyword == TIME:
                keys[keyword] = _range_key(draw, times, draw(st.booleans()))
            else:
                source = world.items[draw(st.integers(0, ITEMS - 1))]
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


@dataclass
class Mismatch:
    keys: dict[str, str]
    item: int
    matched: bool
    judgement: matching_model.EntityJudgement

    def rules(self) -> list[str]:
        """The requirements the target broke: those of the keys that forbid the match it made, or (a required
        match missed) those of every key, since any of them may be the one it failed."""
        wanted = (matching_model.MUST_NOT,) if self.matched else (matching_model.MUST, matching_model.MAY,
                                                                 matching_model.MUST_NOT)
        found = [j.rule if j.rule.startswith("MWL-") else RULES.get(k, "MWL-MATCH-DIFFERENTIAL")
                 for k, j in self.judgement.keys.items() if j.verdict in wanted]
        return list(dict.fromkeys(found)) or ["MWL-MATCH-DIFFERENTIAL"]

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.keys.items()) or "every key universal"
        answer = "matched" if self.matched else "did not match"
        return (f"query {{{shown}}}: item #{self.item + 1} {answer}, but the text says it "
                f"{self.judgement.verdict} ({self.judgement.explain()})")


class Differential:
    def __init__(self, worklist_find, world: WorklistWorld):
        self.worklist_find, self.world = worklist_find, world
        self._answers: dict[tuple, set[str]] = {}
        self.queries = 0

    def answer(self, keys: dict[str, str]) -> set[str]:
        """The seeded items (by Study Instance UID, a return key) the target returns; other items are not ours."""
        cache_key = tuple(sorted(keys.items()))
        if cache_key not in self._answers:
            result = self.worklist_find(worklist_query(**keys), expect_success=False)
            self.queries += 1
            assert result.final_status == Status.SUCCESS, (
                f"query {keys}: expected the worklist C-FIND to end with Success, observed "
                f"{describe(result.final_status)} (PS3.4 K.2.2.1.1.1: a Basic Worklist Management SCP shall support "
                "matching based on values of all Required Matching Key Attributes)")
            found = {str(i.get("StudyInstanceUID", "")) for i in result.identifiers}
            self._answers[cache_key] = found & self.world.uids
        return self._answers[cache_key]

    def mismatches(self, keys: dict[str, str]) -> list[Mismatch]:
        found = self.answer(keys)
        wrong = []
        for index, item in enumerate(self.world.items):
            judgement = judge(keys, item)
            matched = item["StudyInstanceUID"] in found
            if not matching_model.allows(judgement, matched):
                wrong.append(Mismatch(keys, index, matched, judgement))
        return wrong

    def reduced(self, mismatch: Mismatch) -> Mismatch:
        """The fewest keys (dropped one at a time, one C-FIND each) that still show a mismatch for the item."""
        keys = dict(mismatch.keys)
        for keyword in list(keys):
            if len(keys) == 1:
                break
            fewer = {k: v for k, v in keys.items() if k != keyword}
            same = [m for m in self.mismatches(fewer) if m.item == mismatch.item]
            if same:
                keys, mismatch = fewer, same[0]
        return mismatch


@requirement("MWL-MATCH-DIFFERENTIAL")
def test_worklist_matching_agrees_with_the_model(seed_worklist, worklist_find, target, dataset_factory, evidence):
    """Eight set and forty drawn worklist queries on the matching keys of Table K.6-1 over six seeded items; PS3.4
    K.2.2 and C.2.2.2 say which items each must, must not or may return: the target must agree."""
    world, items = build(dataset_factory)
    seed_worklist(items)
    differential = Differential(worklist_find, world)
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
                 f"{DIFFERENTIAL.max_examples} drawn, {differential.queries} C-FINDs sent, {len(found)} item "
                 f"answer(s) outside what the text allows; items: "
                 + "; ".join(f"#{n + 1} " + " ".join(f"{k}={v!r}" for k, v in i.items() if k != "StudyInstanceUID")
                             for n, i in enumerate(world.items)))
    for m in explained:
        evidence.add("#", f"explained by a declared deviation ({', '.join(m.rules())}): {m}")
    assert not broken, (f"{len(broken)} worklist answer(s) the text does not allow (PS3.4 K.2.2, Table K.6-1), e.g. "
                        + " | ".join(f"{m} [rule: {', '.join(m.rules())}]" for m in broken[:3]))
