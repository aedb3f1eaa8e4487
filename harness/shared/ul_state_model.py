"""A reference model of the association acceptor's side of the PS3.8 upper layer state machine (9.2, Table 9-10),
and a driver that plays PDUs to a target over one raw TCP connection and judges each thing the target sends back
(or its silence, or its closing the connection) against the model.

The model knows the rows a requestor can trigger in the acceptor (PDUs received on the transport connection) and
the acceptor's own moves the table allows in each state (its local user's primitives: accept or reject, P-DATA,
release, abort; and the ARTIM timer's close in Sta13). Where the table allows several answers (AE-6: accept,
reject or abort; a local user's A-ABORT in Sta3 to Sta12; the ARTIM close in Sta13) every one is accepted.

Used by suites/association (the differential test and the fixed-sequence tests of single rows) and by nothing that
changes state: a Step records what was sent, in which state, the table's action, what was observed, and the next
state."""

from __future__ import annotations

import select
import socket
import ssl
import struct
import time
from dataclasses import dataclass, field

from dicom_harness.shared import associate_rq

# -- what the requestor sends -----------------------------------------------------------------------------------
RQ, ECHO, RELRQ, RELRP, ABORT, UNKNOWN, MALFORMED = (
    "A-ASSOCIATE-RQ", "P-DATA-TF (C-ECHO-RQ)", "A-RELEASE-RQ", "A-RELEASE-RP", "A-ABORT", "unrecognized PDU (type 0F)",
    "invalid P-DATA-TF (PDV length past the PDU)")
SENDABLE = (RQ, ECHO, RELRQ, RELRP, ABORT, UNKNOWN, MALFORMED)

# -- what the acceptor may send back (PDU kinds by type, PS3.8 9.3.1), or do ------------------------------------
AC, RJ, PDATA = "A-ASSOCIATE-AC", "A-ASSOCIATE-RJ", "P-DATA-TF"
CLOSED = "transport connection closed"
SILENT = "nothing"
PDU_NAMES = {0x01: RQ, 0x02: AC, 0x03: RJ, 0x04: PDATA, 0x05: RELRQ, 0x06: RELRP, 0x07: ABORT}

# The table's row for each PDU we send (a PDU the acceptor receives). Columns Sta1..Sta13; None: no entry (a state
# the acceptor cannot be in with the PDU arriving, Sta1 and Sta4). The C-ECHO P-DATA-TF is the P-DATA-TF PDU row;
# the unrecognized and the invalid PDU share the "Unrecognized or invalid PDU received" row.
_ROWS = {
    RQ:        (None, "AE-6", "AA-8", None, "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-7"),
    ECHO:      (None, "AA-1", "AA-8", None, "AA-8", "DT-2", "AR-6", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-6"),
    RELRQ:     (None, "AA-1", "AA-8", None, "AA-8", "AR-2", "AR-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-6"),
    RELRP:     (None, "AA-1", "AA-8", None, "AA-8", "AA-8", "AR-3", "AA-8", "AA-8", "AR-10", "AR-3", "AA-8", "AA-6"),
    ABORT:     (None, "AA-2", "AA-3", None, "AA-3", "AA-3", "AA-3", "AA-3", "AA-3", "AA-3", "AA-3", "AA-3", "AA-2"),
    UNKNOWN:   (None, "AA-1", "AA-8", None, "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-8", "AA-7"),
}
_ROWS[MALFORMED] = _ROWS[UNKNOWN]

# The actions of those rows (PS3.8 9.2.2): what the acceptor sends or does at once (None: nothing), and the next
# state. AE-6 has two outcomes: the request acceptable to the provider (Sta3, the local user answers) or not
# (A-ASSOCIATE-RJ, Sta13). AR-8: the acceptor is not the association-requestor, so Sta10.
ACTIONS: dict[str, tuple[tuple[str | None, str], ...]] = {
    "AE-6": ((None, "Sta3"), (RJ, "Sta13")),
    "DT-2": ((None, "Sta6"),),
    "AR-2": ((None, "Sta8"),),
    "AR-3": ((CLOSED, "Sta1"),),
    "AR-6": ((None, "Sta7"),),
    "AR-8": ((None, "Sta10"),),
    "AR-10": ((None, "Sta12"),),
    "AA-1": ((ABORT, "Sta13"),),
    "AA-2": ((CLOSED, "Sta1"),),
    "AA-3": ((CLOSED, "Sta1"),),
    "AA-6": ((None, "Sta13"),),
    "AA-7": ((ABORT, "Sta13"),),
    "AA-8": ((ABORT, "Sta13"),),
}
ACTION_WORDS = {
    "AE-6": "A-ASSOCIATE indication (Sta3), or A-ASSOCIATE-RJ (Sta13)", "DT-2": "P-DATA indication (Sta6)",
    "AR-2": "A-RELEASE indication (Sta8)", "AR-3": "close the transport connection (Sta1)",
    "AR-6": "P-DATA indication (Sta7)", "AR-8": "A-RELEASE indication, release collision (Sta10)",
    "AR-10": "A-RELEASE confirmation (Sta12)", "AA-1": "send A-ABORT (Sta13)",
    "AA-2": "close the transport connection (Sta1)", "AA-3": "A-ABORT indication, close the transport connection "
    "(Sta1)", "AA-6": "ignore the PDU (Sta13)", "AA-7": "send A-ABORT (Sta13)",
    "AA-8": "send A-ABORT (service-provider), A-P-ABORT indication (Sta13)",
}

# What the acceptor may do on its own in a state: its local user's primitives (A-ASSOCIATE response, P-DATA
# request, A-RELEASE request and response, A-ABORT request) and the ARTIM timer's close in Sta13 (AA-2).
LOCAL: dict[str, dict[str, tuple[str, str]]] = {
    "Sta3": {AC: ("AE-7", "Sta6"), RJ: ("AE-8", "Sta13"), ABORT: ("AA-1", "Sta13")},
    "Sta6": {PDATA: ("DT-1", "Sta6"), RELRQ: ("AR-1", "Sta7"), ABORT: ("AA-1", "Sta13")},
    "Sta7": {ABORT: ("AA-1", "Sta13")},
    "Sta8": {PDATA: ("AR-7", "Sta8"), RELRP: ("AR-4", "Sta13"), ABORT: ("AA-1", "Sta13")},
    "Sta10": {ABORT: ("AA-1", "Sta13")},
    "Sta12": {RELRP: ("AR-4", "Sta13"), ABORT: ("AA-1", "Sta13")},
    "Sta13": {CLOSED: ("AA-2 (ARTIM expired)", "Sta1")},
}
# States where the acceptor's local user owes an answer: it must come (A-ASSOCIATE response, A-RELEASE response)
OWED = {"Sta3": "an A-ASSOCIATE response (AC, RJ or A-ABORT)", "Sta8": "an A-RELEASE response (A-RELEASE-RP or "
        "A-ABORT)", "Sta12": "an A-RELEASE response (A-RELEASE-RP or A-ABORT)"}


def action_of(sent: str, state: str) -> str | None:
    return _ROWS[sent][int(state[3:]) - 1]


def _local(state: str, observed: str) -> tuple[str, str] | None:
    return LOCAL.get(state, {}).get(observed)


@dataclass
class Step:
    sent: str | None             # None: what the target sent on its own, judged before our next PDU
    before: str
    action: str
    observed: str
    after: str
    allowed: bool
    why: str = ""
    pdu: bytes = b""             # the PDU observed, as it came

    def abort_source(self) -> tuple[int, int] | None:
        """(source, reason/diag.) of an observed A-ABORT PDU (PS3.8 9.3.8: bytes 9 and 10)."""
        return (self.pdu[8], self.pdu[9]) if self.observed == ABORT and len(self.pdu) >= 10 else None

    def __str__(self) -> str:
        head = f"{self.before} + {self.sent}: {self.action}" if self.sent else f"{self.before}, target's own move"
        source = self.abort_source()
        shown = f"{self.observed} (source {source[0]}, reason {source[1]})" if source else self.observed
        tail = f" -> observed {shown} -> {self.after}"
        return head + tail + ("" if self.allowed else f"  NOT ALLOWED: {self.why}")


@dataclass
class Judgement:
    """The model's belief while a sequence runs: the acceptor's state and our PDU not yet accounted for."""
    state: str = "Sta2"
    pending: str | None = None
    steps: list[Step] = field(default_factory=list)
    request: bytes = b""         # the A-ASSOCIATE-RQ as we sent it (the last one), for checks that compare with it

    @property
    def broken(self) -> Step | None:
        """The step the table does not allow, if any (a sequence stops at it)."""
        return next((s for s in self.steps if not s.allowed), None)

    def answer_to(self, index: int) -> Step | None:
        """The step that accounts for the index-th PDU we sent (0-based), if it was sent."""
        ours = [s for s in self.steps if s.sent is not None]
        return ours[index] if index < len(ours) else None

    def sent(self, kind: str) -> None:
        self.pending = kind

    def waits_for_answer(self) -> bool:
        """Whether something must come: every outcome of our pending PDU's action sends, or the user owes one."""
        if self.state in OWED:
            return True
        if self.pending is None:
            return False
        branches = ACTIONS[action_of(self.pending, self.state)]
        return all(out is not None or nxt in OWED for out, nxt in branches)

    def observe(self, observed: str, pdu: bytes = b"") -> bool:
        """Account for one observation (a PDU kind or CLOSED); False when the table allows it nowhere."""
        self._pdu = pdu
        before, pending = self.state, self.pending
        if pending is not None:
            action = action_of(pending, before)
            for out, nxt in ACTIONS[action]:
                if out == observed:
                    return self._step(pending, before, action, observed, nxt)
                if out is None and (local := _local(nxt, observed)):
                    return self._step(pending, before, f"{action}, then {local[0]}", observed, local[1])
        local = _local(before, observed)
        if local and not (observed == CLOSED and before != "Sta13"):
            # the acceptor's own move, made before our PDU arrived: our PDU is still to be accounted for
            self.steps.append(Step(None, before, local[0], observed, local[1], True, pdu=pdu))
            self.state = local[1]
            return True
        action = action_of(pending, before) if pending else "-"
        allowed = ", ".join(o for o, _ in ACTIONS.get(action, ()) if o) if pending else ""
        own = ", ".join(LOCAL.get(before, {}))
        why = (f"Table 9-10 gives {action} ({ACTION_WORDS.get(action, '')})" if pending else "nothing was sent") + (
            f"; allowed: {allowed or 'no PDU'}" + (f", or the acceptor's own {own}" if own else ""))
        self.steps.append(Step(pending, before, action, observed, before, False, why, pdu))
        return False

    def silence(self) -> bool:
        """Nothing came within the wait: fine unless something had to."""
        before, pending = self.state, self.pending
        if pending is not None:
            action = action_of(pending, before)
            quiet = [nxt for out, nxt in ACTIONS[action] if out is None]
            if not quiet:
                self.steps.append(Step(pending, before, action, SILENT, before, False,
                                       f"Table 9-10 gives {action} ({ACTION_WORDS[action]})"))
                return False
            if quiet[0] in OWED:
                self.steps.append(Step(pending, before, action, SILENT, quiet[0], False,
                                       f"in {quiet[0]} the acceptor owes {OWED[quiet[0]]}"))
                return False
            return self._step(pending, before, action, SILENT, quiet[0])
        if before in OWED:
            self.steps.append(Step(None, before, "-", SILENT, before, False, f"in {before} the acceptor owes "
                                   f"{OWED[before]}"))
            return False
        return True

    def _step(self, sent, before, action, observed, after) -> bool:
        self.steps.append(Step(sent, before, action, observed, after, True, pdu=getattr(self, "_pdu", b"")))
        self._pdu = b""
        self.state, self.pending = after, None
        return True


# -- the PDUs -----------------------------------------------------------------------------------------------------
VERIFICATION = "1.2.840.10008.1.1"


def _element(group: int, element: int, value: bytes) -> bytes:
    return struct.pack("<HHI", group, element, len(value)) + value


def c_echo_rq(message_id: int = 1) -> bytes:
    """A C-ECHO-RQ command set, Implicit VR Little Endian (PS3.7 9.3.5.1, Annex E)."""
    body = (_element(0, 0x0002, VERIFICATION.encode() + b"\0") + _element(0, 0x0100, struct.pack("<H", 0x0030))
            + _element(0, 0x0110, struct.pack("<H", message_id)) + _element(0, 0x0800, struct.pack("<H", 0x0101)))
    return _element(0, 0x0000, struct.pack("<I", len(body))) + body


def p_data_tf(context_id: int, payload: bytes, control: int = 0x03, claimed: int | None = None) -> bytes:
    """One PDV (PS3.8 9.3.5.1): control 03 = command, last fragment. claimed: a PDV item length to write instead
    of the true one (the invalid PDU)."""
    length = 2 + len(payload) if claimed is None else claimed
    item = struct.pack(">I", length) + bytes([context_id, control]) + payload
    return struct.pack(">BBI", 0x04, 0, len(item)) + item


def build(kind: str, calling: str, called: str, message_id: int = 1, request: bytes | None = None) -> bytes:
    """The PDU of a kind; request: the A-ASSOCIATE-RQ to send for RQ (default: Verification, verification_request)."""
    if kind == RQ:
        return request or associate_rq.encode(associate_rq.verification_request(calling, called))
    if kind == ECHO:
        return p_data_tf(1, c_echo_rq(message_id))
    if kind == MALFORMED:
        command = c_echo_rq(message_id)
        return p_data_tf(1, command, claimed=2 + len(command) + 64)
    if kind == RELRQ:
        return bytes([0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0])
    if kind == RELRP:
        return bytes([0x06, 0, 0, 0, 0, 4, 0, 0, 0, 0])
    if kind == ABORT:
        return bytes([0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0])          # source 0 (service-user), reason 0
    if kind == UNKNOWN:
        return struct.pack(">BBI", 0x0F, 0, 4) + bytes(4)
    raise ValueError(kind)


# -- one raw connection -------------------------------------------------------------------------------------------
class PduConnection:
    """A bare TCP connection that sends whole PDUs and reads whole PDUs (or notices the connection end)."""

    def __init__(self, sock: socket.socket, read_timeout: float = 5.0):
        self.sock = sock
        self.read_timeout = read_timeout
        self.ended = False
        self._buffer = b""

    def send(self, data: bytes) -> bool:
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            self.ended = True
            return False

    def read(self, wait: float) -> tuple[str, bytes]:
        """(kind, bytes) of the next PDU within `wait` seconds, (CLOSED, b'') or (SILENT, b'')."""
        if self.ended:
            return CLOSED, b""
        try:
            if not self._data_within(max(wait, 0.0)):
                return SILENT, b""
        except (OSError, ValueError):
            self.ended = True
            return CLOSED, b""
        header = self._exactly(6)
        if len(header) < 6:
            self.ended = True
            return CLOSED, header
        body = self._exactly(int.from_bytes(header[2:6], "big"))
        data = header + body
        return PDU_NAMES.get(header[0], f"PDU of unknown type 0x{header[0]:02X}"), data

    def _data_within(self, wait: float) -> bool:
        """Whether PDU bytes (or the connection's end) can be read within `wait` seconds. Over TLS a readable socket
        is not enough: the bytes may be a record with no application data (a TLS 1.3 session ticket arrives after
        the handshake), and decrypted bytes may already wait inside the TLS layer where select cannot see them."""
        deadline = time.monotonic() + wait
        while True:
            if self._buffer or (isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()):
                return True
            if not select.select([self.sock], [], [], max(deadline - time.monotonic(), 0.0))[0]:
                return False
            if not isinstance(self.sock, ssl.SSLSocket):
                return True
            self.sock.settimeout(0.0)
            try:
                self._buffer = self.sock.recv(1)
                return True                  # one byte of a PDU, or b"" at the connection's end
            except (ssl.SSLWantReadError, BlockingIOError):
                if time.monotonic() >= deadline:
                    return False
            except OSError:
                return True                  # the read that follows notices the end

    def _exactly(self, count: int) -> bytes:
        data, self._buffer = self._buffer[:count], self._buffer[count:]
        deadline = time.monotonic() + self.read_timeout
        while len(data) < count and time.monotonic() < deadline:
            try:
                self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
                chunk = self.sock.recv(min(65536, count - len(data)))
            except (TimeoutError, socket.timeout):
                break
            except OSError:
                chunk = b""
            if not chunk:
                break
            data += chunk
        return data


def play(connection: PduConnection, sequence: list[str], calling: str, called: str, *, answer_wait: float = 3.0,
         quiet_wait: float = 0.15, request: bytes | None = None) -> Judgement:
    """Send the sequence over the connection, judging each observation; stops at the first one the table does not
    allow or when the connection is gone (the rest of the sequence is not sent)."""
    judgement = Judgement()
    message_id = 0
    for kind in sequence:
        if judgement.state == "Sta1":
            break
        # whatever the target sent meanwhile is the target's own move, judged before our PDU
        while (observed := connection.read(0.0))[0] != SILENT:
            if not judgement.observe(*observed) or judgement.state == "Sta1":
                return judgement
        message_id += 1
        pdu = build(kind, calling, called, message_id, request)
        if kind == RQ:
            judgement.request = pdu
        if not connection.send(pdu):
            judgement.sent(kind)
            judgement.observe(CLOSED)
            return judgement
        judgement.sent(kind)
        echo_expected = kind == ECHO and judgement.state == "Sta6"
        wait = answer_wait if judgement.waits_for_answer() or echo_expected else quiet_wait
        while True:
            observed, pdu = connection.read(wait)
            if observed == SILENT:
                if not judgement.silence():
                    return judgement
                break
            if not judgement.observe(observed, pdu):
                return judgement
            if judgement.state == "Sta1":
                return judgement
            if judgement.pending is None and judgement.state not in OWED:
                break
            wait = answer_wait
    # what comes after the last PDU (a P-DATA-TF after an A-RELEASE-RP, say) is the target's own move
    while judgement.state != "Sta1" and (observed := connection.read(quiet_wait))[0] != SILENT:
        if not judgement.observe(*observed):
            break
    return judgement


def pdv_items(pdu: bytes) -> list[tuple[int, int, int]]:
    """(presentation context ID, message control header, PDV length) of each PDV item of a P-DATA-TF PDU (PS3.8
    9.3.5.1), as far as the bytes go."""
    items, at, end = [], 6, min(len(pdu), 6 + int.from_bytes(pdu[2:6], "big"))
    while at + 6 <= end:
        length = int.from_bytes(pdu[at:at + 4], "big")
        items.append((pdu[at + 4], pdu[at + 5], length))
        at += 4 + length
    return items
