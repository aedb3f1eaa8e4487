"""What every provider is: it turns a profile into a running, reachable Target and cleans up afterwards; and
the profiles the harness ships."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from importlib import resources
from pathlib import Path

from dicom_harness.targets.profile import Target, profile_from_dict


def shipped_profile(name: str) -> Target:
    text = (resources.files("dicom_harness.targets") / "profiles" / f"{name}.toml").read_text(encoding="utf-8")
    return profile_from_dict(tomllib.loads(text), where=f"shipped profile {name}")


def _with_peer_port(target: Target) -> Target:
    """Fix the harness peer's port before the target starts, so a local target can be told where it is."""
    if target.peer.port:
        return target
    from dicom_harness.targets.ports import free_port
    return replace(target, peer=replace(target.peer, port=free_port()))


class Provider:
    # A folder of *.wl worklist files the running target serves (simulators, Orthanc's worklist plugin),
    # when the provider knows one: the harness seeds worklist items there.
    worklist_folder: Path | None = None
    # Where a provider keeps what its target logged (the report folder, when the command line knows it).
    log_folder: Path | None = None

    def __init__(self, target: Target):
        self.profile = _with_peer_port(target)

    def start(self) -> Target:
        return self.profile

    def stop(self) -> None:
        pass

    def seed_worklist(self, items) -> list[Path]:
        """Put worklist items where the target serves them from; NotClaimed when there is no such way."""
        from dicom_harness.errors import NotClaimed
        from dicom_harness.shared.worklist import new_worklist_file_name, write_worklist_file
        if self.worklist_folder is None:
            raise NotClaimed("the harness has no way to put worklist items on this target "
                             "(no worklist folder known for it)")
        return [write_worklist_file(item, self.worklist_folder / new_worklist_file_name()) for item in items]
