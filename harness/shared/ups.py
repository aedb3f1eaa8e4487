"""Unified Procedure Step words both sides use (PS3.4 Annex CC; PS3.18 11): states, event types, the
subscription resources; and the data sets a user agent sends."""

from __future__ import annotations

from pydicom.dataset import Dataset

from dicom_harness.shared.codes import code_item

UPS_PUSH_SOP_CLASS = "1.2.840.10008.5.1.4.34.6.1"
WORKLIST_UID = "1.2.840.10008.5.1.4.34.5"              # Global Subscription (PS3.4 CC.3.1)
FILTERED_WORKLIST_UID = "1.2.840.10008.5.1.4.34.5.1"   # Filtered Global Subscription

# Procedure Step State (0074,1000), PS3.4 Table CC.1.1-1
SCHEDULED, IN_PROGRESS, COMPLETED, CANCELED = "SCHEDULED", "IN PROGRESS", "COMPLETED", "CANCELED"
FINAL_STATES = (COMPLETED, CANCELED)

# Event Type IDs, PS3.4 Table CC.2.4-1
STATE_REPORT, CANCEL_REQUESTED, PROGRESS, SCP_STATUS_CHANGE, ASSIGNED = 1, 2, 3, 4, 5


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
