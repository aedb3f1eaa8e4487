"""Providers turn a --target choice into a running, reachable Target, and clean up afterwards.

'simulators' starts the built-in simulators in-process; 'orthanc' starts a local Orthanc process; a TOML
path or --dimse AET@host:port names a product that is already running."""

from __future__ import annotations

import difflib
from dataclasses import replace
from pathlib import Path

from dicom_harness.errors import ProfileError
from dicom_harness.targets.profile import (
    BUILT_IN,
    Target,
    load_profile,
    parse_dicomweb_url,
    parse_dimse_address,
)
from dicom_harness.targets.provider import Provider, shipped_profile
from dicom_harness.targets.reachability import check_dimse_reachable, check_web_reachable


class ExternalProvider(Provider):
    """A product that is already running: only check that it answers."""

    def __init__(self, target: Target):
        super().__init__(target)
        if target.worklist_folder:
            self.worklist_folder = Path(target.worklist_folder)

    def start(self) -> Target:
        if self.profile.dimse is not None:
            check_dimse_reachable(self.profile.dimse, self.profile.harness_ae_title)
        if self.profile.dicomweb is not None:
            check_web_reachable(self.profile.dicomweb)
        return self.profile


class DcmqrscpProvider(Provider):
    """dcmtk's dcmqrscp, started as a local process with a generated config; the harness peer is its
    C-MOVE destination."""

    def __init__(self):
        super().__init__(shipped_profile("dcmqrscp"))
        self._process = None

    def start(self) -> Target:
        from dicom_harness.targets.dcmqrscp import DcmqrscpProcess
        assert self.profile.dimse is not None
        peer = self.profile.peer
        self._process = DcmqrscpProcess(ae_title=self.profile.dimse.ae_title,
                                        peers={"harness": (peer.ae_title, peer.host, peer.port)}).start()
        return self.profile.with_dimse(port=self._process.port)

    def stop(self) -> None:
        if self._process:
            self._process.stop()


class WlmscpfsProvider(Provider):
    """dcmtk's wlmscpfs, started as a local process; the harness seeds worklist items in the folder it serves
    for its AE title."""

    def __init__(self):
        super().__init__(shipped_profile("wlmscpfs"))
        self._process = None

    def start(self) -> Target:
        from dicom_harness.targets.wlmscpfs import WlmscpfsProcess
        assert self.profile.dimse is not None
        self._process = WlmscpfsProcess(ae_title=self.profile.dimse.ae_title).start()
        self.worklist_folder = self._process.worklist_folder
        return self.profile.with_dimse(port=self._process.port)

    def stop(self) -> None:
        if self._process:
            self._process.stop()


class PixelmedProvider(Provider):
    """PixelMed's DicomAndWebStorageServer, started as a local process with a generated properties file; the
    harness peer is its C-MOVE destination, its web server the WADO-URI endpoint."""

    def __init__(self):
        super().__init__(shipped_profile("pixelmed"))
        self._process = None

    def start(self) -> Target:
        from dicom_harness.targets.pixelmed import PixelmedProcess
        assert self.profile.dimse is not None and self.profile.dicomweb is not None
        peer = self.profile.peer
        self._process = PixelmedProcess(ae_title=self.profile.dimse.ae_title,
                                        peers={"harness": (peer.ae_title, peer.host, peer.port)}).start()
        web = replace(self.profile.dicomweb, base_url=self._process.http_url,
                      wado_uri=f"{self._process.http_url}/wado")
        return replace(self.profile.with_dimse(port=self._process.port), dicomweb=web)

    def stop(self) -> None:
        if self._process:
            self._process.stop()


def quick_profile(dimse: str | None, dicomweb: str | None) -> Target:
    """What the quick forms assume: --dimse, Verification and Storage read back by C-GET; --dicomweb, QIDO-RS,
    WADO-RS and STOW-RS without authentication. A profile says more."""
    generic = shipped_profile("generic")
    services = ({"verification", "storage"} if dimse else set()) | ({"qido", "wado", "stow"} if dicomweb else set())
    return replace(generic, name=" + ".join(a for a in (dimse, dicomweb) if a),
                   dimse=parse_dimse_address(dimse) if dimse else None,
                   dicomweb=parse_dicomweb_url(dicomweb) if dicomweb else None,
                   claims=replace(generic.claims, services=frozenset(services)))


def make_provider(target: str | None = None, dimse: str | None = None, faults: tuple[str, ...] = (),
                  dicomweb: str | None = None, tls: bool = False) -> Provider:
    """Choose the provider for the command-line options; raises ProfileError for bad input."""
    if faults and ((target or "simulators") != "simulators" or dimse or dicomweb):
        raise ProfileError("--fault only applies to the built-in simulators (--target simulators)")
    if tls and ((target or "simulators") != "simulators" or dimse or dicomweb):
        raise ProfileError("--tls only applies to the built-in simulators; a profile says tls = true in [dimse] "
                           "and an https base_url in [dicomweb]")
    if dimse or dicomweb:
        if target not in (None, "simulators"):
            raise ProfileError("give either --target or the quick forms --dimse / --dicomweb, not both")
        return ExternalProvider(quick_profile(dimse, dicomweb))
    if target in (None, "simulators"):
        from dicom_harness.targets.builtin import SimulatorProvider
        return SimulatorProvider(faults, tls=tls)
    if target == "orthanc":
        from dicom_harness.targets.orthanc import OrthancProvider
        return OrthancProvider()
    if target == "dcmqrscp":
        return DcmqrscpProvider()
    if target == "pixelmed":
        return PixelmedProvider()
    if target == "wlmscpfs":
        return WlmscpfsProvider()
    if target.startswith("docker:"):
        from dicom_harness.targets.docker_target import docker_provider
        return docker_provider(target.removeprefix("docker:"))
    if not target.endswith(".toml") and not Path(target).exists():
        close = difflib.get_close_matches(target, BUILT_IN, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ProfileError(f"--target {target!r}: {hint}give a built-in target ({', '.join(BUILT_IN)}) or the path "
                           "of a profile .toml file")
    profile = load_profile(target)
    if profile.docker is not None:
        from dicom_harness.targets.docker_target import DockerProfileProvider
        return DockerProfileProvider(profile)
    return ExternalProvider(profile)
