"""What the Query/Retrieve SCU tests read from a recording: the C-FIND, C-MOVE and C-GET requests of the
Query/Retrieve information models (a Modality Worklist C-FIND is not one), their Identifiers, and the levels of
PS3.4 C.6.1 (Patient Root) and C.6.2 (Study Root) with the attributes each level holds."""

import pydicom
from pydicom.multival import MultiValue

from dicom_harness.testing import NotVerified, associate_rq, qr_levels

PATIENT_ROOT, STUDY_ROOT, PATIENT_STUDY_ONLY = qr_levels.PATIENT_ROOT, qr_levels.STUDY_ROOT, qr_levels.PATIENT_STUDY_ONLY
LEVELS, UNIQUE_KEY, level_of = qr_levels.LEVELS, qr_levels.UNIQUE_KEY, qr_levels.level_of

_QR = "1.2.840.10008.5.1.4.1.2."
# SOP Class UID -> (information model, operation)
MODELS = {
    _QR + "1.1": (PATIENT_ROOT, "C-FIND"), _QR + "1.2": (PATIENT_ROOT, "C-MOVE"), _QR + "1.3": (PATIENT_ROOT, "C-GET"),
    _QR + "2.1": (STUDY_ROOT, "C-FIND"), _QR + "2.2": (STUDY_ROOT, "C-MOVE"), _QR + "2.3": (STUDY_ROOT, "C-GET"),
    _QR + "3.1": (PATIENT_STUDY_ONLY, "C-FIND"), _QR + "3.2": (PATIENT_STUDY_ONLY, "C-MOVE"),
    _QR + "3.3": (PATIENT_STUDY_ONLY, "C-GET"),
}
# Identifier attributes that are no key of any entity (PS3.4 C.4.1.1.3.1, C.4.2.1.4.1)
CONTROL = frozenset({"QueryRetrieveLevel", "QueryRetrieveView", "SpecificCharacterSet", "TimezoneOffsetFromUTC"})

ROLE_SELECTION, SOP_CLASS_EXTENDED = 0x54, 0x56       # user information sub-items (PS3.7 D.3.3.4, D.3.3.5)



def qr_requests(recording, command: str, evidence) -> list:
    """Every `command` ('C-FIND-RQ', 'C-MOVE-RQ', 'C-GET-RQ') of a Query/Retrieve information model."""
    found = [m for m in recording.messages_of(command) if model_of(m)]
    if not found:
        raise NotVerified(f"no Query/Retrieve {command} arrived while listening, so there is nothing to judge")
    for message in found:
        evidence.add("<", message.describe())
    return found


def model_of(message) -> str:
    uid = message.fields.get("AffectedSOPClassUID") or message.abstract_syntax
    return MODELS.get(str(uid), ("", ""))[0]


def identifier(recording, message):
    """The request's Identifier, or an AssertionError naming the message when none could be read."""
    if not message.dataset_file:
        raise AssertionError(f"message {message.number}: {message.command} without a readable Identifier "
                             f"({message.dataset_error or 'no data set'})")
    return pydicom.dcmread(recording.path(message))


def level(ds, model: str) -> str | None:
    """The Identifier's Query/Retrieve Level when it is one of the model's levels, else None."""
    value = str(ds.get("QueryRetrieveLevel", "") or "").strip()
    return value if value in LEVELS[model] else None


def levels_above(model: str, query_level: str) -> tuple[str, ...]:
    levels = LEVELS[model]
    return levels[:levels.index(query_level)]


def values(ds, keyword: str) -> list[str]:
    """The values of an attribute as text (none when absent or zero length)."""
    if keyword not in ds or ds[keyword].value is None:
        return []
    value = ds[keyword].value
    if isinstance(value, (list, tuple, MultiValue)):
        return [str(v) for v in value]
    return [str(value)] if str(value).strip() else []


def single_value_problem(ds, keyword: str) -> str:
    """Why the attribute does not hold one single value (Single Value Matching), or ''."""
    found = values(ds, keyword)
    if keyword not in ds:
        return f"{keyword} is absent"
    if not found:
        return f"{keyword} is empty (universal matching)"
    if len(found) > 1:
        return f"{keyword} holds {len(found)} values"
    if "*" in found[0] or "?" in found[0]:
        return f"{keyword} {found[0]!r} is a wildcard"
    return ""


def association_request(recording, number: int):
    """The parsed A-ASSOCIATE-RQ of association `number` (None when it cannot be read)."""
    for association in recording.associations:
        if association.number == number:
            try:
                return associate_rq.parse(association.request)
            except associate_rq.MalformedPdu:
                return None
    return None


def relational_proposed(request, sop_class: str) -> bool:
    """The A-ASSOCIATE-RQ offers relational-queries for this C-FIND SOP Class (PS3.4 C.5.1.1: byte 1 is 1); the
    listening PACS agrees whenever offered."""
    if request is None:
        return False
    for item in request.user_sub_items(SOP_CLASS_EXTENDED):
        uid, information = _uid_and_rest(item.value)
        if uid == sop_class and information[:1] == b"\x01":
            return True
    return False


def scp_roles(request) -> dict[str, bool]:
    """{SOP Class UID: SCP role proposed} from the SCP/SCU Role Selection sub-items (PS3.7 D.3.3.4.1)."""
    found = {}
    for item in request.user_sub_items(ROLE_SELECTION):
        uid, roles = _uid_and_rest(item.value)
        found[uid] = roles[1:2] == b"\x01"
    return found


def proposed_abstract_syntaxes(request) -> set[str]:
    found = set()
    for context in request.presentation_contexts:
        for child in context.children[:1]:
            if child.type == associate_rq.ABSTRACT_SYNTAX:
                found.add(child.text())
    return found


def _uid_and_rest(value: bytes) -> tuple[str, bytes]:
    length = int.from_bytes(value[:2], "big")
    return value[2:2 + length].decode("ascii", "replace").rstrip("\x00 "), value[2 + length:]
