import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import build_context
from pynetdicom.sop_class import ModalityPerformedProcedureStep, ModalityPerformedProcedureStepRetrieve

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.shared.status import describe

MPPS = ModalityPerformedProcedureStep
MPPS_RETRIEVE = ModalityPerformedProcedureStepRetrieve


def in_progress(factory: DatasetFactory, status: str = "IN PROGRESS") -> Dataset:
    """N-CREATE attributes of PS3.4 Table F.7.2-1 (Type 1 with values, Type 2 present, final-state ones empty)."""
    name, pid = factory.patient()
    scheduled = Dataset()
    scheduled.StudyInstanceUID = factory.uid()
    scheduled.ReferencedStudySequence = Sequence()
    scheduled.AccessionNumber = ""
    scheduled.RequestedProcedureID = ""
    scheduled.RequestedProcedureDescription = ""
    scheduled.ScheduledProcedureStepID = ""
    scheduled.ScheduledProcedureStepDescription = ""
    scheduled.ScheduledProtocolCodeSequence = Sequence()
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ScheduledStepAttributesSequence = Sequence([scheduled])
    ds.PatientName = name
    ds.PatientID = pid
    ds.PatientBirthDate = ""
    ds.PatientSex = ""
    ds.ReferencedPatientSequence = Sequence()
    ds.PerformedProcedureStepID = "PPS1"
    ds.PerformedStationAETitle = "DH_MODALITY"
    ds.PerformedStationName = ""
    ds.PerformedLocation = ""
    ds.PerformedProcedureStepStartDate = "20240315"
    ds.PerformedProcedureStepStartTime = "090000"
    ds.PerformedProcedureStepStatus = status
    ds.PerformedProcedureStepDescription = ""
    ds.PerformedProcedureTypeDescription = ""
    ds.ProcedureCodeSequence = Sequence()
    ds.PerformedProcedureStepEndDate = ""
    ds.PerformedProcedureStepEndTime = ""
    ds.Modality = "CT"
    ds.StudyID = ""
    ds.PerformedProtocolCodeSequence = Sequence()
    ds.PerformedSeriesSequence = Sequence()
    return ds


def final(factory: DatasetFactory, status: str) -> Dataset:
    """An N-SET to a final state with the Final State attributes of Table F.7.2-1 (one series, one image)."""
    image = Dataset()
    image.ReferencedSOPClassUID = "1.2.840.10008.5.1.4.1.1.2"
    image.ReferencedSOPInstanceUID = factory.uid()
    series = Dataset()
    series.PerformingPhysicianName = ""
    series.ProtocolName = "DH PROTOCOL"
    series.OperatorsName = ""
    series.SeriesInstanceUID = factory.uid()
    series.SeriesDescription = ""
    series.RetrieveAETitle = ""
    series.ReferencedImageSequence = Sequence([image])
    series.ReferencedNonImageCompositeSOPInstanceSequence = Sequence()
    ds = Dataset()
    ds.PerformedProcedureStepStatus = status
    ds.PerformedProcedureStepEndDate = "20240315"
    ds.PerformedProcedureStepEndTime = "093000"
    ds.PerformedSeriesSequence = Sequence([series])
    return ds


@pytest.fixture
def mpps_session(dimse):
    """An association proposing MPPS and MPPS Retrieve (for reading steps back where the target offers it)."""
    def open_session():
        syntaxes = [ImplicitVRLittleEndian, ExplicitVRLittleEndian]
        return dimse.associate([build_context(MPPS, syntaxes), build_context(MPPS_RETRIEVE, syntaxes)])
    return open_session


def read_back(session, uid: str, expected: dict[str, str]) -> None:
    """N-GET the step (MPPS Retrieve, PS3.4 F.8) and compare; when the target does not offer MPPS Retrieve the
    evidence says the verdict rests on statuses alone."""
    if not any(c.abstract_syntax == MPPS_RETRIEVE for c in session.accepted):
        session.evidence.add("#", "MPPS Retrieve not offered: no read-back, the verdict rests on statuses")
        return
    response = session.n_get(MPPS_RETRIEVE, uid, list(expected))
    assert response.status == 0x0000, f"N-GET read-back of step {uid}: expected Success, observed {describe(response.status)}"
    held = response.reply
    wrong = [f"{k}: expected {v!r}, read back {None if held is None else str(held.get(k, ''))!r}"
             for k, v in expected.items() if held is None or str(held.get(k, "")) != v]
    assert not wrong, f"read back of step {uid} differs: " + "; ".join(wrong)


def created(session, factory: DatasetFactory) -> str:
    """N-CREATE an IN PROGRESS step; require Success; return its SOP Instance UID."""
    uid = str(factory.uid())
    response = session.n_create(MPPS, uid, in_progress(factory))
    assert response.status == 0x0000, f"N-CREATE IN PROGRESS: expected Success, observed {describe(response.status)}"
    return uid
