"""Instances the origin server cannot store as sent, for the partial-failure tests (PS3.18 10.5.3, Annex I):
one whose UIDs are not UIDs (PS3.5 9.1) and one with an element whose length runs past the end of the data set."""

import struct
import warnings
from io import BytesIO

from pydicom.dataset import Dataset


def part10_bytes(ds: Dataset) -> bytes:
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def with_non_uid(ds: Dataset) -> bytes:
    """The instance with a letter in its SOP Instance UID (PS3.5 9.1: digits and dots only); returns its Part 10
    bytes and leaves ds holding the UID as sent."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ds.SOPInstanceUID = f"{ds.SOPInstanceUID}.X"[:64]
        return part10_bytes(ds)


def with_impossible_length(ds: Dataset) -> bytes:
    """The instance followed by a Private Creator (7FE1,0010) LO whose declared length (5000) runs past the end."""
    return part10_bytes(ds) + struct.pack("<HH2sH", 0x7FE1, 0x0010, b"LO", 5000) + b"HARNESS "
