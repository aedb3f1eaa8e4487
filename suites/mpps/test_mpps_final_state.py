"""PS3.4 F.7.2.1.1 and F.7.2.2.3: Modality Performed Procedure Step attribute subset and final-state refusals, SCP
side: the full N-CREATE attribute set of Table F.7.2-1, no update after COMPLETED, and the Error Comment and ID of
Table F.7.2-2 on the refusal."""

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_harness.testing import (
    COMPLETED,
    DISCONTINUED,
    NotVerified,
    Status,
    describe,
    requirement,
)

from .conftest import MPPS, created, final, in_progress

NO_LONGER_UPDATABLE = 0xA710        # Table F.7.2-2


def _code(value: str, meaning: str) -> Dataset:
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = value, "99DH", meaning
    return code


@requirement("MPPS-CREATE-ATTRIBUTE-SUBSET")
def test_create_with_coded_sequences_is_accepted(mpps_session, dataset_factory):
    """N-CREATE a step with every Table F.7.2-1 attribute, the code sequences (Procedure Code, Performed Protocol
    Code, Scheduled Protocol Code) holding an item each: the SCP supports that subset (F.7.2.1.1), so Success."""
    attributes = in_progress(dataset_factory)
    attributes.ProcedureCodeSequence = Sequence([_code("DH-P1", "SYNTHETIC PROCEDURE")])
    attributes.PerformedProtocolCodeSequence = Sequence([_code("DH-PR1", "SYNTHETIC PROTOCOL")])
    attributes.ScheduledStepAttributesSequence[0].ScheduledProtocolCodeSequence = Sequence(
        [_code("DH-SP1", "SYNTHETIC SCHEDULED PROTOCOL")])
    with mpps_session() as session:
        response = session.n_create(MPPS, str(dataset_factory.uid()), attributes)
    assert response.status == Status.SUCCESS, (
        f"N-CREATE IN PROGRESS with the Table F.7.2-1 attributes and their code sequence items: expected Success, "
        f"observed {describe(response.status)} (PS3.4 F.7.2.1.1: the SCP shall support the subset of the Modality "
        "Performed Procedure Step Attributes specified in Table F.7.2-1)")


@requirement("MPPS-COMPLETED-NOT-UPDATABLE")
def test_update_after_completed_is_refused(mpps_session, dataset_factory):
    """COMPLETE a step, then N-SET a description on it: F.7.2.2.3 accepts N-SET only while the step is IN PROGRESS,
    so Processing Failure (0110)."""
    with mpps_session() as session:
        uid = created(session, dataset_factory)
        first = session.n_set(MPPS, uid, final(dataset_factory, COMPLETED))
        assert first.status == Status.SUCCESS, f"N-SET to COMPLETED: expected Success, observed {describe(first.status)}"
        change = Dataset()
        change.PerformedProcedureStepDescription = "DH AFTER COMPLETED"
        again = session.n_set(MPPS, uid, change)
    assert again.status == Status.PROCESSING_FAILURE, (
        f"N-SET after COMPLETED: expected {describe(Status.PROCESSING_FAILURE)}, observed {describe(again.status)} "
        "(PS3.4 F.7.2.2.3)")


def _refusal(session, dataset_factory):
    """DISCONTINUE a step and N-SET it again: the Processing failure response, or NotVerified when there is none
    to examine (the statuses are MPPS-SET-DISCONTINUED's and MPPS-FINAL-NOT-UPDATABLE's to judge)."""
    uid = created(session, dataset_factory)
    first = session.n_set(MPPS, uid, final(dataset_factory, DISCONTINUED))
    if first.status != Status.SUCCESS:
        raise NotVerified(f"the N-SET to DISCONTINUED was answered {describe(first.status)}: no finished step to "
                          "update")
    again = session.n_set(MPPS, uid, final(dataset_factory, COMPLETED))
    if again.status != Status.PROCESSING_FAILURE:
        raise NotVerified(f"the N-SET after DISCONTINUED was answered {describe(again.status)}, not Processing "
                          "failure: no refusal to examine")
    return again.wire


@requirement("MPPS-FINAL-ERROR-COMMENT")
def test_refusal_of_finished_step_has_error_comment(mpps_session, dataset_factory):
    """N-SET a DISCONTINUED step: F.7.2.2.3 refuses it with Processing failure (0110) "with a Specific Error
    Comment", so the N-SET-RSP carries Error Comment (0000,0902)."""
    with mpps_session() as session:
        wire = _refusal(session, dataset_factory)
    comment = str(wire.get("ErrorComment", "") or "").strip()
    assert comment, ("the Processing failure N-SET-RSP for a DISCONTINUED step has no Error Comment (0000,0902) (PS3.4 "
                     "F.7.2.2.3: the SCP shall set the failure status code \"Processing failure\" (Code: 0110H) with "
                     "a Specific Error Comment)")


@requirement("MPPS-FINAL-ERROR-ID")
def test_refusal_error_id_is_table_value(mpps_session, dataset_factory, evidence):
    """N-SET a DISCONTINUED step: an Error ID (0000,0903) on the Processing failure, if present, is A710 as Table
    F.7.2-2 defines ("Performed Procedure Step Object may no longer be updated")."""
    with mpps_session() as session:
        wire = _refusal(session, dataset_factory)
    if "ErrorID" not in wire or wire.ErrorID in (None, ""):
        evidence.add("#", "no Error ID on the refusal (Table F.7.2-2 allows leaving it out)")
        return
    observed = int(wire.ErrorID)
    assert observed == NO_LONGER_UPDATABLE, (
        f"Error ID on the Processing failure: expected 0x{NO_LONGER_UPDATABLE:04X} (Table F.7.2-2), observed "
        f"0x{observed:04X}")
