"""Is a data set valid for its IOD? Asked of dicom3tools' `dciodvfy` (Debian package dicom3tools), which is driven
by the standard's own module and attribute tables, rather than of attribute lists kept by hand here; and the UID
syntax of PS3.5 9.1, checked on every UI value of a data set.

dciodvfy's findings are sorted into what the client-side requirements ask separately: Type 1 presence, Type 2
presence, values (VR, VM, enumerated values, ...) and UIDs."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from dicom_harness.errors import HarnessUserError

VALIDATOR = "dciodvfy"
TIMEOUT = 60.0
TYPE1, TYPE2, VALUES, UIDS, UNREADABLE = "type 1", "type 2", "values", "uids", "unreadable"
_MISSING = re.compile(r"Missing attribute Type (1C?|2C?) \w+ Element=<(\w+)> Module=<(\w+)>")
_EMPTY = re.compile(r"(?:Empty attribute|Attribute present but empty).*Type (1C?) \w+ Element=<(\w+)> Module=<(\w+)>")
_UID_VALUE = re.compile(r"\) UI ")
_UNREADABLE = ("Dicom dataset read failed", "Abort -")
_SUMMARY = "Dicom dataset contains invalid data values for Value Representations"   # repeats the lines before it
UNKNOWN_IOD = "Information Object Not found"
# A recorded data set's file meta header is the recorder's work, not the product's: never a finding about it
_RECORDERS_META = ("MediaStorageSOPClassUID", "MediaStorageSOPInstanceUID")


class ValidatorMissing(HarnessUserError):
    exit_code = 3


@dataclass(frozen=True)
class Finding:
    kind: str           # TYPE1, TYPE2, VALUES, UIDS or UNREADABLE
    text: str           # dciodvfy's line
    attribute: str = ""
    module: str = ""
    attribute_type: str = ""    # "1", "1C", "2", "2C"
    empty: bool = False         # present without a value, rather than absent

    def describe(self) -> str:
        if self.attribute:
            how = "empty" if self.empty else "missing"
            return f"{self.attribute} {how} (Type {self.attribute_type}, module {self.module})"
        return self.text.removeprefix("Error - ")


@dataclass(frozen=True)
class IodReport:
    iod: str                                      # dciodvfy's name of the IOD it checked against ("CTImage")
    findings: tuple[Finding, ...] = field(default_factory=tuple)
    known_iod: bool = True

    def of(self, kind: str) -> list[Finding]:
        return [f for f in self.findings if f.kind == kind]


def _classify(line: str) -> Finding | None:
    text = line.strip()
    if " - Error - " in text:                   # "(0x0009,0x1001)  ?  - Error - ..." : element-level errors
        text = text.split(" - ", 1)[1] if text.startswith("(") else text
    if not text.startswith("Error - ") and not text.startswith("Abort - ") and "- Error -" not in text:
        return None
    if _SUMMARY in text or any(name in text for name in _RECORDERS_META):
        return None
    if any(marker in text for marker in _UNREADABLE):
        return Finding(UNREADABLE, text)
    missing, empty = _MISSING.search(text), _EMPTY.search(text)
    found = missing or empty
    if found:
        kind = TYPE1 if found.group(1).startswith("1") else TYPE2
        return Finding(kind, text, found.group(2), found.group(3), found.group(1), empty=bool(empty))
    if "Value invalid for this VR" in text and _UID_VALUE.search(text):
        return Finding(UIDS, text)
    return Finding(VALUES, text)


@lru_cache(maxsize=4096)
def validate(path: Path) -> IodReport:
    """dciodvfy's findings for one Part 10 file (cached: several requirements read the same report)."""
    executable = shutil.which(VALIDATOR)
    if executable is None:
        raise ValidatorMissing(f"{VALIDATOR} is not installed: IOD validation needs it "
                               "(Debian: apt-get install dicom3tools)")
    proc = subprocess.run([executable, str(path)], capture_output=True, text=True, timeout=TIMEOUT,
                          errors="replace")
    lines = (proc.stdout + proc.stderr).splitlines()
    iod = next((line.strip() for line in lines if re.fullmatch(r"[A-Za-z0-9]+", line.strip())), "")
    known = not any(UNKNOWN_IOD in line for line in lines)
    findings = [f for f in map(_classify, lines) if f is not None and UNKNOWN_IOD not in f.text]
    # A missing attribute also has its values reported missing: one defect, reported once, as the missing attribute
    absent = {f"<{f.attribute}>" for f in findings if f.attribute and not f.empty}
    findings = [f for f in findings if not (f.kind == VALUES and any(name in f.text for name in absent))]
    return IodReport(iod, tuple(findings), known)


@lru_cache(maxsize=1)
def validator_version() -> str:
    """'dicom3tools 1.00.snapshot.20220618093127', or '' when dciodvfy is not installed."""
    executable = shutil.which(VALIDATOR)
    if executable is None:
        return ""
    try:
        proc = subprocess.run([executable, "-version"], capture_output=True, text=True, timeout=10, errors="replace")
    except (OSError, subprocess.TimeoutExpired):
        return ""
    for line in (proc.stdout + proc.stderr).splitlines():
        if line.startswith("dicom3tools Version:"):
            return "dicom3tools " + line.split(":", 1)[1].strip()
    return ""


_UID = re.compile(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*")


def uid_problem(value: str) -> str:
    """Why a UID breaks PS3.5 9.1 (digits and dots, no component with a leading zero, at most 64 characters), or
    '' for a valid one."""
    if not value:
        return "empty"
    if len(value) > 64:
        return f"{len(value)} characters, more than 64"
    if not _UID.fullmatch(value):
        bad = [c for c in value.split(".") if not c.isdigit() or (len(c) > 1 and c[0] == "0")]
        return f"component(s) {', '.join(repr(c) for c in bad) or 'empty'} not a number without leading zeros"
    return ""


def uid_values(dataset) -> list[tuple[str, str]]:
    """(keyword or tag, value) of every UI value in a data set, sequences included."""
    found = []
    for element in dataset.iterall():
        if element.VR == "UI" and element.value:
            values = element.value if element.VM > 1 else [element.value]
            found += [(element.keyword or str(element.tag), str(v)) for v in values]
    return found
