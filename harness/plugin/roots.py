"""Suite roots: the folders whose tests are conformance tests (verdicts, records, re-run commands). The built-in
suites (the dicom_harness.suites package) and each folder of the user's own tests given with --suite."""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass
from pathlib import Path

from dicom_harness.errors import HarnessUserError


class SuiteFolderError(HarnessUserError):
    """A --suite folder that does not exist; one line for the user."""


def builtin_root() -> Path:
    return Path(importlib.import_module("dicom_harness.suites").__file__).parent.resolve()


def user_folders(paths: list[str]) -> tuple[Path, ...]:
    """The --suite folders, resolved; a missing one is an error."""
    found = []
    for given in paths:
        folder = Path(given).expanduser().resolve()
        if not folder.is_dir():
            raise SuiteFolderError(f"--suite {given}: no such folder")
        found.append(folder)
    return tuple(dict.fromkeys(found))


@functools.lru_cache(maxsize=4096)
def _resolved(path) -> Path:
    """A test file's path resolved: asked of every test at each of its phases, a few hundred test files a run."""
    return Path(path).resolve()


@dataclass(frozen=True)
class SuiteRoots:
    builtin: Path
    user: tuple[Path, ...] = ()

    @classmethod
    def from_paths(cls, paths: list[str]) -> "SuiteRoots":
        return cls(builtin_root(), user_folders(paths))

    def root_of(self, path: Path) -> Path | None:
        """The root a test file lies in (the innermost, should one root hold another), else None."""
        path = _resolved(path)
        holding = [root for root in (self.builtin, *self.user) if path.is_relative_to(root)]
        return max(holding, key=lambda root: len(root.parts), default=None)

    def is_user(self, root: Path) -> bool:
        return root in self.user and root != self.builtin


def node_of(item, root: Path) -> str:
    """'storage/test_c_store.py::test_x[CT]': the test's file relative to its root, then its name within the file.
    The same however pytest was invoked, so it is what `--test` takes and what reports key on."""
    relative = _resolved(item.path).relative_to(root).as_posix()
    within = item.nodeid.split("::", 1)[1] if "::" in item.nodeid else item.name
    return f"{relative}::{within}"
