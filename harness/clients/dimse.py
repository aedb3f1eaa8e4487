"""A DIMSE client over pynetdicom that records evidence, sets TCP_NODELAY and bounds every wait."""

from __future__ import annotations

import os
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydicom.dataset import Dataset
from pydicom.uid import UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, build_context, build_role, evt
from pynetdicom.presentation import PresentationContext
from pynetdicom.sop_class import (
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    Verification,
)

from dicom_harness.clients import query_retrieve
from dicom_harness.clients.evidence import Evidence
from dicom_harness.clients.exchange import (
    TargetFailure,
    describe_keys,
    int_or_none,
    owning_responses,
    read_event_information,
    refuse_if_stalled,
    responses_are_ours,
    stalled,
    uid_name,
)
from dicom_harness.errors import HarnessError, NotVerified, TargetUnreachable
from dicom_harness.shared import ul_state_model
from dicom_harness.shared.network import NODELAY_HANDLER, abort_unknown_pdus
from dicom_harness.shared.reactor import REACTOR_HANDLER
from dicom_harness.shared.spool import read_lazily, spool_handlers, spooled_path
from dicom_harness.shared.status import Status, describe
from dicom_harness.targets.ports import can_connect
from dicom_harness.targets.profile import DimseEndpoint, Target

RELEASE_MARGIN = 1.0     # seconds beyond the ACSE timeout for a release to end


@dataclass
class RawReply:
    """What came back on a bare TCP connection, and how the connection ended: 'closed' by the target,
    'reset', 'timeout' (still open), or 'kept' (we had what we waited for and closed it ourselves)."""
    data: bytes
    ended: str

    def describe(self) -> str:
        shown = self.data[:16].hex(" ") + (" ..." if len(self.data) > 16 else "")
        return f"{len(self.data)} byte(s) [{shown}], connection {self.ended}"


@dataclass
class Rejection:
    result: int
    source: int
    reason: int

    def __str__(self) -> str:
        return f"A-ASSOCIATE-RJ result={self.result} source={self.source} reason/diag={self.reason}"


class AssociationRejected(Exception):
    def __init__(self, rejection: Rejection):
        super().__init__(str(rejection))
        self.rejection = rejection


@dataclass
class Response:
    status: int | None
    message_id: int | None = None
    responded_to: int | None = None
    command: Dataset | None = None
    reply: Dataset | None = None     # the attribute list or event reply of a DIMSE-N response, if any
    wire: Dataset | None = None      # the response's whole command set as the wire carried it (PS3.7 E.1)

    @property
    def ok(self) -> bool:
        return self.status == Status.SUCCESS


@dataclass
class EventReportReceived:
    """An N-EVENT-REPORT the target sent on the harness's own association."""
    event_type_id: int | None       # None: the target sent no usable Event Type ID
    sop_class_uid: str
    sop_instance_uid: str
    information: Dataset | None
    problem: str = ""               # why the Event Information could not be read, if it could not


class Session:
    """One established association with the target."""

    def __init__(self, assoc, evidence: Evidence, received_pdata_lengths: list[int], received: list[Dataset]):
        self.assoc = assoc
        self.evidence = evidence
        self.received_pdata_lengths = received_pdata_lengths
        self._received = received
        self._message_id = 0
        self.event_reports: list[EventReportReceived] = []   # N-EVENT-REPORTs the target sent on this association
        self.event_report_arrived = threading.Event()       # set at each of them: a waiting test looks again
        # The command set of the last DIMSE response read off the wire (DimseClient.associate's EVT_DIMSE_RECV
        # handler fills it): pynetdicom's send_c_store and send_n_* hand back only the status elements.
        self.wire_response: list[Dataset | None] = [None]
        # Every DIMSE response command set read off the wire on this association, in order (C-MOVE and C-GET
        # give several; query_retrieve.py takes its operation's share)
        self.wire_log: list[Dataset] = []
        # Whether the target sent an A-ABORT on this association (DimseClient.associate's EVT_PDU_RECV handler)
        self.abort_received: list[bool] = [False]
        # What the harness's own timeout running out becomes: DimseClient._gave_up checks whether the target
        # still answers at all (ERROR TargetStalled when not, FAIL when it does)
        self.on_gave_up = TargetFailure

    @property
    def accepted(self) -> list[PresentationContext]:
        return self.assoc.accepted_contexts

    @property
    def rejected(self) -> list[PresentationContext]:
        return self.assoc.rejected_contexts

    @property
    def peer_max_pdu(self) -> int:
        return int(self.assoc.acceptor.maximum_length or 0)

    def is_alive(self) -> bool:
        return bool(self.assoc.is_established)

    def _next_id(self) -> int:
        self._message_id += 1
        return self._message_id

    @property
    def last_message_id(self) -> int:
        """The Message ID of the last request sent on this association (e.g. the C-MOVE or C-GET a C-CANCEL
        names, sent from a C-STORE handler while that request is under way)."""
        return self._message_id

    def extended_answer(self, sop_class_uid: str) -> bytes | None:
        """The Service-class-application-information the A-ASSOCIATE-AC returned for this SOP Class in a SOP
        Class Extended Negotiation sub-item (PS3.7 D.3.3.5), or None when it returned none; recorded as evidence."""
        returned = self.assoc.acceptor.sop_class_extended
        answer = next((bytes(v) for k, v in returned.items() if str(k) == str(sop_class_uid)), None)
        self.evidence.add("<", f"A-ASSOCIATE-AC SOP Class Extended Negotiation sub-item for {uid_name(sop_class_uid)}: "
                               + ("none" if answer is None else f"bytes {answer.hex(' ')}"))
        return answer

    def keep_received(self, dataset: Dataset) -> None:
        """Add an instance that arrived by C-STORE on this association to what get_instances reports (for a
        test's own C-STORE handler, which replaces the one DimseClient.associate binds)."""
        self._received.append(dataset)

    def _check_alive(self, what: str) -> None:
        """Called when no response to `what` came: raises what the target did (it aborted or closed the
        association: FAIL), or that the harness's own timeout ran out (pynetdicom's DIMSE or network timeout
        aborts the association on our side; our own reads just come back empty): then on_gave_up decides."""
        assoc = self.assoc
        ours = bool(getattr(assoc, "_sent_abort", False))
        # An empty answer can come just before pynetdicom's state machine has taken in the target's A-ABORT or
        # close: give it a moment, so that the words say who ended the association.
        settle = time.monotonic() + 1.0
        while assoc.is_established and not ours and not self.abort_received[0] and time.monotonic() < settle:
            time.sleep(0.02)
        if (not assoc.is_established or self.abort_received[0]) and not ours:
            if self.abort_received[0]:
                self.evidence.add("<", "A-ABORT from the target")
                raise TargetFailure(f"the target aborted the association instead of answering {what}")
            self.evidence.add("<", "connection closed by the target")
            raise TargetFailure(f"the target closed the connection instead of answering {what}")
        timeout = assoc.dimse_timeout
        self.evidence.add("#", f"no {what} response within {timeout:g} s: the harness gave up"
                               + (" (pynetdicom aborted the association)" if ours else ", and aborts the association"))
        if assoc.is_established:
            assoc.abort()       # releasing into silence would wait out another timeout
        raise self.on_gave_up(f"no answer to {what} within {timeout:g} s: the harness gave up")

    def _response(self, what: str, status_ds: Dataset | None, message_id: int | None = None) -> Response:
        if status_ds is None or "Status" not in status_ds:
            self._check_alive(what)
        carried, responded_to = _responded_to(status_ds)
        wire = self.wire_response[0]
        if not carried and wire is not None:
            carried, responded_to = _responded_to(wire)
        self.wire_response[0] = None
        response = Response(status=int(status_ds.Status), message_id=message_id, responded_to=responded_to,
                            command=status_ds, wire=wire)
        # PS3.7 9.1.1.1.2 and the -RSP tables: shown as the wire carried it, never made up
        shown = ""
        if carried:
            shown = f"MessageIDBeingRespondedTo={'(empty)' if responded_to is None else responded_to} "
        if carried and message_id is not None and responded_to != message_id:
            shown += f"(the request's MessageID was {message_id}) "
        self.evidence.add("<", f"{what}-RSP {shown}Status={describe(response.status)}")
        return response

    def _exchange(self, request, context_id: int, what: str) -> Response:
        """Send a DIMSE request primitive, wait (bounded) for its response primitive."""
        with owning_responses(self.assoc):
            self.assoc.dimse.send_msg(request, context_id)
            _, reply = self.assoc.dimse.get_msg(block=True)
        status = None
        if reply is not None and getattr(reply, "Status", None) is not None:
            status = Dataset()
            status.Status = reply.Status
            status.MessageIDBeingRespondedTo = reply.MessageIDBeingRespondedTo
        return self._response(what, status, request.MessageID)

    def echo(self) -> Response:
        from pynetdicom.dimse_primitives import C_ECHO
        context = next((c for c in self.accepted if c.abstract_syntax == Verification), None)
        if context is None:
            raise TargetFailure("Verification was not accepted in negotiation")
        request = C_ECHO()
        request.MessageID = self._next_id()
        request.AffectedSOPClassUID = Verification
        self.evidence.add(">", f"C-ECHO-RQ MessageID={request.MessageID}")
        return self._exchange(request, context.context_id, "C-ECHO")

    def store(self, dataset: Dataset | str | os.PathLike) -> Response:
        """C-STORE of a data set, or of a Part 10 file given by its path (sent from disk in fragments, never
        read whole: for large objects; an accepted context must carry its transfer syntax as it is)."""
        if not isinstance(dataset, Dataset):
            return self._store_file(Path(dataset))
        message_id = self._next_id()
        self.evidence.add(">", f"C-STORE-RQ MessageID={message_id} AffectedSOPClass={uid_name(dataset.SOPClassUID)} "
                               f"SOPInstance={dataset.SOPInstanceUID} "
                               f"TransferSyntax={uid_name(dataset.file_meta.TransferSyntaxUID)}")
        self.wire_response[0] = None
        try:
            with responses_are_ours(self.assoc):
                status = self.assoc.send_c_store(dataset, msg_id=message_id)
        except ValueError as exc:  # no accepted context fits this SOP class and transfer syntax
            self.evidence.add("#", f"cannot send: {exc}")
            raise TargetFailure(f"no accepted presentation context can carry this instance: {exc}") from None
        return self._response("C-STORE", status, message_id)

    def _store_file(self, path: Path) -> Response:
        from pynetdicom.dimse_primitives import C_STORE
        from pynetdicom.dsutils import split_dataset
        meta, offset = split_dataset(path)
        sop_class, syntax = UID(meta.MediaStorageSOPClassUID), UID(meta.TransferSyntaxUID)
        context = next((c for c in self.accepted if c.abstract_syntax == sop_class and c.transfer_syntax[0] == syntax),
                       None)
        if context is None:
            self.evidence.add("#", f"cannot send {path.name}: no accepted context for {uid_name(sop_class)} in "
                                   f"{uid_name(syntax)}")
            raise TargetFailure(f"no accepted presentation context carries {uid_name(sop_class)} in {uid_name(syntax)}")
        request = C_STORE()
        request.MessageID = self._next_id()
        request.AffectedSOPClassUID = sop_class
        request.AffectedSOPInstanceUID = meta.MediaStorageSOPInstanceUID
        request.Priority = 2
        request._dataset_path = (path, offset)     # pynetdicom reads the data set from the file as it sends
        self.evidence.add(">", f"C-STORE-RQ MessageID={request.MessageID} AffectedSOPClass={uid_name(sop_class)} "
                               f"SOPInstance={request.AffectedSOPInstanceUID} TransferSyntax={uid_name(syntax)} "
                               f"(from {path.name}, {path.stat().st_size - offset} bytes)")
        self.wire_response[0] = None
        return self._exchange(request, context.context_id, "C-STORE")

    def store_as(self, dataset: Dataset, affected_sop_class: str) -> Response:
        """C-STORE with an Affected SOP Class UID of our choosing, whatever the data set says.

        For tests where the mismatch itself is the subject; pynetdicom's send_c_store cannot do it."""
        from io import BytesIO

        from pynetdicom.dimse_primitives import C_STORE
        from pynetdicom.dsutils import encode
        context = next((c for c in self.accepted if c.abstract_syntax == affected_sop_class), None)
        if context is None:
            raise TargetFailure(f"{uid_name(affected_sop_class)} was not accepted in negotiation")
        syntax = UID(context.transfer_syntax[0])
        request = C_STORE()
        request.MessageID = self._next_id()
        request.AffectedSOPClassUID = affected_sop_class
        request.AffectedSOPInstanceUID = dataset.SOPInstanceUID
        request.Priority = 2
        request.DataSet = BytesIO(encode(dataset, syntax.is_implicit_VR, syntax.is_little_endian,
                                         syntax.is_deflated))
        self.evidence.add(">", f"C-STORE-RQ MessageID={request.MessageID} AffectedSOPClass={uid_name(affected_sop_class)} "
                               f"data set SOPClassUID={uid_name(dataset.SOPClassUID)} SOPInstance={dataset.SOPInstanceUID}")
        return self._exchange(request, context.context_id, "C-STORE")

    # -- Query/Retrieve (the logic lives in query_retrieve.py) ----------------------------------------------
    def find(self, identifier: Dataset, model: str, cancel: bool = False) -> query_retrieve.FindResult:
        """C-FIND; cancel=True sends C-CANCEL right after the request."""
        return query_retrieve.find(self, identifier, model, cancel=cancel)

    def move(self, identifier: Dataset, destination: str, model: str,
             priority: int = 2) -> query_retrieve.RetrieveResult:
        """C-MOVE to the AE title `destination` (priority: 2 LOW, 0 MEDIUM, 1 HIGH)."""
        return query_retrieve.move(self, identifier, destination, model, priority)

    def get_instances(self, identifier: Dataset, model: str = StudyRootQueryRetrieveInformationModelGet,
                      priority: int = 2) -> query_retrieve.RetrieveResult:
        """C-GET with every response's counts, and the instances received on this association."""
        return query_retrieve.get(self, identifier, model, priority)

    def release(self) -> bool:
        """Release; True when the target answered A-RELEASE-RP."""
        if not self.assoc.is_established:
            return False
        self.evidence.add(">", "A-RELEASE-RQ")
        stuck = self._release_stuck(self.assoc.acse_timeout + RELEASE_MARGIN)
        if stuck:
            self.evidence.add("<", f"no A-RELEASE-RP: {stuck}; association aborted")
            self.assoc.abort()
            return False
        if self.assoc.is_released:
            self.evidence.add("<", "A-RELEASE-RP")
            return True
        self.evidence.add("<", "no A-RELEASE-RP: association " + ("aborted" if self.assoc.is_aborted else "lost"))
        return False

    def _release_stuck(self, seconds: float) -> str:
        """Release; what kept it from ending, or "" once it ended. pynetdicom's release() first waits, without a
        limit, for the association's own thread to pause; a thread that ended or is stuck in a handler would hold
        it for ever. So it runs in a thread of its own, waited for at most `seconds` (its own wait for the
        A-RELEASE-RP is bounded by the ACSE timeout)."""
        if not self.assoc.is_alive():
            return "the association's thread had ended"
        releasing = threading.Thread(target=self.assoc.release, name="dh-release", daemon=True)
        releasing.start()
        releasing.join(seconds)
        return f"the release did not end within {seconds:g} s" if releasing.is_alive() else ""

    def abort(self) -> None:
        self.evidence.add(">", "A-ABORT")
        self.assoc.abort()

    # -- DIMSE-N (MPPS, storage commitment); C-FIND is find() above, for worklist and Q/R alike --------
    def n_create(self, sop_class: str, sop_instance: str | None, attributes: Dataset) -> Response:
        message_id = self._next_id()
        self.evidence.add(">", f"N-CREATE-RQ MessageID={message_id} {uid_name(sop_class)} SOPInstance={sop_instance} "
                               f"{describe_keys(attributes)}")
        status, reply = self._n_call("N-CREATE", self.assoc.send_n_create, attributes, sop_class, sop_instance,
                                     msg_id=message_id)
        return self._n_response("N-CREATE", status, reply, message_id)

    def n_set(self, sop_class: str, sop_instance: str, modification: Dataset) -> Response:
        message_id = self._next_id()
        self.evidence.add(">", f"N-SET-RQ MessageID={message_id} {uid_name(sop_class)} SOPInstance={sop_instance} "
                               f"{describe_keys(modification)}")
        status, reply = self._n_call("N-SET", self.assoc.send_n_set, modification, sop_class, sop_instance,
                                     msg_id=message_id)
        return self._n_response("N-SET", status, reply, message_id)

    def n_action(self, sop_class: str, sop_instance: str, action_type: int, information: Dataset) -> Response:
        message_id = self._next_id()
        self.evidence.add(">", f"N-ACTION-RQ MessageID={message_id} {uid_name(sop_class)} SOPInstance={sop_instance} "
                               f"ActionTypeID={action_type} {describe_keys(information)}")
        status, reply = self._n_call("N-ACTION", self.assoc.send_n_action, information, action_type, sop_class,
                                     sop_instance, msg_id=message_id)
        return self._n_response("N-ACTION", status, reply, message_id)

    def n_get(self, sop_class: str, sop_instance: str, keywords: Sequence[str]) -> Response:
        from pydicom.datadict import tag_for_keyword
        from pydicom.tag import Tag
        message_id = self._next_id()
        self.evidence.add(">", f"N-GET-RQ MessageID={message_id} {uid_name(sop_class)} SOPInstance={sop_instance} "
                               f"AttributeIdentifierList={','.join(keywords)}")
        tags = [Tag(tag_for_keyword(k)) for k in keywords]
        status, reply = self._n_call("N-GET", self.assoc.send_n_get, tags, sop_class, sop_instance,
                                     msg_id=message_id)
        response = self._n_response("N-GET", status, reply, message_id)
        if reply is not None:
            self.evidence.add("<", f"N-GET-RSP attributes {describe_keys(reply)}")
        return response

    def _n_call(self, what: str, send, *args, msg_id: int):
        self.wire_response[0] = None
        try:
            return send(*args, msg_id=msg_id)
        except ValueError as exc:        # no accepted context for the SOP class
            self.evidence.add("#", f"cannot send: {exc}")
            raise TargetFailure(f"{what} cannot be sent: {exc}") from None

    def _n_response(self, what: str, status: Dataset | None, reply: Dataset | None, message_id: int) -> Response:
        response = self._response(what, status, message_id)
        extra = [f"{k}={status.get(k)!s}" for k in ("ErrorComment", "ErrorID", "AffectedSOPInstanceUID")
                 if status is not None and k in status]
        if extra:
            self.evidence.add("<", f"{what}-RSP " + " ".join(extra))
        response.reply = reply
        return response


class DimseClient:
    """Talks to the target's DIMSE endpoint on behalf of one test, recording evidence."""

    def __init__(self, target: Target, evidence: Evidence, peer=None):
        if target.dimse is None:
            raise HarnessError("the target has no [dimse] endpoint")
        self.target = target
        self.endpoint: DimseEndpoint = target.dimse
        self.evidence = evidence
        self.peer = peer            # the harness peer (dicom_harness.clients.peer.HarnessPeer), for read-back by C-MOVE
        self.stall_key = f"dimse {self.endpoint.host}:{self.endpoint.port}"

    def _gave_up(self, message: str) -> Exception:
        """The harness's own timeout ran out waiting for the target. A new association and C-ECHO (each bounded by
        the endpoint's timeout) tells a target that stopped answering (ERROR TargetStalled, remembered so later
        tests end at once) from one that left this request alone but still serves (FAIL)."""
        from dicom_harness.targets.reachability import check_dimse_reachable
        try:
            check_dimse_reachable(self.endpoint, self.target.harness_ae_title)
        except TargetUnreachable as exc:
            self.evidence.add("#", f"check on a new association: {exc}")
            return stalled(self.stall_key, f"{message}; a new association got no answer either")
        self.evidence.add("#", "check on a new association: it still answers C-ECHO")
        return TargetFailure(f"{message}, while a new association still answers C-ECHO")

    def _ae(self, max_pdu: int, calling_ae: str | None = None) -> AE:
        abort_unknown_pdus()
        ae = AE(ae_title=calling_ae or self.target.harness_ae_title)
        ae.acse_timeout = self.endpoint.timeout
        ae.dimse_timeout = self.endpoint.timeout
        ae.network_timeout = self.endpoint.timeout
        ae.connection_timeout = min(self.endpoint.timeout, 5.0)
        ae.maximum_pdu_size = max_pdu
        return ae

    @contextmanager
    def associate(self, contexts: Sequence[PresentationContext] | None = None, *, called_ae: str | None = None,
                  max_pdu: int = 65536, scp_roles: Sequence[str] = (), release: bool = True,
                  calling_ae: str | None = None, extended_negotiation: Sequence = ()) -> Iterator[Session]:
        """extended_negotiation: further user information sub-items to propose (pynetdicom's SOP Class Extended
        Negotiation items, say); what the acceptor returned is session.assoc.acceptor."""
        refuse_if_stalled(self.stall_key)
        contexts = list(contexts) if contexts else [build_context(Verification, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])]
        called = called_ae if called_ae is not None else self.endpoint.ae_title
        ae = self._ae(max_pdu, calling_ae)
        event_reports: list[EventReportReceived] = []
        event_report_arrived = threading.Event()
        pdata_lengths: list[int] = []
        sent_pdata_lengths: list[int] = []
        received: list[Dataset] = []

        rejections: list = []
        abort_received = [False]

        def on_pdu(event):
            if type(event.pdu).__name__ == "A_ASSOCIATE_RJ":
                rejections.append(event.pdu)
            if type(event.pdu).__name__ == "A_ABORT_RQ":
                abort_received[0] = True
            if type(event.pdu).__name__ == "P_DATA_TF":
                # PS3.8 D.1: the negotiated maximum bounds the variable field, the 6-byte header excluded
                pdata_lengths.append(int(event.pdu.pdu_length))

        wire_response: list[Dataset | None] = [None]
        wire_log: list[Dataset] = []

        def on_dimse_recv(event):
            command = event.message.command_set
            field = command.get("CommandField")
            if isinstance(field, int) and field & 0x8000:      # a response (PS3.7 E.1: bit 15 set)
                wire_response[0] = command
                if len(wire_log) < 10000:
                    wire_log.append(command)

        def on_pdu_sent(event):
            if type(event.pdu).__name__ == "P_DATA_TF":
                sent_pdata_lengths.append(int(event.pdu.pdu_length))

        def on_store(event):
            spooled = spooled_path(event)
            if spooled is not None:     # a large data set, on disk: kept there, read as it is used
                received.append(adopt_spooled(spooled))
                return Status.SUCCESS
            ds = event.dataset
            ds.file_meta = event.file_meta
            received.append(ds)
            return Status.SUCCESS

        self.evidence.add(">", f"A-ASSOCIATE-RQ calling={ae.ae_title} called={called} max_pdu={max_pdu} contexts=" +
                          "; ".join(f"{uid_name(c.abstract_syntax)}[{', '.join(uid_name(t) for t in c.transfer_syntax)}]"
                                    for c in contexts))
        ext = [build_role(uid, scp_role=True) for uid in scp_roles] + list(extended_negotiation)
        def on_event_report(event):
            request = event.request
            information, problem = read_event_information(event)
            event_reports.append(EventReportReceived(int_or_none(request.EventTypeID), str(request.AffectedSOPClassUID),
                                                     str(request.AffectedSOPInstanceUID), information, problem))
            event_report_arrived.set()
            return Status.SUCCESS, None

        handlers = [NODELAY_HANDLER, REACTOR_HANDLER, (evt.EVT_PDU_RECV, on_pdu), (evt.EVT_PDU_SENT, on_pdu_sent),
                    (evt.EVT_C_STORE, on_store), (evt.EVT_N_EVENT_REPORT, on_event_report),
                    (evt.EVT_DIMSE_RECV, on_dimse_recv), *spool_handlers()]
        ae.requested_contexts = contexts
        started = time.monotonic()
        assoc = ae.associate(self.endpoint.host, self.endpoint.port, ae_title=called, ext_neg=ext or None,
                             evt_handlers=handlers, max_pdu=max_pdu, tls_args=self._tls_args())
        if assoc.is_rejected or (rejections and not assoc.is_established):
            # A peer that closes the connection right behind its A-ASSOCIATE-RJ can leave pynetdicom
            # reporting an abort; the PDU we decoded is what the target said.
            if assoc.is_rejected:
                primitive = assoc.acceptor.primitive
                rejection = Rejection(int(primitive.result), int(primitive.result_source), int(primitive.diagnostic))
            else:
                pdu = rejections[-1]
                rejection = Rejection(int(pdu.result), int(pdu.source), int(pdu.reason_diagnostic))
            self.evidence.add("<", str(rejection))
            raise AssociationRejected(rejection)
        if not assoc.is_established:
            self.evidence.add("<", "no A-ASSOCIATE-AC: connection refused, aborted or timed out")
            if not can_connect(self.endpoint.host, self.endpoint.port):
                raise TargetUnreachable(f"{self.endpoint.host}:{self.endpoint.port} does not accept connections")
            if not abort_received[0] and time.monotonic() - started >= 0.9 * ae.acse_timeout:
                raise self._gave_up(f"no answer to the A-ASSOCIATE-RQ within {ae.acse_timeout:g} s: the harness gave up")
            raise TargetFailure("the target did not accept the association (aborted or no answer)")
        self.evidence.add("<", "A-ASSOCIATE-AC max_pdu={} accepted={} rejected={}".format(
            assoc.acceptor.maximum_length,
            "; ".join(f"{uid_name(c.abstract_syntax)}[{uid_name(c.transfer_syntax[0])}]" for c in assoc.accepted_contexts),
            "; ".join(f"{uid_name(c.abstract_syntax)}(result {c.result})" for c in assoc.rejected_contexts)))
        session = Session(assoc, self.evidence, pdata_lengths, received)
        session.sent_pdata_lengths = sent_pdata_lengths
        session.event_reports = event_reports
        session.event_report_arrived = event_report_arrived
        session.wire_response = wire_response
        session.wire_log = wire_log
        session.abort_received = abort_received
        session.on_gave_up = self._gave_up
        try:
            yield session
        finally:
            if assoc.is_established:
                if release:
                    session.release()
                else:
                    assoc.abort()

    def unknown_calling_ae(self) -> str:
        """A calling AE title no target has been told about."""
        return "DH_STRANGER"

    def wrong_called_ae(self) -> str:
        """An AE title that is surely not the target's."""
        return ("DH_NOT_" + self.endpoint.ae_title)[:16]

    # conveniences for one-shot operations ----------------------------------------------------------
    def echo(self) -> Response:
        with self.associate() as session:
            return session.echo()

    def store(self, dataset: Dataset | str | os.PathLike) -> Response:
        """C-STORE on an association of its own; a path is sent from the file (Session.store)."""
        if isinstance(dataset, Dataset):
            context = build_context(dataset.SOPClassUID, [dataset.file_meta.TransferSyntaxUID])
        else:
            from pynetdicom.dsutils import split_dataset
            meta = split_dataset(Path(dataset))[0]
            context = build_context(meta.MediaStorageSOPClassUID, [meta.TransferSyntaxUID])
        with self.associate([context]) as session:
            return session.store(dataset)

    def _tls_args(self):
        """(context, server name) for pynetdicom when the profile says [dimse] tls = true."""
        if not self.endpoint.tls:
            return None
        return self.endpoint.tls_files.client_context(), self.endpoint.host

    def _connect(self) -> socket.socket:
        """A connection to the target's DIMSE port, TLS when the profile says so (the handshake done)."""
        if not self.endpoint.tls:
            return socket.create_connection((self.endpoint.host, self.endpoint.port), timeout=self.endpoint.timeout)
        from dicom_harness.shared.tls import tls_handshake
        return tls_handshake(self.endpoint.host, self.endpoint.port, self.endpoint.tls_files.client_context(),
                             self.endpoint.timeout)

    def associate_rq_bytes(self) -> bytes:
        """The A-ASSOCIATE-RQ PDU send_raw would open with: Verification, from the harness to the target's AE."""
        return _associate_rq(self.target.harness_ae_title, self.endpoint.ae_title)

    def send_raw(self, payload: bytes, wait_for: int) -> RawReply:
        """Open a bare TCP connection, send bytes that are not a well-formed association, and read until
        wait_for bytes have come, the target ends the connection, or the endpoint's timeout passes."""
        refuse_if_stalled(self.stall_key)
        host, port = self.endpoint.host, self.endpoint.port
        self.evidence.add(">", f"TCP connection to {host}:{port}; {len(payload)} byte(s): {payload[:16].hex(' ')}")
        try:
            sock = self._connect()
        except OSError as exc:
            raise TargetUnreachable(f"cannot connect to {host}:{port}: {exc}") from None
        with sock:
            try:
                sock.sendall(payload)
            except socket.timeout:
                data, ended = b"", "timeout"
            except ConnectionResetError:
                data, ended = b"", "reset"
            else:
                data, ended = _read_until_ended(sock, wait_for)
        reply = RawReply(data, ended)
        self.evidence.add("<", reply.describe())
        return reply

    def abort_after_association(self) -> tuple[RawReply, float]:
        """On a bare TCP connection: send an A-ASSOCIATE-RQ proposing Verification, and once the A-ASSOCIATE-AC
        is in, an A-ABORT PDU (source service-user). Then read until the target ends the connection or the
        endpoint's timeout passes. Returns what came after the abort and the seconds until the connection ended."""
        refuse_if_stalled(self.stall_key)
        host, port = self.endpoint.host, self.endpoint.port
        calling, called = self.target.harness_ae_title, self.endpoint.ae_title
        self.evidence.add(">", f"TCP connection to {host}:{port}; A-ASSOCIATE-RQ calling={calling} called={called} "
                               "contexts=Verification[Implicit VR Little Endian]")
        try:
            sock = self._connect()
        except OSError as exc:
            raise TargetUnreachable(f"cannot connect to {host}:{port}: {exc}") from None
        with sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                sock.sendall(_associate_rq(calling, called))
                header = _read_exactly(sock, 6)
                body = _read_exactly(sock, int.from_bytes(header[2:6], "big")) if len(header) == 6 else b""
            except (socket.timeout, ConnectionResetError):
                header, body = b"", b""
            if header[:1] != b"\x02":
                self.evidence.add("<", f"no A-ASSOCIATE-AC: {RawReply(header + body, 'kept').describe()}")
                raise TargetFailure("the target did not accept the association (A-ASSOCIATE-AC expected, observed "
                                    f"{'PDU type 0x' + header[:1].hex() if header else 'nothing'})")
            self.evidence.add("<", f"A-ASSOCIATE-AC ({6 + len(body)} bytes)")
            self.evidence.add(">", "A-ABORT PDU (source 0, service-user)")
            started = time.monotonic()
            sock.sendall(A_ABORT_PDU)
            data, ended = _read_until_ended(sock)
            elapsed = time.monotonic() - started
        reply = RawReply(data, ended)
        self.evidence.add("<", f"after the A-ABORT: {reply.describe()}"
                               + (f" after {elapsed:.2f} s" if ended != "timeout" else
                                  f" ({self.endpoint.timeout:.0f} s without the target closing it)"))
        return reply, elapsed

    def play_pdus(self, sequence: Sequence[str], request=None) -> ul_state_model.Judgement:
        """On one bare TCP connection, send the PDUs of `sequence` (ul_state_model's kinds, built with the
        harness's calling AE title and the target's called one) and judge what comes back against the model of
        PS3.8 Table 9-10 (ul_state_model.play). Each step goes to the evidence. request: a function (calling,
        called) -> A-ASSOCIATE-RQ bytes, sent for the RQ kind instead of the plain Verification request."""
        refuse_if_stalled(self.stall_key)
        host, port = self.endpoint.host, self.endpoint.port
        calling, called = self.target.harness_ae_title, self.endpoint.ae_title
        self.evidence.add(">", f"TCP connection to {host}:{port}; PDUs: {', '.join(sequence)}")
        try:
            sock = self._connect()          # TLS when the profile says so, like every other raw exchange
        except OSError as exc:
            raise TargetUnreachable(f"cannot connect to {host}:{port}: {exc}") from None
        with sock:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            judgement = ul_state_model.play(ul_state_model.PduConnection(sock, self.endpoint.timeout), list(sequence),
                                            calling, called, answer_wait=min(self.endpoint.timeout, 3.0),
                                            request=request(calling, called) if request else None)
        for step in judgement.steps:
            self.evidence.add("<", str(step))
        return judgement

    def serves_again(self) -> None:
        """Evidence only: whether a new association is accepted and answers C-ECHO. Never raises (no sentence of
        the standard asks an SCP to go on serving after an abort or a bad PDU)."""
        try:
            with self.associate() as session:
                response = session.echo()
            self.evidence.add("#", f"afterwards a new association answered C-ECHO with {describe(response.status)}")
        except Exception as exc:     # evidence only: whatever happened is recorded, not judged
            self.evidence.add("#", f"afterwards a new association did not answer C-ECHO: {exc}")

    def read_back(self, dataset: Dataset) -> Dataset:
        """Retrieve the instance by its SOP Instance UID at IMAGE level, the way the profile claims: C-GET on
        this association, or C-MOVE to the harness peer. A target that offers neither (retrieve = "none")
        cannot be read back: NotVerified (PS3.4 B.1.2 note 1 lets a storage SCP have no retrieve service)."""
        if self.target.claims.retrieve == "none":
            raise NotVerified("the target offers no C-GET or C-MOVE, so retention cannot be read back "
                              "(PS3.4 B.1.2 note 1: storage does not imply Query/Retrieve)")
        if self.target.claims.retrieve == "C-MOVE":
            return self._read_back_by_move(dataset)
        syntaxes = list(dict.fromkeys([dataset.file_meta.TransferSyntaxUID, ExplicitVRLittleEndian,
                                       ImplicitVRLittleEndian]))
        # One context per transfer syntax: the target picks one per context, and must find the one the
        # instance is held in.
        contexts = [build_context(StudyRootQueryRetrieveInformationModelGet, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])]
        contexts += [build_context(dataset.SOPClassUID, [syntax]) for syntax in syntaxes]
        with self.associate(contexts, scp_roles=[dataset.SOPClassUID]) as session:
            result = session.get_instances(_image_identifier(dataset))
        matching = [d for d in result.received if d.get("SOPInstanceUID") == dataset.SOPInstanceUID]
        if not matching:
            raise TargetFailure(f"read-back: C-GET of SOP Instance {dataset.SOPInstanceUID} returned no instance "
                                f"(final status {describe(result.final_status)})")
        return matching[0]


    def _read_back_by_move(self, dataset: Dataset) -> Dataset:
        from dicom_harness.clients.query_retrieve import move
        if self.peer is None:
            raise HarnessError("read-back by C-MOVE needs the harness peer; this client was made without one")
        uid = str(dataset.SOPInstanceUID)
        destination = self.peer.config.ae_title
        self.peer.inbox.stored.pop(uid, None)       # an earlier delivery proves nothing about this store
        contexts = [build_context(StudyRootQueryRetrieveInformationModelMove, [ImplicitVRLittleEndian,
                                                                               ExplicitVRLittleEndian])]
        with self.associate(contexts) as session:
            result = move(session, _image_identifier(dataset), destination, StudyRootQueryRetrieveInformationModelMove)
        final = describe(int(result.final.Status)) if result.final is not None else "none"
        # The final response follows the sub-operations (PS3.4 C.4.2.3), so a move that completed none will
        # deliver nothing: no need to wait for it.
        completed = int(getattr(result.final, "NumberOfCompletedSuboperations", 1) or 0) if result.final else 1
        if result.final is not None and int(result.final.Status) == Status.MOVE_DESTINATION_UNKNOWN:
            raise HarnessError(f"read-back: the target does not know {destination} as a move destination (A801); "
                               f"register {destination} at {self.peer.config.host}:{self.peer.port} on the target, "
                               f"or set [peer] in the profile to one it knows")
        wait = self.endpoint.timeout if completed else 0.0
        if not self.peer.wait_for(lambda inbox: uid in inbox.stored, timeout=wait):
            raise TargetFailure(f"read-back: C-MOVE of SOP Instance {uid} to {destination} delivered nothing (final "
                                f"status {final}, {completed} sub-operation(s) completed); the target must know "
                                f"{destination} at {self.peer.config.host}:{self.peer.port} as a move destination")
        self.evidence.add("#", f"{uid} arrived at {destination} by C-STORE (C-MOVE final status {final})")
        return self.peer.inbox.stored[uid]


# PS3.8 9.3.8: type 07, reserved, length 4, reserved, reserved, source 0 (service-user), reason 0.
A_ABORT_PDU = bytes([0x07, 0, 0, 0, 0, 4, 0, 0, 0, 0])


def _associate_rq(calling: str, called: str) -> bytes:
    """An A-ASSOCIATE-RQ PDU proposing Verification in Implicit VR Little Endian (encoded by pynetdicom)."""
    from pynetdicom import PYNETDICOM_IMPLEMENTATION_UID
    from pynetdicom.pdu import A_ASSOCIATE_RQ
    from pynetdicom.pdu_primitives import A_ASSOCIATE, ImplementationClassUIDNotification, MaximumLengthNotification
    primitive = A_ASSOCIATE()
    primitive.application_context_name = "1.2.840.10008.3.1.1.1"      # PS3.7 A.2.1
    primitive.calling_ae_title, primitive.called_ae_title = calling, called
    context = build_context(Verification, [ImplicitVRLittleEndian])
    context.context_id = 1
    primitive.presentation_context_definition_list = [context]
    maximum = MaximumLengthNotification()
    maximum.maximum_length_received = 16384
    implementation = ImplementationClassUIDNotification()
    implementation.implementation_class_uid = PYNETDICOM_IMPLEMENTATION_UID
    primitive.user_information = [maximum, implementation]
    pdu = A_ASSOCIATE_RQ()
    pdu.from_primitive(primitive)
    return pdu.encode()


def _read_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return data


def _responded_to(command: Dataset) -> tuple[bool, int | None]:
    """(whether the element is there, its value): an element without a usable value is (True, None)."""
    if "MessageIDBeingRespondedTo" not in command:
        return False, None
    value = command["MessageIDBeingRespondedTo"].value
    try:
        return True, int(value)
    except (TypeError, ValueError):
        return True, None


def adopt_spooled(spooled: Path) -> Dataset:
    """A received data set pynetdicom spooled to disk (harness/shared/spool.py), moved out of pynetdicom's way (it
    removes the file after the handler) and read lazily: its large values stay on disk until they are used
    (`dataset.filename` is the file). The file goes when the data set is collected, or at exit."""
    kept = spooled.with_name(spooled.stem + ".kept.dcm")
    os.replace(spooled, kept)
    return read_lazily(kept)


def _image_identifier(dataset: Dataset) -> Dataset:
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "IMAGE"
    identifier.StudyInstanceUID = dataset.StudyInstanceUID
    identifier.SeriesInstanceUID = dataset.SeriesInstanceUID
    identifier.SOPInstanceUID = dataset.SOPInstanceUID
    return identifier


def _read_until_ended(sock: socket.socket, wait_for: int | None = None) -> tuple[bytes, str]:
    """Read until `wait_for` bytes have come ('kept'), the peer closes ('closed') or resets ('reset') the
    connection, or the socket's timeout passes ('timeout')."""
    data = b""
    try:
        while wait_for is None or len(data) < wait_for:
            chunk = sock.recv(4096)
            if not chunk:
                return data, "closed"
            data += chunk
    except socket.timeout:
        return data, "timeout"
    except ConnectionResetError:
        return data, "reset"
    except ssl.SSLEOFError:         # a TLS peer that closed without close_notify: closed all the same
        return data, "closed"
    return data, "kept"
