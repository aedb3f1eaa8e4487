"""The harness's own listening AE: a C-MOVE destination (Storage SCP) and a receiver of N-EVENT-REPORTs
(Storage Commitment results). One per session; tests read what arrived and wait for it with a timeout."""

from __future__ import annotations

import contextlib
import threading
import time
from dataclasses import dataclass, field

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, evt
from pynetdicom.presentation import AllStoragePresentationContexts
from pynetdicom.sop_class import StorageCommitmentPushModel, Verification

from dicom_harness.clients.exchange import int_or_none, read_event_information
from dicom_harness.shared.network import NODELAY_HANDLER, prepare_ae
from dicom_harness.shared.status import Status
from dicom_harness.shared.transfer_syntaxes import STORAGE_TRANSFER_SYNTAXES
from dicom_harness.targets.profile import Peer


@dataclass
class EventReport:
    calling_ae: str
    event_type_id: int | None       # None: the target sent no usable Event Type ID
    sop_class_uid: str
    sop_instance_uid: str
    information: Dataset | None
    problem: str = ""               # why the Event Information could not be read, if it could not


@dataclass
class PeerInbox:
    stored: dict[str, Dataset] = field(default_factory=dict)          # SOP Instance UID -> data set
    stored_by: dict[str, str] = field(default_factory=dict)           # SOP Instance UID -> calling AE
    event_reports: list[EventReport] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)                  # SOP Instance UIDs answered A700, in order
    priorities: dict[str, int | None] = field(default_factory=dict)   # SOP Instance UID -> C-STORE-RQ Priority
    connections: int = 0                                              # TCP connections open to the peer now


class HarnessPeer:
    def __init__(self, config: Peer, tls_context=None):
        """tls_context: an ssl.SSLContext (harness/shared/tls.py server_context) when [peer] tls = true."""
        self.config = config
        self.tls_context = tls_context
        self.inbox = PeerInbox()
        self._changed = threading.Condition()
        self._watchers: set[threading.Event] = set()      # set at every change of the inbox, beside the condition
        self._server = None
        self.port: int | None = None
        # A test's plan for the C-STOREs that arrive (C-MOVE sub-operations): the SOP Instance UIDs to refuse
        # with A700 (Refused: Out of Resources), and a callable run with each arriving SOP Instance UID before
        # its C-STORE-RSP is sent (e.g. to send a C-CANCEL-MOVE-RQ). Reset them with expect_stores().
        # refuse_arrival: refuse the C-STORE that arrives n-th after expect_stores (1 = the first).
        self.refuse: frozenset[str] = frozenset()
        self.refuse_arrival: int | None = None
        self.on_arrival = None
        self._arrivals = 0

    def _notify(self) -> None:
        """Called with _changed held, after the inbox changed."""
        self._changed.notify_all()
        for event in self._watchers:
            event.set()

    @contextlib.contextmanager
    def watching(self, event: threading.Event):
        """`event` set at each change of the inbox while inside: waits on the peer and something else at once."""
        with self._changed:
            self._watchers.add(event)
        try:
            yield
        finally:
            with self._changed:
                self._watchers.discard(event)

    def expect_stores(self, refuse=(), on_arrival=None, refuse_arrival: int | None = None) -> None:
        """Plan the answers to the next C-STOREs (see refuse, refuse_arrival and on_arrival); expect_stores()
        restores the default, every C-STORE stored and answered Success."""
        with self._changed:
            self.refuse, self.on_arrival = frozenset(str(u) for u in refuse), on_arrival
            self.refuse_arrival, self._arrivals = refuse_arrival, 0

    def _on_store(self, event) -> int:
        sop = str(event.request.AffectedSOPInstanceUID)
        priority = event.request.Priority
        with self._changed:
            self._arrivals += 1
            nth = self._arrivals
            self.inbox.priorities[sop] = None if priority is None else int(priority)
        if self.on_arrival is not None:
            self.on_arrival(sop)
        if sop in self.refuse or nth == self.refuse_arrival:
            with self._changed:
                self.inbox.refused.append(sop)
                self._notify()
            return Status.OUT_OF_RESOURCES
        ds = event.dataset
        ds.file_meta = event.file_meta
        with self._changed:
            self.inbox.stored[str(ds.SOPInstanceUID)] = ds
            self.inbox.stored_by[str(ds.SOPInstanceUID)] = event.assoc.requestor.ae_title
            self._notify()
        return Status.SUCCESS

    def _on_connection(self, event) -> None:
        with self._changed:
            self.inbox.connections += 1 if event.event is evt.EVT_CONN_OPEN else -1
            self._notify()

    def _on_event_report(self, event):
        request = event.request
        info, problem = read_event_information(event)
        with self._changed:
            self.inbox.event_reports.append(EventReport(
                calling_ae=event.assoc.requestor.ae_title, event_type_id=int_or_none(request.EventTypeID),
                sop_class_uid=str(request.AffectedSOPClassUID), sop_instance_uid=str(request.AffectedSOPInstanceUID),
                information=info, problem=problem))
            self._notify()
        return Status.SUCCESS, None

    def wait_for(self, condition, timeout: float = 10.0) -> bool:
        """Wait until condition(inbox) holds; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self.inbox):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)
        return True

    def start(self) -> "HarnessPeer":
        ae = AE(ae_title=self.config.ae_title)
        prepare_ae(ae)
        ae.maximum_associations = 16
        ae.add_supported_context(Verification, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])
        for context in AllStoragePresentationContexts:
            ae.add_supported_context(context.abstract_syntax, STORAGE_TRANSFER_SYNTAXES)
        # As the SCU of Storage Commitment we receive N-EVENT-REPORTs; the SCP may open a new association.
        ae.add_supported_context(StorageCommitmentPushModel, [ImplicitVRLittleEndian, ExplicitVRLittleEndian],
                                 scu_role=True, scp_role=True)
        handlers = [NODELAY_HANDLER, (evt.EVT_CONN_OPEN, self._on_connection), (evt.EVT_CONN_CLOSE, self._on_connection),
                    (evt.EVT_C_STORE, self._on_store), (evt.EVT_N_EVENT_REPORT, self._on_event_report)]
        from dicom_harness.shared.tls import start_server
        self._server = start_server(ae, (self.config.host, self.config.port), self.tls_context, handlers)
        self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server = None
