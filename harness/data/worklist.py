"""Worklist items and queries the harness seeds and sends (PS3.4 Annex K), PHI-free and unique per run."""

from __future__ import annotations

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_harness.data.datasets import DatasetFactory

SPS_RETURN_KEYS = ("ScheduledStationAETitle", "ScheduledProcedureStepStartDate", "ScheduledProcedureStepStartTime",
                   "Modality", "ScheduledPerformingPhysicianName", "ScheduledProcedureStepDescription",
                   "ScheduledProcedureStepID")
RETURN_KEYS = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber",
               "ReferringPhysicianName", "StudyInstanceUID", "RequestedProcedureDescription", "RequestedProcedureID")


def unique_tag(factory: DatasetFactory, prefix: str, length: int = 16) -> str:
    """A short run-unique value for SH/LO/AE keys, from the factory's UID counter."""
    digits = str(factory.uid()).split(".")[-1]
    return (prefix + digits)[:length]


def worklist_item(factory: DatasetFactory, patient: tuple[str, str] | None = None, *, modality: str = "CT",
                  station: str = "DH_MODALITY", date: str = "20240315", time: str = "090000") -> Dataset:
    """A complete worklist item (every Type 1 and 2 key of PS3.4 Table K.6-1 that matters here)."""
    name, pid = patient or (f"DH^WL{unique_tag(factory, '', 8)}", unique_tag(factory, "DH-WL-", 24))
    step = Dataset()
    step.ScheduledStationAETitle = station
    step.ScheduledProcedureStepStartDate = date
    step.ScheduledProcedureStepStartTime = time
    step.Modality = modality
    step.ScheduledPerformingPhysicianName = "DH^TECH"
    step.ScheduledProcedureStepDescription = f"SYNTHETIC {modality}"
    step.ScheduledStationName = "DH_STATION"
    step.ScheduledProcedureStepLocation = "ROOM 1"
    step.ScheduledProcedureStepID = unique_tag(factory, "SPS", 16)
    item = Dataset()
    item.SpecificCharacterSet = "ISO_IR 100"
    item.AccessionNumber = unique_tag(factory, "A", 16)
    item.ReferringPhysicianName = "DH^REFERRER"
    item.PatientName = name
    item.PatientID = pid
    item.PatientBirthDate = "19700101"
    item.PatientSex = "O"
    item.StudyInstanceUID = factory.uid()
    item.RequestingPhysician = "DH^REQUESTER"
    item.RequestedProcedureDescription = f"SYNTHETIC {modality} PROCEDURE"
    item.RequestedProcedureID = unique_tag(factory, "RP", 16)
    item.RequestedProcedurePriority = "ROUTINE"
    item.ScheduledProcedureStepSequence = Sequence([step])
    return item


def worklist_query(**keys: str) -> Dataset:
    """A query asking every return key; keys (keywords) set matching values, SPS keys inside the item."""
    step = Dataset()
    for keyword in SPS_RETURN_KEYS:
        setattr(step, keyword, keys.pop(keyword, ""))
    query = Dataset()
    for keyword in RETURN_KEYS:
        setattr(query, keyword, keys.pop(keyword, ""))
    for keyword, value in keys.items():
        setattr(query, keyword, value)
    query.ScheduledProcedureStepSequence = Sequence([step])
    return query
