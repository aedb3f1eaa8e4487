"""Data sets that send the lean paths (the PACS simulator's C-STORE, the DICOMweb simulator's STOW-RS:
simulators/lean_scan.py) through what they must read as the full path (pydicom) reads it."""

from __future__ import annotations

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_harness.data.datasets import KINDS, DatasetFactory


def varied_datasets(seed: int, bad_series_uid: bool = False) -> list[Dataset]:
    """Every kind, twice over in one study (the second time from the remembered fragments), one with another
    character set and names in it, one with a nested sequence; with bad_series_uid, one more whose Series Instance
    UID is not a UID."""
    factory = DatasetFactory(seed=seed)
    study = factory.study()
    found = [factory.make(kind, study=study) for _ in range(2) for kind in KINDS]
    greek = factory.make("CT", study=study)
    greek.SpecificCharacterSet = "ISO_IR 126"
    greek.PatientName = "Διονυσιος"
    greek.StudyDescription = "Θώρακας"
    found.append(greek)
    nested = factory.make("MR", study=study)
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "T-D3000", "SRT", "Chest"
    inner = Dataset()
    inner.ReferencedSOPClassUID, inner.ReferencedSOPInstanceUID = "1.2.840.10008.5.1.4.1.1.2", factory.uid()
    code.ReferencedSOPSequence = Sequence([inner])
    nested.AnatomicRegionSequence = Sequence([code])
    found.append(nested)
    if bad_series_uid:
        bad_series = factory.make("CT", study=study)
        bad_series.SeriesInstanceUID = "1.2.abc"
        found.append(bad_series)
    return found
