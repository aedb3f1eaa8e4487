"""PS3.7 D.3.3.7: User Identity Negotiation as the acceptor answers it, read from the A-ASSOCIATE-AC (or -RJ) over
a bare connection (dimse.play_pdus). Only for a target whose profile claims it ([claims] user_identity): a target
that does not support user identification may accept without any reply (D.3.3.7), which is NOT CLAIMED here."""

from __future__ import annotations

import secrets

from dicom_harness.testing import NotClaimed, NotVerified, associate_rq, requirement, ul_state_model

M = ul_state_model
USERNAME, REFUSED_USERNAME = b"dicom-harness", b"dicom-harness-no-such-user"


def _claimed(claims) -> None:
    if not claims.user_identity:
        raise NotClaimed("the profile does not claim User Identity Negotiation ([claims] user_identity)")


def _with_identity(item):
    def build(calling: str, called: str) -> bytes:
        return associate_rq.encode(associate_rq.verification_request(calling, called, extra_user_items=(item,)))
    return build


def _answer(dimse, item):
    """The target's first PDU to a Verification request carrying the User Identity sub-item."""
    judgement = dimse.play_pdus([M.RQ, M.RELRQ], request=_with_identity(item))
    first = judgement.steps[0] if judgement.steps else None
    return first, judgement


def _username_accepted(dimse):
    """The A-ASSOCIATE-AC to a username (type 1) asking for a positive response."""
    first, judgement = _answer(dimse, associate_rq.user_identity_item(1, USERNAME, positive=True))
    if first is None or first.observed != M.AC:
        raise NotVerified(f"the target did not accept the username {USERNAME.decode()!r} (its own authorisation "
                          f"rule), so there is no A-ASSOCIATE-AC to read: {'; '.join(map(str, judgement.steps))}")
    return associate_rq.parse(first.pdu, 0x02)


@requirement("ASSOC-USER-IDENTITY-RESPONSE")
def test_positive_response_requested_gets_a_user_identity_item(dimse, claims):
    """Propose Verification with a User Identity sub-item (username, positive response requested); PS3.7 D.3.3.7:
    an A-ASSOCIATE-AC then contains one User Identity sub-item (59H)."""
    _claimed(claims)
    items = _username_accepted(dimse).user_sub_items(associate_rq.USER_IDENTITY_AC)
    assert len(items) == 1, (f"expected one User Identity sub-item (59H) in the A-ASSOCIATE-AC, observed "
                             f"{len(items)} (PS3.7 D.3.3.7, D.3.3.7.2)")


@requirement("ASSOC-USER-IDENTITY-EMPTY-FOR-USERNAME")
def test_username_response_is_empty(dimse, claims):
    """Propose Verification with a username (User-Identity-Type 1), positive response requested; PS3.7 Table
    D.3-15: the Server-response of the A-ASSOCIATE-AC's User Identity sub-item is zero length."""
    _claimed(claims)
    items = _username_accepted(dimse).user_sub_items(associate_rq.USER_IDENTITY_AC)
    if not items:       # ASSOC-USER-IDENTITY-RESPONSE judges a missing sub-item
        raise NotVerified("the A-ASSOCIATE-AC has no User Identity sub-item to read")
    response = associate_rq.read_user_identity_response(items[0])
    assert response == b"", (f"expected Server-response-length 0 and no Server-response, observed the sub-item "
                             f"{items[0].value.hex(' ')}")


@requirement("ASSOC-USER-REJECTS-PERMANENT-ON-AUTH")
def test_refused_identity_is_rejected_permanent(dimse, claims):
    """Propose Verification with a made-up username and passcode (type 2); PS3.7 D.3.3.7.3: if the target refuses
    them, its A-ASSOCIATE-RJ says Result 1 (rejected-permanent), Source 2 (ACSE related function)."""
    _claimed(claims)
    item = associate_rq.user_identity_item(2, REFUSED_USERNAME, secrets.token_hex(8).encode(), positive=False)
    first, judgement = _answer(dimse, item)
    if first is None or first.observed != M.RJ:
        raise NotVerified(f"the target did not reject the made-up username and passcode (observed "
                          f"{first.observed if first else 'nothing'}), so no authorisation failure to judge")
    result, source = first.pdu[7], first.pdu[8]
    assert (result, source) == (1, 2), (
        f"expected Result 1 (rejected-permanent) and Source 2 (ACSE related function), observed Result {result}, "
        f"Source {source}, Reason {first.pdu[9]} (PS3.7 D.3.3.7.3)")
