"""Unified Procedure Step words both sides use (PS3.4 Annex CC; PS3.18 11): states, event types, the
subscription resources, the state transition table (PS3.4 Table CC.1.1-2), and the data sets a user agent
sends."""

from __future__ import annotations

from dataclasses import dataclass

from pydicom.dataset import Dataset

from dicom_harness.shared.codes import code_item
from dicom_harness.shared.status import Status

UPS_PUSH_SOP_CLASS = "1.2.840.10008.5.1.4.34.6.1"
WORKLIST_UID = "1.2.840.10008.5.1.4.34.5"              # Global Subscription (PS3.4 CC.3.1)
FILTERED_WORKLIST_UID = "1.2.840.10008.5.1.4.34.5.1"   # Filtered Global Subscription

# Procedure Step State (0074,1000), PS3.4 Table CC.1.1-1
SCHEDULED, IN_PROGRESS, COMPLETED, CANCELED = "SCHEDULED", "IN PROGRESS", "COMPLETED", "CANCELED"
FINAL_STATES = (COMPLETED, CANCELED)

# Event Type IDs, PS3.4 Table CC.2.4-1
STATE_REPORT, CANCEL_REQUESTED, PROGRESS, SCP_STATUS_CHANGE, ASSIGNED = 1, 2, 3, 4, 5


# -- PS3.4 Table CC.1.1-2, the Unified Procedure Step State Transition Table ------------------------------------
# One row per event, one column per state; each cell what the SCP does. The simulator (simulators/dicomweb/ups.py)
# looks its answers up here; tests/test_properties.py keeps an independent model of the same table.

NOT_CREATED = "(no such UPS)"      # the table's first column: no UPS has this SOP Instance UID
STATES = (NOT_CREATED, SCHEDULED, IN_PROGRESS, COMPLETED, CANCELED)

# The events (rows). Which Transaction UID is "correct" (PS3.4 CC.2.1.3): for a claim, any one given, since
# it becomes the lock; otherwise the lock the claim recorded, and a SCHEDULED UPS has none, so any one given.
CREATE = "N-CREATE received for this SOP Instance UID"
CLAIM = "Change State to IN PROGRESS with correct Transaction UID"
CLAIM_WITHOUT_UID = "Change State to IN PROGRESS without correct Transaction UID"
SCHEDULE = "Change State to SCHEDULED"
COMPLETE = "Change State to COMPLETED with correct Transaction UID"
COMPLETE_WITHOUT_UID = "Change State to COMPLETED without correct Transaction UID"
REQUEST_CANCEL = "Request Cancel"
CANCEL = "Change State to CANCELED with correct Transaction UID"
CANCEL_WITHOUT_UID = "Change State to CANCELED without correct Transaction UID"


@dataclass(frozen=True)
class Change:
    """The state changes (and is reported to the subscribers)."""
    to: str
    through: tuple[str, ...] = ()         # states reported on the way there
    final_state_check: bool = False       # "If Final State Requirements met, ...; Else C304"
    record_transaction_uid: bool = False


@dataclass(frozen=True)
class Report:
    """No change of state; the subscribers get an event of this type."""
    event_type: int


@dataclass(frozen=True)
class Answer:
    """No change of state; the request gets this error or warning status."""
    status: Status


_DUPLICATE = Answer(Status.DUPLICATE_SOP_INSTANCE)               # 0111
_NO_SUCH_UPS = Answer(Status.UPS_DOES_NOT_EXIST)                  # C307
_NOT_UPDATABLE = Answer(Status.UPS_MAY_NO_LONGER_BE_UPDATED)      # C300
_WRONG_UID = Answer(Status.UPS_TRANSACTION_UID_NOT_CORRECT)       # C301
_NOT_IN_PROGRESS = Answer(Status.UPS_NOT_YET_IN_PROGRESS)         # C310
_ONLY_BY_CREATE = Answer(Status.UPS_SCHEDULED_ONLY_BY_CREATE)     # C303

_TABLE = {  # event: (does not exist, SCHEDULED, IN PROGRESS, COMPLETED, CANCELED)
    CREATE: (Change(SCHEDULED), _DUPLICATE, _DUPLICATE, _DUPLICATE, _DUPLICATE),
    CLAIM: (_NO_SUCH_UPS, Change(IN_PROGRESS, record_transaction_uid=True),
            Answer(Status.UPS_ALREADY_IN_PROGRESS), _NOT_UPDATABLE, _NOT_UPDATABLE),
    CLAIM_WITHOUT_UID: (_NO_SUCH_UPS, _WRONG_UID, _WRONG_UID, _WRONG_UID, _WRONG_UID),
    SCHEDULE: (_NO_SUCH_UPS, _ONLY_BY_CREATE, _ONLY_BY_CREATE, _ONLY_BY_CREATE, _ONLY_BY_CREATE),
    COMPLETE: (_NO_SUCH_UPS, _NOT_IN_PROGRESS, Change(COMPLETED, final_state_check=True),
               Answer(Status.UPS_ALREADY_COMPLETED), _NOT_UPDATABLE),
    COMPLETE_WITHOUT_UID: (_NO_SUCH_UPS, _WRONG_UID, _WRONG_UID, _WRONG_UID, _WRONG_UID),
    REQUEST_CANCEL: (_NO_SUCH_UPS, Change(CANCELED, through=(IN_PROGRESS,)), Report(CANCEL_REQUESTED),
                     Answer(Status.UPS_CANCEL_REFUSED_COMPLETED), Answer(Status.UPS_ALREADY_CANCELED)),
    CANCEL: (_NO_SUCH_UPS, _NOT_IN_PROGRESS, Change(CANCELED, final_state_check=True), _NOT_UPDATABLE,
             Answer(Status.UPS_ALREADY_CANCELED)),
    CANCEL_WITHOUT_UID: (_NO_SUCH_UPS, _WRONG_UID, _WRONG_UID, _WRONG_UID, _WRONG_UID),
}
TRANSITIONS: dict[tuple[str, str], Change | Report | Answer] = {
    (state, event): outcome for event, row in _TABLE.items() for state, outcome in zip(STATES, row, strict=True)}

_CHANGE_STATE_EVENTS = {IN_PROGRESS: (CLAIM, CLAIM_WITHOUT_UID), SCHEDULED: (SCHEDULE, SCHEDULE),
                        COMPLETED: (COMPLETE, COMPLETE_WITHOUT_UID), CANCELED: (CANCEL, CANCEL_WITHOUT_UID)}


def change_state_event(requested: str, correct_transaction_uid: bool) -> str:
    """The row of a Change State request; KeyError for a state the table does not know."""
    with_uid, without_uid = _CHANGE_STATE_EVENTS[requested]
    return with_uid if correct_transaction_uid else without_uid


def transition(state: str, event: str) -> Change | Report | Answer:
    return TRANSITIONS[(state, event)]
# -- builders: the data sets a UPS user agent sends (PS3.4 Table CC.2.5-3) -----------------------------------
# Sequences N-CREATE requires present (Type 2 for the SCU), empty here
_CREATE_EMPTY_SEQUENCES = (
    "ScheduledProcessingParametersSequence", "ScheduledStationNameCodeSequence", "ScheduledStationClassCodeSequence",
    "ScheduledStationGeographicLocationCodeSequence", "ScheduledHumanPerformersSequence", "InputInformationSequence",
    "OtherPatientIDsSequence", "IssuerOfAdmissionIDSequence", "AdmittingDiagnosesCodeSequence",
    "ReferencedRequestSequence", "ProcedureStepProgressInformationSequence",
    "UnifiedProcedureStepPerformedProcedureSequence")
INTERPRETATION = ("110005", "DCM", "Interpretation")
DISCONTINUED_FOR_UNSPECIFIED_REASON = ("110513", "DCM", "Discontinued for unspecified reason")


def new_workitem(*, uid: str, patient: tuple[str, str], study_uid: str, start: str, comments: str) -> Dataset:
    """A SCHEDULED workitem with every attribute N-CREATE requires of the SCU. uid is the SOP Instance UID, which
    UPS-RS sends as the workitem query parameter, not in the body (PS3.18 11.4)."""
    ds = Dataset()
    ds.SOPInstanceUID = uid
    ds.TransactionUID = ""
    ds.ScheduledProcedureStepPriority = "MEDIUM"
    ds.ProcedureStepLabel = "DH SYNTHETIC POST-PROCESSING"
    ds.WorklistLabel = "DH WORKLIST"
    for keyword in _CREATE_EMPTY_SEQUENCES:
        setattr(ds, keyword, [])
    ds.ScheduledProcedureStepStartDateTime = start
    ds.ScheduledWorkitemCodeSequence = [code_item(*INTERPRETATION)]
    ds.CommentsOnTheScheduledProcedureStep = comments
    ds.InputReadinessState = "READY"
    ds.StudyInstanceUID = study_uid
    ds.PatientName, ds.PatientID = patient
    ds.PatientBirthDate, ds.PatientSex = "19700101", "O"
    ds.AdmissionID = ""
    ds.AdmittingDiagnosesDescription = ""
    ds.ProcedureStepState = SCHEDULED
    return ds


def performed_procedure(*, output: tuple[str, str, str, str], start: str, end: str) -> Dataset:
    """The Performed Procedure information COMPLETED requires (Final State code P, PS3.4 CC.2.5.1.1), with one
    output instance given as (SOP Class UID, SOP Instance UID, Study Instance UID, Series Instance UID)."""
    instance = Dataset()
    instance.ReferencedSOPClassUID, instance.ReferencedSOPInstanceUID = output[0], output[1]
    instance.StudyInstanceUID, instance.SeriesInstanceUID = output[2], output[3]
    instance.TypeOfInstances = "DICOM"
    performed = Dataset()
    performed.PerformedStationNameCodeSequence = [code_item("DH-STATION", "99DH", "dicom-harness")]
    performed.PerformedProcedureStepStartDateTime = start
    performed.PerformedWorkitemCodeSequence = [code_item(*INTERPRETATION)]
    performed.PerformedProcedureStepEndDateTime = end
    performed.OutputInformationSequence = [instance]
    changes = Dataset()
    changes.UnifiedProcedureStepPerformedProcedureSequence = [performed]
    return changes


def discontinuation(*, when: str, reason: str) -> Dataset:
    """What CANCELED requires of the owner (Final State code X, PS3.4 Table CC.2.5-3)."""
    progress = Dataset()
    progress.ProcedureStepCancellationDateTime = when
    progress.ProcedureStepDiscontinuationReasonCodeSequence = [code_item(*DISCONTINUED_FOR_UNSPECIFIED_REASON)]
    progress.ReasonForCancellation = reason
    changes = Dataset()
    changes.ProcedureStepProgressInformationSequence = [progress]
    return changes
