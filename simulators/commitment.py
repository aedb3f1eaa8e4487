"""Storage Commitment Push Model SCP (PS3.4 Annex J) over the shared Store, offered by the PACS simulator.

N-ACTION (Request Storage Commitment) is answered at once; the result follows as an N-EVENT-REPORT after an
optional delay: on a new association to the requester's AE when its address is known (as Orthanc does),
otherwise on the association of the request while it is still open. Instances the store does not hold are
reported in the Failed SOP Sequence with a Failure Reason."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from io import BytesIO

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, build_role, evt
from pynetdicom.sop_class import StorageCommitmentPushModel

from dicom_harness.shared.network import NODELAY_HANDLER, prepare_ae
from dicom_harness.shared.reactor import REACTOR_HANDLER
from dicom_harness.shared.status import Status
from dicom_harness.simulators.faults import (
    COMMIT_ACTION_REFUSED,
    COMMIT_DROPS_REFERENCE,
    COMMIT_EMPTY_FAILURE_REASON,
    COMMIT_EVICTS_COMMITTED,
    COMMIT_EXTNEG_ANSWERED,
    COMMIT_FAILED_ITEM_CLASS_EMPTY,
    COMMIT_FAILURE_CASE_DROPS_REFERENCE,
    COMMIT_FILESET_BOTH,
    COMMIT_ITEM_CLASS_EMPTY,
    COMMIT_NEW_TRANSACTION_UID,
    COMMIT_OTHER_AE,
    COMMIT_REPORT_WRONG_INSTANCE,
    COMMIT_RETRIEVE_AE_BOTH,
    COMMIT_SAME_ASSOCIATION_ONLY,
    COMMIT_STRIPS_PRIVATE,
    COMMIT_UNKNOWN_SUCCEEDS,
    Fault,
    faults_named,
)
from dicom_harness.simulators.store import Store

log = logging.getLogger("simulators.commitment")

# PS3.4 J.3.5: the well-known SOP Instance every N-ACTION addresses
WELL_KNOWN_INSTANCE = "1.2.840.10008.1.20.1.1"
TRANSFER_SYNTAXES = [ImplicitVRLittleEndian, ExplicitVRLittleEndian]

EVENT_SUCCESSFUL = 1          # storage commitment request successful
EVENT_FAILURES_EXIST = 2      # storage commitment request complete - failure exists

SAME = "same"
NEW = "new"


class CommitmentService:
    sop_classes = (StorageCommitmentPushModel,)

    def __init__(self, store: Store, ae_title: str, peers: dict[str, tuple[str, int]] | None = None,
                 delay: float = 0.0, answer_on: str = NEW, faults: Iterable[str | Fault] = ()):
        """peers: requester AE title -> (host, port) for answers on a new association;
        answer_on: 'new' (a new association when the requester is known) or 'same'."""
        if answer_on not in (SAME, NEW):
            raise ValueError(f"answer_on must be {SAME!r} or {NEW!r}")
        self.store = store
        self.ae_title = ae_title
        self.peers = dict(peers or {})
        self.delay = delay
        self.faults = faults_named(faults)
        self.answer_on = SAME if COMMIT_SAME_ASSOCIATION_ONLY in self.faults else answer_on
        self.reports_sent: list[tuple[str, int, Dataset]] = []      # (how, event type, information)

    def add_contexts(self, ae: AE) -> None:
        ae.add_supported_context(StorageCommitmentPushModel, TRANSFER_SYNTAXES, scu_role=True, scp_role=True)

    def handlers(self) -> list:
        return [(evt.EVT_N_ACTION, self.on_action)]

    def extended_answers(self, event) -> dict:
        """PS3.4 J.2.1: SOP Class Extended Negotiation is not supported, so a sub-item offered for the SOP Class
        gets no answer."""
        if COMMIT_EXTNEG_ANSWERED not in self.faults:
            return {}
        uid = str(StorageCommitmentPushModel)
        return {uid: bytes(v) for k, v in (event.app_info or {}).items() if str(k) == uid}

    def on_action(self, event):
        request = event.request
        if COMMIT_ACTION_REFUSED in self.faults:
            return Status.PROCESSING_FAILURE, None
        if int(request.ActionTypeID or 0) != 1:
            return Status.NO_SUCH_ACTION_TYPE, None
        if str(request.RequestedSOPInstanceUID) != WELL_KNOWN_INSTANCE:
            return Status.NO_SUCH_OBJECT_INSTANCE, None
        try:
            information = event.action_information
        except Exception as exc:
            log.warning("N-ACTION information cannot be decoded: %s", exc)
            return Status.PROCESSING_FAILURE, None
        if "TransactionUID" not in information or "ReferencedSOPSequence" not in information:
            return Status.MISSING_ATTRIBUTE, None
        requester = event.assoc.requestor.ae_title
        log.info("storage commitment request %s from %s: %d instance(s)", information.TransactionUID, requester,
                 len(information.ReferencedSOPSequence))
        threading.Thread(target=self._report, args=(event.assoc, requester, information), daemon=True).start()
        return Status.SUCCESS, None

    # -- the result ---------------------------------------------------------------------------------------
    def result(self, information: Dataset) -> tuple[int, Dataset]:
        committed, failed = Sequence(), Sequence()
        for reference in information.ReferencedSOPSequence:
            sop_class = str(reference.get("ReferencedSOPClassUID", ""))
            sop_instance = str(reference.get("ReferencedSOPInstanceUID", ""))
            held = self.store.get(sop_instance)
            item = Dataset()
            item.ReferencedSOPClassUID = sop_class
            item.ReferencedSOPInstanceUID = sop_instance
            if held is None and COMMIT_UNKNOWN_SUCCEEDS not in self.faults:
                item.FailureReason = Status.NO_SUCH_OBJECT_INSTANCE
                failed.append(item)
            elif held is not None and held.sop_class_uid != sop_class:
                item.FailureReason = Status.CLASS_INSTANCE_CONFLICT
                failed.append(item)
            else:
                committed.append(item)
        if COMMIT_EMPTY_FAILURE_REASON in self.faults:
            for item in failed:
                item.FailureReason = None
        # (on an Event Type 1 result only: an Event Type 2 one is commit-failure-case-drops-reference's)
        if COMMIT_DROPS_REFERENCE in self.faults and not failed and len(committed) > 1:
            committed = Sequence(list(committed)[:-1])
        if COMMIT_FAILURE_CASE_DROPS_REFERENCE in self.faults and failed and len(committed) > 1:
            committed = Sequence(list(committed)[:-1])
        if COMMIT_ITEM_CLASS_EMPTY in self.faults:
            for item in committed:
                item.ReferencedSOPClassUID = ""
        if COMMIT_FAILED_ITEM_CLASS_EMPTY in self.faults:
            for item in failed:
                item.ReferencedSOPClassUID = ""
        self._keep_faults(committed)
        report = Dataset()
        report.TransactionUID = information.TransactionUID
        if COMMIT_NEW_TRANSACTION_UID in self.faults:
            from pydicom.uid import generate_uid
            report.TransactionUID = generate_uid(prefix=None)
        report.RetrieveAETitle = self.ae_title
        for item in committed:
            if COMMIT_RETRIEVE_AE_BOTH in self.faults:
                item.RetrieveAETitle = self.ae_title
            if COMMIT_FILESET_BOTH in self.faults:
                item.StorageMediaFileSetID, item.StorageMediaFileSetUID = "DH_ONLINE", "2.25.1"
        if COMMIT_FILESET_BOTH in self.faults:
            report.StorageMediaFileSetID, report.StorageMediaFileSetUID = "DH_ONLINE", "2.25.1"
        if committed:
            report.ReferencedSOPSequence = committed
        if failed:
            report.FailedSOPSequence = failed
        return (EVENT_FAILURES_EXIST if failed else EVENT_SUCCESSFUL), report

    def _keep_faults(self, committed: Sequence) -> None:
        """What the faults do to the instances committed to (nothing unless one is named)."""
        for item in committed:
            uid = str(item.get("ReferencedSOPInstanceUID", ""))
            held = self.store.get(uid)
            if held is None:
                continue
            if COMMIT_EVICTS_COMMITTED in self.faults:
                self.store.delete(uid)
            elif COMMIT_STRIPS_PRIVATE in self.faults:
                dataset = held.read()
                dataset.remove_private_tags()
                if "ImageComments" in dataset:
                    del dataset.ImageComments
                buffer = BytesIO()
                dataset.save_as(buffer, enforce_file_format=True)
                self.store.put_file(buffer.getvalue(), dataset)

    def _instance(self, report: Dataset) -> str:
        """The N-EVENT-REPORT's Affected SOP Instance UID: the well-known instance (PS3.4 J.3.5)."""
        if COMMIT_REPORT_WRONG_INSTANCE in self.faults:
            return str(report.TransactionUID)
        return WELL_KNOWN_INSTANCE

    def _report(self, assoc, requester: str, information: Dataset) -> None:
        if self.delay:
            time.sleep(self.delay)
        event_type, report = self.result(information)
        address = self.peers.get(requester)
        if self.answer_on == NEW and address is not None:
            if self._send_new(requester, address, event_type, report):
                return
        # On the request's association: wait until the N-ACTION response has gone out first, and give a
        # requester that releases at once a moment to do so: a request sent into a release is never answered.
        deadline = time.monotonic() + 5.0
        while assoc.is_established and assoc._is_paused and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.05)
        if not assoc.is_established or _release_under_way(assoc):
            log.warning("storage commitment result %s for %s dropped: association closed and the requester's "
                        "address is unknown", report.TransactionUID, requester)
            return
        try:
            status, _ = assoc.send_n_event_report(report, event_type, StorageCommitmentPushModel,
                                                  self._instance(report))
        except (RuntimeError, ValueError) as exc:
            log.warning("storage commitment result on the same association failed: %s", exc)
            return
        self.reports_sent.append((SAME, event_type, report))
        log.info("storage commitment result %s (event type %d) sent on the same association, status %s",
                 report.TransactionUID, event_type, getattr(status, "Status", None))

    def _send_new(self, requester: str, address: tuple[str, int], event_type: int, report: Dataset) -> bool:
        ae = AE(ae_title="DH_COMMIT_OTHER" if COMMIT_OTHER_AE in self.faults else self.ae_title)
        prepare_ae(ae)
        ae.add_requested_context(StorageCommitmentPushModel, TRANSFER_SYNTAXES)
        # PS3.4 J.3.3.1.2 note 1: as association requester the SCP proposes the SCP role
        role = build_role(StorageCommitmentPushModel, scp_role=True)
        assoc = ae.associate(address[0], address[1], ae_title=requester, ext_neg=[role],
                             evt_handlers=[NODELAY_HANDLER, REACTOR_HANDLER])
        if not assoc.is_established:
            log.warning("storage commitment result: cannot associate with %s at %s:%s", requester, *address)
            return False
        try:
            status, _ = assoc.send_n_event_report(report, event_type, StorageCommitmentPushModel,
                                                  self._instance(report))
        finally:
            assoc.release()
        self.reports_sent.append((NEW, event_type, report))
        log.info("storage commitment result %s (event type %d) sent to %s on a new association, status %s",
                 report.TransactionUID, event_type, requester, getattr(status, "Status", None))
        return True


def _release_under_way(assoc) -> bool:
    """True once the peer has asked to release (PS3.8 state machine no longer in Sta6, data transfer)."""
    state = getattr(getattr(assoc.dul, "state_machine", None), "current_state", "Sta6")
    return state != "Sta6"
