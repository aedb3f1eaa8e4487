"""PS3.8 9.3.2 and Annex D, PS3.7 D.3.3.2: the A-ASSOCIATE-RQ a client sends, read from the bytes as they
arrived, and the P-DATA-TF PDUs it sent on each association."""

from dicom_harness.testing import NotVerified, associate_rq, requested, requirement, well_formed


@requirement("ASSOC-RQ-PROTOCOL-VERSION")
def test_protocol_version_has_bit_0_set(recording, evidence):
    """Read the Protocol-version field of every A-ASSOCIATE-RQ the product sent; PS3.8 9.3.2 says version 1
    shall be identified with bit 0 set."""
    for association, request in well_formed(requested(recording, evidence)):
        assert request.protocol_version & 0x0001, (
            f"association {association.number}: Protocol-version is {request.protocol_version:04X}H, bit 0 clear; "
            "expected bit 0 set (PS3.8 9.3.2)")


@requirement("ASSOC-RQ-CONTEXT-ID-ODD")
def test_presentation_context_ids_are_odd_and_distinct(recording, evidence):
    """Read each proposed presentation context's ID; PS3.8 9.3.2.2 says they shall be odd integers between 1
    and 255 (and PS3.8 7.1.1.13 makes each identify one context, so they differ)."""
    for association, request in well_formed(requested(recording, evidence)):
        ids = [associate_rq.context_id(item) for item in request.presentation_contexts]
        evidence.add("#", f"association {association.number}: presentation context IDs {ids}")
        assert ids, f"association {association.number}: the A-ASSOCIATE-RQ proposes no presentation context"
        bad = [i for i in ids if not (1 <= i <= 255 and i % 2 == 1)]
        assert not bad, (f"association {association.number}: presentation context ID(s) {bad} are not odd integers "
                         "between 1 and 255 (PS3.8 9.3.2.2)")
        assert len(set(ids)) == len(ids), f"association {association.number}: an ID is used twice: {ids}"


@requirement("ASSOC-RQ-CONTEXT-ITEM-SYNTAXES")
def test_each_context_has_one_abstract_and_some_transfer_syntaxes(recording, evidence):
    """Read the sub-items of each proposed presentation context; PS3.8 9.3.2.2 says they shall be one Abstract
    Syntax sub-item followed by one or more Transfer Syntax sub-items."""
    for association, request in well_formed(requested(recording, evidence)):
        for item in request.presentation_contexts:
            kinds = [child.type for child in item.children]
            shape = " ".join(f"{kind:02X}H" for kind in kinds) or "nothing"
            assert (kinds[:1] == [associate_rq.ABSTRACT_SYNTAX] and len(kinds) >= 2
                    and set(kinds[1:]) == {associate_rq.TRANSFER_SYNTAX}), (
                f"association {association.number}, presentation context {associate_rq.context_id(item)}: "
                f"sub-items {shape}; expected one Abstract Syntax (30H) then one or more Transfer Syntaxes (40H) "
                "(PS3.8 9.3.2.2)")


@requirement("ASSOC-RQ-MAXIMUM-LENGTH-ITEM")
def test_user_information_has_one_maximum_length(recording, evidence):
    """Count the Maximum Length sub-items in each A-ASSOCIATE-RQ's user information; PS3.8 D.1 says the
    requestor shall specify it, and D.1.1 that only one shall be present."""
    for association, request in well_formed(requested(recording, evidence)):
        found = request.user_sub_items(associate_rq.MAXIMUM_LENGTH)
        assert len(found) == 1 and len(found[0].value) == 4, (
            f"association {association.number}: {len(found)} Maximum Length sub-item(s) (51H); expected exactly "
            "one, of 4 bytes (PS3.8 D.1, D.1.1)")
        evidence.add("#", f"association {association.number}: maximum length "
                          f"{int.from_bytes(found[0].value, 'big')}")


@requirement("ASSOC-RQ-IMPLEMENTATION-UID")
def test_user_information_names_the_implementation(recording, evidence):
    """Look for the Implementation Class UID sub-item in each A-ASSOCIATE-RQ; PS3.7 D.3.3.2 says its
    notification is required of every requestor."""
    for association, request in well_formed(requested(recording, evidence)):
        found = request.user_sub_items(associate_rq.IMPLEMENTATION_CLASS_UID)
        assert found and found[0].text(), (
            f"association {association.number}: no Implementation Class UID sub-item (52H) in the user information "
            "(PS3.7 D.3.3.2)")
        evidence.add("#", f"association {association.number}: Implementation Class UID {found[0].text()}")


@requirement("ASSOC-RQ-MAX-PDU-RESPECTED")
def test_pdus_sent_fit_the_acceptors_maximum_length(recording, evidence):
    """Compare the length of every P-DATA-TF PDU the product sent with the maximum length our A-ASSOCIATE-AC
    announced; PS3.8 D.1 says the requestor shall fragment to fit it."""
    accepted = [a for a, _ in requested(recording, evidence) if a.accepted]
    if not accepted:
        raise NotVerified("no association the product requested was accepted, so it sent no P-DATA-TF to judge")
    for association in accepted:
        limit = association.acceptor_max_pdu
        largest = max(association.pdata_lengths, default=0)
        evidence.add("#", f"association {association.number}: {len(association.pdata_lengths)} P-DATA-TF, the "
                          f"largest {largest} bytes, acceptor's maximum {limit or 'unlimited'}")
        assert not limit or largest <= limit, (
            f"association {association.number}: a P-DATA-TF carries {largest} bytes of PDVs; the acceptor's maximum "
            f"length was {limit} (PS3.8 D.1)")


def _ae_title_problem(field: bytes) -> str:
    if len(field) != 16:
        return f"{len(field)} bytes, not 16"
    if any(not 0x20 <= byte <= 0x7E for byte in field):
        return f"{field!r} has characters outside the ISO 646 Basic G0 set (20H-7EH)"
    if field == b" " * 16:
        return "16 spaces, which means no Application Name"
    return ""


@requirement("ASSOC-RQ-AE-TITLES")
def test_ae_titles_are_16_g0_characters_not_all_spaces(recording, evidence):
    """Read the Called- and Calling-AE-title fields of every A-ASSOCIATE-RQ; PS3.8 9.3.2 says each shall be 16
    ISO 646 G0 characters, and 16 spaces (no Application Name) shall not be used."""
    for association, request in well_formed(requested(recording, evidence)):
        for name, field in (("Called", request.called_ae), ("Calling", request.calling_ae)):
            problem = _ae_title_problem(field)
            assert not problem, f"association {association.number}: {name}-AE-title {problem} (PS3.8 9.3.2)"


@requirement("ASSOC-RQ-VARIABLE-ITEMS")
def test_variable_field_has_its_three_kinds_of_item(recording, evidence):
    """Count the items of every A-ASSOCIATE-RQ's variable field; PS3.8 9.3.2 says it shall hold one Application
    Context item, one or more Presentation Context items and one User Information item."""
    for association, request in well_formed(requested(recording, evidence)):
        counts = {kind: len(request.items_of(kind)) for kind in (associate_rq.APPLICATION_CONTEXT,
                                                                   associate_rq.PRESENTATION_CONTEXT,
                                                                   associate_rq.USER_INFORMATION)}
        evidence.add("#", f"association {association.number}: items " + ", ".join(
            f"{kind:02X}H x{count}" for kind, count in counts.items()))
        assert (counts[associate_rq.APPLICATION_CONTEXT] == 1 and counts[associate_rq.PRESENTATION_CONTEXT] >= 1
                and counts[associate_rq.USER_INFORMATION] == 1), (
            f"association {association.number}: {counts[associate_rq.APPLICATION_CONTEXT]} Application Context, "
            f"{counts[associate_rq.PRESENTATION_CONTEXT]} Presentation Context and "
            f"{counts[associate_rq.USER_INFORMATION]} User Information item(s); expected 1, 1 or more, 1 (PS3.8 9.3.2)")


@requirement("ASSOC-RQ-RESERVED-ZERO")
def test_reserved_header_fields_are_zero(recording, evidence):
    """Read the reserved bytes 9-10 and 43-74 of every A-ASSOCIATE-RQ; PS3.8 9.3.2 says they shall be sent as
    zeros (a receiver does not test them, so a product's mistake here goes unnoticed elsewhere)."""
    for association, request in well_formed(requested(recording, evidence)):
        assert not any(request.header_rest), (
            f"association {association.number}: reserved header bytes {request.header_rest.hex()}; expected all 00H "
            "(PS3.8 9.3.2)")
