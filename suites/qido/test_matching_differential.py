"""PS3.18 8.3.4.1.1 and 10.6.2: differential QIDO-RS matching. Hypothesis draws /studies searches over a small
seeded set of studies stored by STOW-RS; the target's answers are compared, study by study, with the reference
model of C-FIND matching (dicom_harness.testing.matching_model, PS3.4 C.2.2.1-C.2.2.3), since "The matching
semantics for each attribute are determined by the types of matching allowed by C-FIND" (8.3.4.1.1).

For each study the model says whether the text requires a match, forbids one, or leaves it to the
implementation (PN case and accents, PN wild cards, reduced-precision times, a key the origin server does not
support: "The origin server shall ignore any unsupported Query Parameters", 8.3). No fuzzymatching parameter is
sent, so "its value is "false"" (8.3.4.2) and Person Names are matched literally, as the model says.

Deterministic: the studies and the searches come from the run's --seed; hypothesis neither stores nor shrinks
examples; a mismatch is reduced by dropping keys one at a time (the shared machinery of the differential tests:
dicom_harness.testing.differential). A reduced mismatch whose rules are all declared deviations of the target
is written to the evidence as explained; so is one that disappears when the values are sent with a literal '^'
where the target declares it does not percent-decode (QIDO-PERCENT-ENCODED-VALUES). Any other fails the test."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from dicom_harness.testing import NotClaimed, differential, json_value, requirement

STUDIES = 6
# The All Studies resource's keys: keyword -> (VR, required). Required: PS3.18 Table 10.6.1-5 (Study level);
# Study Description is not in it, so an origin server may ignore it (8.3).
KEYS = {"PatientName": ("PN", True), "PatientID": ("LO", True), "StudyDate": ("DA", True),
        "StudyTime": ("TM", True), "AccessionNumber": ("SH", True), "StudyID": ("SH", True),
        "ReferringPhysicianName": ("PN", True), "ModalitiesInStudy": ("CS", True),
        "StudyDescription": ("LO", False)}
VRS = {k: vr for k, (vr, _) in KEYS.items()}
OPTIONAL = [k for k, (_, required) in KEYS.items() if not required]
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


# -- searches ---------------------------------------------------------------------------------------------------
def searches(world: World):
    """Drawn searches: one to three keys of the All Studies resource, their values from the seeded studies'."""
    return differential.drawn_keys(world.studies, VRS, world.run)


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


# -- asking -----------------------------------------------------------------------------------------------------
class Mismatch(differential.Mismatch):
    asked = "search"


class Differential(differential.Differential):
    """/studies searches scoped by the list of the seeded studies' UIDs."""
    mismatch = Mismatch

    def __init__(self, dicomweb, world: World):
        super().__init__(world.studies)
        self.dicomweb, self.world = dicomweb, world

    def ask(self, keys: dict[str, str], literal: bool = False) -> set[str]:
        """The seeded studies the target returns: GET /studies scoped by the list of their UIDs. literal: the
        values sent as they are (a '^' not percent-encoded)."""
        pairs = [("StudyInstanceUID", self.world.uids), *keys.items()]
        if literal:
            query = "&".join(f"{k}={','.join(v) if isinstance(v, list) else v}" for k, v in pairs)
            results = self.dicomweb.search_json("/studies", query)
        else:
            results = self.dicomweb.search_json("/studies", pairs)
        found = {str(json_value(r, "StudyInstanceUID", "")) for r in results}
        strays = found - set(self.world.uids)
        assert not strays, (f"search {keys}: studies outside the UID list came back: {sorted(strays)} "
                            "(PS3.18 8.3.4.1.1; PS3.4 C.2.2.2.2, list of UID matching)")
        return found

    def judge(self, keys: dict[str, str], index: int):
        return differential.judge_scoped(keys, self.world.studies[index], self.world.uids, VRS, optional=OPTIONAL)

    def gone_when_literal(self, mismatch: Mismatch) -> bool:
        """Whether the mismatch disappears when the values that need percent-encoding are sent literally."""
        if all(LITERAL.fullmatch(v) for v in mismatch.keys.values()):
            return False
        return not [m for m in self.mismatches(mismatch.keys, literal=True) if m.entity == mismatch.entity]


def literally(searching: Differential, target):
    """The explanation of a mismatch that disappears when its values go unencoded, where the target declares it
    does not percent-decode (QIDO-PERCENT-ENCODED-VALUES)."""
    def explain(m: Mismatch) -> str | None:
        if "QIDO-PERCENT-ENCODED-VALUES" in target.deviations and searching.gone_when_literal(m):
            return "QIDO-PERCENT-ENCODED-VALUES: allowed when its '^' is sent literally"
        return None
    return explain


def stored_world(dicomweb, dataset_factory) -> World:
    """The seeded studies, stored by STOW-RS one instance a request (a store fault that loses later parts stays
    apart)."""
    world, instances = build_world(dataset_factory)
    for ds in instances:
        response = dicomweb.store([ds])
        assert response.status_code == 200, (
            f"setup: STOW-RS of one instance answered {response.status_code}, not 200 (PS3.18 10.5.3.1)")
    return world


@requirement("QIDO-MATCH-DIFFERENTIAL")
def test_search_matching_agrees_with_the_model(dicomweb, claims, target, dataset_factory, evidence):
    """Ten set and forty drawn /studies searches (single value, wild card, range, universal, multi-valued keys)
    over six studies stored by STOW-RS; C-FIND's matching (PS3.18 8.3.4.1.1) says which each must, must not or
    may return: the target must agree."""
    if not claims.offers("stow"):
        raise NotClaimed("the differential search stores its studies by STOW-RS, which the target does not claim")
    world = stored_world(dicomweb, dataset_factory)
    searching = Differential(dicomweb, world)
    outcome = differential.run(searching, searches(world), explicit_searches(world), dataset_factory.seed,
                               target.deviations, explain=literally(searching, target))
    outcome.record(evidence, outcome.summary(asked="searches", sent="sent"), broken=True)
    assert not outcome.broken, (f"{len(outcome.broken)} search answer(s) the text does not allow (PS3.18 8.3.4.1.1, "
                                f"C-FIND's matching: PS3.4 C.2.2), e.g. {outcome.examples()}")


# The Study Level keys of Table 10.6.1-5 QIDO-ATTRIBUTE-MATCHING does not exercise by hand
STUDY_KEYS_OF_TABLE = ("StudyTime", "ModalitiesInStudy", "ReferringPhysicianName", "StudyID")


def study_key_searches(world: World) -> list[dict[str, str]]:
    """A single value search on each stored value of each key (one of several values for Modalities in Study)."""
    searches = []
    for keyword in STUDY_KEYS_OF_TABLE:
        values = sorted({v for s in world.studies for v in s[keyword].split("\\") if v})
        searches += [{keyword: v} for v in values]
    return searches


@requirement("QIDO-MATCH-STUDY-KEYS")
def test_study_level_required_keys_select(dicomweb, claims, target, dataset_factory, evidence):
    """Single value searches on each stored Study Time, Modalities in Study, Referring Physician's Name and Study ID,
    then drawn searches over those keys alone; PS3.18 10.6.1.2.3: "The origin server shall support the matching
    Attributes specified in Table 10.6.1-5", so each selects as C-FIND's matching says (model)."""
    if not claims.offers("stow"):
        raise NotClaimed("the study key searches store their studies by STOW-RS, which the target does not claim")
    world = stored_world(dicomweb, dataset_factory)
    searching = Differential(dicomweb, world)
    drawn = differential.drawn_keys(world.studies, {k: VRS[k] for k in STUDY_KEYS_OF_TABLE}, world.run)
    outcome = differential.run(searching, drawn, study_key_searches(world), dataset_factory.seed, target.deviations,
                               explain=literally(searching, target))
    outcome.record(evidence, outcome.summary(asked="searches", sent="sent"), broken=True)
    assert not outcome.broken, (f"{len(outcome.broken)} search answer(s) on the keys of Table 10.6.1-5 the text "
                                f"does not allow (PS3.18 10.6.1.2.3; PS3.4 C.2.2), e.g. {outcome.examples()}")
