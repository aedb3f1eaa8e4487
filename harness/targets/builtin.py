"""The built-in targets: the one place on the harness side that imports the simulators.

The provider of `--target simulators` starts them in-process for a run; the `simulate` commands and the
`faults` listing reach them through the names below. Everything else in the harness speaks to a target over
the network, as it would to any product."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from dicom_harness.errors import HarnessUserError, ProfileError
from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.dicomweb.ups import Worklist as UpsWorklist
from dicom_harness.simulators.faults import FAULTS, UnknownFault, check_faults
from dicom_harness.simulators.modality import ModalitySimulator
from dicom_harness.simulators.pacs import PacsSimulator
from dicom_harness.simulators.recorder import Recorder
from dicom_harness.simulators.ris import RisService, RisSimulator, WorklistError, WorklistStore, parse_item
from dicom_harness.simulators.store import Store
from dicom_harness.simulators.viewer import ViewerSimulator
from dicom_harness.simulators.workstation import WorkstationSimulator
from dicom_harness.targets.profile import Target
from dicom_harness.targets.provider import Provider, shipped_profile

__all__ = ["FAULTS", "DicomWebSimulator", "ModalitySimulator", "PacsSimulator", "Recorder", "RisService",
           "RisSimulator", "SimulatorProvider", "Store", "UpsWorklist", "ViewerSimulator", "WorklistError", "WorklistStore",
           "WorkstationSimulator", "checked_faults", "open_store", "parse_item"]


def checked_faults(names, error: type[HarnessUserError] = HarnessUserError, carrier: str = "server") -> frozenset[str]:
    """The named faults of this simulator (`carrier`), or `error` saying which names are unknown and which exist,
    or which simulator a fault belongs to."""
    try:
        return check_faults(names, carrier=carrier)
    except UnknownFault as exc:
        raise error(str(exc)) from None


def open_store(path: str) -> Store:
    try:
        return Store(Path(path))
    except OSError as exc:
        raise HarnessUserError(f"cannot use {path} as the store: {exc.strerror}") from None


class SimulatorProvider(Provider):
    def __init__(self, faults: tuple[str, ...] = (), store_dir: str | None = None, tls: bool = False):
        """tls: the DIMSE port and DICOMweb speak TLS (the whole run over TLS); without it the PACS has a second,
        TLS-only port for the security suite. Certificates are made for the run (harness/shared/tls.py)."""
        self.faults = checked_faults(faults, ProfileError)
        super().__init__(shipped_profile("simulators"))
        self.store_dir = store_dir
        self.tls = tls
        self.certificates = None
        self._temporary: str | None = None
        self._certificate_dir: str | None = None
        self._tls_pacs = None
        self._pacs = None
        self._store = None
        self._web = None

    def start(self) -> Target:
        if self.store_dir is None:
            self._temporary = tempfile.mkdtemp(prefix="dh-sim-")
        self._store = Store(Path(self.store_dir or self._temporary), folders_first=self.store_dir is not None)
        assert self.profile.dimse is not None
        self.worklist_folder = Path(tempfile.mkdtemp(prefix="dh-worklist-"))
        # One AE offers every service: a profile has one [dimse] endpoint (RIS code stays in simulators/ris.py)
        services = [RisService(WorklistStore(self.worklist_folder), self.faults)]
        peer = self.profile.peer

        def pacs(tls, services):
            simulator = PacsSimulator(self._store, ae_title=self.profile.dimse.ae_title, faults=self.faults,
                                      services=services, commitment_peers={peer.ae_title: (peer.host, peer.port)},
                                      # the harness calls as itself, or as its peer AE to get commitment results
                                      allowed_calling_aes=[self.profile.harness_ae_title, peer.ae_title],
                                      move_destinations={peer.ae_title: (peer.host, peer.port)})
            simulator.tls = tls
            return simulator.start()

        from dicom_harness.shared.tls import generate
        from dicom_harness.targets.profile import TlsFiles
        self._certificate_dir = tempfile.mkdtemp(prefix="dh-tls-")
        certificates = self.certificates = generate(self._certificate_dir)
        self._pacs = pacs(certificates if self.tls else None, services)
        client_files = TlsFiles(ca=str(certificates.ca), cert=str(certificates.client_cert),
                                key=str(certificates.client_key))
        if self.tls:
            target = self.profile.with_dimse(port=self._pacs.port, tls=True, tls_files=client_files)
        else:
            self._tls_pacs = pacs(certificates, ())
            target = self.profile.with_dimse(port=self._pacs.port, tls_port=self._tls_pacs.port,
                                             tls_files=client_files)
        if target.dicomweb is not None:
            web_tls = None
            if self.tls:
                from dicom_harness.shared.tls import server_context
                web_tls = server_context(certificates.server_cert, certificates.server_key)
            self._web = DicomWebSimulator(self._store, faults=self.faults, token=self._web_token(target),
                                          tls_context=web_tls).start()
            web_files = TlsFiles(ca=str(certificates.ca)) if self.tls else TlsFiles()
            target = replace(target, dicomweb=replace(target.dicomweb, base_url=self._web.base_url,
                                                      wado_uri=self._web.wado_uri_url, tls_files=web_files))
            if target.fhir is not None:
                target = replace(target, fhir=replace(target.fhir, base_url=self._web.fhir_url, tls_files=web_files))
        if self.faults:
            target = replace(target, name=f"{target.name} (faults: {', '.join(sorted(self.faults))})")
        return target

    @staticmethod
    def _web_token(target: Target) -> str | None:
        """A bearer token for this run, shared with the harness's client through the profile's variable."""
        import os
        import secrets
        if target.dicomweb.auth != "bearer":
            return None
        return os.environ.setdefault(target.dicomweb.token_env, secrets.token_urlsafe(18))

    def stop(self) -> None:
        # side by side: each server notices its stop only at its loop's next turn (uvicorn's every 0.1 s)
        import threading
        stopping = [threading.Thread(target=server.stop, name=f"stop-{type(server).__name__}")
                    for server in (self._web, self._pacs, self._tls_pacs) if server]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()
        if self._certificate_dir:
            shutil.rmtree(self._certificate_dir, ignore_errors=True)
        if self._store:
            self._store.close()
        if self._temporary:
            shutil.rmtree(self._temporary, ignore_errors=True)
        if self.worklist_folder:
            shutil.rmtree(self.worklist_folder, ignore_errors=True)
