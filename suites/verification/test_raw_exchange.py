"""PS3.7 9.3.5.2 and PS3.4 A.5, read from the bytes: the C-ECHO-RSP command set as it came in the P-DATA-TF PDUs,
and the A-ASSOCIATE-AC's answer to SOP Class Extended Negotiation offered for Verification (dimse.play_pdus over a
bare connection: pynetdicom would not show a wrong Command Field or a stray sub-item)."""

from __future__ import annotations

import struct

from dicom_harness.testing import NotVerified, associate_rq, requirement, ul_state_model

M = ul_state_model
VERIFICATION = "1.2.840.10008.1.1"      # PS3.4 A.4
C_ECHO_RSP = 0x8030                     # PS3.7 Table 9.3-13, Command Field


def _command_sets(judgement) -> list[bytes]:
    """The command messages the target sent: the PDV fragments of each message (control bit 0 set), joined until
    the last fragment (bit 1)."""
    messages, current = [], b""
    for step in judgement.steps:
        if step.observed != M.PDATA:
            continue
        pdu, at = step.pdu, 6
        end = min(len(pdu), 6 + int.from_bytes(pdu[2:6], "big"))
        while at + 6 <= end:
            length = int.from_bytes(pdu[at:at + 4], "big")
            control, value = pdu[at + 5], pdu[at + 6:at + 4 + length]
            if control & 0x01:
                current += value
                if control & 0x02:
                    messages.append(current)
                    current = b""
            at += 4 + length
    return messages


def _element(command: bytes, element: int) -> bytes | None:
    """The value of (0000,element) in an Implicit VR Little Endian command set (PS3.7 6.3.1), None when absent."""
    at = 0
    while at + 8 <= len(command):
        group, number, length = struct.unpack_from("<HHI", command, at)
        if (group, number) == (0, element):
            return command[at + 8:at + 8 + length]
        at += 8 + length
    return None


@requirement("VERIFY-RSP-COMMAND-FIELD")
def test_echo_response_command_field_is_8030(dimse):
    """Associate, send a C-ECHO-RQ, release; PS3.7 9.3.5.2 (Table 9.3-13): the response's Command Field (0000,0100)
    is 8030H, C-ECHO-RSP."""
    judgement = dimse.play_pdus([M.RQ, M.ECHO, M.RELRQ])
    commands = _command_sets(judgement)
    if not commands:            # VERIFY-ECHO-SUCCESS judges a missing answer
        raise NotVerified(f"no command message came to our C-ECHO-RQ: {'; '.join(map(str, judgement.steps))}")
    fields = [_element(c, 0x0100) for c in commands]
    observed = [f.hex(" ") if f is not None else "absent" for f in fields]
    assert all(f is not None and len(f) == 2 and int.from_bytes(f, "little") == C_ECHO_RSP for f in fields), (
        f"expected Command Field 8030H (bytes 30 80) in the C-ECHO-RSP, observed {observed} (PS3.7 Table 9.3-13)")


def _with_verification_extended(calling: str, called: str) -> bytes:
    item = associate_rq.extended_item(VERIFICATION, b"\x01")
    return associate_rq.encode(associate_rq.verification_request(calling, called, extra_user_items=(item,)))


@requirement("VERIFY-NO-EXTNEG-REPLY")
def test_no_extended_negotiation_answer_for_verification(dimse):
    """Propose Verification with a SOP Class Extended Negotiation sub-item (56H) for it; PS3.4 A.5: no application
    association information specific to Verification is used, so the A-ASSOCIATE-AC answers none for it."""
    judgement = dimse.play_pdus([M.RQ, M.RELRQ], request=_with_verification_extended)
    first = judgement.steps[0] if judgement.steps else None
    if first is None or first.observed != M.AC:     # VERIFY-ACCEPT-CONTEXT judges the acceptance
        raise NotVerified(f"no A-ASSOCIATE-AC came: {'; '.join(map(str, judgement.steps))}")
    ac = associate_rq.parse(first.pdu, 0x02)
    answers = [associate_rq.read_extended_item(i) for i in ac.user_sub_items(associate_rq.SOP_CLASS_EXTENDED)]
    for_verification = [info.hex(" ") for uid, info in answers if uid == VERIFICATION]
    assert not for_verification, (
        f"expected no SOP Class Extended Negotiation answer for Verification, observed one with "
        f"{for_verification} (PS3.4 A.5)")
