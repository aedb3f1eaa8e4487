"""A reference model of C-FIND attribute matching (PS3.4 C.2.2.1, C.2.2.2, C.2.2.3; Worklist K.2.2.1.1.1).

Where the simulators' engine (simulators/matching.py) has to pick one answer, this model says what the text
allows: for a stored value and a key, a conformant SCP MUST match, MUST NOT match, or MAY do either
(implementation dependent: PN case and accent, PN wild cards, reduced-precision times, optional keys the
SCP does not match on, the lone '*' against an unknown worklist value). Each judgement names the rule (the
requirement ID of the catalogue) that decides it, so a differential test can say which rule a target broke.

Pure functions over plain strings: a multi-valued value is backslash-separated, as on the wire; '' is zero
length. Combined date-time matching (agreed in extended negotiation) is judge_combined_date_time. Not modelled
(callers must not draw them): sequence keys (C.2.2.2.6), Timezone adjustment (needs extended negotiation),
fractional seconds, ranges whose first end is after the
second (C.2.2.2.5 defines only "<date1> is less or equal to <date2>"), multi-valued keys other than UI."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MUST, MUST_NOT, MAY = "must match", "must not match", "may match or not"

QR, WORKLIST = "query_retrieve", "worklist"
WILDCARD_VRS = frozenset({"AE", "CS", "LO", "LT", "PN", "SH", "ST", "UC", "UR", "UT"})
RANGE_VRS = frozenset({"DA", "TM", "DT"})


@dataclass(frozen=True)
class Judgement:
    verdict: str               # MUST, MUST_NOT or MAY
    rule: str                  # the requirement ID that decides it
    why: str                   # in words, for evidence

    def __str__(self) -> str:
        return f"{self.verdict} ({self.rule}: {self.why})"


@dataclass(frozen=True)
class EntityJudgement:
    verdict: str
    keys: dict[str, Judgement]          # keyword -> its judgement

    def rules(self, verdicts: Iterable[str] | None = None) -> list[str]:
        """The rules of the keys with one of these verdicts (all keys when None), in key order, once each."""
        wanted = set(verdicts) if verdicts is not None else None
        found = [j.rule for j in self.keys.values() if wanted is None or j.verdict in wanted]
        return list(dict.fromkeys(found))

    def explain(self) -> str:
        return "; ".join(f"{k}: {j}" for k, j in self.keys.items())


def both(*verdicts: str) -> str:
    """Kleene AND: an entity matches a query when every key matches."""
    if MUST_NOT in verdicts:
        return MUST_NOT
    if all(v == MUST for v in verdicts):
        return MUST
    return MAY


def _either(verdicts: Iterable[str]) -> str:
    """Kleene OR: a multi-valued attribute matches when any of its values does (C.2.2.3)."""
    verdicts = list(verdicts)
    if MUST in verdicts:
        return MUST
    if MAY in verdicts:
        return MAY
    return MUST_NOT


def _split(value: str) -> list[str]:
    return value.split("\\") if value else [""]


def _unpadded(vr: str, value: str) -> str:
    """Trailing spaces are padding in the string VRs (PS3.5 6.2); leading ones too in AE, CS, DA, DT, TM."""
    value = value.rstrip(" ")
    return value.lstrip(" ") if vr in ("AE", "CS", "DA", "DT", "TM") else value


def judge_key(vr: str, key: str, stored: str, *, service: str = QR, optional: bool = False,
              matched_on: bool = True) -> Judgement:
    """One key against one stored attribute value.

    optional: the key is an Optional Key (C.2.2.1.3); matched_on: the SCP says it supports matching on it.
    An optional key the SCP may not match on is "processed in the same manner as a zero length Required Key",
    so where the rules say MUST NOT, an SCP that ignores the key matches: MAY."""
    judgement = _judge(vr, key, stored, service)
    if optional and not matched_on and judgement.verdict == MUST_NOT:
        return Judgement(MAY, judgement.rule, judgement.why + "; an Optional Key the SCP may not match on "
                         "(C.2.2.1.3)")
    return judgement


def _judge(vr: str, key: str, stored: str, service: str) -> Judgement:
    if key == "":
        return Judgement(MUST, "QR-MATCH-UNIVERSAL", "a zero-length key matches every entity (C.2.2.2.3)")
    values = [_unpadded(vr, v) for v in _split(stored)]
    if all(v == "" for v in values):
        return _unknown(vr, key, service)
    judged = [_one_value(vr, key, v) for v in values if v != ""]
    verdict = _either(j.verdict for j in judged)
    best = next(j for j in judged if j.verdict == verdict)
    if len(values) > 1:
        return Judgement(verdict, best.rule, best.why + f" (one of {len(values)} values, C.2.2.3)")
    return best


def _unknown(vr: str, key: str, service: str) -> Judgement:
    if service == WORKLIST:
        if vr in WILDCARD_VRS and key == "*":
            return Judgement(MAY, "MWL-UNKNOWN-VALUE-FAILS", "a lone '*' against an unknown value: K.2.2.1.1.1 "
                             "fails it, its note 1 and C.2.2.2.4 note 1 (universal) reach it")
        return Judgement(MUST_NOT, "MWL-UNKNOWN-VALUE-FAILS",
                         "an unknown (zero-length) value fails to match any Matching Key value (K.2.2.1.1.1)")
    return Judgement(MUST, "QR-MATCH-UNKNOWN-VALUE",
                     "an unknown (zero-length) stored value matches any key value (C.2.2.1.2)")


def _one_value(vr: str, key: str, value: str) -> Judgement:
    if vr == "UI":
        listed = [k.strip(" \x00") for k in key.split("\\")]
        rule = "QR-MATCH-UID-LIST" if len(listed) > 1 else "QR-MATCH-SINGLE-VALUE"
        hit = value.rstrip("\x00") in listed
        return Judgement(MUST if hit else MUST_NOT, rule, f"{value} {'in' if hit else 'not in'} the UID list")
    if vr in RANGE_VRS:
        return _date_time(vr, key.strip(" "), value)
    if vr in WILDCARD_VRS and ("*" in key or "?" in key):
        return _wildcard(vr, key, value)
    if vr == "PN":
        return _person_name(key, value)
    same = _unpadded(vr, key) == value
    return Judgement(MUST if same else MUST_NOT, "QR-MATCH-SINGLE-VALUE",
                     f"{value!r} {'equals' if same else 'differs from'} {key!r} (exact, case-sensitive, C.2.2.2.1)")


def _wildcard(vr: str, key: str, value: str) -> Judgement:
    rule = "QR-MATCH-WILDCARD-QUESTION" if "?" in key and "*" not in key else "QR-MATCH-WILDCARD-STAR"
    pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in _unpadded(vr, key))
    hit = re.fullmatch(pattern, value, re.DOTALL) is not None
    if vr == "PN":
        return Judgement(MAY, rule, "Wild Card Matching of PN is implementation dependent (C.2.2.2.4)")
    return Judgement(MUST if hit else MUST_NOT, rule, f"{value!r} {'fits' if hit else 'does not fit'} {key!r} "
                     "('*' any sequence, '?' one character, case-sensitive, C.2.2.2.4)")


def _folded(name: str) -> str:
    """Case, accents and trailing empty components removed: what a PN match may ignore (C.2.2.2.1.1)."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\^=]+$", "", bare.casefold().rstrip(" "))


def _person_name(key: str, value: str) -> Judgement:
    if key.rstrip(" ") == value:
        return Judgement(MUST, "QR-MATCH-SINGLE-VALUE", f"{value!r} equals {key!r}")
    groups = value.split("=")
    if _folded(key) == _folded(value) or any(_folded(key) == _folded(g) for g in groups if g):
        return Judgement(MAY, "QR-MATCH-SINGLE-VALUE", f"{value!r} differs from {key!r} only in case, accent, "
                         "component groups or trailing delimiters: PN literal matching may ignore them (C.2.2.2.1.1)")
    return Judgement(MUST_NOT, "QR-MATCH-SINGLE-VALUE", f"{value!r} is not {key!r} in any reading (C.2.2.2.1.1)")


# -- dates and times ----------------------------------------------------------------------------------------
def _fill(vr: str, value: str, upper: bool) -> str:
    """A comparable string: DA YYYYMMDD; TM HHMMSS.ffffff; DT YYYYMMDDHHMMSS.ffffff, a reduced precision
    filled with the lowest (or, upper, the highest) value it covers."""
    value = value.replace(":", "") if vr == "TM" else value
    if vr == "DA":
        return value
    whole, _, fraction = value.partition(".")
    width = 6 if vr == "TM" else 14
    if vr == "DT":
        whole = whole[:14]
        low = "00000101000000"[len(whole):] if len(whole) < 8 else "000000"[max(len(whole) - 8, 0):]
        high = "99991231235959"[len(whole):] if len(whole) < 8 else "235959"[max(len(whole) - 8, 0):]
        whole = (whole + (high if upper else low))[:width]
    else:
        whole = whole + ("235959" if upper else "000000")[len(whole):]
    fraction = fraction + ("9" if upper and not fraction else "0") * (6 - len(fraction))
    return f"{whole}.{fraction[:6]}"


def _date_time(vr: str, key: str, value: str) -> Judgement:
    kind = {"DA": "DATE", "TM": "TIME", "DT": "DATETIME"}[vr]
    if "-" not in key or (vr == "DT" and re.fullmatch(r"\d+(\.\d+)?[+-]\d{4}", key)):
        same = key == value
        if same:
            return Judgement(MUST, "QR-MATCH-SINGLE-VALUE", f"{value!r} equals {key!r}")
        moment = _fill(vr, value, False)          # a stored value is a moment, zero-filled
        if _fill(vr, key, False) <= moment <= _fill(vr, key, True):
            return Judgement(MAY, "QR-MATCH-SINGLE-VALUE", f"{value!r} lies within {key!r}: single value "
                             "matching of dates and times is implementation dependent (C.2.2.2.1.3)")
        return Judgement(MUST_NOT, "QR-MATCH-SINGLE-VALUE", f"{value!r} is another {kind.lower()} than {key!r}")
    low, _, high = key.partition("-")
    rule = "QR-MATCH-TIME-RANGE" if vr == "TM" else (
        "QR-MATCH-DATE-RANGE" if low and high else "QR-MATCH-OPEN-DATE-RANGE") if vr == "DA" else "QR-MATCH-RANGE"
    moment = _fill(vr, value, False)              # a stored value is a moment, zero-filled
    verdicts = []
    if low:          # "<time1> and subsequent": from the first moment <time1> covers
        verdicts.append(MUST if moment >= _fill(vr, low, False) else MUST_NOT)
    if high:         # "prior to and including <time2>": surely up to its first moment, perhaps to its last
        end_low, end_high = _fill(vr, high, False), _fill(vr, high, True)
        verdicts.append(MUST if moment <= end_low else MAY if moment <= end_high else MUST_NOT)
    verdict = both(*verdicts)
    words = {MUST: "inside", MUST_NOT: "outside", MAY: "at the reduced-precision end of"}[verdict]
    return Judgement(verdict, rule, f"{value!r} is {words} the range {key!r} (inclusive, C.2.2.2.5)")


# -- entities -----------------------------------------------------------------------------------------------
def judge_entity(keys: Mapping[str, tuple[str, str]], entity: Mapping[str, str], *, service: str = QR,
                 optional: Iterable[str] = (), matched_on: Iterable[str] = ()) -> EntityJudgement:
    """keys: keyword -> (VR, key value); entity: keyword -> stored value ('' or absent: unknown).
    optional: the keywords that are Optional Keys; matched_on: those of them the SCP claims to match on."""
    optional, matched_on = set(optional), set(matched_on)
    judged = {k: judge_key(vr, value, entity.get(k, ""), service=service, optional=k in optional,
                           matched_on=k in matched_on) for k, (vr, value) in keys.items()}
    return EntityJudgement(both(*(j.verdict for j in judged.values())) if judged else MUST, judged)


# -- the Worklist's combined date and time (Table K.6-1) -----------------------------------------------------
def judge_date_time(date_key: str, time_key: str, date: str, time: str) -> Judgement:
    """Scheduled Procedure Step Start Date and Time keys together against a stored date and time.

    Both ranges: one period, from <date1><time1> to <date2><time2> (Table K.6-1, Start Time remark); an end
    without its date is open, an end without its time is the whole day. Only one of them a range: the text
    does not say, so where the combined period and the two keys taken apart disagree, either answer is
    allowed. Otherwise (no range) the two keys are judged apart. An unknown date or time: K.2.2.1.1.1."""
    date_key, time_key = date_key.strip(" "), time_key.strip(" ").replace(":", "")
    judged = [_judge("DA", date_key, date, WORKLIST), _judge("TM", time_key, time, WORKLIST)]
    apart = both(*(j.verdict for j in judged))
    rule = "MWL-MATCH-TIME-RANGE"
    if not date_key or not time_key or ("-" not in date_key and "-" not in time_key):
        return next(j for j in judged if j.verdict == apart)
    if not _unpadded("DA", date) or not _unpadded("TM", time):
        return _unknown("DA", date_key, WORKLIST)
    date_low, _, date_high = date_key.partition("-") if "-" in date_key else (date_key, "", date_key)
    time_low, _, time_high = time_key.partition("-") if "-" in time_key else (time_key, "", time_key)
    moment = _fill("DT", _unpadded("DA", date) + _unpadded("TM", time).replace(":", ""), False)
    verdicts = []
    if date_low:
        verdicts.append(MUST if moment >= _fill("DT", date_low + time_low, False) else MUST_NOT)
    if date_high:
        end_low = _fill("DT", date_high + time_high, False) if time_high else _fill("DT", date_high, True)
        end_high = _fill("DT", date_high + time_high, True) if time_high else end_low
        verdicts.append(MUST if moment <= end_low else MAY if moment <= end_high else MUST_NOT)
    combined = both(*verdicts)
    # the text's example has a date at each end of the period; a time end without its date is not covered by it
    covered = not ((time_low and not date_low) or (time_high and not date_high))
    if "-" in date_key and "-" in time_key and covered:
        why = "inside" if combined == MUST else "outside" if combined == MUST_NOT else "at the reduced-precision end of"
        return Judgement(combined, rule, f"{date} {time} is {why} the period {date_key} {time_key} (the date and "
                         "time ranges are one period, Table K.6-1)")
    if combined == apart:
        return Judgement(combined, rule, "the date and time keys as one period or apart: the same answer")
    return Judgement(MAY, rule, f"{date} {time} against {date_key} {time_key}: as one period or apart the answers "
                     "differ, and the text's example (a date at each end) does not choose (Table K.6-1)")


# -- Q/R combined date-time matching, once agreed in extended negotiation (C.2.2.2.5.4, C.5.1.1.2) ------------
def _range_form(key: str) -> str:
    low, _, high = key.partition("-")
    return "closed" if low and high else "from" if low else "until" if high else "universal"


def judge_combined_date_time(date_key: str, time_key: str, date: str, time: str) -> Judgement:
    """A DA key and its TM key (Study Date and Study Time) on an association that agreed combined date-time
    matching: when both are ranges of the same form they are "matched as if they were a single Attribute of VR DT"
    (C.2.2.2.5.4), <date1><time1> to <date2><time2>; otherwise each is judged on its own (C.2.2.2.5.1-2). An
    unknown stored date or time in the combined form: the text does not say, either answer is allowed."""
    date_key, time_key = date_key.strip(" "), time_key.strip(" ").replace(":", "")
    apart = [_judge("DA", date_key, date, QR), _judge("TM", time_key, time, QR)]
    verdict = both(*(j.verdict for j in apart))
    if "-" not in date_key or "-" not in time_key or _range_form(date_key) != _range_form(time_key):
        return next(j for j in apart if j.verdict == verdict)
    rule = "QR-MATCH-COMBINED-DATETIME"
    date, time = _unpadded("DA", date), _unpadded("TM", time).replace(":", "")
    if not date or not time:
        return Judgement(MAY, rule, f"stored date {date!r} time {time!r}: an unknown part of a combined date-time "
                         "(C.2.2.2.5.4 does not say)")
    date_low, _, date_high = date_key.partition("-")
    time_low, _, time_high = time_key.partition("-")
    moment = _fill("DT", date + _fill("TM", time, False).split(".")[0], False)
    verdicts = []
    if date_low:
        verdicts.append(MUST if moment >= _fill("DT", date_low + time_low, False) else MUST_NOT)
    if date_high:
        end_low, end_high = _fill("DT", date_high + time_high, False), _fill("DT", date_high + time_high, True)
        verdicts.append(MUST if moment <= end_low else MAY if moment <= end_high else MUST_NOT)
    combined = both(*verdicts)
    words = {MUST: "inside", MUST_NOT: "outside", MAY: "at the reduced-precision end of"}[combined]
    return Judgement(combined, rule, f"{date} {time} is {words} the period {date_key} {time_key} (one DT range, "
                     "C.2.2.2.5.4)")


def allows(judgement: EntityJudgement | Judgement, matched: bool) -> bool:
    """Whether the target's answer (matched or not) is one the text allows."""
    return judgement.verdict == MAY or (judgement.verdict == MUST) == matched


# -- character sets (PS3.4 C.2.2.2: Specific Character Set in the Identifier) ------------------------------------
CHARSET_RULE = "QR-MATCH-CHARSET"
DEFAULT_REPERTOIRE = ("", "ISO_IR 6")


def _charset(value: str) -> str:
    return value.strip(" ") if value.strip(" ") not in DEFAULT_REPERTOIRE else "ISO_IR 6"


def judge_charset(judgement: Judgement, key: str, stored: str, request_charset: str, stored_charset: str,
                  supported: Iterable[str] | None = None) -> Judgement:
    """A key judged on its characters, whatever the encodings: the request's Specific Character Set "specifies
    how other Attributes are encoded in the Request and Response Identifiers" (C.2.2.2), the stored value's its
    own, so a key whose characters match a stored value's matches it in any pair of character sets. Where the key
    or the stored value leaves the default repertoire, its judgement becomes QR-MATCH-CHARSET's (the same
    verdict); when the SCP does not support one of the two character sets (supported given), "the manner in
    which matching is performed is undefined" (C.2.2.2): MAY."""
    if key.isascii() and stored.isascii():
        return judgement
    if key == "" or stored.strip(" ") == "":
        return judgement          # universal key or unknown value: no characters compared (C.2.2.2.3, C.2.2.1.2)
    charsets = {_charset(request_charset), _charset(stored_charset)}
    if supported is not None and not charsets <= {_charset(c) for c in supported}:
        return Judgement(MAY, CHARSET_RULE, f"{sorted(charsets)}: a character set the SCP does not support, so "
                         "matching is undefined (C.2.2.2)")
    if judgement.verdict == MAY:
        return judgement
    return Judgement(judgement.verdict, CHARSET_RULE, f"{judgement.why}; the key's characters read in "
                     f"{_charset(request_charset)}, the stored value's in {_charset(stored_charset)}")


def judge_entity_encoded(keys: Mapping[str, tuple[str, str]], entity: Mapping[str, str], *, request_charset: str,
                         stored_charset: str, supported: Iterable[str] | None = None, service: str = QR,
                         optional: Iterable[str] = (), matched_on: Iterable[str] = ()) -> EntityJudgement:
    """judge_entity for a request and a stored entity with their Specific Character Sets (judge_charset)."""
    plain = judge_entity(keys, entity, service=service, optional=optional, matched_on=matched_on)
    judged = {k: judge_charset(j, keys[k][1], entity.get(k, ""), request_charset, stored_charset, supported)
              for k, j in plain.keys.items()}
    return EntityJudgement(both(*(j.verdict for j in judged.values())) if judged else MUST, judged)
