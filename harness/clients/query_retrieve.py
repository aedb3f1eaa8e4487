"""Query/Retrieve on an established Session: C-FIND (with C-CANCEL), C-MOVE and C-GET, recording evidence.

C-FIND is driven at the DIMSE message level rather than through pynetdicom's send_c_find, so that the
harness sees what the wire carried (whether a final response had a data set) and can send a C-CANCEL right
behind the request."""

from __future__ import annotations

# Functions here take the dimse module's Session (duck-typed: assoc, evidence, _next_id, _check_alive).
from dataclasses import dataclass, field
from io import BytesIO

from pydicom.dataset import Dataset
from pydicom.uid import UID
from pynetdicom.dimse_primitives import C_CANCEL, C_FIND
from pynetdicom.dsutils import decode, encode

from dicom_harness.clients.exchange import TargetFailure, describe_keys, owning_responses, responses_are_ours
from dicom_harness.shared.status import Status, describe

PENDING_CODES = (Status.PENDING, Status.PENDING_WARNING)
# PS3.7 Annex E: the Command Field of each response
C_FIND_RSP, C_GET_RSP, C_MOVE_RSP = 0x8020, 0x8010, 0x8021
PRIORITY_NAMES = {0: "MEDIUM", 1: "HIGH", 2: "LOW"}       # Priority (0000,0700), PS3.7 Annex E
COUNT_KEYWORDS = ("NumberOfRemainingSuboperations", "NumberOfCompletedSuboperations",
                  "NumberOfFailedSuboperations", "NumberOfWarningSuboperations")


@dataclass
class FindResult:
    message_id: int
    statuses: list[int] = field(default_factory=list)
    identifiers: list[Dataset] = field(default_factory=list)   # one per Pending response that carried one
    pending_without_identifier: int = 0
    final_status: int | None = None
    final_data_set: bytes = b""                                 # what the final response carried (should be none)
    raw_identifiers: list[bytes] = field(default_factory=list)
    commands: list[Dataset] = field(default_factory=list)       # every C-FIND-RSP command set, as on the wire

    def values(self, keyword: str) -> list[str]:
        return [str(i.get(keyword, "")) for i in self.identifiers]


@dataclass
class RetrieveResult:
    """A C-MOVE or C-GET: every response's status and sub-operation counts, and what arrived (C-GET)."""
    message_id: int
    responses: list[Dataset] = field(default_factory=list)      # status data sets, counts included
    final: Dataset | None = None
    final_identifier: Dataset | None = None
    received: list[Dataset] = field(default_factory=list)
    commands: list[Dataset] = field(default_factory=list)       # every response's command set, as on the wire
    stores: list[str] = field(default_factory=list)             # C-GET: each C-STORE's SOP Instance UID, in order
    store_priorities: dict[str, int | None] = field(default_factory=dict)   # C-GET: SOP Instance UID -> Priority

    @property
    def final_status(self) -> int | None:
        return int(self.final.Status) if self.final is not None else None

    @property
    def pending(self) -> list[Dataset]:
        return [r for r in self.responses if int(r.Status) in PENDING_CODES]

    def final_count(self, keyword: str) -> int | None:
        """A sub-operation count of the final response; None when absent or zero length (no value to judge)."""
        if self.final is None or keyword not in self.final:
            return None
        value = self.final[keyword].value
        if value is None or value == "" or value == b"":
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise TargetFailure(f"the final response's {keyword} holds {value!r}, not a count") from None


def _context(session, model: str):
    for context in session.accepted:
        if context.abstract_syntax == model:
            return context
    raise TargetFailure(f"{UID(model).name} was not accepted in negotiation")


def find(session, identifier: Dataset, model: str, cancel: bool = False) -> FindResult:
    """C-FIND; with cancel=True a C-CANCEL-FIND-RQ (PS3.7 9.3.2.3) follows the request at once, so the SCP
    has it before it can have finished, however fast it is."""
    context = _context(session, model)
    syntax = UID(context.transfer_syntax[0])
    request = C_FIND()
    request.MessageID = session._next_id()
    request.AffectedSOPClassUID = model
    request.Priority = 2
    request.Identifier = BytesIO(encode(identifier, syntax.is_implicit_VR, syntax.is_little_endian,
                                        syntax.is_deflated))
    result = FindResult(message_id=request.MessageID)
    session.evidence.add(">", f"C-FIND-RQ MessageID={request.MessageID} {UID(model).name} {describe_keys(identifier)}")
    assoc = session.assoc
    start = len(session.wire_log)
    with owning_responses(assoc):       # as pynetdicom's own send_c_find: we read the responses ourselves
        _find_exchange(session, request, context, syntax, cancel, result)
    result.commands = _commands(session, start, C_FIND_RSP)
    if result.final_status is None:
        session._check_alive("C-FIND")
        session.evidence.add("<", "no final C-FIND response within the DIMSE timeout")
        raise TargetFailure(f"no final C-FIND response within {assoc.dimse_timeout:.0f} s "
                            f"({len(result.identifiers)} Pending response(s) received)")
    return result


def _find_exchange(session, request: C_FIND, context, syntax: UID, cancel: bool, result: FindResult) -> None:
    assoc = session.assoc
    if cancel:
        cancel_request = C_CANCEL()
        cancel_request.MessageIDBeingRespondedTo = request.MessageID
        _send_in_one_write(assoc, [request, cancel_request], context.context_id)
        session.evidence.add(">", f"C-CANCEL-FIND-RQ MessageIDBeingRespondedTo={request.MessageID} "
                                  "(in the same write as the request)")
    else:
        assoc.dimse.send_msg(request, context.context_id)
    while True:
        _, response = assoc.dimse.get_msg(block=True)
        if response is None:
            break
        if not isinstance(response, C_FIND):
            session.evidence.add("<", f"unexpected {type(response).__name__} during C-FIND")
            raise TargetFailure(f"the target sent {type(response).__name__} in answer to C-FIND")
        status = int(response.Status)
        raw = response.Identifier.getvalue() if response.Identifier is not None else b""
        result.statuses.append(status)
        if status in PENDING_CODES:
            if raw:
                try:
                    found = decode(BytesIO(raw), syntax.is_implicit_VR, syntax.is_little_endian, syntax.is_deflated)
                    keys = describe_keys(found)     # reads every element: a malformed one fails here
                except Exception as exc:
                    session.evidence.add("<", f"C-FIND-RSP Status={describe(status)} with an identifier that "
                                              f"cannot be decoded ({len(raw)} bytes: {raw[:16].hex(' ')})")
                    raise TargetFailure(f"a Pending C-FIND response carries an identifier that cannot be decoded "
                                        f"in {syntax.name}: {type(exc).__name__}: {exc}") from None
                result.identifiers.append(found)
                result.raw_identifiers.append(raw)
                session.evidence.add("<", f"C-FIND-RSP Status={describe(status)} {keys}")
            else:
                result.pending_without_identifier += 1
                session.evidence.add("<", f"C-FIND-RSP Status={describe(status)} without identifier")
            continue
        result.final_status = status
        result.final_data_set = raw
        session.evidence.add("<", f"C-FIND-RSP Status={describe(status)} (final)"
                                  + (f" with a {len(raw)}-byte data set" if raw else ", no data set"))
        break


def _send_in_one_write(assoc, primitives: list, context_id: int) -> None:
    """Write the P-DATA-TF PDUs of several DIMSE messages to the socket in one call, so the peer holds them all
    before it can answer the first. Sent through pynetdicom's DUL, they leave in separate loop turns, and a
    fast SCP can finish a whole C-FIND in between (seen with dcmqrscp on a loaded machine)."""
    from pynetdicom.dimse import _RQ_TO_MESSAGE, _RSP_TO_MESSAGE
    from pynetdicom.pdu import P_DATA_TF
    encoded = []
    for primitive in primitives:
        table = _RQ_TO_MESSAGE if primitive.MessageIDBeingRespondedTo is None else _RSP_TO_MESSAGE
        message = table[primitive.__class__]()
        message.primitive_to_message(primitive)
        message.context_id = context_id
        for pdata in message.encode_msg(context_id, assoc.dimse.maximum_pdu_size):
            pdu = P_DATA_TF()
            pdu.from_primitive(pdata)
            encoded.append(pdu.encode())
    assoc.dul.socket.send(b"".join(encoded))


def _commands(session, start: int, command_field: int) -> list[Dataset]:
    """The response command sets of one operation, read off the wire since `start` (the session's wire_log)."""
    return [c for c in session.wire_log[start:] if c.get("CommandField") == command_field]


def _status_line(what: str, status: Dataset) -> str:
    counts = " ".join(f"{k.removeprefix('NumberOf').removesuffix('Suboperations')}={status[k].value}"
                      for k in COUNT_KEYWORDS if k in status)
    return f"{what}-RSP Status={describe(int(status.Status))} {counts}".rstrip()


def _collect(session, what: str, responses, result: RetrieveResult) -> RetrieveResult:
    for status, identifier in responses:
        if status is None or "Status" not in status:
            session._check_alive(what)
            session.evidence.add("<", f"no {what} response within the DIMSE timeout")
            raise TargetFailure(f"no {what} response within {session.assoc.dimse_timeout:.0f} s")
        result.responses.append(status)
        session.evidence.add("<", _status_line(what, status))
        if int(status.Status) not in PENDING_CODES:
            result.final = status
            result.final_identifier = identifier
            if identifier is not None:
                session.evidence.add("<", f"{what}-RSP identifier: {describe_keys(identifier)}")
    return result


def _priority(priority: int) -> str:
    """PS3.7 9.1.4.1.4, 9.1.3.1.4: LOW 0002H, MEDIUM 0000H, HIGH 0001H; shown only when not pynetdicom's LOW."""
    return "" if priority == 2 else f" Priority={PRIORITY_NAMES.get(priority, priority)}"


def move(session, identifier: Dataset, destination: str, model: str, priority: int = 2) -> RetrieveResult:
    """C-MOVE; priority: 2 LOW (pynetdicom's default), 0 MEDIUM, 1 HIGH."""
    _context(session, model)            # a context the target turned down is its failure, not a ValueError
    message_id = session._next_id()
    session.evidence.add(">", f"C-MOVE-RQ MessageID={message_id}{_priority(priority)} {UID(model).name} "
                              f"MoveDestination={destination} {describe_keys(identifier)}")
    result = RetrieveResult(message_id=message_id)
    start = len(session.wire_log)
    with responses_are_ours(session.assoc):
        _collect(session, "C-MOVE", session.assoc.send_c_move(identifier, destination, model, priority=priority,
                                                                msg_id=message_id),
                 result)
    result.commands = _commands(session, start, C_MOVE_RSP)
    return result


def get(session, identifier: Dataset, model: str, priority: int = 2) -> RetrieveResult:
    """C-GET; the instances arrive by C-STORE on this association (the session's store handler keeps them)."""
    _context(session, model)
    message_id = session._next_id()
    session.evidence.add(">", f"C-GET-RQ MessageID={message_id}{_priority(priority)} {UID(model).name} "
                              f"{describe_keys(identifier)}")
    session._received.clear()
    result = RetrieveResult(message_id=message_id)
    start = len(session.wire_log)
    with responses_are_ours(session.assoc):
        _collect(session, "C-GET", session.assoc.send_c_get(identifier, model, priority=priority, msg_id=message_id), result)
    result.commands = _commands(session, start, C_GET_RSP)
    result.received = list(session._received)
    session.evidence.add("#", f"{len(result.received)} instance(s) received by C-STORE on this association")
    return result
