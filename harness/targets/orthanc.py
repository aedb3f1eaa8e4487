"""Run Debian's Orthanc as a plain local process: generated config in a temporary folder, free ports."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

import httpx

from dicom_harness.errors import ProviderError
from dicom_harness.targets.local_process import LocalProcess
from dicom_harness.targets.ports import can_connect, free_port
from dicom_harness.targets.profile import Target
from dicom_harness.targets.provider import Provider, shipped_profile

ORTHANC_BINARY = os.environ.get("DICOM_HARNESS_ORTHANC", "/usr/sbin/Orthanc")
PLUGIN_FOLDER = Path("/usr/share/orthanc/plugins")
START_TIMEOUT = 30.0


class OrthancProcess(LocalProcess):
    name = "Orthanc"
    log_name = "orthanc.log"
    keep_variable = "DICOM_HARNESS_KEEP_ORTHANC"
    start_timeout = START_TIMEOUT

    def __init__(self, ae_title: str = "ORTHANC", peers: dict[str, tuple[str, str, int]] | None = None,
                 dicomweb: bool = True, worklists: Path | None = None,
                 dicomweb_servers: dict[str, str] | None = None, tls=None):
        """tls: harness/shared/tls.py Certificates: the DICOM port speaks TLS (Orthanc's DicomTls* options, 1.9+),
        with a client certificate signed by their CA required."""
        super().__init__()
        self.tls = tls
        self.ae_title = ae_title
        self.dicomweb_servers = dicomweb_servers or {}      # name -> base URL, for Orthanc's DICOMweb client
        self.peers = peers or {}
        self.dicomweb = dicomweb
        self.worklists = worklists
        self.http_port = 0
        self.dicom_port = 0

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def _config(self) -> dict:
        assert self.folder is not None
        plugins = []
        if self.dicomweb:
            plugins.append(str(PLUGIN_FOLDER / "libOrthancDicomWeb.so"))
        if self.worklists:
            plugins.append(str(PLUGIN_FOLDER / "libModalityWorklists.so"))
        config = {
            "Name": "DICOM_HARNESS_ORTHANC",
            "StorageDirectory": str(self.folder / "storage"),
            "IndexDirectory": str(self.folder / "index"),
            "HttpPort": self.http_port,
            "DicomPort": self.dicom_port,
            "DicomAet": self.ae_title,
            "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False,
            "DicomCheckCalledAet": True,
            "DicomAlwaysAllowEcho": True,
            "DicomAlwaysAllowStore": True,
            "DicomAlwaysAllowFind": True,
            "DicomAlwaysAllowFindWorklist": True,
            "DicomAlwaysAllowGet": True,
            "DicomAlwaysAllowMove": True,
            "DicomModalities": {name: list(peer) for name, peer in self.peers.items()},
            "SynchronousCMove": True,
            "StableAge": 1,
            "SaveJobs": False,
            "Plugins": plugins,
            "DicomWeb": {"Enable": self.dicomweb, "Root": "/dicom-web/", "EnableWado": True,
                         "WadoRoot": "/wado", "Ssl": False, "StudiesMetadata": "Full", "SeriesMetadata": "Full"},
        }
        if self.dicomweb_servers:
            config["DicomWeb"]["Servers"] = {name: [url] for name, url in self.dicomweb_servers.items()}
        if self.tls is not None:
            config.update({
                "DicomTlsEnabled": True,
                "DicomTlsCertificate": str(self.tls.server_cert),
                "DicomTlsPrivateKey": str(self.tls.server_key),
                "DicomTlsTrustedCertificates": str(self.tls.ca),
                "DicomTlsRemoteCertificateRequired": True,
            })
        if self.worklists:
            config["Worklists"] = {"Enable": True, "Database": str(self.worklists)}
        return config

    def _check_installed(self) -> None:
        if not Path(ORTHANC_BINARY).exists() and not shutil.which(ORTHANC_BINARY):
            raise ProviderError(f"Orthanc is not installed ({ORTHANC_BINARY} not found): "
                                "run 'apt-get install orthanc orthanc-dicomweb' or pick another --target")
        if self.dicomweb and not (PLUGIN_FOLDER / "libOrthancDicomWeb.so").exists():
            raise ProviderError("Orthanc's DICOMweb plugin is missing: run 'apt-get install orthanc-dicomweb'")

    def start(self) -> "OrthancProcess":
        self._check_installed()
        folder = self._make_folder()
        self.http_port, self.dicom_port = free_port(), free_port()
        config_path = folder / "orthanc.json"
        config_path.write_text(json.dumps(self._config(), indent=2))
        self._spawn([ORTHANC_BINARY, str(config_path)])
        self._wait_until(self._answering)
        return self

    def _answering(self) -> bool:
        try:
            httpx.get(f"{self.http_url}/system", timeout=1.0).raise_for_status()
        except httpx.HTTPError:
            return False
        return can_connect("127.0.0.1", self.dicom_port, timeout=1.0)


class OrthancProvider(Provider):
    def __init__(self, profile: Target | None = None):
        super().__init__(profile or shipped_profile("orthanc"))
        self._orthanc = None

    def _orthanc_of(self, **options):
        return OrthancProcess(**options)

    def start(self) -> Target:
        assert self.profile.dimse is not None
        peer = self.profile.peer
        self.worklist_folder = Path(tempfile.mkdtemp(prefix="dh-orthanc-worklist-"))
        self._orthanc = self._orthanc_of(ae_title=self.profile.dimse.ae_title,
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
