"""PS3.4 F.7: Modality Performed Procedure Step, SCP side: N-CREATE with IN PROGRESS, N-SET to COMPLETED or
DISCONTINUED, and the state machine's refusals."""

from pydicom.dataset import Dataset

from dicom_harness.testing import COMPLETED, DISCONTINUED, IN_PROGRESS, Status, describe, requirement, status_class

from .conftest import MPPS, created, final, in_progress, read_back


@requirement("MPPS-CREATE-IN-PROGRESS")
def test_create_in_progress_then_update_it(mpps_session, dataset_factory):
    """N-CREATE a step IN PROGRESS (Success required), then N-SET a description on it: F.7.2.1.3 and F.7.2.2.3
    say the SCP holds the step and accepts N-SETs while it is IN PROGRESS, so the N-SET succeeds too."""
    with mpps_session() as session:
        uid = created(session, dataset_factory)
        change = Dataset()
        change.PerformedProcedureStepDescription = "DH UPDATED"
        response = session.n_set(MPPS, uid, change)
        assert response.status == Status.SUCCESS, (
            f"N-SET on the step just created: expected Success (the SCP holds it), observed {describe(response.status)}")
        read_back(session, uid, {"PerformedProcedureStepStatus": IN_PROGRESS,
                                 "PerformedProcedureStepDescription": "DH UPDATED"})


@requirement("MPPS-CREATE-ONLY-IN-PROGRESS")
def test_create_with_completed_status_is_refused(mpps_session, dataset_factory):
    """N-CREATE a step whose status is already COMPLETED: F.7.2.1.3 says Invalid Attribute Value (0106)."""
    with mpps_session() as session:
        response = session.n_create(MPPS, str(dataset_factory.uid()), in_progress(dataset_factory, COMPLETED))
    assert response.status == Status.INVALID_ATTRIBUTE_VALUE, (
        f"N-CREATE with status COMPLETED: expected {describe(Status.INVALID_ATTRIBUTE_VALUE)}, observed "
        f"{describe(response.status)}")


@requirement("MPPS-SET-COMPLETED")
def test_set_completed_with_final_attributes(mpps_session, dataset_factory):
    """N-SET an IN PROGRESS step to COMPLETED with end date, end time and the performed series: Success."""
    with mpps_session() as session:
        uid = created(session, dataset_factory)
        response = session.n_set(MPPS, uid, final(dataset_factory, COMPLETED))
        assert response.status == Status.SUCCESS, f"N-SET to COMPLETED: expected Success, observed {describe(response.status)}"
        read_back(session, uid, {"PerformedProcedureStepStatus": COMPLETED, "PerformedProcedureStepEndTime": "093000"})


@requirement("MPPS-FINAL-NOT-UPDATABLE")
def test_update_after_discontinued_is_refused(mpps_session, dataset_factory):
    """DISCONTINUE a step, then N-SET it again: F.7.2.2.3 says Processing Failure (0110), the step may no
    longer be updated."""
    with mpps_session() as session:
        uid = created(session, dataset_factory)
        first = session.n_set(MPPS, uid, final(dataset_factory, DISCONTINUED))
        assert first.status == Status.SUCCESS, f"N-SET to DISCONTINUED: expected Success, observed {describe(first.status)}"
        again = session.n_set(MPPS, uid, final(dataset_factory, COMPLETED))
        assert again.status == Status.PROCESSING_FAILURE, (
            f"N-SET after DISCONTINUED: expected {describe(Status.PROCESSING_FAILURE)}, observed {describe(again.status)}")
        read_back(session, uid, {"PerformedProcedureStepStatus": DISCONTINUED})


@requirement("MPPS-SET-UNKNOWN-INSTANCE")
def test_set_on_unknown_step_is_refused(mpps_session, dataset_factory):
    """N-SET a step that was never created: a failure status (0112 No Such Object Instance), never Success."""
    with mpps_session() as session:
        response = session.n_set(MPPS, str(dataset_factory.uid()), final(dataset_factory, COMPLETED))
    assert status_class(response.status) == "Failure", (
        f"N-SET on an unknown step: expected a Failure ({describe(Status.NO_SUCH_OBJECT_INSTANCE)}), observed "
        f"{describe(response.status)}")
