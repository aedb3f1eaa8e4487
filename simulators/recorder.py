"""The recorder of `dicom-harness listen`: pynetdicom notification handlers that write, for every association a
product opens, the raw A-ASSOCIATE-RQ, what was accepted, each DIMSE message received (its command fields and
its data set as a Part 10 file), the final status of each answer and how the association ended; and the C-STORE
sub-operations the PACS sends a C-GET SCU on its association, with the product's answers to them.

Notification handlers only: the simulators' services answer as they always do, and a message is recorded when
pynetdicom has it whole, before any service handles it (so before any response goes out)."""

from __future__ import annotations

import logging
import threading
import weakref
from io import BytesIO

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import write_file_meta_info
from pynetdicom import evt

from dicom_harness.shared.recording import RecordingWriter, encode_bytes
from dicom_harness.shared.status import Status

log = logging.getLogger("simulators.recorder")

COMMANDS = {0x0001: "C-STORE-RQ", 0x0010: "C-GET-RQ", 0x0020: "C-FIND-RQ", 0x0021: "C-MOVE-RQ",
            0x0030: "C-ECHO-RQ", 0x0FFF: "C-CANCEL-RQ", 0x0100: "N-EVENT-REPORT-RQ", 0x0110: "N-GET-RQ",
            0x0120: "N-SET-RQ", 0x0130: "N-ACTION-RQ", 0x0140: "N-CREATE-RQ", 0x0150: "N-DELETE-RQ"}
PENDING = (Status.PENDING, Status.PENDING_WARNING)
A_ASSOCIATE_RQ, P_DATA_TF, A_RELEASE_RQ, A_ABORT = 0x01, 0x04, 0x05, 0x07
C_STORE_RQ, C_STORE_RSP = 0x0001, 0x8001


class _AssociationLog:
    def __init__(self, number: int):
        self.number = number
        self.pdata_lengths: list[int] = []
        self.how = ""
        self.messages: dict[int, int] = {}      # Message ID -> recorded message number
        self.ended = False


class Recorder:
    def __init__(self, writer: RecordingWriter):
        self.writer = writer
        self._logs: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()
        self._open = 0
        self._idle = threading.Condition(self._lock)
        self.associations = 0

    def handlers(self) -> list:
        return [(evt.EVT_DATA_RECV, self._on_data), (evt.EVT_ACCEPTED, self._on_accepted),
                (evt.EVT_DIMSE_RECV, self._on_message), (evt.EVT_DIMSE_SENT, self._on_sent),
                (evt.EVT_CONN_CLOSE, self._on_closed)]

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no association is open (True), or timeout seconds (False)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._open == 0, timeout=timeout)

    @property
    def open_associations(self) -> int:
        return self._open

    def _log_of(self, assoc) -> _AssociationLog:
        with self._lock:
            found = self._logs.get(assoc)
            if found is None:
                self.associations += 1
                self._open += 1
                found = self._logs[assoc] = _AssociationLog(self.associations)
            return found

    def _on_data(self, event) -> None:
        data: bytes = event.data
        kind = data[0] if data else 0
        if kind == A_ASSOCIATE_RQ:
            found = self._log_of(event.assoc)
            address = event.assoc.requestor.address, event.assoc.requestor.port
            self.writer.event("association-requested", association=found.number, peer=f"{address[0]}:{address[1]}",
                              request=encode_bytes(data), calling_ae=data[26:42].decode("ascii", "replace").strip(),
                              called_ae=data[10:26].decode("ascii", "replace").strip())
            return
        found = self._log_of(event.assoc)
        if kind == P_DATA_TF and len(data) >= 6:
            found.pdata_lengths.append(int.from_bytes(data[2:6], "big"))
        elif kind == A_RELEASE_RQ:
            found.how = "released"
        elif kind == A_ABORT:
            found.how = "aborted"

    def _on_accepted(self, event) -> None:
        assoc = event.assoc
        found = self._log_of(assoc)
        contexts = {cx.context_id: (str(cx.abstract_syntax), str(cx.transfer_syntax[0]))
                    for cx in assoc.accepted_contexts}
        self.writer.event("association-accepted", association=found.number,
                          acceptor_max_pdu=assoc.acceptor.maximum_length, contexts=contexts)

    def _on_message(self, event) -> None:
        message = event.message
        found = self._log_of(event.assoc)
        command: Dataset = message.command_set
        if command.get("CommandField") == C_STORE_RSP and "MessageIDBeingRespondedTo" in command:
            self.writer.event("sub-operation-response", association=found.number,
                              message_id=int(command.MessageIDBeingRespondedTo), status=int(command.get("Status", -1)))
        fields = {element.keyword or str(element.tag): _plain(element.value) for element in command}
        number = self.writer.next_number()
        context = next((cx for cx in event.assoc.accepted_contexts if cx.context_id == message.context_id), None)
        abstract = str(context.abstract_syntax) if context else ""
        transfer = str(context.transfer_syntax[0]) if context else ""
        dataset_file = dataset_error = ""
        raw = message.data_set.getvalue() if message.data_set is not None else b""
        if raw:
            try:
                dataset_file = self.writer.dataset_file(number, _part10(raw, fields, abstract, transfer))
            except (OSError, ValueError) as exc:
                dataset_error = str(exc)
        if "MessageID" in fields:
            found.messages[fields["MessageID"]] = number
        self.writer.event("message", number=number, association=found.number,
                          command=COMMANDS.get(fields.get("CommandField", -1), f"0x{fields.get('CommandField', 0):04X}"),
                          context_id=message.context_id, abstract_syntax=abstract, transfer_syntax=transfer,
                          fields=fields, dataset_file=dataset_file, dataset_error=dataset_error)

    def _on_sent(self, event) -> None:
        command = event.message.command_set
        if command.get("CommandField") == C_STORE_RQ:       # a C-GET's sub-operation, sent to the product
            found = self._log_of(event.assoc)
            self.writer.event("sub-operation", association=found.number, message_id=int(command.MessageID),
                              sop_class=str(command.get("AffectedSOPClassUID", "")),
                              sop_instance=str(command.get("AffectedSOPInstanceUID", "")))
            return
        status = command.get("Status")
        responded_to = command.get("MessageIDBeingRespondedTo")
        if status is None or responded_to is None or int(status) in PENDING:
            return
        found = self._log_of(event.assoc)
        number = found.messages.get(int(responded_to))
        if number is not None:
            self.writer.event("response", number=number, status=int(status))

    def _on_closed(self, event) -> None:
        found = self._log_of(event.assoc)
        with self._lock:
            if found.ended:
                return
            found.ended = True
        self.writer.event("association-ended", association=found.number, how=found.how,
                          pdata_lengths=found.pdata_lengths)
        with self._idle:
            self._open -= 1
            self._idle.notify_all()


def _plain(value):
    if isinstance(value, (bytes, bytearray)):
        return value.decode("ascii", "replace")
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, int):
        return value
    return str(value)


def _part10(raw: bytes, fields: dict, sop_class: str, transfer_syntax: str) -> bytes:
    """The data set as it arrived, behind a file meta header naming its transfer syntax."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = fields.get("AffectedSOPClassUID") or fields.get("RequestedSOPClassUID") or sop_class
    meta.MediaStorageSOPInstanceUID = (fields.get("AffectedSOPInstanceUID") or fields.get("RequestedSOPInstanceUID")
                                       or "0")
    meta.TransferSyntaxUID = transfer_syntax or "1.2.840.10008.1.2"
    buffer = BytesIO()
    buffer.write(b"\x00" * 128 + b"DICM")
    write_file_meta_info(buffer, meta, enforce_standard=True)
    buffer.write(raw)
    return buffer.getvalue()
