"""One matching engine for C-FIND, Modality Worklist, QIDO-RS and UPS search (PS3.4 C.2.2.2).

A query is a pydicom Dataset of keys; a candidate is the Dataset of a stored object. Every non-empty key is a
matching key; empty keys are universal (return keys only). Kinds of matching: single value, universal,
wildcard (* and ?), list of UIDs, range (DA, TM, DT), sequence matching. PN matching is case-insensitive when
asked for (fuzzy / PN rules vary by product, so it is a switch).

An entity with no value for a matching key (absent or zero length) is where the services differ, so it is a
switch too: Query/Retrieve (PS3.4 C.2.2.1.2, "all matching against the zero length Required Key shall be
considered a successful match") and QIDO-RS, whose matching is C-FIND's (PS3.18 8.3.4.1.1), match it
(unknown_matches=True); Modality Worklist (PS3.4 K.2.2.1.1.1, "the unknown value shall fail to match any
Matching Key value") does not, except by a lone '*' (K.2.2.1.1.1 note 1; C.2.2.2.4: '*' matches "any
sequence of characters (including a zero length value)"). UPS search (CC.2.6) says nothing more than C.2.2.2
and keeps the default."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

# Keys that steer the query rather than select: never matched.
IGNORED = {"QueryRetrieveLevel", "SpecificCharacterSet", "TimezoneOffsetFromUTC", "InstanceAvailability",
           "RetrieveAETitle"}
WILDCARD_VRS = {"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"}
RANGE_VRS = {"DA", "TM", "DT"}


@dataclass(frozen=True)
class MatchOptions:
    pn_case_insensitive: bool = False
    # An entity whose value for a matching key is unknown (absent or zero length) matches it (PS3.4 C.2.2.1.2)
    unknown_matches: bool = False
    # A fault switch (wildcard-question-optional): '?' also matches no character at all
    question_mark_optional: bool = False
    # Pairs of (date, time) keywords whose ranges are one period when both are given (Modality Worklist, Table
    # K.6-1: "the date range July 5 to July 7 and the time range 10am to 6pm specifies the time period starting on
    # July 5, 10am until July 7, 6pm"); a single value on one side is both ends of its range
    date_time_pairs: tuple[tuple[str, str], ...] = ()
    # Q/R combined date-time matching (PS3.4 C.2.2.2.5.4): a pair is one period only when both keys are ranges "of
    # the same form" (closed, from, until); otherwise the two keys are matched apart
    same_form_only: bool = False


DEFAULT = MatchOptions()


def matches(query: Dataset, candidate: Dataset, options: MatchOptions = DEFAULT) -> bool:
    """True when every matching key of the query matches the candidate."""
    combined = set()
    for date_keyword, time_keyword in options.date_time_pairs:
        date_key, time_key = str(query.get(date_keyword, "") or ""), str(query.get(time_keyword, "") or "")
        if options.same_form_only and not ("-" in date_key and "-" in time_key
                                           and _range_form(date_key) == _range_form(time_key)):
            continue
        if date_key and time_key and ("-" in date_key or "-" in time_key):
            date, time = str(candidate.get(date_keyword, "") or ""), str(candidate.get(time_keyword, "") or "")
            if not date or not time or not _period_matches(date_key, time_key, date, time):
                return False
            combined.update((date_keyword, time_keyword))
    for element in query:
        keyword = element.keyword
        if keyword in IGNORED or keyword in combined or element.tag.group == 0x0002 or element.tag.element == 0:
            continue
        if element.VR == "SQ":
            if not _sequence_matches(element.value, candidate.get(element.tag), options):
                return False
            continue
        if _is_universal(element.value):
            continue
        found = candidate.get(element.tag)
        if found is None or _is_universal(found.value):
            if options.unknown_matches or (element.VR in WILDCARD_VRS and element.value == "*"):
                continue
            return False
        if not _element_matches(element.VR, element.value, found.value, options):
            return False
    return True


def _range_form(key: str) -> str:
    low, _, high = key.strip().partition("-")
    return "closed" if low and high else "from" if low else "until"


def _is_universal(value) -> bool:
    if value is None or value == "" or value == b"":
        return True
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return len(value) == 0 or all(v in (None, "") for v in value)
    return str(value) == ""


def _values(value) -> list[str]:
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return [str(v) for v in value]
    return [str(value)]


def _element_matches(vr: str, wanted, found, options: MatchOptions) -> bool:
    wanted_values = _values(wanted)
    found_values = _values(found)
    if vr == "UI":
        return any(f in wanted_values for f in found_values)       # list of UID matching
    if vr in RANGE_VRS:
        return any(_range_matches(vr, w, f) for w in wanted_values for f in found_values)
    case_insensitive = vr == "PN" and options.pn_case_insensitive
    for w in wanted_values:
        for f in found_values:
            if vr in WILDCARD_VRS and ("*" in w or "?" in w):
                if _wildcard(w, case_insensitive, options.question_mark_optional).fullmatch(f.rstrip(" ") if vr != "PN" else f):
                    return True
            elif (w.lower() == f.lower()) if case_insensitive else (w == f.rstrip(" ") or w == f):
                return True
    return False


@lru_cache(maxsize=512)
def _wildcard(pattern: str, case_insensitive: bool, question_optional: bool = False) -> re.Pattern:
    question = ".?" if question_optional else "."
    body = "".join(".*" if c == "*" else question if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.IGNORECASE | re.DOTALL if case_insensitive else re.DOTALL)


def _normalise(vr: str, value: str, upper: bool) -> str:
    """Comparable text for DA (YYYYMMDD), TM (HHMMSS.ffffff) and DT (concatenated)."""
    value = value.strip().replace(":", "") if vr == "TM" else value.strip()
    if vr == "TM":
        whole, _, fraction = value.partition(".")
        filler = "9" if upper else "0"
        whole = whole.ljust(6, filler)
        fraction = fraction.ljust(6, filler if upper else "0")
        return f"{whole}.{fraction}"
    if vr == "DT":
        value = re.split(r"[+-]", value, maxsplit=1)[0] if len(value) > 8 else value
        return value.ljust(20, "9" if upper else "0")
    return value


def _range_matches(vr: str, wanted: str, found: str) -> bool:
    if "-" not in wanted or (vr == "DT" and wanted.count("-") == 0):
        return _normalise(vr, found, False) == _normalise(vr, wanted, False) or found.startswith(wanted)
    low, _, high = wanted.partition("-")
    value_low, value_high = _normalise(vr, found, False), _normalise(vr, found, True)
    if low and value_high < _normalise(vr, low, False):
        return False
    if high and value_low > _normalise(vr, high, True):
        return False
    return True


def _period_matches(date_key: str, time_key: str, date: str, time: str) -> bool:
    """A date and a time range as one period (a single value being both ends; an end without its time is the
    whole day; one without its date is open)."""
    date_low, _, date_high = date_key.partition("-") if "-" in date_key else (date_key, "", date_key)
    time_low, _, time_high = time_key.partition("-") if "-" in time_key else (time_key, "", time_key)
    moment = _normalise("DT", date.strip() + _normalise("TM", time, False).replace(".", ""), False)
    if date_low and moment < _normalise("DT", date_low.strip() + _normalise("TM", time_low or "0", False).replace(".", ""),
                                        False):
        return False
    if date_high:
        end = date_high.strip() + (_normalise("TM", time_high, True).replace(".", "") if time_high else "235959999999")
        if moment > _normalise("DT", end, True):
            return False
    return True


def _sequence_matches(query_items: Sequence, found, options: MatchOptions) -> bool:
    if not query_items or all(len(item) == 0 for item in query_items):
        return True          # universal sequence key: return key only
    if found is None or not found.value:
        return False
    item = query_items[0]
    return any(matches(item, candidate, options) for candidate in found.value)
