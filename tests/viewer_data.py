"""The five instances the viewer tests show: CT and MR (16-bit, Explicit VR Little Endian, from the dataset factory),
a JPEG baseline image (8-bit monochrome), a multi-frame ultrasound cine (JPEG baseline, YBR_FULL_422) and an RGB
image (uncompressed). The pictures are gradients with shapes, so a rendered canvas is neither black nor uniform.
JPEG frames are made with Pillow and encapsulated with pydicom (no DICOM JPEG encoder is needed)."""

from __future__ import annotations

from io import BytesIO

import numpy as np
from PIL import Image
from pydicom.dataset import Dataset
from pydicom.encaps import encapsulate
from pydicom.uid import JPEGBaseline8Bit, SecondaryCaptureImageStorage, UltrasoundMultiFrameImageStorage

from dicom_harness.data.datasets import DatasetFactory, encode_as

KINDS = ("CT", "MR", "JPEG", "US", "RGB")


def picture(rows: int, columns: int, shift: int = 0) -> np.ndarray:
    """An 8-bit test picture: a diagonal gradient, a bright disc and a dark bar (moved by shift)."""
    y, x = np.mgrid[0:rows, 0:columns]
    image = (x + y) * 200 // (rows + columns)
    disc = (x - columns // 2 - shift) ** 2 + (y - rows // 2) ** 2 < (min(rows, columns) // 5) ** 2
    image[disc] = 250
    image[rows // 5:rows // 5 + rows // 10, columns // 8:columns - columns // 8] = 10
    return image.astype(np.uint8)


def _jpeg(array: np.ndarray) -> bytes:
    buffer = BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=90)     # baseline, 4:2:0 for colour
    return buffer.getvalue()


def _image_pixels(ds: Dataset, rows: int, columns: int, samples: int, frames: int = 1) -> None:
    ds.Rows, ds.Columns = rows, columns
    ds.SamplesPerPixel = samples
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 8, 8, 7, 0
    if samples == 3:
        ds.PlanarConfiguration = 0
    if frames > 1:
        ds.NumberOfFrames = frames


def _capture(factory: DatasetFactory, study: Dataset, description: str) -> Dataset:
    ds = factory.make("SC", study=study)
    ds.SOPClassUID = SecondaryCaptureImageStorage
    ds.SeriesDescription = description
    return ds


def viewer_instances(seed: int = 41) -> dict[str, Dataset]:
    """One study, five series: {kind: data set}, ready to be stored (file meta included)."""
    factory = DatasetFactory(seed=seed)
    study = factory.study()
    study.StudyDescription = "viewer test study"
    found = {}
    for kind in ("CT", "MR"):
        ds = factory.make(kind, study=study, matrix=(128, 128))
        values = picture(128, 128).astype(np.uint16) * 8 + 900         # a range a default window shows
        ds.PixelData = values.tobytes()
        ds.WindowCenter, ds.WindowWidth = "1700", "2000"
        if kind == "CT":
            ds.WindowCenter = str(1700 - 1024)
        ds.SeriesDescription = f"{kind} uncompressed"
        found[kind] = ds

    jpeg = _capture(factory, study, "JPEG baseline monochrome")
    _image_pixels(jpeg, 96, 128, 1)
    jpeg.PhotometricInterpretation = "MONOCHROME2"
    jpeg.PixelData = encapsulate([_jpeg(picture(96, 128))])
    jpeg.LossyImageCompression = "01"
    found["JPEG"] = _encapsulated(jpeg)

    us = _capture(factory, study, "US cine JPEG baseline")
    us.SOPClassUID = UltrasoundMultiFrameImageStorage
    us.Modality = "US"
    _image_pixels(us, 96, 128, 3, frames=8)
    us.PhotometricInterpretation = "YBR_FULL_422"
    us.FrameTime = "40"
    us.FrameIncrementPointer = 0x00181063
    us.CineRate = "25"
    us.LossyImageCompression = "01"
    frames = []
    for number in range(8):
        grey = picture(96, 128, shift=number * 4)
        colour = np.stack([grey, np.roll(grey, 16, axis=1), 255 - grey], axis=-1)
        frames.append(_jpeg(colour))
    us.PixelData = encapsulate(frames)
    found["US"] = _encapsulated(us)

    rgb = _capture(factory, study, "RGB uncompressed")
    _image_pixels(rgb, 96, 128, 3)
    rgb.PhotometricInterpretation = "RGB"
    grey = picture(96, 128)
    rgb.PixelData = np.stack([grey, 255 - grey, np.roll(grey, 32, axis=0)], axis=-1).tobytes()
    found["RGB"] = rgb
    for kind, ds in found.items():
        ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    return found


def _encapsulated(ds: Dataset) -> Dataset:
    """The data set with JPEG Baseline file meta; its Pixel Data is already encapsulated."""
    data = ds.PixelData
    del ds.PixelData
    encoded = encode_as(ds, "1.2.840.10008.1.2.1")        # file meta and a clean round trip, no pixels
    encoded.file_meta.TransferSyntaxUID = JPEGBaseline8Bit
    encoded.PixelData = data
    encoded["PixelData"].VR = "OB"
    encoded["PixelData"].is_undefined_length = True
    return encoded


def part10(ds: Dataset) -> bytes:
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()
