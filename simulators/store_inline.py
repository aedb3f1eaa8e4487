"""The clean PACS simulator's C-STORE path: answered in the association's reader thread, the response written by hand.

pynetdicom hands a decoded C-STORE request from its reader thread (the DUL) to the association's thread through
a queue that thread polls every millisecond; the response goes back through another queue, built as a pydicom
data set and encoded, and the reader sleeps a millisecond whenever it finds nothing to do. For one storescu
stream those waits and encodings cost more than the whole per-image time of Orthanc. Here, per association (no
patching of pynetdicom itself):
- a complete C-STORE request is served where pynetdicom queues it (the DIMSE provider's message queue, already
  ours: harness/shared/network.py _ScreenedQueue), by the same EVT_C_STORE handler, and its C-STORE-RSP is
  a fixed command set (PS3.7 9.3.1.2) written as bytes and sent as one P-DATA-TF;
- the reader waits for the socket instead of sleeping (harness/shared/reactor.py, every association of ours),
  so the next request is read as it arrives.

Anything else (every other DIMSE message, a request on a context that is not a storage one, an association
being released) takes pynetdicom's own path. Only the clean simulator takes this one: faults and the listen
mode's recorder watch pynetdicom's events (EVT_DIMSE_SENT, EVT_PDU_SENT...) that this path does not raise."""

from __future__ import annotations

import logging
import os
import struct

from pydicom.dataset import Dataset
from pynetdicom import evt
from pynetdicom.dimse_primitives import C_STORE
from pynetdicom.service_class import StorageServiceClass
from pynetdicom.sop_class import uid_to_service_class

from dicom_harness.shared.network import _ScreenedQueue

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


class _StoreInlineQueue(_ScreenedQueue):
    """The DIMSE provider's message queue of one association: a C-STORE request is served on the spot."""

    assoc = None

    def put(self, item, block=True, timeout=None):
        context_id, message = item
        if isinstance(message, C_STORE) and message.Status is None and self._serve(context_id, message):
            return
        super().put(item, block, timeout)

    def _serve(self, context_id: int, request: C_STORE) -> bool:
        assoc = self.assoc
        if assoc is None or assoc._sent_release or not assoc.is_established or not request.is_valid_request:
            return False
        context = assoc._accepted_cx.get(context_id)
        if context is None:
            return False
        sop_class = request.AffectedSOPClassUID
        service = assoc.acceptor.accepted_common_extended.get(sop_class, (sop_class,))[0]
        if uid_to_service_class(service) is not StorageServiceClass:
            return False
        handler, args = assoc.get_handlers(evt.EVT_C_STORE)
        if handler is None:
            return False
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
            return True
        command = store_response(request.MessageID, sop_class, request.AffectedSOPInstanceUID, status, comment)
        for pdu in command_pdus(context_id, command, assoc.requestor.maximum_length or 0):
            assoc.dul.socket.send(pdu)
        return True


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


def serve_stores_inline(event) -> None:
    """EVT_CONN_OPEN, after guard_dimse (harness/shared/network.py): this association takes the path above."""
    assoc = event.assoc
    queue = getattr(getattr(assoc, "dimse", None), "msg_queue", None)
    if type(queue) is _ScreenedQueue:
        queue.__class__ = _StoreInlineQueue
        queue.assoc = assoc


STORE_INLINE_HANDLERS = [(evt.EVT_CONN_OPEN, serve_stores_inline)]
