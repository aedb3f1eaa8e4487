"""The requirement catalogue: requirements kept as data, one TOML file per service.

The built-in catalogue lives in requirements/ beside this file; a user's suite folder (`--suite PATH`) may add
its own requirements/*.toml in the same format. An entry may quote the standard's sentence (`quote`) and may say
that it has no test (`status = "not yet tested"` or `"not testable"`, with a `reason`); which requirements a run
actually tested is derived in coverage.py."""

from __future__ import annotations

import difflib
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from dicom_harness.errors import HarnessUserError

LEVELS = ("SHALL", "SHOULD", "MAY")
FOLDER = "requirements"          # the catalogue's folder name, built in and in a user's suite folder

TESTED, NOT_YET_TESTED, NOT_TESTABLE = "tested", "not yet tested", "not testable"
STATUSES = (TESTED, NOT_YET_TESTED, NOT_TESTABLE)
DECLARED = (NOT_YET_TESTED, NOT_TESTABLE)          # what an entry's `status` may say; absent means "meant to be tested"

REQUIRED_KEYS = ("id", "clause", "level", "statement")
ENTRY_KEYS = (*REQUIRED_KEYS, "quote", "status", "reason", "edition", "service")
FILE_KEYS = ("edition", "service", "role", "requirement")
# Whose behaviour a requirement is about: a server's (judged by `run`) or a client's (judged by `listen`)
SERVER, CLIENT = "server", "client"
ROLES = (SERVER, CLIENT)


@dataclass(frozen=True)
class Requirement:
    id: str
    clause: str
    edition: str
    level: str
    service: str
    statement: str
    quote: str = ""                  # the standard's sentence, verbatim (whitespace folded)
    status: str = ""                 # "" (meant to be tested), "not yet tested" or "not testable": as declared
    reason: str = ""                 # why it has no test; required with a status
    source: str = field(default="", compare=False, repr=False)     # the catalogue file it came from
    role: str = SERVER               # SERVER or CLIENT: which kind of product it judges

    @property
    def part(self) -> str:
        """'PS3.4' from 'PS3.4 B.2.2'."""
        return self.clause.split()[0]

    def as_dict(self) -> dict:
        """The JSON form result records carry (the declared status is the catalogue's business, not a record's)."""
        return {"id": self.id, "clause": self.clause, "edition": self.edition, "level": self.level,
                "service": self.service, "role": self.role, "statement": self.statement, "quote": self.quote}


class CatalogueError(HarnessUserError):
    """A catalogue file that cannot be read (a user's own, or ours): one line naming the file; exit 2."""


def _closest(key: str, valid: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    return f"did you mean {close[0]!r}?" if close else f"valid keys: {', '.join(valid)}"


def _folded(name: str, rid: str, entry: dict, key: str) -> str:
    value = entry.get(key, "")
    if not isinstance(value, str):
        raise CatalogueError(f"{name}: {rid}: {key} must be a string, not {type(value).__name__}")
    return " ".join(value.split())


def _check_entry(name: str, entry: dict) -> str:
    """The entry's ID once its keys, level and status are valid; else a one-line CatalogueError."""
    rid = entry.get("id", "?")
    for key in entry:
        if key not in ENTRY_KEYS:
            raise CatalogueError(f"{name}: {rid}: unknown key {key!r}, {_closest(key, ENTRY_KEYS)}")
    missing = [key for key in REQUIRED_KEYS if key not in entry]
    if missing:
        raise CatalogueError(f"{name}: requirement {rid} lacks {missing}")
    if entry["level"] not in LEVELS:
        raise CatalogueError(f"{name}: {rid} has level {entry['level']!r}, not one of {LEVELS}")
    status = entry.get("status")
    if status is not None and status not in DECLARED:
        hint = " (leave status out for a requirement that has a test)" if status == TESTED else ""
        raise CatalogueError(f"{name}: {rid} has status {status!r}, not one of {DECLARED}{hint}")
    if status and not _folded(name, rid, entry, "reason"):
        raise CatalogueError(f"{name}: {rid} has status {status!r} but no reason (say why, e.g. \"client-side behaviour\")")
    if "reason" in entry and not status:
        raise CatalogueError(f"{name}: {rid} has a reason but no status (a reason explains a status)")
    return rid


def _parse(name: str, text: str) -> list[Requirement]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{name}: not valid TOML: {exc}") from None
    for key in data:
        if key not in FILE_KEYS:
            raise CatalogueError(f"{name}: unknown top-level key {key!r}, {_closest(key, FILE_KEYS)}")
    edition = data.get("edition")
    service = data.get("service")
    if not edition or not service:
        raise CatalogueError(f"{name}: needs top-level 'edition' and 'service'")
    role = data.get("role", SERVER)
    if role not in ROLES:
        raise CatalogueError(f"{name}: role {role!r} is not one of {ROLES}")
    found = []
    for entry in data.get("requirement", []):
        rid = _check_entry(name, entry)
        found.append(
            Requirement(
                id=rid,
                clause=entry["clause"],
                edition=entry.get("edition", edition),
                level=entry["level"],
                service=entry.get("service", service),
                statement=_folded(name, rid, entry, "statement"),
                quote=_folded(name, rid, entry, "quote"),
                status=entry.get("status", ""),
                reason=_folded(name, rid, entry, "reason"),
                source=name,
                role=role,
            )
        )
    return found


def _files(folder) -> list:
    return sorted((item for item in folder.iterdir() if item.name.endswith(".toml")), key=lambda i: i.name)


@lru_cache(maxsize=8)
def load_catalogue(suite_folders: tuple[Path, ...] = ()) -> dict[str, Requirement]:
    """All requirements by ID: the built-in ones, then those in each suite folder's requirements/*.toml.
    A duplicate ID anywhere is an error naming both files."""
    catalogue: dict[str, Requirement] = {}
    sources = [(item.name, item) for item in _files(resources.files("dicom_harness.catalogue") / FOLDER)]
    for folder in suite_folders:
        extra = Path(folder) / FOLDER
        if extra.is_dir():
            sources += [(str(item), item) for item in _files(extra)]
    for name, item in sources:
        for req in _parse(name, item.read_text(encoding="utf-8")):
            if req.id in catalogue:
                raise CatalogueError(f"{name}: duplicate requirement ID {req.id} (already in {catalogue[req.id].source})")
            catalogue[req.id] = req
    return catalogue
