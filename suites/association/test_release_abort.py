"""PS3.8 7.2 and 7.3: releasing and aborting an association."""

from dicom_harness.testing import requirement


@requirement("ASSOC-RELEASE")
def test_release_request_is_answered_with_release_response(dimse):
    """Open an association, echo, then send A-RELEASE-RQ; PS3.8 7.2.2.3: the target answers A-RELEASE-RP
    (an affirmative release), not an abort."""
    with dimse.associate(release=False) as session:
        session.echo()
        assert session.release(), "expected A-RELEASE-RP, observed " + (
            "A-ABORT" if session.assoc.is_aborted else "no answer")


@requirement("ASSOC-ABORT-CLOSES-CONNECTION")
def test_target_closes_the_connection_after_an_abort(dimse):
    """Open an association, then send an A-ABORT PDU; PS3.8 7.3.2.1 and Table 9-10 (AA-3): the target releases
    the association together with the transport connection, so the connection ends."""
    reply, _ = dimse.abort_after_association()
    dimse.serves_again()     # evidence only: no sentence requires new associations to be accepted
    assert reply.ended in ("closed", "reset"), (
        f"expected the target to close the transport connection after our A-ABORT (PS3.8 7.3.2.1, AA-3); "
        f"observed {reply.describe()}")
