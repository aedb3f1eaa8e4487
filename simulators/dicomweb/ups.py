"""The Unified Procedure Step worklist behind UPS-RS (PS3.18 11, PS3.4 CC): workitems kept durably as DICOM
JSON files, state changes looked up in PS3.4 Table CC.1.1-2 (harness/shared/ups.py), subscriptions (Table
CC.2.3-2) and the event reports they cause (CC.2.4.3). No HTTP here beyond the status a Refusal carries: the
routes (ups_routes.py) answer with it and send the returned events over the notification channels."""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid

from dicom_harness.shared.codes import code_item
from dicom_harness.shared.status import Status
from dicom_harness.shared.ups import (
    ASSIGNED,
    CANCELED,
    COMPLETED,
    FILTERED_WORKLIST_UID,
    FINAL_STATES,
    IN_PROGRESS,
    PROGRESS,
    REQUEST_CANCEL,
    SCHEDULED,
    STATE_REPORT,
    STATES,
    UPS_PUSH_SOP_CLASS,
    WORKLIST_UID,
    Answer,
    Report,
    change_state_event,
    transition,
)
from dicom_harness.simulators.dicomweb import search as qido
from dicom_harness.simulators.faults import (
    UPS_CANCEL_REQUEST_COMPLETED_202,
    UPS_CANCEL_REQUEST_IGNORED_WHEN_SCHEDULED,
    UPS_CANCEL_REQUEST_NO_CANCELED_WARNING,
    UPS_CANCELED_RECLAIMABLE,
    UPS_CLAIM_WITHOUT_TRANSACTION_UID,
    UPS_COMPLETE_FROM_SCHEDULED,
    UPS_COMPLETE_WITHOUT_FINAL_STATE_CHECK,
    UPS_CREATE_ANY_STATE,
    UPS_CREATE_DROPS_COMMENTS,
    UPS_CREATE_OVERWRITES,
    UPS_DELETION_LOCK_NOT_KEPT,
    UPS_EVENT_WITHOUT_SOP_CLASS,
    UPS_FILTER_IGNORED,
    UPS_GLOBAL_SUBSCRIPTION_IGNORES_NEW,
    UPS_NO_ALREADY_CANCELED_WARNING,
    UPS_NO_ALREADY_COMPLETED_WARNING,
    UPS_NO_ASSIGNED_EVENT,
    UPS_NO_CANCEL_REQUESTED_EVENT,
    UPS_NO_INITIAL_STATE_REPORT,
    UPS_NO_PROGRESS_EVENT,
    UPS_OWNER_CANNOT_CANCEL,
    UPS_RECLAIM_ALLOWED,
    UPS_RETRIEVE_SHOWS_TRANSACTION_UID,
    UPS_SEARCH_IGNORES_STATE,
    UPS_SEARCH_RETURN_KEYS_ONLY,
    UPS_STATE_IGNORES_TRANSACTION_UID,
    UPS_SUSPEND_IGNORED,
    UPS_UNSUBSCRIBE_IGNORED,
    UPS_UPDATE_AFTER_COMPLETION,
    UPS_UPDATE_IGNORES_TRANSACTION_UID,
    UPS_UPDATE_PARTIAL,
    Fault,
    faults_named,
)
from dicom_harness.simulators.inspection import uid_problem
from dicom_harness.simulators.store import write_durably

# Attributes N-CREATE requires a value for (PS3.4 Table CC.2.5-3, Req. Type 1 for the SCU)
CREATE_TYPE_1 = ("ScheduledProcedureStepPriority", "ProcedureStepLabel", "ScheduledProcedureStepStartDateTime",
                 "InputReadinessState", "ProcedureStepState")
# Final State code P (needed for COMPLETED) inside the Performed Procedure Sequence, and code X (needed for
# CANCELED) inside the Progress Information Sequence (PS3.4 Table CC.2.5-3)
COMPLETED_NEEDS = ("PerformedStationNameCodeSequence", "PerformedProcedureStepStartDateTime",
                   "PerformedWorkitemCodeSequence", "PerformedProcedureStepEndDateTime", "OutputInformationSequence")
CANCELED_NEEDS = ("ProcedureStepCancellationDateTime", "ProcedureStepDiscontinuationReasonCodeSequence")
# Attributes an N-SET may not change (PS3.4 Table CC.2.5-3, "Not allowed" for N-SET)
NOT_SETTABLE = ("SOPClassUID", "SOPInstanceUID", "ProcedureStepState", "PatientName", "PatientID",
                "PatientBirthDate", "PatientSex", "AdmissionID", "ReferencedRequestSequence")
# Return Key Type 1 and 2 attributes a search answers with (PS3.18 11.9.2)
RETURN_KEYS = ("SOPClassUID", "SOPInstanceUID", "ScheduledProcedureStepPriority", "ProcedureStepLabel",
               "WorklistLabel", "ScheduledProcessingParametersSequence", "ScheduledStationNameCodeSequence",
               "ScheduledStationClassCodeSequence", "ScheduledStationGeographicLocationCodeSequence",
               "ScheduledHumanPerformersSequence", "ScheduledProcedureStepStartDateTime",
               "ScheduledWorkitemCodeSequence", "InputReadinessState", "InputInformationSequence",
               "StudyInstanceUID", "PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AdmissionID",
               "IssuerOfAdmissionIDSequence", "AdmittingDiagnosesDescription", "AdmittingDiagnosesCodeSequence",
               "ReferencedRequestSequence", "OtherPatientIDsSequence", "ProcedureStepState",
               "ProcedureStepProgressInformationSequence", "ReplacedProcedureStepSequence")


# PS3.4 CC.2.4.3: an update of either sequence sends a UPS Assigned Event with both
ASSIGNMENT = ("ScheduledStationNameCodeSequence", "ScheduledHumanPerformersSequence")

# PS3.18 11.7.3 and 11.8.3: the Warning text of a refused or repeated state change
INCONSISTENT = "The submitted request is inconsistent with the state of the UPS Instance."


class Refusal(Exception):
    """A request the worklist does not carry out: the HTTP status, and a Warning text where PS3.18 names one."""

    def __init__(self, status: int, text: str, warning: str | None = None):
        super().__init__(text)
        self.status = status
        self.warning = warning


@dataclass
class Event:
    subscriber: str           # AE title
    report: dict              # DICOM JSON data set


@dataclass
class Subscriber:
    global_subscription: bool = False
    filters: list[str] = field(default_factory=list)   # Filtered Global Subscriptions, as search query strings
    workitems: set[str] = field(default_factory=set)
    locked: set[str] = field(default_factory=set)      # workitems subscribed to with a Deletion Lock


def normalise_state(value: str) -> str:
    # PS3.18 11.7.1.4 spells it CANCELLED; the Defined Term (PS3.3) is CANCELED. Take both.
    value = (value or "").strip().upper()
    return CANCELED if value == "CANCELLED" else value


def _now() -> str:
    return datetime.now().strftime("%Y%m%d%H%M%S")


def _has_value(ds: Dataset, keyword: str) -> bool:
    element = ds.get(keyword)
    if element is None:
        return False
    if isinstance(element, Sequence):
        return len(element) > 0
    return element not in (None, "", b"") and str(element) != ""


TRANSACTION_UID_TAG = "00081195"


class Worklist:
    def __init__(self, root: str | Path, faults: Iterable[str | Fault] = ()):
        self.folder = Path(root) / "workitems"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.faults = faults_named(faults)
        self.workitems: dict[str, Dataset] = {}
        # Each workitem's DICOM JSON as a retrieve shows it, made when it is kept: a search reads every workitem.
        # The workitems are never changed in place (each change keeps a changed copy), so neither are these.
        self._shown: dict[str, dict] = {}
        self.subscribers: dict[str, Subscriber] = {}
        self._message_id = 0
        for path in sorted(self.folder.glob("*.json")):
            try:
                attributes = json.loads(path.read_text())
                ds = Dataset.from_json(attributes)
            except Exception:
                continue            # not a workitem we can read: leave it, never delete data
            self.workitems[str(ds.SOPInstanceUID)] = ds
            self._shown[str(ds.SOPInstanceUID)] = self._as_shown(attributes)

    # -- keeping workitems ------------------------------------------------------------------------------------
    def _path(self, uid: str) -> Path:
        return self.folder / (hashlib.sha256(uid.encode("ascii", "replace")).hexdigest() + ".json")

    def _keep(self, ds: Dataset) -> None:
        """Write the workitem durably (temporary file, fsync, rename, folder fsync) before anyone is told."""
        attributes = ds.to_json_dict()
        write_durably(self._path(str(ds.SOPInstanceUID)), json.dumps(attributes).encode(),
                      self.folder / f"{uuid.uuid4().hex}.part")
        self.workitems[str(ds.SOPInstanceUID)] = ds
        self._shown[str(ds.SOPInstanceUID)] = self._as_shown(attributes)

    def _as_shown(self, attributes: dict) -> dict:
        """The DICOM JSON a retrieve or a search shows: without the Transaction UID (PS3.18 11.5.2: it is the
        owner's lock)."""
        if UPS_RETRIEVE_SHOWS_TRANSACTION_UID in self.faults:
            return attributes
        return {tag: value for tag, value in attributes.items() if tag != TRANSACTION_UID_TAG}

    def _forget(self, uid: str) -> None:
        del self.workitems[uid]
        del self._shown[uid]

    def _workitem(self, uid: str) -> Dataset:
        ds = self.workitems.get(uid)
        if ds is None:
            raise Refusal(404, f"no workitem {uid}")
        return ds

    # -- transactions (PS3.18 11.4 to 11.9) ------------------------------------------------------------------
    def create(self, uid: str | None, ds: Dataset) -> list[Event]:
        uid = uid or str(ds.get("SOPInstanceUID", "") or "")
        if not uid:
            raise Refusal(400, "the workitem UID is missing: give it as /workitems?{uid} or as SOP Instance UID")
        problem = uid_problem(uid, "the workitem UID")
        if problem:
            raise Refusal(400, problem)
        if uid in self.workitems and UPS_CREATE_OVERWRITES not in self.faults:
            raise Refusal(409, f"workitem {uid} already exists")     # Table CC.1.1-2, N-CREATE row: 0111
        state = normalise_state(str(ds.get("ProcedureStepState", "")))
        if state != SCHEDULED and UPS_CREATE_ANY_STATE not in self.faults:
            raise Refusal(400, f"Procedure Step State must be SCHEDULED at creation, not {state!r} (PS3.4 CC.2.5.3)")
        missing = [k for k in CREATE_TYPE_1 if not _has_value(ds, k)]
        if missing:
            raise Refusal(400, f"the workitem lacks required attributes: {', '.join(missing)}")
        if _has_value(ds, "TransactionUID"):
            raise Refusal(400, "Transaction UID must be empty at creation (PS3.4 Table CC.2.5-3)")
        ds = copy.deepcopy(ds)
        ds.SOPClassUID = UPS_PUSH_SOP_CLASS
        ds.SOPInstanceUID = uid
        ds.ProcedureStepState = state
        ds.ScheduledProcedureStepModificationDateTime = _now()
        ds.TransactionUID = None
        if UPS_CREATE_DROPS_COMMENTS in self.faults and "CommentsOnTheScheduledProcedureStep" in ds:
            del ds.CommentsOnTheScheduledProcedureStep
        self._keep(ds)
        events = []
        for title, subscriber in self.subscribers.items():
            covered = subscriber.global_subscription and UPS_GLOBAL_SUBSCRIPTION_IGNORES_NEW not in self.faults
            if covered or any(self._matches(ds, f) for f in subscriber.filters):
                subscriber.workitems.add(uid)
                events.append(self._state_report(title, ds))
                if covered and any(ds.get(k) for k in ASSIGNMENT) and UPS_NO_ASSIGNED_EVENT not in self.faults:
                    events.append(self._assigned(title, ds))       # PS3.4 CC.2.4.3, on creation
        return events

    def _matches(self, ds: Dataset, query: str) -> bool:
        """PS3.4 CC.2.3.3.1: a filtered subscription matches as a search with the same keys would."""
        if UPS_FILTER_IGNORED in self.faults:
            return True
        return bool(qido.search([qido.Entity(ds.to_json_dict(), {})], qido.parse_query(query), []))

    def shown(self, uid: str) -> dict:
        """The workitem as a retrieve shows it, DICOM JSON (shared: not to be changed)."""
        self._workitem(uid)
        return self._shown[uid]

    def update(self, uid: str, transaction_uid: str | None, changes: Dataset) -> list[Event]:
        ds = self._workitem(uid)
        state = str(ds.ProcedureStepState)
        if state in FINAL_STATES and UPS_UPDATE_AFTER_COMPLETION not in self.faults:
            raise Refusal(400, f"workitem {uid} is {state} and may no longer be updated (PS3.18 11.6.2)",
                          "The submitted request is inconsistent with the current state of the Workitem.")
        transaction_uid = transaction_uid or str(changes.get("TransactionUID", "") or "")
        if (state == IN_PROGRESS and transaction_uid != str(ds.get("TransactionUID", ""))
                and UPS_UPDATE_IGNORES_TRANSACTION_UID not in self.faults):
            raise Refusal(400, "the Transaction UID is missing or is not the one that claimed the workitem",
                          "The target URI did not reference a claimed Workitem.")
        refused = [k for k in NOT_SETTABLE if k in changes]
        if refused:
            raise Refusal(400, f"an update may not change {', '.join(refused)} (PS3.4 Table CC.2.5-3)")
        updated = copy.deepcopy(ds)
        for element in changes:
            if element.keyword == "TransactionUID":
                continue
            if UPS_UPDATE_PARTIAL in self.faults and element.VR != "SQ":
                continue
            updated[element.tag] = element
        updated.ScheduledProcedureStepModificationDateTime = _now()
        self._keep(updated)
        events = []
        if "ProcedureStepProgressInformationSequence" in changes and UPS_NO_PROGRESS_EVENT not in self.faults:
            events += self._to_subscribers(uid, lambda title: self._report(title, updated, PROGRESS, {
                "ProcedureStepProgressInformationSequence": updated.ProcedureStepProgressInformationSequence}))
        if any(k in changes for k in ASSIGNMENT) and UPS_NO_ASSIGNED_EVENT not in self.faults:
            # PS3.4 CC.2.4.3: a UPS Assigned Event with the current contents of both sequences
            events += self._to_subscribers(uid, lambda title: self._assigned(title, updated))
        return events

    def change_state(self, uid: str, transaction_uid: str, requested: str) -> tuple[str | None, list[Event]]:
        """Table CC.1.1-2. Returns a Warning text (the B304 and B306 cells) and the events."""
        ds = self._workitem(uid)
        state, requested = str(ds.ProcedureStepState), normalise_state(requested)
        if not transaction_uid and requested == IN_PROGRESS and UPS_CLAIM_WITHOUT_TRANSACTION_UID in self.faults:
            transaction_uid = generate_uid()
        owner = str(ds.get("TransactionUID", "") or "")
        # "Correct" (PS3.4 CC.2.1.3): a claim's Transaction UID becomes the lock, and a SCHEDULED workitem has
        # none to compare with; otherwise it must be the lock the claim recorded.
        correct = bool(transaction_uid) and (requested == IN_PROGRESS or state == SCHEDULED or transaction_uid == owner
                                             or UPS_STATE_IGNORES_TRANSACTION_UID in self.faults)
        try:
            event = change_state_event(requested, correct)
        except KeyError:
            raise Refusal(400, f"unknown Procedure Step State {requested!r}") from None
        column = self._column(state)
        if column == IN_PROGRESS and requested == IN_PROGRESS and UPS_RECLAIM_ALLOWED in self.faults:
            column = SCHEDULED               # the fault: claimed again, as if nobody held it
        if column == CANCELED and requested == IN_PROGRESS and UPS_CANCELED_RECLAIMABLE in self.faults:
            column = SCHEDULED               # the fault: a canceled workitem claimed again
        if column == SCHEDULED and requested in FINAL_STATES and UPS_COMPLETE_FROM_SCHEDULED in self.faults:
            column = IN_PROGRESS             # the fault: finished without being claimed
        outcome = transition(column, event)
        if isinstance(outcome, Answer):
            if outcome.status in (Status.UPS_ALREADY_COMPLETED, Status.UPS_ALREADY_CANCELED):
                if (UPS_NO_ALREADY_COMPLETED_WARNING if outcome.status == Status.UPS_ALREADY_COMPLETED
                        else UPS_NO_ALREADY_CANCELED_WARNING) in self.faults:
                    return None, []
                return f"The UPS is already in the requested state of {requested}.", []
            raise _refusal(outcome.status, state=state, requested=requested, transaction_uid=transaction_uid)
        if outcome.to == CANCELED and UPS_OWNER_CANNOT_CANCEL in self.faults:
            raise Refusal(409, "the workitem may not be canceled", INCONSISTENT)
        if (outcome.final_state_check and state != SCHEDULED      # SCHEDULED: only with ups-complete-from-scheduled
                and UPS_COMPLETE_WITHOUT_FINAL_STATE_CHECK not in self.faults):
            missing = self._final_state_gaps(ds, requested)
            if missing:
                raise _refusal(Status.UPS_FINAL_STATE_REQUIREMENTS_NOT_MET, requested=requested,
                               missing=", ".join(missing))
        ds = copy.deepcopy(ds)
        ds.ProcedureStepState = outcome.to
        if outcome.record_transaction_uid:
            ds.TransactionUID = transaction_uid
        self._keep(ds)
        events = self._state_reports(uid, ds)
        if (outcome.to in FINAL_STATES and UPS_DELETION_LOCK_NOT_KEPT in self.faults
                and any(uid in s.locked for s in self.subscribers.values())):
            self._forget(uid)                # the fault: the lock granted without a Warning, then not kept
        return None, events

    @staticmethod
    def _column(state: str) -> str:
        if state not in STATES:             # kept by the ups-create-any-state fault, say
            raise Refusal(409, f"the workitem is in a state Table CC.1.1-2 does not know: {state!r}", INCONSISTENT)
        return state

    @staticmethod
    def _final_state_gaps(ds: Dataset, requested: str) -> list[str]:
        if requested == COMPLETED:
            items = ds.get("UnifiedProcedureStepPerformedProcedureSequence") or [Dataset()]
            return [k for k in COMPLETED_NEEDS if not _has_value(items[0], k)]
        items = ds.get("ProcedureStepProgressInformationSequence") or [Dataset()]
        return [k for k in CANCELED_NEEDS if not _has_value(items[0], k)]

    def request_cancellation(self, uid: str, info: Dataset) -> tuple[str | None, list[Event]]:
        """PS3.4 CC.2.2.3, the Request Cancel row of Table CC.1.1-2. The simulator never performs workitems
        itself: a SCHEDULED one it cancels (through IN PROGRESS), an IN PROGRESS one it leaves to its performer
        and tells the subscribers."""
        ds = self._workitem(uid)
        column = self._column(str(ds.ProcedureStepState))
        if column == COMPLETED and UPS_CANCEL_REQUEST_COMPLETED_202 in self.faults:
            column = IN_PROGRESS             # the fault: taken as a request to pass on
        outcome = transition(column, REQUEST_CANCEL)
        if isinstance(outcome, Answer):
            if outcome.status == Status.UPS_ALREADY_CANCELED:
                if UPS_CANCEL_REQUEST_NO_CANCELED_WARNING in self.faults:
                    return None, []
                return "The UPS is already in the requested state of CANCELED.", []
            raise _refusal(outcome.status)
        if isinstance(outcome, Report):
            if UPS_NO_CANCEL_REQUESTED_EVENT in self.faults:
                return None, []
            extra = {k: info.get(k) for k in ("ReasonForCancellation", "ContactDisplayName", "ContactURI",
                                              "ProcedureStepDiscontinuationReasonCodeSequence") if k in info}
            return None, self._to_subscribers(uid, lambda title: self._report(title, ds, outcome.event_type, extra))
        if UPS_CANCEL_REQUEST_IGNORED_WHEN_SCHEDULED in self.faults:
            return None, []
        events = []
        for step in (*outcome.through, outcome.to):
            ds = copy.deepcopy(ds)
            ds.ProcedureStepState = step
            if step == CANCELED:
                progress = Dataset()
                progress.ProcedureStepCancellationDateTime = _now()
                progress.ProcedureStepDiscontinuationReasonCodeSequence = (
                    info.get("ProcedureStepDiscontinuationReasonCodeSequence")
                    or [code_item("110513", "DCM", "Discontinued for unspecified reason")])
                if "ReasonForCancellation" in info:
                    progress.ReasonForCancellation = info.ReasonForCancellation
                ds.ProcedureStepProgressInformationSequence = [progress]
            self._keep(ds)
            events += self._state_reports(uid, ds)
        return None, events

    def search(self, raw_query: str) -> list[dict]:
        return self.search_page(raw_query).results

    def search_page(self, raw_query: str):
        """The page of matching workitems (limit, offset) and how many matches it leaves out (PS3.18 8.3.4.4)."""
        query = qido.parse_query(raw_query)
        entities = [qido.Entity(self._shown[uid], {}) for uid in self.workitems]
        if UPS_SEARCH_IGNORES_STATE in self.faults:
            state_tag = int(qido.hex_tag("ProcedureStepState"), 16)
            query.keys = [(path, values) for path, values in query.keys if path[0] != state_tag]
        page = qido.search_page(entities, query, list(RETURN_KEYS))
        if UPS_SEARCH_RETURN_KEYS_ONLY in self.faults:
            kept = {qido.hex_tag(k) for k in RETURN_KEYS} | {qido.hex_tag("SpecificCharacterSet")}
            page.results[:] = [{k: v for k, v in r.items() if k in kept} for r in page.results]
        return page

    # -- subscriptions (PS3.18 11.10 to 11.12, PS3.4 CC.2.3) ----------------------------------------------------
    def subscribe(self, resource: str, title: str, filter_text: str | None = None,
                  deletion_lock: bool = False) -> list[Event]:
        """Workitems are never deleted here, so a Deletion Lock is granted trivially; it changes only which
        initial reports a Global Subscription sends (PS3.4 CC.2.4.3: one per workitem, with a lock)."""
        if resource == FILTERED_WORKLIST_UID:
            return self._subscribe_filtered(title, filter_text)
        subscriber = self.subscribers.setdefault(title, Subscriber())
        if resource == WORKLIST_UID:
            subscriber.global_subscription = True
            subscriber.workitems |= set(self.workitems)
            if not deletion_lock:
                return []
            return [self._state_report(title, ds) for ds in self.workitems.values()]
        ds = self._workitem(resource)
        subscriber.workitems.add(resource)
        if deletion_lock:
            subscriber.locked.add(resource)
        if UPS_NO_INITIAL_STATE_REPORT in self.faults:
            return []
        return [self._state_report(title, ds)]

    def _subscribe_filtered(self, title: str, filter_text: str | None) -> list[Event]:
        """PS3.18 11.10.1.2: filter=attribute=value[,attribute=value]; every existing and future workitem that
        matches gets a workitem subscription (w/o lock: no initial reports, PS3.4 Table CC.2.3-2)."""
        pairs = [p for p in (filter_text or "").split(",") if p]
        if not pairs or any("=" not in p for p in pairs):
            raise Refusal(400, "a Filtered Worklist Subscription needs filter=attribute=value[,attribute=value]")
        query = "&".join(f"{name}={quote(value, safe='*?')}" for name, _, value in (p.partition("=") for p in pairs))
        try:
            keys = qido.parse_query(query, reject_unknown=True).keys
        except qido.BadQuery as exc:
            raise Refusal(400, f"filter: {exc}") from None
        if not keys:
            raise Refusal(400, "the filter names no matching key")
        subscriber = self.subscribers.setdefault(title, Subscriber())
        subscriber.filters.append(query)
        subscriber.workitems |= {uid for uid, ds in self.workitems.items() if self._matches(ds, query)}
        return []

    def unsubscribe(self, resource: str, title: str) -> None:
        subscriber = self.subscribers.get(title)
        if UPS_UNSUBSCRIBE_IGNORED in self.faults:
            return
        if resource in (WORKLIST_UID, FILTERED_WORKLIST_UID):
            # Unsubscribing globally removes every subscription, global and specific (PS3.4 CC.2.3.1 note)
            if subscriber is None:
                raise Refusal(404, f"{title} has no subscription")
            del self.subscribers[title]
            return
        self._workitem(resource)
        if subscriber is None or resource not in subscriber.workitems:
            raise Refusal(404, f"{title} is not subscribed to workitem {resource}")
        subscriber.workitems.discard(resource)

    def suspend(self, resource: str, title: str) -> None:
        subscriber = self.subscribers.get(title)
        if subscriber is None or not (subscriber.global_subscription or subscriber.filters):
            raise Refusal(404, f"{title} has no global subscription to suspend")
        if UPS_SUSPEND_IGNORED not in self.faults:
            subscriber.global_subscription = False     # specific subscriptions stay (PS3.18 11.12)
            subscriber.filters.clear()

    # -- event reports (PS3.4 CC.2.4.3, PS3.18 11.13) -----------------------------------------------------------
    def _to_subscribers(self, uid: str, make) -> list[Event]:
        return [make(title) for title, s in self.subscribers.items() if uid in s.workitems]

    def _state_reports(self, uid: str, ds: Dataset) -> list[Event]:
        return self._to_subscribers(uid, lambda title: self._state_report(title, ds))

    def _state_report(self, title: str, ds: Dataset) -> Event:
        return self._report(title, ds, STATE_REPORT, {"ProcedureStepState": ds.ProcedureStepState,
                                                      "InputReadinessState": ds.get("InputReadinessState", "")})

    def _assigned(self, title: str, ds: Dataset) -> Event:
        return self._report(title, ds, ASSIGNED, {k: ds.get(k, Sequence()) for k in ASSIGNMENT})

    def _report(self, title: str, ds: Dataset, event_type: int, attributes: dict) -> Event:
        self._message_id = self._message_id % 0xFFFF + 1
        report = Dataset()
        if UPS_EVENT_WITHOUT_SOP_CLASS not in self.faults:
            report.AffectedSOPClassUID = UPS_PUSH_SOP_CLASS
        report.MessageID = self._message_id
        report.AffectedSOPInstanceUID = ds.SOPInstanceUID
        report.EventTypeID = event_type
        for keyword, value in attributes.items():
            setattr(report, keyword, value)
        return Event(title, report.to_json_dict())


# The HTTP answer (PS3.18 11.7.3, 11.8.3) to a refusal Table CC.1.1-2 names: status, text, Warning
_REFUSALS = {
    Status.UPS_MAY_NO_LONGER_BE_UPDATED: (409, "the workitem is {state} and may no longer be changed (C300)",
                                          INCONSISTENT),
    Status.UPS_ALREADY_IN_PROGRESS: (409, "the workitem is already IN PROGRESS (C302)", INCONSISTENT),
    Status.UPS_SCHEDULED_ONLY_BY_CREATE: (400, "a workitem becomes SCHEDULED only by creation (C303)", INCONSISTENT),
    Status.UPS_FINAL_STATE_REQUIREMENTS_NOT_MET: (
        409, "the final state requirements for {requested} are not met (C304): {missing} without a value "
             "(PS3.4 CC.2.5.1.1)", INCONSISTENT),
    Status.UPS_NOT_YET_IN_PROGRESS: (409, "the workitem is not yet IN PROGRESS, so it cannot become {requested} (C310)",
                                     INCONSISTENT),
    Status.UPS_CANCEL_REFUSED_COMPLETED: (409, "the workitem is already COMPLETED (C311)", None),
}


def _refusal(status: Status, transaction_uid: str = "", **facts: str) -> Refusal:
    if status == Status.UPS_TRANSACTION_UID_NOT_CORRECT:       # C301: missing, or not the lock
        if not transaction_uid:
            return Refusal(400, "the Transaction UID is missing (C301)", "The Transaction UID is missing.")
        return Refusal(400, "the Transaction UID is not the one that claimed the workitem (C301)",
                       "The Transaction UID is incorrect.")
    http, text, warning = _REFUSALS[status]
    return Refusal(http, text.format(**facts), warning)
