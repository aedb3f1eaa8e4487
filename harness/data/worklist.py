"""Worklist items the harness seeds (PS3.4 Annex K), PHI-free and unique per run."""

from __future__ import annotations

from pydicom.dataset import Dataset

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.shared.worklist import worklist_item


def unique_tag(factory: DatasetFactory, prefix: str, length: int = 16) -> str:
    """A short run-unique value for SH/LO/AE keys, from the factory's UID counter."""
    digits = str(factory.uid()).split(".")[-1]
    return (prefix + digits)[:length]


def unique_worklist_item(factory: DatasetFactory, patient: tuple[str, str] | None = None, *, modality: str = "CT",
                         station: str = "DH_MODALITY", date: str = "20240315", time: str = "090000") -> Dataset:
    """A worklist item whose patient, accession, study and step identifiers no other item of any run shares,
    so a test finds its own items on a shared target."""
    name, pid = patient or (f"DH^WL{unique_tag(factory, '', 8)}", unique_tag(factory, "DH-WL-", 24))
    return worklist_item(
        ScheduledStationAETitle=station, ScheduledProcedureStepStartDate=date, ScheduledProcedureStepStartTime=time,
        Modality=modality, ScheduledProcedureStepDescription=f"SYNTHETIC {modality}",
        ScheduledProcedureStepID=unique_tag(factory, "SPS", 16), AccessionNumber=unique_tag(factory, "A", 16),
        PatientName=name, PatientID=pid, StudyInstanceUID=factory.uid(),
        RequestedProcedureDescription=f"SYNTHETIC {modality} PROCEDURE",
        RequestedProcedureID=unique_tag(factory, "RP", 16), RequestedProcedurePriority="ROUTINE")
