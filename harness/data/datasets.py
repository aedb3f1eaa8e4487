"""The dataset factory: small, PHI-free, valid instances, deterministic from a seed.

UIDs use the 2.25 root (UUID-derived UIDs, PS3.5 B.2), made from a hash of the run ID, the seed and a
counter, so every run has its own UIDs and two runs never collide in a shared target. Patient names all
start with 'DH^' and patient IDs with 'DH-' followed by the run ID, so harness data is easy to find and
remove."""

from __future__ import annotations

import copy
import hashlib
import os
import random
from collections.abc import Sequence as Sequence_
from dataclasses import dataclass, field
from io import BytesIO

import numpy as np
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import (
    UID,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    RLELossless,
)
from pynetdicom.sop_class import (
    ComputedRadiographyImageStorage,
    CTImageStorage,
    GrayscaleSoftcopyPresentationStateStorage,
    KeyObjectSelectionDocumentStorage,
    MRImageStorage,
    MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
    SecondaryCaptureImageStorage,
)

from dicom_harness.shared.codes import code_item

IMPLEMENTATION_CLASS_UID = UID("2.25.2954893391043102214458133431640151049")
IMPLEMENTATION_VERSION = "DICOM_HARNESS_01"
PRIVATE_CREATOR = "DICOM_HARNESS"

KINDS = {
    "CT": CTImageStorage,
    "MR": MRImageStorage,
    "CR": ComputedRadiographyImageStorage,
    "SC": SecondaryCaptureImageStorage,
    "MF": MultiFrameGrayscaleByteSecondaryCaptureImageStorage,
    "KOS": KeyObjectSelectionDocumentStorage,
    "GSPS": GrayscaleSoftcopyPresentationStateStorage,
}
KIND_BY_SOP_CLASS = {uid: kind for kind, uid in KINDS.items()}


def pixel_digest(dataset: Dataset) -> str | None:
    """SHA-256 of the decoded pixel values, so the digest survives a change of transfer syntax."""
    if "PixelData" not in dataset:
        return None
    array = np.ascontiguousarray(dataset.pixel_array)
    return hashlib.sha256(array.astype(array.dtype.newbyteorder("<")).tobytes()).hexdigest()


@dataclass
class DatasetFactory:
    seed: int = 0
    run_id: str = field(default_factory=lambda: os.urandom(4).hex().upper())
    _counter: int = 0

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def uid(self) -> UID:
        self._counter += 1
        digest = hashlib.sha256(f"{self.run_id}/{self.seed}/{self._counter}".encode()).digest()
        return UID(f"2.25.{int.from_bytes(digest[:16], 'big')}")

    def patient(self) -> tuple[str, str]:
        n = self._random.randrange(10_000, 99_999)
        return f"DH^SYNTH{n}", f"DH-{self.run_id}-{n}"

    def study(self, patient: tuple[str, str] | None = None) -> Dataset:
        """A study context (patient + study attributes) to pass to make(..., study=...)."""
        name, pid = patient or self.patient()
        study = Dataset()
        study.PatientName = name
        study.PatientID = pid
        study.PatientBirthDate = f"19{self._random.randrange(40, 99)}0101"
        study.PatientSex = self._random.choice(["F", "M", "O"])
        study.StudyInstanceUID = self.uid()
        study.StudyDate = f"2024{self._random.randrange(1, 12):02d}{self._random.randrange(1, 28):02d}"
        study.StudyTime = f"{self._random.randrange(7, 19):02d}{self._random.randrange(0, 59):02d}00"
        study.AccessionNumber = f"A{self._random.randrange(10**6, 10**7)}"
        study.StudyID = str(self._random.randrange(1, 9999))
        study.ReferringPhysicianName = "DH^REFERRER"
        study.StudyDescription = "DICOM HARNESS SYNTHETIC"
        return study

    def make(self, kind: str = "CT", *, study: Dataset | None = None, series_uid: UID | None = None,
             transfer_syntax: UID = ExplicitVRLittleEndian, private: bool = True,
             matrix: tuple[int, int] | None = None, references: Sequence_[Dataset] = ()) -> Dataset:
        """matrix: (rows, columns) of a CT or MR image, for tests that need a large object. references: the
        images a KOS or GSPS refers to (give them the same study), which makes it a valid instance of its IOD."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; known: {', '.join(KINDS)}")
        ds = Dataset()
        for element in (study or self.study()):
            ds.add(copy.deepcopy(element))      # never the caller's element: the UIDs below are set on these
        ds.SOPClassUID = KINDS[kind]
        ds.SOPInstanceUID = self.uid()
        ds.SeriesInstanceUID = series_uid or self.uid()
        ds.SeriesNumber = self._random.randrange(1, 99)
        ds.InstanceNumber = 1
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.ContentDate = ds.StudyDate
        ds.ContentTime = ds.StudyTime
        ds.Manufacturer = "dicom-harness"
        ds.ImageComments = "synthetic test instance"  # a Type 3 attribute, for Level 2 checks
        getattr(self, f"_fill_{kind.lower()}")(ds)
        if references:
            if kind not in REFERENCING:
                raise ValueError(f"only {', '.join(REFERENCING)} refer to other instances, not {kind}")
            REFERENCING[kind](ds, references)
        if matrix and kind in ("CT", "MR"):
            self._pixels(ds, matrix[0], matrix[1], 16)
        if private:
            block = ds.private_block(0x0009, PRIVATE_CREATOR, create=True)
            block.add_new(0x01, "LO", f"run {self.run_id}")
        return encode_as(ds, transfer_syntax)

    # -- per-kind attributes -------------------------------------------------------------------------
    def _pixels(self, ds: Dataset, rows: int, columns: int, bits: int, frames: int = 1) -> None:
        ds.Rows, ds.Columns = rows, columns
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated = bits
        ds.BitsStored = bits if bits == 8 else 12
        ds.HighBit = ds.BitsStored - 1
        ds.PixelRepresentation = 0
        if frames > 1:
            ds.NumberOfFrames = frames
        dtype = np.uint8 if bits == 8 else np.uint16
        rng = np.random.default_rng(self._random.randrange(2**32))
        shape = (frames, rows, columns) if frames > 1 else (rows, columns)
        ds.PixelData = rng.integers(0, 2 ** ds.BitsStored, size=shape, dtype=dtype).tobytes()

    def _fill_ct(self, ds: Dataset) -> None:
        ds.Modality = "CT"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.KVP = "120"
        ds.AcquisitionNumber = "1"
        ds.PatientPosition = "HFS"          # Type 2C for CT, and an unpaired body part needs no Laterality
        ds.BodyPartExamined = "CHEST"
        ds.RescaleIntercept, ds.RescaleSlope = "-1024", "1"
        self._cross_section(ds, spacing=0.5, thickness="1")

    def _fill_mr(self, ds: Dataset) -> None:
        ds.Modality = "MR"
        ds.ImageType = ["ORIGINAL", "PRIMARY", "OTHER"]
        ds.ScanningSequence = "SE"
        ds.SequenceVariant = "NONE"
        ds.ScanOptions = ""
        ds.MRAcquisitionType = "2D"
        ds.EchoTime, ds.RepetitionTime, ds.EchoTrainLength = "10", "500", "1"
        ds.MagneticFieldStrength = "1.5"
        self._cross_section(ds, spacing=1, thickness="3")

    def _cross_section(self, ds: Dataset, spacing: float, thickness: str) -> None:
        """Image Plane and Frame of Reference modules, and 64x64 16-bit pixels."""
        ds.ImagePositionPatient = [0, 0, 0]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [spacing, spacing]
        ds.SliceThickness = thickness
        ds.FrameOfReferenceUID = self.uid()
        ds.PositionReferenceIndicator = ""
        self._pixels(ds, 64, 64, 16)

    def _fill_cr(self, ds: Dataset) -> None:
        ds.Modality = "CR"
        ds.BodyPartExamined = "CHEST"
        ds.ViewPosition = "PA"
        ds.ImageType = ["ORIGINAL", "PRIMARY"]
        self._pixels(ds, 96, 80, 16)

    def _fill_sc(self, ds: Dataset) -> None:
        ds.Modality = "OT"
        ds.ConversionType = "WSD"
        self._pixels(ds, 48, 64, 8)

    def _fill_mf(self, ds: Dataset) -> None:
        ds.Modality = "OT"
        ds.ConversionType = "WSD"
        ds.ImageType = ["DERIVED", "SECONDARY"]
        ds.FrameIncrementPointer = 0x00181063  # Frame Time
        ds.FrameTime = "40"
        self._pixels(ds, 32, 32, 8, frames=6)

    def _fill_kos(self, ds: Dataset) -> None:
        ds.Modality = "KO"
        ds.ValueType = "CONTAINER"
        ds.ContinuityOfContent = "SEPARATE"
        ds.ConceptNameCodeSequence = Sequence([code_item("113000", "DCM", "Of Interest")])
        template = Dataset()
        template.MappingResource, template.TemplateIdentifier = "DCMR", "2010"
        ds.ContentTemplateSequence = Sequence([template])
        ds.ReferencedPerformedProcedureStepSequence = Sequence()
        ds.CurrentRequestedProcedureEvidenceSequence = Sequence()
        ds.InstanceNumber = 1
        ds.ContentSequence = Sequence()
        del ds.ImageComments

    def _fill_gsps(self, ds: Dataset) -> None:
        ds.Modality = "PR"
        ds.ContentLabel = "DH_PRESENTATION"
        ds.ContentDescription = "synthetic presentation state"
        ds.PresentationCreationDate = ds.StudyDate
        ds.PresentationCreationTime = ds.StudyTime
        ds.ContentCreatorName = "DH^CREATOR"
        ds.ReferencedSeriesSequence = Sequence()
        ds.PresentationLUTShape = "IDENTITY"
        del ds.ImageComments, ds.ContentDate, ds.ContentTime       # not in the GSPS IOD


def _by_series(images: Sequence_[Dataset]) -> dict[str, list[Dataset]]:
    series: dict[str, list[Dataset]] = {}
    for image in images:
        series.setdefault(str(image.SeriesInstanceUID), []).append(image)
    return series


def _sop_item(image: Dataset) -> Dataset:
    item = Dataset()
    item.ReferencedSOPClassUID = image.SOPClassUID
    item.ReferencedSOPInstanceUID = image.SOPInstanceUID
    return item


def _refer_kos(ds: Dataset, images: Sequence_[Dataset]) -> None:
    """Key Object Document module (PS3.3 C.17.6.2): the Current Requested Procedure Evidence Sequence names every
    referenced instance by study, series and SOP; the content tree holds one IMAGE item per instance (TID 2010)."""
    studies: dict[str, list[Dataset]] = {}
    for image in images:
        studies.setdefault(str(image.StudyInstanceUID), []).append(image)
    evidence = []
    for study_uid, members in studies.items():
        study = Dataset()
        study.StudyInstanceUID = study_uid
        series_items = []
        for series_uid, in_series in _by_series(members).items():
            series = Dataset()
            series.SeriesInstanceUID = series_uid
            series.ReferencedSOPSequence = Sequence([_sop_item(image) for image in in_series])
            series_items.append(series)
        study.ReferencedSeriesSequence = Sequence(series_items)
        evidence.append(study)
    ds.CurrentRequestedProcedureEvidenceSequence = Sequence(evidence)
    content = []
    for image in images:
        item = Dataset()
        item.RelationshipType = "CONTAINS"
        item.ValueType = "IMAGE"
        item.ReferencedSOPSequence = Sequence([_sop_item(image)])
        content.append(item)
    ds.ContentSequence = Sequence(content)


def _refer_gsps(ds: Dataset, images: Sequence_[Dataset]) -> None:
    """Presentation State Relationship module (PS3.3 C.11.11): Referenced Series Sequence > Referenced Image
    Sequence; the Displayed Area module (C.10.4) shows each whole image, scaled to fit."""
    series_items = []
    for series_uid, in_series in _by_series(images).items():
        series = Dataset()
        series.SeriesInstanceUID = series_uid
        series.ReferencedImageSequence = Sequence([_sop_item(image) for image in in_series])
        series_items.append(series)
    ds.ReferencedSeriesSequence = Sequence(series_items)
    area = Dataset()
    area.DisplayedAreaTopLeftHandCorner = [1, 1]
    area.DisplayedAreaBottomRightHandCorner = [int(images[0].Columns), int(images[0].Rows)]
    area.PresentationSizeMode = "SCALE TO FIT"
    area.PresentationPixelAspectRatio = [1, 1]
    ds.DisplayedAreaSelectionSequence = Sequence([area])
    if len({str(image.SOPClassUID) for image in images}) > 1:
        # Images of several classes (CT with its rescale, CR without): one identity Modality LUT for all (C.11.1)
        ds.RescaleIntercept, ds.RescaleSlope, ds.RescaleType = "0", "1", "US"
    # General Series Laterality is Type 2C (a paired body part): name the images' unpaired one instead
    ds.BodyPartExamined = images[0].get("BodyPartExamined", "") or "CHEST"


REFERENCING = {"KOS": _refer_kos, "GSPS": _refer_gsps}


def referenced_instances(ds: Dataset) -> list[tuple[str, str]]:
    """(SOP Class UID, SOP Instance UID) of every instance a KOS or GSPS names, in order, without repeats: the
    KOS's evidence and content items, the GSPS's Referenced Image Sequence items."""
    found: list[tuple[str, str]] = []
    for element in ds.iterall():
        if element.keyword in ("ReferencedSOPSequence", "ReferencedImageSequence"):
            for item in element.value:
                pair = (str(item.get("ReferencedSOPClassUID", "")), str(item.get("ReferencedSOPInstanceUID", "")))
                if pair not in found:
                    found.append(pair)
    return found


def references_by_sequence(ds: Dataset) -> list[tuple[str, str, str]]:
    """(top-level sequence, SOP Class UID, SOP Instance UID) of every reference a KOS (its evidence sequence and
    content items) or a GSPS (its Referenced Image Sequence items) makes, in order: what a store must keep."""
    found = []
    for top in ds:
        if top.VR != "SQ":
            continue
        for item in top.value:
            for element in item.iterall():
                if element.keyword in ("ReferencedSOPSequence", "ReferencedImageSequence"):
                    found += [(top.keyword, str(ref.get("ReferencedSOPClassUID", "")),
                               str(ref.get("ReferencedSOPInstanceUID", ""))) for ref in element.value]
    return found


def encode_as(ds: Dataset, transfer_syntax: UID) -> Dataset:
    """Give the data set file meta for the transfer syntax and, for compressed ones, compressed pixels.

    The result is what a real sender would hold after reading its own Part 10 file."""
    transfer_syntax = UID(transfer_syntax)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = transfer_syntax
    meta.ImplementationClassUID = IMPLEMENTATION_CLASS_UID
    meta.ImplementationVersionName = IMPLEMENTATION_VERSION
    ds.file_meta = meta
    if transfer_syntax == RLELossless and "PixelData" in ds:
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        ds.compress(RLELossless, encoding_plugin="pydicom")
    if transfer_syntax in (ImplicitVRLittleEndian, ExplicitVRLittleEndian, DeflatedExplicitVRLittleEndian, RLELossless):
        # Round-trip through bytes so the data set is exactly what the wire will carry.
        buffer = BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        return dcmread(BytesIO(buffer.getvalue()))
    raise ValueError(f"the dataset factory cannot encode {transfer_syntax.name}")
