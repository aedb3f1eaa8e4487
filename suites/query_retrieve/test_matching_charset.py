"""PS3.4 C.2.2.2: differential C-FIND matching of non-ASCII values across character sets. Six studies are stored,
their Patient's Name and Accession Number holding letters outside the default repertoire, each study in ISO_IR 100
(Latin-1) or ISO_IR 192 (UTF-8); Study Root STUDY queries in either character set (the request's Specific Character
Set drawn among those that can write the key) are compared with the reference model (dicom_harness.testing.
matching_model, judge_entity_encoded): a key matches by its characters, whatever the two encodings; Patient's Name
may also ignore case and accents (C.2.2.2.1.1), Accession Number may not (C.2.2.2.1).

Deterministic, as the other differential tests: the queries come from the run's --seed."""

from __future__ import annotations

from dataclasses import dataclass, field

from dicom_harness.testing import Status, describe, differential, matching_model, requirement, seed_instances

from .conftest import query

KEYS = {"PatientName": "PN", "AccessionNumber": "SH"}       # Required Keys at the STUDY level (Table C.6-5)
CHARSETS = ("ISO_IR 100", "ISO_IR 192")
CHARSET = differential.CHARSET_KEY
# (Patient's Name, Accession Number, the study's Specific Character Set)
STUDIES = (("DH^MÜLLER", "ÄN1", "ISO_IR 100"), ("DH^MÜLLER", "ÄN1", "ISO_IR 192"), ("DH^MULLER", "AN1", "ISO_IR 100"),
           ("DH^Müller", "äN1", "ISO_IR 192"), ("DH^ŁUKASZ", "ŁN2", "ISO_IR 192"), ("DH^JOSÉ^ÅSA", "", "ISO_IR 100"))


@dataclass
class CharsetWorld:
    run: str
    studies: list[dict[str, str]] = field(default_factory=list)     # keyword -> stored value, and its charset

    @property
    def uids(self) -> list[str]:
        return [s["StudyInstanceUID"] for s in self.studies]


def _build(factory) -> tuple[CharsetWorld, list]:
    world, instances = CharsetWorld(factory.run_id), []
    for index, (name, accession, charset) in enumerate(STUDIES):
        study = factory.study(("DH^PLACEHOLDER", f"DH-{factory.run_id}-CS{index}"))
        instance = factory.make("SC", study=study)
        # written in the study's own character set when the instance goes on the wire
        instance.SpecificCharacterSet = charset
        instance.PatientName, instance.AccessionNumber = name, accession
        world.studies.append({"PatientName": name, "AccessionNumber": accession, CHARSET: charset,
                              "StudyInstanceUID": str(study.StudyInstanceUID)})
        instances.append(instance)
    return world, instances


_WORLDS: dict[int, CharsetWorld] = {}


def _world(target, factory) -> CharsetWorld:
    if id(factory) not in _WORLDS:
        world, instances = _build(factory)
        seed_instances(target, instances, "seeding the character set matching studies")
        _WORLDS[id(factory)] = world
    return _WORLDS[id(factory)]


def explicit_queries(world: CharsetWorld) -> list[dict[str, str]]:
    """Each stored value as an exact key, in every character set that can write it."""
    found = []
    for keyword in KEYS:
        for value in sorted({s[keyword] for s in world.studies} - {""}):
            found += [{keyword: value, CHARSET: c} for c in CHARSETS if differential.encodes(c, [value])]
    return found


class Differential(differential.Differential):
    """Study Root STUDY C-FINDs scoped by the list of the seeded studies' UIDs, in the drawn character set."""

    def __init__(self, qr, world: CharsetWorld):
        super().__init__(world.studies)
        self.qr, self.world = qr, world

    def ask(self, keys: dict[str, str]) -> set[str]:
        result = self.qr.find("study_root", query("STUDY", StudyInstanceUID=self.world.uids, **keys))
        assert result.final_status == Status.SUCCESS, (
            f"query {keys}: expected the C-FIND to end with Success, observed {describe(result.final_status)} "
            "(PS3.4 C.2.2.1.2: C-FIND SCPs shall support matching of all Required Keys)")
        return {str(i.get("StudyInstanceUID", "")) for i in result.identifiers}

    def judge(self, keys: dict[str, str], index: int):
        typed = {"StudyInstanceUID": ("UI", "\\".join(self.world.uids))}
        typed.update({k: (KEYS[k], v) for k, v in keys.items() if k != CHARSET})
        stored = self.world.studies[index]
        return matching_model.judge_entity_encoded(typed, stored, request_charset=keys.get(CHARSET, ""),
                                                   stored_charset=stored[CHARSET])

    def reduced(self, mismatch):
        """Drop matching keys one at a time, never the character set (the keys are written in it)."""
        keys = dict(mismatch.keys)
        for keyword in [k for k in keys if k != CHARSET]:
            if len(keys) <= 2:
                break
            fewer = {k: v for k, v in keys.items() if k != keyword}
            same = [m for m in self.mismatches(fewer) if m.entity == mismatch.entity]
            if same:
                keys, mismatch = fewer, same[0]
        return mismatch


@requirement("QR-MATCH-CHARSET")
def test_non_ascii_keys_match_across_character_sets(qr, target, dataset_factory, evidence):
    """Set and forty drawn Study Root STUDY queries on Patient's Name and Accession Number, in ISO_IR 100 or ISO_IR
    192, over six studies stored in one or the other: a key matches the studies holding its characters (PS3.4
    C.2.2.2: Specific Character Set says how the Identifier is encoded; C.2.2.2.1), whatever the two encodings."""
    qr.model("study_root", "C-FIND")                      # NOT CLAIMED before anything is stored
    world = _world(target, dataset_factory)
    strategy = differential.drawn_encoded_keys(world.studies, KEYS, CHARSETS, world.run)
    outcome = differential.run(Differential(qr, world), strategy, explicit_queries(world), dataset_factory.seed,
                               target.deviations)
    outcome.record(evidence, outcome.summary(), broken=True)
    assert not outcome.broken, (f"{len(outcome.broken)} C-FIND answer(s) the text does not allow (PS3.4 C.2.2.2), "
                                f"e.g. {outcome.examples()}")
