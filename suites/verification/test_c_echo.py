"""PS3.4 Annex A, PS3.7 9.1.5 and 9.3.5: the Verification service (C-ECHO)."""

from dicom_harness.testing import Status, describe, requirement


@requirement("VERIFY-ECHO-SUCCESS")
def test_echo_is_answered_with_success(dimse):
    """Send one C-ECHO on a Verification context; PS3.7 Table 9.3-13 says the C-ECHO-RSP Status shall have
    the value Success."""
    response = dimse.echo()
    assert response.status == Status.SUCCESS, f"expected status 0x0000 (Success), observed {describe(response.status)}"


@requirement("VERIFY-ECHO-REPEATABLE")
def test_every_echo_on_one_association_is_answered(dimse):
    """Send three C-ECHOs on one association; each is answered, its MessageIDBeingRespondedTo set to its own
    request's Message ID (PS3.7 Table 9.3-13)."""
    with dimse.associate() as session:
        for _ in range(3):
            response = session.echo()
            observed = "absent or empty" if response.responded_to is None else response.responded_to
            assert response.responded_to == response.message_id, (
                f"expected MessageIDBeingRespondedTo {response.message_id}, observed {observed}")
