"""The requirement catalogue: requirements kept as data, one TOML file per service.

The built-in catalogue lives in requirements/ beside this file; a user's suite folder (`--suite PATH`) may add
its own requirements/*.toml in the same format."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from dicom_harness.errors import HarnessUserError

LEVELS = ("SHALL", "SHOULD", "MAY")
FOLDER = "requirements"          # the catalogue's folder name, built in and in a user's suite folder


@dataclass(frozen=True)
class Requirement:
    id: str
    clause: str
    edition: str
    level: str
    service: str
    statement: str

    @property
    def part(self) -> str:
        """'PS3.4' from 'PS3.4 B.2.2'."""
        return self.clause.split()[0]


class CatalogueError(HarnessUserError):
    """A catalogue file that cannot be read (a user's own, or ours): one line naming the file; exit 2."""


def _parse(name: str, text: str) -> list[Requirement]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{name}: not valid TOML: {exc}") from None
    edition = data.get("edition")
    service = data.get("service")
    if not edition or not service:
        raise CatalogueError(f"{name}: needs top-level 'edition' and 'service'")
    found = []
    for entry in data.get("requirement", []):
        missing = {"id", "clause", "level", "statement"} - entry.keys()
        if missing:
            raise CatalogueError(f"{name}: requirement {entry.get('id', '?')} lacks {sorted(missing)}")
        if entry["level"] not in LEVELS:
            raise CatalogueError(f"{name}: {entry['id']} has level {entry['level']!r}, not one of {LEVELS}")
        found.append(
            Requirement(
                id=entry["id"],
                clause=entry["clause"],
                edition=entry.get("edition", edition),
                level=entry["level"],
                service=entry.get("service", service),
                statement=" ".join(entry["statement"].split()),
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
    where: dict[str, str] = {}
    sources = [(item.name, item) for item in _files(resources.files("dicom_harness.catalogue") / FOLDER)]
    for folder in suite_folders:
        extra = Path(folder) / FOLDER
        if extra.is_dir():
            sources += [(str(item), item) for item in _files(extra)]
    for name, item in sources:
        for req in _parse(name, item.read_text(encoding="utf-8")):
            if req.id in catalogue:
                raise CatalogueError(f"{name}: duplicate requirement ID {req.id} (already in {where[req.id]})")
            catalogue[req.id] = req
            where[req.id] = name
    return catalogue
