"""Viewer simulator: a DICOMweb user agent playing one reading session against an origin server, with a readable
log.

QIDO-RS search for studies (a Patient Name wildcard, a few includefields, a limit) -> WADO-RS retrieve of the
first study found (multipart/related; type="application/dicom") -> STOW-RS of one Secondary Capture image into
that study (a viewer saving a screenshot); with ups=True, then a UPS-RS pull (PS3.18 11, PS3.4 CC): search the
worklist for a SCHEDULED workitem, claim it (IN PROGRESS, with a Transaction UID of its own), update it with
the performed procedure and complete it (that Transaction UID in each). Its client faults (simulators/faults.py, `viewer-*`) each break one
user-agent requirement of PS3.18, for `dicom-harness listen --as dicomweb` to catch."""

from __future__ import annotations

import datetime
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from io import BytesIO
from urllib.parse import quote

import httpx
from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

from dicom_harness.shared.ups import performed_procedure
from dicom_harness.simulators.faults import (
    VIEWER_ACCEPT_MULTIPART_WITHOUT_TYPE,
    VIEWER_INCLUDEFIELD_ALL_AND_MORE,
    VIEWER_LIMIT_NEGATIVE,
    VIEWER_RETRIEVE_NO_ACCEPT,
    VIEWER_RETRIEVES_NOTHING,
    VIEWER_SEARCH_ATTRIBUTE_TWICE,
    VIEWER_SEARCH_BAD_ATTRIBUTE,
    VIEWER_SEARCH_NO_ACCEPT,
    VIEWER_SEARCH_UNENCODED,
    VIEWER_SEARCHES_NOTHING,
    VIEWER_STORES_NOTHING,
    VIEWER_STOW_NO_ACCEPT,
    VIEWER_STOW_NO_TYPE_PARAMETER,
    VIEWER_STOW_OMITS_TYPE1,
    VIEWER_STOW_PART_OCTET_STREAM,
    VIEWER_UPS_COMPLETE_OTHER_TRANSACTION,
    VIEWER_UPS_PULLS_NOTHING,
    VIEWER_UPS_SEARCH_NO_ACCEPT,
    VIEWER_UPS_STATE_LOWER_CASE,
    VIEWER_UPS_STATE_NO_CONTENT_TYPE,
    VIEWER_UPS_UPDATE_WITHOUT_TRANSACTION,
    Fault,
    faults_named,
)

DICOM_JSON = "application/dicom+json"
MULTIPART_DICOM = 'multipart/related; type="application/dicom"'
STUDY_UID, PATIENT_ID, PATIENT_NAME = "0020000D", "00100020", "00100010"
SIDE = 32


@dataclass
class Session:
    studies: list[dict] = field(default_factory=list)       # the QIDO-RS answer (DICOM JSON)
    retrieved: list[Dataset] = field(default_factory=list)
    stored: str = ""                                         # the SOP Instance UID sent by STOW-RS
    completed: str = ""                                      # the UPS workitem pulled and completed
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class ViewerSimulator:
    def __init__(self, base_url: str, *, patient_name: str = "DH^*", study: str = "", store: bool = True,
                 timeout: float = 10.0, ups: bool = False,
                 log: Callable[[str], None] = lambda line: None, faults: Iterable[str | Fault] = ()):
        self.base_url = base_url.rstrip("/")
        self.patient_name = patient_name
        self.study = study          # the study to open when the search finds none (a viewer launched on a study)
        self.store = store
        self.ups = ups
        self.log = log
        self.faults = faults_named(faults)
        self.client = httpx.Client(timeout=timeout)

    def run(self) -> Session:
        session = Session()
        try:
            study = self._search(session) or self.study
            if study:
                self._retrieve(study, session)
            if self.store:
                self._store(session)
            if self.ups:
                self._pull(session)
        except httpx.HTTPError as exc:
            session.problems.append(f"{type(exc).__name__}: {exc}")
        finally:
            self.client.close()
        return session

    # -- QIDO-RS ---------------------------------------------------------------------------------------------
    def _search(self, session: Session) -> str:
        if VIEWER_SEARCHES_NOTHING in self.faults:
            self.log("search: skipped")
            return ""
        name_key = "0010,0010" if VIEWER_SEARCH_BAD_ATTRIBUTE in self.faults else "PatientName"
        value = self.patient_name if VIEWER_SEARCH_UNENCODED in self.faults else _encode(self.patient_name)
        includes = (["includefield=all", "includefield=StudyDescription"]
                    if VIEWER_INCLUDEFIELD_ALL_AND_MORE in self.faults
                    else ["includefield=StudyDescription,00081030", "includefield=ModalitiesInStudy"])
        limit = "-1" if VIEWER_LIMIT_NEGATIVE in self.faults else "10"
        keys = [f"{quote(name_key, safe='')}={value}"]
        if VIEWER_SEARCH_ATTRIBUTE_TWICE in self.faults:
            keys.append(f"00100010={value}")
        query = "&".join([*keys, *includes, f"limit={limit}", "offset=0"])
        headers = {} if VIEWER_SEARCH_NO_ACCEPT in self.faults else {"Accept": DICOM_JSON}
        answer = self._send("GET", f"/studies?{query}", headers)
        if answer.status_code >= 400:       # as a user would: search again, for every study
            self.log(f"search: answered {answer.status_code}; searching for every study")
            answer = self._send("GET", "/studies?limit=10", headers)
        if answer.status_code == 204:
            session.problems.append("search: no study found")
            return ""
        if answer.status_code != 200:
            session.problems.append(f"search: answered {answer.status_code}")
            return ""
        session.studies = answer.json()
        found = [item.get(STUDY_UID, {}).get("Value", [""])[0] for item in session.studies]
        self.log(f"search: {len(found)} study(ies)")
        return next((uid for uid in found if uid), "")

    # -- WADO-RS ---------------------------------------------------------------------------------------------
    def _retrieve(self, study: str, session: Session) -> None:
        if VIEWER_RETRIEVES_NOTHING in self.faults:
            self.log("retrieve: skipped")
            return
        if VIEWER_RETRIEVE_NO_ACCEPT in self.faults:
            headers = {}
        elif VIEWER_ACCEPT_MULTIPART_WITHOUT_TYPE in self.faults:
            headers = {"Accept": "multipart/related"}
        else:
            headers = {"Accept": f"{MULTIPART_DICOM}; transfer-syntax=*"}
        answer = self._send("GET", f"/studies/{study}", headers)
        if answer.status_code != 200:
            session.problems.append(f"retrieve: answered {answer.status_code}")
            return
        boundary = _parameter(answer.headers.get("content-type", ""), "boundary")
        for part in _parts(answer.content, boundary) if boundary else []:
            try:
                session.retrieved.append(dcmread(BytesIO(part), force=True))
            except Exception as exc:        # a part that is no DICOM file: a problem of the server, noted
                session.problems.append(f"retrieve: a part could not be read ({exc})")
        self.log(f"retrieve: {len(session.retrieved)} instance(s) of study {study}")

    # -- STOW-RS ---------------------------------------------------------------------------------------------
    def _store(self, session: Session) -> None:
        if VIEWER_STORES_NOTHING in self.faults:
            self.log("store: skipped")
            return
        image = self._screenshot(session.studies[0] if session.studies else {})
        encoded = BytesIO()
        image.save_as(encoded, enforce_file_format=True)
        boundary = f"DH-VIEWER-{os.urandom(8).hex()}"
        part_type = "application/octet-stream" if VIEWER_STOW_PART_OCTET_STREAM in self.faults else "application/dicom"
        body = (f"--{boundary}\r\nContent-Type: {part_type}\r\n\r\n".encode() + encoded.getvalue()
                + f"\r\n--{boundary}--\r\n".encode())
        content_type = (f"multipart/related; boundary={boundary}" if VIEWER_STOW_NO_TYPE_PARAMETER in self.faults
                        else f"{MULTIPART_DICOM}; boundary={boundary}")
        headers = {"Content-Type": content_type}
        if VIEWER_STOW_NO_ACCEPT not in self.faults:
            headers["Accept"] = DICOM_JSON
        answer = self._send("POST", "/studies", headers, body)
        if answer.status_code not in (200, 202):
            session.problems.append(f"store: answered {answer.status_code}")
            return
        session.stored = str(image.SOPInstanceUID)
        self.log(f"store: secondary capture {session.stored} stored ({answer.status_code})")

    # -- UPS-RS pull (PS3.18 11.9, 11.7, 11.6) -------------------------------------------------------------------
    def _pull(self, session: Session) -> None:
        headers = {} if VIEWER_UPS_SEARCH_NO_ACCEPT in self.faults else {"Accept": DICOM_JSON}
        answer = self._send("GET", "/workitems?ProcedureStepState=SCHEDULED", headers)
        if answer.status_code != 200:
            session.problems.append(f"worklist search: answered {answer.status_code}")
            return
        found = [_json_value(item, "00080018", "") for item in answer.json()]
        workitem = next((uid for uid in found if uid), "")
        self.log(f"worklist search: {len(found)} scheduled workitem(s)")
        if not workitem:
            session.problems.append("worklist search: no workitem found")
            return
        if VIEWER_UPS_PULLS_NOTHING in self.faults:
            self.log(f"pull: workitem {workitem} left alone")
            return
        transaction = generate_uid(prefix=None)
        if not self._change_state(workitem, transaction, "IN PROGRESS", session):
            return
        update = performed_procedure(output=self._output(session), start=_now(), end=_now())
        query = "" if VIEWER_UPS_UPDATE_WITHOUT_TRANSACTION in self.faults else f"?{transaction}"
        answer = self._send("POST", f"/workitems/{workitem}{query}", {"Content-Type": DICOM_JSON},
                            _json_body(update))
        if answer.status_code != 200:
            session.problems.append(f"workitem update: answered {answer.status_code}")
        if VIEWER_UPS_COMPLETE_OTHER_TRANSACTION in self.faults:
            transaction = generate_uid(prefix=None)
        state = "completed" if VIEWER_UPS_STATE_LOWER_CASE in self.faults else "COMPLETED"
        if self._change_state(workitem, transaction, state, session,
                              typed=VIEWER_UPS_STATE_NO_CONTENT_TYPE not in self.faults):
            session.completed = workitem
            self.log(f"pull: workitem {workitem} claimed, updated and completed")

    def _change_state(self, workitem: str, transaction: str, state: str, session: Session, typed: bool = True) -> bool:
        payload = Dataset()
        payload.TransactionUID = transaction
        payload.ProcedureStepState = state
        headers = {"Content-Type": DICOM_JSON} if typed else {}
        answer = self._send("PUT", f"/workitems/{workitem}/state", headers, _json_body(payload))
        if answer.status_code != 200:
            session.problems.append(f"change state to {state}: answered {answer.status_code}")
        return answer.status_code == 200

    @staticmethod
    def _output(session: Session) -> tuple[str, str, str, str]:
        """What the pull produced, for the performed procedure: the screenshot stored, or the first instance read."""
        for ds in session.retrieved:
            return (str(ds.SOPClassUID), str(ds.SOPInstanceUID), str(ds.StudyInstanceUID), str(ds.SeriesInstanceUID))
        return (SecondaryCaptureImageStorage, session.stored or generate_uid(prefix=None), generate_uid(prefix=None),
                generate_uid(prefix=None))

    def _screenshot(self, study: dict) -> Dataset:
        """A Secondary Capture image in the study found (a new study when none was)."""
        now = datetime.datetime.now()
        ds = Dataset()
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.PatientName = _json_value(study, PATIENT_NAME, "DH^VIEWER")
        ds.PatientID = _json_value(study, PATIENT_ID, "DH-VIEWER")
        ds.PatientBirthDate = ""
        ds.PatientSex = ""
        ds.StudyInstanceUID = _json_value(study, STUDY_UID, "") or generate_uid(prefix=None)
        ds.StudyDate, ds.StudyTime = _json_value(study, "00080020", ""), _json_value(study, "00080030", "")
        ds.ReferringPhysicianName = ""
        ds.StudyID = _json_value(study, "00200010", "")
        ds.AccessionNumber = _json_value(study, "00080050", "")
        ds.SOPClassUID = SecondaryCaptureImageStorage
        ds.SOPInstanceUID = generate_uid(prefix=None)
        ds.SeriesInstanceUID = generate_uid(prefix=None)
        ds.Modality = "OT"
        ds.SeriesNumber = 999
        ds.Laterality = ""
        ds.InstanceNumber = 1
        ds.ContentDate, ds.ContentTime = now.strftime("%Y%m%d"), now.strftime("%H%M%S")
        ds.ConversionType = "WSD"
        ds.PatientOrientation = ""
        ds.Manufacturer = "dicom-harness viewer simulator"
        ds.ImageType = ["DERIVED", "SECONDARY"]
        ds.Rows = ds.Columns = SIDE
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME2"
        ds.BitsAllocated = ds.BitsStored = 8
        ds.HighBit = 7
        ds.PixelRepresentation = 0
        ds.PixelData = bytes((x * 8 + y) % 256 for y in range(SIDE) for x in range(SIDE))
        if VIEWER_STOW_OMITS_TYPE1 in self.faults:
            del ds.ConversionType
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        return ds

    def _send(self, method: str, target: str, headers: dict, body: bytes | None = None) -> httpx.Response:
        """The request with its target as written here: httpx keeps the query's characters as given, so what
        the faults leave unencoded goes out unencoded."""
        url = httpx.URL(self.base_url)
        url = url.copy_with(raw_path=url.raw_path.rstrip(b"/") + target.encode("ascii", "strict"))
        request = self.client.build_request(method, url, headers=headers, content=body)
        if "Accept" not in headers:
            request.headers.pop("Accept", None)       # httpx adds "Accept: */*" of its own
        self.log(f"{method} {target.split('?')[0]}{'?...' if '?' in target else ''}")
        return self.client.send(request)


def _now() -> str:
    return datetime.datetime.now().strftime("%Y%m%d%H%M%S")


def _json_body(ds: Dataset) -> bytes:
    return json.dumps([ds.to_json_dict()]).encode()


def _encode(value: str) -> str:
    """Percent-encode a query parameter value (PS3.18 8.3.4.1): every character but unreserved ones, the
    wildcard '*' and the list separator ','."""
    return quote(value, safe="*,")


def _json_value(item: dict, tag: str, default: str) -> str:
    value = (item.get(tag) or {}).get("Value") or [default]
    first = value[0]
    return first.get("Alphabetic", default) if isinstance(first, dict) else str(first)


def _parameter(content_type: str, name: str) -> str:
    for item in content_type.split(";")[1:]:
        key, _, value = item.strip().partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"')
    return ""


def _parts(body: bytes, boundary: str) -> list[bytes]:
    """The contents of a multipart body's parts (their headers dropped)."""
    found = []
    for chunk in body.split(b"--" + boundary.encode("latin-1"))[1:]:
        if chunk.startswith(b"--"):
            break
        _, _, content = chunk.partition(b"\r\n\r\n")
        found.append(content.removesuffix(b"\r\n"))
    return found
