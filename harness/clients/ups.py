"""A UPS-RS user agent (PS3.18 11) over the DICOMweb client, and the notification channel (PS3.18 8.10): a
WebSocket opened at the URL a Subscribe response names, whose text frames are event reports as DICOM JSON.

Everything sent and received, event frames included, goes into the test's evidence."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime

import httpx
from pydicom.dataset import Dataset
from pydicom.uid import SecondaryCaptureImageStorage
from websockets.exceptions import InvalidStatus, WebSocketException
from websockets.sync.client import ClientConnection, connect

from dicom_harness.clients.evidence import Evidence
from dicom_harness.clients.web import DICOM_JSON, DicomWebClient, json_value
from dicom_harness.errors import NotClaimed, TargetUnreachable
from dicom_harness.shared import ups as shared_ups
from dicom_harness.shared.ups import COMPLETED, IN_PROGRESS, WORKLIST_UID

# PS3.18 11.7.3.1 lists both codes for a refused state change (bad or missing Transaction UID, or a request
# inconsistent with the state); servers differ, and either is a refusal the standard names.
REFUSED = (400, 409)
EVENT_TIMEOUT = 5.0


def _now() -> str:
    return datetime.now().strftime("%Y%m%d%H%M%S")


def subscriber_title() -> str:
    """A fresh subscriber AE title per test, so no two tests see each other's events."""
    return "DH" + os.urandom(5).hex().upper()


def state_of(ds: Dataset) -> str:
    return str(ds.get("ProcedureStepState", ""))


class UpsClient:
    def __init__(self, web: DicomWebClient, evidence: Evidence, factory):
        self.web = web
        self.evidence = evidence
        self.factory = factory
        self.channels: list[EventChannel] = []

    def close(self) -> None:
        for channel in self.channels:
            channel.close()

    # -- workitems ----------------------------------------------------------------------------------------------
    def new_workitem(self) -> Dataset:
        """A workitem with every attribute N-CREATE requires of the SCU (PS3.4 Table CC.2.5-3)."""
        patient = self.factory.patient()
        uid = self.factory.uid()
        return shared_ups.new_workitem(uid=uid, patient=patient, study_uid=self.factory.uid(), start=_now(),
                                       comments=f"made by dicom-harness run {self.factory.run_id}")

    def _send(self, method: str, path: str, payload: Dataset | None, query: str | None = None) -> httpx.Response:
        headers = {"Accept": DICOM_JSON}
        content = None
        if payload is not None:
            headers["Content-Type"] = DICOM_JSON
            content = json.dumps([payload.to_json_dict()]).encode()
        return self.web.request(method, path, query=query, headers=headers, content=content)

    def create(self, ds: Dataset) -> httpx.Response:
        """POST /workitems?{uid} (PS3.18 11.4): the UID goes in the query, not in the data set."""
        body = copy.deepcopy(ds)
        del body.SOPInstanceUID
        return self._send("POST", "/workitems", body, query=str(ds.SOPInstanceUID))

    def created(self, ds: Dataset | None = None) -> Dataset:
        ds = ds or self.new_workitem()
        response = self.create(ds)
        assert response.status_code == 201, (
            f"create workitem: expected 201 (Created), observed {response.status_code} {response.text[:200]!r}")
        return ds

    def retrieve(self, uid: str) -> httpx.Response:
        return self.web.request("GET", f"/workitems/{uid}", headers={"Accept": DICOM_JSON})

    def retrieved(self, uid: str) -> Dataset:
        """The workitem as the target now has it (PS3.18 11.5), read back to verify every write."""
        response = self.retrieve(uid)
        assert response.status_code == 200, (
            f"retrieve workitem {uid}: expected 200, observed {response.status_code} {response.text[:200]!r}")
        try:
            data = json.loads(response.content)
        except ValueError:
            raise AssertionError(f"retrieve workitem {uid}: the body is not JSON: {response.content[:120]!r}") from None
        if isinstance(data, list):      # 11.1.3: an array of workitems; one here
            assert len(data) == 1, f"retrieve workitem {uid}: expected one workitem, observed {len(data)}"
            data = data[0]
        try:
            return Dataset.from_json(data)
        except Exception as exc:
            raise AssertionError(f"retrieve workitem {uid}: not a DICOM JSON data set: {exc}") from None

    def update(self, uid: str, changes: Dataset, transaction_uid: str | None) -> httpx.Response:
        """POST /workitems/{uid}?{transaction-uid} (PS3.18 11.6)."""
        return self._send("POST", f"/workitems/{uid}", changes, query=transaction_uid or None)

    def change_state(self, uid: str, state: str, transaction_uid: str | None) -> httpx.Response:
        """PUT /workitems/{uid}/state (PS3.18 11.7) with Transaction UID and Procedure Step State."""
        payload = Dataset()
        if transaction_uid is not None:
            payload.TransactionUID = transaction_uid
        payload.ProcedureStepState = state
        return self._send("PUT", f"/workitems/{uid}/state", payload)

    def claim(self, uid: str) -> str:
        """Change to IN PROGRESS with a fresh Transaction UID; returns it (the owner's lock)."""
        transaction_uid = str(self.factory.uid())
        response = self.change_state(uid, IN_PROGRESS, transaction_uid)
        assert response.status_code == 200, (
            f"claim workitem {uid}: expected 200, observed {response.status_code} {response.text[:200]!r}")
        return transaction_uid

    def complete(self, uid: str, transaction_uid: str) -> httpx.Response:
        """Give the Performed Procedure information COMPLETED requires (PS3.4 CC.2.5.1.1), then complete."""
        response = self.update(uid, self.performed_procedure(), transaction_uid)
        assert response.status_code == 200, (
            f"update workitem {uid} with its performed procedure: expected 200, observed {response.status_code}")
        return self.change_state(uid, COMPLETED, transaction_uid)

    def performed_procedure(self) -> Dataset:
        output = (SecondaryCaptureImageStorage, self.factory.uid(), self.factory.uid(), self.factory.uid())
        return shared_ups.performed_procedure(output=output, start=_now(), end=_now())

    def discontinuation(self) -> Dataset:
        """What CANCELED requires of the owner (Final State code X, PS3.4 Table CC.2.5-3)."""
        return shared_ups.discontinuation(when=_now(), reason="abandoned by dicom-harness")

    def request_cancellation(self, uid: str, reason: str | None = None) -> httpx.Response:
        """POST /workitems/{uid}/cancelrequest (PS3.18 11.8)."""
        payload = None
        if reason:
            payload = Dataset()
            payload.ReasonForCancellation = reason
        return self._send("POST", f"/workitems/{uid}/cancelrequest", payload)

    def search(self, pairs: list[tuple[str, object]]) -> httpx.Response:
        return self.web.search("/workitems", pairs)

    def search_json(self, pairs: list[tuple[str, object]]) -> list[dict]:
        return self.web.search_json("/workitems", pairs)

    # -- subscriptions -------------------------------------------------------------------------------------------
    def subscribe(self, resource: str, title: str, filter_keys: str | None = None) -> httpx.Response:
        """POST /workitems/{uid or worklist UID}/subscribers/{aetitle}[?filter=...] (PS3.18 11.10)."""
        query = [("filter", filter_keys)] if filter_keys else None
        return self.web.request("POST", f"/workitems/{resource}/subscribers/{title}", query=query)

    def subscribed(self, resource: str, title: str, filter_keys: str | None = None) -> "EventChannel":
        """Subscribe and open the notification channel the response names (or reuse the open one)."""
        response = self.subscribe(resource, title, filter_keys)
        warning = response.headers.get("warning", "")
        if response.status_code == 403 and "filtered worklist subscriptions are not supported" in warning.lower():
            raise NotClaimed("the target refuses Filtered Worklist Subscriptions with the Warning PS3.18 11.10.3.2 "
                             "names for that")
        assert response.status_code == 201, (
            f"subscribe {title} to {resource}: expected 201 (Created), observed {response.status_code} "
            f"{response.text[:200]!r}")
        for channel in self.channels:
            if channel.title == title:
                return channel
        url = response.headers.get("content-location", "")
        assert url.startswith(("ws://", "wss://")), (
            f"subscribe: Content-Location must name the WebSocket of the notification channel (ws:// or wss://), "
            f"observed {url!r} (PS3.18 11.10.3.2)")
        channel = EventChannel(url, title, self.evidence, self.web)
        self.channels.append(channel)
        return channel

    def unsubscribe(self, resource: str, title: str) -> httpx.Response:
        return self.web.request("DELETE", f"/workitems/{resource}/subscribers/{title}")

    def suspend(self, title: str) -> httpx.Response:
        return self.web.request("POST", f"/workitems/{WORKLIST_UID}/subscribers/{title}/suspend")


class EventChannel:
    """The user agent's end of the notification channel (PS3.18 8.10.4)."""

    def __init__(self, url: str, title: str, evidence: Evidence, web: DicomWebClient):
        self.url = url
        self.title = title
        self.evidence = evidence
        self._stack = ExitStack()       # websockets 17 wants connect() entered as a context manager
        headers = {}
        authorization = web.authorization_header(url.replace("ws", "http", 1))
        if authorization:
            headers["Authorization"] = authorization
        evidence.add(">", f"WebSocket GET {url} (open notification channel)")
        try:
            self.connection: ClientConnection = self._stack.enter_context(
                connect(url, additional_headers=headers, open_timeout=web.endpoint.timeout, close_timeout=2,
                        ssl=web.endpoint.tls_files.client_context() if url.startswith("wss:") else None))
        except InvalidStatus as exc:
            evidence.add("<", f"{exc.response.status_code} to the WebSocket handshake")
            raise AssertionError(f"open notification channel {url}: the handshake was answered "
                                 f"{exc.response.status_code}, not 101 (PS3.18 8.10.4.3)") from None
        except (OSError, TimeoutError, WebSocketException) as exc:
            evidence.add("<", f"cannot open: {exc}")
            raise TargetUnreachable(f"cannot open the notification channel {url}: {exc}") from None
        evidence.add("<", "101 Switching Protocols")

    def close(self) -> None:
        try:
            self._stack.close()
        except Exception:
            pass

    def next_event(self, wanted: Callable[[dict], bool], what: str, timeout: float = EVENT_TIMEOUT) -> dict:
        """Read event frames until one is wanted; the others are kept in the evidence. Frames must be text
        holding one DICOM JSON data set (PS3.18 8.10.5.1.1)."""
        while True:
            try:
                frame = self.connection.recv(timeout=timeout)
            except TimeoutError:
                self.evidence.add("#", f"no further event within {timeout:.0f} s")
                raise AssertionError(f"expected {what} on the notification channel; none came within "
                                     f"{timeout:.0f} s") from None
            except WebSocketException as exc:
                raise AssertionError(f"the notification channel closed while waiting for {what}: {exc}") from None
            if isinstance(frame, bytes):
                self.evidence.add("<", f"event frame: binary, {len(frame)} bytes")
                raise AssertionError("an event report came as a binary frame; PS3.18 8.10.5.1.1 requires text")
            self.evidence.add("<", f"event frame: {frame}")
            try:
                report = json.loads(frame)
            except ValueError:
                raise AssertionError(f"an event frame is not JSON: {frame[:120]!r}") from None
            assert isinstance(report, dict), f"an event frame is not one DICOM JSON data set: {frame[:120]!r}"
            if wanted(report):
                return report


def is_event(uid: str, event_type: int, state: str | None = None) -> Callable[[dict], bool]:
    def wanted(report: dict) -> bool:
        return (json_value(report, "AffectedSOPInstanceUID") == uid
                and json_value(report, "EventTypeID") == event_type
                and (state is None or json_value(report, "ProcedureStepState") == state))
    return wanted


def about(uids: set[str]) -> Callable[[dict], bool]:
    """Any event about one of these workitems."""
    return lambda report: json_value(report, "AffectedSOPInstanceUID") in uids

