"""Providers turn a --target choice into a running, reachable Target, and clean up afterwards.

'simulators' starts the built-in simulators in-process; 'orthanc' starts a local Orthanc process; a TOML
path or --dimse AET@host:port names a product that is already running."""

from __future__ import annotations

import difflib
import shutil
import tempfile
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


class OrthancProvider(Provider):
    def __init__(self):
        super().__init__(shipped_profile("orthanc"))
        self._orthanc = None

    def start(self) -> Target:
        from dicom_harness.targets.orthanc import OrthancProcess
        assert self.profile.dimse is not None
        peer = self.profile.peer
        self.worklist_folder = Path(tempfile.mkdtemp(prefix="dh-orthanc-worklist-"))
        self._orthanc = OrthancProcess(ae_title=self.profile.dimse.ae_title,
                                       peers={"harness": (peer.ae_title, peer.host, peer.port)},
                                       worklists=self.worklist_folder).start()
        target = self.profile.with_dimse(port=self._orthanc.dicom_port)
        if target.dicomweb is not None:
            target = replace(target, dicomweb=replace(target.dicomweb, base_url=f"{self._orthanc.http_url}/dicom-web",
                                                      wado_uri=f"{self._orthanc.http_url}/wado"))
        return target

    def stop(self) -> None:
        if self._orthanc:
            self._orthanc.stop()
        if self.worklist_folder:
            shutil.rmtree(self.worklist_folder, ignore_errors=True)


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
        return OrthancProvider()
    if target == "dcmqrscp":
        return DcmqrscpProvider()
    if not target.endswith(".toml") and not Path(target).exists():
        close = difflib.get_close_matches(target, BUILT_IN, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ProfileError(f"--target {target!r}: {hint}give a built-in target ({', '.join(BUILT_IN)}) or the path "
                           "of a profile .toml file")
    return ExternalProvider(load_profile(target))
