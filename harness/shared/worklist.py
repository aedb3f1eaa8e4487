"""Modality Worklist items (PS3.4 Annex K): the one builder of an item and of a query, and the *.wl file form
that dcmtk's wlmscpfs, Orthanc's worklist plugin and the RIS simulator all read."""

from __future__ import annotations

import uuid
from pathlib import Path

from pydicom.datadict import keyword_dict
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from pynetdicom.sop_class import ModalityWorklistInformationFind

# Keys of a worklist item that live in the Scheduled Procedure Step Sequence item (PS3.4 Table K.6-1)
SPS_KEYS = {"ScheduledStationAETitle", "ScheduledProcedureStepStartDate", "ScheduledProcedureStepStartTime",
            "Modality", "ScheduledPerformingPhysicianName", "ScheduledProcedureStepDescription",
            "ScheduledStationName", "ScheduledProcedureStepLocation", "ScheduledProcedureStepID",
            "ScheduledProcedureStepStatus"}
# The return keys a query asks for: the Type 1 and 2 keys of Table K.6-1 that the suites compare
SPS_RETURN_KEYS = ("ScheduledStationAETitle", "ScheduledProcedureStepStartDate", "ScheduledProcedureStepStartTime",
                   "Modality", "ScheduledPerformingPhysicianName", "ScheduledProcedureStepDescription",
                   "ScheduledProcedureStepID")
RETURN_KEYS = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber",
               "ReferringPhysicianName", "StudyInstanceUID", "RequestedProcedureDescription", "RequestedProcedureID")


# Synthetic values of an item nobody asked to be otherwise: PHI-free, valid for every VR
DEFAULTS = {
    # Scheduled Procedure Step Sequence item
    "ScheduledStationAETitle": "DH_MODALITY", "ScheduledProcedureStepStartDate": "20240315",
    "ScheduledProcedureStepStartTime": "090000", "Modality": "CT", "ScheduledPerformingPhysicianName": "DH^TECH",
    "ScheduledProcedureStepDescription": "SYNTHETIC PROCEDURE", "ScheduledStationName": "DH_STATION",
    "ScheduledProcedureStepLocation": "ROOM 1", "ScheduledProcedureStepID": "SPS1",
    # the item itself
    "SpecificCharacterSet": "ISO_IR 100", "AccessionNumber": "A0001", "ReferringPhysicianName": "DH^REFERRER",
    "PatientName": "DH^SYNTH", "PatientID": "DH-0001", "PatientBirthDate": "19700101", "PatientSex": "O",
    "RequestingPhysician": "DH^REQUESTER", "RequestedProcedureDescription": "SYNTHETIC PROCEDURE",
    "RequestedProcedureID": "RP1",
}


def worklist_item(**keys) -> Dataset:
    """A complete worklist item (every Type 1 and 2 key of Table K.6-1 that matters here) with the DEFAULTS and a
    new Study Instance UID; keys (keywords) override them, SPS keys inside the Scheduled Procedure Step Sequence
    item. A key that is not a DICOM keyword, or a value its VR refuses, is a ValueError."""
    step, item = Dataset(), Dataset()
    for keyword, value in {**DEFAULTS, "StudyInstanceUID": generate_uid(prefix=None), **keys}.items():
        if keyword not in keyword_dict:
            raise ValueError(f"{keyword!r} is not a DICOM keyword")
        try:
            setattr(step if keyword in SPS_KEYS else item, keyword, value)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{keyword}={value!r}: {exc}") from None
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


def write_worklist_file(item: Dataset, path: Path) -> Path:
    """Write an item as a DICOM file (the *.wl form dcmtk wlmscpfs and Orthanc read)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ModalityWorklistInformationFind
    meta.MediaStorageSOPInstanceUID = generate_uid(prefix=None)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    item = item.copy()
    item.file_meta = meta
    temporary = path.with_suffix(".part")
    item.save_as(temporary, enforce_file_format=True)
    temporary.replace(path)
    return path


def new_worklist_file_name() -> str:
    return f"{uuid.uuid4().hex}.wl"
