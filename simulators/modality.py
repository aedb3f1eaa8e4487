"""Modality simulator: plays one acquisition against a RIS and a PACS, with a readable log.

worklist query (C-FIND) -> MPPS N-CREATE IN PROGRESS -> C-STORE of the images -> MPPS N-SET COMPLETED ->
Storage Commitment N-ACTION -> its N-EVENT-REPORT (on the same association, or on a new one to this AE's own
listener). A step the peer does not offer (MPPS on a PACS without it, say) is logged and skipped; a step that
fails ends the acquisition."""

from __future__ import annotations

import copy
import datetime
import struct
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian, generate_uid
from pynetdicom import AE, evt
from pynetdicom.dimse import DIMSEServiceProvider
from pynetdicom.sop_class import (
    CTImageStorage,
    ModalityPerformedProcedureStep,
    ModalityPerformedProcedureStepRetrieve,
    ModalityWorklistInformationFind,
    MRImageStorage,
    StorageCommitmentPushModel,
    StudyRootQueryRetrieveInformationModelFind,
    Verification,
)

from dicom_harness.shared import associate_rq
from dicom_harness.shared.mpps import COMPLETED, IN_PROGRESS, final_state_attributes, in_progress_attributes
from dicom_harness.shared.network import NODELAY_HANDLER, prepare_ae
from dicom_harness.shared.reactor import REACTOR_HANDLER
from dicom_harness.shared.status import Status
from dicom_harness.simulators.faults import (
    CLIENT_AFFECTED_CLASS_MISMATCH,
    CLIENT_AFFECTED_INSTANCE_MISMATCH,
    CLIENT_BAD_ENUMERATED_VALUE,
    CLIENT_BAD_PRIORITY,
    CLIENT_BAD_UID,
    CLIENT_BLANK_CALLING_AE,
    CLIENT_COMMIT_ACTION_TYPE_2,
    CLIENT_COMMIT_BAD_TRANSACTION_UID,
    CLIENT_COMMIT_ITEMS_WITHOUT_CLASS,
    CLIENT_COMMIT_OTHER_INSTANCE,
    CLIENT_COMMIT_REPEATS_TRANSACTION,
    CLIENT_COMMIT_WRONG_CLASS,
    CLIENT_CONTEXT_WITHOUT_TRANSFER_SYNTAX,
    CLIENT_EVEN_CONTEXT_ID,
    CLIENT_IGNORES_MAX_PDU,
    CLIENT_MPPS_COMPLETES_WITHOUT_END_TIME,
    CLIENT_MPPS_CREATE_COMPLETED,
    CLIENT_MPPS_CREATE_WITHOUT_UID,
    CLIENT_MPPS_OMITS_TYPE1,
    CLIENT_MPPS_OMITS_TYPE2,
    CLIENT_MPPS_REFERENCES_SOME_IMAGES,
    CLIENT_MPPS_SET_AFTER_COMPLETED,
    CLIENT_MPPS_SET_UNKNOWN_INSTANCE,
    CLIENT_MPPS_SETS_UNCREATED,
    CLIENT_MPPS_WRONG_SOP_CLASS,
    CLIENT_NO_APPLICATION_CONTEXT,
    CLIENT_NO_IMPLEMENTATION_UID,
    CLIENT_NO_MAXIMUM_LENGTH,
    CLIENT_OMITS_TYPE1,
    CLIENT_OMITS_TYPE2,
    CLIENT_PROTOCOL_VERSION_2,
    CLIENT_RESERVED_NOT_ZERO,
    CLIENT_SKIPS_COMMITMENT,
    CLIENT_SKIPS_MPPS,
    CLIENT_SKIPS_WORKLIST,
    CLIENT_STORES_NOTHING,
    CLIENT_WORKLIST_EMPTY_TIMEZONE,
    CLIENT_WORKLIST_QR_LEVEL,
    CLIENT_WORKLIST_TWO_ITEM_SEQUENCE,
    CLIENT_WORKLIST_UNDECLARED_CHARSET,
    CLIENT_WORKLIST_WRONG_SOP_CLASS,
    Fault,
    faults_named,
)

WELL_KNOWN_COMMITMENT_INSTANCE = "1.2.840.10008.1.20.1.1"
TRANSFER_SYNTAXES = [ImplicitVRLittleEndian, ExplicitVRLittleEndian]
# C-STORE answers that mean the image was kept: Success and the Warnings of PS3.4 Table B.2-1
STORED = (Status.SUCCESS, Status.COERCION_OF_DATA_ELEMENTS, Status.ELEMENTS_DISCARDED,
          Status.WARNING_DATA_SET_DOES_NOT_MATCH_SOP_CLASS)

Endpoint = tuple[str, str, int]       # AE title, host, port
SIDE = 128      # image rows and columns: 32 KB of pixels, more than one PDU at common maximum lengths


class _UnboundedPdu(DIMSEServiceProvider):
    """For the client-ignores-max-pdu fault: never fragment to the acceptor's maximum length."""

    @property
    def maximum_pdu_size(self) -> int:
        return 0


@dataclass
class Acquisition:
    """What happened, step by step; ok is True when every step that ran succeeded and all was committed."""
    worklist_item: Dataset | None = None
    mpps_uid: str = ""
    mpps: str = "not run"                 # completed | skipped (not offered) | failed ...
    stored: list[Dataset] = field(default_factory=list)
    commitment_event_type: int | None = None
    committed: int = 0
    failed: int = 0
    commitment_arrived_on: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.commitment_event_type == 1


class ModalitySimulator:
    def __init__(self, *, worklist: Endpoint, store: Endpoint, mpps: Endpoint | None = None,
                 commitment: Endpoint | None = None, ae_title: str = "DH_MODALITY", host: str = "127.0.0.1",
                 port: int = 0, images: int = 3, timeout: float = 10.0, log: Callable[[str], None] = print,
                 faults: Iterable[str | Fault] = ()):
        self.faults = faults_named(faults)
        self.worklist = worklist
        self.store = store
        self.mpps_endpoint = mpps or worklist
        self.commitment_endpoint = commitment or store
        self.ae_title = ae_title
        self.host = host
        self.requested_port = port
        self.images = images
        self.timeout = timeout
        self.log = log
        self.port: int | None = None
        self._server = None
        self._reports: list[tuple[str, int, Dataset]] = []
        self._reports_changed = threading.Condition()
        self._next_class: dict[int, str] = {}     # command field -> the SOP Class UID its next request names

    def _problem(self, result: "Acquisition", text: str) -> None:
        result.problems.append(text)
        self.log(f"   !! {text}")

    # -- our own listener, for commitment results on a new association --------------------------------------
    def start_listener(self) -> "ModalitySimulator":
        ae = AE(ae_title=self.ae_title)
        prepare_ae(ae)
        ae.add_supported_context(StorageCommitmentPushModel, TRANSFER_SYNTAXES, scu_role=True, scp_role=True)
        handlers = [NODELAY_HANDLER, REACTOR_HANDLER, (evt.EVT_N_EVENT_REPORT, self._on_report_new)]
        self._server = ae.start_server((self.host, self.requested_port), block=False, evt_handlers=handlers)
        self.port = self._server.server_address[1]
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server = None

    def _record(self, how: str, event) -> tuple[int, None]:
        with self._reports_changed:
            self._reports.append((how, int(event.request.EventTypeID), event.event_information))
            self._reports_changed.notify_all()
        return Status.SUCCESS, None

    def _on_report_new(self, event):
        return self._record(f"a new association from {event.assoc.requestor.ae_title}", event)

    def _associate(self, endpoint: Endpoint, sop_classes, handlers=()):
        ae = AE(ae_title=self.ae_title)
        prepare_ae(ae)
        ae.dimse_timeout = ae.acse_timeout = ae.network_timeout = self.timeout
        for sop_class in sop_classes:
            ae.add_requested_context(sop_class, TRANSFER_SYNTAXES)
        assoc = ae.associate(endpoint[1], endpoint[2], ae_title=endpoint[0],
                             evt_handlers=[NODELAY_HANDLER, REACTOR_HANDLER, *handlers])
        if not assoc.is_established:
            raise ConnectionError(f"{endpoint[0]}@{endpoint[1]}:{endpoint[2]} did not accept an association")
        return assoc

    # -- faults of this modality as a client ---------------------------------------------------------------
    ASSOCIATION_FAULTS = frozenset((CLIENT_PROTOCOL_VERSION_2, CLIENT_EVEN_CONTEXT_ID,
                                    CLIENT_CONTEXT_WITHOUT_TRANSFER_SYNTAX, CLIENT_NO_MAXIMUM_LENGTH,
                                    CLIENT_NO_IMPLEMENTATION_UID, CLIENT_BLANK_CALLING_AE,
                                    CLIENT_NO_APPLICATION_CONTEXT, CLIENT_RESERVED_NOT_ZERO))

    def _faulty_association(self, endpoint: Endpoint) -> None:
        """Association faults: one extra Verification association whose A-ASSOCIATE-RQ is rewritten, so the
        acquisition's own associations, and so every other requirement, stay untouched."""
        chosen = sorted(map(str, self.faults & self.ASSOCIATION_FAULTS))
        if not chosen:
            return
        self.log(f"0. (faults: {', '.join(chosen)}) C-ECHO to {endpoint[0]} with a rewritten A-ASSOCIATE-RQ")

        def rewrite_request(event) -> None:
            transport = event.assoc.dul.socket
            send = transport.send

            def send_rewritten(data: bytes) -> None:
                if data[:1] == b"\x01":
                    data = self._rewritten_request(bytes(data))
                send(data)
            transport.send = send_rewritten

        try:
            assoc = self._associate(endpoint, [Verification, CTImageStorage], [(evt.EVT_CONN_OPEN, rewrite_request)])
            assoc.release()
        except (ConnectionError, OSError, ValueError) as exc:
            self.log(f"   the peer did not take it: {exc}")

    def _rewritten_request(self, raw: bytes) -> bytes:
        request = associate_rq.parse(raw)
        if CLIENT_PROTOCOL_VERSION_2 in self.faults:
            request.protocol_version = 0x0002
        if CLIENT_BLANK_CALLING_AE in self.faults:
            request.calling_ae = b" " * 16
        if CLIENT_RESERVED_NOT_ZERO in self.faults:
            request.header_rest = b"\xff" * len(request.header_rest)
        if CLIENT_NO_APPLICATION_CONTEXT in self.faults:
            request.items = [item for item in request.items if item.type != associate_rq.APPLICATION_CONTEXT]
        contexts = request.presentation_contexts
        if CLIENT_EVEN_CONTEXT_ID in self.faults:
            for number, item in enumerate(contexts, start=1):
                item.value = bytes([2 * number]) + item.value[1:]
        if CLIENT_CONTEXT_WITHOUT_TRANSFER_SYNTAX in self.faults and contexts:
            contexts[-1].children = [c for c in contexts[-1].children if c.type != associate_rq.TRANSFER_SYNTAX]
        dropped = set()
        if CLIENT_NO_MAXIMUM_LENGTH in self.faults:
            dropped.add(associate_rq.MAXIMUM_LENGTH)
        if CLIENT_NO_IMPLEMENTATION_UID in self.faults:
            dropped.add(associate_rq.IMPLEMENTATION_CLASS_UID)
        for user_information in request.items_of(associate_rq.USER_INFORMATION):
            user_information.children = [c for c in user_information.children if c.type not in dropped]
        return associate_rq.encode(request)

    COMMAND_FAULTS = frozenset((CLIENT_BAD_PRIORITY, CLIENT_AFFECTED_CLASS_MISMATCH, CLIENT_AFFECTED_INSTANCE_MISMATCH))

    def _store_with_rewritten_command(self, image: Dataset) -> None:
        """Command faults: one more C-STORE, on its own association, of an image outside the performed series, whose
        command set is rewritten; a peer may refuse it or abort, and the acquisition itself stays untouched."""
        chosen = sorted(map(str, self.faults & self.COMMAND_FAULTS))
        if not chosen:
            return
        extra = copy.deepcopy(image)
        extra.SeriesInstanceUID = generate_uid(prefix=None)
        extra.SeriesNumber = 99
        extra.SOPInstanceUID = extra.file_meta.MediaStorageSOPInstanceUID = generate_uid(prefix=None)
        self.log(f"   (faults: {', '.join(chosen)}) one more C-STORE, of an image of another series, with a "
                 "rewritten command")
        try:
            assoc = self._associate(self.store, [CTImageStorage], [(evt.EVT_DIMSE_SENT, self._mangle_store_request)])
            try:
                status = assoc.send_c_store(extra)
                self.log(f"   answered {_hex(getattr(status, 'Status', None))}")
            finally:
                if assoc.is_established:
                    assoc.release()
        except (ConnectionError, OSError, ValueError, RuntimeError) as exc:
            self.log(f"   the peer did not take it: {exc}")

    def _mangle_store_request(self, event) -> None:
        """Command faults: change the C-STORE-RQ's command set after pynetdicom built it, before it is encoded."""
        command = event.message.command_set
        if command.get("CommandField") != 0x0001:
            return
        if CLIENT_BAD_PRIORITY in self.faults:
            command.Priority = 0x0003
        if CLIENT_AFFECTED_CLASS_MISMATCH in self.faults:
            command.AffectedSOPClassUID = MRImageStorage
        if CLIENT_AFFECTED_INSTANCE_MISMATCH in self.faults:
            command.AffectedSOPInstanceUID = generate_uid(prefix=None)

    def _mangle_class(self, event) -> None:
        """The wrong-SOP-class faults: the next request of a kind names another SOP Class than its context's."""
        command = event.message.command_set
        replacement = self._next_class.pop(int(command.get("CommandField", 0)), None)
        if replacement is not None:
            command.AffectedSOPClassUID = replacement

    def _faulty_queries(self, query: Dataset) -> list[tuple[Dataset, bool]]:
        """Worklist faults: extra queries sent before the acquisition's own, each with one flaw (and whether its
        request is to name another SOP Class)."""
        extras = []
        if CLIENT_WORKLIST_WRONG_SOP_CLASS in self.faults:
            extras.append(copy.deepcopy(query))
        if CLIENT_WORKLIST_TWO_ITEM_SEQUENCE in self.faults:
            extra = copy.deepcopy(query)
            first, second = Dataset(), Dataset()
            first.Modality, second.Modality = "CT", "MR"
            extra.ScheduledProcedureStepSequence = Sequence([first, second])
            extras.append(extra)
        if CLIENT_WORKLIST_UNDECLARED_CHARSET in self.faults:
            extra = copy.deepcopy(query)
            extra.PatientName = b"M\xdcLLER*"          # ISO 8859-1, and no Specific Character Set
            extras.append(extra)
        if CLIENT_WORKLIST_EMPTY_TIMEZONE in self.faults:
            extra = copy.deepcopy(query)
            extra.TimezoneOffsetFromUTC = ""
            extras.append(extra)
        if CLIENT_WORKLIST_QR_LEVEL in self.faults:
            extra = copy.deepcopy(query)
            extra.QueryRetrieveLevel = "STUDY"
            extras.append(extra)
        wrong = CLIENT_WORKLIST_WRONG_SOP_CLASS in self.faults
        return [(extra, wrong and number == 0) for number, extra in enumerate(extras)]

    def _extra_query(self, query: Dataset, wrong_class: bool) -> None:
        """One faulty worklist query, its answers ignored."""
        def send(assoc) -> None:
            if wrong_class:
                self._next_class[0x0020] = StudyRootQueryRetrieveInformationModelFind
            for _ in assoc.send_c_find(query, ModalityWorklistInformationFind):
                pass
        self._extra(f"an extra worklist query to {self.worklist[0]}", self.worklist,
                    ModalityWorklistInformationFind, send)

    def _extra(self, what: str, endpoint: Endpoint, sop_class: str, send: Callable) -> None:
        """A faulty request on an association of its own, so that a peer aborting it leaves the acquisition's
        own associations alone; its answer is ignored."""
        self.log(f"   (fault) {what}")
        try:
            assoc = self._associate(endpoint, [sop_class], [(evt.EVT_DIMSE_SENT, self._mangle_class)])
            try:
                send(assoc)
            finally:
                if assoc.is_established:
                    assoc.release()
        except (ConnectionError, OSError, RuntimeError, ValueError) as exc:
            self.log(f"   the peer did not take it: {exc}")
        self._next_class.clear()

    # -- the acquisition ------------------------------------------------------------------------------------
    def run(self, **match: str) -> Acquisition:
        """match: worklist matching keys (PatientID, Modality, ScheduledStationAETitle, ...)."""
        result = Acquisition()
        try:
            item = self._query_worklist(match, result)
            if item is None:
                return result
            series_uid = generate_uid(prefix=None)
            if CLIENT_BAD_UID in self.faults:
                series_uid = "2.25.0" + series_uid.removeprefix("2.25.")[:50]
            images = [self._image(item, series_uid, number) for number in range(1, self.images + 1)]
            self._faulty_association(self.store)
            self._mpps_create(item, result)
            self._store_images(images, result)
            if result.problems:
                return result
            self._mpps_complete(images, result)
            self._commit(images, result)
        except ConnectionError as exc:
            result.problems.append(str(exc))
            self.log(f"!! {exc}")
        return result

    def _query_worklist(self, match: dict, result: Acquisition) -> Dataset | None:
        if CLIENT_SKIPS_WORKLIST in self.faults:
            item = _unscheduled_item(match)
            self.log(f"1. (fault {CLIENT_SKIPS_WORKLIST}) no worklist query; unscheduled patient {item.PatientID}")
            result.worklist_item = item
            return item
        query = Dataset()
        for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber",
                        "StudyInstanceUID", "RequestedProcedureID", "RequestedProcedureDescription"):
            setattr(query, keyword, match.pop(keyword, ""))
        step = Dataset()
        for keyword in ("ScheduledStationAETitle", "ScheduledProcedureStepStartDate", "Modality",
                        "ScheduledProcedureStepID", "ScheduledProcedureStepDescription"):
            setattr(step, keyword, match.pop(keyword, ""))
        query.ScheduledProcedureStepSequence = Sequence([step])
        keys = ", ".join(f"{k}={v}" for k, v in [*((e.keyword, e.value) for e in query if e.VR != "SQ"),
                                                 *((e.keyword, e.value) for e in step)] if v)
        self.log(f"1. worklist query to {self.worklist[0]}: {keys or 'everything'}")
        for extra, wrong_class in self._faulty_queries(query):
            self._extra_query(extra, wrong_class)
        assoc = self._associate(self.worklist, [ModalityWorklistInformationFind])
        items, final = [], None
        try:
            for status, identifier in assoc.send_c_find(query, ModalityWorklistInformationFind):
                if status is None or "Status" not in status:
                    break
                if status.Status in (Status.PENDING, Status.PENDING_WARNING):
                    items.append(identifier)
                else:
                    final = int(status.Status)
        finally:
            assoc.release()
        if final != Status.SUCCESS:
            self._problem(result, f"worklist query ended with status {_hex(final)}")
            return None
        if not items:
            result.problems.append("the worklist has no matching item")
            self.log("   !! no matching worklist item")
            return None
        item = items[0]
        result.worklist_item = item
        step = (item.get("ScheduledProcedureStepSequence") or [Dataset()])[0]
        self.log(f"   {len(items)} item(s); taking patient {item.get('PatientName', '')} "
                 f"({item.get('PatientID', '')}), accession {item.get('AccessionNumber', '')}, "
                 f"{step.get('Modality', '')} step {step.get('ScheduledProcedureStepID', '')}")
        return item

    def _image(self, item: Dataset, series_uid: str, number: int) -> Dataset:
        step = (item.get("ScheduledProcedureStepSequence") or [Dataset()])[0]
        now = datetime.datetime.now()
        ds = Dataset()
        for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber",
                        "StudyInstanceUID", "ReferringPhysicianName"):
            setattr(ds, keyword, item.get(keyword, ""))
        if not ds.StudyInstanceUID:
            ds.StudyInstanceUID = generate_uid(prefix=None)
        ds.SOPClassUID = CTImageStorage
        ds.SOPInstanceUID = generate_uid(prefix=None)
        ds.SeriesInstanceUID = series_uid
        ds.Modality = "CT"
        ds.SpecificCharacterSet = "ISO_IR 100"
        ds.StudyDate = ds.SeriesDate = ds.ContentDate = now.strftime("%Y%m%d")
        ds.StudyTime = ds.SeriesTime = ds.ContentTime = now.strftime("%H%M%S")
        ds.StudyID = "1"
        ds.SeriesNumber = 1
        ds.InstanceNumber = number
        ds.Manufacturer = "dicom-harness modality simulator"
        ds.StationName = self.ae_title[:16]
        ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
        ds.ImagePositionPatient = [0, 0, number * 5]
        ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
        ds.PixelSpacing = [1, 1]
        ds.SliceThickness = 5
        ds.KVP = 120
        ds.FrameOfReferenceUID = generate_uid(prefix=None, entropy_srcs=[series_uid, "frame of reference"])
        ds.PatientPosition = "HFS"
        ds.BodyPartExamined = "CHEST"
        ds.AcquisitionNumber = 1
        ds.PositionReferenceIndicator = ""
        ds.RescaleIntercept, ds.RescaleSlope = -1024, 1
        if item.get("RequestedProcedureID") and step.get("ScheduledProcedureStepID"):     # not when unscheduled
            ds.RequestAttributesSequence = Sequence([_request_attributes(item, step)])
        ds.Rows = ds.Columns = SIDE
        ds.SamplesPerPixel = 1
        ds.PhotometricInterpretation = "MONOCHROME3" if CLIENT_BAD_ENUMERATED_VALUE in self.faults else "MONOCHROME2"
        ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
        ds.PixelData = struct.pack(f"<{SIDE * SIDE}H", *(((x + y + number * 16) % 4096)
                                                          for y in range(SIDE) for x in range(SIDE)))
        if CLIENT_OMITS_TYPE1 in self.faults:
            del ds.ImageType
        if CLIENT_OMITS_TYPE2 in self.faults:
            del ds.KVP
        ds.file_meta = FileMetaDataset()
        ds.file_meta.MediaStorageSOPClassUID = ds.SOPClassUID
        ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
        ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
        return ds

    def _mpps_create(self, item: Dataset, result: Acquisition) -> None:
        if CLIENT_SKIPS_MPPS in self.faults:
            result.mpps = "skipped (fault)"
            self.log(f"2. (fault {CLIENT_SKIPS_MPPS}) no MPPS")
            return
        self.log(f"2. MPPS N-CREATE IN PROGRESS to {self.mpps_endpoint[0]}")
        # Verification rides along so that a peer without MPPS still accepts the association and says so
        assoc = self._associate(self.mpps_endpoint, [ModalityPerformedProcedureStep, Verification])
        try:
            if not any(c.abstract_syntax == ModalityPerformedProcedureStep for c in assoc.accepted_contexts):
                result.mpps = "skipped (not offered)"
                self.log(f"   {self.mpps_endpoint[0]} does not offer MPPS: skipped")
                return
            attributes = _mpps_in_progress(item, self.ae_title)
            if self.faults & self.EXTRA_CREATE_FAULTS:
                assoc.release()         # the extra requests first, each on an association of its own
                self._faulty_creates(attributes)
                assoc = self._associate(self.mpps_endpoint, [ModalityPerformedProcedureStep])
            if CLIENT_MPPS_OMITS_TYPE1 in self.faults:
                del attributes.PerformedStationAETitle
            if CLIENT_MPPS_OMITS_TYPE2 in self.faults:
                del attributes.PerformedLocation
            uid = generate_uid(prefix=None)
            status, _ = assoc.send_n_create(attributes, ModalityPerformedProcedureStep, uid)
        finally:
            assoc.release()
        code = getattr(status, "Status", None)
        if code != Status.SUCCESS:
            result.mpps = "failed"
            self._problem(result, f"MPPS N-CREATE answered {_hex(code)}")
            return
        result.mpps_uid, result.mpps = uid, "in progress"
        self.log(f"   step {uid} IN PROGRESS")

    EXTRA_CREATE_FAULTS = frozenset((CLIENT_MPPS_WRONG_SOP_CLASS, CLIENT_MPPS_CREATE_WITHOUT_UID,
                                     CLIENT_MPPS_CREATE_COMPLETED))

    def _faulty_creates(self, attributes: Dataset) -> None:
        """MPPS N-CREATE faults: an extra N-CREATE with one flaw, before the acquisition's own."""
        def create(uid: str | None, status: str = IN_PROGRESS, wrong_class: bool = False):
            def send(assoc) -> None:
                extra = copy.deepcopy(attributes)
                extra.PerformedProcedureStepStatus = status
                if wrong_class:
                    self._next_class[0x0140] = ModalityPerformedProcedureStepRetrieve
                assoc.send_n_create(extra, ModalityPerformedProcedureStep, uid)
            return send
        mpps = self.mpps_endpoint, ModalityPerformedProcedureStep
        if CLIENT_MPPS_WRONG_SOP_CLASS in self.faults:
            self._extra("an extra N-CREATE naming MPPS Retrieve as its SOP Class", *mpps,
                        create(generate_uid(prefix=None), wrong_class=True))
        if CLIENT_MPPS_CREATE_WITHOUT_UID in self.faults:
            self._extra("an extra N-CREATE without Affected SOP Instance UID", *mpps, create(None))
        if CLIENT_MPPS_CREATE_COMPLETED in self.faults:
            self._extra("an extra N-CREATE asking for COMPLETED", *mpps, create(generate_uid(prefix=None), COMPLETED))

    def _store_images(self, images: list[Dataset], result: Acquisition) -> None:
        if CLIENT_STORES_NOTHING in self.faults:
            self.log(f"3. (fault {CLIENT_STORES_NOTHING}) no C-STORE of the {len(images)} CT image(s)")
            result.stored.extend(images)
            return
        self.log(f"3. C-STORE of {len(images)} CT image(s) to {self.store[0]}")
        self._store_with_rewritten_command(images[0])
        assoc = self._associate(self.store, [CTImageStorage])
        if CLIENT_IGNORES_MAX_PDU in self.faults:
            assoc.dimse.__class__ = _UnboundedPdu
        try:
            for image in images:
                status = assoc.send_c_store(image)
                code = getattr(status, "Status", None)
                if code not in STORED:
                    self._problem(result, f"C-STORE of {image.SOPInstanceUID} answered {_hex(code)}")
                    return
                result.stored.append(image)
        finally:
            assoc.release()
        self.log(f"   {len(result.stored)} stored")

    def _mpps_complete(self, images: list[Dataset], result: Acquisition) -> None:
        if not result.mpps_uid:
            return
        self.log(f"4. MPPS N-SET COMPLETED to {self.mpps_endpoint[0]}")
        completion = _mpps_completed(images[:-1] if CLIENT_MPPS_REFERENCES_SOME_IMAGES in self.faults else images)
        if CLIENT_MPPS_COMPLETES_WITHOUT_END_TIME in self.faults:
            del completion.PerformedProcedureStepEndTime
        if CLIENT_MPPS_SETS_UNCREATED in self.faults:
            completion.CommentsOnThePerformedProcedureStep = "NOT CREATED AT N-CREATE"
        assoc = self._associate(self.mpps_endpoint, [ModalityPerformedProcedureStep])
        try:
            if CLIENT_MPPS_SET_UNKNOWN_INSTANCE in self.faults:
                self.log("   (fault) an extra N-SET of a step never created")
                assoc.send_n_set(_description("NO SUCH STEP"), ModalityPerformedProcedureStep,
                                 generate_uid(prefix=None))
            status, _ = assoc.send_n_set(completion, ModalityPerformedProcedureStep, result.mpps_uid)
            if CLIENT_MPPS_SET_AFTER_COMPLETED in self.faults:
                self.log("   (fault) one more N-SET after COMPLETED")
                assoc.send_n_set(_description("AMENDED AFTER COMPLETION"), ModalityPerformedProcedureStep,
                                 result.mpps_uid)
        finally:
            assoc.release()
        code = getattr(status, "Status", None)
        if code != Status.SUCCESS:
            result.mpps = "completion refused"
            self._problem(result, f"MPPS N-SET COMPLETED answered {_hex(code)}")
            return
        result.mpps = "completed"
        self.log(f"   step {result.mpps_uid} COMPLETED")

    def _commit(self, images: list[Dataset], result: Acquisition) -> None:
        if CLIENT_SKIPS_COMMITMENT in self.faults:
            self.log(f"5. (fault {CLIENT_SKIPS_COMMITMENT}) no storage commitment request")
            return
        transaction = generate_uid(prefix=None)
        if CLIENT_COMMIT_BAD_TRANSACTION_UID in self.faults:
            transaction = "2.25.0" + transaction.removeprefix("2.25.")[:50]
        self.log(f"5. storage commitment request {transaction} to {self.commitment_endpoint[0]} for "
                 f"{len(images)} instance(s)")
        information = Dataset()
        information.TransactionUID = transaction
        refs = []
        for image in images:
            ref = Dataset()
            if CLIENT_COMMIT_ITEMS_WITHOUT_CLASS not in self.faults:
                ref.ReferencedSOPClassUID = (MRImageStorage if CLIENT_COMMIT_WRONG_CLASS in self.faults
                                             else image.SOPClassUID)
            ref.ReferencedSOPInstanceUID = image.SOPInstanceUID
            refs.append(ref)
        information.ReferencedSOPSequence = Sequence(refs)
        already = len(self._reports)
        handlers = [(evt.EVT_N_EVENT_REPORT, lambda event: self._record("the same association", event))]
        assoc = self._associate(self.commitment_endpoint, [StorageCommitmentPushModel], handlers)
        try:
            action_type = 2 if CLIENT_COMMIT_ACTION_TYPE_2 in self.faults else 1
            instance = (generate_uid(prefix=None) if CLIENT_COMMIT_OTHER_INSTANCE in self.faults
                        else WELL_KNOWN_COMMITMENT_INSTANCE)
            if CLIENT_COMMIT_REPEATS_TRANSACTION in self.faults:
                self.log(f"   (fault) the request sent twice with transaction {transaction}")
                assoc.send_n_action(information, action_type, StorageCommitmentPushModel, instance)
            status, _ = assoc.send_n_action(information, action_type, StorageCommitmentPushModel, instance)
            code = getattr(status, "Status", None)
            if code != Status.SUCCESS:
                self._problem(result, f"storage commitment N-ACTION answered {_hex(code)}")
                return
            report = self._wait_report(already, transaction)
        finally:
            if assoc.is_established:
                assoc.release()
        if report is None:
            self._problem(result, f"no storage commitment result within {self.timeout:.0f} s")
            return
        how, event_type, info = report
        result.commitment_event_type = event_type
        result.committed = len(info.get("ReferencedSOPSequence") or [])
        result.failed = len(info.get("FailedSOPSequence") or [])
        result.commitment_arrived_on = how
        self.log(f"6. storage commitment result on {how}: event type {event_type}, {result.committed} committed, "
                 f"{result.failed} failed")
        for failed in info.get("FailedSOPSequence") or []:
            self.log(f"   failed {failed.get('ReferencedSOPInstanceUID', '')}: reason "
                     f"0x{int(failed.get('FailureReason', 0)):04X}")
        if event_type != 1:
            result.problems.append(f"storage commitment: {result.failed} instance(s) not committed")

    def _wait_report(self, already: int, transaction: str):
        deadline = time.monotonic() + self.timeout
        with self._reports_changed:
            while True:
                for report in self._reports[already:]:
                    if str(report[2].get("TransactionUID", "")) == transaction:
                        return report
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._reports_changed.wait(min(remaining, 0.05))


def _request_attributes(item: Dataset, step: Dataset) -> Dataset:
    request = Dataset()
    request.RequestedProcedureID = item.get("RequestedProcedureID", "")
    request.ScheduledProcedureStepID = step.get("ScheduledProcedureStepID", "")
    request.AccessionNumber = item.get("AccessionNumber", "")
    return request


def _mpps_in_progress(item: Dataset, station: str) -> Dataset:
    now = datetime.datetime.now()
    return in_progress_attributes(item, station=station, date=now.strftime("%Y%m%d"), time=now.strftime("%H%M%S"))


def _mpps_completed(images: list[Dataset]) -> Dataset:
    now = datetime.datetime.now()
    return final_state_attributes(COMPLETED, series_uid=images[0].SeriesInstanceUID,
                                  images=[(image.SOPClassUID, image.SOPInstanceUID) for image in images],
                                  date=now.strftime("%Y%m%d"), time=now.strftime("%H%M%S"))


def _unscheduled_item(match: dict) -> Dataset:
    """For the client-skips-worklist fault: the item of an unscheduled acquisition, made on the modality."""
    item = Dataset()
    item.PatientName = match.get("PatientName") or "UNSCHEDULED^PATIENT"
    item.PatientID = match.get("PatientID") or "DH-UNSCHEDULED"
    item.StudyInstanceUID = generate_uid(prefix=None)
    step = Dataset()
    step.Modality = match.get("Modality") or "CT"
    item.ScheduledProcedureStepSequence = Sequence([step])
    return item


def _description(text: str) -> Dataset:
    ds = Dataset()
    ds.PerformedProcedureStepDescription = text
    return ds


def _hex(code: int | None) -> str:
    return "no status" if code is None else f"0x{code:04X}"
