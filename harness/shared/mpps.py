"""Modality Performed Procedure Step words both sides use (PS3.4 Annex F.7): states, the state table the SCP
follows (PS3.4 Table F.1-4 with the N-CREATE and N-SET rules of F.7.2), and the data sets an SCU sends."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_harness.shared.references import sop_references
from dicom_harness.shared.status import Status

# Performed Procedure Step Status (0040,0252), PS3.4 F.7.2.1
IN_PROGRESS, COMPLETED, DISCONTINUED = "IN PROGRESS", "COMPLETED", "DISCONTINUED"
FINAL_STATES = (COMPLETED, DISCONTINUED)

# PS3.4 Table F.7.2-2: the Error ID sent with Processing failure when the step is already final
ERROR_ID_NO_LONGER_UPDATABLE = 0xA710
NO_LONGER_UPDATABLE_COMMENT = "Performed Procedure Step Object may no longer be updated"


# -- the state table ---------------------------------------------------------------------------------------------
# Table F.1-4 gives only IN PROGRESS -> COMPLETED and IN PROGRESS -> DISCONTINUED; F.7.2.1.3 and F.7.2.2.3 say
# what is refused, and PS3.7 10.1 with which status. One row per event, one column per state of the instance.
NOT_CREATED = "(no such step)"
STATES = (NOT_CREATED, IN_PROGRESS, COMPLETED, DISCONTINUED)

# The events: the operation and the Performed Procedure Step Status it asks for (an N-SET without one asks to
# stay as it is). OTHER: any other value.
OTHER = "(another value)"
CREATE_IN_PROGRESS = ("N-CREATE", IN_PROGRESS)
CREATE_OTHER = ("N-CREATE", OTHER)
SET_IN_PROGRESS = ("N-SET", IN_PROGRESS)
SET_COMPLETED = ("N-SET", COMPLETED)
SET_DISCONTINUED = ("N-SET", DISCONTINUED)
SET_OTHER = ("N-SET", OTHER)


@dataclass(frozen=True)
class Change:
    """Accepted: the step is (or stays) in this state."""
    to: str
    final_state_check: bool = False     # Table F.7.2-1 Final State attributes need values first (else 0121)


@dataclass(frozen=True)
class Refuse:
    """Refused with this status (and, for a final step, the Error ID and Comment of Table F.7.2-2)."""
    status: Status
    error_id: int | None = None
    error_comment: str = ""


_INVALID = Refuse(Status.INVALID_ATTRIBUTE_VALUE)          # 0106, F.7.2.1.3
_DUPLICATE = Refuse(Status.DUPLICATE_SOP_INSTANCE)          # 0111, PS3.7 10.1.5.1.6
_NO_SUCH_STEP = Refuse(Status.NO_SUCH_OBJECT_INSTANCE)      # 0112, PS3.7 10.1.3.1.9
_FINAL = Refuse(Status.PROCESSING_FAILURE, ERROR_ID_NO_LONGER_UPDATABLE, NO_LONGER_UPDATABLE_COMMENT)  # F.7.2.2.3

_TABLE = {  # event: (does not exist, IN PROGRESS, COMPLETED, DISCONTINUED)
    CREATE_IN_PROGRESS: (Change(IN_PROGRESS), _DUPLICATE, _DUPLICATE, _DUPLICATE),
    CREATE_OTHER: (_INVALID, _INVALID, _INVALID, _INVALID),
    SET_IN_PROGRESS: (_NO_SUCH_STEP, Change(IN_PROGRESS), _FINAL, _FINAL),
    SET_COMPLETED: (_NO_SUCH_STEP, Change(COMPLETED, final_state_check=True), _FINAL, _FINAL),
    SET_DISCONTINUED: (_NO_SUCH_STEP, Change(DISCONTINUED, final_state_check=True), _FINAL, _FINAL),
    SET_OTHER: (_NO_SUCH_STEP, _INVALID, _FINAL, _FINAL),
}
TRANSITIONS: dict[tuple[str, tuple[str, str]], Change | Refuse] = {
    (state, event): outcome for event, row in _TABLE.items() for state, outcome in zip(STATES, row, strict=True)}


def event(operation: str, requested_status: str) -> tuple[str, str]:
    """The row for an N-CREATE or N-SET asking for this Performed Procedure Step Status."""
    allowed = (IN_PROGRESS,) if operation == "N-CREATE" else (IN_PROGRESS, *FINAL_STATES)
    return (operation, requested_status if requested_status in allowed else OTHER)


def transition(state: str, operation: str, requested_status: str) -> Change | Refuse:
    return TRANSITIONS[(state, event(operation, requested_status))]


# -- builders: the data sets an MPPS SCU sends (PS3.4 Table F.7.2-1) ----------------------------------------
def in_progress_attributes(item: Dataset, *, station: str, date: str, time: str, status: str = IN_PROGRESS) -> Dataset:
    """The N-CREATE data set of a step performing a worklist item (or a bare data set holding only patient and
    study): Type 1 attributes with values, Type 2 present, the Final State ones empty."""
    step = (item.get("ScheduledProcedureStepSequence") or [Dataset()])[0]
    scheduled = Dataset()
    scheduled.StudyInstanceUID = item.get("StudyInstanceUID", "")
    scheduled.ReferencedStudySequence = Sequence()
    scheduled.AccessionNumber = item.get("AccessionNumber", "")
    scheduled.RequestedProcedureID = item.get("RequestedProcedureID", "")
    scheduled.RequestedProcedureDescription = item.get("RequestedProcedureDescription", "")
    scheduled.ScheduledProcedureStepID = step.get("ScheduledProcedureStepID", "")
    scheduled.ScheduledProcedureStepDescription = step.get("ScheduledProcedureStepDescription", "")
    scheduled.ScheduledProtocolCodeSequence = Sequence()
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.ScheduledStepAttributesSequence = Sequence([scheduled])
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex"):
        setattr(ds, keyword, item.get(keyword, ""))
    ds.ReferencedPatientSequence = Sequence()
    ds.PerformedProcedureStepID = step.get("ScheduledProcedureStepID", "") or "PPS1"
    ds.PerformedStationAETitle = station
    ds.PerformedStationName = ""
    ds.PerformedLocation = ""
    ds.PerformedProcedureStepStartDate = date
    ds.PerformedProcedureStepStartTime = time
    ds.PerformedProcedureStepStatus = status
    ds.PerformedProcedureStepDescription = step.get("ScheduledProcedureStepDescription", "")
    ds.PerformedProcedureTypeDescription = ""
    ds.ProcedureCodeSequence = Sequence()
    ds.PerformedProcedureStepEndDate = ""
    ds.PerformedProcedureStepEndTime = ""
    ds.Modality = step.get("Modality", "") or "CT"
    ds.StudyID = ""
    ds.PerformedProtocolCodeSequence = Sequence()
    ds.PerformedSeriesSequence = Sequence()
    return ds


def final_state_attributes(status: str, *, series_uid: str, images: Iterable[tuple[str, str]], date: str,
                           time: str) -> Dataset:
    """The N-SET data set that ends a step (COMPLETED or DISCONTINUED) with the Final State attributes: end date
    and time, and one performed series referencing images given as (SOP Class UID, SOP Instance UID)."""
    series = Dataset()
    series.PerformingPhysicianName = ""
    series.ProtocolName = "DH PROTOCOL"
    series.OperatorsName = ""
    series.SeriesInstanceUID = series_uid
    series.SeriesDescription = ""
    series.RetrieveAETitle = ""
    series.ReferencedImageSequence = sop_references(images)
    series.ReferencedNonImageCompositeSOPInstanceSequence = Sequence()
    ds = Dataset()
    ds.PerformedProcedureStepStatus = status
    ds.PerformedProcedureStepEndDate = date
    ds.PerformedProcedureStepEndTime = time
    ds.PerformedSeriesSequence = Sequence([series])
    return ds


# -- what an SCU must send: PS3.4 Table F.7.2-1, the SCU's side --------------------------------------------------
# Paths name an attribute, or (sequence>keyword) an attribute of every item of a sequence that is present. The
# items of the code sequence macros (Tables F.7.2-1a to -1f) are not listed. A Type 1 sequence needs an item.
STATUS_KEYWORD = "PerformedProcedureStepStatus"     # (0040,0252)
SSA = "ScheduledStepAttributesSequence"
SERIES = "PerformedSeriesSequence"
CREATE_TYPE1 = (
    SSA, f"{SSA}>StudyInstanceUID", f"{SSA}>ReferencedStudySequence>ReferencedSOPClassUID",
    f"{SSA}>ReferencedStudySequence>ReferencedSOPInstanceUID", "ReferencedPatientSequence>ReferencedSOPClassUID",
    "ReferencedPatientSequence>ReferencedSOPInstanceUID", "PerformedProcedureStepID", "PerformedStationAETitle",
    "PerformedProcedureStepStartDate", "PerformedProcedureStepStartTime", STATUS_KEYWORD,
    "Modality", f"{SERIES}>ProtocolName", f"{SERIES}>SeriesInstanceUID",
    f"{SERIES}>ReferencedImageSequence>ReferencedSOPClassUID",
    f"{SERIES}>ReferencedImageSequence>ReferencedSOPInstanceUID",
    f"{SERIES}>ReferencedNonImageCompositeSOPInstanceSequence>ReferencedSOPClassUID",
    f"{SERIES}>ReferencedNonImageCompositeSOPInstanceSequence>ReferencedSOPInstanceUID")
CREATE_TYPE2 = (
    f"{SSA}>ReferencedStudySequence", f"{SSA}>AccessionNumber", f"{SSA}>RequestedProcedureID",
    f"{SSA}>RequestedProcedureDescription", f"{SSA}>ScheduledProcedureStepID",
    f"{SSA}>ScheduledProcedureStepDescription", f"{SSA}>ScheduledProtocolCodeSequence", "PatientName", "PatientID",
    "PatientBirthDate", "PatientSex", "ReferencedPatientSequence", "PerformedStationName", "PerformedLocation",
    "PerformedProcedureStepDescription", "PerformedProcedureTypeDescription", "ProcedureCodeSequence",
    "PerformedProcedureStepEndDate", "PerformedProcedureStepEndTime", "StudyID", "PerformedProtocolCodeSequence",
    SERIES, f"{SERIES}>PerformingPhysicianName", f"{SERIES}>OperatorsName", f"{SERIES}>SeriesDescription",
    f"{SERIES}>RetrieveAETitle", f"{SERIES}>ReferencedImageSequence",
    f"{SERIES}>ReferencedNonImageCompositeSOPInstanceSequence")
# The Final State column (with Note 2: the Performed Series Sequence holds an item when the step ends)
FINAL_TYPE1 = ("PerformedProcedureStepEndDate", "PerformedProcedureStepEndTime", SERIES, f"{SERIES}>ProtocolName",
               f"{SERIES}>SeriesInstanceUID")
FINAL_TYPE2 = (f"{SERIES}>PerformingPhysicianName", f"{SERIES}>OperatorsName", f"{SERIES}>SeriesDescription",
               f"{SERIES}>RetrieveAETitle")


def missing(ds: Dataset, paths: Iterable[str], *, with_value: bool) -> list[str]:
    """The paths of Table F.7.2-1 that ds lacks (with_value: Type 1, present with a value; else Type 2, present),
    each named as it would be found, e.g. 'PerformedSeriesSequence[0]>ProtocolName'."""
    found: list[str] = []
    for path in paths:
        found += _missing_in(ds, path.split(">"), "", with_value)
    return found


def _missing_in(ds: Dataset, parts: list[str], prefix: str, with_value: bool) -> list[str]:
    keyword, rest = parts[0], parts[1:]
    if rest:
        if keyword not in ds or ds[keyword].VR != "SQ":
            return []           # the sequence's own row says whether it must be there
        return [problem for number, item in enumerate(ds[keyword].value)
                for problem in _missing_in(item, rest, f"{prefix}{keyword}[{number}]>", with_value)]
    if keyword not in ds:
        return [f"{prefix}{keyword}"]
    value = ds[keyword].value
    if with_value and (value is None or value == "" or (ds[keyword].VR == "SQ" and len(value) == 0)):
        return [f"{prefix}{keyword} (empty)"]
    return []
