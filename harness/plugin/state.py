"""The run's state, kept in pytest's stash (never in attributes of pytest's own objects)."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from dicom_harness.clients.evidence import Evidence
from dicom_harness.plugin.roots import SuiteRoots


@dataclass
class HandOver:
    """A target the command line already started (and will stop), with the provider that started it."""
    target: object
    provider: object = None
    # False in one process of a sharded run: the process that started it reads the suite files for the catalogue
    read_sources: bool = True


@dataclass
class RunState:
    roots: SuiteRoots
    started: float = field(default_factory=time.time)
    records: list[dict] = field(default_factory=list)
    target_name: str = ""
    provider: object = None           # the provider that started the target, if this session or the CLI did
    report: Path | None = None        # index.html, once written
    named: dict[str, list[str]] = field(default_factory=dict)    # requirement ID -> collected tests naming it
    header: dict | None = None        # the run header, once the session finished
    recording: Path | None = None     # judging a client: the recording of what it sent (else a server is tested)

    @property
    def role(self) -> str:
        """Whose requirements this run judges: 'client' with a recording, else 'server'."""
        return "client" if self.recording is not None else "server"

    @property
    def catalogue_folders(self) -> tuple[Path, ...]:
        """Where requirements beyond the built-in catalogue come from: the user's suite folders."""
        return self.roots.user

    @property
    def suite_folders(self) -> tuple[Path, ...]:
        """Every folder holding conformance tests: the built-in suites, then the user's."""
        return (self.roots.builtin, *self.roots.user)


RUN = pytest.StashKey[RunState]()
HANDED_OVER = pytest.StashKey[HandOver]()
EVIDENCE = pytest.StashKey[Evidence]()      # on each test item: what its clients recorded


def run_state(config) -> RunState:
    return config.stash[RUN]


def hand_over(config, target, provider=None, read_sources: bool = True) -> None:
    """Called by the command line (from its own pytest_configure) to give the plugin a started target."""
    config.stash[HANDED_OVER] = HandOver(target, provider, read_sources)
