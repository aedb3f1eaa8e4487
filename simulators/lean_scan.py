"""The clean simulators' lean path for a STOW-RS part (lean_part) and a C-STORE data set (lean_dataset): one walk
over the encoded bytes that checks what the full path checks (File Meta Information, element lengths, the
instance's UIDs) and yields what the store needs (the index row, the UIDs of the response), without decoding the
data set through pydicom.

It takes only what it is sure of: a Part 10 file (or a bare data set) in a little endian explicit VR encoding (not
Deflated), every element of defined length but sequences and the pixel data, the four UIDs present, single-valued
and valid. Anything else answers None and the part takes the full path (simulators/dicomweb/app.py _store_part,
simulators/pacs.py _on_store), which says what is wrong with it. The index attributes are the DICOM JSON
store._index_attributes makes, remembered per encoded element (a series repeats most of them byte for byte); an
element not seen before is decoded by pydicom alone with the data set's Specific Character Set."""

from __future__ import annotations

import json
import re
import struct
from dataclasses import dataclass
from io import BytesIO

from pydicom.filereader import read_dataset
from pydicom.uid import UID

from dicom_harness.simulators.inspection import _LONG_VRS, _items, _walk, uid_problem

_INDEX_BULK_LIMIT = 1024        # as store._INDEX_BULK_LIMIT: larger bulk values are left out of the index
_BULK_VRS = frozenset((b"OB", b"OW", b"OF", b"OD", b"OL", b"OV", b"UN"))
_UNDEFINED = 0xFFFFFFFF
_PIXEL_DATA = 0x7FE00010
_CHARSET = 0x00080005
_HEAD = struct.Struct("<HH2sH")         # group, element, VR, short length
_LONG = struct.Struct("<L")
_UIDS = {0x00080016: "sop_class", 0x00080018: "sop_instance", 0x0020000D: "study", 0x0020000E: "series"}
_UID_KEYWORDS = {0x00080016: "SOPClassUID", 0x00080018: "SOPInstanceUID", 0x0020000D: "StudyInstanceUID",
                 0x0020000E: "SeriesInstanceUID"}
_PATIENT_ID = 0x00100020
_STOP_TAGS = frozenset((0x7FE00008, 0x7FE00009, _PIXEL_DATA))   # where the full path's read stops (pydicom)
_KNOWN_VRS = frozenset(v.encode() for v in ("AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT",
                                             "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST",
                                             "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"))


def _explicit_little(uid: str) -> bool:
    syntax = UID(uid)
    return (syntax.is_transfer_syntax and not syntax.is_implicit_VR and syntax.is_little_endian
            and not syntax.is_deflated)


_SYNTAXES: dict[str, bool] = {}


@dataclass(frozen=True)
class LeanPart:
    """What the store and the response need of one acceptable part."""
    sop_class: str
    sop_instance: str
    study: str
    series: str
    transfer_syntax: str
    patient_id: str
    attributes_json: str        # the index's DICOM JSON text, as json.dumps(store._index_attributes(...)) makes it


# (tag, VR, encoded value, the data set's Specific Character Set bytes) -> the JSON text of `"TAG": {...}`, or ""
# for an element left out of the index
_FRAGMENTS: dict = {}
_FRAGMENTS_LIMIT = 20000


def lean_part(data) -> LeanPart | None:
    """The part's LeanPart, or None when it must take the full path (see the module's docstring)."""
    try:
        return _scan(memoryview(data))
    except Exception:       # noqa: BLE001 - whatever it is, the full path judges the part and says why
        return None


def _scan(buffer: memoryview) -> LeanPart | None:
    size = len(buffer)
    if size < 132 or buffer[128:132] != b"DICM":
        return None
    pos = 132
    syntax = ""
    while size - pos >= 8:
        group, element, vr, length = _HEAD.unpack_from(buffer, pos)
        if group != 0x0002:
            break
        if vr in _LONG_VRS:
            (length,) = _LONG.unpack_from(buffer, pos + 8)
            header = 12
        else:
            header = 8
        if length == _UNDEFINED or length > size - pos - header:
            return None
        if element == 0x0010:
            syntax = bytes(buffer[pos + header:pos + header + length]).rstrip(b"\0 ").decode("ascii")
        pos += header + length
    return _scan_dataset(buffer, pos, syntax)


def lean_dataset(data, transfer_syntax: str) -> LeanPart | None:
    """lean_part for a data set without File Meta Information, encoded in `transfer_syntax` (a C-STORE's, in
    its presentation context's transfer syntax): its LeanPart, or None when it must take the full path."""
    try:
        with memoryview(data) as buffer:
            return _scan_dataset(buffer, 0, str(transfer_syntax))
    except Exception:       # noqa: BLE001 - whatever it is, the full path judges the data set and says why
        return None


def _scan_dataset(buffer: memoryview, pos: int, syntax: str) -> LeanPart | None:
    """The data set in buffer[pos:] (after the File Meta Information, if any), encoded in `syntax`."""
    size = len(buffer)
    usable = _SYNTAXES.get(syntax)
    if usable is None:
        usable = _SYNTAXES.setdefault(syntax, bool(syntax) and _explicit_little(syntax))
    if not usable:
        return None
    uids: dict[str, str] = {}
    fragments: list[str] = []
    patient = None
    charset = b""
    previous = -1
    fragment_of = _FRAGMENTS.get
    while pos < size:
        if size - pos < 8:
            return None
        group, element, vr, length = _HEAD.unpack_from(buffer, pos)
        tag = group << 16 | element
        if tag <= previous or group == 0xFFFE or vr not in _KNOWN_VRS:
            return None
        previous = tag
        if tag in _STOP_TAGS:
            _walk(buffer, pos, size, False, "<", 0, until=None)       # the rest: its lengths only
            break
        begin = pos
        if vr in _LONG_VRS:
            if size - pos < 12:
                return None
            (length,) = _LONG.unpack_from(buffer, pos + 8)
            start = pos + 12
        else:
            start = pos + 8
        if length == _UNDEFINED:
            if vr != b"SQ":
                return None
            end = _items(buffer, start, size, False, "<", 0, "", None)
        else:
            end = start + length
            if end > size:
                return None
            if vr == b"SQ":
                _items(buffer, start, end, False, "<", 0, "", end)
        pos = end
        if group == 0x0002 or group == 0x7FE0 or group % 2:
            continue
        value = bytes(buffer[start:end])
        if tag == _CHARSET:
            charset = value
        name = _UIDS.get(tag)
        if name is not None:
            uids[name] = value.decode("ascii").rstrip("\0 ")
        if vr in _BULK_VRS and length > _INDEX_BULK_LIMIT and length != _UNDEFINED:
            continue
        key = (tag, vr, value, charset)
        fragment = fragment_of(key)
        if fragment is None:
            fragment = _plain_fragment(tag, vr, value)
            if fragment is None:
                fragment = _decoded_fragment(tag, bytes(buffer[begin:end]), charset)
            if len(_FRAGMENTS) >= _FRAGMENTS_LIMIT:
                _FRAGMENTS.clear()
            _FRAGMENTS[key] = fragment
        if fragment:
            fragments.append(fragment)
            if tag == _PATIENT_ID:
                patient = fragment
    return _finished(uids, patient, fragments, syntax)


def _finished(uids: dict, patient: str | None, fragments: list, syntax: str) -> LeanPart | None:
    if len(uids) != 4:
        return None
    for tag, name in _UIDS.items():
        value = uids[name]
        if "\\" in value or uid_problem(value, _UID_KEYWORDS[tag]):
            return None
    patient_id = ""
    if patient is not None:
        patient_id = _PATIENT_IDS.get(patient)
        if patient_id is None:
            # the index column as store._index_row takes it from the JSON: one LO value, else the full path
            found = json.loads("{" + patient + "}")["00100020"]
            if found.get("vr") != "LO" or len(found.get("Value", ())) > 1:
                return None
            patient_id = str((found.get("Value") or [""])[0] or "")
            if len(_PATIENT_IDS) >= _FRAGMENTS_LIMIT:
                _PATIENT_IDS.clear()
            _PATIENT_IDS[patient] = patient_id
    return LeanPart(uids["sop_class"], uids["sop_instance"], uids["study"], uids["series"], syntax, patient_id,
                    "{" + ", ".join(fragments) + "}")


_PATIENT_IDS: dict[str, str] = {}


def _plain_fragment(tag: int, vr: bytes, value: bytes) -> str | None:
    """The fragment of a single UI or IS value pydicom would give, made without it (they differ from instance
    to instance: the SOP Instance UID, the Instance Number), or None."""
    if vr == b"UI":
        text = value.rstrip(b"\0 ")
        if text and b"\\" not in text and text.isascii():
            return f'"{tag:08X}": {{"vr": "UI", "Value": ["{text.decode()}"]}}' if text.isdigit() or _UID_TEXT(
                text) else None
    elif vr == b"IS":
        text = value.strip(b" ")
        digits = text[1:] if text[:1] == b"-" else text
        if 0 < len(digits) and len(text) <= 12 and digits.isdigit():
            return f'"{tag:08X}": {{"vr": "IS", "Value": [{int(text)}]}}'
    return None


_UID_TEXT = re.compile(rb"[0-9.]+").fullmatch


def _decoded_fragment(tag: int, encoded: bytes, charset: bytes) -> str:
    """Decode one element through pydicom (with the data set's character set) into its index JSON fragment, and
    "" when the full path leaves it out. pydicom's errors reach lean_part: the part takes the full path."""
    from dicom_harness.simulators.store import _SKIPPED, _element_json
    head = b""
    if charset and tag != _CHARSET:
        padded = charset
        head = struct.pack("<HH2sH", 0x0008, 0x0005, b"CS", len(padded)) + padded
    dataset = read_dataset(BytesIO(head + encoded), is_implicit_VR=False, is_little_endian=True)
    raw = dataset._dict[tag]
    found = _element_json(dataset, tag, raw, repr(getattr(dataset._dict.get(_CHARSET), "value", None)))
    return "" if found is _SKIPPED else f'"{tag:08X}": {json.dumps(found)}'
