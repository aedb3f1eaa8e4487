"""PS3.4 C.3, C.4.1.3 and C.6: the Patient Root and Study Root information models, level by level, and
relational-queries where claimed (agreed in SOP Class Extended Negotiation first, C.5.1.1). Each query names the seeded entities' unique keys and expects exactly them."""

import pytest

from dicom_harness.testing import NotClaimed, requirement

from .conftest import UNIQUE_KEY, assert_matches, query


def _patient_root_case(world, level):
    a, study, series = world.pid("A"), world.study_uid("A1"), world.series_uid("A1-CT")
    return {
        "PATIENT": (query("PATIENT", PatientID=a, PatientName=""), {a}),
        "STUDY": (query("STUDY", PatientID=a, StudyInstanceUID=""), {world.study_uid("A1"), world.study_uid("A2")}),
        "SERIES": (query("SERIES", PatientID=a, StudyInstanceUID=study, SeriesInstanceUID="", Modality=""),
                   {world.series_uid("A1-CT"), world.series_uid("A1-SC")}),
        "IMAGE": (query("IMAGE", PatientID=a, StudyInstanceUID=study, SeriesInstanceUID=series, SOPInstanceUID=""),
                  world.sop_uids("A1-CT")),
    }[level]


def _study_root_case(world, level):
    study, series = world.study_uid("A2"), world.series_uid("A2-KO")
    return {
        "STUDY": (query("STUDY", PatientID=world.pid("A"), StudyInstanceUID=""),
                  {world.study_uid("A1"), world.study_uid("A2")}),
        "SERIES": (query("SERIES", StudyInstanceUID=study, SeriesInstanceUID="", Modality=""),
                   {world.series_uid("A2-CR"), world.series_uid("A2-KO")}),
        "IMAGE": (query("IMAGE", StudyInstanceUID=study, SeriesInstanceUID=series, SOPInstanceUID=""),
                  world.sop_uids("A2-KO")),
    }[level]


@requirement("QR-FIND-PATIENT-ROOT")
@pytest.mark.parametrize("level", ["PATIENT", "STUDY", "SERIES", "IMAGE"])
def test_patient_root_level(level, qr, world):
    """C-FIND (Patient Root) at each level below seeded unique keys; PS3.4 C.6.1.1 and the hierarchical
    search of C.4.1.3.1.1 require exactly the entities below those keys."""
    identifier, expected = _patient_root_case(world, level)
    result = qr.find("patient_root", identifier)
    assert_matches(result, UNIQUE_KEY[level], expected, f"Patient Root {level} level")


@requirement("QR-FIND-STUDY-ROOT")
@pytest.mark.parametrize("level", ["STUDY", "SERIES", "IMAGE"])
def test_study_root_level(level, qr, world):
    """C-FIND (Study Root) at each level below seeded unique keys; PS3.4 C.6.2.1 requires exactly the
    entities below those keys, with patient attributes as study-level keys."""
    identifier, expected = _study_root_case(world, level)
    result = qr.find("study_root", identifier)
    assert_matches(result, UNIQUE_KEY[level], expected, f"Study Root {level} level")


def _relational_claimed(claims):
    if not claims.query_retrieve.relational:
        raise NotClaimed("the target does not claim relational-queries")


def _agreed(answer) -> bool:
    return bool(answer) and answer[0] == 1


@requirement("QR-FIND-RELATIONAL-NEGOTIATION")
@pytest.mark.parametrize("model", ["patient_root", "study_root"])
def test_relational_queries_are_agreed_in_negotiation(model, qr, claims):
    """Propose relational-queries for the C-FIND model in SOP Class Extended Negotiation: an SCP that supports
    them "shall also support extended negotiation of relational-queries" (PS3.4 C.6.1.2.2.1, C.6.2.2.2.1)."""
    _relational_claimed(claims)
    with qr.relational_session(model) as (_, uid, answer):
        assert _agreed(answer), (
            f"relational-queries proposed for {uid} (byte 1 = 1); the A-ASSOCIATE-AC "
            + ("returned no SOP Class Extended Negotiation sub-item (C.5.1.1: not supported over the association)"
               if answer is None else f"returned byte 1 = {answer[0] if answer else '<empty>'}, turning it down")
            + ", although the profile claims relational-queries")


@requirement("QR-FIND-RELATIONAL")
def test_relational_series_query_without_study_uid(qr, claims, world):
    """With relational-queries agreed for Study Root, C-FIND at SERIES level by Patient ID and Modality and no
    Study Instance UID: the SCP matches keys of every level (PS3.4 C.4.1.3.2.1), so only study A2's CR series."""
    _relational_claimed(claims)
    with qr.relational_session("study_root") as (session, uid, answer):
        if not _agreed(answer):
            raise NotClaimed("relational-queries were turned down in negotiation, so the target does not offer them "
                             "over the association (PS3.4 C.5.1.1); QR-FIND-RELATIONAL-NEGOTIATION judges the claim")
        result = session.find(query("SERIES", PatientID=world.pid("A"), Modality="CR", SeriesInstanceUID=""), uid)
    assert_matches(result, "SeriesInstanceUID", {world.series_uid("A2-CR")}, "relational SERIES query")
