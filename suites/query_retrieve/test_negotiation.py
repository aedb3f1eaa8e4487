"""PS3.4 C.5.1.1 and C.5.2.1: what the acceptor answers to a one-byte SOP Class Extended Negotiation sub-item of a
Query/Retrieve SOP Class (one byte, or no sub-item at all)."""

from dicom_harness.testing import requirement


def _one_byte_answer(qr, claims, operation: str, what: str) -> None:
    model = claims.query_retrieve.models[0] if claims.query_retrieve.models else "study_root"
    with qr.extended_session(model, operation, b"\x01", what) as (_, uid, answer):
        assert answer is None or len(answer) == 1, (
            f"offered a one-byte SOP Class Extended Negotiation sub-item for {uid} ({operation}), the acceptor "
            f"returned {len(answer)} bytes ({answer.hex(' ')}); PS3.4 C.5.{'1' if operation == 'C-FIND' else '2'}.1: "
            f"it \"shall return a single byte field\"")


@requirement("QR-EXTNEG-FIND-SINGLE-BYTE")
def test_find_extended_negotiation_one_byte_answer(qr, claims):
    """A-ASSOCIATE-RQ offering the C-FIND model with a one-byte extended negotiation sub-item (relational-queries):
    the acceptor returns a single byte, or no sub-item (PS3.4 C.5.1.1)."""
    _one_byte_answer(qr, claims, "C-FIND", "relational-queries=1")


@requirement("QR-EXTNEG-RETRIEVE-SINGLE-BYTE")
def test_retrieve_extended_negotiation_one_byte_answer(qr, claims):
    """A-ASSOCIATE-RQ offering the C-MOVE model (C-GET if C-MOVE is not claimed) with a one-byte extended
    negotiation sub-item (relational-retrieval): the acceptor returns a single byte, or no sub-item (PS3.4
    C.5.2.1)."""
    operation = "C-MOVE" if claims.query_retrieve.offers("C-MOVE") else "C-GET"
    _one_byte_answer(qr, claims, operation, "relational-retrieval=1")
