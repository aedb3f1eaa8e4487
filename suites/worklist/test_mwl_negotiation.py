"""PS3.4 K.5.1: SOP Class Extended Negotiation for Modality Worklist, SCP side: the answer to a three-byte
sub-item, and no sub-item when none was offered."""

from dicom_harness.testing import requirement

# K.5.1.1: bytes 1 and 2 reserved ("shall always be 1"), byte 3 fuzzy semantic matching of person names
THREE_BYTES = b"\x01\x01\x01"


@requirement("MWL-EXTNEG-THREE-BYTES")
def test_three_byte_offer_gets_three_bytes(worklist_extended_answer):
    """A-ASSOCIATE-RQ with a three-byte Modality Worklist extended negotiation sub-item (fuzzy matching asked):
    the acceptor returns three bytes, or no sub-item at all (then the default conditions hold) (PS3.4 K.5.1)."""
    answer = worklist_extended_answer(THREE_BYTES)
    assert answer is None or len(answer) == 3, (
        f"offered a three-byte SOP Class Extended Negotiation sub-item for Modality Worklist, the acceptor returned "
        f"{len(answer)} byte(s) ({answer.hex(' ')}); PS3.4 K.5.1: it \"shall return a three byte field\"")


@requirement("MWL-EXTNEG-OMITTED")
def test_no_extended_negotiation_unless_offered(worklist_extended_answer):
    """A-ASSOCIATE-RQ proposing Modality Worklist without any SOP Class Extended Negotiation sub-item: the
    A-ASSOCIATE-AC holds none for it (PS3.4 K.5.1)."""
    answer = worklist_extended_answer(None)
    assert answer is None, (
        f"no SOP Class Extended Negotiation sub-item was offered, yet the A-ASSOCIATE-AC returned one for Modality "
        f"Worklist, bytes {answer.hex(' ')}; PS3.4 K.5.1: they \"shall be omitted in the A-ASSOCIATE response\"")
