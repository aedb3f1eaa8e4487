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
