"""Modality Worklist items as files: the *.wl form that dcmtk's wlmscpfs, Orthanc's worklist plugin and the RIS
simulator all read."""

from __future__ import annotations

import uuid
from pathlib import Path

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid
from pynetdicom.sop_class import ModalityWorklistInformationFind


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
