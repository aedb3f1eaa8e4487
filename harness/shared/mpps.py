"""Modality Performed Procedure Step words both sides use (PS3.4 Annex F.7), and the data sets an SCU sends."""

from __future__ import annotations

from collections.abc import Iterable

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_harness.shared.references import sop_references

# Performed Procedure Step Status (0040,0252), PS3.4 F.7.2.1
IN_PROGRESS, COMPLETED, DISCONTINUED = "IN PROGRESS", "COMPLETED", "DISCONTINUED"
FINAL_STATES = (COMPLETED, DISCONTINUED)

# PS3.4 Table F.7.2-2: the Error ID sent with Processing failure when the step is already final
ERROR_ID_NO_LONGER_UPDATABLE = 0xA710


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
