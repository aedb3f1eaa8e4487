"""PS3.18 8.3.4.1.1 and 10.6.2: differential QIDO-RS matching. Hypothesis draws /studies searches over a small
seeded set of studies stored by STOW-RS; the target's answers are compared, study by study, with the reference
model of C-FIND matching (dicom_harness.testing.matching_model, PS3.4 C.2.2.1-C.2.2.3), since "The matching
semantics for each attribute are determined by the types of matching allowed by C-FIND" (8.3.4.1.1).

For each study the model says whether the text requires a match, forbids one, or leaves it to the
implementation (PN case and accents, PN wild cards, reduced-precision times, a key the origin server does not
support: "The origin server shall ignore any unsupported Query Parameters", 8.3). No fuzzymatching parameter is
sent, so "its value is "false"" (8.3.4.2) and Person Names are matched literally, as the model says.

Deterministic: the studies and the searches come from the run's --seed; hypothesis neither stores nor shrinks
examples; a mismatch is reduced here by dropping keys one at a time. A reduced mismatch whose rules are all
declared deviations of the target is written to the evidence as explained; so is one that disappears when the
values are sent with a literal '^' where the target declares it does not percent-decode
(QIDO-PERCENT-ENCODED-VALUES). Any other fails the test."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from dicom_harness.testing import NotClaimed, json_value, matching_model, requirement

DIFFERENTIAL = settings(max_examples=40, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
                        suppress_health_check=list(HealthCheck), print_blob=False, derandomize=False)

STUDIES = 6
# The All Studies resource's keys: keyword -> (VR, required). Required: PS3.18 Table 10.6.1-5 (Study level);
# Study Description is not in it, so an origin server may ignore it (8.3).
KEYS = {"PatientName": ("PN", True), "PatientID": ("LO", True), "StudyDate": ("DA", True),
        "StudyTime": ("TM", True), "AccessionNumber": ("SH", True), "StudyID": ("SH", True),
        "ReferringPhysicianName": ("PN", True), "ModalitiesInStudy": ("CS", True),
        "StudyDescription": ("LO", False)}
STRING_OPERATIONS = ("exact", "exact", "universal", "lone star", "prefix star", "star suffix", "inner star",
                     "question", "question extra", "drop last", "other case")
# Characters a query value can carry literally (RFC 3986 unreserved and PS3.18 8.3.1 qp-special): anything else
# is sent percent-encoded.
LITERAL = re.compile(r"[A-Za-z0-9\-._~*?!$'();:@/]*")


@dataclass
class World:
    """Six studies of four patients (one or two series each), values drawn from small pools so keys cross-match;
    a value that carries the run ID carries it in the same place, so which study a key matches does not
    depend on it. No value holds a space, ',' or '&': only '^' in names needs percent-encoding."""
    run: str
    studies: list[dict[str, str]] = field(default_factory=list)      # keyword -> stored value ('' unknown)

    @property
    def uids(self) -> list[str]:
        return [s["StudyInstanceUID"] for s in self.studies]


def build_world(factory) -> tuple[World, list]:
    run, rng = factory.run_id, random.Random(f"qido-differential/{factory.seed}")
    world = World(run)
    patients = [(name, f"DH-{run}-{suffix}") for name, suffix in (
        ("DH^GAMMA", "WDA"), ("DH^GAMMAB", "WDAB"), ("DH^GAMMA^X", "WDB"), ("DH^DELTA", "WEA"))]
    # (Patient IDs apart from every other suite's: the DIMSE suites' 'DH-<run>-Q?' must not reach these studies,
    # which the simulators' one store shares with them.)
    owners = [0, 0, 1, 2, 3, 3]
    instances = []
    for index in range(STUDIES):
        study = factory.study(patients[owners[index]])
        study.StudyDate = rng.choice(["20230115", "20230116", "20230301", "20231231", "20240229"])
        study.StudyTime = rng.choice(["000000", "083000", "083059", "120000", "235959", "093015"])
        study.AccessionNumber = rng.choice(["", f"W{run}A", f"W{run}AB", f"W{run}B", f"w{run}a"])
        study.StudyID = rng.choice(["", "1", "12", "2", "S1"])
        study.ReferringPhysicianName = rng.choice(["", "DR^WHO", "DR^WHOM", "dr^who"])
        study.StudyDescription = rng.choice(["", "HEAD", "HEADNECK", "head"])
        kinds = rng.sample(["CT", "MR", "SC"], rng.choice([1, 2]))
        instances.extend(factory.make(kind, study=study) for kind in kinds)
        stored = {k: str(study.get(k, "")) for k in (*KEYS, "StudyInstanceUID") if k != "ModalitiesInStudy"}
        stored["ModalitiesInStudy"] = "\\".join(sorted(str(i.Modality) for i in instances[-len(kinds):]))
        world.studies.append(stored)
    return world, instances


# -- drawing searches -----------------------------------------------------------------------------------------
def _string_key(draw, base: str, run: str) -> str:
    operation = draw(st.sampled_from(STRING_OPERATIONS))
    where = draw(st.integers(0, 63))
    if operation == "universal":
        return ""
    if operation == "lone star" or not base:
        return "*" if operation != "exact" else "NONE"
    base = base.split("\\")[where % len(base.split("\\"))]     # one value of a multi-valued attribute
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


def searches(world: World):
    dates = sorted({s["StudyDate"] for s in world.studies})
    times = sorted({s["StudyTime"] for s in world.studies})

    @st.composite
    def draw_search(draw) -> dict[str, str]:
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

    return draw_search()


def explicit_searches(world: World) -> list[dict[str, str]]:
    """One search per kind of matching, tried before the drawn ones, so each kind is exercised whatever the draw."""
    studies = world.studies
    accession = next(s["AccessionNumber"] for s in studies if s["AccessionNumber"])
    pid = studies[0]["PatientID"]
    dates = sorted({s["StudyDate"] for s in studies})
    times = sorted({s["StudyTime"] for s in studies})
    return [
        {},                                                               # the scope alone: the UID list
        {"AccessionNumber": ""},                                          # universal, over unknown values too
        {"AccessionNumber": accession},                                   # single value (and unknown values)
        {"AccessionNumber": accession[0].swapcase() + "*"},               # '*' is case-sensitive outside PN
        {"PatientID": pid[:-1] + "?"},                                    # '?': exactly one character
        {"PatientID": pid + "?"},                                         # ... not none
        {"PatientName": studies[0]["PatientName"]},                       # PN single value ('^' percent-encoded)
        {"ModalitiesInStudy": "MR"},                                      # one of several values (C.2.2.3)
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
        missed) those of every key, since any of them may be the one it failed."""
        judged = {k: j for k, j in self.judgement.keys.items() if k in self.keys or not self.keys}
        wanted = (matching_model.MUST_NOT,) if self.matched else (matching_model.MUST, matching_model.MAY,
                                                                 matching_model.MUST_NOT)
        return list(dict.fromkeys(j.rule for j in judged.values() if j.verdict in wanted))

    def __str__(self) -> str:
        shown = ", ".join(f"{k}={v!r}" for k, v in self.keys.items())
        answer = "matched" if self.matched else "did not match"
        why = "; ".join(f"{k}: {j}" for k, j in self.judgement.keys.items() if k in self.keys or not self.keys)
        return (f"search {{{shown}}}: study #{self.study + 1} {answer}, but the text says it "
                f"{self.judgement.verdict} ({why})")


class Differential:
    def __init__(self, dicomweb, world: World):
        self.dicomweb, self.world = dicomweb, world
        self._answers: dict[tuple, set[str]] = {}
        self.searches = 0

    def answer(self, keys: dict[str, str], literal: bool = False) -> set[str]:
        """The seeded studies the target returns: GET /studies scoped by the list of their UIDs. literal: the
        values sent as they are (a '^' not percent-encoded)."""
        cache_key = (literal, *sorted(keys.items()))
        if cache_key not in self._answers:
            pairs = [("StudyInstanceUID", self.world.uids), *keys.items()]
            if literal:
                query = "&".join(f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in pairs)
                results = self.dicomweb.search_json("/studies", query)
            else:
                results = self.dicomweb.search_json("/studies", pairs)
            self.searches += 1
            found = {str(json_value(r, "StudyInstanceUID", "")) for r in results}
            strays = found - set(self.world.uids)
            assert not strays, (f"search {keys}: studies outside the UID list came back: {sorted(strays)} "
                                "(PS3.18 8.3.4.1.1; PS3.4 C.2.2.2.2, list of UID matching)")
            self._answers[cache_key] = found
        return self._answers[cache_key]

    def judge(self, keys: dict[str, str], study: int) -> matching_model.EntityJudgement:
        typed = {"StudyInstanceUID": ("UI", "\\".join(self.world.uids))}
        typed.update({k: (KEYS[k][0], v) for k, v in keys.items()})
        optional = [k for k in keys if not KEYS[k][1]]
        return matching_model.judge_entity(typed, self.world.studies[study], optional=optional, matched_on=())

    def mismatches(self, keys: dict[str, str], literal: bool = False) -> list[Mismatch]:
        found = self.answer(keys, literal)
        wrong = []
        for index, study in enumerate(self.world.studies):
            judgement = self.judge(keys, index)
            matched = study["StudyInstanceUID"] in found
            if not matching_model.allows(judgement, matched):
                wrong.append(Mismatch(keys, index, matched, judgement))
        return wrong

    def reduced(self, mismatch: Mismatch) -> Mismatch:
        """The fewest keys (dropped one at a time, one search each) that still show a mismatch for the study."""
        keys = dict(mismatch.keys)
        for keyword in list(keys):
            if len(keys) == 1:
                break
            fewer = {k: v for k, v in keys.items() if k != keyword}
            same = [m for m in self.mismatches(fewer) if m.study == mismatch.study]
            if same:
                keys, mismatch = fewer, same[0]
        return mismatch

    def gone_when_literal(self, mismatch: Mismatch) -> bool:
        """Whether the mismatch disappears when the values that need percent-encoding are sent literally."""
        if all(LITERAL.fullmatch(v) for v in mismatch.keys.values()):
            return False
        return not [m for m in self.mismatches(mismatch.keys, literal=True) if m.study == mismatch.study]


@requirement("QIDO-MATCH-DIFFERENTIAL")
def test_search_matching_agrees_with_the_model(dicomweb, claims, target, dataset_factory, evidence):
    """Ten set and forty drawn /studies searches (single value, wild card, range, universal, multi-valued keys)
    over six studies stored by STOW-RS; C-FIND's matching (PS3.18 8.3.4.1.1) says which each must, must not or
    may return: the target must agree."""
    if not claims.offers("stow"):
        raise NotClaimed("the differential search stores its studies by STOW-RS, which the target does not claim")
    world, instances = build_world(dataset_factory)
    for ds in instances:                 # one instance a request: a store fault that loses later parts stays apart
        response = dicomweb.store([ds])
        assert response.status_code == 200, (
            f"setup: STOW-RS of one instance answered {response.status_code}, not 200 (PS3.18 10.5.3.1)")
    differential = Differential(dicomweb, world)
    found: list[Mismatch] = []

    def compare(keys):
        found.extend(differential.mismatches(keys))

    run = given(searches(world))(compare)
    for keys in reversed(explicit_searches(world)):
        run = example(keys)(run)
    seed(dataset_factory.seed)(DIFFERENTIAL(run))()
    reduced = list({str(m): m for m in (differential.reduced(m) for m in found)}.values())
    declared = set(target.deviations)
    explained, broken = [], []
    for m in reduced:
        if set(m.rules()) <= declared:
            explained.append((m, ", ".join(m.rules())))
        elif "QIDO-PERCENT-ENCODED-VALUES" in declared and differential.gone_when_literal(m):
            explained.append((m, "QIDO-PERCENT-ENCODED-VALUES: allowed when its '^' is sent literally"))
        else:
            broken.append(m)
    evidence.add("#", f"hypothesis seed {dataset_factory.seed}: {len(explicit_searches(world))} explicit searches "
                 f"and {DIFFERENTIAL.max_examples} drawn, {differential.searches} sent, {len(found)} study "
                 "answer(s) outside what the text allows")
    for m, why in explained:
        evidence.add("#", f"explained by a declared deviation ({why}): {m}")
    for m in broken:
        evidence.add("#", f"not allowed [rule: {', '.join(m.rules())}]: {m}")
    assert not broken, (f"{len(broken)} search answer(s) the text does not allow (PS3.18 8.3.4.1.1, C-FIND's "
                        "matching: PS3.4 C.2.2), e.g. "
                        + " | ".join(f"{m} [rule: {', '.join(m.rules())}]" for m in broken[:3]))
