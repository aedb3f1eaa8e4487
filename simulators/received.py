"""A received C-STORE data set, read where pynetdicom keeps it (the request's buffer), without copies.

pynetdicom's `event.encoded_dataset()` copies the buffer (and once more with the File Meta Information in front)
and `event.dataset` decodes every element, pixel data included: three or four copies of the object for each
C-STORE. The PACS simulator needs the encoded bytes once (to write the file) and the attributes in front of the
pixel data (to check the UIDs and index the instance), so it takes:
- `body(event)`: a memoryview of the received data set (release it before the handler returns);
- `part10_header(file_meta)`: preamble, 'DICM' and the File Meta Information pynetdicom would put in front;
- `head(event)`: the data set decoded up to the pixel data, as the store's own index reads its files
  (`stop_before_pixels`), with the File Meta Information attached."""

from __future__ import annotations

import struct

from pydicom import config
from pydicom.dataelem import DataElement
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filereader import read_dataset
from pydicom.tag import BaseTag
from pynetdicom import PYNETDICOM_IMPLEMENTATION_UID, PYNETDICOM_IMPLEMENTATION_VERSION
from pynetdicom.dsutils import encode_file_meta

# (7FE0,0008) Float Pixel Data, (7FE0,0009) Double Float Pixel Data, (7FE0,0010) Pixel Data
_PIXEL_TAGS = {0x7FE00008, 0x7FE00009, 0x7FE00010}


def body(event) -> memoryview:
    return event.request.DataSet.getbuffer()


def part10_header(file_meta: Dataset) -> bytes:
    """Preamble, 'DICM' and the File Meta Information, the bytes pynetdicom's encode_file_meta gives (written here
    element by element: through pydicom's writer they cost more than the rest of a small C-STORE)."""
    encoded = _encode_file_meta(file_meta)
    return _PREAMBLE + (encoded if encoded is not None else encode_file_meta(file_meta))


def part10_header_of(sop_class: str, sop_instance: str, transfer_syntax: str) -> bytes:
    """part10_header(file_meta(event)) from the three UIDs it depends on, the bytes around the SOP Instance UID
    made once per SOP Class and transfer syntax (the lean C-STORE path's: simulators/pacs.py _store_lean)."""
    made = _HEADERS.get((sop_class, transfer_syntax))
    if made is None:
        if len(_HEADERS) >= 1000:
            _HEADERS.clear()
        before = b"".join((_element(0x0002, 0x0001, "OB", b"\x00\x01"),
                           _element(0x0002, 0x0002, "UI", _padded(sop_class, b"\0"))))
        after = b"".join((_element(0x0002, 0x0010, "UI", _padded(transfer_syntax, b"\0")),
                          _element(0x0002, 0x0012, "UI", _padded(PYNETDICOM_IMPLEMENTATION_UID, b"\0")),
                          _element(0x0002, 0x0013, "SH", _padded(PYNETDICOM_IMPLEMENTATION_VERSION, b" "))))
        made = _HEADERS[(sop_class, transfer_syntax)] = (before, after)
    before, after = made
    instance = _element(0x0002, 0x0003, "UI", _padded(sop_instance, b"\0"))
    return b"".join((_PREAMBLE, _group_length(len(before) + len(instance) + len(after)), before, instance, after))


_HEADERS: dict[tuple[str, str], tuple[bytes, bytes]] = {}
_PREAMBLE = b"\x00" * 128 + b"DICM"


def _padded(text: str, padding: bytes) -> bytes:
    data = str(text).encode("ascii")
    return data + padding if len(data) % 2 else data


def _element(group: int, element: int, vr: str, data: bytes) -> bytes:
    """One element, Explicit VR Little Endian (a VR of _LONG_VRS with its reserved bytes and 4-byte length)."""
    if vr in _LONG_VRS:
        return struct.pack("<HH2sHL", group, element, vr.encode(), 0, len(data)) + data
    return struct.pack("<HH2sH", group, element, vr.encode(), len(data)) + data


def _group_length(length: int) -> bytes:
    """(0002,0000) File Meta Information Group Length."""
    return struct.pack("<HH2sHL", 0x0002, 0x0000, b"UL", 4, length)


_LONG_VRS = frozenset(("OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"))
_TEXT_PADDING = {"UI": b"\0", "AE": b" ", "CS": b" ", "SH": b" ", "LO": b" "}


def _encode_file_meta(file_meta: Dataset) -> bytes | None:
    """Explicit VR Little Endian group 0002 with its group length first; None for an element of another kind."""
    body = []
    for element in file_meta:
        tag, vr, value = element.tag, element.VR, element.value
        if tag.group != 0x0002 or tag.element == 0x0000:
            continue
        if vr in _TEXT_PADDING and isinstance(value, str):
            data = _padded(value, _TEXT_PADDING[vr])
        elif vr == "OB" and isinstance(value, bytes):
            data = value + (b"\0" if len(value) % 2 else b"")
        elif vr == "UL" and isinstance(value, int):
            data = struct.pack("<L", value)
        elif vr == "US" and isinstance(value, int):
            data = struct.pack("<H", value)
        else:
            return None
        body.append(_element(tag.group, tag.element, vr, data))
    encoded = b"".join(body)
    return _group_length(len(encoded)) + encoded


def _at_pixels(tag, vr, length) -> bool:
    return tag in _PIXEL_TAGS


def head(event) -> Dataset:
    """The data set up to its pixel data (a Deflated one is inflated and decoded whole, as pynetdicom does)."""
    syntax = event.context.transfer_syntax
    if syntax.is_deflated:
        dataset = event.dataset
    else:
        stream = event.request.DataSet
        stream.seek(0)
        dataset = read_dataset(stream, syntax.is_implicit_VR, syntax.is_little_endian, stop_when=_at_pixels)
        dataset.set_original_encoding(syntax.is_implicit_VR, syntax.is_little_endian)
    dataset.file_meta = file_meta(event)
    return dataset


def file_meta(event) -> FileMetaDataset:
    """What pynetdicom's event.file_meta gives (its create_file_meta), with the elements made without pydicom's
    value validation: the values are the command's UIDs (checked by the simulator), the context's transfer
    syntax and pynetdicom's implementation UID and version name."""
    request = event.request
    meta = FileMetaDataset()
    for tag, vr, value in ((0x00020000, "UL", 0), (0x00020001, "OB", b"\x00\x01"),
                           (0x00020002, "UI", request.AffectedSOPClassUID),
                           (0x00020003, "UI", request.AffectedSOPInstanceUID),
                           (0x00020010, "UI", event.context.transfer_syntax),
                           (0x00020012, "UI", PYNETDICOM_IMPLEMENTATION_UID),
                           (0x00020013, "SH", PYNETDICOM_IMPLEMENTATION_VERSION)):
        meta._dict[BaseTag(tag)] = DataElement(tag, vr, value, validation_mode=config.IGNORE)
    meta.set_original_encoding(False, True)
    return meta
