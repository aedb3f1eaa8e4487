"""PS3.4 B.3.1: Storage SOP Class Extended Negotiation, the acceptor's reply (Table B.3-2)."""

from dicom_harness.testing import NotClaimed, associate_rq, requirement, ul_state_model

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
# Table B.3-1 as an SCU only proposes it: Level of support 3 (N/A, SCU only), signature level 0, Element
# Coercion 2 (N/A, SCU only), reserved bytes 0
SCU_ONLY = bytes([3, 0, 0, 0, 2, 0])


def _request(calling: str, called: str) -> bytes:
    return associate_rq.encode(associate_rq.verification_request(
        calling, called, abstract_syntax=CT_IMAGE_STORAGE,
        extra_user_items=(associate_rq.extended_item(CT_IMAGE_STORAGE, SCU_ONLY),)))


@requirement("STORE-EXTNEG-REPLY-VALUES")
def test_extended_negotiation_reply_uses_defined_values(dimse, claims, evidence):
    """Propose CT Image Storage with a Storage SOP Class Extended Negotiation sub-item; PS3.4 Table B.3-2: a reply's
    Level of support is 0-3, its Level of Digital Signature support 0-3 and its Element Coercion 0-2."""
    if not claims.offers("storage"):
        raise NotClaimed("needs the Storage service")
    judgement = dimse.play_pdus([ul_state_model.RQ, ul_state_model.RELRQ], request=_request)
    first = judgement.steps[0] if judgement.steps else None
    assert first is not None and first.observed == ul_state_model.AC, (
        f"expected an A-ASSOCIATE-AC proposing CT Image Storage, observed {first.observed if first else 'nothing'}")
    ac = associate_rq.parse(first.pdu, 0x02)
    replies = [info for uid, info in map(associate_rq.read_extended_item, ac.user_sub_items(
        associate_rq.SOP_CLASS_EXTENDED)) if uid == CT_IMAGE_STORAGE]
    if not replies:
        # an optional feature the target does not offer (observed on the wire, as no profile key names it)
        raise NotClaimed("the target does not answer Storage SOP Class Extended Negotiation, an optional feature "
                         "(PS3.4 B.3.1: 'Extended negotiation is optional'): no reply values to judge")
    info = replies[0]
    evidence.add("#", f"Storage extended negotiation reply for CT Image Storage: {info.hex(' ')}")
    wrong = []
    if not info or info[0] > 3:
        wrong.append(f"Level of support {info[0] if info else 'missing'} (0, 1, 2 or 3)")
    if len(info) > 2 and info[2] > 3:
        wrong.append(f"Level of Digital Signature support {info[2]} (0, 1, 2 or 3)")
    if len(info) > 4 and info[4] > 2:
        wrong.append(f"Element Coercion {info[4]} (0, 1 or 2)")
    assert not wrong, "expected the values PS3.4 Table B.3-2 defines; observed " + "; ".join(wrong)
