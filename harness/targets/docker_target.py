"""`--target docker:orthanc` and `--target docker:orthanc-1.12`: Orthanc from an image built on this machine
(docker_images.py), a fresh container per run with the same generated configuration as the local process,
host networking on free loopback ports (no bridge, nothing leaves 127.0.0.1), stopped and removed afterwards;
its log is kept in the report folder."""

from __future__ import annotations

import os
import time
from dataclasses import replace
from pathlib import Path

from dicom_harness.errors import ProviderError, TargetUnreachable
from dicom_harness.targets.docker_images import container_log, engine, ensure_image, recipe_named
from dicom_harness.targets.orthanc import OrthancProcess, OrthancProvider
from dicom_harness.targets.profile import Target
from dicom_harness.targets.provider import Provider, shipped_profile
from dicom_harness.targets.reachability import check_dimse_reachable, check_web_reachable

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




class DockerProfileProvider(Provider):
    """A profile with a [docker] table: its containers are started (host networking), the run waits until [dimse]
    answers C-ECHO and [dicomweb] answers HTTP, and they are stopped and removed afterwards, logs kept."""

    def __init__(self, target: Target):
        super().__init__(target)
        self.containers: list = []

    def start(self) -> Target:
        spec = self.profile.docker
        assert spec is not None
        client = engine()
        for container in spec.containers:
            self._image(client, container.image, spec.pull)
        started = time.monotonic()
        try:
            for number, container in enumerate(spec.containers):
                self.containers.append(client.containers.run(
                    container.image, list(container.command) or None, detach=True, network_mode="host",
                    environment=dict(container.environment),
                    volumes={host: {"bind": inside, "mode": "rw"} for host, inside in container.volumes},
                    labels={"dicom-harness.run": str(os.getpid())}, name=f"dh-{os.getpid()}-{number}"))
            self._wait_until_answering(spec.start_timeout)
        except BaseException:
            self.stop()
            raise
        print(f"dicom-harness: {len(self.containers)} container(s) of {self.profile.name} answered in "
              f"{time.monotonic() - started:.1f} s", flush=True)
        return self.profile

    @staticmethod
    def _image(client, image: str, pull: bool) -> None:
        import docker.errors
        try:
            client.images.get(image)
            return
        except docker.errors.ImageNotFound:
            pass
        if not pull:
            raise ProviderError(f"image {image} is not in the local engine and the profile says pull = false: "
                                "build or load it first (docker load, docker import)")
        try:
            client.images.pull(image)
        except Exception as exc:        # the SDK's APIError, or the registry unreachable
            text = str(getattr(exc, "explanation", None) or exc).strip()     # APIError: the engine's own words
            first = text.splitlines()[0][:200] if text else type(exc).__name__
            raise ProviderError(f"image {image} is not here and could not be pulled ({first}): load or build it "
                                "into the local engine first") from None

    def _wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            for container in self.containers:
                container.reload()
                if container.status in ("exited", "dead"):
                    tail = container_log(container).decode(errors="replace").strip().splitlines()[-2:]
                    raise ProviderError(f"container {container.name} ({container.image.tags[:1] or '?'}) exited at "
                                        f"start: {' | '.join(tail) or '(empty log)'}")
            try:
                if self.profile.dimse is not None:
                    check_dimse_reachable(self.profile.dimse, self.profile.harness_ae_title)
                if self.profile.dicomweb is not None:
                    check_web_reachable(self.profile.dicomweb)
                return
            except TargetUnreachable as exc:
                if time.monotonic() > deadline:
                    raise ProviderError(f"the containers of {self.profile.name} did not answer within "
                                        f"{timeout:.0f} s ([docker] start_timeout): {exc}") from None
                time.sleep(0.5)

    def stop(self) -> None:
        for container in reversed(self.containers):
            try:
                container.stop(timeout=STOP_TIMEOUT)
            except Exception:       # already gone: nothing left to stop
                pass
            if self.log_folder is not None:
                self.log_folder.mkdir(parents=True, exist_ok=True)
                (self.log_folder / f"{container.name}.log").write_bytes(container_log(container))
            try:
                container.remove(force=True)
            except Exception:       # removed already
                pass
        self.containers = []


# Shipped profiles with a [docker] table, run as `--target docker:NAME` (images pulled from a registry).
SHIPPED_DOCKER_PROFILES = ("dcm4chee-arc",)


def docker_provider(name: str) -> Provider:
    """docker:NAME: an image recipe the harness builds itself, or a shipped profile with a [docker] table."""
    if name in SHIPPED_DOCKER_PROFILES:
        return DockerProfileProvider(shipped_profile(name))
    return DockerOrthancProvider(name)


__all__ = ["DockerOrthancProvider", "DockerProfileProvider", "OrthancContainer", "docker_provider"]
