"""The PACS simulator against C-STORE requests that must not earn Success: a command naming another instance or
class than its data set, UIDs that are not UIDs, element lengths that do not fit, a Deflate bomb, and command
sets missing what their service requires. Each is sent on the wire (pynetdicom's DIMSE layer or raw PDUs)."""

from __future__ import annotations

import socket
import struct
import time
import zlib
from io import BytesIO

import pytest
from pydicom.dataset import Dataset
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian, generate_uid
from pynetdicom import AE
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom.dsutils import encode
from pynetdicom.sop_class import CTImageStorage, MRImageStorage, Verification

from dicom_harness.shared.status import status_class

A_ABORT_TYPE = 0x07


def _dataset(sop_class=CTImageStorage, sop_instance=None, **extra) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = sop_class
    ds.SOPInstanceUID = sop_instance or generate_uid()
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientID = "HOSTILE"
    ds.Modality = "CT"
    for keyword, value in extra.items():
        setattr(ds, keyword, value)
    return ds


@pytest.fixture
def association(pacs):
    ae = AE(ae_title="HOSTILE")
    ae.dimse_timeout = 10
    for syntax in (ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian):
        ae.add_requested_context(CTImageStorage, syntax)
    ae.add_requested_context(MRImageStorage, ExplicitVRLittleEndian)
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", pacs.port, ae_title="DH_PACS")
    assert assoc.is_established
    yield assoc
    if assoc.is_established:
        assoc.release()


def _context(assoc, sop_class, syntax=ExplicitVRLittleEndian) -> int:
    return next(cx.context_id for cx in assoc.accepted_contexts
                if cx.abstract_syntax == sop_class and cx.transfer_syntax[0] == syntax)


def _store_raw(assoc, encoded: bytes, sop_class: str, sop_instance: str, syntax=ExplicitVRLittleEndian) -> Dataset:
    """A C-STORE-RQ whose command UIDs and data set bytes are ours to choose; returns the response's command."""
    request = C_STORE()
    request.MessageID = 7
    request.AffectedSOPClassUID = sop_class
    request.AffectedSOPInstanceUID = sop_instance
    request.Priority = 2
    request.DataSet = BytesIO(encoded)
    assoc._reactor_checkpoint.clear()       # as pynetdicom's own send_*: the reactor must not take the response
    while not assoc._is_paused:
        time.sleep(0.0001)
    try:
        assoc.dimse.send_msg(request, _context(assoc, sop_class, syntax))
        _, response = assoc.dimse.get_msg(block=True)
    finally:
        assoc._reactor_checkpoint.set()
    assert response is not None, "no C-STORE response within the DIMSE timeout"
    return response


def _assert_refused(response, allowed: str, pacs, sop_instance: str) -> None:
    status = int(response.Status)
    assert status_class(status) == "Failure", f"expected a refusal ({allowed}), got 0x{status:04X}"
    assert pacs.store.get(sop_instance) is None, "refused, yet kept"


# -- a command that names something else -----------------------------------------------------------------------
def test_instance_uid_mismatch_is_refused(association, pacs):
    """The command's Affected SOP Instance UID is not the data set's: PS3.4 Table B.2-1 A9xx (any Failure)."""
    ds = _dataset()
    other = generate_uid()
    response = _store_raw(association, encode(ds, False, True), CTImageStorage, other)
    _assert_refused(response, "A9xx Data Set does not match SOP Class", pacs, str(ds.SOPInstanceUID))
    assert pacs.store.get(other) is None
    assert int(response.Status) & 0xFF00 == 0xA900
    assert "not the command" in str(response.ErrorComment)


def test_class_uid_mismatch_is_refused(association, pacs):
    ds = _dataset(sop_class=MRImageStorage)
    response = _store_raw(association, encode(ds, False, True), CTImageStorage, str(ds.SOPInstanceUID))
    _assert_refused(response, "A9xx", pacs, str(ds.SOPInstanceUID))


def test_valid_store_still_succeeds(association, pacs):
    ds = _dataset()
    response = _store_raw(association, encode(ds, False, True), CTImageStorage, str(ds.SOPInstanceUID))
    assert int(response.Status) == 0x0000
    assert pacs.store.get(str(ds.SOPInstanceUID)) is not None


# -- UIDs that are not UIDs (PS3.5 9.1) ---------------------------------------------------------------------------
BAD_UIDS = ["1.2.3/../../etc", "1.2..3", "1.2.3\x004", "1." + "2" * 70, "1.2.a", "../1.2"]


@pytest.mark.parametrize("bad", BAD_UIDS, ids=["path", "empty-component", "nul", "too-long", "letter", "dotdot"])
def test_non_uid_in_data_set_is_refused(association, pacs, bad):
    """PS3.7 9.1.1.1.9 h: Invalid SOP Instance (0117H) "implied a violation of the UID construction rules";
    any Failure is accepted."""
    ds = _dataset()
    ds.SOPInstanceUID = bad
    command_uid = bad if len(bad) <= 64 else generate_uid()     # pynetdicom will not send a longer one
    response = _store_raw(association, encode(ds, False, True), CTImageStorage, command_uid)
    _assert_refused(response, "0117 Invalid SOP Instance", pacs, bad)
    assert pacs.store.count() == 0


@pytest.mark.parametrize("keyword", ["StudyInstanceUID", "SeriesInstanceUID"])
def test_non_uid_study_or_series_is_refused(association, pacs, keyword):
    ds = _dataset()
    setattr(ds, keyword, "1.2.3/4")
    response = _store_raw(association, encode(ds, False, True), CTImageStorage, str(ds.SOPInstanceUID))
    _assert_refused(response, "a Failure", pacs, str(ds.SOPInstanceUID))


# -- impossible element lengths -------------------------------------------------------------------------------
def _element(group: int, element: int, vr: bytes, value: bytes, declared: int | None = None) -> bytes:
    length = len(value) if declared is None else declared
    if vr in (b"OB", b"SQ", b"UN", b"UT"):
        return struct.pack("<HH2sHL", group, element, vr, 0, length) + value
    return struct.pack("<HH2sH", group, element, vr, length) + value


@pytest.mark.parametrize("tail", [
    _element(0x0010, 0x4000, b"LT", b"abcd", declared=5000),          # runs past the end
    _element(0x0011, 0x1010, b"OB", b"\0" * 8, declared=0x7FFFFFF0),  # absurd length
    _element(0x0011, 0x1010, b"LT", b"", declared=0xFFFF)[:6],         # header cut short
    _element(0x0011, 0x1011, b"SQ", struct.pack("<HHL", 0xFFFE, 0xE000, 400) + b"\0" * 8),  # item too long
], ids=["past-end", "absurd", "cut-header", "item-past-sequence"])
def test_impossible_lengths_are_refused(association, pacs, tail):
    """PS3.4 Table B.2-1 "Error: Cannot understand" (Cxxx) for a data set whose lengths do not fit."""
    ds = _dataset()
    encoded = encode(ds, False, True) + tail
    response = _store_raw(association, encoded, CTImageStorage, str(ds.SOPInstanceUID))
    _assert_refused(response, "Cxxx Cannot understand", pacs, str(ds.SOPInstanceUID))
    assert int(response.Status) & 0xF000 == 0xC000


# -- Deflate bomb ----------------------------------------------------------------------------------------------
def test_deflate_bomb_is_refused_within_the_bound(tmp_path):
    """A Deflated data set inflating past the configured bound: Refused: Out of resources (A7xx)."""
    from dicom_harness.simulators.inspection import Limits
    from dicom_harness.simulators.pacs import PacsSimulator
    from dicom_harness.simulators.store import Store
    store = Store(tmp_path / "store")
    pacs = PacsSimulator(store, limits=Limits(max_inflated_bytes=2_000_000)).start()
    try:
        ae = AE(ae_title="HOSTILE")
        ae.add_requested_context(CTImageStorage, DeflatedExplicitVRLittleEndian)
        assoc = ae.associate("127.0.0.1", pacs.port, ae_title="DH_PACS")
        ds = _dataset()
        plain = encode(ds, False, True) + _element(0x0011, 0x1010, b"OB", b"\0" * 8_000_000)
        packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        bomb = packer.compress(plain) + packer.flush()
        assert len(bomb) < 20_000
        response = _store_raw(assoc, bomb, CTImageStorage, str(ds.SOPInstanceUID), DeflatedExplicitVRLittleEndian)
        assert int(response.Status) & 0xFF00 == 0xA700, f"0x{int(response.Status):04X}"
        assert store.get(str(ds.SOPInstanceUID)) is None
        small = _dataset()
        packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        deflated = packer.compress(encode(small, False, True)) + packer.flush()
        response = _store_raw(assoc, deflated, CTImageStorage, str(small.SOPInstanceUID),
                              DeflatedExplicitVRLittleEndian)
        assert int(response.Status) == 0x0000
        assoc.release()
    finally:
        pacs.stop()
        store.close()


# -- command sets missing what their service requires ------------------------------------------------------------
def _command(**elements) -> bytes:
    ds = Dataset()
    for keyword, value in elements.items():
        setattr(ds, keyword, value)
    return encode(ds, True, True)


def _p_data(context_id: int, control: int, payload: bytes) -> bytes:
    item = struct.pack(">LBB", len(payload) + 2, context_id, control) + payload
    return struct.pack(">BBL", 0x04, 0, len(item)) + item


@pytest.mark.parametrize("command", [
    _command(CommandDataSetType=0x0101, MessageID=1),                               # no Command Field
    _command(CommandField=0x0001, MessageID=1),                                     # no Command Data Set Type
    _command(CommandField=0x0042, MessageID=1, CommandDataSetType=0x0101),          # no such command
    _command(CommandField=0x0030, CommandDataSetType=0x0101),                       # C-ECHO-RQ without Message ID
    _command(CommandField=0x0001, MessageID=3, CommandDataSetType=0x0101, Priority=0,
             AffectedSOPClassUID=CTImageStorage),                                    # C-STORE-RQ, no instance, no data
    b"\x00\x00\x00\x00\xff\xff\xff\x7f",                                            # not a data set
], ids=["no-command-field", "no-data-set-type", "unknown-command", "echo-no-message-id", "store-incomplete",
        "garbage"])
def test_incomplete_command_set_is_aborted_at_once(association, pacs, command):
    """PS3.8 9.2/7.3: what cannot be answered is aborted; never a dead reader or a wait for the timeout."""
    sock = association.dul.socket.socket
    context_id = _context(association, Verification, association.accepted_contexts[-1].transfer_syntax[0])
    started = time.monotonic()
    sock.sendall(_p_data(context_id, 0x03, command))
    deadline = started + 5
    while time.monotonic() < deadline and not association.is_aborted:
        time.sleep(0.05)
    assert association.is_aborted, "no A-ABORT within 5 s"
    assert time.monotonic() - started < 5
    # and the simulator still serves others
    ae = AE(ae_title="AFTER")
    ae.add_requested_context(Verification)
    again = ae.associate("127.0.0.1", pacs.port, ae_title="DH_PACS")
    assert again.is_established and again.send_c_echo().Status == 0x0000
    again.release()


def test_raw_socket_incomplete_command_gets_abort_pdu(pacs):
    """The same at byte level: associate by hand, send a command set without Command Field, read an A-ABORT."""
    from pynetdicom.pdu import A_ASSOCIATE_RQ
    from pynetdicom.pdu_primitives import A_ASSOCIATE
    from pynetdicom.presentation import build_context
    primitive = A_ASSOCIATE()
    primitive.application_context_name = "1.2.840.10008.3.1.1.1"
    primitive.calling_ae_title = "RAW"
    primitive.called_ae_title = "DH_PACS"
    from pynetdicom.transport import AddressInformation
    primitive.calling_presentation_address = AddressInformation("127.0.0.1", 0)
    primitive.called_presentation_address = AddressInformation("127.0.0.1", pacs.port)
    cx = build_context(Verification)
    cx.context_id = 1
    primitive.presentation_context_definition_list = [cx]
    from pynetdicom.pdu_primitives import MaximumLengthNotification
    item = MaximumLengthNotification()
    item.maximum_length_received = 16384
    primitive.user_information = [item]
    pdu = A_ASSOCIATE_RQ()
    pdu.from_primitive(primitive)
    with socket.create_connection(("127.0.0.1", pacs.port), timeout=5) as sock:
        sock.sendall(pdu.encode())
        header = sock.recv(6)
        assert header[0] == 0x02, f"expected A-ASSOCIATE-AC, got {header.hex()}"
        remaining = struct.unpack(">L", header[2:6])[0]
        while remaining:
            remaining -= len(sock.recv(remaining))
        sock.sendall(_p_data(1, 0x03, _command(CommandDataSetType=0x0101, MessageID=1)))
        answer = sock.recv(6)
    assert answer and answer[0] == A_ABORT_TYPE, f"expected an A-ABORT PDU, got {answer.hex()}"


# -- stalled peers ---------------------------------------------------------------------------------------------
def test_half_open_connections_do_not_lock_real_clients_out(pacs):
    """150 connections that stop mid A-ASSOCIATE-RQ (the old limit was 32 of any kind): a real client still associates at once, and each
    stalled connection is closed within the ACSE timeout (10 s), not the 30 s network timeout per read."""
    from dicom_harness.shared.network import ACSE_TIMEOUT
    stalled = []
    try:
        for _ in range(150):
            sock = socket.create_connection(("127.0.0.1", pacs.port), timeout=5)
            sock.sendall(struct.pack(">BBL", 0x01, 0, 200) + b"\x00\x01")     # half a PDU, then nothing
            stalled.append(sock)
        started = time.monotonic()
        ae = AE(ae_title="REAL")
        ae.add_requested_context(Verification)
        assoc = ae.associate("127.0.0.1", pacs.port, ae_title="DH_PACS")
        assert assoc.is_established, "a real client was locked out by stalled connections"
        assert assoc.send_c_echo().Status == 0x0000
        assoc.release()
        assert time.monotonic() - started < 5
        deadline = time.monotonic() + ACSE_TIMEOUT + 10
        for sock in stalled:
            sock.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                assert sock.recv(1024) is not None      # b"" (closed) or an A-ABORT: either way not held
            except (TimeoutError, socket.timeout):
                pytest.fail("a stalled connection was held past the ACSE timeout")
            except ConnectionResetError:
                pass
    finally:
        for sock in stalled:
            sock.close()


def test_established_association_limit_rejects_transiently(tmp_path):
    from dicom_harness.simulators.inspection import Limits
    from dicom_harness.simulators.pacs import PacsSimulator
    from dicom_harness.simulators.store import Store
    store = Store(tmp_path / "store")
    pacs = PacsSimulator(store, limits=Limits(max_associations=2)).start()
    held = []
    try:
        ae = AE(ae_title="MANY")
        ae.add_requested_context(Verification)
        for _ in range(2):
            held.append(ae.associate("127.0.0.1", pacs.port, ae_title="DH_PACS"))
            assert held[-1].is_established
        third = ae.associate("127.0.0.1", pacs.port, ae_title="DH_PACS")
        assert third.is_rejected and not third.is_established
        held.pop().release()
        time.sleep(0.5)
        fourth = ae.associate("127.0.0.1", pacs.port, ae_title="DH_PACS")
        assert fourth.is_established
        held.append(fourth)
    finally:
        for assoc in held:
            assoc.release()
        pacs.stop()
        store.close()
