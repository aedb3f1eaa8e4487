"""Checks on what a peer sends, before a simulator trusts it: UID syntax (PS3.5 9.1), element lengths that fit
the data set (PS3.5 7.1), and a bound on how far a Deflated data set may inflate (PS3.5 A.5).

Each check answers None (fine) or a one-line reason, which the simulator puts in its refusal. They read the
encoded bytes (bytes, or an mmap of a file) without decoding values, so a hostile length or a compression bomb
never costs more memory than the bound."""

from __future__ import annotations

import mmap
import re
import struct
import zlib
from dataclasses import dataclass
from pathlib import Path

from pydicom.datadict import dictionary_VR
from pydicom.uid import UID

# Bounds, overridable per simulator (PacsSimulator(limits=...), DicomWebSimulator(limits=...)).
DEFAULT_MAX_INFLATED_BYTES = 256 * 1024 * 1024
_INFLATE_CHUNK = 1024 * 1024

_UID = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*")
_LENIENT_UID = re.compile(r"[0-9]+(\.[0-9]+)*")     # leading zeros in a component: old products send them


@dataclass(frozen=True)
class Limits:
    """What one peer may cost a simulator. Defaults are documented in README.md ("Limits")."""
    max_inflated_bytes: int = DEFAULT_MAX_INFLATED_BYTES    # a Deflated data set inflating further is refused
    max_associations: int = 32        # established DIMSE associations; more get A-ASSOCIATE-RJ (transient, 3-2)
    max_connections: int = 512        # open DICOM connections, negotiating ones included
    http_body_timeout: float = 30.0   # seconds an HTTP request body may pause before the request gets 408
    event_send_timeout: float = 5.0   # seconds one WebSocket subscriber may take to accept one event


def uid_problem(value: object, name: str = "UID") -> str | None:
    """Why `value` is not a UID of PS3.5 9.1 (digits and dots, no empty component, at most 64 characters), or
    None. Components with a leading zero are let through: the rule is broken by real products and harmless."""
    text = str(value) if value is not None else ""
    if not text:
        return f"{name} is empty"
    if len(text) > 64:
        return f"{name} is {len(text)} characters long (PS3.5 9.1: at most 64)"
    if not _LENIENT_UID.fullmatch(text):
        shown = text.encode("unicode_escape").decode("ascii")[:80]
        return f"{name} {shown!r} is not a UID (PS3.5 9.1: digits separated by single periods)"
    return None


def dataset_uid_problem(dataset) -> str | None:
    """The first UID among the ones that name the instance (and its series and study) that is not a UID."""
    for keyword in ("SOPInstanceUID", "SOPClassUID", "StudyInstanceUID", "SeriesInstanceUID"):
        if keyword in dataset:
            problem = uid_problem(dataset.get(keyword), keyword)
            if problem:
                return problem
    return None


# -- element lengths ------------------------------------------------------------------------------------------
_LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
_UNDEFINED = 0xFFFFFFFF
_ITEM, _ITEM_END, _SEQ_END = 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD
_MAX_DEPTH = 64


class _Bad(Exception):
    pass


def length_problem(buffer, implicit: bool, little: bool, start: int = 0) -> str | None:
    """Walk the encoded data set in buffer[start:] and say where an element's declared length does not fit
    (runs past its container, a sequence without its delimiter, an undefined length where none is allowed)."""
    try:
        _walk(buffer, start, len(buffer), implicit, "<" if little else ">", 0, until=None)
    except _Bad as exc:
        return str(exc)
    except (struct.error, IndexError, ValueError) as exc:  # pragma: no cover - the checks above come first
        return f"the data set cannot be parsed: {exc}"
    return None


def _tag(buffer, pos: int, order: str) -> int:
    group, element = struct.unpack_from(order + "HH", buffer, pos)
    return group << 16 | element


def _walk(buffer, pos: int, end: int, implicit: bool, order: str, depth: int, until: int | None) -> int:
    """Elements from pos to end (or to the delimiter `until`); returns the position after them."""
    if depth > _MAX_DEPTH:
        raise _Bad(f"sequences nested more than {_MAX_DEPTH} deep")
    while pos < end:
        if end - pos < 8:
            raise _Bad(f"{end - pos} stray bytes at offset {pos} (an element header takes 8)")
        tag = _tag(buffer, pos, order)
        if until is not None and tag == until:
            return pos + 8
        if tag >> 16 == 0xFFFE:
            raise _Bad(f"item tag ({tag >> 16:04X},{tag & 0xFFFF:04X}) at offset {pos} outside a sequence")
        if implicit:
            vr = None
            (length,) = struct.unpack_from(order + "L", buffer, pos + 4)
            header = 8
        else:
            vr = bytes(buffer[pos + 4:pos + 6])
            if not (len(vr) == 2 and vr.isalpha() and vr.isupper()):
                raise _Bad(f"element ({tag >> 16:04X},{tag & 0xFFFF:04X}) at offset {pos} has no VR ({vr!r})")
            if vr in _LONG_VRS:
                if end - pos < 12:
                    raise _Bad(f"element ({tag >> 16:04X},{tag & 0xFFFF:04X}) header cut short")
                (length,) = struct.unpack_from(order + "L", buffer, pos + 8)
                header = 12
            else:
                (length,) = struct.unpack_from(order + "H", buffer, pos + 6)
                header = 8
        name = f"({tag >> 16:04X},{tag & 0xFFFF:04X})"
        pos += header
        if length == _UNDEFINED:
            if vr in (b"OB", b"OW") and tag == 0x7FE00010:
                pos = _fragments(buffer, pos, end, order, name)
            elif vr in (None, b"SQ", b"UN"):
                pos = _items(buffer, pos, end, implicit, order, depth, name, None)
            else:
                raise _Bad(f"element {name} of VR {vr.decode()} declares an undefined length")
            continue
        if length > end - pos:
            raise _Bad(f"element {name} declares {length} bytes where {end - pos} remain")
        if vr == b"SQ" or (vr is None and _is_sequence(tag)):
            _items(buffer, pos, pos + length, implicit, order, depth, name, pos + length)
        pos += length
    if until is not None:
        raise _Bad("an item of undefined length ends without its delimiter")
    return pos


def _is_sequence(tag: int) -> bool:
    try:
        return dictionary_VR(tag) == "SQ"
    except KeyError:
        return False


def _items(buffer, pos: int, end: int, implicit: bool, order: str, depth: int, name: str,
           bounded: int | None) -> int:
    while pos < end:
        if end - pos < 8:
            break
        tag = _tag(buffer, pos, order)
        (length,) = struct.unpack_from(order + "L", buffer, pos + 4)
        pos += 8
        if tag == _SEQ_END and bounded is None:
            return pos
        if tag != _ITEM:
            raise _Bad(f"sequence {name} holds ({tag >> 16:04X},{tag & 0xFFFF:04X}) where an item belongs")
        if length == _UNDEFINED:
            pos = _walk(buffer, pos, end, implicit, order, depth + 1, until=_ITEM_END)
        elif length > end - pos:
            raise _Bad(f"an item of sequence {name} declares {length} bytes where {end - pos} remain")
        else:
            _walk(buffer, pos, pos + length, implicit, order, depth + 1, until=None)
            pos += length
    if bounded is None:
        raise _Bad(f"sequence {name} of undefined length ends without its delimiter")
    if pos != end:
        raise _Bad(f"sequence {name} ends inside an item header")
    return pos


def _fragments(buffer, pos: int, end: int, order: str, name: str) -> int:
    while end - pos >= 8:
        tag = _tag(buffer, pos, order)
        (length,) = struct.unpack_from(order + "L", buffer, pos + 4)
        pos += 8
        if tag == _SEQ_END:
            return pos
        if tag != _ITEM or length == _UNDEFINED or length > end - pos:
            raise _Bad(f"encapsulated {name}: a fragment at offset {pos - 8} does not fit")
        pos += length
    raise _Bad(f"encapsulated {name} ends without its sequence delimiter")


# -- Deflate ------------------------------------------------------------------------------------------------
def inflated_size_problem(deflated, limit: int) -> str | None:
    """Inflate in chunks, keeping nothing, and stop as soon as the output passes `limit`."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    total = 0
    try:
        with memoryview(deflated) as view:
            for at in range(0, len(view), _INFLATE_CHUNK):
                data = bytes(view[at:at + _INFLATE_CHUNK])
                while data:
                    total += len(inflater.decompress(data, _INFLATE_CHUNK))
                    if total > limit:
                        return f"the Deflated data set inflates beyond {limit} bytes (the simulator's bound)"
                    data = inflater.unconsumed_tail
        total += len(inflater.flush())
    except zlib.error as exc:
        return f"the Deflated data set cannot be inflated: {exc}"
    if total > limit:
        return f"the Deflated data set inflates beyond {limit} bytes (the simulator's bound)"
    return None


def inflate(deflated) -> bytes:
    return zlib.decompress(bytes(deflated), -zlib.MAX_WBITS)


TOO_LARGE, NOT_UNDERSTOOD = "too large", "not understood"


def encoded_dataset_problem(buffer, transfer_syntax: str, limits: Limits,
                            start: int = 0) -> tuple[str, str] | None:
    """The checks for an encoded data set in `transfer_syntax`, the inflation bound first, then the lengths:
    None, or (TOO_LARGE or NOT_UNDERSTOOD, a one-line reason)."""
    syntax = UID(transfer_syntax)
    if syntax.is_deflated:
        with memoryview(buffer) as whole, whole[start:] as body:
            problem = inflated_size_problem(body, limits.max_inflated_bytes)
            if problem:
                return (NOT_UNDERSTOOD if "cannot be inflated" in problem else TOO_LARGE), problem
            problem = length_problem(inflate(body), implicit=False, little=True)
    elif not syntax.is_transfer_syntax:
        return None     # unknown to us: the decoder says what it makes of it
    else:
        problem = length_problem(buffer, syntax.is_implicit_VR, syntax.is_little_endian, start)
    return (NOT_UNDERSTOOD, problem) if problem else None


def part10_problem(path: str | Path, limits: Limits) -> str | None:
    """The checks for a Part 10 file on disk (a STOW-RS part), read through mmap: memory stays bounded."""
    with open(path, "rb") as handle:
        try:
            buffer = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:
            return None     # empty file: the reader says what is wrong with it
        with buffer:
            if len(buffer) < 132 or buffer[128:132] != b"DICM":
                return None
            pos = 132
            syntax = ""
            while len(buffer) - pos >= 8 and struct.unpack_from("<H", buffer, pos)[0] == 0x0002:
                tag = _tag(buffer, pos, "<")
                vr = bytes(buffer[pos + 4:pos + 6])
                if vr in _LONG_VRS:
                    if len(buffer) - pos < 12:
                        return "the File Meta Information is cut short"
                    (length,) = struct.unpack_from("<L", buffer, pos + 8)
                    header = 12
                else:
                    (length,) = struct.unpack_from("<H", buffer, pos + 6)
                    header = 8
                if length == _UNDEFINED or length > len(buffer) - pos - header:
                    return f"File Meta element ({tag >> 16:04X},{tag & 0xFFFF:04X}) declares {length} bytes"
                if tag == 0x00020010:
                    syntax = bytes(buffer[pos + header:pos + header + length]).rstrip(b"\0 ").decode("ascii",
                                                                                                      "replace")
                pos += header + length
            if not syntax:
                return None
            return encoded_dataset_problem(buffer, syntax, limits, start=pos)
