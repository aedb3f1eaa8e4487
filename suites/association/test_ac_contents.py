"""PS3.8 9.3.3 and PS3.7 D.3.3: the A-ASSOCIATE-AC as the target writes it, read byte by byte.

The harness sends its own A-ASSOCIATE-RQ over a bare connection (dimse.play_pdus), keeps the A-ASSOCIATE-AC as it
came, releases, and reads the AC with dicom_harness.testing.associate_rq (the same layout as the RQ)."""

from __future__ import annotations

from dicom_harness.testing import associate_rq, requirement, uid_problem, ul_state_model

M = ul_state_model
VERIFICATION = "1.2.840.10008.1.1"
EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN = "1.2.840.10008.1.2.1", "1.2.840.10008.1.2"
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"


def _request(abstract_syntax: str = VERIFICATION, roles: tuple = (), transfer_syntaxes: tuple = (),
             extra: tuple = ()):
    def build(calling: str, called: str) -> bytes:
        request = associate_rq.verification_request(calling, called, abstract_syntax=abstract_syntax,
                                                    extra_user_items=(*extra, *roles),
                                                    **({"transfer_syntaxes": transfer_syntaxes} if transfer_syntaxes
                                                       else {}))
        return associate_rq.encode(request)
    return build


def _accepted(dimse, **request):
    """(our request, the target's A-ASSOCIATE-AC) after an association that is then released."""
    judgement = dimse.play_pdus([M.RQ, M.RELRQ], request=_request(**request))
    first = judgement.steps[0] if judgement.steps else None
    assert first is not None and first.observed == M.AC, (
        f"expected an A-ASSOCIATE-AC to our request, observed {first.observed if first else 'nothing'}")
    return associate_rq.parse(judgement.request), associate_rq.parse(first.pdu, 0x02)


def _user_items(ac, kind: int) -> list:
    return ac.user_sub_items(kind)


@requirement("ASSOC-AC-PROTOCOL-VERSION")
def test_ac_protocol_version_is_1(dimse):
    """Propose Verification; PS3.8 9.3.3 (Table 9-17, bytes 7-8): the A-ASSOCIATE-AC's Protocol-version is Version 1,
    identified with bit 0 set."""
    _, ac = _accepted(dimse)
    assert ac.protocol_version & 1, f"expected bit 0 of the Protocol-version set, observed {ac.protocol_version:04X}H"


@requirement("ASSOC-AC-RESERVED-ECHOED")
def test_ac_reserved_fields_repeat_the_request(dimse):
    """Propose Verification (a conformant request: bytes 43-74 zero, PS3.8 Table 9-11); PS3.8 9.3.3 (Table 9-17):
    bytes 11-74 of the A-ASSOCIATE-AC are sent identical to the same fields of the A-ASSOCIATE-RQ."""
    sent, ac = _accepted(dimse)
    observed = (ac.called_ae, ac.calling_ae, ac.header_rest[2:])
    expected = (sent.called_ae, sent.calling_ae, sent.header_rest[2:])
    assert observed == expected, (f"expected bytes 11-74 as received {expected!r}, observed {observed!r} "
                                  "(PS3.8 Table 9-17)")


@requirement("ASSOC-AC-MAX-LENGTH-ITEM")
def test_ac_has_one_maximum_length_item(dimse):
    """Propose Verification; PS3.8 D.1.2: only one Maximum Length Sub-Item is present in the User Data
    information of the A-ASSOCIATE-AC (and the item is required of every implementation, D.1)."""
    _, ac = _accepted(dimse)
    items = _user_items(ac, associate_rq.MAXIMUM_LENGTH)
    assert len(items) == 1 and len(items[0].value) == 4, (
        f"expected one Maximum Length sub-item (51H) of 4 bytes, observed {[i.value.hex() for i in items]}")


@requirement("ASSOC-AC-IMPLEMENTATION-UID")
def test_ac_has_one_implementation_class_uid(dimse):
    """Propose Verification; PS3.7 D.3.3.2: one Implementation Class UID Sub-Item, no more, in the A-ASSOCIATE-AC,
    and its value a UID (PS3.7 D.3.3.2.2)."""
    _, ac = _accepted(dimse)
    items = _user_items(ac, associate_rq.IMPLEMENTATION_CLASS_UID)
    assert len(items) == 1, f"expected one Implementation Class UID sub-item (52H), observed {len(items)}"
    problem = uid_problem(items[0].text())
    assert not problem, f"expected the Implementation Class UID to be a UID (PS3.5 9.1); {items[0].text()!r}: {problem}"


@requirement("ASSOC-AC-IMPLEMENTATION-VERSION")
def test_ac_has_at_most_one_implementation_version_name(dimse):
    """Propose Verification; PS3.7 D.3.3.2.4: only one Implementation Version Name Sub-Item in the A-ASSOCIATE-AC
    (the item itself is optional)."""
    _, ac = _accepted(dimse)
    items = _user_items(ac, associate_rq.IMPLEMENTATION_VERSION_NAME)
    assert len(items) <= 1, f"expected at most one Implementation Version Name sub-item (55H), observed " \
                            f"{[i.text() for i in items]}"


@requirement("ASSOC-ROLE-OMITTED")
def test_no_role_selection_items_without_a_proposal(dimse):
    """Propose Verification without SCP/SCU Role Selection; PS3.7 D.3.3.4: role selection items that do not exist
    in the A-ASSOCIATE indication are omitted in the A-ASSOCIATE response."""
    _, ac = _accepted(dimse)
    items = _user_items(ac, associate_rq.ROLE_SELECTION)
    assert not items, ("expected no SCP/SCU Role Selection sub-item (54H) in the A-ASSOCIATE-AC, observed "
                       f"{[associate_rq.read_role_item(i) for i in items]}")


@requirement("ASSOC-ROLE-NOT-PROPOSED")
def test_role_selection_reply_grants_no_role_that_was_not_proposed(dimse, claims):
    """Propose CT Image Storage (Verification for a target without storage) with role selection SCU only, then
    SCP only; PS3.7 D.3.3.4: the acceptor returns 1 for a role only where the request proposed it (0 otherwise)."""
    uid = CT_IMAGE_STORAGE if claims.offers("storage") else VERIFICATION
    wrong = []
    for scu, scp in ((1, 0), (0, 1)):
        _, ac = _accepted(dimse, abstract_syntax=uid, roles=(associate_rq.role_item(uid, scu, scp),))
        for item in _user_items(ac, associate_rq.ROLE_SELECTION):
            sop_class, scu_reply, scp_reply = associate_rq.read_role_item(item)
            if sop_class == uid and ((scu == 0 and scu_reply == 1) or (scp == 0 and scp_reply == 1)):
                wrong.append(f"proposed SCU-role {scu} SCP-role {scp}, returned SCU-role {scu_reply} SCP-role "
                             f"{scp_reply}")
    assert not wrong, "expected no role returned as 1 that was proposed as 0 (PS3.7 D.3.3.4); " + "; ".join(wrong)


@requirement("ASSOC-ROLE-REPLY-VALUES")
def test_role_selection_reply_values_are_0_or_1(dimse, claims):
    """Propose CT Image Storage (Verification for a target without storage) with role selection SCU and SCP both
    proposed; PS3.7 D.3.3.4.2 (Table D.3-10): a role selection reply holds 0 or 1 in each role byte."""
    uid = CT_IMAGE_STORAGE if claims.offers("storage") else VERIFICATION
    _, ac = _accepted(dimse, abstract_syntax=uid, roles=(associate_rq.role_item(uid, 1, 1),))
    replies = [associate_rq.read_role_item(i) for i in _user_items(ac, associate_rq.ROLE_SELECTION)]
    wrong = [r for r in replies if r[1] not in (0, 1) or r[2] not in (0, 1)]
    assert not wrong, ("expected SCU-role and SCP-role values 0 or 1 (PS3.7 Table D.3-10), observed (SOP class, "
                       f"SCU-role, SCP-role) {wrong}")


@requirement("ASSOC-AC-ONE-OFFERED-TS")
def test_an_accepted_context_carries_one_proposed_transfer_syntax(dimse):
    """Propose Verification with Explicit and Implicit VR Little Endian; PS3.8 7.1.1.14 and 9.3.3.2: the accepted
    context's item holds one Transfer Syntax sub-item, one of the two proposed."""
    _, ac = _accepted(dimse, transfer_syntaxes=(EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN))
    contexts = ac.items_of(associate_rq.PRESENTATION_CONTEXT_AC)
    accepted = [c for c in contexts if len(c.value) > 2 and c.value[2] == 0]
    assert accepted, f"expected presentation context 1 accepted, observed results {[c.value[2:3].hex() for c in contexts]}"
    syntaxes = [s.text() for s in accepted[0].children if s.type == associate_rq.TRANSFER_SYNTAX]
    assert len(syntaxes) == 1 and syntaxes[0] in (EXPLICIT_VR_LITTLE_ENDIAN, IMPLICIT_VR_LITTLE_ENDIAN), (
        f"expected one Transfer Syntax sub-item naming a proposed transfer syntax, observed {syntaxes}")


@requirement("ASSOC-AC-ITEM-ORDER")
def test_ac_items_come_in_increasing_item_type(dimse):
    """Propose Verification; PS3.8 9.3.1: the A-ASSOCIATE-AC's items appear in increasing order of their item
    types (application context 10H, presentation contexts 21H, user information 50H)."""
    _, ac = _accepted(dimse)
    types = [item.type for item in ac.items]
    assert types == sorted(types), f"expected item types in increasing order, observed {[f'{t:02X}H' for t in types]}"


@requirement("ASSOC-ASYNC-NOT-ABOVE-OFFER")
def test_async_window_reply_is_not_above_the_offer(dimse, evidence):
    """Propose Verification with an Asynchronous Operations Window of 3 invoked / 2 performed; PS3.7 D.3.3.3: each
    number in the reply is equal or less than the offer (1-3 and 1-2: zero means unlimited); no reply is the default
    of one."""
    offer = associate_rq.Item(associate_rq.ASYNCHRONOUS_WINDOW, (3).to_bytes(2, "big") + (2).to_bytes(2, "big"))
    _, ac = _accepted(dimse, extra=(offer,))
    items = _user_items(ac, associate_rq.ASYNCHRONOUS_WINDOW)
    if not items:
        evidence.add("#", "no Asynchronous Operations Window in the A-ASSOCIATE-AC: the default, one each way")
        return
    value = items[0].value
    invoked, performed = int.from_bytes(value[:2], "big"), int.from_bytes(value[2:4], "big")
    assert 1 <= invoked <= 3 and 1 <= performed <= 2, (
        f"expected at most the offered 3 invoked / 2 performed (0 is unlimited, more than offered), observed "
        f"{invoked} invoked / {performed} performed")
