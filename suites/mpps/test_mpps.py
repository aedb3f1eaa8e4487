"""PS3.4 F.7: Modality Performed Procedure Step, SCP side: N-CREATE with IN PROGRESS, N-SET to COMPLETED or
DISCONTINUED, and the state machine's refusals."""

from pydicom.dataset import Dataset

from dicom_harness.testing import (
    COMPLETED,
    DISCONTINUED,
    IN_PROGRESS,
    NotVerified,
    Status,
    describe,
    requirement,
    status_class,
)

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


def _named_uids(response, expected: dict[str, str]) -> list[str]:
    """Affected UIDs of a response's command set that differ from the request's (absent ones are allowed)."""
    wire = response.wire
    return [f"{keyword}: expected {value}, observed {wire.get(keyword)}" for keyword, value in expected.items()
            if keyword in wire and str(wire.get(keyword)).rstrip("\0 ") != value]


@requirement("MPPS-CREATE-RSP-FIELDS")
def test_create_response_names_the_request(mpps_session, dataset_factory):
    """N-CREATE a step: the N-CREATE-RSP names the request's Message ID (PS3.7 Table 10.3-9), and an Affected
    SOP Class UID in it is the MPPS class of the request (10.1.5.1.3)."""
    with mpps_session() as session:
        response = session.n_create(MPPS, str(dataset_factory.uid()), in_progress(dataset_factory))
    observed = "absent or empty" if response.responded_to is None else response.responded_to
    assert response.responded_to == response.message_id, (
        f"N-CREATE-RSP Message ID Being Responded To: expected {response.message_id}, observed {observed}")
    wrong = _named_uids(response, {"AffectedSOPClassUID": MPPS})
    assert not wrong, "N-CREATE-RSP: " + "; ".join(wrong)


@requirement("MPPS-SET-RSP-FIELDS")
def test_set_response_names_the_request(mpps_session, dataset_factory):
    """N-SET a description on a step IN PROGRESS: the N-SET-RSP names the request's Message ID (PS3.7 Table
    10.3-5); an Affected SOP Class or Instance UID in it equals the request's (10.1.3.1.7, 10.1.3.1.8)."""
    with mpps_session() as session:
        uid = created(session, dataset_factory)
        change = Dataset()
        change.PerformedProcedureStepDescription = "DH FIELDS"
        response = session.n_set(MPPS, uid, change)
    observed = "absent or empty" if response.responded_to is None else response.responded_to
    assert response.responded_to == response.message_id, (
        f"N-SET-RSP Message ID Being Responded To: expected {response.message_id}, observed {observed}")
    wrong = _named_uids(response, {"AffectedSOPClassUID": MPPS, "AffectedSOPInstanceUID": uid})
    assert not wrong, "N-SET-RSP: " + "; ".join(wrong)


@requirement("MPPS-CREATE-DUPLICATE")
def test_second_create_of_a_step_is_refused(mpps_session, dataset_factory):
    """N-CREATE a step, then N-CREATE again with the same SOP Instance UID: a failure status (PS3.7 10.1.5.1.6
    names Duplicate SOP Instance, 0111), never Success, and the first step is kept as it was."""
    with mpps_session() as session:
        uid = str(dataset_factory.uid())
        first = in_progress(dataset_factory)
        first.PerformedProcedureStepDescription = "DH FIRST"
        response = session.n_create(MPPS, uid, first)
        assert response.status == Status.SUCCESS, f"first N-CREATE: expected Success, observed {describe(response.status)}"
        second = in_progress(dataset_factory)
        second.PerformedProcedureStepDescription = "DH SECOND"
        again = session.n_create(MPPS, uid, second)
        assert status_class(again.status) == "Failure", (
            f"second N-CREATE of step {uid}: expected a failure ({describe(Status.DUPLICATE_SOP_INSTANCE)}), "
            f"observed {describe(again.status)}")
        read_back(session, uid, {"PerformedProcedureStepDescription": "DH FIRST"})


@requirement("MPPS-SET-DISCONTINUED")
def test_set_discontinued_ends_the_step(mpps_session, dataset_factory):
    """N-SET an IN PROGRESS step to DISCONTINUED with the final-state attributes: Success (F.7.2.2.3 accepts an
    N-SET while the step is IN PROGRESS), and the step reads back DISCONTINUED (that no N-SET may follow is
    MPPS-FINAL-NOT-UPDATABLE's)."""
    with mpps_session() as session:
        uid = created(session, dataset_factory)
        response = session.n_set(MPPS, uid, final(dataset_factory, DISCONTINUED))
        assert response.status == Status.SUCCESS, (
            f"N-SET to DISCONTINUED: expected Success, observed {describe(response.status)}")
        read_back(session, uid, {"PerformedProcedureStepStatus": DISCONTINUED})


@requirement("MPPS-CREATE-ASSIGNS-UID")
def test_create_without_uid_returns_the_assigned_one(mpps_session, dataset_factory):
    """N-CREATE a step without Affected SOP Instance UID: a Success response must carry the UID the SCP assigned
    (PS3.7 10.1.5.1.4), and an N-SET to that UID is accepted. PS3.4 F.7.2.1.2 asks the SCU to supply the UID, so
    a refusal is legal: then nothing is left to judge."""
    with mpps_session() as session:
        response = session.n_create(MPPS, None, in_progress(dataset_factory))
        if response.status != Status.SUCCESS:
            raise NotVerified(f"the N-CREATE without a UID was answered {describe(response.status)}; PS3.4 F.7.2.1.2 "
                              f"lets the SCP expect the UID from the SCU, and 10.1.5.1.4 binds only a Success")
        assigned = str(response.wire.get("AffectedSOPInstanceUID") or "").rstrip("\0 ")
        assert assigned, "the Success N-CREATE-RSP carries no Affected SOP Instance UID, although the request had none"
        change = Dataset()
        change.PerformedProcedureStepDescription = "DH ASSIGNED"
        update = session.n_set(MPPS, assigned, change)
        assert update.status == Status.SUCCESS, (
            f"N-SET to the assigned UID {assigned}: expected Success, observed {describe(update.status)}")


@requirement("MPPS-SET-INTERMEDIATE")
def test_several_sets_while_in_progress(mpps_session, dataset_factory):
    """N-CREATE a step IN PROGRESS, N-SET it twice leaving it IN PROGRESS (a description, then another), then
    N-SET it to COMPLETED: the step is updatable until its final state (F.7.2.2.3), so each N-SET gets Success."""
    with mpps_session() as session:
        uid = created(session, dataset_factory)
        for n, text in enumerate(("DH FIRST UPDATE", "DH SECOND UPDATE"), start=1):
            change = Dataset()
            change.PerformedProcedureStepDescription = text
            response = session.n_set(MPPS, uid, change)
            assert response.status == Status.SUCCESS, (
                f"N-SET {n} on the step IN PROGRESS (status unchanged): expected Success, observed "
                f"{describe(response.status)}")
        last = session.n_set(MPPS, uid, final(dataset_factory, COMPLETED))
        assert last.status == Status.SUCCESS, (
            f"N-SET to COMPLETED after two updates IN PROGRESS: expected Success, observed {describe(last.status)}")
        read_back(session, uid, {"PerformedProcedureStepStatus": COMPLETED,
                                 "PerformedProcedureStepDescription": "DH SECOND UPDATE"})
