"""PS3.4 C.3, C.4.1.3 and C.6: the Patient Root and Study Root information models, level by level, and
relational queries where claimed. Each query names the seeded entities' unique keys and expects exactly them."""

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


@requirement("QR-FIND-RELATIONAL")
def test_relational_series_query_without_study_uid(qr, claims, world):
    """C-FIND (Study Root) at SERIES level by Patient ID and Modality, with no Study Instance UID; an SCP
    offering relational queries (PS3.4 C.4.1.3.2) matches keys of any level."""
    if not claims.query_retrieve.relational:
        raise NotClaimed("the target does not claim relational queries")
    result = qr.find("study_root", query("SERIES", PatientID=world.pid("A"), Modality="CR", SeriesInstanceUID=""))
    assert_matches(result, "SeriesInstanceUID", {world.series_uid("A2-CR")}, "relational SERIES query")
