"""The clean PACS simulator's raw C-STORE receive path (simulators/store_inline.py _RawStoreDul): P-DATA-TF PDUs
read and a C-STORE-RQ command set decoded by hand. Each scenario sends hand-made PDUs on an association opened by
pynetdicom, to the clean simulator (raw path) and to one whose associations take pynetdicom's decoding (the raw
path switched off), and the two must answer alike: fragmented command sets, a command and its data set split
oddly across PDUs, two messages in one PDU, a C-ECHO between stores, a release after stores, malformed command
sets, a command inside a data set. Also dcmtk's storescu sending in small PDUs."""

from __future__ import annotations

import os
import subprocess
import time
from io import BytesIO

import pytest
from pydicom import dcmread
from pydicom.uid import ImplicitVRLittleEndian
from pynetdicom import AE
from pynetdicom.dimse_messages import C_ECHO_RQ, C_STORE_RQ
from pynetdicom.dimse_primitives import C_ECHO, C_STORE
from pynetdicom.dsutils import encode
from pynetdicom.sop_class import CTImageStorage, Verification

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.shared.spool import data_offset
from dicom_harness.simulators import store_inline
from dicom_harness.simulators.store_inline import _p_data_tf, store_request_elements
from tests.conftest import require_peer

COMMAND, COMMAND_LAST, DATA, DATA_LAST = 0x01, 0x03, 0x00, 0x02


def _command_bytes(primitive, message) -> bytes:
    message.primitive_to_message(primitive)
    first = next(iter(message.encode_msg(1, 0)))
    return first.presentation_data_value_list[0][1][1:]


def store_command(message_id: int, instance, move_originator: str | None = None) -> bytes:
    """A C-STORE-RQ command set as pynetdicom encodes it."""
    primitive = C_STORE()
    primitive.MessageID = message_id
    primitive.AffectedSOPClassUID = instance.SOPClassUID
    primitive.AffectedSOPInstanceUID = instance.SOPInstanceUID
    primitive.Priority = 2
    if move_originator:
        primitive.MoveOriginatorApplicationEntityTitle = move_originator
        primitive.MoveOriginatorMessageID = 9
    primitive.DataSet = BytesIO(b"\0\0")
    return _command_bytes(primitive, C_STORE_RQ())


def echo_command(message_id: int) -> bytes:
    primitive = C_ECHO()
    primitive.MessageID = message_id
    primitive.AffectedSOPClassUID = Verification
    return _command_bytes(primitive, C_ECHO_RQ())


def with_element(command: bytes, element: int, value: bytes | None) -> bytes:
    """`command` with (0000,element) set to `value` (None: left out), its group length updated."""
    import struct
    elements, at = {}, 0
    while at < len(command):
        _, number, length = struct.unpack_from("<HHL", command, at)
        elements[number] = command[at + 8:at + 8 + length]
        at += 8 + length
    elements.pop(0x0000, None)
    if value is None:
        elements.pop(element, None)
    else:
        elements[element] = value
    body = b"".join(struct.pack("<HHL", 0, n, len(v)) + v for n, v in sorted(elements.items()))
    return struct.pack("<HHLL", 0, 0, 4, len(body)) + body


def data_set(instance) -> bytes:
    return encode(instance, True, True)


def split(data: bytes, *sizes: int) -> list[bytes]:
    pieces, at = [], 0
    for size in sizes:
        pieces.append(data[at:at + size])
        at += size
    return pieces + [data[at:]]


# -- the hand decoder --------------------------------------------------------------------------------------------
def test_store_request_elements_are_what_pydicom_decodes():
    from pynetdicom.dsutils import decode
    instance = DatasetFactory(seed=41).make("CT")
    for originator in (None, "MOVER"):
        command = store_command(513, instance, originator)
        ours = store_request_elements(command)
        theirs = decode(BytesIO(command), True, True)
        assert ours["MessageID"] == theirs.MessageID == 513
        assert ours["AffectedSOPClassUID"] == theirs.AffectedSOPClassUID
        assert ours["AffectedSOPInstanceUID"] == theirs.AffectedSOPInstanceUID
        assert ours["Priority"] == theirs.Priority
        assert ours.get("MoveOriginatorApplicationEntityTitle") == theirs.get("MoveOriginatorApplicationEntityTitle")


def test_anything_but_a_plain_c_store_rq_is_left_to_pynetdicom():
    instance = DatasetFactory(seed=42).make("CT")
    command = store_command(1, instance)
    assert store_request_elements(echo_command(1)) is None                          # another command
    assert store_request_elements(command[:-3]) is None                             # truncated
    assert store_request_elements(command + b"\0\0\x02\x00\x00\x00\x00\x00") is None    # an element out of order
    no_data = with_element(command, 0x0800, (0x0101).to_bytes(2, "little"))
    assert no_data != command and store_request_elements(no_data) is None          # Command Data Set Type: none
    assert store_request_elements(with_element(command, 0x0110, b"\1\0\2\0")) is None    # two Message IDs


# -- scenarios, raw path and pynetdicom's path side by side ------------------------------------------------------
@pytest.fixture(params=["raw", "pynetdicom"])
def simulator(request, tmp_path, monkeypatch):
    from dicom_harness.simulators.pacs import PacsSimulator
    from dicom_harness.simulators.store import Store
    if request.param == "pynetdicom":
        monkeypatch.setattr(store_inline, "_take_raw_path", lambda dul: None)
    served_raw = []
    finished = store_inline._Incoming.finished_request
    monkeypatch.setattr(store_inline._Incoming, "finished_request",
                        lambda self: served_raw.append(self.request.MessageID) or finished(self))
    store = Store(tmp_path / "store")
    simulator = PacsSimulator(store, ae_title="DH_PACS").start()
    simulator.path = request.param
    simulator.served_raw = served_raw
    yield simulator
    simulator.stop()
    store.close()


class Wire:
    """A pynetdicom association whose reactor is paused while hand-made PDUs go out and the answers come back."""

    def __init__(self, port: int):
        ae = AE(ae_title="RAW_SCU")
        ae.add_requested_context(CTImageStorage, ImplicitVRLittleEndian)
        ae.add_requested_context(Verification, ImplicitVRLittleEndian)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
        self.assoc = ae.associate("127.0.0.1", port, ae_title="DH_PACS")
        assert self.assoc.is_established
        self.ct = next(c.context_id for c in self.assoc.accepted_contexts if c.abstract_syntax == CTImageStorage)
        self.echo = next(c.context_id for c in self.assoc.accepted_contexts if c.abstract_syntax == Verification)

    def exchange(self, pdus: list[bytes], answers: int) -> list[int]:
        """Send `pdus`, return the Status of each of `answers` responses (None where none came)."""
        assoc = self.assoc
        assoc._reactor_checkpoint.clear()
        while not assoc._is_paused:
            time.sleep(0.0001)
        try:
            for pdu in pdus:
                assoc.dul.socket.socket.sendall(pdu)
            statuses = []
            for _ in range(answers):
                _, response = assoc.dimse.get_msg(block=True)
                statuses.append(None if response is None else response.Status)
            return statuses
        finally:
            assoc._reactor_checkpoint.set()

    def aborted(self) -> bool:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not self.assoc.is_aborted:
            time.sleep(0.01)
        return self.assoc.is_aborted


def pdu(*pdvs) -> bytes:
    return _p_data_tf([(context, control, data) for context, control, data in pdvs])


def kept_data_set(simulator, instance) -> bytes | None:
    kept = simulator.store.get(str(instance.SOPInstanceUID))
    if kept is None:
        return None
    raw = kept.path.read_bytes()
    return raw[data_offset(kept.path):]


def test_a_command_set_fragmented_across_pdus(simulator):
    instance = DatasetFactory(seed=43).make("CT")
    command, data = store_command(1, instance), data_set(instance)
    wire = Wire(simulator.port)
    first, second, third = split(command, 10, 31)
    one, two = split(data, 1000)
    statuses = wire.exchange([pdu((wire.ct, COMMAND, first)), pdu((wire.ct, COMMAND, second)),
                              pdu((wire.ct, COMMAND_LAST, third)), pdu((wire.ct, DATA, one)),
                              pdu((wire.ct, DATA_LAST, two))], 1)
    assert statuses == [0x0000]
    assert kept_data_set(simulator, instance) == data
    assert simulator.served_raw == []           # a command set in pieces: pynetdicom's decoding, served inline
    wire.assoc.release()
    assert wire.assoc.is_released


def test_a_command_and_its_data_set_split_oddly_across_pdus(simulator):
    first, second, third = (DatasetFactory(seed=s).make("CT") for s in (44, 45, 46))
    wire = Wire(simulator.port)
    data = data_set(first)
    a, b, c, d = split(data, 7, 1, 2001)
    statuses = wire.exchange([pdu((wire.ct, COMMAND_LAST, store_command(1, first)), (wire.ct, DATA, a)),
                              pdu((wire.ct, DATA, b), (wire.ct, DATA, c)),
                              pdu((wire.ct, DATA_LAST, d))], 1)
    e, f = split(data_set(second), 500)
    statuses += wire.exchange([pdu((wire.ct, COMMAND_LAST, store_command(2, second)), (wire.ct, DATA, e)),
                               pdu((wire.ct, DATA_LAST, f))], 1)
    assert statuses == [0x0000, 0x0000]
    for instance in (first, second):
        assert kept_data_set(simulator, instance) == data_set(instance)
    if simulator.path == "raw":
        # The end of one message and the whole of another in one PDU (PS3.8 9.3.5: a PDU holds one or more PDVs):
        # both served. pynetdicom's decoding stops at a message's last fragment and drops the rest of the PDU.
        fourth = DatasetFactory(seed=55).make("CT")
        g, h = split(data_set(third), 200)
        assert wire.exchange([pdu((wire.ct, COMMAND_LAST, store_command(3, third)), (wire.ct, DATA, g)),
                              pdu((wire.ct, DATA_LAST, h), (wire.ct, COMMAND_LAST, store_command(4, fourth)),
                                  (wire.ct, DATA_LAST, data_set(fourth)))], 2) == [0x0000, 0x0000]
        assert kept_data_set(simulator, third) == data_set(third)
        assert kept_data_set(simulator, fourth) == data_set(fourth)


def test_a_c_echo_between_stores_and_a_release_after_them(simulator):
    instances = [DatasetFactory(seed=s).make("CT") for s in (47, 48)]
    wire = Wire(simulator.port)
    statuses = wire.exchange([pdu((wire.ct, COMMAND_LAST, store_command(1, instances[0])),
                                  (wire.ct, DATA_LAST, data_set(instances[0])))], 1)
    statuses += wire.exchange([pdu((wire.echo, COMMAND_LAST, echo_command(2)))], 1)
    statuses += wire.exchange([pdu((wire.ct, COMMAND_LAST, store_command(3, instances[1]))),
                               pdu((wire.ct, DATA_LAST, data_set(instances[1])))], 1)
    assert statuses == [0x0000, 0x0000, 0x0000]
    wire.assoc.release()
    assert wire.assoc.is_released and not wire.assoc.is_aborted
    assert all(kept_data_set(simulator, i) == data_set(i) for i in instances)
    assert simulator.served_raw == ([1, 3] if simulator.path == "raw" else [])


def test_a_c_store_on_the_verification_context_is_not_served_as_storage(simulator):
    """A C-STORE-RQ on a context whose abstract syntax is not a storage one: pynetdicom's path (no storage)."""
    instance = DatasetFactory(seed=49).make("CT")
    wire = Wire(simulator.port)
    wire.exchange([pdu((wire.echo, COMMAND_LAST, store_command(1, instance)),
                       (wire.echo, DATA_LAST, data_set(instance)))], 0)
    assert simulator.store.get(str(instance.SOPInstanceUID)) is None
    statuses = wire.exchange([pdu((wire.echo, COMMAND_LAST, echo_command(2)))], 1)
    simulator.outcome = statuses


def test_an_undecodable_command_set_is_aborted(simulator):
    """A command set whose element claims more bytes than there are: pynetdicom's path, A-ABORT (GuardedDimse)."""
    instance = DatasetFactory(seed=50).make("CT")
    command = store_command(1, instance)
    broken = command[:-4] + b"\xff\xff\xff\x7f"        # the last element's value cut, its length huge
    wire = Wire(simulator.port)
    wire.exchange([pdu((wire.ct, COMMAND_LAST, broken), (wire.ct, DATA_LAST, data_set(instance)))], 0)
    assert wire.aborted()
    assert simulator.store.get(str(instance.SOPInstanceUID)) is None


def test_a_command_without_a_required_element_is_aborted(simulator):
    """No Affected SOP Instance UID: the request cannot be answered (PS3.7 9.3.1.1); as before, A-ABORT
    (network._ScreenedQueue). No Priority: pynetdicom's default (LOW) stands in, and the request is served."""
    instance = DatasetFactory(seed=51).make("CT")
    without_priority = with_element(store_command(1, instance), 0x0700, None)
    assert "Priority" not in store_request_elements(without_priority)
    wire = Wire(simulator.port)
    assert wire.exchange([pdu((wire.ct, COMMAND_LAST, without_priority), (wire.ct, DATA_LAST, data_set(instance)))],
                         1) == [0x0000]
    without_instance = with_element(store_command(2, instance), 0x1000, None)
    wire.exchange([pdu((wire.ct, COMMAND_LAST, without_instance), (wire.ct, DATA_LAST, data_set(instance)))], 0)
    assert wire.aborted()


def test_a_command_inside_a_data_set_goes_to_pynetdicom_and_the_simulator_still_serves(simulator):
    """A command fragment before the data set's last fragment: the raw path hands the message over to pynetdicom
    as it stands, which decides (it reads the fragment as more of the command set and waits for a data set; no
    answer, as on pynetdicom's own path); the simulator goes on serving other associations."""
    first, second = DatasetFactory(seed=52).make("CT"), DatasetFactory(seed=53).make("CT")
    wire = Wire(simulator.port)
    one, _ = split(data_set(first), 300)
    wire.exchange([pdu((wire.ct, COMMAND_LAST, store_command(1, first)), (wire.ct, DATA, one)),
                   pdu((wire.ct, COMMAND_LAST, store_command(2, second)))], 0)
    again = Wire(simulator.port)
    assert again.exchange([pdu((again.ct, COMMAND_LAST, store_command(1, second)),
                                (again.ct, DATA_LAST, data_set(second)))], 1) == [0x0000]
    again.assoc.release()
    assert simulator.store.get(str(first.SOPInstanceUID)) is None
    wire.assoc.abort()


# -- dcmtk -------------------------------------------------------------------------------------------------------
def test_storescu_in_small_pdus_stores_identical_data_sets(pacs, tmp_path):
    """dcmtk's storescu, sending PDUs of 4 KiB (a data set in dozens of them), several images on one association."""
    storescu = require_peer("storescu")
    folder = tmp_path / "images"
    folder.mkdir()
    factory = DatasetFactory(seed=54)
    sent = [factory.make("CT") for _ in range(3)]
    for index, instance in enumerate(sent):
        instance.save_as(folder / f"{index}.dcm", enforce_file_format=True)
    done = subprocess.run([storescu, "-aec", "DH_PACS", "--max-send-pdu", "4096", "+sd", "127.0.0.1",
                           str(pacs.port), str(folder)], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, TCP_NODELAY="1"))
    assert done.returncode == 0, done.stderr
    for index, instance in enumerate(sent):
        kept = pacs.store.get(str(instance.SOPInstanceUID))
        assert kept is not None
        assert dcmread(kept.path) == dcmread(folder / f"{index}.dcm")
