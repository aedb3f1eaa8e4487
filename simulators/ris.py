"""RIS simulator: Modality Worklist C-FIND SCP (PS3.4 Annex K) and Modality Performed Procedure Step SCP
(PS3.4 Annex F) with its state machine.

The worklist is a folder of items (DICOM files such as dcmtk's *.wl, or DICOM JSON *.json), re-read on every
query as dcmtk wlmscpfs and Orthanc's worklist plugin do, plus items added in memory. Matching is the shared
engine of simulators/matching.py. `RisService` is a bundle of contexts and handlers: the standalone
`RisSimulator` serves it alone, and the PACS simulator can offer it on its own AE (one AE, all services)."""

from __future__ import annotations

import copy
import dataclasses
import json
import logging
import stat
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid
from pynetdicom import AE, evt
from pynetdicom.sop_class import (
    ModalityPerformedProcedureStep,
    ModalityPerformedProcedureStepRetrieve,
    ModalityWorklistInformationFind,
    Verification,
)

from dicom_harness.shared import mpps
from dicom_harness.shared.network import NODELAY_HANDLER, prepare_ae
from dicom_harness.shared.status import Status, describe
from dicom_harness.shared.worklist import worklist_item
from dicom_harness.simulators.faults import (
    MPPS_CREATE_ANY_STATUS,
    MPPS_CREATE_DUPLICATE_OVERWRITES,
    MPPS_CREATE_FORGETS,
    MPPS_FINAL_NO_ERROR_COMMENT,
    MPPS_FINAL_OTHER_ERROR_ID,
    MPPS_FULL_CREATE_REFUSED,
    MPPS_ONE_INTERMEDIATE_SET,
    MPPS_REFUSE_COMPLETED,
    MPPS_REFUSE_DISCONTINUED,
    MPPS_SET_NOT_KEPT,
    MPPS_SET_UNKNOWN_SUCCESS,
    MPPS_UPDATE_AFTER_COMPLETED,
    MPPS_UPDATE_AFTER_FINAL,
    MWL_ABSENT_TYPE2_OMITTED,
    MWL_DATE_EXACT,
    MWL_DATE_TIME_SEPARATE,
    MWL_DROP_RETURN_KEYS,
    MWL_EMPTY_SEQUENCE_KEY_EMPTY,
    MWL_EMPTY_TIMEZONE,
    MWL_EXTNEG_TWO_BYTES,
    MWL_EXTNEG_UNSOLICITED,
    MWL_IGNORE_PATIENT_ID,
    MWL_IGNORE_SEQUENCE_KEYS,
    MWL_IGNORES_CANCEL,
    MWL_LAST_MATCH_TWICE,
    MWL_MATCHING_KEYS_BLANK,
    MWL_MEDICAL_KEYS_DROPPED,
    MWL_MULTI_VALUE_FIRST_ONLY,
    MWL_NO_CHARSET,
    MWL_NO_MATCH_FAILURE,
    MWL_OPTIONAL_KEY_ECHOED,
    MWL_OPTIONAL_KEY_WRONG_ATTRIBUTE,
    MWL_ORDER_KEYS_DROPPED,
    MWL_PATIENT_NAME_NO_WILDCARD,
    MWL_PHYSICIAN_NO_WILDCARD,
    MWL_REFERENCED_SEQUENCES_EMPTY,
    MWL_SPS_ITEM_TWICE,
    MWL_SPS_TYPE2_DROPPED,
    MWL_TIME_RANGE_IGNORED,
    MWL_UNKNOWN_MATCHES,
    MWL_UNREQUESTED_ATTRIBUTE,
    Fault,
    faults_named,
)
from dicom_harness.simulators.matching import MatchOptions, matches
from dicom_harness.simulators.query_retrieve import cancel_received, note_cancel, proposed_abstract_syntaxes

log = logging.getLogger("simulators.ris")

TRANSFER_SYNTAXES = [ImplicitVRLittleEndian, ExplicitVRLittleEndian]
STATUS_KEYWORD = "PerformedProcedureStepStatus"      # (0040,0252), the state of a step
# Table K.6-1: the Scheduled Procedure Step Start Date and Time ranges are one period
START_DATE_TIME = (("ScheduledProcedureStepStartDate", "ScheduledProcedureStepStartTime"),)


# Table K.6-1, Patient Medical: Type 2 return keys (for the mwl-medical-keys-dropped fault)
MEDICAL_KEYS = ("MedicalAlerts", "Allergies", "PregnancyStatus", "SpecialNeeds", "PatientState")


class WorklistError(ValueError):
    """A worklist file or command-line item cannot be read."""


# -- worklist items ---------------------------------------------------------------------------------------
def make_worklist_item(**keys: str) -> Dataset:
    """A complete worklist item with sensible defaults (the shared builder); keys (keywords) override, SPS keys
    go into the Scheduled Procedure Step Sequence item."""
    try:
        return worklist_item(**keys)
    except ValueError as exc:
        raise WorklistError(str(exc)) from None


def parse_item(text: str) -> Dataset:
    """'PatientName=DOE^JANE PatientID=P1 Modality=MR' -> a complete worklist item."""
    keys = {}
    for part in text.split():
        keyword, sep, value = part.partition("=")
        if not sep:
            raise WorklistError(f"{part!r}: expected Keyword=Value")
        keys[keyword] = value
    return make_worklist_item(**keys)


def _read_items(path: Path) -> list[Dataset]:
    if path.suffix.lower() == ".json":
        data = json.loads(path.read_text(encoding="utf-8"))
        return [Dataset.from_json(entry) for entry in (data if isinstance(data, list) else [data])]
    return [dcmread(path)]


class WorklistStore:
    """Worklist items from a folder (looked at per query, so users can drop files in) and from memory. A file's
    items are parsed again only when its stat (size, times, inode) changed: parsing every file for every query
    was most of a worklist query's cost."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder else None
        self._added: list[Dataset] = []
        self._lock = threading.Lock()
        self._parsed: dict[Path, tuple[tuple, list[Dataset]]] = {}     # path: (its stat when read, its items)

    def add(self, item: Dataset) -> None:
        with self._lock:
            self._added.append(item)

    def items(self, shared: bool = False) -> list[Dataset]:
        """The items, the folder's as its files are now. A file's items are fresh copies unless `shared` (the
        caller only reads them: the same objects as the previous call's)."""
        with self._lock:
            found = list(self._added)
        if self.folder and self.folder.is_dir():
            seen = set()
            for path in sorted(self.folder.iterdir()):
                if path.suffix.lower() not in (".wl", ".dcm", ".json"):
                    continue
                try:
                    status = path.stat()
                    if not stat.S_ISREG(status.st_mode):
                        continue
                    seen.add(path)
                    items = self._file_items(path, status)
                except (OSError, InvalidDicomError, ValueError, KeyError) as exc:
                    log.warning("worklist file %s skipped: %s", path.name, exc)
                    continue
                found.extend(items if shared else copy.deepcopy(items))
            with self._lock:
                for gone in self._parsed.keys() - seen:
                    del self._parsed[gone]
        return found

    def _file_items(self, path: Path, status) -> list[Dataset]:
        signature = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
        with self._lock:
            known = self._parsed.get(path)
        if known is not None and known[0] == signature:
            return known[1]
        items = _read_items(path)
        with self._lock:
            self._parsed[path] = (signature, items)
        return items

    def check(self) -> int:
        """Read every file once; raise WorklistError naming the first unreadable one."""
        count = len(self._added)
        if self.folder is None:
            return count
        if not self.folder.is_dir():
            raise WorklistError(f"worklist folder {self.folder} does not exist")
        for path in sorted(self.folder.iterdir()):
            if path.suffix.lower() in (".wl", ".dcm", ".json") and path.is_file():
                try:
                    count += len(_read_items(path))
                except (OSError, InvalidDicomError, ValueError, KeyError) as exc:
                    raise WorklistError(f"worklist file {path} cannot be read: {exc}") from None
        return count


def response_identifier(query: Dataset, candidate: Dataset, drop: Iterable[str] = ()) -> Dataset:
    """PS3.4 K.4.1.3.1: the Identifier holds the requested keys, with the candidate's values."""
    answer = Dataset()
    dropped = set(drop)
    for element in query:
        if element.tag.group == 0x0002 or element.keyword in dropped:
            continue
        found = candidate.get(element.tag)
        if element.VR == "SQ":
            template = element.value[0] if element.value else Dataset()
            if found is None or found.VR != "SQ":
                items = []
            elif len(template) == 0:       # K.2.2.1.2 note 4: a universal sequence key returns whole items
                items = [item for item in found.value]
            else:
                items = [response_identifier(template, item, dropped) for item in found.value
                         if matches(template, item)]
            answer.add_new(element.tag, "SQ", Sequence(items))
        elif found is not None:
            answer.add_new(element.tag, found.VR, found.value)
        else:
            answer.add_new(element.tag, element.VR, None)
    if "SpecificCharacterSet" in candidate and "SpecificCharacterSet" not in answer:
        answer.SpecificCharacterSet = candidate.SpecificCharacterSet
    return answer


# -- the service ------------------------------------------------------------------------------------------
class RisService:
    """Worklist and MPPS handlers over a WorklistStore and an in-memory table of performed steps."""

    sop_classes = (ModalityWorklistInformationFind, ModalityPerformedProcedureStep,
                   ModalityPerformedProcedureStepRetrieve)

    def __init__(self, worklist: WorklistStore, faults: Iterable[str | Fault] = ()):
        self.worklist = worklist
        self.faults = faults_named(faults)
        self.performed: dict[str, Dataset] = {}
        self._intermediate_sets: dict[str, int] = {}     # for the mpps-one-intermediate-set fault
        self._lock = threading.Lock()

    def add_contexts(self, ae: AE) -> None:
        ae.add_supported_context(ModalityWorklistInformationFind, TRANSFER_SYNTAXES)
        ae.add_supported_context(ModalityPerformedProcedureStep, TRANSFER_SYNTAXES)
        ae.add_supported_context(ModalityPerformedProcedureStepRetrieve, TRANSFER_SYNTAXES)

    def handlers(self) -> list:
        return [(evt.EVT_C_FIND, self.on_find), (evt.EVT_N_CREATE, self.on_n_create),
                (evt.EVT_N_SET, self.on_n_set), (evt.EVT_N_GET, self.on_n_get)]

    # Modality Worklist ---------------------------------------------------------------------------------
    def extended_answers(self, event) -> dict:
        """PS3.4 K.5.1: a Modality Worklist SOP Class Extended Negotiation sub-item of three or more bytes is
        answered with three: the two reserved bytes as offered, fuzzy semantic matching of person names turned
        down (0); a longer offer's other sub-fields are then 0. No sub-item offered, none answered."""
        uid = str(ModalityWorklistInformationFind)
        offered = next((bytes(v) for k, v in (event.app_info or {}).items() if str(k) == uid), None)
        if offered is None:
            if MWL_EXTNEG_UNSOLICITED in self.faults and not event.app_info:
                if uid in proposed_abstract_syntaxes(event.assoc):
                    return {uid: b"\x01\x01\x00"}
            return {}
        if len(offered) < 3:
            return {}         # not a K.5.1.1 sub-item: no answer, the default conditions
        answer = offered[:2] + b"\x00"
        return {uid: answer[:2] if MWL_EXTNEG_TWO_BYTES in self.faults else answer}

    def on_find(self, event):
        try:
            query = event.identifier
        except Exception as exc:        # undecodable identifier
            log.warning("worklist C-FIND identifier cannot be decoded: %s", exc)
            yield Status.UNABLE_TO_PROCESS, None
            return
        # faults edit the answers, which share the items' sequences: those need items of their own
        found = [item for item in self.worklist.items(shared=not self.faults) if self._matches(query, item)]
        if not found and MWL_NO_MATCH_FAILURE in self.faults:
            yield Status.UNABLE_TO_PROCESS, None
            return
        drop = ("AccessionNumber",) if MWL_DROP_RETURN_KEYS in self.faults else ()
        log.info("worklist C-FIND from %s: %d match(es)", event.assoc.requestor.ae_title, len(found))
        if MWL_LAST_MATCH_TWICE in self.faults and len(found) > 1:
            found.append(found[-1])
        for item in found:
            time.sleep(0)     # let the association's reader thread take in a C-CANCEL
            if cancel_received(event) and MWL_IGNORES_CANCEL not in self.faults:
                yield Status.CANCEL, None
                return
            yield Status.PENDING, self._identifier(query, item, drop)
        yield Status.SUCCESS, None

    def _identifier(self, query: Dataset, item: Dataset, drop: tuple[str, ...]) -> Dataset:
        answer = response_identifier(query, item, drop)
        steps = answer.get("ScheduledProcedureStepSequence")
        if MWL_MATCHING_KEYS_BLANK in self.faults and steps:
            asked = query.ScheduledProcedureStepSequence[0] if query.get("ScheduledProcedureStepSequence") else None
            for keyword in ("ScheduledStationAETitle", "Modality"):
                if asked is not None and str(asked.get(keyword, "") or ""):
                    for step in steps:
                        setattr(step, keyword, "")
        if MWL_EMPTY_TIMEZONE in self.faults:
            answer.TimezoneOffsetFromUTC = ""
        if MWL_UNREQUESTED_ATTRIBUTE in self.faults and "RequestingPhysician" in item:
            answer.RequestingPhysician = item.RequestingPhysician
        self._return_key_faults(query, item, answer)
        return answer

    def _return_key_faults(self, query: Dataset, item: Dataset, answer: Dataset) -> None:
        """The faults of the Table K.6-1 return keys (each a no-op unless named)."""
        faults = self.faults
        if MWL_ABSENT_TYPE2_OMITTED in faults:
            for element in list(answer):
                if element.tag not in item and element.VR != "SQ" and element.keyword != "SpecificCharacterSet":
                    del answer[element.tag]
        steps = answer.get("ScheduledProcedureStepSequence")
        asked = query.get("ScheduledProcedureStepSequence")
        if MWL_SPS_TYPE2_DROPPED in faults and steps:
            for step in steps:
                for keyword in ("ScheduledStationName", "ScheduledProcedureStepLocation"):
                    if keyword in step:
                        delattr(step, keyword)
        if MWL_ORDER_KEYS_DROPPED in faults:
            for keyword in ("RequestedProcedurePriority", "RequestingPhysician"):
                if keyword in answer:
                    setattr(answer, keyword, "")
        if MWL_SPS_ITEM_TWICE in faults and asked is not None and len(asked) == 0 and steps:
            answer.ScheduledProcedureStepSequence = Sequence([*steps, steps[0]])
        if MWL_EMPTY_SEQUENCE_KEY_EMPTY in faults and asked is not None and len(asked) == 1 and len(asked[0]) == 0:
            answer.ScheduledProcedureStepSequence = Sequence()
        if MWL_MULTI_VALUE_FIRST_ONLY in faults:
            for holder in (answer, *(answer.get("ScheduledProcedureStepSequence") or [])):
                for element in holder:
                    if element.VR != "SQ" and element.VM > 1:
                        element.value = element.value[0]
        if MWL_MEDICAL_KEYS_DROPPED in faults:
            for keyword in MEDICAL_KEYS:
                if keyword in answer:
                    answer[keyword].value = None
        if MWL_REFERENCED_SEQUENCES_EMPTY in faults:
            for keyword in ("ReferencedStudySequence", "ReferencedPatientSequence"):
                if keyword in answer:
                    setattr(answer, keyword, Sequence())
        if MWL_NO_CHARSET in faults and "SpecificCharacterSet" in answer:
            del answer.SpecificCharacterSet
        wanted = str(query.get("RequestedProcedureID", "") or "")
        if MWL_OPTIONAL_KEY_ECHOED in faults and wanted:
            answer.RequestedProcedureID = wanted

    def _matches(self, query: Dataset, item: Dataset) -> bool:
        if self.faults:
            query = copy.deepcopy(query)       # the faults below edit it: never the request's own elements
        literal = []       # (holder keyword path, value) the wild card faults compare literally
        if MWL_PATIENT_NAME_NO_WILDCARD in self.faults and _has_wildcard(query.get("PatientName")):
            literal.append((item, "PatientName", str(query.PatientName)))
            query.PatientName = ""
        wanted = str(query.get("RequestedProcedureID", "") or "")
        if wanted and MWL_OPTIONAL_KEY_ECHOED in self.faults:
            query.RequestedProcedureID = ""
        if wanted and MWL_OPTIONAL_KEY_WRONG_ATTRIBUTE in self.faults:
            query.RequestedProcedureID, query.AccessionNumber = "", wanted
        if MWL_IGNORE_PATIENT_ID in self.faults and "PatientID" in query:
            query.PatientID = ""
        steps = query.get("ScheduledProcedureStepSequence")
        if steps and len(steps[0]):
            step = steps[0]
            if MWL_IGNORE_SEQUENCE_KEYS in self.faults:
                for keyword in ("ScheduledStationAETitle", "Modality"):
                    if keyword in step:
                        setattr(step, keyword, "")
            if MWL_TIME_RANGE_IGNORED in self.faults and "-" in str(step.get("ScheduledProcedureStepStartTime", "")) \
                    and "-" not in str(step.get("ScheduledProcedureStepStartDate", "")):
                step.ScheduledProcedureStepStartTime = ""
            if MWL_DATE_EXACT in self.faults and "-" in str(step.get("ScheduledProcedureStepStartDate", "")):
                step.ScheduledProcedureStepStartDate = str(step.ScheduledProcedureStepStartDate).split("-")[0]
            physician = step.get("ScheduledPerformingPhysicianName")
            if MWL_PHYSICIAN_NO_WILDCARD in self.faults and _has_wildcard(physician):
                held = (item.get("ScheduledProcedureStepSequence") or [Dataset()])[0]
                literal.append((held, "ScheduledPerformingPhysicianName", str(physician)))
                step.ScheduledPerformingPhysicianName = ""
        if any(str(holder.get(keyword, "") or "") != value for holder, keyword, value in literal):
            return False
        # the fault: Query/Retrieve's rule (C.2.2.1.2) instead of K.2.2.1.1.1's
        options = MatchOptions(unknown_matches=MWL_UNKNOWN_MATCHES in self.faults,
                               # the fault: the date range and the time range matched apart, not as one period
                               date_time_pairs=() if MWL_DATE_TIME_SEPARATE in self.faults else START_DATE_TIME)
        return matches(query, item, options)

    # Modality Performed Procedure Step -----------------------------------------------------------------
    def on_n_create(self, event):
        request = event.request
        try:
            attributes = event.attribute_list
        except Exception as exc:
            log.warning("MPPS N-CREATE attribute list cannot be decoded: %s", exc)
            return Status.PROCESSING_FAILURE, None
        uid = str(request.AffectedSOPInstanceUID or "")
        status = str(attributes.get(STATUS_KEYWORD, ""))
        if MPPS_FULL_CREATE_REFUSED in self.faults and attributes.get("ProcedureCodeSequence"):
            return Status.PROCESSING_FAILURE, None
        # the fault: any status is created as if it were IN PROGRESS
        asked = mpps.IN_PROGRESS if MPPS_CREATE_ANY_STATUS in self.faults else status
        with self._lock:
            current = self.performed.get(uid) if uid else None
            if MPPS_CREATE_DUPLICATE_OVERWRITES in self.faults:
                current = None       # the fault: an existing step is created anew
            outcome = mpps.transition(self._column(current), "N-CREATE", asked)
            if isinstance(outcome, mpps.Refuse):
                log.info("MPPS N-CREATE %s refused: status %r, %s", uid, status, describe(outcome.status))
                return _refused(outcome, status)
            answer = Dataset()
            if not uid:
                uid = generate_uid(prefix=None)
                answer.AffectedSOPInstanceUID = uid
            if MPPS_CREATE_FORGETS not in self.faults:
                self.performed[uid] = attributes
        log.info("MPPS N-CREATE %s (%s) from %s", uid, status, event.assoc.requestor.ae_title)
        return Status.SUCCESS, answer

    def on_n_set(self, event):
        request = event.request
        uid = str(request.RequestedSOPInstanceUID)
        try:
            modification = event.modification_list
        except Exception as exc:
            log.warning("MPPS N-SET modification list cannot be decoded: %s", exc)
            return Status.PROCESSING_FAILURE, None
        with self._lock:
            current = self.performed.get(uid)
            if current is None and MPPS_SET_UNKNOWN_SUCCESS in self.faults:
                return Status.SUCCESS, None
            column = self._column(current)
            state = column if current is None else str(current.get(STATUS_KEYWORD, ""))
            new_state = str(modification.get(STATUS_KEYWORD, state))     # no status asked: it stays
            if column == mpps.DISCONTINUED and MPPS_UPDATE_AFTER_FINAL in self.faults:
                column = mpps.IN_PROGRESS    # the fault: a final step is updated like one in progress
            if column == mpps.COMPLETED and MPPS_UPDATE_AFTER_COMPLETED in self.faults:
                column = mpps.IN_PROGRESS
            outcome = mpps.transition(column, "N-SET", new_state)
            if isinstance(outcome, mpps.Refuse):
                log.info("MPPS N-SET %s (%s -> %s) refused: %s", uid, state, new_state, describe(outcome.status))
                if outcome.error_id is not None and MPPS_FINAL_NO_ERROR_COMMENT in self.faults:
                    return outcome.status, None
                if outcome.error_id is not None and MPPS_FINAL_OTHER_ERROR_ID in self.faults:
                    outcome = dataclasses.replace(outcome, error_id=0xA711)
                return _refused(outcome, new_state)
            if outcome.to == mpps.IN_PROGRESS and MPPS_ONE_INTERMEDIATE_SET in self.faults:
                if self._intermediate_sets.get(uid, 0) >= 1:
                    return Status.PROCESSING_FAILURE, None
                if len(self._intermediate_sets) < 10000:
                    self._intermediate_sets[uid] = self._intermediate_sets.get(uid, 0) + 1
            if outcome.to == mpps.COMPLETED and MPPS_REFUSE_COMPLETED in self.faults:
                return Status.PROCESSING_FAILURE, None
            if outcome.to == mpps.DISCONTINUED and MPPS_REFUSE_DISCONTINUED in self.faults:
                return Status.PROCESSING_FAILURE, None
            if outcome.final_state_check:
                missing = _final_state_missing(current, modification)
                if missing:
                    log.info("MPPS N-SET %s to %s refused: missing %s", uid, new_state, ", ".join(missing))
                    return Status.MISSING_ATTRIBUTE_VALUE, _attribute_list(missing[0], None)
            if MPPS_SET_NOT_KEPT in self.faults:
                return Status.SUCCESS, None
            for element in modification:
                current[element.tag] = element
        log.info("MPPS N-SET %s: %s -> %s", uid, state, new_state)
        return Status.SUCCESS, None

    @staticmethod
    def _column(current: Dataset | None) -> str:
        """The step's column of the state table; a step the mpps-create-any-status fault created with another
        status counts as in progress."""
        if current is None:
            return mpps.NOT_CREATED
        state = str(current.get(STATUS_KEYWORD, ""))
        return state if state in mpps.FINAL_STATES else mpps.IN_PROGRESS

    def on_n_get(self, event):
        """Modality Performed Procedure Step Retrieve (PS3.4 F.8): the attributes asked for, or all."""
        uid = str(event.request.RequestedSOPInstanceUID)
        with self._lock:
            current = self.performed.get(uid)
            if current is None:
                return Status.NO_SUCH_OBJECT_INSTANCE, None
            wanted = event.request.AttributeIdentifierList
            if not wanted:
                return Status.SUCCESS, current.copy()
            answer = Dataset()
            for tag in ([wanted] if not isinstance(wanted, (list, tuple)) else wanted):
                if tag in current:
                    answer.add(current[tag])
            return Status.SUCCESS, answer


def _has_wildcard(value) -> bool:
    return value is not None and ("*" in str(value) or "?" in str(value))


def _final_state_missing(current: Dataset, modification: Dataset) -> list[str]:
    """PS3.4 Table F.7.2-1 Final State column: what must have a value before COMPLETED or DISCONTINUED."""
    def present(keyword) -> bool:
        holder = modification if keyword in modification else current
        return keyword in holder
    def has_value(keyword) -> bool:
        holder = modification if keyword in modification else current
        return keyword in holder and holder[keyword].value not in (None, "")
    missing = [k for k in ("PerformedProcedureStepEndDate", "PerformedProcedureStepEndTime") if not has_value(k)]
    # The series list may be empty only when nothing was created (F.7.2.2.2); it must exist.
    if not present("PerformedSeriesSequence"):
        missing.append("PerformedSeriesSequence")
    return missing


def _attribute_list(keyword: str, value) -> Dataset:
    ds = Dataset()
    setattr(ds, keyword, value)
    return ds


def _refused(refusal: mpps.Refuse, asked_status: str):
    """The N-CREATE or N-SET response for a refusal of the state table: the status, with the Error ID and
    Comment of Table F.7.2-2, or the offending Performed Procedure Step Status as the attribute list."""
    if refusal.error_id is not None:
        status = Dataset()
        status.Status = refusal.status
        status.ErrorComment = refusal.error_comment
        status.ErrorID = refusal.error_id
        return status, None
    if refusal.status == Status.INVALID_ATTRIBUTE_VALUE:
        return refusal.status, _attribute_list(STATUS_KEYWORD, asked_status)
    return refusal.status, None


# -- standalone ---------------------------------------------------------------------------------------------
class RisSimulator:
    """The RIS on its own AE: Verification, Modality Worklist and MPPS."""
    # harness/shared/tls.py Certificates: set before start() for a TLS port (a client certificate required)
    tls = None

    def __init__(self, worklist: WorklistStore, ae_title: str = "DH_RIS", host: str = "127.0.0.1", port: int = 0,
                 faults: Iterable[str | Fault] = (), check_called_ae: bool = True):
        self.service = RisService(worklist, faults)
        self.ae_title = ae_title
        self.host = host
        self.requested_port = port
        self.check_called_ae = check_called_ae
        self.port: int | None = None
        self._server = None

    def start(self) -> "RisSimulator":
        ae = AE(ae_title=self.ae_title)
        prepare_ae(ae)
        ae.maximum_associations = 16
        ae.require_called_aet = self.check_called_ae
        ae.add_supported_context(Verification, TRANSFER_SYNTAXES)
        self.service.add_contexts(ae)
        handlers = [NODELAY_HANDLER, (evt.EVT_C_ECHO, lambda event: Status.SUCCESS), (evt.EVT_DIMSE_RECV, note_cancel),
                    *self.service.handlers()]
        from dicom_harness.shared.tls import server_context, start_server
        context = None if self.tls is None else server_context(self.tls.server_cert, self.tls.server_key, self.tls.ca,
                                                               require_client=self.tls.ca is not None)
        self._server = start_server(ae, (self.host, self.requested_port), context, handlers)
        self.port = self._server.server_address[1]
        log.info("RIS simulator %s listening on %s:%s%s", self.ae_title, self.host, self.port,
                 " (TLS)" if context else "")
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None


