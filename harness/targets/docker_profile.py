"""A profile's [docker] table: the product runs as containers the harness starts for the run (host networking,
so the addresses in [dimse] and [dicomweb] stay 127.0.0.1), waits for, tests, then stops and removes.

    [docker]
    start_timeout = 300              # seconds until [dimse] answers C-ECHO and [dicomweb] answers HTTP
    pull = true                      # pull a missing image from its registry (false: it must be built here)
    [[docker.containers]]            # started in this order (a database before the archive, say)
    image = "acme/pacs:2.1"
    command = ["acme-pacs", "--port", "11112"]           # optional: the image's own otherwise
    environment = { ACME_AET = "ACME" }
    volumes = { "./acme-config" = "/etc/acme" }          # host folder (relative to the profile) = container path
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from dicom_harness.errors import ProfileError
from dicom_harness.targets.keys import check_keys

DOCKER_KEYS = ("start_timeout", "pull", "containers")
CONTAINER_KEYS = ("image", "command", "environment", "volumes")


@dataclass(frozen=True)
class ContainerSpec:
    image: str
    command: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    volumes: tuple[tuple[str, str], ...] = ()      # (host path, container path)


@dataclass(frozen=True)
class DockerSpec:
    containers: tuple[ContainerSpec, ...]
    start_timeout: float = 120.0
    pull: bool = True

    def resolved(self, folder: Path) -> DockerSpec:
        """Host paths of volumes relative to the profile's folder."""
        return replace(self, containers=tuple(
            replace(c, volumes=tuple((str((folder / host).resolve()), inside) for host, inside in c.volumes))
            for c in self.containers))


def parse_docker(data: dict, where: str) -> DockerSpec | None:
    if "docker" not in data:
        return None
    table = data["docker"]
    if not isinstance(table, dict):
        raise ProfileError(f"{where}: [docker] must be a table")
    check_keys(table, DOCKER_KEYS, f"{where} [docker]")
    entries = table.get("containers", [])
    if not isinstance(entries, list) or not entries:
        raise ProfileError(f"{where}: [docker] needs at least one [[docker.containers]] with image = \"...\"")
    containers = []
    for number, entry in enumerate(entries, 1):
        at = f"{where} [[docker.containers]] {number}"
        if not isinstance(entry, dict):
            raise ProfileError(f"{at}: must be a table")
        check_keys(entry, CONTAINER_KEYS, at)
        if not isinstance(entry.get("image"), str) or not entry["image"].strip():
            raise ProfileError(f"{at}: needs image = \"name:tag\"")
        command = entry.get("command", [])
        if not isinstance(command, list) or not all(isinstance(word, str) for word in command):
            raise ProfileError(f"{at}: command must be a list of strings")
        for key in ("environment", "volumes"):
            value = entry.get(key, {})
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ProfileError(f"{at}: {key} must be a table of strings")
        containers.append(ContainerSpec(
            image=entry["image"], command=tuple(command),
            environment=tuple(entry.get("environment", {}).items()),
            volumes=tuple(entry.get("volumes", {}).items())))
    timeout = table.get("start_timeout", 120)
    if not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ProfileError(f"{where}: [docker] start_timeout must be a positive number of seconds")
    return DockerSpec(containers=tuple(containers), start_timeout=float(timeout), pull=bool(table.get("pull", True)))
