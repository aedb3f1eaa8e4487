"""PACS simulator: a pynetdicom SCP for Verification, Storage and Query/Retrieve (C-FIND, C-MOVE, C-GET;
see query_retrieve.py) over the shared Store.

Handlers are plain methods over the store. Faults (see faults.py) each break one requirement."""

from __future__ import annotations

import copy
import logging
import mmap
import threading
import weakref
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
)
from pynetdicom import AE, evt
from pynetdicom.fsm import ACTIONS as FSM_ACTIONS
from pynetdicom.fsm import StateMachine
from pynetdicom.pdu import A_ABORT_RQ, P_DATA_TF
from pynetdicom.presentation import AllStoragePresentationContexts
from pynetdicom.sop_class import (
    CTImageStorage,
    ModalityPerformedProcedureStep,
    MRImageStorage,
    PatientRootQueryRetrieveInformationModelFind,
    PatientRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    Verification,
)

from dicom_harness.shared import associate_rq
from dicom_harness.shared.network import GUARD_HANDLERS, NODELAY_HANDLER, GuardedDimse, prepare_ae
from dicom_harness.shared.spool import (
    StoredFile,
    data_offset,
    is_large,
    send_files_in_fragments,
    send_stored_files,
    spool_handlers,
    spooled_path,
)
from dicom_harness.shared.status import Status, status_class
from dicom_harness.shared.transfer_syntaxes import STORAGE_TRANSFER_SYNTAXES, VERIFICATION_TRANSFER_SYNTAXES
from dicom_harness.simulators import received
from dicom_harness.simulators.faults import (
    ABORT_ON_RELEASE,
    ABORT_THEN_RELEASE_RQ,
    ABORT_USER_REASON_NOT_ZERO,
    AC_ASYNC_WINDOW_UNLIMITED,
    AC_CONTEXT_ITEM_TWICE,
    AC_EMPTY_VERSION_NAME,
    AC_ITEMS_OUT_OF_ORDER,
    AC_NO_APPLICATION_CONTEXT,
    AC_PROTOCOL_VERSION_2,
    AC_RESERVED_NOT_ECHOED,
    AC_RESERVED_NOT_ZERO,
    AC_ROLE_GRANTED_UNPROPOSED,
    AC_ROLE_ITEM_UNASKED,
    AC_ROLE_VALUE_NOT_BINARY,
    AC_TWO_IMPLEMENTATION_UIDS,
    AC_TWO_MAX_LENGTH_ITEMS,
    AC_TWO_TRANSFER_SYNTAXES,
    AC_TWO_VERSION_NAMES,
    AC_USER_IDENTITY_UNASKED,
    ACCEPT_ANY_ABSTRACT_SYNTAX,
    ACCEPT_UNKNOWN_TRANSFER_SYNTAX,
    CODES_CONVERTED_WITHOUT_WARNING,
    COERCE_WITHOUT_WARNING,
    COMMIT_ACTION_RSP_WRONG_MESSAGE_ID,
    DROP_PRIVATE,
    DUPLICATE_DELETES,
    ECHO_FAILURE,
    ECHO_ONCE,
    ECHO_RSP_COMMAND_FIELD,
    ECHO_RSP_WITH_DATA_SET,
    ECHO_RSP_WRONG_CLASS,
    FIND_FAILURE_WITH_IDENTIFIER,
    FIND_RSP_WRONG_CLASS,
    FIND_RSP_WRONG_MESSAGE_ID,
    GET_RSP_WRONG_MESSAGE_ID,
    IGNORE_CALLED_AE,
    IGNORE_CALLING_AE,
    IGNORE_MAX_PDU,
    IGNORE_UNKNOWN_PDU,
    MISMATCH_ABORTS,
    MOVE_PENDING_WITH_DATA_SET,
    MOVE_RSP_WRONG_MESSAGE_ID,
    MPPS_CREATE_RSP_WRONG_MESSAGE_ID,
    MPPS_CREATE_UID_NOT_RETURNED,
    MPPS_SET_RSP_WRONG_INSTANCE,
    NO_CLOSE_AFTER_ABORT,
    NO_CONTEXT_BARE_CLOSE,
    PDATA_AFTER_RELEASE_RP,
    PDATA_EVEN_CONTEXT_ID,
    PDATA_WITHOUT_PDV,
    PDV_CONTROL_BITS_SET,
    PROTOCOL_VERSION_EXACT,
    REFUSE_CSPS,
    REFUSE_DEFLATE,
    REFUSE_DX_FOR_PRESENTATION,
    REFUSE_GSPS_WITH_ENHANCED_CT,
    REFUSE_GSPS_WITH_ENHANCED_MR,
    REFUSE_IO_FOR_PRESENTATION,
    REFUSE_IVOCT_FOR_PRESENTATION,
    REFUSE_MG_FOR_PRESENTATION,
    REFUSE_MR_STORAGE,
    REFUSE_VERIFICATION_AMONG_OTHERS,
    REJECT_FULL_SIZE_PDU,
    REJECT_IMPLICIT_VR,
    RELEASE_RP_RESERVED_NOT_ZERO,
    RELEASE_RQ_BEFORE_RP,
    RJ_UNDEFINED_REASON,
    ROBUST_INVALID_RQ_CLOSED,
    ROBUST_REFUSAL_DELETES_STORED,
    ROBUST_UNDECODABLE_SUCCESS,
    SECOND_ASSOCIATION_ACCEPTED,
    STORE_DISCARDS,
    STORE_DROPS_KOS_EVIDENCE,
    STORE_EXTNEG_UNDEFINED_LEVEL,
    STORE_REWRITES_GSPS_REFERENCE,
    STORE_RSP_WRONG_INSTANCE,
    STORE_RSP_WRONG_MESSAGE_ID,
    TLS_CLIENT_CERT_OPTIONAL,
    TLS_NO_DHE,
    TLS_OLD_VERSIONS,
    TLS_PLAIN_FALLBACK,
    UL_ABORT_ANSWERED_WITH_ABORT,
    UL_STA2_IGNORES_UNEXPECTED_PDU,
    UL_STA6_IGNORES_INVALID_PDU,
    UL_STA6_IGNORES_SECOND_REQUEST,
    UNKNOWN_USER_ITEM_REFUSED,
    USER_IDENTITY_NO_RESPONSE,
    USER_IDENTITY_REJECTED_TRANSIENT,
    USER_IDENTITY_RESPONSE_NOT_EMPTY,
    USER_ITEMS_ORDER_REQUIRED,
    VERIFICATION_EXTNEG_ANSWERED,
    Fault,
    faults_named,
)
from dicom_harness.simulators.inspection import (
    TOO_LARGE,
    Limits,
    dataset_uid_problem,
    encoded_dataset_problem,
    uid_problem,
)
from dicom_harness.simulators.lean_scan import lean_dataset
from dicom_harness.simulators.query_retrieve import QueryRetrieveScp
from dicom_harness.simulators.store import Store
from dicom_harness.simulators.store_inline import STORE_INLINE_HANDLERS

log = logging.getLogger("simulators.pacs")
# the storage SOP classes, for the refuse-verification-among-others fault
_STORAGE_SOP_CLASSES = frozenset(str(cx.abstract_syntax) for cx in AllStoragePresentationContexts)
# The lean C-STORE path joins the File Meta and the data set into one bytes object: worth it while the object is
# small enough for the store's journal (Journal.LARGEST_RECORD); a larger one is written in pieces, never copied
_LEAN_LARGEST = 1 << 20
# The faults _mangle_response carries out (only bound when one of them is on)
RESPONSE_FAULTS = {ECHO_RSP_WRONG_CLASS, ECHO_RSP_WITH_DATA_SET, STORE_RSP_WRONG_MESSAGE_ID, STORE_RSP_WRONG_INSTANCE,
                   FIND_RSP_WRONG_MESSAGE_ID, FIND_RSP_WRONG_CLASS, FIND_FAILURE_WITH_IDENTIFIER,
                   MOVE_RSP_WRONG_MESSAGE_ID, MOVE_PENDING_WITH_DATA_SET, GET_RSP_WRONG_MESSAGE_ID,
                   MPPS_CREATE_RSP_WRONG_MESSAGE_ID, MPPS_CREATE_UID_NOT_RETURNED, MPPS_SET_RSP_WRONG_INSTANCE,
                   COMMIT_ACTION_RSP_WRONG_MESSAGE_ID}
_QR_FIND_SWAP = {StudyRootQueryRetrieveInformationModelFind: PatientRootQueryRetrieveInformationModelFind,
                 PatientRootQueryRetrieveInformationModelFind: StudyRootQueryRetrieveInformationModelFind}
COERCED_ISSUER = "DH_PACS_ISSUER"      # the coerce-without-warning fault's Issuer of Patient ID
INVALID_SOP_INSTANCE = 0x0117           # PS3.7 9.1.1.1.9 h: "Invalid SOP Instance", a UID breaking PS3.5 9.1


# State table faults: (pynetdicom event, state) -> the action done instead of PS3.8 Table 9-10's
STATE_TABLE_FAULTS = {
    ABORT_ON_RELEASE: {("Evt12", "Sta6"): "AA-1"},     # the local user aborts instead of answering the release
    UL_ABORT_ANSWERED_WITH_ABORT: {("Evt16", "Sta2"): "AA-1"},
    UL_STA2_IGNORES_UNEXPECTED_PDU: {("Evt10", "Sta2"): "AA-6", ("Evt12", "Sta2"): "AA-6", ("Evt13", "Sta2"): "AA-6"},
    UL_STA6_IGNORES_SECOND_REQUEST: {("Evt6", "Sta6"): "AA-6", ("Evt13", "Sta6"): "AA-6"},
    UL_STA6_IGNORES_INVALID_PDU: {("Evt19", "Sta6"): "AA-6"},
}


def _user(ac) -> list:
    return ac.items_of(associate_rq.USER_INFORMATION)[0].children


def _twice(kind: int):
    def rewrite(ac) -> None:
        user = _user(ac)
        user.extend([i for i in user if i.type == kind][:1] or [associate_rq.Item(kind, b"DH_PACS_AGAIN")] * 2)
    return rewrite


def _grant_roles(ac) -> None:
    for item in _user(ac):
        if item.type == associate_rq.ROLE_SELECTION:
            item.value = item.value[:-2] + b"\x01\x01"


def _unasked_role(ac) -> None:
    if not any(i.type == associate_rq.ROLE_SELECTION for i in _user(ac)):
        _user(ac).append(associate_rq.role_item(Verification, 1, 0))


def _two_transfer_syntaxes(ac) -> None:
    for item in ac.items_of(associate_rq.PRESENTATION_CONTEXT_AC):
        if len(item.value) > 2 and item.value[2] == 0:        # result 0: acceptance
            item.children.extend(item.children[:1])


def _items_out_of_order(ac) -> None:
    ac.items.sort(key=lambda item: item.type != associate_rq.APPLICATION_CONTEXT and
                  item.type != associate_rq.USER_INFORMATION)


def _async_unlimited(ac) -> None:
    user = [i for i in _user(ac) if i.type != associate_rq.ASYNCHRONOUS_WINDOW]
    user.append(associate_rq.Item(associate_rq.ASYNCHRONOUS_WINDOW, bytes(4)))
    ac.items_of(associate_rq.USER_INFORMATION)[0].children = user


def _protocol_version_2(ac) -> None:
    ac.protocol_version = 2


def _reserved_not_echoed(ac) -> None:
    ac.header_rest = ac.header_rest[:2] + b"X" * 32


def _ac(rewrite):
    """An A-ASSOCIATE-AC fault as an outgoing-PDU rewrite: the AC is read, changed and written again."""
    def outgoing(data: bytes, memory: dict) -> bytes:
        if data[:1] != b"\x02":
            return data
        ac = associate_rq.parse(data, 0x02)
        rewrite(ac)
        return associate_rq.encode(ac)
    return outgoing


def _empty_pdata_first(data: bytes, memory: dict) -> bytes:
    return b"\x04\x00\x00\x00\x00\x00" + data if data[:1] == b"\x04" else data


def _pdata_after_release_rp(data: bytes, memory: dict) -> bytes:
    if data[:1] == b"\x04":
        memory["last P-DATA"] = data
    elif data[:1] == b"\x06":
        return data + memory.get("last P-DATA", b"\x04\x00\x00\x00\x00\x00")
    return data


def _user_abort_reason(data: bytes, memory: dict) -> bytes:
    if data[:1] == b"\x07" and len(data) >= 10 and data[8] == 0:
        return data[:9] + b"\x03" + data[10:]
    return data


# Faults on the PDUs the simulator sends: each connection's outgoing PDUs pass through them just before the socket
OUTGOING_FAULTS = {
    AC_ROLE_GRANTED_UNPROPOSED: _ac(_grant_roles), AC_ROLE_ITEM_UNASKED: _ac(_unasked_role),
    AC_TWO_MAX_LENGTH_ITEMS: _ac(_twice(associate_rq.MAXIMUM_LENGTH)),
    AC_TWO_IMPLEMENTATION_UIDS: _ac(_twice(associate_rq.IMPLEMENTATION_CLASS_UID)),
    AC_TWO_VERSION_NAMES: _ac(_twice(associate_rq.IMPLEMENTATION_VERSION_NAME)),
    AC_PROTOCOL_VERSION_2: _ac(_protocol_version_2), AC_RESERVED_NOT_ECHOED: _ac(_reserved_not_echoed),
    AC_TWO_TRANSFER_SYNTAXES: _ac(_two_transfer_syntaxes), AC_ITEMS_OUT_OF_ORDER: _ac(_items_out_of_order),
    PDATA_WITHOUT_PDV: _empty_pdata_first, PDATA_AFTER_RELEASE_RP: _pdata_after_release_rp,
    ABORT_USER_REASON_NOT_ZERO: _user_abort_reason, AC_ASYNC_WINDOW_UNLIMITED: _ac(_async_unlimited),
}


class _FaultyStateMachine(StateMachine):
    """pynetdicom's state machine with some rows' actions replaced (the state table faults)."""
    overrides: dict = {}

    def do_action(self, event: str) -> None:
        action = self.overrides.get((event, self.current_state))
        if action is None:
            super().do_action(event)
            return
        self.transition(FSM_ACTIONS[action][1](self.dul))


class _UnboundedPdu(GuardedDimse):
    """For the ignore-max-pdu fault: never fragment to the peer's maximum length."""

    @property
    def maximum_pdu_size(self) -> int:
        return 0


class PacsSimulator:
    # harness/shared/tls.py Certificates: set before start() for a TLS port (PS3.15 B.9-B.11), else plain
    tls = None

    def __init__(self, store: Store, ae_title: str = "DH_PACS", host: str = "127.0.0.1", port: int = 0,
                 faults: Iterable[str | Fault] = (), check_called_ae: bool = True, max_pdu: int = 65536,
                 services: Iterable = (), commitment_peers: dict[str, tuple[str, int]] | None = None,
                 commitment_delay: float = 0.0, commitment_answer_on: str = "new",
                 allowed_calling_aes: Iterable[str] | None = None,
                 move_destinations: dict[str, tuple[str, int]] | None = None, recorder=None,
                 limits: Limits | None = None):
        self.store = store
        self.limits = limits or Limits()
        self.ae_title = ae_title
        self.host = host
        self.requested_port = port
        self.faults = faults_named(faults)
        self.check_called_ae = check_called_ae
        self.allowed_calling_aes = list(allowed_calling_aes) if allowed_calling_aes else []
        self.max_pdu = max_pdu
        self.port: int | None = None
        self._server = None
        self._left_open: list = []      # no-close-after-abort: sockets kept open after an A-ABORT
        # Per-association state lives in weak maps: id() of a finished association is reused by Python.
        self._echoes: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._requests: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()    # assoc -> _RequestSeen
        # Further service bundles offered on this same AE (simulators/services.py): RIS, storage commitment
        self.services = list(services)
        from dicom_harness.simulators.commitment import CommitmentService
        self.commitment = CommitmentService(store, ae_title, peers=commitment_peers, delay=commitment_delay,
                                            answer_on=commitment_answer_on, faults=self.faults)
        self.services.append(self.commitment)
        self.query_retrieve = QueryRetrieveScp(store, ae_title, self.faults, move_destinations)
        self.recorder = recorder        # listen mode: a Recorder (recorder.py) that keeps what products send

    # -- negotiation ---------------------------------------------------------------------------------------
    def _build_ae(self) -> AE:
        ae = AE(ae_title=self.ae_title)
        prepare_ae(ae)
        ae.maximum_pdu_size = self.max_pdu
        # pynetdicom counts every connection, negotiating or not, against maximum_associations: that is our
        # connection cap; established associations are counted in _on_requested, so stalled connections (each
        # closed by DeadlineSocket or ARTIM within seconds) cannot lock real clients out
        ae.maximum_associations = self.limits.max_connections
        ae.require_called_aet = self.check_called_ae and IGNORE_CALLED_AE not in self.faults
        if self.allowed_calling_aes and IGNORE_CALLING_AE not in self.faults:
            ae.require_calling_aet = self.allowed_calling_aes
        verification_ts = ([ExplicitVRLittleEndian] if REJECT_IMPLICIT_VR in self.faults
                           else VERIFICATION_TRANSFER_SYNTAXES)
        ae.add_supported_context(Verification, verification_ts)
        storage_ts = [ts for ts in STORAGE_TRANSFER_SYNTAXES
                      if not (REFUSE_DEFLATE in self.faults and ts == DeflatedExplicitVRLittleEndian)]
        for context in AllStoragePresentationContexts:
            if REFUSE_MR_STORAGE in self.faults and context.abstract_syntax == MRImageStorage:
                continue
            # scp_role/scu_role True: accept what the requestor proposes in role selection (C-GET needs it)
            ae.add_supported_context(context.abstract_syntax, storage_ts, scu_role=True, scp_role=True)
        for model in (StudyRootQueryRetrieveInformationModelGet, PatientRootQueryRetrieveInformationModelGet):
            ae.add_supported_context(model, VERIFICATION_TRANSFER_SYNTAXES)
        self.query_retrieve.add_contexts(ae)
        for service in self.services:
            service.add_contexts(ae)
        return ae

    def _on_requested(self, event) -> None:
        if self._refuse_request(event.assoc):
            return
        established = [a for a in event.assoc.ae.active_associations if a.is_acceptor and a.is_established]
        if len(established) >= self.limits.max_associations:
            log.warning("association from %s rejected: %d associations established (the limit)",
                        event.assoc.requestor.address, len(established))
            event.assoc.acse.send_reject(0x02, 0x03, 0x02)    # rejected-transient, local limit exceeded
            event.assoc.kill()
            return
        if ACCEPT_ANY_ABSTRACT_SYNTAX in self.faults or ACCEPT_UNKNOWN_TRANSFER_SYNTAX in self.faults:
            self._widen_contexts(event.assoc)
        proposed = event.assoc.requestor.primitive.presentation_context_definition_list
        if NO_CONTEXT_BARE_CLOSE in self.faults:
            supported = {cx.abstract_syntax for cx in event.assoc.acceptor.supported_contexts}
            if not {cx.abstract_syntax for cx in proposed} & supported:
                event.assoc.dul.socket._shutdown_socket()
                event.assoc.kill()
                return
        refused = {COMPANION_FAULTS[f][1] for f in set(self.faults) & set(COMPANION_FAULTS)
                   if any(cx.abstract_syntax in COMPANION_FAULTS[f][0] for cx in proposed)}
        if refused:
            event.assoc.acceptor._contexts = [cx for cx in event.assoc.acceptor.supported_contexts
                                              if cx.abstract_syntax not in refused]
        if REFUSE_VERIFICATION_AMONG_OTHERS in self.faults and any(cx.abstract_syntax in _STORAGE_SOP_CLASSES
                                                                   for cx in proposed):
            event.assoc.acceptor._contexts = [cx for cx in event.assoc.acceptor.supported_contexts
                                              if cx.abstract_syntax != Verification]

    def _widen_contexts(self, assoc) -> None:
        """Faults: add whatever the requestor proposed to what this association supports."""
        from pynetdicom.presentation import build_context
        widened = list(assoc.acceptor.supported_contexts)
        supported = {cx.abstract_syntax: index for index, cx in enumerate(widened)}
        for proposed in assoc.requestor.primitive.presentation_context_definition_list:
            index = supported.get(proposed.abstract_syntax)
            if index is None and ACCEPT_ANY_ABSTRACT_SYNTAX in self.faults:
                widened.append(build_context(proposed.abstract_syntax, proposed.transfer_syntax))
            elif index is not None and ACCEPT_UNKNOWN_TRANSFER_SYNTAX in self.faults:
                known = widened[index]
                extra = [ts for ts in proposed.transfer_syntax if ts not in known.transfer_syntax]
                if extra:
                    # the server's contexts are shared by every association (accept_fast): change a copy
                    known = widened[index] = copy.copy(known)
                    known.transfer_syntax = list(known.transfer_syntax) + extra
        assoc.acceptor._contexts = widened  # the acceptor's supported list, read by negotiation

    def _on_pdu_recv(self, event) -> None:
        if NO_CLOSE_AFTER_ABORT in self.faults and isinstance(event.pdu, A_ABORT_RQ):
            self._keep_connection_open(event.assoc)
        if (REJECT_FULL_SIZE_PDU in self.faults and isinstance(event.pdu, P_DATA_TF)
                and event.pdu.pdu_length > self.max_pdu // 2):
            threading.Thread(target=event.assoc.abort, daemon=True).start()

    def _keep_connection_open(self, assoc) -> None:
        """The no-close-after-abort fault: pynetdicom's AA-3 then ends the association without shutting the
        socket; it is closed a minute later (or when the simulator stops)."""
        transport = assoc.dul.socket
        held = transport.socket
        if held is None:
            return
        transport._shutdown_socket = lambda: None
        self._left_open.append(held)
        timer = threading.Timer(60.0, _close_quietly, (held,))
        timer.daemon = True
        timer.start()

    def _screen_requests(self, event) -> None:
        """Every connection: the A-ASSOCIATE-RQ is read as it came (associate_rq) before pynetdicom decodes it.
        Items of unrecognized types are skipped (PS3.8 9.3.1; pynetdicom cannot decode them), and what pynetdicom
        does not look at (Protocol-version, the order of user sub-items) is kept for _refuse_request."""
        assoc, dul = event.assoc, event.assoc.dul
        decode = dul._decode_pdu

        def screened(bytestream):
            if bytes(bytestream[:1]) != b"\x01":
                return decode(bytestream)
            try:
                request = associate_rq.parse(bytes(bytestream))
            except associate_rq.MalformedPdu:
                return decode(bytestream)
            seen = _RequestSeen(request)
            self._requests[assoc] = seen
            if AC_NO_APPLICATION_CONTEXT in self.faults and seen.application_context != _DICOM_CONTEXT:
                _rewrite_outgoing(event, [_ac(_drop_application_context)])
            if RJ_UNDEFINED_REASON in self.faults:
                _rewrite_outgoing(event, [_undefined_rj_reason])
            raw_client = seen.implementation == associate_rq.HARNESS_IMPLEMENTATION_UID
            if ECHO_RSP_COMMAND_FIELD in self.faults and raw_client:
                _rewrite_outgoing(event, [_echo_command_8031])
            response = self._identity_response(seen)
            if response is not None:
                _rewrite_outgoing(event, [_ac(_identity_answer(response))])
            if seen.unknown or (request.protocol_version & 1 and request.protocol_version != 1
                                and PROTOCOL_VERSION_EXACT not in self.faults):
                # pynetdicom's AE-6 rejects every version but 0001H: it is shown the version it knows
                seen.known_only.protocol_version = 1
                return decode(bytearray(associate_rq.encode(seen.known_only)))
            return decode(bytestream)
        dul._decode_pdu = screened

    def _refuse_request(self, assoc) -> bool:
        """The faults that refuse what PS3.8 9.3.1 and 9.3.2.3 let through. (A Protocol-version without bit 0 is
        rejected by pynetdicom's AE-6 itself: source 2, reason 2.)"""
        seen = self._requests.get(assoc)
        if seen is not None and seen.identity is not None and seen.identity[0] == 2 and self.recorder is None:
            # PS3.7 D.3.3.7.3: no accounts here, so every passcode is refused: rejected-permanent, source 2 (ACSE).
            # In listen mode (a recorder) a product's username and passcode are let through: it is being recorded
            transient = USER_IDENTITY_REJECTED_TRANSIENT in self.faults
            assoc.acse.send_reject(0x02 if transient else 0x01, 0x02, 0x01)
            assoc.kill()
            return True
        if seen is None or not ((UNKNOWN_USER_ITEM_REFUSED in self.faults and seen.unknown) or (
                USER_ITEMS_ORDER_REQUIRED in self.faults and not seen.ascending)):
            return False
        assoc.acse.send_reject(0x01, 0x01, 0x01)
        assoc.kill()
        return True

    def _identity_response(self, seen) -> bytes | None:
        """The Server-response to a User Identity sub-item asking for a positive response (PS3.7 D.3.3.7.2): empty
        for a username (type 1), a token of the simulator's for types 3-5; None: no User Identity sub-item (no
        positive response asked, a refused type 2, or the fault)."""
        if seen.identity is None or not seen.identity[1] or seen.identity[0] not in (1, 3, 4, 5):
            return None
        if USER_IDENTITY_NO_RESPONSE in self.faults:
            return None
        if seen.identity[0] == 1:
            return b"DH_PACS" if USER_IDENTITY_RESPONSE_NOT_EMPTY in self.faults else b""
        return b"dicom-harness PACS simulator"

    # -- services --------------------------------------------------------------------------------------
    def _on_echo(self, event) -> int:
        if IGNORE_MAX_PDU in self.faults:
            event.assoc.dimse.__class__ = _UnboundedPdu
        if ECHO_FAILURE in self.faults:
            return Status.PROCESSING_FAILURE
        key = event.assoc
        self._echoes[key] = self._echoes.get(key, 0) + 1
        if ECHO_ONCE in self.faults and self._echoes[key] > 1:
            event.assoc.abort()
        return Status.SUCCESS

    def _on_store(self, event) -> int | tuple[int, Dataset]:
        spooled = spooled_path(event)
        if spooled is not None:
            return self._on_spooled_store(event, spooled)
        if self.takes_inline_path:
            kept = self._store_lean(event)
            if kept is not None:
                return kept
        refused = self._refusal_before_decoding(event)
        if refused is not None:
            return refused
        try:
            dataset = received.head(event)      # up to the pixel data: the checks and the index need no more
        except Exception as exc:  # undecodable data set
            log.warning("C-STORE data set cannot be decoded: %s", exc)
            return Status.CANNOT_UNDERSTAND_DATA_SET
        answered = self._answer_before_keeping(event, dataset)
        if answered is not None:
            return answered
        sop_uid = str(dataset.SOPInstanceUID)
        mismatch = str(dataset.get("SOPClassUID", "")) != UID(event.request.AffectedSOPClassUID)
        try:
            converts = CODES_CONVERTED_WITHOUT_WARNING in self.faults and "AnatomicRegionSequence" in dataset
            if DROP_PRIVATE in self.faults or COERCE_WITHOUT_WARNING in self.faults or converts:
                dataset = event.dataset         # the whole data set, changed and encoded again
                dataset.file_meta = event.file_meta
                if DROP_PRIVATE in self.faults:
                    dataset.remove_private_tags()
                elif converts:
                    _srt_to_sct(dataset.AnatomicRegionSequence)
                else:
                    dataset.IssuerOfPatientID = COERCED_ISSUER
                self.store.put_file(_encode_file(dataset), dataset)
            else:
                whole = _with_broken_references(event, self.faults)
                if whole is not None:
                    self.store.put_file(_encode_file(whole), whole)
                else:                           # the bytes as received, written once, no copy (received.py)
                    with received.body(event) as data:
                        self.store.put_parts((received.part10_header(dataset.file_meta), data), dataset)
        except OSError as exc:
            log.error("cannot keep %s: %s", sop_uid, exc)
            return Status.OUT_OF_RESOURCES
        return Status.WARNING_DATA_SET_DOES_NOT_MATCH_SOP_CLASS if mismatch else Status.SUCCESS

    def _store_lean(self, event) -> int | None:
        """The clean simulator's lean path (lean_scan.py): the data set's checks and index row from one walk of its
        bytes, kept as _on_store keeps it (the same file, the same row) with Store.keep_journaled (journal first:
        the file and the row are written after the answer). None when it is not one the lean path takes, or not
        plainly acceptable (its UIDs not the command's): _on_store judges it."""
        request = event.request
        with received.body(event) as data:
            if len(data) > _LEAN_LARGEST:
                return None
            syntax = str(event.context.transfer_syntax)
            lean = lean_dataset(data, syntax)
            if (lean is None or lean.sop_instance != request.AffectedSOPInstanceUID
                    or lean.sop_class != request.AffectedSOPClassUID):
                return None
            encoded = received.part10_header_of(lean.sop_class, lean.sop_instance, syntax) + data
        problem = self.store.keep_journaled(lean.sop_instance, encoded, (
            lean.sop_instance, lean.sop_class, syntax, lean.patient_id, lean.study, lean.series,
            lean.attributes_json))
        if problem is not None:
            log.error("cannot keep %s: %s", lean.sop_instance, problem)
            return Status.OUT_OF_RESOURCES
        return Status.SUCCESS

    def _on_spooled_store(self, event, spooled) -> int | Dataset:
        """_on_store for a large data set, written to a file under the store's incoming/ as it arrived
        (harness/shared/spool.py): the same checks, read from the file; the file is then synced and moved into
        place, never read whole. A fault that changes the data set reads it whole, as _on_store does."""
        refused = self._refusal_before_decoding(event, spooled)
        if refused is not None:
            return refused
        try:
            dataset = dcmread(spooled, stop_before_pixels=True)
        except Exception as exc:  # undecodable data set
            log.warning("C-STORE data set cannot be decoded: %s", exc)
            return Status.CANNOT_UNDERSTAND_DATA_SET
        answered = self._answer_before_keeping(event, dataset)
        if answered is not None:
            return answered
        sop_uid = str(dataset.SOPInstanceUID)
        mismatch = str(dataset.get("SOPClassUID", "")) != UID(event.request.AffectedSOPClassUID)
        try:
            rewrites = {DROP_PRIVATE, COERCE_WITHOUT_WARNING, CODES_CONVERTED_WITHOUT_WARNING,
                        STORE_DROPS_KOS_EVIDENCE, STORE_REWRITES_GSPS_REFERENCE} & set(self.faults)
            if rewrites:        # the faults' own path, on the data set read whole
                whole = event.dataset
                whole.file_meta = event.file_meta
                if DROP_PRIVATE in self.faults:
                    whole.remove_private_tags()
                elif CODES_CONVERTED_WITHOUT_WARNING in self.faults and "AnatomicRegionSequence" in whole:
                    _srt_to_sct(whole.AnatomicRegionSequence)
                elif COERCE_WITHOUT_WARNING in self.faults:
                    whole.IssuerOfPatientID = COERCED_ISSUER
                else:
                    _break_references(whole, self.faults)
                self.store.put_file(_encode_file(whole), whole)
            else:
                self.store.adopt_file(spooled, dataset)
        except OSError as exc:
            log.error("cannot keep %s: %s", sop_uid, exc)
            return Status.OUT_OF_RESOURCES
        return Status.WARNING_DATA_SET_DOES_NOT_MATCH_SOP_CLASS if mismatch else Status.SUCCESS

    def _answer_before_keeping(self, event, dataset: Dataset) -> int | Dataset | None:
        """What the decoded data set is answered without being kept (a refusal, or a fault's answer), or None:
        keep it. The same for a data set in memory and one spooled to a file."""
        affected = UID(event.request.AffectedSOPClassUID)
        mismatch = str(dataset.get("SOPClassUID", "")) != affected
        if mismatch and MISMATCH_ABORTS in self.faults:
            event.assoc.abort()
            return Status.PROCESSING_FAILURE
        sop_uid = str(dataset.get("SOPInstanceUID", ""))
        if not sop_uid:
            return Status.DATA_SET_DOES_NOT_MATCH_SOP_CLASS
        # In listen mode (a recorder) the product's mismatch is recorded and judged by the client suites; the
        # acquisition goes on as before (B007 for another class), so only that requirement fails
        listening = self.recorder is not None
        refused = _refusal_of_dataset(dataset, None if listening else str(event.request.AffectedSOPInstanceUID),
                                      None if listening else affected)
        if refused is not None:
            return refused
        if STORE_DISCARDS in self.faults:
            return Status.SUCCESS
        if DUPLICATE_DELETES in self.faults and self.store.get(sop_uid) is not None:
            self.store.delete(sop_uid)
            return Status.SUCCESS
        return None

    def _refusal_before_decoding(self, event, spooled: Path | None = None) -> Dataset | None:
        """What the encoded data set and the command's UIDs earn before anything is decoded: a Deflated data set
        past the inflation bound is Refused: Out of resources (A7xx), impossible element lengths are Error:
        Cannot understand (Cxxx), a command UID that is not a UID is Invalid SOP Instance (0117H). A data set
        `spooled` to a file is walked there (element headers read, values skipped), never read whole."""
        problem = uid_problem(event.request.AffectedSOPInstanceUID, "Affected SOP Instance UID")
        if problem:
            return _refusal(INVALID_SOP_INSTANCE, problem)
        problem = uid_problem(event.request.AffectedSOPClassUID, "Affected SOP Class UID")
        if problem:
            return _refusal(Status.DATA_SET_DOES_NOT_MATCH_SOP_CLASS, problem)
        if spooled is None:
            with received.body(event) as data:
                found = encoded_dataset_problem(data, event.context.transfer_syntax, self.limits)
        else:
            with open(spooled, "rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                found = encoded_dataset_problem(data, event.context.transfer_syntax, self.limits,
                                                start=data_offset(spooled))
        if found is None:
            return None
        kind, problem = found
        if kind != TOO_LARGE and ROBUST_REFUSAL_DELETES_STORED in self.faults:
            self.store.delete(str(event.request.AffectedSOPInstanceUID))
        if kind != TOO_LARGE and ROBUST_UNDECODABLE_SUCCESS in self.faults:
            return Status.SUCCESS
        return _refusal(Status.OUT_OF_RESOURCES if kind == TOO_LARGE else Status.CANNOT_UNDERSTAND, problem)

    def _on_get(self, event) -> Iterator:
        if IGNORE_MAX_PDU in self.faults:
            event.assoc.dimse.__class__ = _UnboundedPdu
        matches = self.query_retrieve.get_selection(event)
        if matches is None:
            yield 1      # not 0: pynetdicom answers Success to a C-GET of no sub-operations, ignoring the failure
            yield Status.IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS, None
            return
        yield len(matches)
        send_stored_files(event.assoc)
        for instance in matches:
            if event.is_cancelled:
                yield Status.CANCEL, None
                return
            # a large file is sent from disk in fragments, never held (harness/shared/spool.py)
            large = is_large(instance.path.stat().st_size)
            yield Status.PENDING, StoredFile.read(instance.path) if large else instance.read()

    def _mangle_response(self, event) -> None:
        """Response faults: change a response's command set (or add a data set) after pynetdicom built it,
        before it is encoded (EVT_DIMSE_SENT comes first). PS3.7 Annex E: the Command Field of each response."""
        message = event.message
        command = message.command_set
        field = command.get("CommandField")
        sop_class = str(command.get("AffectedSOPClassUID", ""))
        status = int(command.get("Status", 0))

        def shift_message_id() -> None:
            command.MessageIDBeingRespondedTo = (int(command.MessageIDBeingRespondedTo) + 1000) % 0x10000

        def add_data_set(keyword: str, value) -> None:
            from io import BytesIO

            from pynetdicom.dsutils import encode
            data_set = Dataset()
            setattr(data_set, keyword, value)
            command.CommandDataSetType = 0x0001
            message.data_set = BytesIO(encode(data_set, True, True))

        if field == 0x8030:                                                     # C-ECHO-RSP
            if ECHO_RSP_WRONG_CLASS in self.faults:
                command.AffectedSOPClassUID = CTImageStorage
            if ECHO_RSP_WITH_DATA_SET in self.faults:
                add_data_set("PatientID", "DH_ECHO")
        elif field == 0x8001:                                                   # C-STORE-RSP
            if STORE_RSP_WRONG_MESSAGE_ID in self.faults:
                shift_message_id()
            if STORE_RSP_WRONG_INSTANCE in self.faults:
                from pydicom.uid import generate_uid
                command.AffectedSOPInstanceUID = generate_uid(prefix=None)
        elif field == 0x8020 and sop_class in _QR_FIND_SWAP:                    # C-FIND-RSP (Query/Retrieve)
            pending = status in (Status.PENDING, Status.PENDING_WARNING)
            if FIND_RSP_WRONG_MESSAGE_ID in self.faults and not pending:
                shift_message_id()
            if FIND_RSP_WRONG_CLASS in self.faults:
                command.AffectedSOPClassUID = _QR_FIND_SWAP[sop_class]
            if FIND_FAILURE_WITH_IDENTIFIER in self.faults and status_class(status) == "Failure":
                add_data_set("QueryRetrieveLevel", "STUDY")
        elif field == 0x8021:                                                   # C-MOVE-RSP
            if MOVE_RSP_WRONG_MESSAGE_ID in self.faults:
                shift_message_id()
            if MOVE_PENDING_WITH_DATA_SET in self.faults and status == Status.PENDING:
                add_data_set("FailedSOPInstanceUIDList", None)
        elif field == 0x8010 and GET_RSP_WRONG_MESSAGE_ID in self.faults:      # C-GET-RSP
            shift_message_id()
        elif field == 0x8140 and sop_class == ModalityPerformedProcedureStep:   # N-CREATE-RSP
            if MPPS_CREATE_RSP_WRONG_MESSAGE_ID in self.faults:
                shift_message_id()
            if MPPS_CREATE_UID_NOT_RETURNED in self.faults and "AffectedSOPInstanceUID" in command:
                del command.AffectedSOPInstanceUID
        elif field == 0x8120 and sop_class == ModalityPerformedProcedureStep:   # N-SET-RSP
            if MPPS_SET_RSP_WRONG_INSTANCE in self.faults:
                from pydicom.uid import generate_uid
                command.AffectedSOPInstanceUID = generate_uid(prefix=None)
        elif field == 0x8130 and COMMIT_ACTION_RSP_WRONG_MESSAGE_ID in self.faults:  # N-ACTION-RSP
            shift_message_id()

    def _on_sop_extended(self, event) -> dict:
        """SOP Class Extended Negotiation: the Query/Retrieve answers, those of any service that gives its own
        (worklist K.5.1, storage commitment J.2.1), and for Storage classes PS3.4 Table B.3-2: Level of support 2
        (this simulator keeps every attribute), signature level 0 (unspecified), Element Coercion 0 (none)."""
        answers = self.query_retrieve.on_sop_extended(event)
        for service in self.services:
            if hasattr(service, "extended_answers"):
                answers.update(service.extended_answers(event))
        storage = {str(cx.abstract_syntax) for cx in AllStoragePresentationContexts}
        if VERIFICATION_EXTNEG_ANSWERED in self.faults and Verification in (event.app_info or {}):
            answers[Verification] = event.app_info[Verification]
        for uid in (event.app_info or {}):
            if str(uid) in storage:
                answers[uid] = bytes([4 if STORE_EXTNEG_UNDEFINED_LEVEL in self.faults else 2, 0, 0, 0, 0, 0])
        return answers

    # -- lifecycle ----------------------------------------------------------------------------------------
    def handlers(self) -> list:
        keep_unknown = [(evt.EVT_CONN_OPEN, _ignore_unknown_pdus)] if IGNORE_UNKNOWN_PDU in self.faults else []
        mangle = [(evt.EVT_DIMSE_SENT, self._mangle_response)] if set(self.faults) & RESPONSE_FAULTS else []
        return [
            NODELAY_HANDLER,
            *keep_unknown,
            *mangle,
            (evt.EVT_REQUESTED, self._on_requested),
            (evt.EVT_PDU_RECV, self._on_pdu_recv),
            (evt.EVT_C_ECHO, self._on_echo),
            (evt.EVT_C_STORE, self._on_store),
            (evt.EVT_C_GET, self._on_get),
            (evt.EVT_SOP_EXTENDED, self._on_sop_extended),
            (evt.EVT_C_FIND, self.query_retrieve.on_find),
            (evt.EVT_C_MOVE, self.query_retrieve.on_move),
            (evt.EVT_DIMSE_RECV, self.query_retrieve.on_dimse_recv),
        ]

    @property
    def takes_inline_path(self) -> bool:
        """The clean simulator serves C-STORE in the reader thread (store_inline.py); faults and the recorder
        watch pynetdicom's own path."""
        return not self.faults and self.recorder is None

    def start(self) -> "PacsSimulator":
        ae = self._build_ae()
        from dicom_harness.simulators.services import combine_handlers
        handlers = combine_handlers(self.handlers(), self.services)
        handlers += GUARD_HANDLERS      # notification handlers, bound beside the ones above (not merged away)
        if self.takes_inline_path:
            handlers += STORE_INLINE_HANDLERS       # after GUARD_HANDLERS: it takes over their message queue
        overrides = {k: v for f in self.faults for k, v in STATE_TABLE_FAULTS.get(f, {}).items()}
        if overrides:
            handlers.append((evt.EVT_CONN_OPEN, _replace_rows, [overrides]))
        rewrites = [OUTGOING_FAULTS[f] for f in self.faults if f in OUTGOING_FAULTS]
        if rewrites:
            handlers.append((evt.EVT_CONN_OPEN, _rewrite_outgoing, [rewrites]))
        if self.recorder is not None:       # notification handlers: bound beside the services' own
            handlers += self.recorder.handlers()
        if ROBUST_INVALID_RQ_CLOSED in self.faults:
            handlers += [(evt.EVT_CONN_OPEN, _close_on_undecodable_pdu)]
        handlers.append((evt.EVT_CONN_OPEN, self._screen_requests))
        if self.recorder is None:       # large C-STORE data sets go to incoming/ as they arrive (after GUARD_HANDLERS)
            handlers += spool_handlers(self.store.root / "incoming")
        send_files_in_fragments()
        if SECOND_ASSOCIATION_ACCEPTED in self.faults:
            handlers.append((evt.EVT_CONN_OPEN, _second_association))
        from dicom_harness.shared.tls import start_server
        self._server = start_server(ae, (self.host, self.requested_port), self.tls_context(), handlers,
                                    allow_plain=TLS_PLAIN_FALLBACK in self.faults)
        self.port = self._server.server_address[1]
        log.info("PACS simulator %s listening on %s:%s%s", self.ae_title, self.host, self.port,
                 " (TLS)" if self.tls is not None else "")
        return self

    def tls_context(self):
        """The TLS port's context (PS3.15 B.10: TLS 1.2 at least, the four BCP 195 suites, a client certificate
        signed by the run's CA), or None for a plain port."""
        if self.tls is None:
            return None
        from dicom_harness.shared.tls import server_context
        context = server_context(self.tls.server_cert, self.tls.server_key, self.tls.ca,
                                 require_client=self.tls.ca is not None and TLS_CLIENT_CERT_OPTIONAL not in self.faults,
                                 dhe=TLS_NO_DHE not in self.faults)
        if TLS_OLD_VERSIONS in self.faults:
            import ssl
            context.minimum_version = ssl.TLSVersion.TLSv1
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
        return context

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        while self._left_open:
            _close_quietly(self._left_open.pop())


def _refusal_of_dataset(dataset: Dataset, affected_instance: str | None,
                        affected_class: str | None) -> Dataset | None:
    """The decoded data set against its command: UIDs that are not UIDs, and an instance or class that is not
    the one the command names (PS3.7 9.3.1.1: the Affected SOP Class and Instance UIDs of the request are the
    data set's), both Error: Data Set does not match SOP Class (A9xx); a bad SOP Instance UID is 0117H."""
    problem = uid_problem(dataset.get("SOPInstanceUID"), "SOP Instance UID")
    if problem:
        return _refusal(INVALID_SOP_INSTANCE, problem)
    problem = dataset_uid_problem(dataset)
    if problem:
        return _refusal(Status.DATA_SET_DOES_NOT_MATCH_SOP_CLASS, problem)
    if affected_instance is not None and str(dataset.SOPInstanceUID) != affected_instance:
        return _refusal(Status.DATA_SET_DOES_NOT_MATCH_SOP_CLASS,
                        f"SOP Instance UID not the command's: {dataset.SOPInstanceUID} vs {affected_instance}")
    if affected_class is not None and str(dataset.get("SOPClassUID", "")) != affected_class:
        return _refusal(Status.DATA_SET_DOES_NOT_MATCH_SOP_CLASS,
                        f"SOP Class UID not the command's: {dataset.get('SOPClassUID', '')} vs {affected_class}")
    return None


def _refusal(status: int, reason: str) -> Dataset:
    """A C-STORE failure status with its Error Comment (0000,0902), LO: at most 64 characters."""
    log.warning("C-STORE refused with 0x%04X: %s", status, reason)
    answer = Dataset()
    answer.Status = status
    answer.ErrorComment = reason[:64]
    return answer


def _with_broken_references(event, faults) -> Dataset | None:
    """Under a reference fault, the whole received data set with its references broken (None when nothing broke:
    the bytes are kept as received)."""
    if STORE_DROPS_KOS_EVIDENCE not in faults and STORE_REWRITES_GSPS_REFERENCE not in faults:
        return None
    whole = event.dataset
    whole.file_meta = event.file_meta
    return whole if _break_references(whole, faults) else None


def _break_references(dataset: Dataset, faults) -> bool:
    """The reference faults: a KOS loses its evidence sequence, a GSPS's first image reference names nothing."""
    if STORE_DROPS_KOS_EVIDENCE in faults and "CurrentRequestedProcedureEvidenceSequence" in dataset:
        del dataset.CurrentRequestedProcedureEvidenceSequence
        return True
    if STORE_REWRITES_GSPS_REFERENCE in faults and dataset.get("ReferencedSeriesSequence"):
        images = dataset.ReferencedSeriesSequence[0].get("ReferencedImageSequence")
        if images:
            from pydicom.uid import generate_uid
            images[0].ReferencedSOPInstanceUID = generate_uid(prefix=None)
            return True
    return False


def _encode_file(dataset: Dataset) -> bytes:
    from io import BytesIO
    buffer = BytesIO()
    dataset.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _close_quietly(sock) -> None:
    try:
        sock.close()
    except OSError:
        pass


def _close_on_undecodable_pdu(event) -> None:
    """The robust-invalid-rq-closed fault: a PDU that does not decode closes the connection before pynetdicom's
    A-ABORT (AA-1) can go out."""
    dul = event.assoc.dul
    decode = dul._decode_pdu

    def closing(bytestream):
        try:
            return decode(bytestream)
        except Exception:
            dul.socket._shutdown_socket()
            raise
    dul._decode_pdu = closing


def _replace_rows(event, overrides: dict) -> None:
    """The state table faults: this connection's state machine does the faults' actions on their rows."""
    machine = event.assoc.dul.state_machine
    machine.__class__ = _FaultyStateMachine
    machine.overrides = overrides


def _rewrite_outgoing(event, rewrites: list) -> None:
    """The outgoing-PDU faults: this connection's PDUs are rewritten on their way out (pynetdicom sends one whole
    PDU per call)."""
    transport = event.assoc.dul.socket
    send, memory = transport.send, {}

    def send_rewritten(data: bytes) -> None:
        data = bytes(data)
        for rewrite in rewrites:
            data = rewrite(data, memory)
        send(data)
    transport.send = send_rewritten


def _ignore_unknown_pdus(event) -> None:
    """The ignore-unknown-pdu fault: a PDU of unknown type before the A-ASSOCIATE-RQ is read and dropped, no A-ABORT
    (harness/shared/network.py); not pynetdicom's own handling, which stalls or answers depending on timing."""
    event.assoc.dul.ignore_unknown_pdus = True


# -- round 5 (issue 11): the A-ASSOCIATE-RQ as read before pynetdicom, faults on PDU fields, companion SOP classes --
_DICOM_CONTEXT = associate_rq.DICOM_APPLICATION_CONTEXT
_KNOWN_ITEMS = {associate_rq.APPLICATION_CONTEXT, associate_rq.PRESENTATION_CONTEXT, associate_rq.USER_INFORMATION}
_KNOWN_USER_ITEMS = set(range(0x51, 0x5A))        # PS3.7 D.3.3 and PS3.8 D.1: 51H to 59H


class _RequestSeen:
    def __init__(self, request: associate_rq.AssociateRequest):
        self.protocol_version = request.protocol_version
        contexts = request.items_of(associate_rq.APPLICATION_CONTEXT)
        self.application_context = contexts[0].text() if contexts else ""
        user = [sub.type for item in request.items_of(associate_rq.USER_INFORMATION) for sub in item.children]
        # the faults' notion of order: Maximum Length (51H) first, as pynetdicom and most products write it
        self.ascending = not (associate_rq.MAXIMUM_LENGTH in user and user.index(associate_rq.MAXIMUM_LENGTH) > 0)
        self.unknown = any(i.type not in _KNOWN_ITEMS for i in request.items) or any(
            t not in _KNOWN_USER_ITEMS for t in user)
        implementation = request.user_sub_items(associate_rq.IMPLEMENTATION_CLASS_UID)
        self.implementation = implementation[0].text() if implementation else ""
        identities = request.user_sub_items(associate_rq.USER_IDENTITY_RQ)
        self.identity = associate_rq.read_user_identity_item(identities[0]) if identities else None
        self.known_only = copy.deepcopy(request)
        if self.unknown:
            self.known_only.items = [i for i in self.known_only.items if i.type in _KNOWN_ITEMS]
            for item in self.known_only.items_of(associate_rq.USER_INFORMATION):
                item.children = [sub for sub in item.children if sub.type in _KNOWN_USER_ITEMS]


def _undefined_rj_reason(data: bytes, memory: dict) -> bytes:
    return data[:9] + b"\x05" if data[:1] == b"\x03" and data[8:10] == b"\x02\x02" else data


def _drop_application_context(ac) -> None:
    ac.items = [i for i in ac.items if i.type != associate_rq.APPLICATION_CONTEXT]


def _reserved_not_zero(ac) -> None:
    ac.header_rest = b"XX" + ac.header_rest[2:]


def _context_item_twice(ac) -> None:
    contexts = [n for n, i in enumerate(ac.items) if i.type == associate_rq.PRESENTATION_CONTEXT_AC]
    if contexts:
        ac.items.insert(contexts[-1] + 1, ac.items[contexts[-1]])


def _empty_version_name(ac) -> None:
    user = [i for i in _user(ac) if i.type != associate_rq.IMPLEMENTATION_VERSION_NAME]
    user.append(associate_rq.Item(associate_rq.IMPLEMENTATION_VERSION_NAME, b""))
    ac.items_of(associate_rq.USER_INFORMATION)[0].children = user


def _user_identity_unasked(ac) -> None:
    if any(i.type == associate_rq.USER_IDENTITY_AC for i in _user(ac)):     # asked and answered already
        return
    _user(ac).append(associate_rq.Item(0x59, b"\x00\x00"))     # Server-response-length 0 (PS3.7 D.3.3.7.2)


_SRT_TO_SCT = {"T-D3000": "51185008"}       # Chest (PS3.16: SRT codes and their SCT values)


def _srt_to_sct(items) -> None:
    for item in items:
        if item.get("CodingSchemeDesignator") == "SRT":
            item.CodeValue = _SRT_TO_SCT.get(item.CodeValue, item.CodeValue)
            item.CodingSchemeDesignator = "SCT"


_ECHO_RSP_FIELD = bytes.fromhex("0000 0001 02000000 3080")     # (0000,0100) US 8030H, Implicit VR Little Endian


def _echo_command_8031(data: bytes, memory: dict) -> bytes:
    return data.replace(_ECHO_RSP_FIELD, _ECHO_RSP_FIELD[:-2] + b"\x31\x80") if data[:1] == b"\x04" else data


def _identity_answer(response: bytes):
    def rewrite(ac) -> None:
        _user(ac).append(associate_rq.Item(associate_rq.USER_IDENTITY_AC, len(response).to_bytes(2, "big") + response))
    return rewrite


def _second_association(event) -> None:
    """The second-association-accepted fault. After the A-RELEASE-RP, a new A-ASSOCIATE-RQ gets the connection's
    first A-ASSOCIATE-AC again: in place of pynetdicom's AA-7 A-ABORT while its state machine still reads, and once
    it has let the connection go (its close is held back), from a thread that reads one more PDU."""
    transport = event.assoc.dul.socket
    send, shutdown, memory = transport.send, transport._shutdown_socket, {}

    def sending(data: bytes) -> None:
        data = bytes(data)
        if data[:1] == b"\x02":
            memory.setdefault("ac", data)
        elif data[:1] == b"\x06":
            memory["released"] = True
        elif data[:1] == b"\x07" and memory.get("released") and "ac" in memory:
            data, memory["answered"] = memory["ac"], True
        send(data)

    def closing() -> None:
        raw = transport.socket
        if raw is None or not memory.get("released") or memory.get("answered") or "ac" not in memory:
            return shutdown()
        threading.Thread(target=_answer_second_request, args=(raw, memory["ac"]), daemon=True).start()
    transport.send = sending
    transport._shutdown_socket = closing


def _answer_second_request(raw, ac: bytes) -> None:
    import select
    try:
        if select.select([raw], [], [], 3.0)[0] and raw.recv(6)[:1] == b"\x01":
            raw.sendall(ac)
            select.select([raw], [], [], 1.0)
    except OSError:
        pass
    _close_quietly(raw)


def _role_value_2(ac) -> None:
    """The SCU-role byte only: pynetdicom's own C-GET requests propose the SCP role alone (SCU-role 0)."""
    for item in _user(ac):
        if item.type == associate_rq.ROLE_SELECTION and len(item.value) >= 2 and item.value[-2] == 1:
            item.value = item.value[:-2] + b"\x02" + item.value[-1:]


def _release_rp_reserved(data: bytes, memory: dict) -> bytes:
    return data[:6] + b"\xff" * 4 + data[10:] if data[:1] == b"\x06" else data


_RELEASE_RQ = bytes([0x05, 0, 0, 0, 0, 4, 0, 0, 0, 0])


def _release_rq_before_rp(data: bytes, memory: dict) -> bytes:
    return _RELEASE_RQ + data if data[:1] == b"\x06" else data


def _release_rq_after_abort(data: bytes, memory: dict) -> bytes:
    return data + _RELEASE_RQ if data[:1] == b"\x07" and len(data) >= 10 and data[8] == 2 else data


def _later_commands(change):
    """A P-DATA-TF rewrite applied to the PDVs of the second and later command messages of a connection."""
    def outgoing(data: bytes, memory: dict) -> bytes:
        if data[:1] != b"\x04" or len(data) < 12 or not data[11] & 0x01:
            return data
        if data[11] & 0x02:
            memory["commands"] = memory.get("commands", 0) + 1
        if memory.get("commands", 0) < (2 if data[11] & 0x02 else 1):
            return data
        out, at = bytearray(data), 6
        while at + 6 <= len(out):
            change(out, at + 4)
            at += 4 + int.from_bytes(out[at:at + 4], "big")
        return bytes(out)
    return outgoing


def _even_context(pdu: bytearray, at: int) -> None:
    pdu[at] = 2


def _control_bit_2(pdu: bytearray, at: int) -> None:
    pdu[at + 1] |= 0x04


OUTGOING_FAULTS.update({      # bound in start() like the ones above
    AC_RESERVED_NOT_ZERO: _ac(_reserved_not_zero), AC_CONTEXT_ITEM_TWICE: _ac(_context_item_twice),
    AC_EMPTY_VERSION_NAME: _ac(_empty_version_name), AC_USER_IDENTITY_UNASKED: _ac(_user_identity_unasked),
    RELEASE_RP_RESERVED_NOT_ZERO: _release_rp_reserved, RELEASE_RQ_BEFORE_RP: _release_rq_before_rp,
    ABORT_THEN_RELEASE_RQ: _release_rq_after_abort, PDATA_EVEN_CONTEXT_ID: _later_commands(_even_context),
    PDV_CONTROL_BITS_SET: _later_commands(_control_bit_2),
    AC_ROLE_VALUE_NOT_BINARY: _ac(_role_value_2),
})

# PS3.4 B.5.1: (the classes whose proposal triggers the fault, the companion class then refused)
_DX, _MG, _IO = "1.2.840.10008.5.1.4.1.1.1.1", "1.2.840.10008.5.1.4.1.1.1.2", "1.2.840.10008.5.1.4.1.1.1.3"
_GSPS, _CSPS = "1.2.840.10008.5.1.4.1.1.11.1", "1.2.840.10008.5.1.4.1.1.11.2"
COMPANION_FAULTS = {
    REFUSE_DX_FOR_PRESENTATION: ({_DX + ".1"}, _DX), REFUSE_MG_FOR_PRESENTATION: ({_MG + ".1"}, _MG),
    REFUSE_IO_FOR_PRESENTATION: ({_IO + ".1"}, _IO),
    REFUSE_IVOCT_FOR_PRESENTATION: ({"1.2.840.10008.5.1.4.1.1.14.2"}, "1.2.840.10008.5.1.4.1.1.14.1"),
    REFUSE_GSPS_WITH_ENHANCED_MR: ({"1.2.840.10008.5.1.4.1.1.4.1", "1.2.840.10008.5.1.4.1.1.4.4"}, _GSPS),
    REFUSE_GSPS_WITH_ENHANCED_CT: ({"1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.5.1.4.1.1.2.2"}, _GSPS),
    REFUSE_CSPS: ({"1.2.840.10008.5.1.4.1.1.4.3"}, _CSPS),
}
