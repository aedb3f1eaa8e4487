"""Undecodable data sets for the robustness suite: a valid data set's Explicit VR Little Endian encoding, cut
inside one element's value, or ending after one element whose declared length runs past what is left. The choice
(element index, how, amount) is drawn by hypothesis from the run's seed; index and amount are taken modulo what
the data set offers, so every draw gives bytes no reader can decode."""

from __future__ import annotations

import struct

from hypothesis import strategies as st

LONG_VRS = {b"OB", b"OD", b"OF", b"OL", b"OV", b"OW", b"SQ", b"SV", b"UC", b"UN", b"UR", b"UT", b"UV"}
# (element index, how, amount): the index and amount are taken modulo what the data set offers
CORRUPTIONS = st.tuples(st.integers(0, 10_000), st.sampled_from(["cut", "overlong"]), st.integers(1, 1_000_000))
EXPLICIT = [(0, "cut", 1), (-1, "cut", 7), (3, "overlong", 1), (-1, "overlong", 4096)]


def _elements(data: bytes) -> list[tuple[int, int, int, int]]:
    """(start, length field offset, length field size, value end) of each top-level element of an Explicit VR
    Little Endian data set, up to the first of undefined length (whose end a walk this simple does not know)."""
    found, at = [], 0
    while at + 8 <= len(data):
        vr = data[at + 4:at + 6]
        if vr in LONG_VRS:
            length = struct.unpack("<I", data[at + 8:at + 12])[0]
            where, size, value = at + 8, 4, at + 12
        else:
            length = struct.unpack("<H", data[at + 6:at + 8])[0]
            where, size, value = at + 6, 2, at + 8
        if length == 0xFFFFFFFF:
            break
        found.append((at, where, size, value + length))
        at = value + length
    return found


def corrupted(data: bytes, index: int, how: str, amount: int) -> tuple[str, bytes]:
    """The data set made undecodable: 'cut' ends it inside one element's value (at least one byte of it
    missing); 'overlong' ends it after one element and declares that element's value longer than what is left.
    Returns (what was done, the bytes)."""
    elements = [e for e in _elements(data) if e[3] - (e[1] + e[2]) >= 2] if how == "cut" else _elements(data)
    start, where, size, end = elements[index % len(elements)]
    value = where + size
    tag = struct.unpack("<HH", data[start:start + 4])
    shown = f"({tag[0]:04X},{tag[1]:04X})"
    if how == "cut":
        cut = value + 1 + amount % (end - value - 1)
        return f"cut at byte {cut} of {len(data)}, inside the value of {shown} (ends at {end})", data[:cut]
    declared = (end - value) + 1 + amount % max(1, 0xFFFF - (end - value) - 1 if size == 2 else 1_000_000)
    packed = struct.pack("<H" if size == 2 else "<I", min(declared, 0xFFFF if size == 2 else 0xFFFFFFFE))
    declared = struct.unpack("<H" if size == 2 else "<I", packed)[0]
    return (f"ends after {shown}, whose length says {declared} bytes where {end - value} are left",
            data[:where] + packed + data[value:end])
