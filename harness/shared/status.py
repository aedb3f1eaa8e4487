"""DIMSE status codes by name (PS3.7 Annex C, PS3.4 B.2.3) and their classes."""

from __future__ import annotations

from enum import IntEnum


class Status(IntEnum):
    SUCCESS = 0x0000
    PENDING = 0xFF00
    PENDING_WARNING = 0xFF01
    CANCEL = 0xFE00
    INVALID_ATTRIBUTE_VALUE = 0x0106       # PS3.7 C.4.2: N-CREATE of an MPPS not IN PROGRESS (PS3.4 F.7.2.1.3)
    PROCESSING_FAILURE = 0x0110
    NO_SUCH_OBJECT_INSTANCE = 0x0112       # PS3.7 C.4.4: N-SET of a step the SCP does not hold
    NO_SUCH_SOP_CLASS = 0x0118
    OUT_OF_RESOURCES = 0xA700
    MOVE_DESTINATION_UNKNOWN = 0xA801
    DATA_SET_DOES_NOT_MATCH_SOP_CLASS = 0xA900
    COERCION_OF_DATA_ELEMENTS = 0xB000
    ELEMENTS_DISCARDED = 0xB006
    WARNING_DATA_SET_DOES_NOT_MATCH_SOP_CLASS = 0xB007


def status_class(code: int) -> str:
    """Success, Warning, Failure, Cancel or Pending, as PS3.7 Annex C groups them."""
    if code == 0x0000:
        return "Success"
    if code in (0xFF00, 0xFF01):
        return "Pending"
    if code == 0xFE00:
        return "Cancel"
    if code == 0x0001 or (code & 0xF000) == 0xB000 or code == 0x0107 or code == 0x0116:
        return "Warning"
    return "Failure"


def describe(code: int | None) -> str:
    if code is None:
        return "no status"
    try:
        name = Status(code).name
    except ValueError:
        name = status_class(code).upper()
    return f"0x{code:04X} ({name})"


def is_defined_store_status(code: int) -> bool:
    """The C-STORE statuses of PS3.4 Table B.2-1 plus the general ones of PS3.7 9.1.1.1.9."""
    if code in (0x0000, 0xB000, 0xB006, 0xB007):
        return True
    high = code & 0xFF00
    if high in (0xA700, 0xA900) or (code & 0xF000) == 0xC000:
        return True
    return code in (0x0110, 0x0111, 0x0117, 0x0122, 0x0124, 0x0210, 0x0211, 0x0212)
