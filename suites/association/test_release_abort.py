"""PS3.8 7.2 and 7.3: releasing and aborting an association."""

from dicom_harness.testing import NotVerified, requirement, ul_state_model

M = ul_state_model


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


@requirement("ASSOC-NOTHING-AFTER-RELEASE-RP")
def test_nothing_follows_the_release_response(dimse):
    """Over a bare connection: associate, send a C-ECHO-RQ, then A-RELEASE-RQ; PS3.8 7.2.2.4: after its A-RELEASE
    response the acceptor issues nothing more for the association, P-DATA included (it may close the connection)."""
    judgement = dimse.play_pdus([M.RQ, M.ECHO, M.RELRQ])
    released = next((i for i, s in enumerate(judgement.steps) if s.observed == M.RELRP), None)
    if released is None:        # ASSOC-RELEASE judges that; here there is no A-RELEASE-RP to look after
        raise NotVerified(f"no A-RELEASE-RP came, so nothing after one to judge: {'; '.join(map(str, judgement.steps))}")
    after = [s.observed for s in judgement.steps[released + 1:] if s.observed != M.CLOSED]
    assert not after, f"expected nothing after the A-RELEASE-RP but the connection's end, observed {after}"


@requirement("ASSOC-ABORT-PDU-FIELDS")
def test_abort_pdus_carry_defined_source_and_reason(dimse):
    """Provoke A-ABORTs over bare connections (a P-DATA-TF as first PDU, a second A-ASSOCIATE-RQ, an unrecognized
    PDU on an association); PS3.8 Table 9-26: source 0 or 2; with 2 a reason 0, 1, 2, 4, 5 or 6; with 0 reason 00H."""
    aborts = []
    for sequence in ([M.ECHO], [M.RQ, M.RQ], [M.RQ, M.UNKNOWN]):
        judgement = dimse.play_pdus(sequence)
        aborts += [(sequence, s.abort_source()) for s in judgement.steps if s.observed == M.ABORT]
    if not aborts:
        raise NotVerified("no A-ABORT PDU came back to examine (the target closed or ignored instead)")
    wrong = [f"[{', '.join(seq)}] source {src}, reason {why}" for seq, (src, why) in aborts
             if not ((src == 2 and why in (0, 1, 2, 4, 5, 6)) or (src == 0 and why == 0))]
    assert not wrong, ("expected source 2 with reason 0, 1, 2, 4, 5 or 6, or source 0 with reason 00H (PS3.8 Table "
                       "9-26); observed " + "; ".join(wrong))
