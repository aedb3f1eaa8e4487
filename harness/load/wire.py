"""Lean DIMSE and DICOMweb clients for load: no evidence is kept (a load sends thousands of messages), every
answer is reduced to what an operation's success depends on. They run unchanged under gevent (pynetdicom's
association and DUL threads become greenlets, its sockets cooperative) and on ordinary threads (--check)."""

from __future__ import annotations

import hashlib
import uuid
from io import BytesIO

import httpx
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset
from pydicom.uid import ExplicitVRLittleEndian
from pynetdicom import AE, build_role, evt
from pynetdicom.sop_class import (
    CTImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    Verification,
)

from dicom_harness.clients.multipart import parse_multipart

# C-STORE statuses that mean the SCP kept the instance (PS3.4 B.2.3: Success and the three Warnings)
STORED = {0x0000, 0xB000, 0xB006, 0xB007}
MULTIPART_DICOM = 'multipart/related; type="application/dicom"'


def content_digest(ds: Dataset) -> str:
    """SHA-256 of the data set (the File Meta Information left out: it names the sender and is rewritten by
    every receiver) encoded as Explicit VR Little Endian: equal for byte-identical attributes and pixel data."""
    body = Dataset()
    for element in ds:
        if element.tag.group != 0x0002:
            body.add(element)
    buffer = DicomBytesIO()
    buffer.is_little_endian, buffer.is_implicit_VR = True, False
    write_dataset(buffer, body)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def pixel_digest(ds: Dataset) -> str:
    """SHA-256 of the Pixel Data bytes as they travel (native Explicit VR Little Endian here)."""
    return hashlib.sha256(bytes(ds.get("PixelData", b""))).hexdigest()


def part10(ds: Dataset) -> bytes:
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


class DimseLink:
    """One association to the target offering Verification, CT Image Storage (Explicit VR Little Endian only, so
    what comes back is compared in the encoding it was sent in), Study Root C-FIND and C-GET (with the SCP role
    for CT Image Storage, for the C-GET sub-operations)."""

    def __init__(self, dimse: dict, calling_ae: str):
        self.dimse = dimse
        self.calling_ae = calling_ae
        self.assoc = None
        self._received: list[Dataset] = []

    def open(self) -> "DimseLink":
        ae = AE(ae_title=self.calling_ae)
        timeout = self.dimse.get("timeout", 10.0)
        ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = timeout
        ae.add_requested_context(Verification)
        ae.add_requested_context(CTImageStorage, ExplicitVRLittleEndian)
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelFind)
        ae.add_requested_context(StudyRootQueryRetrieveInformationModelGet)
        self.assoc = ae.associate(self.dimse["host"], self.dimse["port"], ae_title=self.dimse["ae_title"],
                                  ext_neg=[build_role(CTImageStorage, scu_role=True, scp_role=True)],
                                  evt_handlers=[(evt.EVT_C_STORE, self._on_store)])
        if not self.assoc.is_established:
            self.assoc = None
            raise ConnectionError(f"association to {self.dimse['ae_title']}@{self.dimse['host']}:"
                                  f"{self.dimse['port']} not established (rejected or aborted)")
        return self

    @property
    def alive(self) -> bool:
        return self.assoc is not None and self.assoc.is_established

    def close(self) -> None:
        if self.assoc is not None:
            if self.assoc.is_established:
                self.assoc.release()
            self.assoc = None

    def _on_store(self, event) -> int:
        self._received.append(event.dataset)
        return 0x0000

    def _need(self) -> None:
        if not self.alive:
            raise ConnectionError("the association ended")

    def echo(self) -> int:
        self._need()
        status = self.assoc.send_c_echo()
        return _status(status, "C-ECHO")

    def store(self, ds: Dataset) -> int:
        self._need()
        return _status(self.assoc.send_c_store(ds), "C-STORE")

    def find_study(self, study_uid: str) -> int:
        """C-FIND at STUDY level for one Study Instance UID: the number of matches."""
        self._need()
        identifier = Dataset()
        identifier.QueryRetrieveLevel = "STUDY"
        identifier.StudyInstanceUID = study_uid
        identifier.PatientID = ""
        identifier.StudyDate = ""
        identifier.NumberOfStudyRelatedInstances = ""
        matches, final = 0, None
        for status, _ in self.assoc.send_c_find(identifier, StudyRootQueryRetrieveInformationModelFind):
            code = _status(status, "C-FIND")
            if code in (0xFF00, 0xFF01):
                matches += 1
            else:
                final = code
        if final != 0x0000:
            raise RuntimeError(f"C-FIND ended with status {final:04X}" if final is not None else "C-FIND: no final")
        return matches

    def get_study(self, study_uid: str) -> list[Dataset]:
        """C-GET of a study: the instances received by the sub-operations."""
        self._need()
        identifier = Dataset()
        identifier.QueryRetrieveLevel = "STUDY"
        identifier.StudyInstanceUID = study_uid
        self._received = []
        final = None
        for status, _ in self.assoc.send_c_get(identifier, StudyRootQueryRetrieveInformationModelGet):
            code = _status(status, "C-GET")
            if code != 0xFF00:
                final = code
        received, self._received = self._received, []
        if final not in (0x0000, 0xB000):
            raise RuntimeError(f"C-GET ended with status {final:04X}" if final is not None else "C-GET: no final")
        return received


def _status(status: Dataset, what: str) -> int:
    if not status or "Status" not in status:
        raise ConnectionError(f"{what}: no response (timeout or the association ended)")
    return int(status.Status)


class WebLink:
    """An httpx client for one Locust user (or for --check)."""

    def __init__(self, web: dict):
        self.base = web["base_url"]
        self.client = httpx.Client(headers=web.get("headers") or {}, timeout=web.get("timeout", 10.0))

    def close(self) -> None:
        self.client.close()

    def stow(self, datasets: list[Dataset], study_uid: str | None = None) -> tuple[int, set[str], int]:
        """STOW-RS: the HTTP status, the SOP Instance UIDs the answer lists as stored, and the bytes sent."""
        boundary = f"DH-{uuid.uuid4().hex}"
        body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + part10(ds)
                        + b"\r\n" for ds in datasets) + b"--" + boundary.encode() + b"--\r\n"
        response = self.client.post(f"{self.base}/studies", content=body, headers={
            "Content-Type": f"{MULTIPART_DICOM}; boundary={boundary}", "Accept": "application/dicom+json"})
        stored: set[str] = set()
        if response.status_code in (200, 202):
            try:
                answer = response.json()
            except ValueError:
                answer = {}
            for item in (answer.get("00081199") or {}).get("Value", []):
                uid = (item.get("00081155") or {}).get("Value", [None])[0]
                if uid:
                    stored.add(uid)
        return response.status_code, stored, len(body)

    def qido_study(self, study_uid: str) -> tuple[int, int, int]:
        """QIDO-RS /studies?StudyInstanceUID=: the HTTP status, the number of matches and the bytes received."""
        response = self.client.get(f"{self.base}/studies", params={"StudyInstanceUID": study_uid},
                                   headers={"Accept": "application/dicom+json"})
        matches = len(response.json()) if response.status_code == 200 and response.content else 0
        return response.status_code, matches, len(response.content)

    def wado_study(self, study_uid: str) -> tuple[int, list[Dataset], int]:
        """WADO-RS study retrieve: the HTTP status, the instances, and the bytes received."""
        response = self.client.get(f"{self.base}/studies/{study_uid}",
                                   headers={"Accept": f"{MULTIPART_DICOM}; transfer-syntax=*"})
        if response.status_code != 200:
            return response.status_code, [], len(response.content)
        parsed = parse_multipart(response.headers.get("content-type", ""), response.content, "application/dicom")
        return 200, [dcmread(BytesIO(part.content)) for part in parsed.parts], len(response.content)

