"""A recording: what a product under test sent to the counterpart simulators of `dicom-harness listen`, kept in
one folder so the client-side suites can judge it afterwards (and again later, from the same folder).

    subject.json     who was listened to: the product's name, its scenario, where it had to connect, the
                     --drive command and how it ended
    events.jsonl     one JSON object a line, in arrival order: associations (the raw A-ASSOCIATE-RQ bytes and
                     what was accepted), DIMSE messages (command fields and the data set's file), their ends,
                     the C-STORE sub-operations sent to a C-GET SCU and its answers
    datasets/        each received data set as a DICOM Part 10 file, in the transfer syntax it arrived in
    bodies/          each HTTP request body (STOW-RS, UPS-RS) as it arrived, one file per request

The simulators write it (RecordingWriter, thread-safe: one thread per association), the harness reads it
(Recording). Both sides share this module, so the format is defined once."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path

SUBJECT_FILE = "subject.json"
EVENTS_FILE = "events.jsonl"
DATASETS_FOLDER = "datasets"
BODIES_FOLDER = "bodies"


class RecordingError(ValueError):
    """A recording folder that cannot be read."""


class RecordingWriter:
    def __init__(self, folder: Path):
        self.folder = Path(folder)
        (self.folder / DATASETS_FOLDER).mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._events = open(self.folder / EVENTS_FILE, "a", encoding="utf-8")
        self._count = 0

    def event(self, kind: str, **fields) -> None:
        with self._lock:
            self._events.write(json.dumps({"kind": kind, **fields}, default=str) + "\n")
            self._events.flush()

    def next_number(self) -> int:
        with self._lock:
            self._count += 1
            return self._count

    def dataset_file(self, number: int, part10: bytes) -> str:
        """Keep a received data set; returns its path relative to the folder."""
        relative = f"{DATASETS_FOLDER}/{number:06d}.dcm"
        (self.folder / relative).write_bytes(part10)
        return relative

    def body_file(self, number: int, body: bytes) -> str:
        """Keep an HTTP request's body as it arrived; returns its path relative to the folder."""
        (self.folder / BODIES_FOLDER).mkdir(exist_ok=True)
        relative = f"{BODIES_FOLDER}/{number:06d}.bin"
        (self.folder / relative).write_bytes(body)
        return relative

    def write_subject(self, subject: dict) -> None:
        (self.folder / SUBJECT_FILE).write_text(json.dumps(subject, indent=2, default=str) + "\n", encoding="utf-8")

    def close(self) -> None:
        with self._lock:
            self._events.close()


def encode_bytes(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


@dataclass
class RecordedMessage:
    """One DIMSE message received from the product."""
    number: int
    association: int
    command: str                    # "C-STORE-RQ", "C-FIND-RQ", ...
    context_id: int
    abstract_syntax: str            # of the presentation context the message came on ("" if unknown)
    transfer_syntax: str
    fields: dict                    # the command set's elements by keyword (UIDs and AE titles as strings)
    dataset_file: str = ""          # relative to the recording folder, "" when the message had no data set
    dataset_error: str = ""         # why the data set could not be kept as a file
    response_status: int | None = None

    def describe(self) -> str:
        keys = ("MessageID", "AffectedSOPClassUID", "AffectedSOPInstanceUID", "Priority")
        shown = ", ".join(f"{k}={self.fields[k]}" for k in keys if k in self.fields)
        return f"association {self.association}: {self.command} on context {self.context_id} ({shown})"


@dataclass
class RecordedSubOperation:
    """A C-STORE sub-operation the counterpart sent the product (a C-GET SCU) on its association, and its answer."""
    association: int
    message_id: int
    sop_class: str
    sop_instance: str
    response_status: int | None = None      # None: no C-STORE-RSP came back

    def describe(self) -> str:
        answer = "no answer" if self.response_status is None else f"answered 0x{self.response_status:04X}"
        return (f"association {self.association}: C-STORE-RQ {self.message_id} sent ({self.sop_class}, "
                f"{self.sop_instance}): {answer}")


@dataclass
class RecordedAssociation:
    number: int
    peer: str                       # "host:port" the product connected from
    request: bytes                  # the A-ASSOCIATE-RQ PDU as it arrived
    calling_ae: str = ""
    called_ae: str = ""
    accepted: bool = False
    acceptor_max_pdu: int = 0       # what the simulator announced in its A-ASSOCIATE-AC (0: unlimited)
    accepted_contexts: dict[int, tuple[str, str]] = field(default_factory=dict)   # id -> (abstract, transfer)
    pdata_lengths: list[int] = field(default_factory=list)   # the variable-field length of each P-DATA-TF
    ended: str = ""                 # "released", "aborted" or "" (connection closed without either)


@dataclass
class RecordedRequest:
    """One HTTP request received from the product (a DICOMweb user agent), as it arrived."""
    number: int
    method: str
    path: str                       # the request target's path, percent-encoding kept as sent
    query: str                      # the query component as it arrived (no leading "?"; "" when absent)
    headers: list[tuple[str, str]]  # every header field in arrival order, names lower-cased
    body_file: str = ""             # relative to the recording folder, "" when the request had no body
    body_length: int = 0
    status: int | None = None       # the simulator's answer

    def header(self, name: str) -> str | None:
        """The header field's value (several fields of the name joined by ", "), None when absent."""
        found = [value for key, value in self.headers if key == name.lower()]
        return ", ".join(found) if found else None

    def target(self) -> str:
        return self.path + (f"?{self.query}" if self.query else "")

    def describe(self) -> str:
        answer = f" -> {self.status}" if self.status is not None else ""
        return f"request {self.number}: {self.method} {self.target()}{answer}"


@dataclass
class Recording:
    folder: Path
    subject: dict
    associations: list[RecordedAssociation]
    messages: list[RecordedMessage]
    requests: list[RecordedRequest] = field(default_factory=list)
    suboperations: list[RecordedSubOperation] = field(default_factory=list)

    @classmethod
    def read(cls, folder: Path) -> Recording:
        folder = Path(folder)
        subject_file, events_file = folder / SUBJECT_FILE, folder / EVENTS_FILE
        if not subject_file.exists() or not events_file.exists():
            raise RecordingError(f"{folder} is not a recording (no {SUBJECT_FILE} or {EVENTS_FILE}); "
                                 "`dicom-harness listen` makes one")
        try:
            subject = json.loads(subject_file.read_text(encoding="utf-8"))
            events = [json.loads(line) for line in events_file.read_text(encoding="utf-8").splitlines() if line]
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise RecordingError(f"{folder}: cannot read the recording: {exc}") from None
        associations: dict[int, RecordedAssociation] = {}
        messages: dict[int, RecordedMessage] = {}
        requests: list[RecordedRequest] = []
        suboperations: dict[tuple[int, int], RecordedSubOperation] = {}
        for event in events:
            kind = event.pop("kind")
            if kind == "association-requested":
                associations[event["association"]] = RecordedAssociation(
                    number=event["association"], peer=event["peer"], request=base64.b64decode(event["request"]),
                    calling_ae=event.get("calling_ae", ""), called_ae=event.get("called_ae", ""))
            elif kind == "association-accepted" and event["association"] in associations:
                found = associations[event["association"]]
                found.accepted = True
                found.acceptor_max_pdu = event["acceptor_max_pdu"]
                found.accepted_contexts = {int(k): tuple(v) for k, v in event["contexts"].items()}
            elif kind == "association-ended" and event["association"] in associations:
                found = associations[event["association"]]
                found.ended = event["how"]
                found.pdata_lengths = event["pdata_lengths"]
            elif kind == "message":
                messages[event["number"]] = RecordedMessage(**event)
            elif kind == "response" and event["number"] in messages:
                messages[event["number"]].response_status = event["status"]
            elif kind == "sub-operation":
                suboperations[event["association"], event["message_id"]] = RecordedSubOperation(**event)
            elif kind == "sub-operation-response" and (event["association"], event["message_id"]) in suboperations:
                suboperations[event["association"], event["message_id"]].response_status = event["status"]
            elif kind == "http-request":
                event["headers"] = [tuple(pair) for pair in event["headers"]]
                requests.append(RecordedRequest(**event))
        return cls(folder, subject, list(associations.values()), list(messages.values()), requests,
                   list(suboperations.values()))

    def messages_of(self, command: str) -> list[RecordedMessage]:
        return [m for m in self.messages if m.command == command]

    def path(self, message: RecordedMessage) -> Path:
        return self.folder / message.dataset_file

    def body(self, request: RecordedRequest) -> bytes:
        return (self.folder / request.body_file).read_bytes() if request.body_file else b""
