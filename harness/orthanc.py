"""Run Debian's Orthanc as a plain local process: generated config in a temporary folder, free ports."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from harness.errors import ProviderError
from harness.ports import free_port, log_tail

ORTHANC_BINARY = os.environ.get("DICOM_HARNESS_ORTHANC", "/usr/sbin/Orthanc")
PLUGIN_FOLDER = Path("/usr/share/orthanc/plugins")
START_TIMEOUT = 30.0


class OrthancProcess:
    def __init__(self, ae_title: str = "ORTHANC", peers: dict[str, tuple[str, str, int]] | None = None,
                 dicomweb: bool = True, worklists: Path | None = None,
                 dicomweb_servers: dict[str, str] | None = None):
        self.ae_title = ae_title
        self.dicomweb_servers = dicomweb_servers or {}      # name -> base URL, for Orthanc's DICOMweb client
        self.peers = peers or {}
        self.dicomweb = dicomweb
        self.worklists = worklists
        self.http_port = 0
        self.dicom_port = 0
        self.folder: Path | None = None
        self._process: subprocess.Popen | None = None

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
        if self.worklists:
            config["Worklists"] = {"Enable": True, "Database": str(self.worklists)}
        return config

    def start(self) -> "OrthancProcess":
        if not Path(ORTHANC_BINARY).exists() and not shutil.which(ORTHANC_BINARY):
            raise ProviderError(f"Orthanc is not installed ({ORTHANC_BINARY} not found): "
                                "run 'apt-get install orthanc orthanc-dicomweb' or pick another --target")
        if self.dicomweb and not (PLUGIN_FOLDER / "libOrthancDicomWeb.so").exists():
            raise ProviderError("Orthanc's DICOMweb plugin is missing: run 'apt-get install orthanc-dicomweb'")
        self.folder = Path(tempfile.mkdtemp(prefix="dh-orthanc-"))
        self.http_port, self.dicom_port = free_port(), free_port()
        config_path = self.folder / "orthanc.json"
        config_path.write_text(json.dumps(self._config(), indent=2))
        log = open(self.folder / "orthanc.log", "wb")
        env = dict(os.environ, TCP_NODELAY="1")
        self._process = subprocess.Popen([ORTHANC_BINARY, str(config_path)], stdout=log, stderr=subprocess.STDOUT,
                                         env=env, start_new_session=True)
        log.close()
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ProviderError(f"Orthanc exited at start (code {self._process.returncode}): "
                                    f"{self.log_tail(1)}; full log in {self.folder}/orthanc.log")
            try:
                httpx.get(f"{self.http_url}/system", timeout=1.0).raise_for_status()
                with socket.create_connection(("127.0.0.1", self.dicom_port), timeout=1.0):
                    return
            except (httpx.HTTPError, OSError):
                time.sleep(0.05)
        self.stop()
        raise ProviderError(f"Orthanc did not answer within {START_TIMEOUT:.0f} s; see {self.folder}/orthanc.log")

    def log_tail(self, lines: int = 20) -> str:
        return log_tail(self.folder / "orthanc.log", lines)

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=5)
        self._process = None
        if self.folder and not os.environ.get("DICOM_HARNESS_KEEP_ORTHANC"):
            shutil.rmtree(self.folder, ignore_errors=True)
