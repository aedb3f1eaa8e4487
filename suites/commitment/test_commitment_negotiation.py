"""PS3.4 J.2.1: Storage Commitment Push Model has no SOP Class Extended Negotiation, SCP side."""

from dicom_harness.testing import requirement


@requirement("COMMIT-NO-EXTENDED-NEGOTIATION")
def test_extended_negotiation_offer_is_not_answered(commitment_extended_answer):
    """A-ASSOCIATE-RQ proposing Storage Commitment Push Model with a one-byte SOP Class Extended Negotiation
    sub-item: the SOP Class does not support it, so the A-ASSOCIATE-AC returns none for it (PS3.4 J.2.1)."""
    answer = commitment_extended_answer(b"\x01")
    assert answer is None, (
        f"the A-ASSOCIATE-AC answered the SOP Class Extended Negotiation sub-item for Storage Commitment Push Model "
        f"with bytes {answer.hex(' ')}; PS3.4 J.2.1: \"The SOP Class Extended Negotiation shall not be supported.\"")
