"""The clean PACS simulator's inline C-STORE path (simulators/store_inline.py): its hand-written C-STORE-RSP is
byte for byte what pynetdicom would send, fragmented to the peer's maximum PDU length; a clean simulator takes
the path and a faulty one does not."""

from __future__ import annotations

import struct

import pytest
from pynetdicom import AE, evt
from pynetdicom.dimse_messages import C_STORE_RSP
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom.sop_class import CTImageStorage

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.simulators.store_inline import command_pdus, store_response


def _pynetdicom_response(message_id, sop_class, sop_instance, status, comment=None) -> bytes:
    primitive = C_STORE()
    primitive.MessageIDBeingRespondedTo = message_id
    primitive.AffectedSOPClassUID = sop_class
    primitive.AffectedSOPInstanceUID = sop_instance
    primitive.Status = status
    if comment is not None:
        primitive.ErrorComment = comment
    message = C_STORE_RSP()
    message.primitive_to_message(primitive)
    pdata = list(message.encode_msg(1, 0))
    return b"".join(item[1][1:] for p in pdata for item in p.presentation_data_value_list)


@pytest.mark.parametrize("status, comment", [(0x0000, None), (0xB007, None), (0xA900, "SOP Class UID not the"
                                                                                       " command's"),
                                             (0x0117, "odd")])
def test_store_response_is_what_pynetdicom_encodes(status, comment):
    for instance in ("1.2.3.4", "1.2.3.45"):        # odd and even lengths: UI padding
        ours = store_response(7, CTImageStorage, instance, status, comment)
        assert ours == _pynetdicom_response(7, CTImageStorage, instance, status, comment)


def test_command_pdus_fragment_to_the_peers_maximum():
    command = store_response(65535, CTImageStorage, "1.2.3.4.5.6.7.8.9", 0)
    whole = command_pdus(3, command, 0)
    assert len(whole) == 1 and whole[0][:1] == b"\x04" and whole[0][10:12] == b"\x03\x03"
    pieces = command_pdus(3, command, 40)
    assert len(pieces) > 1 and all(len(p) <= 40 + 6 for p in pieces)
    assert [p[11] for p in pieces] == [0x01] * (len(pieces) - 1) + [0x03]
    assert b"".join(p[12:] for p in pieces) == command
    assert all(struct.unpack(">L", p[2:6])[0] == len(p) - 6 for p in pieces)


@pytest.mark.parametrize("faults", [(), ("store-rsp-wrong-message-id",)])
def test_clean_simulator_stores_inline_and_a_faulty_one_through_pynetdicom(tmp_path, faults):
    from dicom_harness.simulators.pacs import PacsSimulator
    from dicom_harness.simulators.store import Store
    store = Store(tmp_path / "store")
    simulator = PacsSimulator(store, faults=faults).start()
    seen = []
    try:
        ae = AE(ae_title="TEST_SCU")
        ae.add_requested_context(CTImageStorage)
        assoc = ae.associate("127.0.0.1", simulator.port, ae_title="DH_PACS",
                             evt_handlers=[(evt.EVT_DIMSE_RECV, lambda e: seen.append(e.message))])
        assert assoc.is_established
        instance = DatasetFactory(seed=31).make("CT")
        status = assoc.send_c_store(instance)
        assoc.release()
    finally:
        simulator.stop()
        store.close()
    assert simulator.takes_inline_path == (not faults)
    if not faults:
        assert status.Status == 0x0000
        assert seen and seen[-1].command_set.MessageIDBeingRespondedTo == 1
        assert seen[-1].command_set.AffectedSOPInstanceUID == instance.SOPInstanceUID


def test_part10_header_is_what_pynetdicom_encodes():
    """received.part10_header writes the File Meta Information by hand: the bytes of pynetdicom's encode_file_meta."""
    from pydicom.uid import DeflatedExplicitVRLittleEndian, ImplicitVRLittleEndian, JPEGBaseline8Bit
    from pynetdicom.dsutils import create_file_meta, encode_file_meta

    from dicom_harness.simulators.received import part10_header
    for instance in ("1.2.3.4", "1.2.3.45"):
        for syntax in (ImplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, JPEGBaseline8Bit):
            meta = create_file_meta(sop_class_uid=CTImageStorage, sop_instance_uid=instance, transfer_syntax=syntax)
            assert part10_header(meta) == b"\0" * 128 + b"DICM" + encode_file_meta(meta)
            meta.SourceApplicationEntityTitle = "ODD"        # AE, space-padded
            assert part10_header(meta) == b"\0" * 128 + b"DICM" + encode_file_meta(meta)


def test_file_meta_is_what_pynetdicom_gives(tmp_path):
    """received.file_meta (the head's File Meta Information, made without validation) equals event.file_meta."""
    from pynetdicom import evt as events
    from pynetdicom.presentation import build_context

    from dicom_harness.simulators.received import file_meta
    request = C_STORE()
    request.AffectedSOPClassUID = CTImageStorage
    request.AffectedSOPInstanceUID = "1.2.3.45"
    request.DataSet = __import__("io").BytesIO(b"")
    context = build_context(CTImageStorage, "1.2.840.10008.1.2.1")
    context.context_id = 1
    event = events.Event(None, events.EVT_C_STORE, {"request": request, "context": context.as_tuple})
    ours, theirs = file_meta(event), event.file_meta
    assert list(ours.keys()) == list(theirs.keys())
    assert all(ours[tag].value == theirs[tag].value and ours[tag].VR == theirs[tag].VR for tag in theirs.keys())
