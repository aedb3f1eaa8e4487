import pytest
from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import build_context
from pynetdicom.sop_class import CTImageStorage, ModalityPerformedProcedureStep, ModalityPerformedProcedureStepRetrieve

from dicom_harness.testing import (
    IN_PROGRESS,
    DatasetFactory,
    Status,
    describe,
    final_state_attributes,
    in_progress_attributes,
)

MPPS = ModalityPerformedProcedureStep
MPPS_RETRIEVE = ModalityPerformedProcedureStepRetrieve


def in_progress(factory: DatasetFactory, status: str = IN_PROGRESS) -> Dataset:
    """N-CREATE attributes of PS3.4 Table F.7.2-1 for a fresh patient and study (no worklist item)."""
    performed = Dataset()
    performed.PatientName, performed.PatientID = factory.patient()
    performed.StudyInstanceUID = factory.uid()
    return in_progress_attributes(performed, station="DH_MODALITY", date="20240315", time="090000", status=status)


def final(factory: DatasetFactory, status: str) -> Dataset:
    """An N-SET to a final state with the Final State attributes of Table F.7.2-1 (one series, one image)."""
    image = (CTImageStorage, factory.uid())
    return final_state_attributes(status, series_uid=factory.uid(), images=[image], date="20240315", time="093000")


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
    assert response.status == Status.SUCCESS, f"N-GET read-back of step {uid}: expected Success, observed {describe(response.status)}"
    held = response.reply
    wrong = [f"{k}: expected {v!r}, read back {None if held is None else str(held.get(k, ''))!r}"
             for k, v in expected.items() if held is None or str(held.get(k, "")) != v]
    assert not wrong, f"read back of step {uid} differs: " + "; ".join(wrong)


def created(session, factory: DatasetFactory) -> str:
    """N-CREATE an IN PROGRESS step; require Success; return its SOP Instance UID."""
    uid = str(factory.uid())
    response = session.n_create(MPPS, uid, in_progress(factory))
    assert response.status == Status.SUCCESS, f"N-CREATE IN PROGRESS: expected Success, observed {describe(response.status)}"
    return uid
