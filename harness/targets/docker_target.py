"""`--target docker:orthanc` and `--target docker:orthanc-1.12`: Orthanc from an image built on this machine
(docker_images.py), a fresh container per run with the same generated configuration as the local process,
host networking on free loopback ports (no bridge, nothing leaves 127.0.0.1), stopped and removed afterwards;
its log is kept in the report folder."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from dicom_harness.targets.docker_images import container_log, engine, ensure_image, recipe_named
from dicom_harness.targets.orthanc import OrthancProcess, OrthancProvider
from dicom_harness.targets.provider import shipped_profile

# Each recipe's profile: its claims and its own declared deviations.
PROFILES = {"orthanc": "orthanc", "orthanc-1.12": "orthanc-1.12"}
STOP_TIMEOUT = 10       # seconds Orthanc gets to stop on SIGTERM before the engine kills it


class _Container:
    """What LocalProcess asks of a process (poll, returncode), answered by a container."""

    def __init__(self, container):
        self.container = container
        self.returncode: int | None = None

    def poll(self) -> int | None:
        self.container.reload()
        if self.container.status in ("exited", "dead"):
            self.returncode = int(self.container.attrs.get("State", {}).get("ExitCode", -1))
        return self.returncode


class OrthancContainer(OrthancProcess):
    """Orthanc in a container: its folders are bound at the same paths inside, so the configuration the local
    process uses works unchanged."""

    def __init__(self, client, image: str, mounts: tuple[Path, ...] = (), log_folder: Path | None = None,
                 **options):
        super().__init__(**options)
        self.client = client
        self.image = image
        self.mounts = mounts
        self.log_folder = log_folder
        self.container = None
        self.started_in: float | None = None      # seconds from `docker run` to Orthanc answering

    def _check_installed(self) -> None:
        pass        # the image holds Orthanc and its plugins

    def _spawn(self, argv: list[str], cwd: Path | None = None) -> None:
        assert self.folder is not None
        volumes = {str(path): {"bind": str(path), "mode": "rw"} for path in (self.folder, *self.mounts)}
        self._started = time.monotonic()
        self.container = self.client.containers.run(
            self.image, argv, detach=True, network_mode="host", volumes=volumes,
            user=f"{os.getuid()}:{os.getgid()}", environment={"TCP_NODELAY": "1"},
            labels={"dicom-harness.run": str(os.getpid())}, name=self.folder.name)
        self._process = _Container(self.container)

    def start(self) -> "OrthancContainer":
        super().start()
        self.started_in = time.monotonic() - self._started
        return self

    def log_tail(self, lines: int = 20) -> str:
        if self.container is None:
            return "(no container)"
        text = container_log(self.container).decode(errors="replace").strip().splitlines()
        return " | ".join(text[-lines:]) or "(empty log)"

    def stop(self) -> None:
        if self.container is not None:
            try:
                self.container.stop(timeout=STOP_TIMEOUT)
            except Exception:       # already gone: nothing left to stop
                pass
            if self.log_folder is not None:
                self.log_folder.mkdir(parents=True, exist_ok=True)
                (self.log_folder / f"{self.container.name}.log").write_bytes(container_log(self.container))
            try:
                self.container.remove(force=True)
            except Exception:       # removed already (auto-remove, a second stop)
                pass
            self.container = None
        self._process = None
        super().stop()


class DockerOrthancProvider(OrthancProvider):
    def __init__(self, recipe_name: str):
        self.recipe = recipe_named(recipe_name)
        profile = shipped_profile(PROFILES[self.recipe.name])
        super().__init__(replace(profile, name=f"{profile.name.split(' (')[0]} (container {self.recipe.tag})"))

    def _orthanc_of(self, **options):
        client = engine()
        image = ensure_image(client, self.recipe)
        return OrthancContainer(client, image, mounts=(self.worklist_folder,), log_folder=self.log_folder,
                                **options)

    def start(self):
        target = super().start()
        print(f"dicom-harness: container {self._orthanc.container.name} ({self.recipe.tag}) answered in "
              f"{self._orthanc.started_in:.1f} s", flush=True)
        return target


__all__ = ["DockerOrthancProvider", "OrthancContainer"]
