import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_harness.simulators.matching import MatchOptions, matches


def _ds(**keys):
    ds = Dataset()
    for keyword, value in keys.items():
        setattr(ds, keyword, value)
    return ds


CANDIDATE = _ds(PatientName="DOE^JANE", PatientID="P1", StudyDate="20240315", StudyTime="101500",
                StudyInstanceUID="1.2.3", ModalitiesInStudy=["CT", "SR"], AccessionNumber="A7")


@pytest.mark.parametrize("query, expected", [
    ({"PatientID": "P1"}, True),
    ({"PatientID": "P2"}, False),
    ({"PatientID": ""}, True),                                  # universal
    ({"PatientName": "DOE*"}, True), ({"PatientName": "D?E^JANE"}, True), ({"PatientName": "SMITH*"}, False),
    ({"PatientName": "doe^jane"}, False),                       # case-sensitive by default
    ({"StudyInstanceUID": ["9.9", "1.2.3"]}, True), ({"StudyInstanceUID": ["9.9"]}, False),   # UID list
    ({"StudyDate": "20240301-20240331"}, True), ({"StudyDate": "20240316-"}, False),
    ({"StudyDate": "-20240315"}, True), ({"StudyDate": "20240315"}, True),
    ({"StudyTime": "1000-1100"}, True), ({"StudyTime": "1100-"}, False),
    ({"ModalitiesInStudy": "SR"}, True), ({"ModalitiesInStudy": "MR"}, False),
    ({"ReferringPhysicianName": "X*"}, False),                  # absent attribute, non-universal key
    ({"ReferringPhysicianName": ""}, True),
])
def test_matching_kinds(query, expected):
    assert matches(_ds(**query), CANDIDATE) is expected


def test_pn_case_insensitive_option():
    assert matches(_ds(PatientName="doe^jane"), CANDIDATE, MatchOptions(pn_case_insensitive=True))


def test_sequence_matching():
    step = _ds(Modality="CT", ScheduledStationAETitle="CT1", ScheduledProcedureStepStartDate="20240315")
    worklist = _ds(PatientID="P1", ScheduledProcedureStepSequence=Sequence([step]))
    assert matches(_ds(ScheduledProcedureStepSequence=Sequence([_ds(Modality="CT")])), worklist)
    assert not matches(_ds(ScheduledProcedureStepSequence=Sequence([_ds(Modality="MR")])), worklist)
    assert matches(_ds(ScheduledProcedureStepSequence=Sequence([_ds(ScheduledProcedureStepStartDate="20240301-")])), worklist)
    assert matches(_ds(ScheduledProcedureStepSequence=Sequence([Dataset()])), worklist)      # universal item


# PS3.4 C.2.2.1.2 (Query/Retrieve, and QIDO-RS through PS3.18 8.3.4.1.1): an entity whose key is zero length
# or absent has an unknown value, and matching against it succeeds. K.2.2.1.1.1 (Worklist): it fails, except
# for a lone '*' (note 1; C.2.2.2.4 '*' matches a zero length value). The engine's default is the Worklist one.
UNKNOWN = _ds(PatientID="P1", AccessionNumber="", StudyDate="")
QR = MatchOptions(unknown_matches=True)


@pytest.mark.parametrize("query", [{"AccessionNumber": "A7"}, {"AccessionNumber": "A*"}, {"StudyDate": "20240315"},
                                   {"StudyDate": "20240301-20240331"}, {"ReferringPhysicianName": "X*"}])
def test_unknown_value_matches_any_value_for_query_retrieve(query):
    assert matches(_ds(PatientID="P1", **query), UNKNOWN, QR)
    assert not matches(_ds(PatientID="P2", **query), UNKNOWN, QR)      # the other keys still count


@pytest.mark.parametrize("query", [{"AccessionNumber": "A7"}, {"AccessionNumber": "A*"}, {"StudyDate": "20240315"},
                                   {"ReferringPhysicianName": "X*"}])
def test_unknown_value_fails_to_match_for_worklist(query):
    assert not matches(_ds(**query), UNKNOWN)


def test_lone_star_matches_an_unknown_value_everywhere():
    assert matches(_ds(AccessionNumber="*"), UNKNOWN)
    assert matches(_ds(ReferringPhysicianName="*"), UNKNOWN)
    assert matches(_ds(AccessionNumber="*"), UNKNOWN, QR)
