"""DIMSE status codes by name (PS3.7 Annex C, PS3.4 per service) and their classes.

One vocabulary for both sides: the suites check statuses by these names and the simulators answer with them.
Where PS3.4 gives one code two meanings in two services, the second name is an alias of the first (same
value); the classes come from pynetdicom's own table (`pynetdicom.status.code_to_category`)."""

from __future__ import annotations

from enum import IntEnum

from pynetdicom.status import STATUS_FAILURE, STATUS_UNKNOWN, code_to_category


class Status(IntEnum):
    # -- general (PS3.7 C.1 to C.3, 9.1.1.1.9 and 10.1.1.1.8) --------------------------------------------
    SUCCESS = 0x0000
    PENDING = 0xFF00
    PENDING_WARNING = 0xFF01            # Pending, some optional keys not supported (PS3.4 C.4.1.1.4)
    CANCEL = 0xFE00
    PROCESSING_FAILURE = 0x0110
    NO_SUCH_SOP_CLASS = 0x0118
    # -- C-STORE, PS3.4 B.2.3; C-FIND and C-MOVE, C.4.1.1.4 and C.4.2.1.5 -------------------------------
    OUT_OF_RESOURCES = 0xA700
    MOVE_DESTINATION_UNKNOWN = 0xA801
    DATA_SET_DOES_NOT_MATCH_SOP_CLASS = 0xA900
    COERCION_OF_DATA_ELEMENTS = 0xB000
    ELEMENTS_DISCARDED = 0xB006
    WARNING_DATA_SET_DOES_NOT_MATCH_SOP_CLASS = 0xB007
    # -- named for the simulators' answers (they read as "FAILURE" etc. in reports: see describe) ----------
    # DIMSE-N failures, PS3.7 10.1.1.1.8 (N-CREATE), 10.1.3 (N-SET), 10.1.4 (N-ACTION); also Failure
    # Reasons of Storage Commitment (PS3.3 C.14.1.1) and of the Store Instances response (PS3.18 I.2.2)
    INVALID_ATTRIBUTE_VALUE = 0x0106
    DUPLICATE_SOP_INSTANCE = 0x0111
    NO_SUCH_OBJECT_INSTANCE = 0x0112
    CLASS_INSTANCE_CONFLICT = 0x0119
    MISSING_ATTRIBUTE = 0x0120
    MISSING_ATTRIBUTE_VALUE = 0x0121
    SOP_CLASS_NOT_SUPPORTED = 0x0122
    NO_SUCH_ACTION_TYPE = 0x0123
    # C-FIND "Unable to process" (PS3.4 C.4.1.1.4, K.4.1.1.4); the same code is C-STORE's "Cannot understand"
    # (B.2.3), the start of the Cxxx range
    UNABLE_TO_PROCESS = 0xC000
    CANNOT_UNDERSTAND = 0xC000
    # C-FIND and C-GET: "Identifier does not match SOP Class" (PS3.4 C.4.1.1.4, C.4.3.1.4)
    IDENTIFIER_DOES_NOT_MATCH_SOP_CLASS = 0xA900
    # In the Cxxx "Cannot understand" range: pynetdicom's code for a data set it cannot decode
    CANNOT_UNDERSTAND_DATA_SET = 0xC210
    # In the Cxxx range: a STOW-RS instance of another study than the target URI's (PS3.18 I.2.2; the code
    # dcm4chee and Orthanc use)
    STUDY_INSTANCE_UID_MISMATCH = 0xC409
    # -- Unified Procedure Step, PS3.4 CC.2.1.4 (Change State) and CC.2.2.4 (Request Cancel) --------------
    UPS_ALREADY_CANCELED = 0xB304                   # Warning: already in the requested state of CANCELED
    UPS_ALREADY_COMPLETED = 0xB306                  # Warning: already in the requested state of COMPLETED
    UPS_MAY_NO_LONGER_BE_UPDATED = 0xC300
    UPS_TRANSACTION_UID_NOT_CORRECT = 0xC301        # the correct Transaction UID was not provided
    UPS_ALREADY_IN_PROGRESS = 0xC302
    UPS_SCHEDULED_ONLY_BY_CREATE = 0xC303           # may only become SCHEDULED via N-CREATE
    UPS_FINAL_STATE_REQUIREMENTS_NOT_MET = 0xC304
    UPS_DOES_NOT_EXIST = 0xC307                     # not a UPS Instance managed by this SCP
    UPS_NOT_YET_IN_PROGRESS = 0xC310
    UPS_CANCEL_REFUSED_COMPLETED = 0xC311           # Request Cancel: the UPS is already COMPLETED


# The codes reports have always shown by name; the others read as their class ("0xC000 (FAILURE)"), so that
# reports and the comparison of old and new runs say the same as before these names were added.
_NAMED_IN_REPORTS = frozenset({
    Status.SUCCESS, Status.PENDING, Status.PENDING_WARNING, Status.CANCEL, Status.PROCESSING_FAILURE,
    Status.NO_SUCH_SOP_CLASS, Status.OUT_OF_RESOURCES, Status.MOVE_DESTINATION_UNKNOWN,
    Status.DATA_SET_DOES_NOT_MATCH_SOP_CLASS, Status.COERCION_OF_DATA_ELEMENTS, Status.ELEMENTS_DISCARDED,
    Status.WARNING_DATA_SET_DOES_NOT_MATCH_SOP_CLASS,
})


def status_class(code: int) -> str:
    """Success, Warning, Failure, Cancel or Pending, as PS3.7 Annex C groups them; a code no service
    defines counts as a Failure."""
    category = code_to_category(code) if code >= 0 else STATUS_UNKNOWN
    return STATUS_FAILURE if category == STATUS_UNKNOWN else category


def describe(code: int | None) -> str:
    if code is None:
        return "no status"
    name = Status(code).name if code in _NAMED_IN_REPORTS else status_class(code).upper()
    return f"0x{code:04X} ({name})"


def is_defined_store_status(code: int) -> bool:
    """The C-STORE statuses of PS3.4 Table B.2-1 plus the general ones of PS3.7 9.1.1.1.9."""
    if code in (Status.SUCCESS, Status.COERCION_OF_DATA_ELEMENTS, Status.ELEMENTS_DISCARDED,
                Status.WARNING_DATA_SET_DOES_NOT_MATCH_SOP_CLASS):
        return True
    # Refused: Out of Resources (A7xx), Error: Data Set does not match SOP Class (A9xx), Cannot understand (Cxxx)
    if code & 0xFF00 in (Status.OUT_OF_RESOURCES, Status.DATA_SET_DOES_NOT_MATCH_SOP_CLASS):
        return True
    if code & 0xF000 == Status.CANNOT_UNDERSTAND:
        return True
    # PS3.7 9.1.1.1.9: Processing failure, Duplicate SOP Instance, Invalid object instance, SOP Class not
    # supported, Not authorized, Duplicate invocation, Unrecognized operation, Mistyped argument
    return code in (Status.PROCESSING_FAILURE, Status.DUPLICATE_SOP_INSTANCE, 0x0117, Status.SOP_CLASS_NOT_SUPPORTED,
                    0x0124, 0x0210, 0x0211, 0x0212)
