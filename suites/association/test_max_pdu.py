"""PS3.8 D.1: maximum length negotiation."""

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian
from pynetdicom import build_context
from pynetdicom.sop_class import CTImageStorage, StudyRootQueryRetrieveInformationModelGet

from dicom_harness.testing import (
    NotClaimed,
    Status,
    assert_same_instance,
    associate_rq,
    describe,
    requirement,
    ul_state_model,
)

SMALL_MAX_PDU = 4096


@requirement("ASSOC-MAX-PDU-HONOURED")
def test_target_fragments_to_our_maximum_pdu_length(dimse, claims, make_instance):
    """Store a 64x64x16-bit CT image, then read it back by C-GET on an association announcing a 4096-byte
    maximum; every P-DATA-TF the target sends must fit it."""
    if not claims.offers("storage") or claims.retrieve != "C-GET":
        raise NotClaimed("needs storage and C-GET to make the target send a large message")
    instance = make_instance("CT", transfer_syntax=ExplicitVRLittleEndian)
    response = dimse.store(instance)
    assert response.status == Status.SUCCESS, f"setup store: {describe(response.status)}"
    contexts = [build_context(StudyRootQueryRetrieveInformationModelGet),
                build_context(instance.SOPClassUID, [ExplicitVRLittleEndian])]
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "IMAGE"
    identifier.StudyInstanceUID = instance.StudyInstanceUID
    identifier.SeriesInstanceUID = instance.SeriesInstanceUID
    identifier.SOPInstanceUID = instance.SOPInstanceUID
    with dimse.associate(contexts, max_pdu=SMALL_MAX_PDU, scp_roles=[instance.SOPClassUID]) as session:
        accepted = {c.abstract_syntax for c in session.accepted}
        assert StudyRootQueryRetrieveInformationModelGet in accepted, (
            "the profile claims C-GET, but the Study Root C-GET presentation context was not accepted")
        result = session.get_instances(identifier)
        lengths = list(session.received_pdata_lengths)
    assert result.received, f"the C-GET returned no instance (final status {describe(result.final_status)})"
    too_long = [n for n in lengths if n > SMALL_MAX_PDU]
    assert not too_long, (f"expected every P-DATA-TF variable field <= {SMALL_MAX_PDU} bytes; observed "
                          f"{len(too_long)} longer, up to {max(too_long)} bytes")


TINY_MAX_PDU = 64      # below the ~84 bytes of a C-ECHO-RSP's PDV: the target must fragment it


@requirement("ASSOC-MAX-PDU-HONOURED")
def test_echo_response_is_fragmented_to_a_tiny_maximum_length(dimse):
    """Over a bare connection, announce a Maximum Length of 64 bytes, send a C-ECHO-RQ and release; PS3.8 D.1:
    every P-DATA-TF the target sends keeps its PDV list within 64 bytes (the C-ECHO-RSP needs two fragments)."""
    M = ul_state_model

    def request(calling: str, called: str) -> bytes:
        return associate_rq.encode(associate_rq.verification_request(calling, called, max_length=TINY_MAX_PDU))
    judgement = dimse.play_pdus([M.RQ, M.ECHO, M.RELRQ], request=request)
    lengths = [int.from_bytes(s.pdu[2:6], "big") for s in judgement.steps if s.observed == M.PDATA]
    assert lengths, f"expected the C-ECHO-RSP in P-DATA-TF PDUs, observed {'; '.join(map(str, judgement.steps))}"
    assert max(lengths) <= TINY_MAX_PDU, (f"expected every P-DATA-TF variable field <= {TINY_MAX_PDU} bytes, observed "
                                          f"{lengths}")


@requirement("ASSOC-MAX-PDU-ACCEPTED")
def test_target_accepts_pdus_of_its_announced_maximum(dimse, claims, make_instance):
    """Store a CT image larger than the target's announced maximum PDU length, so the harness sends
    P-DATA-TF PDUs of exactly that maximum; the target must take them and keep the instance."""
    if not claims.offers("storage"):
        raise NotClaimed("needs storage to send a message longer than one PDU")
    probe = build_context(CTImageStorage, [ExplicitVRLittleEndian])
    with dimse.associate([probe]) as session:
        announced = session.peer_max_pdu
    side = 64
    while announced and side * side * 2 < announced * 1.5:
        side *= 2
    instance = make_instance("CT", transfer_syntax=ExplicitVRLittleEndian, matrix=(side, side))
    with dimse.associate([probe]) as session:
        response = session.store(instance)
        sent = list(session.sent_pdata_lengths)
    assert response.status == Status.SUCCESS, f"C-STORE of {len(instance.PixelData)} pixel bytes: {describe(response.status)}"
    if announced:
        assert max(sent) == announced, f"harness check: expected a PDU of {announced} bytes, sent at most {max(sent)}"
    assert_same_instance(instance, dimse.read_back(instance))
