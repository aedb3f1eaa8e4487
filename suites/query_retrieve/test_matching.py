"""PS3.4 C.2.2.2 and C.2.2.3: attribute matching. Study-level C-FINDs (Study Root) scoped to this run's
patients by single-value Patient ID (a wildcard on Patient's Name would be implementation dependent, C.2.2.2.4),
one kind of matching per test, each with a query that must match and one that must not."""


from dicom_harness.testing import NotClaimed, code_item, requirement

from .conftest import assert_matches, merged, one_empty_item, query, sequence_of


def studies(world, *names):
    return {world.study_uid(n) for n in names}


def find_studies(qr, **keys):
    return qr.find("study_root", query("STUDY", StudyInstanceUID="", **keys))


def find_run_studies(qr, world, **keys):
    """The query once per seeded patient (A, B), by single-value Patient ID, the results merged: scoped to this
    run without relying on wildcards, so each test judges one kind of matching."""
    return merged(find_studies(qr, PatientID=world.pid(p), **keys) for p in ("A", "B"))


@requirement("QR-MATCH-SINGLE-VALUE")
def test_single_value_matching(qr, world):
    """Patient ID of patient A matches both its studies; its prefix matches nothing; patient B's Accession
    Number matches its study, in lower case nothing (PS3.4 C.2.2.2.1: exact, case-sensitive outside PN)."""
    assert_matches(find_studies(qr, PatientID=world.pid("A")), "StudyInstanceUID", studies(world, "A1", "A2"),
                   f"PatientID={world.pid('A')}")
    prefix = world.pid("A")[:-1]
    assert_matches(find_studies(qr, PatientID=prefix), "StudyInstanceUID", set(), f"PatientID={prefix} (a prefix)")
    # Patient B's only study has an accession number: no entity with an unknown value is in scope, so the
    # rule for those (C.2.2.1.2, QR-MATCH-UNKNOWN-VALUE) neither adds nor removes a match here.
    accession = str(world.studies["B1"].AccessionNumber)
    assert_matches(find_studies(qr, PatientID=world.pid("B"), AccessionNumber=accession), "StudyInstanceUID",
                   studies(world, "B1"), f"AccessionNumber={accession}")
    assert_matches(find_studies(qr, PatientID=world.pid("B"), AccessionNumber=accession.lower()),
                   "StudyInstanceUID", set(), f"AccessionNumber={accession.lower()} (other case)")


@requirement("QR-MATCH-UNKNOWN-VALUE")
def test_unknown_required_key_matches(qr, world):
    """Study A2 has a zero-length Accession Number (a Required Key, Table C.6-5): PS3.4 C.2.2.1.2 says its
    unknown value matches any Accession Number, so A1's accession matches A1 and A2, another one A2 alone."""
    accession = str(world.studies["A1"].AccessionNumber)
    assert_matches(find_studies(qr, PatientID=world.pid("A"), AccessionNumber=accession), "StudyInstanceUID",
                   studies(world, "A1", "A2"), f"AccessionNumber={accession} (A2 has none)")
    other = f"NOPE{world.run}"
    assert_matches(find_studies(qr, PatientID=world.pid("A"), AccessionNumber=other), "StudyInstanceUID",
                   studies(world, "A2"), f"AccessionNumber={other} (A2 has none)")


@requirement("QR-MATCH-UNIVERSAL")
def test_universal_matching(qr, world):
    """A zero-length Accession Number matches both studies of patient A, one of which has none (PS3.4
    C.2.2.2.3), and the known accession number comes back."""
    result = find_studies(qr, PatientID=world.pid("A"), AccessionNumber="")
    assert_matches(result, "StudyInstanceUID", studies(world, "A1", "A2"), "AccessionNumber zero length")
    a1 = [i for i in result.identifiers if i.StudyInstanceUID == world.study_uid("A1")][0]
    assert a1.get("AccessionNumber") == world.studies["A1"].AccessionNumber, (
        f"AccessionNumber of study A1: expected {world.studies['A1'].AccessionNumber!r}, "
        f"observed {a1.get('AccessionNumber')!r}")


@requirement("QR-MATCH-WILDCARD-STAR")
def test_wildcard_star(qr, world):
    """'*' at the end of Patient ID (LO) matches this run's patients; 'QRA*' also matches 'QRA' itself ('*'
    may match nothing), PS3.4 C.2.2.2.4. Not Patient's Name: for PN, Wild Card Matching is implementation
    dependent."""
    every = studies(world, "A1", "A2", "B1")
    assert_matches(find_studies(qr, PatientID=world.id_prefix + "*"), "StudyInstanceUID", every,
                   f"PatientID={world.id_prefix}*")
    assert_matches(find_studies(qr, PatientID=world.pid("A") + "*"), "StudyInstanceUID", studies(world, "A1", "A2"),
                   f"PatientID={world.pid('A')}*")


@requirement("QR-MATCH-WILDCARD-QUESTION")
def test_wildcard_question_mark(qr, world):
    """'?' stands for exactly one character: 'QR?' matches patients QRA and QRB, 'Q?' matches nothing
    (PS3.4 C.2.2.2.4)."""
    assert_matches(find_studies(qr, PatientID=world.id_prefix + "?"), "StudyInstanceUID",
                   studies(world, "A1", "A2", "B1"), f"PatientID={world.id_prefix}?")
    shorter = world.id_prefix[:-1] + "?"
    assert_matches(find_studies(qr, PatientID=shorter), "StudyInstanceUID", set(), f"PatientID={shorter}")


@requirement("QR-MATCH-UID-LIST")
def test_list_of_uids(qr, world):
    """Study Instance UID holding two UIDs (A1 and B1, of different patients) matches both studies
    (PS3.4 C.2.2.2.2)."""
    wanted = [world.study_uid("A1"), world.study_uid("B1")]
    result = qr.find("study_root", query("STUDY", StudyInstanceUID=wanted))
    assert_matches(result, "StudyInstanceUID", set(wanted), "StudyInstanceUID list of two")


@requirement("QR-MATCH-DATE-RANGE")
def test_closed_date_range(qr, world):
    """Study Date 20240110-20240220 matches the studies dated on both ends, not the one after (PS3.4
    C.2.2.2.5.1 a)."""
    result = find_run_studies(qr, world, StudyDate="20240110-20240220")
    assert_matches(result, "StudyInstanceUID", studies(world, "A1", "A2"), "StudyDate=20240110-20240220")


@requirement("QR-MATCH-OPEN-DATE-RANGE")
def test_open_date_ranges(qr, world):
    """Study Date '20240220-' matches that day and later; '-20240110' that day and earlier (PS3.4
    C.2.2.2.5.1 b, c)."""
    assert_matches(find_run_studies(qr, world, StudyDate="20240220-"),
                   "StudyInstanceUID", studies(world, "A2", "B1"), "StudyDate=20240220-")
    assert_matches(find_run_studies(qr, world, StudyDate="-20240110"),
                   "StudyInstanceUID", studies(world, "A1"), "StudyDate=-20240110")


@requirement("QR-MATCH-TIME-RANGE")
def test_time_ranges(qr, world):
    """Study Time 0900-1000, '1200-' and '-1100' against studies at 09:30, 14:30 and 11:00 (PS3.4
    C.2.2.2.5.2: by meaning, both ends included)."""
    for keyed, expected in (("0900-1000", ("A1",)), ("1200-", ("A2",)), ("-1100", ("A1", "B1"))):
        result = find_run_studies(qr, world, StudyTime=keyed)
        assert_matches(result, "StudyInstanceUID", studies(world, *expected), f"StudyTime={keyed}")


@requirement("QR-MATCH-SEQUENCE")
def test_sequence_matching(qr, claims, world):
    """IMAGE-level C-FIND (Patient Root) in a series of two key objects by Concept Name Code Sequence
    (113000, DCM): only the matching one, with the matching item returned (PS3.4 C.2.2.2.6)."""
    if "ConceptNameCodeSequence" not in claims.query_retrieve.optional_keys:
        raise NotClaimed("the target does not claim matching on Concept Name Code Sequence")
    identifier = query("IMAGE", PatientID=world.pid("A"), StudyInstanceUID=world.study_uid("A2"),
                       SeriesInstanceUID=world.series_uid("A2-KO"), SOPInstanceUID="",
                       ConceptNameCodeSequence=sequence_of(code_item("113000")))
    result = qr.find("patient_root", identifier)
    wanted = str(world.series["A2-KO"][0].SOPInstanceUID)
    assert_matches(result, "SOPInstanceUID", {wanted}, "ConceptNameCodeSequence CodeValue=113000")
    returned = result.identifiers[0].get("ConceptNameCodeSequence")
    codes = [str(item.get("CodeValue", "")) for item in (returned or [])]
    assert codes == ["113000"], f"returned Concept Name Code Sequence: expected one item 113000, observed {codes}"



@requirement("QR-MATCH-SEQUENCE-EMPTY-ITEM")
def test_sequence_key_with_empty_item_matches_all(qr, world):
    """IMAGE-level C-FINDs (Patient Root) per series of study A2, Concept Name Code Sequence one empty item: all
    entities match (PS3.4 C.2.2.2.6), the CR image without that sequence as much as the two key objects."""
    result = merged(qr.find("patient_root", query(
        "IMAGE", PatientID=world.pid("A"), StudyInstanceUID=world.study_uid("A2"),
        SeriesInstanceUID=world.series_uid(series), SOPInstanceUID="", ConceptNameCodeSequence=one_empty_item()))
        for series in ("A2-CR", "A2-KO"))
    assert_matches(result, "SOPInstanceUID", world.sop_uids("A2-CR", "A2-KO"),
                   "ConceptNameCodeSequence with one empty item (the CR image has no such sequence)")

@requirement("QR-MATCH-MULTIPLE-VALUES")
def test_multi_valued_modalities_in_study(qr, claims, world):
    """Modalities in Study 'OT' matches study A1 (CT and OT), not A2, and both values come back
    (PS3.4 C.2.2.3)."""
    if "ModalitiesInStudy" not in claims.query_retrieve.optional_keys:
        raise NotClaimed("the target does not claim matching on Modalities in Study")
    result = find_studies(qr, PatientID=world.pid("A"), ModalitiesInStudy="OT")
    assert_matches(result, "StudyInstanceUID", studies(world, "A1"), "ModalitiesInStudy=OT")
    values = result.identifiers[0].get("ModalitiesInStudy")
    values = sorted([values] if isinstance(values, str) else [str(v) for v in values or []])
    assert values == ["CT", "OT"], f"Modalities in Study of study A1: expected ['CT', 'OT'], observed {values}"


@requirement("QR-MATCH-EVERY-REQUIRED-KEY")
def test_every_required_key_matches(qr, world, claims):
    """Single-value keys on Required Keys the other tests do not match on (Tables C.6-5 to C.6-7, and C.6-1 for
    Patient Root): Study ID and Study Date at STUDY level, Modality and Series Number at SERIES level, Instance
    Number at IMAGE level, Patient's Name at PATIENT level (exact, as stored). Each selects exactly its entities
    (PS3.4 C.2.2.1.2: SCPs "shall support existence and matching of all Required Keys")."""
    a1, a2 = world.study_uid("A1"), world.study_uid("A2")
    series_number = str(world.series["A1-SC"][0].SeriesNumber)
    second_ct = world.series["A1-CT"][1]
    cases = [
        ("study_root", query("STUDY", PatientID=world.pid("A"), StudyID="2", StudyInstanceUID=""),
         "StudyInstanceUID", {a2}, "STUDY StudyID=2"),
        ("study_root", query("STUDY", PatientID=world.pid("A"), StudyDate="20240110", StudyInstanceUID=""),
         "StudyInstanceUID", {a1}, "STUDY StudyDate=20240110"),
        ("study_root", query("SERIES", StudyInstanceUID=a1, Modality="CT", SeriesInstanceUID=""),
         "SeriesInstanceUID", {world.series_uid("A1-CT")}, "SERIES Modality=CT"),
        ("study_root", query("SERIES", StudyInstanceUID=a1, SeriesNumber=series_number, SeriesInstanceUID=""),
         "SeriesInstanceUID", {world.series_uid("A1-SC")}, f"SERIES SeriesNumber={series_number}"),
        ("study_root", query("IMAGE", StudyInstanceUID=a1, SeriesInstanceUID=world.series_uid("A1-CT"),
                             InstanceNumber=str(second_ct.InstanceNumber), SOPInstanceUID=""),
         "SOPInstanceUID", {str(second_ct.SOPInstanceUID)}, f"IMAGE InstanceNumber={second_ct.InstanceNumber}"),
    ]
    if claims.query_retrieve.offers_model("patient_root"):
        cases.append(("patient_root", query("PATIENT", PatientName=world.name("A"), PatientID=""), "PatientID",
                      {world.pid("A")}, f"PATIENT PatientName={world.name('A')}"))
    for model, identifier, keyword, expected, what in cases:
        assert_matches(qr.find(model, identifier), keyword, expected, what)


@requirement("QR-MATCH-PN-LITERAL")
def test_person_name_literal_matching(qr, world, claims, evidence):
    """Patient Root PATIENT C-FIND by Patient's Name without wild cards: patient A's exact name finds patient A; the
    name in lower case may find it or not (PS3.4 C.2.2.2.1.1: literal PN matching may be insensitive to case,
    position, accent); the part of the name both patients' names begin with, a different name, finds neither."""
    if not claims.query_retrieve.offers_model("patient_root"):
        raise NotClaimed("the target does not claim the Patient Root information model")
    name = world.name("A")

    def patients(key: str):
        return qr.find("patient_root", query("PATIENT", PatientName=key, PatientID=""))

    assert_matches(patients(name), "PatientID", {world.pid("A")}, f"PatientName={name}")
    lower = patients(name.lower())
    found = {str(i.get("PatientID", "")) for i in lower.identifiers}
    evidence.add("#", f"PatientName={name.lower()} (case variant) found {sorted(found) or 'nothing'}: either is allowed")
    common = name[:-1]         # 'DH^QR<run>': both names begin with it, it equals neither
    assert_matches(patients(common), "PatientID", set(), f"PatientName={common} (not a variant of either name)")
