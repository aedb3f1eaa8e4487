"""Images of real peers built on this machine from Debian packages, with no registry: `debootstrap` of a Debian
suite into a folder, the packages installed inside it (chroot), then `docker import` through the docker SDK.
Cached by tag in the engine: a target builds its image once, the first time it is asked for.

`dicom-harness images build|list|rm` is the command line over this module."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from dicom_harness.errors import ProfileError, ProviderError

MIRROR = os.environ.get("DICOM_HARNESS_DEBIAN_MIRROR", "http://deb.debian.org/debian")
BUILD_TIMEOUT = 900.0       # seconds for one debootstrap or apt-get step: a dead mirror must not hang a run
LABEL = "dicom-harness.recipe"
ENGINE_START_WAIT = 30.0    # seconds to wait for an engine whose socket exists but does not answer yet


@dataclass(frozen=True)
class Recipe:
    name: str                  # what --target docker:NAME and `images build NAME` say
    suite: str                 # the Debian suite the image is made of
    packages: tuple[str, ...]
    describes: str             # what it holds, for `images list`

    @property
    def tag(self) -> str:
        return f"dicom-harness/{self.name}:{self.suite}"


RECIPES = {recipe.name: recipe for recipe in (
    Recipe("orthanc", "bookworm", ("orthanc", "orthanc-dicomweb"), "Orthanc 1.10.1 + DICOMweb 1.7 (Debian 12)"),
    Recipe("orthanc-1.12", "trixie", ("orthanc", "orthanc-dicomweb"), "Orthanc 1.12.7 + DICOMweb 1.20 (Debian 13)"),
)}


def engine():
    """A docker SDK client of a running engine; ProviderError (exit 3) with one line saying what to do."""
    try:
        import docker
    except ImportError:     # a dependency of the package; only a broken install lacks it
        raise ProviderError("the docker SDK is not installed: pip install docker") from None
    deadline = time.monotonic() + ENGINE_START_WAIT
    while True:
        try:
            client = docker.from_env(timeout=120)
            client.ping()
            return client
        except Exception as exc:    # the SDK raises DockerException, requests' and urllib3's errors alike
            # An engine started a moment ago has its socket before it answers: wait for it, briefly.
            socket = _socket_path()
            if time.monotonic() < deadline and socket and Path(socket).exists():
                time.sleep(0.5)
                continue
            raise ProviderError(f"no Docker engine answers ({_first_line(exc)}): start one as root with "
                                "`dockerd --bridge=none --iptables=false &`, or set DOCKER_HOST") from None


def _socket_path() -> str:
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    return host.removeprefix("unix://") if host.startswith("unix://") else ""


def recipe_named(name: str) -> Recipe:
    try:
        return RECIPES[name]
    except KeyError:
        raise ProfileError(f"docker:{name}: no such image recipe: the harness builds {', '.join(RECIPES)} (and runs "
                           "docker:dcm4chee-arc from a registry); for an image of your own, give a profile with a "
                           "[docker] table") from None


def image_present(client, recipe: Recipe) -> bool:
    import docker.errors
    try:
        client.images.get(recipe.tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def ensure_image(client, recipe: Recipe, say: Callable[[str], None] = print) -> str:
    """The recipe's tag, built first when the engine does not have it."""
    if not image_present(client, recipe):
        say(f"dicom-harness: image {recipe.tag} not found; building it from Debian {recipe.suite} packages "
            "(about a minute, once) ...")
        build(client, recipe, say)
    return recipe.tag


def build(client, recipe: Recipe, say: Callable[[str], None] = print) -> float:
    """Build the recipe's image; returns the seconds it took."""
    if os.geteuid() != 0:
        raise ProviderError(f"building {recipe.tag} needs root (debootstrap and chroot): run `dicom-harness images "
                            f"build {recipe.name}` as root once, then run as any user")
    if shutil.which("debootstrap") is None:
        raise ProviderError("debootstrap is not installed: apt-get install debootstrap")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dh-image-") as folder:
        root = Path(folder) / "root"
        _step(["debootstrap", "--variant=minbase", recipe.suite, str(root), MIRROR],
              f"debootstrap {recipe.suite}")
        # No service may start inside the chroot while packages install (the host's ports stay the host's).
        policy = root / "usr/sbin/policy-rc.d"
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
        _step(["chroot", str(root), "apt-get", "update", "-q"], "apt-get update in the image")
        _step(["chroot", str(root), "apt-get", "install", "-y", "-q", "--no-install-recommends", *recipe.packages],
              f"apt-get install {' '.join(recipe.packages)} in the image",
              env={"DEBIAN_FRONTEND": "noninteractive"})
        _step(["chroot", str(root), "apt-get", "clean"], "apt-get clean in the image")
        shutil.rmtree(root / "var/lib/apt/lists", ignore_errors=True)
        say(f"dicom-harness: importing {recipe.tag} into the engine ...")
        archive = Path(folder) / "root.tar"
        _step(["tar", "-C", str(root), "-cf", str(archive), "."], "packing the image's files")
        repository, tag = recipe.tag.split(":")
        with open(archive, "rb") as data:
            client.api.import_image_from_data(data, repository=repository, tag=tag,
                                              changes=[f"LABEL {LABEL}={recipe.name}"])
    seconds = time.monotonic() - started
    say(f"dicom-harness: built {recipe.tag} in {seconds:.0f} s")
    return seconds


def _step(argv: list[str], what: str, env: dict | None = None) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, timeout=BUILD_TIMEOUT,
                              env={**os.environ, **(env or {})})
    except subprocess.TimeoutExpired:
        raise ProviderError(f"{what} took over {BUILD_TIMEOUT:.0f} s (is {MIRROR} reachable? "
                            "DICOM_HARNESS_DEBIAN_MIRROR names another mirror)") from None
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise ProviderError(f"{what} failed (exit {done.returncode}): {tail[0]}")


def listing(client) -> list[tuple[Recipe, str]]:
    """Each recipe with what the engine holds of it: its size and age, or "not built"."""
    import docker.errors
    rows = []
    for recipe in RECIPES.values():
        try:
            image = client.images.get(recipe.tag)
            size = image.attrs.get("Size", 0) / 2**20
            rows.append((recipe, f"{size:.0f} MiB, created {image.attrs.get('Created', '?')[:19]}"))
        except docker.errors.ImageNotFound:
            rows.append((recipe, "not built"))
    return rows


def remove(client, recipe: Recipe) -> bool:
    import docker.errors
    try:
        client.images.remove(recipe.tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def _first_line(exc: Exception) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0][:160]


def container_log(container) -> bytes:
    try:
        return container.logs(stdout=True, stderr=True)
    except Exception:       # a container already gone has no log to keep; the run's verdicts stand
        return b""


__all__ = ["RECIPES", "Recipe", "build", "container_log", "engine", "ensure_image", "image_present", "listing",
           "recipe_named", "remove"]
