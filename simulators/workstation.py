"""Workstation simulator: a Query/Retrieve SCU (PS3.4 Annex C) that finds a study and retrieves it, with a
readable log.

C-FIND STUDY (by Patient ID, or everything) -> C-FIND SERIES of the first study (cancelled once the first series
is in: the preview needs one) -> C-FIND IMAGE of that series -> C-GET of the study (its C-STORE sub-operations
on the same association, the SCP role proposed for the storage SOP classes) and/or C-MOVE of the study to this
AE's own storage listener. Its client faults (simulators/faults.py) each break one client-side requirement."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydicom.dataset import Dataset
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, build_role, evt
from pynetdicom.sop_class import (
    ComputedRadiographyImageStorage,
    CTImageStorage,
    DigitalXRayImageStorageForPresentation,
    EnhancedCTImageStorage,
    EnhancedMRImageStorage,
    MRImageStorage,
    SecondaryCaptureImageStorage,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    UltrasoundImageStorage,
)

from dicom_harness.shared.network import NODELAY_HANDLER, prepare_ae
from dicom_harness.shared.reactor import REACTOR_HANDLER
from dicom_harness.shared.status import Status
from dicom_harness.simulators.faults import (
    CLIENT_CANCEL_WRONG_ID,
    CLIENT_FIND_EMPTY_TIMEZONE,
    CLIENT_FIND_KEYS_ABOVE,
    CLIENT_FIND_WITHOUT_LEVEL,
    CLIENT_FIND_WITHOUT_LEVEL_KEY,
    CLIENT_FIND_WITHOUT_SERIES_UID,
    CLIENT_GET_MISSES_A_CLASS,
    CLIENT_GET_STORE_UNDEFINED_STATUS,
    CLIENT_GET_WITHOUT_ROLE,
    CLIENT_MOVE_WITHOUT_DESTINATION,
    CLIENT_RETRIEVE_REQUIRED_KEY,
    CLIENT_RETRIEVE_WITHOUT_LEVEL,
    CLIENT_RETRIEVE_WITHOUT_UID,
    CLIENT_RETRIEVES_NOTHING,
    Fault,
    faults_named,
)

Endpoint = tuple[str, str, int]       # AE title, host, port
TRANSFER_SYNTAXES = [ImplicitVRLittleEndian, ExplicitVRLittleEndian]
# The storage SOP classes this workstation takes as C-GET SCU (SCP role) and as C-MOVE destination
STORAGE_CLASSES = (CTImageStorage, MRImageStorage, ComputedRadiographyImageStorage, SecondaryCaptureImageStorage,
                   DigitalXRayImageStorageForPresentation, UltrasoundImageStorage, EnhancedCTImageStorage,
                   EnhancedMRImageStorage)
PENDING = (Status.PENDING, Status.PENDING_WARNING)
RETRIEVE_WAYS = ("get", "move", "both")


@dataclass
class Session:
    """What happened; ok when a study was found and every retrieve brought its instances."""
    studies: list[Dataset] = field(default_factory=list)
    series: list[Dataset] = field(default_factory=list)
    images: list[Dataset] = field(default_factory=list)
    retrieved: dict[str, int] = field(default_factory=dict)      # "C-GET"/"C-MOVE" -> instances received
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.studies) and bool(self.retrieved) and all(self.retrieved.values())


class WorkstationSimulator:
    def __init__(self, *, pacs: Endpoint, ae_title: str = "DH_WORKSTATION", host: str = "127.0.0.1", port: int = 0,
                 retrieve: str = "get", timeout: float = 10.0, log: Callable[[str], None] = print,
                 faults: Iterable[str | Fault] = ()):
        if retrieve not in RETRIEVE_WAYS:
            raise ValueError(f"retrieve must be one of {RETRIEVE_WAYS}, not {retrieve!r}")
        self.faults = faults_named(faults)
        self.pacs, self.ae_title, self.host, self.requested_port = pacs, ae_title, host, port
        self.retrieve, self.timeout, self.log = retrieve, timeout, log
        self.port: int | None = None
        self._server = None
        self._received: dict[str, int] = {}
        self._lock = threading.Lock()
        self._message_id = 0
        self._faulty_retrieve_done = False

    # -- our storage SCP, the C-MOVE destination --------------------------------------------------------------
    def start_listener(self) -> "WorkstationSimulator":
        ae = AE(ae_title=self.ae_title)
        prepare_ae(ae)
        for sop_class in STORAGE_CLASSES:
            ae.add_supported_context(sop_class, TRANSFER_SYNTAXES)
        handlers = [NODELAY_HANDLER, REACTOR_HANDLER, (evt.EVT_C_STORE, lambda event: self._on_store("C-MOVE", event))]
        self._server = ae.start_server((self.host, self.requested_port), block=False, evt_handlers=handlers)
        self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    def _on_store(self, how: str, event) -> int:
        with self._lock:
            self._received[how] = self._received.get(how, 0) + 1
        if how == "C-GET" and CLIENT_GET_STORE_UNDEFINED_STATUS in self.faults:
            return 0x0107           # Attribute List Error (PS3.7 C.4.2): an N-SET warning, not a C-STORE status
        return Status.SUCCESS

    # -- the session ------------------------------------------------------------------------------------------
    def run(self, patient_id: str = "") -> Session:
        result = Session()
        try:
            self._query(patient_id, result)
            if not result.studies:
                return result
            if CLIENT_RETRIEVES_NOTHING in self.faults:
                self.log(f"4. (fault {CLIENT_RETRIEVES_NOTHING}) no retrieve")
                return result
            study_uid = str(result.studies[0].StudyInstanceUID)
            if self.retrieve in ("get", "both"):
                self._get(study_uid, result)
            if self.retrieve in ("move", "both"):
                self._move(study_uid, result)
        except ConnectionError as exc:
            result.problems.append(str(exc))
            self.log(f"!! {exc}")
        return result

    def _next_id(self) -> int:
        self._message_id += 1
        return self._message_id

    def _associate(self, contexts, ext_neg=(), handlers=()):
        ae = AE(ae_title=self.ae_title)
        prepare_ae(ae)
        ae.dimse_timeout = ae.acse_timeout = ae.network_timeout = self.timeout
        for sop_class in contexts:
            ae.add_requested_context(sop_class, TRANSFER_SYNTAXES)
        ae_title, host, port = self.pacs
        assoc = ae.associate(host, port, ae_title=ae_title, ext_neg=list(ext_neg) or None,
                             evt_handlers=[NODELAY_HANDLER, REACTOR_HANDLER, *handlers])
        if not assoc.is_established:
            raise ConnectionError(f"{ae_title}@{host}:{port} did not accept an association")
        return assoc

    def _query(self, patient_id: str, result: Session) -> None:
        assoc = self._associate([StudyRootQueryRetrieveInformationModelFind])
        try:
            self.log(f"1. C-FIND STUDY to {self.pacs[0]}: Patient ID {patient_id or '(any)'}")
            study = _keys(QueryRetrieveLevel="STUDY", StudyInstanceUID="", PatientID=patient_id, PatientName="",
                          StudyDate="", StudyDescription="", AccessionNumber="", ModalitiesInStudy="",
                          NumberOfStudyRelatedInstances="")
            result.studies = self._find(assoc, study, result)
            if not result.studies:
                result.problems.append("no study found")
                return
            first = result.studies[0]
            self.log(f"   {len(result.studies)} study(ies); taking {first.get('StudyInstanceUID', '')} of patient "
                     f"{first.get('PatientName', '')} ({first.get('PatientID', '')})")
            self.log("2. C-FIND SERIES of that study, cancelled once the first series is in")
            series = _keys(QueryRetrieveLevel="SERIES", StudyInstanceUID=first.StudyInstanceUID,
                           SeriesInstanceUID="", Modality="", SeriesNumber="", NumberOfSeriesRelatedInstances="")
            result.series = self._find(assoc, series, result, cancel_after_first=True)
            if not result.series:
                result.problems.append("the study has no series")
                return
            self.log(f"   series {result.series[0].get('SeriesInstanceUID', '')} "
                     f"({result.series[0].get('Modality', '')})")
            self.log("3. C-FIND IMAGE of that series")
            result.images = self._find(assoc, self._image_query(first, result.series[0]), result)
            self.log(f"   {len(result.images)} image(s)")
        finally:
            assoc.release()

    def _image_query(self, study: Dataset, series: Dataset) -> Dataset:
        query = _keys(QueryRetrieveLevel="IMAGE", StudyInstanceUID=study.StudyInstanceUID,
                      SeriesInstanceUID=series.SeriesInstanceUID, SOPInstanceUID="", InstanceNumber="", SOPClassUID="")
        if CLIENT_FIND_WITHOUT_LEVEL in self.faults:
            del query.QueryRetrieveLevel
        if CLIENT_FIND_WITHOUT_SERIES_UID in self.faults:
            del query.SeriesInstanceUID
        if CLIENT_FIND_KEYS_ABOVE in self.faults:
            query.Modality, query.StudyDate = "", ""
        if CLIENT_FIND_WITHOUT_LEVEL_KEY in self.faults:
            del query.SOPInstanceUID
        if CLIENT_FIND_EMPTY_TIMEZONE in self.faults:
            query.TimezoneOffsetFromUTC = ""
        return query

    def _find(self, assoc, query: Dataset, result: Session, cancel_after_first: bool = False) -> list[Dataset]:
        message_id = self._next_id()
        context = next(cx for cx in assoc.accepted_contexts
                       if cx.abstract_syntax == StudyRootQueryRetrieveInformationModelFind)
        found, cancelled = [], False
        for status, identifier in assoc.send_c_find(query, StudyRootQueryRetrieveInformationModelFind,
                                                   msg_id=message_id):
            if status is None or "Status" not in status:
                result.problems.append("the C-FIND got no answer")
                self.log("   !! no answer")
                break
            if status.Status in PENDING:
                found.append(identifier)
                if cancel_after_first and not cancelled:
                    cancelled = True
                    to_cancel = message_id + 100 if CLIENT_CANCEL_WRONG_ID in self.faults else message_id
                    assoc.send_c_cancel(to_cancel, context_id=context.context_id)
            elif status.Status not in (Status.SUCCESS, Status.CANCEL):
                self.log(f"   C-FIND ended with status 0x{int(status.Status):04X}")
        return found

    def _retrieve_identifier(self, study_uid: str) -> Dataset:
        identifier = _keys(QueryRetrieveLevel="STUDY", StudyInstanceUID=study_uid)
        if self._faulty_retrieve_done:          # the faults below touch the first retrieve only
            return identifier
        self._faulty_retrieve_done = True
        if CLIENT_RETRIEVE_WITHOUT_LEVEL in self.faults:
            del identifier.QueryRetrieveLevel
        if CLIENT_RETRIEVE_WITHOUT_UID in self.faults:
            identifier.StudyInstanceUID = ""
        if CLIENT_RETRIEVE_REQUIRED_KEY in self.faults:
            identifier.PatientName, identifier.StudyDate = "", ""
        return identifier

    def _get(self, study_uid: str, result: Session) -> None:
        self.log(f"4. C-GET of study {study_uid}")
        classes = [uid for uid in STORAGE_CLASSES if not (CLIENT_GET_MISSES_A_CLASS in self.faults
                                                          and uid == MRImageStorage)]
        roles = [] if CLIENT_GET_WITHOUT_ROLE in self.faults else [build_role(uid, scp_role=True) for uid in classes]
        assoc = self._associate([StudyRootQueryRetrieveInformationModelGet, *classes], roles,
                                [(evt.EVT_C_STORE, lambda event: self._on_store("C-GET", event))])
        final = None
        try:
            for status, _ in assoc.send_c_get(self._retrieve_identifier(study_uid),
                                              StudyRootQueryRetrieveInformationModelGet, msg_id=self._next_id()):
                if status is not None and "Status" in status and status.Status not in PENDING:
                    final = status
        finally:
            assoc.release()
        self._retrieved("C-GET", final, result)

    def _move(self, study_uid: str, result: Session) -> None:
        self.log(f"5. C-MOVE of study {study_uid} to {self.ae_title} (listening on {self.host}:{self.port})")
        handlers = []
        if CLIENT_MOVE_WITHOUT_DESTINATION in self.faults:
            handlers.append((evt.EVT_DIMSE_SENT, _blank_move_destination))
        assoc = self._associate([StudyRootQueryRetrieveInformationModelMove], (), handlers)
        final = None
        try:
            for status, _ in assoc.send_c_move(self._retrieve_identifier(study_uid), self.ae_title,
                                               StudyRootQueryRetrieveInformationModelMove, msg_id=self._next_id()):
                if status is not None and "Status" in status and status.Status not in PENDING:
                    final = status
        finally:
            assoc.release()
        self._retrieved("C-MOVE", final, result)

    def _retrieved(self, how: str, final, result: Session) -> None:
        code = int(final.Status) if final is not None else None
        with self._lock:
            count = self._received.get(how, 0)
        result.retrieved[how] = count
        completed = final.get("NumberOfCompletedSuboperations", "") if final is not None else ""
        self.log(f"   {how} ended with status {'none' if code is None else f'0x{code:04X}'}: {count} instance(s) "
                 f"received, {completed or '?'} completed")
        if code != Status.SUCCESS:
            result.problems.append(f"{how} ended with status {'none' if code is None else f'0x{code:04X}'}")


def _keys(**values) -> Dataset:
    ds = Dataset()
    for keyword, value in values.items():
        setattr(ds, keyword, value)
    return ds


def _blank_move_destination(event) -> None:
    """The client-move-without-destination fault: the C-MOVE-RQ's Move Destination becomes spaces only."""
    command = event.message.command_set
    if command.get("CommandField") == 0x0021:
        command.MoveDestination = " " * 16
