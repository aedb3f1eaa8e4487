"""The requirement catalogue: requirements kept as data, one TOML file per service."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

LEVELS = ("SHALL", "SHOULD", "MAY")


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


class CatalogueError(Exception):
    pass


def _parse(name: str, text: str) -> list[Requirement]:
    data = tomllib.loads(text)
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


@lru_cache(maxsize=1)
def load_catalogue() -> dict[str, Requirement]:
    """All requirements by ID; duplicate IDs across files are an error."""
    catalogue: dict[str, Requirement] = {}
    folder = resources.files("dicom_harness.catalogue") / "requirements"
    for item in sorted(folder.iterdir(), key=lambda i: i.name):
        if not item.name.endswith(".toml"):
            continue
        for req in _parse(item.name, item.read_text(encoding="utf-8")):
            if req.id in catalogue:
                raise CatalogueError(f"{item.name}: duplicate requirement ID {req.id}")
            catalogue[req.id] = req
    return catalogue
