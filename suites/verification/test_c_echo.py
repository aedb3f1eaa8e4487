"""PS3.4 Annex A, PS3.7 9.1.5: the Verification service (C-ECHO)."""

from dicom_harness.testing import Status, describe, requirement


@requirement("VERIFY-ECHO-SUCCESS")
def test_echo_is_answered_with_success(dimse):
    """Send one C-ECHO on a Verification context; PS3.4 A.4 requires the response status Success."""
    response = dimse.echo()
    assert response.status == Status.SUCCESS, f"expected status 0x0000 (Success), observed {describe(response.status)}"


@requirement("VERIFY-ECHO-REPEATABLE")
def test_every_echo_on_one_association_is_answered(dimse):
    """Send three C-ECHOs on one association; each is answered, naming its own request's Message ID."""
    with dimse.associate() as session:
        for _ in range(3):
            response = session.echo()
            assert response.responded_to == response.message_id, (
                f"expected MessageIDBeingRespondedTo {response.message_id}, observed {response.responded_to}")
