"""The DICOM JSON Model (PS3.18 Annex F.2) as one shared verifier: every rule a reader can check on a JSON
object without knowing what was stored, each finding tagged with its rule, so a test can judge one requirement
at a time (QIDO search results, WADO-RS metadata).

Rules (the finding's `rule`, with its clause):
- model:        F.2.1, F.2.2  keys of 8 upper-case hex digits; an object with a vr; at most one of Value,
                              BulkDataURI, InlineBinary; Value an array, never for OB/OD/OF/OL/OV/OW/UN;
                              BulkDataURI and InlineBinary only for the VRs F.2.2 lists, and strings
- vr:           F.2.2, F.2.3  vr is the attribute's VR in the data dictionary (private, unknown and group
                              length tags excepted; a dictionary entry "US or SS" accepts either)
- value-type:   F.2.3         the JSON type Table F.2.3-1 gives the VR: strings for string VRs (AT as 8 hex
                              digits, no backslash-joined values), numbers for FL/FD/SL/SS/UL/US, IS/DS/SV/UV
                              as numbers or as valid IS/DS/integer strings, SQ items as objects
- pn:           F.2.2         PN values are objects of component groups (Alphabetic, Ideographic, Phonetic)
                              whose values are strings
- empty:        F.2.5         an empty attribute has no Value (nor "Value": [], [""], [null]); an empty
                              sequence may be [] (its length is not always 0)
- group-length: F.2.2         no Group Length (gggg,0000) attribute
Null values inside a Value array are allowed (F.2.5)."""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterable
from dataclasses import dataclass

from pydicom.datadict import dictionary_VR

RULE_CLAUSES = {
    "model": "PS3.18 F.2.1, F.2.2",
    "vr": "PS3.18 F.2.2, F.2.3",
    "value-type": "PS3.18 F.2.3 (Table F.2.3-1)",
    "pn": "PS3.18 F.2.2, Table F.2.3-1",
    "empty": "PS3.18 F.2.5",
    "group-length": "PS3.18 F.2.2",
}

STRING_VRS = frozenset({"AE", "AS", "CS", "DA", "DT", "LO", "LT", "SH", "ST", "TM", "UC", "UI", "UR", "UT"})
NUMBER_VRS = frozenset({"FL", "FD", "SL", "SS", "UL", "US"})
NUMBER_OR_STRING_VRS = frozenset({"IS", "DS", "SV", "UV"})
BINARY_VRS = frozenset({"OB", "OD", "OF", "OL", "OV", "OW", "UN"})
ALL_VRS = STRING_VRS | NUMBER_VRS | NUMBER_OR_STRING_VRS | BINARY_VRS | {"AT", "PN", "SQ"}
# F.2.2: the VRs a BulkDataURI and an InlineBinary may stand for
BULKDATA_VRS = frozenset({"DS", "FL", "FD", "IS", "LT", "OB", "OD", "OF", "OL", "OV", "OW", "SL", "SS", "ST",
                          "SV", "UC", "UL", "UN", "US", "UT", "UV"})
INLINE_BINARY_VRS = BINARY_VRS
TEXT_VRS = frozenset({"LT", "ST", "UT"})       # single-valued texts, where a backslash is a character
PN_GROUPS = frozenset({"Alphabetic", "Ideographic", "Phonetic"})
PAYLOAD_KEYS = ("Value", "BulkDataURI", "InlineBinary")

TAG = re.compile(r"^[0-9A-F]{8}$")
IS_TEXT = re.compile(r"^ *[+-]?[0-9]+ *$")                                    # PS3.5 6.2, at most 12 bytes
DS_TEXT = re.compile(r"^ *[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)? *$")  # PS3.5 6.2, at most 16
INTEGER_TEXT = re.compile(r"^[+-]?[0-9]+$")


@dataclass(frozen=True)
class JsonFinding:
    rule: str           # one of RULE_CLAUSES
    where: str          # the attribute's path, e.g. "00081115[0].0020000E"
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text}"


def dictionary_vrs(tag: int) -> frozenset[str] | None:
    """The VRs the data dictionary allows a tag ("US or SS" gives both); None for private, unknown and group
    length tags, whose VR only the sender knows."""
    if tag >> 16 & 1 or tag & 0xFFFF == 0:
        return None
    try:
        return frozenset(v.strip() for v in dictionary_VR(tag).split(" or "))
    except KeyError:
        return None


def json_model_findings(item, where: str = "") -> list[JsonFinding]:
    """Every departure of one DICOM JSON Model object (a data set) from Annex F.2, nested sequences included."""
    if not isinstance(item, dict):
        return [JsonFinding("model", where or "(data set)",
                            f"expected a JSON object, observed {type(item).__name__} {item!r:.60}")]
    found: list[JsonFinding] = []
    for key, entry in item.items():
        found += _attribute_findings(key, entry, f"{where}{key}")
    return found


def _attribute_findings(key: str, entry, at: str) -> list[JsonFinding]:
    def finding(rule: str, text: str) -> JsonFinding:
        return JsonFinding(rule, at, text)

    if not TAG.match(key):
        return [finding("model", "the attribute name is not 8 upper-case hexadecimal digits")]
    tag = int(key, 16)
    found = []
    if tag & 0xFFFF == 0:
        found.append(finding("group-length", "a Group Length attribute, which shall not be included"))
    if not isinstance(entry, dict) or not isinstance(entry.get("vr"), str):
        return found + [finding("model", f"expected an object with a vr string, observed {entry!r:.80}")]
    vr = entry["vr"]
    if vr not in ALL_VRS:
        return found + [finding("vr", f"vr {vr!r} is not a DICOM Value Representation")]
    expected = dictionary_vrs(tag)
    if expected is not None and vr not in expected:
        found.append(finding("vr", f"vr {vr!r}, but the attribute's VR is {' or '.join(sorted(expected))}"))
    payload = [k for k in PAYLOAD_KEYS if k in entry]
    if len(payload) > 1:
        found.append(finding("model", f"carries {' and '.join(payload)}; at most one of them is allowed"))
    if "BulkDataURI" in entry:
        if vr not in BULKDATA_VRS:
            found.append(finding("model", f"a BulkDataURI for vr {vr}, which F.2.2 does not list"))
        if not isinstance(entry["BulkDataURI"], str):
            found.append(finding("model", f"BulkDataURI is not a string: {entry['BulkDataURI']!r:.60}"))
    if "InlineBinary" in entry:
        found += _inline_binary_findings(vr, entry["InlineBinary"], finding)
    if "Value" in entry:
        found += _value_findings(vr, entry["Value"], at, finding)
    return found


def _inline_binary_findings(vr: str, data, finding) -> list[JsonFinding]:
    found = []
    if vr not in INLINE_BINARY_VRS:
        found.append(finding("model", f"an InlineBinary for vr {vr}, which F.2.2 does not list"))
    if not isinstance(data, str):
        return found + [finding("model", f"InlineBinary is not a string: {data!r:.60}")]
    try:
        base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        found.append(finding("model", f"InlineBinary is not base64: {data[:40]!r}"))
    return found


def _value_findings(vr: str, value, at: str, finding) -> list[JsonFinding]:
    if not isinstance(value, list):
        return [finding("model", f"Value is not an array: {value!r:.60}")]
    if vr in BINARY_VRS:
        return [finding("model", f"a Value for vr {vr}, which only a BulkDataURI or an InlineBinary may carry")]
    if vr != "SQ" and all(v is None or v == "" or (vr == "PN" and v == {}) for v in value):
        return [finding("empty", f"an empty attribute encoded as \"Value\": {value!r:.40}; it shall have no Value")]
    found = []
    for index, element in enumerate(value):
        if element is None:
            continue                # F.2.5: an empty value among several
        problem = _element_problem(vr, element)
        if problem:
            found.append(finding("pn" if vr == "PN" else "value-type", f"value {index + 1}: {problem}"))
        if vr == "SQ" and isinstance(element, dict):
            found += json_model_findings(element, f"{at}[{index}].")
    return found


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _element_problem(vr: str, value) -> str | None:
    """Why one element of a Value array does not have the JSON type Table F.2.3-1 gives its VR; None if it does."""
    shown = f"{value!r:.60}"
    if vr == "SQ":
        return None if isinstance(value, dict) else f"a sequence item must be a JSON object, observed {shown}"
    if vr == "PN":
        if not isinstance(value, dict):
            return f"a Person Name must be an object of component groups, observed {shown}"
        strays = sorted(set(value) - PN_GROUPS)
        if strays:
            return f"Person Name component groups are Alphabetic, Ideographic, Phonetic; observed {strays}"
        if not all(isinstance(v, str) for v in value.values()):
            return f"Person Name component groups must be strings, observed {shown}"
        return None
    if vr in STRING_VRS or vr == "AT":
        if not isinstance(value, str):
            return f"vr {vr} is a JSON String, observed {type(value).__name__} {shown}"
        if vr == "AT" and not TAG.match(value):
            return f"an AT value must be 8 upper-case hexadecimal digits, observed {shown}"
        if vr not in TEXT_VRS and "\\" in value:
            return f"a backslash joins several values into one string ({shown}); each value is its own element"
        return None
    if vr in NUMBER_VRS:
        return None if _is_number(value) else f"vr {vr} is a JSON Number, observed {type(value).__name__} {shown}"
    if vr == "IS":
        if _is_number(value):
            return None if float(value).is_integer() and abs(value) < 2**31 else f"not an IS integer: {shown}"
        if isinstance(value, str) and IS_TEXT.match(value) and len(value) <= 12 and abs(int(value)) < 2**31:
            return None
        return f"vr IS is a Number or a valid Integer String, observed {shown}"
    if vr == "DS":
        if _is_number(value) or (isinstance(value, str) and DS_TEXT.match(value) and len(value) <= 16):
            return None
        return f"vr DS is a Number or a valid Decimal String (at most 16 characters), observed {shown}"
    if vr in ("SV", "UV"):
        if (isinstance(value, int) and not isinstance(value, bool)) or (
                isinstance(value, str) and INTEGER_TEXT.match(value)):
            return None
        return f"vr {vr} is an integer Number or String, observed {shown}"
    return None


def assert_json_model(items: Iterable[dict] | dict, *rules: str, source: str = "") -> None:
    """FAIL (with every finding, up to ten) when a DICOM JSON object, or any of a list of them, breaks one of the
    given rules (all rules when none is given)."""
    unknown = set(rules) - set(RULE_CLAUSES)
    if unknown:
        raise ValueError(f"unknown DICOM JSON rule(s) {sorted(unknown)}; known: {sorted(RULE_CLAUSES)}")
    wanted = set(rules or RULE_CLAUSES)
    objects = [items] if isinstance(items, dict) else list(items)
    found = [f for number, item in enumerate(objects, 1)
             for f in json_model_findings(item, f"[{number}] " if len(objects) > 1 else "")
             if f.rule in wanted]
    if found:
        clauses = "; ".join(sorted({RULE_CLAUSES[f.rule] for f in found}))
        shown = "; ".join(str(f) for f in found[:10]) + (f"; ... {len(found) - 10} more" if len(found) > 10 else "")
        raise AssertionError(f"{source + ': ' if source else ''}the DICOM JSON breaks {clauses}: {shown}")
