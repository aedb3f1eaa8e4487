"""A DIMSE client over pynetdicom that records evidence, sets TCP_NODELAY and bounds every wait."""

from __future__ import annotations

import socket
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

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
from dicom_harness.clients.exchange import TargetFailure, describe_keys, owning_responses, responses_are_ours, uid_name
from dicom_harness.errors import HarnessError, TargetUnreachable
from dicom_harness.shared.network import NODELAY_HANDLER, abort_unknown_pdus
from dicom_harness.shared.status import Status, describe
from dicom_harness.targets.ports import can_connect
from dicom_harness.targets.profile import DimseEndpoint, Target


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

    @property
    def ok(self) -> bool:
        return self.status == Status.SUCCESS


@dataclass
class EventReportReceived:
    """An N-EVENT-REPORT the target sent on the harness's own association."""
    event_type_id: int
    sop_class_uid: str
    sop_instance_uid: str
    information: Dataset | None


class Session:
    """One established association with the target."""

    def __init__(self, assoc, evidence: Evidence, received_pdata_lengths: list[int], received: list[Dataset]):
        self.assoc = assoc
        self.evidence = evidence
        self.received_pdata_lengths = received_pdata_lengths
        self._received = received
        self._message_id = 0
        self.event_reports: list[EventReportReceived] = []   # N-EVENT-REPORTs the target sent on this association

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

    def _check_alive(self, what: str) -> None:
        if not self.assoc.is_established:
            state = "aborted" if self.assoc.is_aborted else "closed"
            self.evidence.add("<", f"association {state} by the target")
            raise TargetFailure(f"the target {state} the association instead of answering {what}")

    def _response(self, what: str, status_ds: Dataset | None) -> Response:
        if status_ds is None or "Status" not in status_ds:
            self._check_alive(what)
            self.evidence.add("<", f"no {what} response within the DIMSE timeout")
            raise TargetFailure(f"no {what} response within {self.assoc.dimse_timeout:.0f} s")
        response = Response(
            status=int(status_ds.Status),
            responded_to=int(status_ds.get("MessageIDBeingRespondedTo", -1)),
            command=status_ds,
        )
        self.evidence.add("<", f"{what}-RSP MessageIDBeingRespondedTo={response.responded_to} "
                               f"Status={describe(response.status)}")
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
        response = self._response(what, status)
        response.message_id = request.MessageID
        return response

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

    def store(self, dataset: Dataset) -> Response:
        message_id = self._next_id()
        self.evidence.add(">", f"C-STORE-RQ MessageID={message_id} AffectedSOPClass={uid_name(dataset.SOPClassUID)} "
                               f"SOPInstance={dataset.SOPInstanceUID} "
                               f"TransferSyntax={uid_name(dataset.file_meta.TransferSyntaxUID)}")
        try:
            with responses_are_ours(self.assoc):
                status = self.assoc.send_c_store(dataset, msg_id=message_id)
        except ValueError as exc:  # no accepted context fits this SOP class and transfer syntax
            self.evidence.add("#", f"cannot send: {exc}")
            raise TargetFailure(f"no accepted presentation context can carry this instance: {exc}") from None
        response = self._response("C-STORE", status)
        response.message_id = message_id
        return response

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

    def move(self, identifier: Dataset, destination: str, model: str) -> query_retrieve.RetrieveResult:
        """C-MOVE to the AE title `destination`."""
        return query_retrieve.move(self, identifier, destination, model)

    def get_instances(self, identifier: Dataset,
                      model: str = StudyRootQueryRetrieveInformationModelGet) -> query_retrieve.RetrieveResult:
        """C-GET with every response's counts, and the instances received on this association."""
        return query_retrieve.get(self, identifier, model)

    def release(self) -> bool:
        """Release; True when the target answered A-RELEASE-RP."""
        if not self.assoc.is_established:
            return False
        self.evidence.add(">", "A-RELEASE-RQ")
        self.assoc.release()
        if self.assoc.is_released:
            self.evidence.add("<", "A-RELEASE-RP")
            return True
        self.evidence.add("<", "no A-RELEASE-RP: association " + ("aborted" if self.assoc.is_aborted else "lost"))
        return False

    def abort(self) -> None:
        self.evidence.add(">", "A-ABORT")
        self.assoc.abort()

    # -- DIMSE-N (MPPS, storage commitment); C-FIND is find() above, for worklist and Q/R alike --------
    def n_create(self, sop_class: str, sop_instance: str | None, attributes: Dataset) -> Response:
        self.evidence.add(">", f"N-CREATE-RQ {uid_name(sop_class)} SOPInstance={sop_instance} {describe_keys(attributes)}")
        status, reply = self._n_call("N-CREATE", self.assoc.send_n_create, attributes, sop_class, sop_instance)
        return self._n_response("N-CREATE", status, reply)

    def n_set(self, sop_class: str, sop_instance: str, modification: Dataset) -> Response:
        self.evidence.add(">", f"N-SET-RQ {uid_name(sop_class)} SOPInstance={sop_instance} {describe_keys(modification)}")
        status, reply = self._n_call("N-SET", self.assoc.send_n_set, modification, sop_class, sop_instance)
        return self._n_response("N-SET", status, reply)

    def n_action(self, sop_class: str, sop_instance: str, action_type: int, information: Dataset) -> Response:
        self.evidence.add(">", f"N-ACTION-RQ {uid_name(sop_class)} SOPInstance={sop_instance} "
                               f"ActionTypeID={action_type} {describe_keys(information)}")
        status, reply = self._n_call("N-ACTION", self.assoc.send_n_action, information, action_type, sop_class,
                                     sop_instance)
        return self._n_response("N-ACTION", status, reply)

    def n_get(self, sop_class: str, sop_instance: str, keywords: Sequence[str]) -> Response:
        from pydicom.datadict import tag_for_keyword
        from pydicom.tag import Tag
        self.evidence.add(">", f"N-GET-RQ {uid_name(sop_class)} SOPInstance={sop_instance} "
                               f"AttributeIdentifierList={','.join(keywords)}")
        tags = [Tag(tag_for_keyword(k)) for k in keywords]
        status, reply = self._n_call("N-GET", self.assoc.send_n_get, tags, sop_class, sop_instance)
        response = self._n_response("N-GET", status, reply)
        if reply is not None:
            self.evidence.add("<", f"N-GET-RSP attributes {describe_keys(reply)}")
        return response

    def _n_call(self, what: str, send, *args):
        try:
            return send(*args)
        except ValueError as exc:        # no accepted context for the SOP class
            self.evidence.add("#", f"cannot send: {exc}")
            raise TargetFailure(f"{what} cannot be sent: {exc}") from None

    def _n_response(self, what: str, status: Dataset | None, reply: Dataset | None) -> Response:
        response = self._response(what, status)
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
        contexts = list(contexts) if contexts else [build_context(Verification, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])]
        called = called_ae if called_ae is not None else self.endpoint.ae_title
        ae = self._ae(max_pdu, calling_ae)
        event_reports: list[EventReportReceived] = []
        pdata_lengths: list[int] = []
        sent_pdata_lengths: list[int] = []
        received: list[Dataset] = []

        rejections: list = []

        def on_pdu(event):
            if type(event.pdu).__name__ == "A_ASSOCIATE_RJ":
                rejections.append(event.pdu)
            if type(event.pdu).__name__ == "P_DATA_TF":
                # PS3.8 D.1: the negotiated maximum bounds the variable field, the 6-byte header excluded
                pdata_lengths.append(int(event.pdu.pdu_length))

        def on_pdu_sent(event):
            if type(event.pdu).__name__ == "P_DATA_TF":
                sent_pdata_lengths.append(int(event.pdu.pdu_length))

        def on_store(event):
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
            information = event.event_information if request.EventInformation is not None else None
            event_reports.append(EventReportReceived(int(request.EventTypeID), str(request.AffectedSOPClassUID),
                                                     str(request.AffectedSOPInstanceUID), information))
            return Status.SUCCESS, None

        handlers = [NODELAY_HANDLER, (evt.EVT_PDU_RECV, on_pdu), (evt.EVT_PDU_SENT, on_pdu_sent),
                    (evt.EVT_C_STORE, on_store), (evt.EVT_N_EVENT_REPORT, on_event_report)]
        ae.requested_contexts = contexts
        assoc = ae.associate(self.endpoint.host, self.endpoint.port, ae_title=called, ext_neg=ext or None,
                             evt_handlers=handlers, max_pdu=max_pdu)
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
            if not _reachable(self.endpoint):
                raise TargetUnreachable(f"{self.endpoint.host}:{self.endpoint.port} does not accept connections")
            raise TargetFailure("the target did not accept the association (aborted or no answer)")
        self.evidence.add("<", "A-ASSOCIATE-AC max_pdu={} accepted={} rejected={}".format(
            assoc.acceptor.maximum_length,
            "; ".join(f"{uid_name(c.abstract_syntax)}[{uid_name(c.transfer_syntax[0])}]" for c in assoc.accepted_contexts),
            "; ".join(f"{uid_name(c.abstract_syntax)}(result {c.result})" for c in assoc.rejected_contexts)))
        session = Session(assoc, self.evidence, pdata_lengths, received)
        session.sent_pdata_lengths = sent_pdata_lengths
        session.event_reports = event_reports
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

    def store(self, dataset: Dataset) -> Response:
        context = build_context(dataset.SOPClassUID, [dataset.file_meta.TransferSyntaxUID])
        with self.associate([context]) as session:
            return session.store(dataset)

    def send_raw(self, payload: bytes, wait_for: int) -> RawReply:
        """Open a bare TCP connection, send bytes that are not a well-formed association, and read until
        wait_for bytes have come, the target ends the connection, or the endpoint's timeout passes."""
        host, port = self.endpoint.host, self.endpoint.port
        self.evidence.add(">", f"TCP connection to {host}:{port}; {len(payload)} byte(s): {payload[:16].hex(' ')}")
        try:
            sock = socket.create_connection((host, port), timeout=self.endpoint.timeout)
        except OSError as exc:
            raise TargetUnreachable(f"cannot connect to {host}:{port}: {exc}") from None
        data, ended = b"", "kept"
        with sock:
            try:
                sock.sendall(payload)
                while len(data) < wait_for:
                    chunk = sock.recv(4096)
                    if not chunk:
                        ended = "closed"
                        break
                    data += chunk
            except socket.timeout:
                ended = "timeout"
            except ConnectionResetError:
                ended = "reset"
        reply = RawReply(data, ended)
        self.evidence.add("<", reply.describe())
        return reply

    def read_back(self, dataset: Dataset) -> Dataset:
        """Retrieve the instance by its SOP Instance UID at IMAGE level, the way the profile claims: C-GET on
        this association, or C-MOVE to the harness peer."""
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


def _image_identifier(dataset: Dataset) -> Dataset:
    identifier = Dataset()
    identifier.QueryRetrieveLevel = "IMAGE"
    identifier.StudyInstanceUID = dataset.StudyInstanceUID
    identifier.SeriesInstanceUID = dataset.SeriesInstanceUID
    identifier.SOPInstanceUID = dataset.SOPInstanceUID
    return identifier


def _reachable(endpoint: DimseEndpoint) -> bool:
    return can_connect(endpoint.host, endpoint.port)


def check_reachable(endpoint: DimseEndpoint) -> None:
    if not _reachable(endpoint):
        raise TargetUnreachable(
            f"cannot connect to {endpoint.ae_title}@{endpoint.host}:{endpoint.port}: is the target running "
            "and the port right?")
