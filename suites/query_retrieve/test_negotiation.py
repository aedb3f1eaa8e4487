"""PS3.4 C.5.1.1 and C.5.2.1: what the acceptor answers to a one-byte SOP Class Extended Negotiation sub-item of a
Query/Retrieve SOP Class (one byte, or no sub-item at all), and that it answers none when none was offered."""

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


def _nothing_offered(qr, claims, operation: str) -> None:
    model = claims.query_retrieve.models[0] if claims.query_retrieve.models else "study_root"
    with qr.plain_session(model, operation) as (session, uid):
        answer = session.extended_answer(uid)
        assert answer is None, (
            f"the A-ASSOCIATE-RQ offered no SOP Class Extended Negotiation sub-item, yet the A-ASSOCIATE-AC returned "
            f"one for {uid} ({operation}), bytes {answer.hex(' ')}; PS3.4 C.5.{'1' if operation == 'C-FIND' else '2'}"
            f".1: sub-items that do not exist in the indication \"shall be omitted in the A-ASSOCIATE response\"")


@requirement("QR-EXTNEG-FIND-OMITTED")
def test_find_no_extended_negotiation_unless_offered(qr, claims):
    """A-ASSOCIATE-RQ offering the C-FIND model without any SOP Class Extended Negotiation sub-item: the
    A-ASSOCIATE-AC holds none for it (PS3.4 C.5.1.1)."""
    _nothing_offered(qr, claims, "C-FIND")


@requirement("QR-EXTNEG-RETRIEVE-OMITTED")
def test_retrieve_no_extended_negotiation_unless_offered(qr, claims):
    """A-ASSOCIATE-RQ offering the C-MOVE model (C-GET if C-MOVE is not claimed) without any SOP Class Extended
    Negotiation sub-item: the A-ASSOCIATE-AC holds none for it (PS3.4 C.5.2.1)."""
    _nothing_offered(qr, claims, "C-MOVE" if claims.query_retrieve.offers("C-MOVE") else "C-GET")


@requirement("QR-EXTNEG-FIND-MULTI-BYTE")
def test_find_extended_negotiation_multi_byte_answer(qr, claims):
    """A-ASSOCIATE-RQ offering the C-FIND model with four sub-fields (relational-queries, combined date-time, fuzzy
    semantic PN matching, timezone adjustment, each 1): the acceptor may answer one byte or several, no more than
    offered, each sub-field 1 (accepted) or 0 (turned down) (PS3.4 C.5.1.1); or no sub-item at all."""
    model = claims.query_retrieve.models[0] if claims.query_retrieve.models else "study_root"
    offered = b"\x01\x01\x01\x01"
    with qr.extended_session(model, "C-FIND", offered, "relational, date-time, fuzzy, timezone = 1") as (_, uid, answer):
        if answer is None:
            return
        assert 1 <= len(answer) <= len(offered), (
            f"offered {len(offered)} sub-fields for {uid}, the acceptor returned {len(answer)} byte(s) "
            f"({answer.hex(' ')}); PS3.4 C.5.1.1: \"either a single byte field ... or a multiple byte field\"")
        odd = [f"sub-field {n + 1} = {b}" for n, b in enumerate(answer) if b not in (0, 1)]
        assert not odd, (f"the acceptor answered {', '.join(odd)}; PS3.4 C.5.1.1: each sub-field offered is accepted "
                         f"by returning the same value (1) or turned down by returning 0")
