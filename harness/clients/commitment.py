"""Storage Commitment as the SCU (PS3.4 J.3.2): send N-ACTION as the harness peer's AE, then wait (bounded)
for the N-EVENT-REPORT, on the same association or on a new one to the harness peer."""

from __future__ import annotations

import time
from dataclasses import dataclass

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import build_context
from pynetdicom.sop_class import StorageCommitmentPushModel

from dicom_harness.clients.dimse import DimseClient, Response
from dicom_harness.clients.peer import HarnessPeer
from dicom_harness.shared.references import sop_references
from dicom_harness.shared.status import Status

WELL_KNOWN_INSTANCE = "1.2.840.10008.1.20.1.1"      # PS3.4 J.3.5
REQUEST_STORAGE_COMMITMENT = 1


@dataclass
class CommitmentResult:
    action: Response
    transaction_uid: str
    event_type_id: int | None = None
    information: Dataset | None = None
    arrived_on: str = ""           # "same association" or "new association from <AE>"
    calling_ae: str = ""           # a new association's Calling AE Title ("" on the same association)
    sop_class_uid: str = ""        # the N-EVENT-REPORT's Affected SOP Class and Instance UID
    sop_instance_uid: str = ""

    def referenced(self) -> set[str]:
        return _uids(self.information, "ReferencedSOPSequence")

    def failed(self) -> dict[str, int | None]:
        """Failed SOP Sequence: instance UID -> Failure Reason (None when absent or without a usable value)."""
        items = (self.information or Dataset()).get("FailedSOPSequence") or []
        return {str(i.get("ReferencedSOPInstanceUID", "")): _failure_reason(i) for i in items}


def _failure_reason(item: Dataset) -> int | None:
    try:
        return int(item.FailureReason) if "FailureReason" in item else None
    except (TypeError, ValueError):          # zero length or several values: no reason the harness can read
        return None


def _uids(information: Dataset | None, keyword: str) -> set[str]:
    items = (information or Dataset()).get(keyword) or []
    return {str(i.get("ReferencedSOPInstanceUID", "")) for i in items}


def _mentions(information: Dataset | None, uids: set[str]) -> bool:
    return bool((_uids(information, "ReferencedSOPSequence") | _uids(information, "FailedSOPSequence")) & uids)


def request_commitment(dimse: DimseClient, peer: HarnessPeer, references: list[tuple[str, str]],
                       transaction_uid: str, *, release_at_once: bool = False) -> CommitmentResult:
    """references: (SOP Class UID, SOP Instance UID) pairs. The report is recognised by the instances it
    names (unique to the test), so a wrong Transaction UID is seen, not mistaken for a missing report."""
    evidence = dimse.evidence
    information = Dataset()
    information.TransactionUID = transaction_uid
    information.ReferencedSOPSequence = sop_references(references)
    uids = {uid for _, uid in references}
    already = len(peer.inbox.event_reports)
    timeout = dimse.endpoint.timeout
    context = build_context(StorageCommitmentPushModel, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])
    with dimse.associate([context], calling_ae=peer.config.ae_title) as session:
        action = session.n_action(StorageCommitmentPushModel, WELL_KNOWN_INSTANCE, REQUEST_STORAGE_COMMITMENT,
                                  information)
        result = CommitmentResult(action=action, transaction_uid=transaction_uid)
        if action.status != Status.SUCCESS:
            return result
        if not release_at_once:
            deadline = time.monotonic() + timeout
            arrived = session.event_report_arrived      # set by a report on this association or at the peer AE
            with peer.watching(arrived):
                while time.monotonic() < deadline and session.is_alive():
                    arrived.clear()
                    same = [r for r in session.event_reports if _mentions(r.information, uids)]
                    if same:
                        report = same[0]
                        result.event_type_id, result.information = report.event_type_id, report.information
                        result.sop_class_uid, result.sop_instance_uid = report.sop_class_uid, report.sop_instance_uid
                        result.arrived_on = "same association"
                        break
                    if any(_mentions(r.information, uids) for r in peer.inbox.event_reports[already:]):
                        break
                    # bounded: the association's end (is_alive) sets nothing
                    arrived.wait(min(0.1, max(deadline - time.monotonic(), 0)))
    if result.information is None:
        found = peer.wait_for(lambda inbox: any(_mentions(r.information, uids) for r in inbox.event_reports[already:]),
                              timeout)
        if found:
            report = next(r for r in peer.inbox.event_reports[already:] if _mentions(r.information, uids))
            result.event_type_id, result.information = report.event_type_id, report.information
            result.sop_class_uid, result.sop_instance_uid = report.sop_class_uid, report.sop_instance_uid
            result.arrived_on = f"new association from {report.calling_ae}"
            result.calling_ae = report.calling_ae.strip()
    if result.information is None:
        evidence.add("<", f"no N-EVENT-REPORT naming these instances within {timeout:.0f} s "
                          f"(on the association or at {peer.config.ae_title}:{peer.port})")
        for report in peer.inbox.event_reports[already:]:
            if report.problem:
                evidence.add("<", f"an N-EVENT-REPORT from {report.calling_ae} could not be read: {report.problem}")
    else:
        failed = result.failed()
        evidence.add("<", f"N-EVENT-REPORT on the {result.arrived_on}: EventTypeID={result.event_type_id} "
                          f"AffectedSOPClassUID={result.sop_class_uid} AffectedSOPInstanceUID={result.sop_instance_uid} "
                          f"TransactionUID={result.information.get('TransactionUID', '')} "
                          f"referenced={len(result.referenced())} failed={len(failed)} "
                          + " ".join(f"FailureReason({uid})=" + ("(none)" if reason is None else f"0x{reason:04X}")
                                     for uid, reason in failed.items()))
    return result
