"""The clean PACS simulator's C-STORE path: answered in the association's reader thread, the response written by hand.

pynetdicom hands a decoded C-STORE request from its reader thread (the DUL) to the association's thread through
a queue that thread polls every millisecond; the response goes back through another queue, built as a pydicom
data set and encoded, and the reader sleeps a millisecond whenever it finds nothing to do. For one storescu
stream those waits and encodings cost more than the whole per-image time of Orthanc. Here, per association (no
patching of pynetdicom itself):
- the reader reads a C-STORE-RQ's P-DATA-TF PDUs itself (_RawStoreDul): the command set decoded by hand, the
  data set gathered as it arrives (to a file past spool.SPOOL_AT), no PDU, P-DATA or DIMSE message objects of
  pynetdicom's, no pydicom decoding of the command;
- the request is served there by the same EVT_C_STORE handler, and its C-STORE-RSP is a fixed command set
  (PS3.7 9.3.1.2) written as bytes and sent as one P-DATA-TF; a C-STORE request pynetdicom decoded itself (a
  command set in several fragments, TLS) is served the same way where pynetdicom queues it (the DIMSE
  provider's message queue, already ours: harness/shared/network.py _ScreenedQueue);
- the reader waits for the socket instead of sleeping (harness/shared/reactor.py, every association of ours),
  so the next request is read as it arrives.

Anything else (every other DIMSE message and PDU, a request on a context that is not a storage one, an
association being released) takes pynetdicom's own path. Only the clean simulator takes this one: faults and the listen
mode's recorder watch pynetdicom's events (EVT_DIMSE_SENT, EVT_PDU_SENT...) that this path does not raise."""

from __future__ import annotations

import logging
import os
import select
import socket
import ssl
import struct
from io import BytesIO
from pathlib import Path

from pydicom.dataset import Dataset
from pynetdicom import evt
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom.dsutils import create_file_meta
from pynetdicom.service_class import StorageServiceClass
from pynetdicom.sop_class import uid_to_service_class

from dicom_harness.shared.network import _ScreenedQueue
from dicom_harness.shared.reactor import REACTOR_WAIT
from dicom_harness.shared.spool import is_large, open_spool_file

log = logging.getLogger("simulators.pacs")

C_STORE_RSP = 0x8001
NO_DATA_SET = 0x0101
PROCESSING_FAILURE_IN_HANDLER = 0xC211      # pynetdicom's status when the handler raises


def _element(element: int, value: bytes) -> bytes:
    """A command element (group 0000, Implicit VR Little Endian: PS3.7 6.3.1)."""
    return struct.pack("<HHL", 0x0000, element, len(value)) + value


def _uid(value) -> bytes:
    data = str(value).encode("ascii")
    return data + b"\0" if len(data) % 2 else data


def _text(value: str) -> bytes:
    data = value.encode("ascii", "replace")
    return data + b" " if len(data) % 2 else data


def store_response(message_id: int, sop_class: str, sop_instance: str, status: int,
                   error_comment: str | None = None) -> bytes:
    """The encoded C-STORE-RSP command set (PS3.7 Table 9.3-2), elements in tag order."""
    body = b"".join((
        _element(0x0002, _uid(sop_class)),
        _element(0x0100, struct.pack("<H", C_STORE_RSP)),
        _element(0x0120, struct.pack("<H", message_id)),
        _element(0x0800, struct.pack("<H", NO_DATA_SET)),
        _element(0x0900, struct.pack("<H", status)),
        _element(0x0902, _text(error_comment)) if error_comment else b"",
        _element(0x1000, _uid(sop_instance)),
    ))
    return _element(0x0000, struct.pack("<L", len(body))) + body


def command_pdus(context_id: int, command: bytes, peer_max_pdu: int) -> list[bytes]:
    """P-DATA-TF PDUs carrying one command set (PS3.8 9.3.5, E.2), fragmented to the peer's maximum length."""
    room = len(command) if not peer_max_pdu else max(1, peer_max_pdu - 6)
    pdus = []
    for at in range(0, len(command), room):
        fragment = command[at:at + room]
        header = 0x03 if at + room >= len(command) else 0x01      # command, last fragment or not
        pdv = struct.pack(">LBB", len(fragment) + 2, context_id, header) + fragment
        pdus.append(struct.pack(">BBL", 0x04, 0x00, len(pdv)) + pdv)
    return pdus


def _status_of(answer) -> tuple[int, str | None]:
    if isinstance(answer, Dataset):
        comment = answer.get("ErrorComment")
        return int(answer.Status), (str(comment) if comment else None)
    return int(answer), None


def _servable(assoc, context_id: int, request: C_STORE):
    """(context, handler, args) when this association serves `request` here, else None (pynetdicom's path)."""
    if assoc is None or assoc._sent_release or not assoc.is_established or not request.is_valid_request:
        return None
    context = assoc._accepted_cx.get(context_id)
    if context is None:
        return None
    sop_class = request.AffectedSOPClassUID
    service = assoc.acceptor.accepted_common_extended.get(sop_class, (sop_class,))[0]
    if uid_to_service_class(service) is not StorageServiceClass:
        return None
    handler, args = assoc.get_handlers(evt.EVT_C_STORE)
    if handler is None:
        return None
    return context, handler, args


def _answer(assoc, context_id: int, request: C_STORE, served) -> None:
    """Run the EVT_C_STORE handler on `request` and send its C-STORE-RSP, from the reader thread."""
    context, handler, args = served
    event = evt.Event(assoc, evt.EVT_C_STORE, {"request": request, "context": context.as_tuple})
    # The handler runs in the reader thread: an abort it asks for must not wait for that thread
    blocking_abort = assoc.abort
    assoc.abort = assoc._abort_nonblocking
    try:
        answer = handler(event, *args) if args else handler(event)
        status, comment = _status_of(answer)
    except Exception as exc:   # noqa: BLE001 - as pynetdicom: any handler failure is 0xC211
        log.error("exception in the C-STORE handler: %s", exc)
        status, comment = PROCESSING_FAILURE_IN_HANDLER, None
    finally:
        assoc.abort = blocking_abort
        _discard_spooled(request)
    if not assoc.is_established:
        return
    command = store_response(request.MessageID, request.AffectedSOPClassUID, request.AffectedSOPInstanceUID,
                             status, comment)
    for pdu in command_pdus(context_id, command, assoc.requestor.maximum_length or 0):
        assoc.dul.socket.send(pdu)


class _StoreInlineQueue(_ScreenedQueue):
    """The DIMSE provider's message queue of one association: a C-STORE request pynetdicom decoded (one the raw
    path below handed over) is served on the spot."""

    assoc = None

    def put(self, item, block=True, timeout=None):
        context_id, message = item
        if isinstance(message, C_STORE) and message.Status is None:
            served = _servable(self.assoc, context_id, message)
            if served is not None:
                _answer(self.assoc, context_id, message, served)
                return
        super().put(item, block, timeout)


def _discard_spooled(request: C_STORE) -> None:
    """As pynetdicom does after its handler: a data set received into a file (harness/shared/spool.py) is closed
    and its file removed; one the store kept was moved into place, under another name."""
    spooled = getattr(request, "_dataset_file", None)
    if spooled:
        spooled.close()
        try:
            os.unlink(spooled.name)
        except OSError:
            pass


# -- the raw receive path: a C-STORE-RQ read from the socket without pynetdicom's decoding ------------------
P_DATA_TF = 0x04
# The command elements of a C-STORE-RQ (PS3.7 Table 9.3-1), by element number of group 0000: (keyword, VR)
_STORE_RQ_ELEMENTS = {
    0x0002: ("AffectedSOPClassUID", "UI"),
    0x0100: ("CommandField", "US"),
    0x0110: ("MessageID", "US"),
    0x0700: ("Priority", "US"),
    0x0800: ("CommandDataSetType", "US"),
    0x1000: ("AffectedSOPInstanceUID", "UI"),
    0x1030: ("MoveOriginatorApplicationEntityTitle", "AE"),
    0x1031: ("MoveOriginatorMessageID", "US"),
}
C_STORE_RQ = 0x0001


def store_request_elements(command: bytes) -> dict | None:
    """The elements of a C-STORE-RQ command set (Implicit VR Little Endian group 0000, PS3.7 6.3.1, 9.3.1.1), by
    pynetdicom's keywords, decoded as pydicom decodes them; None for anything else: another command, an element
    a C-STORE-RQ does not have, elements out of order, a value of the wrong length or several values, no data
    set. pynetdicom's own path then decodes the bytes and does what it does."""
    values: dict = {}
    at, end, previous = 0, len(command), -1
    while at < end:
        if end - at < 8:
            return None
        group, element, length = struct.unpack_from("<HHL", command, at)
        at += 8
        if group != 0x0000 or length > end - at or element <= previous:
            return None
        previous = element
        value = command[at:at + length]
        at += length
        if element == 0x0000:           # Command Group Length: pynetdicom does not check it either
            if length != 4:
                return None
            continue
        known = _STORE_RQ_ELEMENTS.get(element)
        if known is None:
            return None
        keyword, vr = known
        if vr == "US":
            if length != 2:
                return None
            values[keyword] = struct.unpack("<H", value)[0]
            continue
        if b"\\" in value:
            return None
        try:
            text = bytes(value).decode("ascii")
        except UnicodeDecodeError:
            return None
        text = text.rstrip("\0 ") if vr == "UI" else text.strip()
        if not text:
            return None
        values[keyword] = text
    if values.pop("CommandField", None) != C_STORE_RQ or values.pop("CommandDataSetType", NO_DATA_SET) == NO_DATA_SET:
        return None
    return values


def _store_request(values: dict, context_id: int) -> C_STORE | None:
    """The C_STORE primitive pynetdicom's message_to_primitive would make (its setters, its checks)."""
    request = C_STORE()
    try:
        for keyword, value in values.items():
            setattr(request, keyword, value)
    except Exception:      # noqa: BLE001 - a value pynetdicom refuses: its own path decides what to do
        return None
    request.DataSet = BytesIO()         # its data set, once it has arrived (_Incoming.finished_request)
    request._context_id = context_id
    return request


def _pdvs(body) -> list[tuple[int, int, memoryview]] | None:
    """The presentation data values of a P-DATA-TF PDU's body (PS3.8 9.3.5): (context ID, message control
    header, fragment); None when an item's length does not fit (pynetdicom's decoding then finds it invalid)."""
    items = []
    view = memoryview(body)
    at, end = 0, len(body)
    while at < end:
        if end - at < 6:
            return None
        length, context_id, control = struct.unpack_from(">LBB", body, at)
        if length < 2 or length > end - at - 4:
            return None
        items.append((context_id, control, view[at + 6:at + 4 + length]))
        at += 4 + length
    return items or None


def _p_data_tf(items) -> bytes:
    body = b"".join(struct.pack(">LBB", len(data) + 2, context_id, control) + data
                    for context_id, control, data in items)
    return struct.pack(">BBL", P_DATA_TF, 0x00, len(body)) + body


class _Incoming:
    """A C-STORE-RQ being received: its command, and its data set in memory or, past spool.SPOOL_AT, in a file."""

    def __init__(self, context_id: int, command: bytes, request: C_STORE, served, spool_directory):
        self.context_id = context_id
        self.command = command
        self.request = request
        self.served = served
        self.spool_directory = spool_directory      # None: not an association that spools (stays in memory)
        self.data = BytesIO()
        self.file = None

    def add(self, fragment, assoc) -> None:
        if self.file is not None:
            self.file.write(fragment)
            self.file.flush()
            return
        self.data.write(fragment)
        if self.spool_directory is not False and is_large(self.data.tell()):
            meta = create_file_meta(sop_class_uid=self.request.AffectedSOPClassUID,
                                    sop_instance_uid=self.request.AffectedSOPInstanceUID,
                                    transfer_syntax=assoc._accepted_cx[self.context_id].transfer_syntax[0])
            self.file = open_spool_file(self.spool_directory, meta, self.data.getbuffer())
            self.data = BytesIO()

    def finished_request(self) -> C_STORE:
        request = self.request
        request.DataSet = self.data
        if self.file is not None:
            request._dataset_file = self.file
            request._dataset_path = Path(self.file.name)
        return request

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
            Path(self.file.name).unlink(missing_ok=True)
            self.file = None


class _RawStoreDul:
    """Mixin for the DUL provider of a clean PACS simulator's association. While established (Sta6), on a plain
    socket, a P-DATA-TF PDU is read here: a C-STORE-RQ whose command set is whole in the PDU's first PDV is
    decoded by hand, its data set fragments gathered as they come (PS3.8 Annex E), and the request served by the
    same EVT_C_STORE handler, answered by store_response(). Every other PDU, and a P-DATA-TF that does not start
    such a request, reach pynetdicom's decoding and state machine unchanged (so the unknown-PDU A-ABORT, the
    releases and aborts, the other services, malformed PDUs and command sets behave as before). pynetdicom's
    events for PDUs and DIMSE messages (EVT_PDU_RECV, EVT_DIMSE_RECV...) are not raised for a request served
    here: only the clean simulator, which watches none of them, takes this path."""

    _dh_incoming: _Incoming | None = None

    def _dh_raw_path_open(self) -> bool:
        if self.state_machine.current_state != "Sta6" or self.event_queue.qsize() or self._recv_pdu.qsize():
            return False
        transport = self.socket
        sock = getattr(transport, "socket", None)
        if sock is None or isinstance(sock, ssl.SSLSocket) or not getattr(transport, "_is_connected", False):
            return False
        return self._dh_incoming is not None or self.assoc.dimse.message is None

    def _read_pdu_data(self) -> None:
        if not self._dh_raw_path_open():
            return super()._read_pdu_data()
        # One storescu stream is served in this loop: back in pynetdicom's round, each PDU read here would cost a
        # time.sleep(0) (a context switch: a wait for the CPU on a loaded machine) and two more selects
        while self._dh_serve_pdu() and self._dh_next_pdu_here():
            self._idle_timer.restart()      # as pynetdicom's round does after each PDU it reads

    def _dh_serve_pdu(self) -> bool:
        """Read one PDU and serve it here, or hand it to pynetdicom: True when it was a P-DATA-TF taken here."""
        sock = self.socket.socket
        try:
            first = sock.recv(1, socket.MSG_PEEK)
        except OSError:
            first = b""
        if first[:1] != bytes([P_DATA_TF]):
            super()._read_pdu_data()
            return False
        try:
            header = self._dh_read(sock, 6)
            length = struct.unpack(">BBL", header)[2] if len(header) == 6 else -1
            body = self._dh_read(sock, length) if length > 0 else bytearray()
        except (OSError, TimeoutError) as exc:
            log.error("connection closed before the entire PDU was received: %s", exc)
            length, body = -1, b""
        if length < 0 or len(body) != length:
            self.event_queue.put("Evt17")       # as pynetdicom: the transport connection closed
            return False
        items = _pdvs(body)
        if items is None:
            self._dh_to_pynetdicom(bytes(header) + bytes(body))
            return False
        return self._dh_take(items, bytes(header) + bytes(body))

    def _dh_read(self, sock, count: int) -> bytearray:
        """`count` bytes: what the socket holds already in one read (the socket is non-blocking under its timeout,
        so no poll first), the rest by DeadlineSocket.recv (a PDU must arrive whole within its deadline)."""
        data = bytearray()
        if sock.gettimeout() is not None:      # O_NONBLOCK underneath: os.read never waits
            try:
                data += os.read(sock.fileno(), count)
            except (BlockingIOError, InterruptedError):
                pass        # nothing yet (an end of stream reads b"": DeadlineSocket.recv then sees it too)
        if len(data) < count:
            data += self.socket.recv(count - len(data))
        return data

    def _dh_next_pdu_here(self) -> bool:
        """Wait, as the reactor's idle round does (REACTOR_WAIT at most, woken by a put on the DUL's queues or a
        kill), for the next PDU: True when it has begun to arrive and this path is still the one to read it."""
        wake_fd = getattr(self, "_dh_wake_fd", -1)
        if wake_fd < 0 or self._kill_thread or self.to_provider_queue.qsize() or not self._dh_raw_path_open():
            return False
        sock = self.socket.socket
        self._dh_waiting = True
        try:
            if self.event_queue.qsize() or self.to_provider_queue.qsize() or self._kill_thread:
                return False
            ready = select.select([sock, wake_fd], [], [], REACTOR_WAIT)[0]
        except (OSError, ValueError):
            return False        # a socket closed under us: pynetdicom's own round notices it
        finally:
            self._dh_waiting = False
        # the wake-up is left for the reactor's own wait to read: pynetdicom's round sees what caused it
        return ready == [sock] and self._dh_raw_path_open()

    def _dh_take(self, items, whole: bytes | None) -> bool:
        """Feed the PDVs of one PDU; `whole`: the PDU's bytes, handed over unchanged when nothing was taken. False
        when pynetdicom's path took the rest."""
        for index, (context_id, control, fragment) in enumerate(items):
            incoming = self._dh_incoming
            if incoming is None:
                incoming = self._dh_start(context_id, control, fragment)
                if incoming is None:        # not a C-STORE-RQ served here: pynetdicom's path from this PDV on
                    self._dh_to_pynetdicom(whole if index == 0 and whole is not None else _p_data_tf(items[index:]))
                    return False
                self._dh_incoming = incoming
                continue
            if control & 0x01:      # a command fragment inside a data set: pynetdicom's path decides
                self._dh_hand_over(incoming)
                self._dh_to_pynetdicom(_p_data_tf(items[index:]))
                return False
            incoming.add(fragment, self.assoc)
            if control & 0x02:      # the data set's last fragment
                self._dh_incoming = None
                _answer(self.assoc, incoming.context_id, incoming.finished_request(), incoming.served)
        return True

    def _dh_start(self, context_id: int, control: int, fragment) -> _Incoming | None:
        if control & 0x03 != 0x03:      # not a command set whole in this PDV
            return None
        command = bytes(fragment)
        values = store_request_elements(command)
        request = _store_request(values, context_id) if values is not None else None
        served = _servable(self.assoc, context_id, request) if request is not None else None
        if served is None:
            return None
        spool_directory = getattr(self.assoc.dimse, "_dh_spool_directory", False)
        return _Incoming(context_id, command, request, served, spool_directory)

    def _dh_hand_over(self, incoming: _Incoming) -> None:
        """pynetdicom's DIMSE provider takes over a C-STORE-RQ begun here, as if it had decoded it itself."""
        from pynetdicom.dimse_messages import C_STORE_RQ as Message
        from pynetdicom.dsutils import decode
        self._dh_incoming = None
        message = Message()
        message.encoded_command_set = BytesIO(incoming.command)
        message.encoded_command_set.seek(0, 2)
        message.command_set = decode(BytesIO(incoming.command), True, True)
        message.context_id = incoming.context_id
        message.data_set = incoming.data
        if incoming.file is not None:
            message._data_set_file = incoming.file
            message._data_set_path = Path(incoming.file.name)
        self.assoc.dimse.message = message

    def _dh_to_pynetdicom(self, pdu: bytes) -> None:
        """What pynetdicom's _read_pdu_data does with a PDU it has read."""
        try:
            decoded, event = self._decode_pdu(bytearray(pdu))
            self.event_queue.put(event)
        except Exception as exc:   # noqa: BLE001 - as pynetdicom: any decoding failure is an invalid PDU
            log.error("unable to decode the received PDU data: %s", exc)
            self.event_queue.put("Evt19")
            return
        self._recv_pdu.put(decoded)



def discard_unfinished_store(event) -> None:
    """EVT_CONN_CLOSE: a data set the raw path was receiving when the association ended loses its spooled file."""
    dul = event.assoc.dul
    incoming = getattr(dul, "_dh_incoming", None)
    if incoming is not None:
        dul._dh_incoming = None
        incoming.discard()


_RAW: dict[type, type] = {}


def _take_raw_path(dul) -> None:
    current = type(dul)
    if issubclass(current, _RawStoreDul):
        return
    if current not in _RAW:
        _RAW[current] = type(f"RawStore{current.__name__}", (_RawStoreDul, current), {})
    dul.__class__ = _RAW[current]


def serve_stores_inline(event) -> None:
    """EVT_CONN_OPEN, after guard_dimse (harness/shared/network.py): this association takes the path above."""
    assoc = event.assoc
    queue = getattr(getattr(assoc, "dimse", None), "msg_queue", None)
    if type(queue) is _ScreenedQueue:
        queue.__class__ = _StoreInlineQueue
        queue.assoc = assoc
    _take_raw_path(assoc.dul)


STORE_INLINE_HANDLERS = [(evt.EVT_CONN_OPEN, serve_stores_inline), (evt.EVT_CONN_CLOSE, discard_unfinished_store)]
