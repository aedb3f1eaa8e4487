"""PS3.8 9.3 and Annex E, PS3.7 D.3.3: fields of the PDUs the target sends, read byte by byte over a bare connection
(dimse.play_pdus): reserved fields, one result per proposed presentation context, the Implementation Version Name,
the User Identity response, the PDVs of P-DATA-TF, and what may come during a release or after an A-ABORT."""

from __future__ import annotations

from dicom_harness.testing import NotVerified, associate_rq, requirement, ul_state_model

M = ul_state_model
VERIFICATION = "1.2.840.10008.1.1"
UNKNOWN_ABSTRACT_SYNTAX = "1.2.826.0.1.3680043.9.3811.99.1"
IMPLICIT, EXPLICIT = "1.2.840.10008.1.2", "1.2.840.10008.1.2.1"
USER_IDENTITY_AC = 0x59


def _three_contexts(calling: str, called: str) -> bytes:
    """Verification (ID 1), an abstract syntax nobody supports (ID 3), Verification again (ID 5)."""
    request = associate_rq.verification_request(calling, called)
    first = request.presentation_contexts[0]
    for context_id, syntax in ((3, UNKNOWN_ABSTRACT_SYNTAX), (5, VERIFICATION)):
        request.items.insert(-1, associate_rq.Item(associate_rq.PRESENTATION_CONTEXT, bytes([context_id, 0, 0, 0]), [
            associate_rq.Item(associate_rq.ABSTRACT_SYNTAX, syntax.encode()), *first.children[1:]]))
    return associate_rq.encode(request)


def _ac(judgement) -> bytes:
    first = judgement.steps[0] if judgement.steps else None
    assert first is not None and first.observed == M.AC, (
        f"expected an A-ASSOCIATE-AC to our request, observed {first.observed if first else 'nothing'}")
    return first.pdu


@requirement("ASSOC-AC-RESERVED-ZERO")
def test_ac_reserved_fields_are_zero(dimse):
    """Propose Verification; PS3.8 9.3.3 (Table 9-17): byte 2 of the A-ASSOCIATE-AC is sent as 00H and bytes 9-10
    as 0000H (reserved fields)."""
    pdu = _ac(dimse.play_pdus([M.RQ, M.RELRQ]))
    assert pdu[1] == 0 and pdu[8:10] == b"\0\0", (
        f"expected byte 2 = 00H and bytes 9-10 = 0000H, observed {pdu[1]:02X}H and {pdu[8:10].hex().upper()}H")


@requirement("ASSOC-RELEASE-RP-RESERVED")
def test_release_rp_fields(dimse):
    """Associate, then send A-RELEASE-RQ; PS3.8 9.3.7 (Table 9-25): the A-RELEASE-RP is 06H, byte 2 00H, PDU-length
    00000004H and bytes 7-10 sent as 00000000H."""
    judgement = dimse.play_pdus([M.RQ, M.RELRQ])
    replies = [s.pdu for s in judgement.steps if s.observed == M.RELRP]
    if not replies:         # ASSOC-RELEASE judges a missing A-RELEASE-RP
        raise NotVerified(f"no A-RELEASE-RP came: {'; '.join(map(str, judgement.steps))}")
    pdu = replies[0]
    assert pdu == bytes([0x06, 0, 0, 0, 0, 4, 0, 0, 0, 0]), (
        f"expected the A-RELEASE-RP 06 00 00000004 00000000, observed {pdu.hex(' ')} (PS3.8 Table 9-25)")


@requirement("ASSOC-AC-ONE-RESULT-PER-CONTEXT")
def test_one_result_per_proposed_context(dimse):
    """Propose three presentation contexts (IDs 1, 3, 5; 3 an unknown abstract syntax); PS3.8 7.1.1.14 and 9.3.3.2:
    the A-ASSOCIATE-AC carries one result for each proposed context, in any order."""
    judgement = dimse.play_pdus([M.RQ, M.RELRQ], request=_three_contexts)
    ac = associate_rq.parse(_ac(judgement), 0x02)
    ids = sorted(associate_rq.context_id(i) for i in ac.items_of(associate_rq.PRESENTATION_CONTEXT_AC))
    assert ids == [1, 3, 5], f"expected one Presentation Context item for each of IDs 1, 3 and 5, observed IDs {ids}"


@requirement("ASSOC-AC-VERSION-NAME-FORMAT")
def test_implementation_version_name_format(dimse, evidence):
    """Propose Verification; PS3.7 D.3.3.2.4 (Table D.3-4): an Implementation Version Name sub-item in the
    A-ASSOCIATE-AC holds 1 to 16 ISO 646 (basic G0 set) characters."""
    ac = associate_rq.parse(_ac(dimse.play_pdus([M.RQ, M.RELRQ])), 0x02)
    names = ac.user_sub_items(associate_rq.IMPLEMENTATION_VERSION_NAME)
    if not names:
        evidence.add("#", "no Implementation Version Name sub-item (it is optional)")
        return
    value = names[0].value
    printable = all(0x20 <= b < 0x7F for b in value)
    assert 1 <= len(value) <= 16 and printable, (
        f"expected 1 to 16 ISO 646 characters, observed {len(value)} byte(s) {value!r}")


@requirement("ASSOC-USER-IDENTITY-OMITTED")
def test_no_user_identity_response_without_request(dimse):
    """Propose Verification without a User Identity sub-item; PS3.7 D.3.3.7: the A-ASSOCIATE-AC then contains no
    user identity response sub-item (59H)."""
    ac = associate_rq.parse(_ac(dimse.play_pdus([M.RQ, M.RELRQ])), 0x02)
    items = ac.user_sub_items(USER_IDENTITY_AC)
    assert not items, f"expected no User Identity sub-item (59H), observed {[i.value.hex() for i in items]}"


def _pdvs(dimse):
    judgement = dimse.play_pdus([M.RQ, M.ECHO, M.ECHO, M.RELRQ])
    ac = associate_rq.parse(_ac(judgement), 0x02)
    accepted = {associate_rq.context_id(i) for i in ac.items_of(associate_rq.PRESENTATION_CONTEXT_AC)
                if len(i.value) > 2 and i.value[2] == 0}
    pdvs = [pdv for s in judgement.steps if s.observed == M.PDATA for pdv in M.pdv_items(s.pdu)]
    if not pdvs:
        raise NotVerified(f"no P-DATA-TF came to our C-ECHO-RQs: {'; '.join(map(str, judgement.steps))}")
    return accepted, pdvs


@requirement("ASSOC-PDV-CONTEXT-ID-ODD")
def test_pdvs_name_an_accepted_odd_context(dimse):
    """Associate, send two C-ECHO-RQs, release; PS3.8 9.3.5.1 (Table 9-23): every PDV of the target's P-DATA-TF
    PDUs names an odd presentation context ID, one the A-ASSOCIATE-AC accepted."""
    accepted, pdvs = _pdvs(dimse)
    wrong = sorted({cid for cid, _, _ in pdvs if cid % 2 == 0 or cid not in accepted})
    assert not wrong, f"expected PDVs on accepted odd context IDs {sorted(accepted)}, observed IDs {wrong}"


@requirement("ASSOC-PDV-CONTROL-HEADER")
def test_pdv_message_control_headers(dimse):
    """Associate, send two C-ECHO-RQs, release; PS3.8 E.2: each PDV's Message Control Header has bit 0 set (a
    C-ECHO-RSP is a command, with no data set), bits 2-7 zero, and each of the two responses ends with a last
    fragment (bit 1 set)."""
    _, pdvs = _pdvs(dimse)
    headers = [control for _, control, _ in pdvs]
    wrong = [f"{h:02X}H" for h in headers if h & 0xFC or not h & 0x01]
    last = sum(1 for h in headers if h & 0x02)
    assert not wrong and last == 2, (
        f"expected command fragments (bit 0 set, bits 2-7 zero) with two last fragments, observed headers "
        f"{[f'{h:02X}H' for h in headers]}")


@requirement("ASSOC-RELEASE-ACCEPTOR-PRIMITIVES")
def test_only_data_release_or_abort_during_release(dimse):
    """Associate, send a C-ECHO-RQ, then A-RELEASE-RQ; PS3.8 7.2.2.2: until its A-RELEASE response the acceptor
    issues nothing but P-DATA, the A-RELEASE response or an A-ABORT."""
    judgement = dimse.play_pdus([M.RQ, M.ECHO, M.RELRQ])
    echoed = judgement.answer_to(1)     # the C-ECHO's step: what follows came after our A-RELEASE-RQ went out
    if echoed is None or echoed.observed != M.PDATA:
        raise NotVerified(f"the C-ECHO before the release got no answer: {'; '.join(map(str, judgement.steps))}")
    asked = judgement.steps.index(echoed) + 1
    allowed = (M.PDATA, M.RELRP, M.ABORT, M.CLOSED, M.SILENT)
    during = []
    for step in judgement.steps[asked:]:
        during.append(step.observed)
        if step.observed in (M.RELRP, M.ABORT, M.CLOSED):
            break
    wrong = [o for o in during if o not in allowed]
    assert not wrong, f"expected only P-DATA-TF, A-RELEASE-RP or A-ABORT after our A-RELEASE-RQ, observed {during}"


@requirement("ASSOC-NOTHING-AFTER-ABORT")
def test_nothing_after_the_targets_abort(dimse):
    """Associate, then send a PDU of unrecognized type, which the target answers with A-ABORT (Table 9-10, AA-8);
    PS3.8 7.3.2.2: after its A-ABORT the target issues nothing more for the association."""
    judgement = dimse.play_pdus([M.RQ, M.UNKNOWN])
    aborted = next((i for i, s in enumerate(judgement.steps) if s.observed == M.ABORT), None)
    if aborted is None:     # ASSOC-STA6-INVALID-PDU judges the missing A-ABORT
        raise NotVerified(f"the target sent no A-ABORT: {'; '.join(map(str, judgement.steps))}")
    after = [s.observed for s in judgement.steps[aborted + 1:] if s.observed not in (M.CLOSED, M.SILENT)]
    assert not after, f"expected nothing after the target's A-ABORT but the connection's end, observed {after}"
