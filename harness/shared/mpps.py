"""Modality Performed Procedure Step words both sides use (PS3.4 Annex F.7): states, and the state table the
SCP follows (PS3.4 Table F.1-4 with the N-CREATE and N-SET rules of F.7.2)."""

from __future__ import annotations

from dataclasses import dataclass

from dicom_harness.shared.status import Status

# Performed Procedure Step Status (0040,0252), PS3.4 F.7.2.1
IN_PROGRESS, COMPLETED, DISCONTINUED = "IN PROGRESS", "COMPLETED", "DISCONTINUED"
FINAL_STATES = (COMPLETED, DISCONTINUED)

# PS3.4 Table F.7.2-2: the Error ID sent with Processing failure when the step is already final
ERROR_ID_NO_LONGER_UPDATABLE = 0xA710
NO_LONGER_UPDATABLE_COMMENT = "Performed Procedure Step Object may no longer be updated"


# -- the state table ---------------------------------------------------------------------------------------------
# Table F.1-4 gives only IN PROGRESS -> COMPLETED and IN PROGRESS -> DISCONTINUED; F.7.2.1.3 and F.7.2.2.3 say
# what is refused, and PS3.7 10.1 with which status. One row per event, one column per state of the instance.
NOT_CREATED = "(no such step)"
STATES = (NOT_CREATED, IN_PROGRESS, COMPLETED, DISCONTINUED)

# The events: the operation and the Performed Procedure Step Status it asks for (an N-SET without one asks to
# stay as it is). OTHER: any other value.
OTHER = "(another value)"
CREATE_IN_PROGRESS = ("N-CREATE", IN_PROGRESS)
CREATE_OTHER = ("N-CREATE", OTHER)
SET_IN_PROGRESS = ("N-SET", IN_PROGRESS)
SET_COMPLETED = ("N-SET", COMPLETED)
SET_DISCONTINUED = ("N-SET", DISCONTINUED)
SET_OTHER = ("N-SET", OTHER)


@dataclass(frozen=True)
class Change:
    """Accepted: the step is (or stays) in this state."""
    to: str
    final_state_check: bool = False     # Table F.7.2-1 Final State attributes need values first (else 0121)


@dataclass(frozen=True)
class Refuse:
    """Refused with this status (and, for a final step, the Error ID and Comment of Table F.7.2-2)."""
    status: Status
    error_id: int | None = None
    error_comment: str = ""


_INVALID = Refuse(Status.INVALID_ATTRIBUTE_VALUE)          # 0106, F.7.2.1.3
_DUPLICATE = Refuse(Status.DUPLICATE_SOP_INSTANCE)          # 0111, PS3.7 10.1.5.1.6
_NO_SUCH_STEP = Refuse(Status.NO_SUCH_OBJECT_INSTANCE)      # 0112, PS3.7 10.1.3.1.9
_FINAL = Refuse(Status.PROCESSING_FAILURE, ERROR_ID_NO_LONGER_UPDATABLE, NO_LONGER_UPDATABLE_COMMENT)  # F.7.2.2.3

_TABLE = {  # event: (does not exist, IN PROGRESS, COMPLETED, DISCONTINUED)
    CREATE_IN_PROGRESS: (Change(IN_PROGRESS), _DUPLICATE, _DUPLICATE, _DUPLICATE),
    CREATE_OTHER: (_INVALID, _INVALID, _INVALID, _INVALID),
    SET_IN_PROGRESS: (_NO_SUCH_STEP, Change(IN_PROGRESS), _FINAL, _FINAL),
    SET_COMPLETED: (_NO_SUCH_STEP, Change(COMPLETED, final_state_check=True), _FINAL, _FINAL),
    SET_DISCONTINUED: (_NO_SUCH_STEP, Change(DISCONTINUED, final_state_check=True), _FINAL, _FINAL),
    SET_OTHER: (_NO_SUCH_STEP, _INVALID, _FINAL, _FINAL),
}
TRANSITIONS: dict[tuple[str, tuple[str, str]], Change | Refuse] = {
    (state, event): outcome for event, row in _TABLE.items() for state, outcome in zip(STATES, row, strict=True)}


def event(operation: str, requested_status: str) -> tuple[str, str]:
    """The row for an N-CREATE or N-SET asking for this Performed Procedure Step Status."""
    allowed = (IN_PROGRESS,) if operation == "N-CREATE" else (IN_PROGRESS, *FINAL_STATES)
    return (operation, requested_status if requested_status in allowed else OTHER)


def transition(state: str, operation: str, requested_status: str) -> Change | Refuse:
    return TRANSITIONS[(state, event(operation, requested_status))]
