"""PS3.8 7.1.1.2, 9.3.1, 9.3.2, 9.3.4: A-ASSOCIATE-RQs that are unusual but allowed (or plainly unsupported), sent
over a bare connection (dimse.play_pdus with our own request bytes), and the target's answer read byte by byte."""

from __future__ import annotations

from dicom_harness.testing import NotVerified, associate_rq, requirement, ul_state_model

M = ul_state_model
UNDEFINED_USER_ITEM = 0x5F          # PS3.7 D.3.3 and PS3.8 D.1 define user sub-items 51H to 59H only
OTHER_APPLICATION_CONTEXT = "1.2.826.0.1.3680043.9.3811.99.2"
UNKNOWN_ABSTRACT_SYNTAX = "1.2.826.0.1.3680043.9.3811.99.1"
RJ_REASONS = {1: {1, 2, 3, 7}, 2: {1, 2}, 3: {1, 2}}          # PS3.8 Table 9-21, by source


def _request(change):
    def build(calling: str, called: str) -> bytes:
        request = associate_rq.verification_request(calling, called)
        change(request)
        return associate_rq.encode(request)
    return build


def _answer(dimse, change):
    """(the first step of an association opened with the changed request, and released if accepted)."""
    judgement = dimse.play_pdus([M.RQ, M.RELRQ], request=_request(change))
    return judgement.steps[0] if judgement.steps else None


def _user(request):
    return request.items_of(associate_rq.USER_INFORMATION)[0].children


def _with_undefined_item(request) -> None:
    _user(request).append(associate_rq.Item(UNDEFINED_USER_ITEM, b"DH undefined sub-item"))


def _reversed_user_items(request) -> None:
    _user(request).reverse()


def _version(value: int):
    def change(request) -> None:
        request.protocol_version = value
    return change


def _other_application_context(request) -> None:
    request.items[0] = associate_rq.Item(associate_rq.APPLICATION_CONTEXT, OTHER_APPLICATION_CONTEXT.encode())


def _shown(step) -> str:
    return f"{step.observed} ({step.pdu[:10].hex(' ')})" if step is not None else "nothing"


@requirement("ASSOC-UNKNOWN-ITEMS-IGNORED")
def test_unknown_user_sub_item_is_skipped(dimse):
    """Propose Verification with an extra user information sub-item of undefined type 5FH; PS3.8 9.3.1: items of
    unrecognized types are ignored and skipped, so the association is accepted as without it."""
    plain = _answer(dimse, lambda request: None)
    if plain is None or plain.observed != M.AC:
        raise NotVerified(f"the plain Verification request is not accepted either: {_shown(plain)}")
    step = _answer(dimse, _with_undefined_item)
    assert step is not None and step.observed == M.AC, (
        f"expected an A-ASSOCIATE-AC (the 5FH sub-item skipped), observed {_shown(step)}")


@requirement("ASSOC-USER-ITEMS-ANY-ORDER")
def test_user_sub_items_in_any_order(dimse):
    """Propose Verification with the user information sub-items in descending type (Implementation Class UID 52H
    before Maximum Length 51H); PS3.8 9.3.2.3: no significance should be placed on their order: accepted."""
    step = _answer(dimse, _reversed_user_items)
    assert step is not None and step.observed == M.AC, (
        f"expected an A-ASSOCIATE-AC whatever the order of the user sub-items, observed {_shown(step)}")


@requirement("ASSOC-RJ-PROTOCOL-VERSION")
def test_only_bit_0_of_the_protocol_version_is_tested(dimse, evidence):
    """Propose Verification with Protocol-version 0003H, then 0002H; PS3.8 9.3.2 (Table 9-11): a receiver tests only
    that bit 0 is set, so 0003H is accepted, and 0002H (bit 0 clear) is not accepted."""
    both = _answer(dimse, _version(0x0003))
    assert both is not None and both.observed == M.AC, (
        f"expected Protocol-version 0003H (bit 0 set) accepted, observed {_shown(both)}")
    clear = _answer(dimse, _version(0x0002))
    if clear is not None and clear.observed == M.RJ:
        evidence.add("#", f"0002H rejected: result {clear.pdu[7]}, source {clear.pdu[8]}, reason {clear.pdu[9]} "
                          "(Table 9-21 names source 2, reason 2 protocol-version-not-supported)")
    assert clear is not None and clear.observed in (M.RJ, M.ABORT, M.CLOSED), (
        f"expected Protocol-version 0002H (bit 0 clear) not accepted, observed {_shown(clear)}")


@requirement("ASSOC-RJ-VALID-FIELDS")
def test_rejections_carry_defined_fields(dimse, evidence):
    """Provoke rejections (Protocol-version 0002H, an application context that is not DICOM's); PS3.8 9.3.4
    (Table 9-21): every A-ASSOCIATE-RJ has byte 2 and 7 00H, length 4, Result 1 or 2, Source 1, 2 or 3, and a
    Reason/Diag. the table defines for that source."""
    rejections = []
    for name, change in (("Protocol-version 0002H", _version(0x0002)),
                         ("application context " + OTHER_APPLICATION_CONTEXT, _other_application_context)):
        step = _answer(dimse, change)
        evidence.add("#", f"{name}: {_shown(step)}")
        if step is not None and step.observed == M.RJ:
            rejections.append((name, step.pdu))
    if not rejections:
        raise NotVerified("no request we sent was rejected, so there is no A-ASSOCIATE-RJ to examine")
    wrong = [f"{name}: {pdu.hex(' ')}" for name, pdu in rejections
             if len(pdu) != 10 or pdu[1] != 0 or pdu[2:6] != b"\0\0\0\x04" or pdu[6] != 0 or pdu[7] not in (1, 2)
             or pdu[9] not in RJ_REASONS.get(pdu[8], set())]
    assert not wrong, "expected Result 1-2, Source 1-3 and a reason of PS3.8 Table 9-21; observed " + "; ".join(wrong)


@requirement("ASSOC-UNKNOWN-APPLICATION-CONTEXT")
def test_unknown_application_context_is_answered(dimse):
    """Propose Verification under an application context name that is not DICOM's; PS3.8 7.1.1.2 and 9.3.3: the
    acceptor rejects it, or accepts with an A-ASSOCIATE-AC returning one application context name (the same or a
    different one)."""
    step = _answer(dimse, _other_application_context)
    if step is None or step.observed != M.AC:
        assert step is not None and step.observed in (M.RJ, M.ABORT, M.CLOSED), (
            f"expected an A-ASSOCIATE-AC or a rejection, observed {_shown(step)}")
        return
    names = associate_rq.parse(step.pdu, 0x02).items_of(associate_rq.APPLICATION_CONTEXT)
    assert len(names) == 1 and names[0].text(), (
        f"expected the A-ASSOCIATE-AC to return one Application Context item, observed {[n.text() for n in names]}")


@requirement("ASSOC-NO-BARE-DISCONNECT")
def test_a_request_with_nothing_acceptable_is_answered(dimse):
    """Propose only an abstract syntax nobody supports; PS3.8 9.1.4 (note 1): the target answers with an
    A-ASSOCIATE-AC (every context rejected), an A-ASSOCIATE-RJ or an A-ABORT, not by dropping the TCP connection."""
    first = _answer(dimse, _only_unknown_abstract_syntax)
    observed = first.observed if first else "nothing"
    assert observed in (M.AC, M.RJ, M.ABORT), (
        f"expected an A-ASSOCIATE-AC, A-ASSOCIATE-RJ or A-ABORT to the request, observed {observed} "
        "(PS3.8 9.1.4: an Upper Layer State Machine should not disconnect outside reject, release or abort)")


def _only_unknown_abstract_syntax(request) -> None:
    context = request.presentation_contexts[0]
    context.children[0] = associate_rq.Item(associate_rq.ABSTRACT_SYNTAX, UNKNOWN_ABSTRACT_SYNTAX.encode())
