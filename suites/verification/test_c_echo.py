"""PS3.4 Annex A, PS3.7 9.1.5 and 9.3.5: the Verification service (C-ECHO)."""

from dicom_harness.testing import Status, describe, requirement

VERIFICATION = "1.2.840.10008.1.1"      # PS3.4 A.4, the Verification SOP Class UID


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


@requirement("VERIFY-RSP-AFFECTED-SOP-CLASS")
def test_echo_response_names_the_verification_class(dimse):
    """Send one C-ECHO; an Affected SOP Class UID in the C-ECHO-RSP must be the request's, the Verification SOP
    Class (PS3.7 9.1.5.1.3: "shall be equal to the value in the request"). Absent is allowed."""
    response = dimse.echo()
    returned = response.wire.get("AffectedSOPClassUID")
    assert returned is None or str(returned).rstrip("\0 ") == VERIFICATION, (
        f"C-ECHO-RSP Affected SOP Class UID: expected {VERIFICATION} (Verification) as in the request, "
        f"observed {returned}")


@requirement("VERIFY-RSP-NO-DATASET")
def test_echo_response_carries_no_data_set(dimse):
    """Send one C-ECHO; the C-ECHO-RSP's Command Data Set Type must be 0101H, no data set (PS3.7 Table
    9.3-13)."""
    response = dimse.echo()
    kind = response.wire.get("CommandDataSetType")
    assert kind == 0x0101, (
        f"C-ECHO-RSP Command Data Set Type: expected 0x0101 (no data set), observed "
        f"{'absent' if kind is None else f'0x{int(kind):04X}'}")
