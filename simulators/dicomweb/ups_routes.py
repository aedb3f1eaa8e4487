"""UPS-RS routes (PS3.18 11) and the notification channel (PS3.18 8.10): HTTP in, Worklist calls, events out
over each subscriber's WebSockets as text frames holding a DICOM JSON data set."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from urllib.parse import unquote

from pydicom.dataset import Dataset
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from dicom_harness.simulators.dicomweb.native_xml import to_native_xml
from dicom_harness.simulators.dicomweb.negotiation import Offer, choose, request_ranges
from dicom_harness.simulators.dicomweb.search import BadQuery
from dicom_harness.simulators.dicomweb.ups import Event, Refusal, Worklist
from dicom_harness.simulators.faults import (
    UPS_CREATE_ECHOES_WORKITEM,
    UPS_METADATA_SERVED,
    UPS_SEARCH_NO_PAGING_WARNING,
    UPS_STATE_REFUSAL_NO_WARNING,
    UPS_SUSPEND_PAYLOAD,
    UPS_UNKNOWN_200_EMPTY,
    UPS_UNSUBSCRIBE_PAYLOAD,
    UPS_UPDATE_ECHOES_WORKITEM,
    UPS_UPDATE_REFUSAL_NO_WARNING,
    UPS_XML_ANSWERED_JSON,
)

log = logging.getLogger("simulators.dicomweb.ups")

DICOM_JSON = "application/dicom+json"
DICOM_XML = "application/dicom+xml"
SEND_TIMEOUT = 5.0          # one subscriber's time to take one event (Limits.event_send_timeout)
CHANNEL_BACKLOG = 256       # events waiting for one subscriber before it is dropped as not reading
TRANSACTION_UID_PARAMETERS = ("transaction-uid", "transactionuid", "transaction")


def _bare_or_named(raw_query: str, names: tuple[str, ...]) -> str | None:
    """PS3.18 writes the UID as the bare query (/workitems?{uid}); take that, or a name=value form."""
    for piece in raw_query.split("&"):
        name, has_value, value = piece.partition("=")
        if not has_value and name:
            return unquote(name)
        if name.lower() in names and value:
            return unquote(value)
    return None


class _Channel:
    """One subscriber's WebSocket with its own queue and sender: a subscriber that does not read delays only
    itself, and is dropped when its queue fills or one send outlasts the timeout (PS3.4 CC.2.4.3: no retry owed)."""

    def __init__(self, websocket: WebSocket, title: str, timeout: float):
        self.websocket = websocket
        self.title = title
        self.timeout = timeout
        self.queue: asyncio.Queue[str] = asyncio.Queue(CHANNEL_BACKLOG)
        self.closed = False

    def offer(self, text: str) -> bool:
        if self.closed:
            return False
        try:
            self.queue.put_nowait(text)
            return True
        except asyncio.QueueFull:
            return False

    async def send_forever(self) -> None:
        try:
            while True:
                text = await self.queue.get()
                await asyncio.wait_for(self.websocket.send_text(text), self.timeout)
        except asyncio.CancelledError:
            raise
        except Exception as exc:    # noqa: BLE001 - whatever stopped the send, the channel is gone
            log.info("event for %s not delivered: %s", self.title, exc or type(exc).__name__)
            self.closed = True
            try:
                await asyncio.wait_for(self.websocket.close(), 1.0)
            except Exception:   # noqa: BLE001
                pass


class UpsRoutes:
    def __init__(self, worklist: Worklist, root: str, send_timeout: float = SEND_TIMEOUT):
        self.worklist = worklist
        self.root = root
        self.send_timeout = send_timeout
        self.channels: dict[str, set[_Channel]] = {}

    # -- helpers ------------------------------------------------------------------------------------------------
    @staticmethod
    def _answer(status: int, text: str = "", warning: str | None = None, request: Request | None = None,
                headers: dict | None = None) -> Response:
        headers = dict(headers or {})
        if warning:
            agent = request.url.netloc if request is not None else "dicom-harness"
            headers["Warning"] = f"299 {agent}: {warning}"
        return Response(text + "\n" if text else b"", status_code=status, headers=headers,
                        media_type="text/plain" if text else None)

    def _refused(self, refusal: Refusal, request: Request) -> Response:
        return self._answer(refusal.status, str(refusal), refusal.warning, request)

    @staticmethod
    async def _dataset(request: Request, required: bool = True) -> Dataset:
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        body = await request.body()
        if not body and not required:
            return Dataset()
        if media not in (DICOM_JSON, "application/json"):
            raise Refusal(415, f"workitems are accepted as {DICOM_JSON}, not {media or 'no Content-Type'}")
        try:
            data = json.loads(body)
            if isinstance(data, list):
                if len(data) != 1:
                    raise ValueError(f"expected one data set, found {len(data)}")
                data = data[0]
            return Dataset.from_json(data)
        except Exception as exc:
            raise Refusal(400, f"the payload is not a DICOM JSON data set: {exc}") from None

    async def _deliver(self, events: list[Event]) -> None:
        """Queue each event on its subscriber's channels, in order; each channel sends on its own."""
        for event in events:
            text = json.dumps(event.report)
            for channel in list(self.channels.get(event.subscriber, ())):
                if not channel.offer(text):
                    log.info("subscriber %s does not read its events: channel dropped", event.subscriber)
                    self.channels[event.subscriber].discard(channel)
                    channel.closed = True
        await asyncio.sleep(0)      # let the senders start before the transaction answers

    def _events_url(self, request: Request, title: str) -> str:
        scheme = "wss" if request.url.scheme == "https" else "ws"
        return f"{scheme}://{request.url.netloc}{self.root}/ws/subscribers/{title}"

    # -- transactions -------------------------------------------------------------------------------------------
    async def create(self, request: Request) -> Response:
        try:
            ds = await self._dataset(request)
            uid = _bare_or_named(request.url.query, ("workitem",))
            events = self.worklist.create(uid, ds)
        except Refusal as refusal:
            return self._refused(refusal, request)
        uid = uid or str(ds.SOPInstanceUID)
        await self._deliver(events)
        location = f"{request.url.scheme}://{request.url.netloc}{self.root}/workitems/{uid}"
        if UPS_CREATE_ECHOES_WORKITEM in self.worklist.faults:
            return Response(json.dumps([self.worklist.shown(uid)]), status_code=201,
                            headers={"Location": location}, media_type=DICOM_JSON)
        return self._answer(201, headers={"Location": location})

    async def retrieve(self, request: Request) -> Response:
        offers = [Offer(DICOM_JSON), Offer("application/json"), Offer("multipart/related", DICOM_XML)]
        chosen = choose(request_ranges(request), offers)
        if chosen is None:
            return self._answer(406, f'workitems are offered as {DICOM_JSON} or multipart/related; type="{DICOM_XML}"')
        uid = request.path_params["workitem"]
        try:
            item = self.worklist.shown(uid)
        except Refusal as refusal:
            if refusal.status == 404 and UPS_UNKNOWN_200_EMPTY in self.worklist.faults:
                return Response("[]", media_type=DICOM_JSON)
            return self._refused(refusal, request)
        if chosen[0].part_type == DICOM_XML and UPS_XML_ANSWERED_JSON not in self.worklist.faults:
            boundary = uuid.uuid4().hex
            body = (f"--{boundary}\r\nContent-Type: {DICOM_XML}\r\n\r\n".encode() + to_native_xml(item)
                    + f"\r\n--{boundary}--\r\n".encode())
            return Response(body, media_type=f'multipart/related; type="{DICOM_XML}"; boundary={boundary}')
        return Response(json.dumps([item]), media_type=DICOM_JSON)

    async def update(self, request: Request) -> Response:
        try:
            changes = await self._dataset(request)
            transaction_uid = _bare_or_named(request.url.query, TRANSACTION_UID_PARAMETERS)
            events = self.worklist.update(request.path_params["workitem"], transaction_uid, changes)
        except Refusal as refusal:
            if UPS_UPDATE_REFUSAL_NO_WARNING in self.worklist.faults:
                return self._answer(refusal.status, str(refusal))
            return self._refused(refusal, request)
        await self._deliver(events)
        if UPS_UPDATE_ECHOES_WORKITEM in self.worklist.faults:
            item = self.worklist.shown(request.path_params["workitem"])
            return Response(json.dumps([item]), media_type=DICOM_JSON)
        return self._answer(200)

    async def change_state(self, request: Request) -> Response:
        try:
            payload = await self._dataset(request)
            warning, events = self.worklist.change_state(request.path_params["workitem"],
                                                         str(payload.get("TransactionUID", "") or ""),
                                                         str(payload.get("ProcedureStepState", "") or ""))
        except Refusal as refusal:
            if UPS_STATE_REFUSAL_NO_WARNING in self.worklist.faults:
                return self._answer(refusal.status, str(refusal))
            return self._refused(refusal, request)
        await self._deliver(events)
        return self._answer(200, warning=warning, request=request)

    async def request_cancellation(self, request: Request) -> Response:
        try:
            info = await self._dataset(request, required=False)
            warning, events = self.worklist.request_cancellation(request.path_params["workitem"], info)
        except Refusal as refusal:
            return self._refused(refusal, request)
        await self._deliver(events)
        return self._answer(202, warning=warning, request=request)

    async def search(self, request: Request) -> Response:
        chosen = choose(request_ranges(request), [Offer(DICOM_JSON), Offer("application/json")])
        if chosen is None:
            return self._answer(406, f"search results are offered as {DICOM_JSON}")
        try:
            page = self.worklist.search_page(request.url.query)
        except BadQuery as exc:
            return self._answer(400, str(exc))
        if not page.results:
            return Response(status_code=204)
        headers = {}
        if page.remaining and UPS_SEARCH_NO_PAGING_WARNING not in self.worklist.faults:
            # PS3.18 11.9.2 and 8.3.4.4.1: "If (remaining > 0) the response shall include a Warning header field"
            headers["Warning"] = (f"299 {request.url.scheme}://{request.url.netloc}{self.root}: There are "
                                  f"{page.remaining} additional results that can be requested")
        return Response(json.dumps(page.results), media_type=DICOM_JSON, headers=headers)

    # -- subscriptions ------------------------------------------------------------------------------------------
    async def subscribe(self, request: Request) -> Response:
        title = request.path_params["aetitle"]
        if not 0 < len(title) <= 16:
            return self._answer(400, "the subscriber AE title must have 1 to 16 characters")
        try:
            events = self.worklist.subscribe(request.path_params["workitem"], title,
                                             request.query_params.get("filter"),
                                             request.query_params.get("deletionlock", "").lower() == "true")
        except Refusal as refusal:
            return self._refused(refusal, request)
        await self._deliver(events)
        return self._answer(201, headers={"Content-Location": self._events_url(request, title)})

    async def unsubscribe(self, request: Request) -> Response:
        return self._end_subscription(self.worklist.unsubscribe, request,
                                      "unsubscribed" if UPS_UNSUBSCRIBE_PAYLOAD in self.worklist.faults else "")

    async def suspend(self, request: Request) -> Response:
        return self._end_subscription(self.worklist.suspend, request,
                                      "suspended" if UPS_SUSPEND_PAYLOAD in self.worklist.faults else "")

    def _end_subscription(self, action, request: Request, text: str = "") -> Response:
        """PS3.18 11.11.3.3 and 11.12.3.3: "A success response shall have no payload" (text: the faults' one)."""
        try:
            action(request.path_params["workitem"], request.path_params["aetitle"])
        except Refusal as refusal:
            return self._refused(refusal, request)
        return self._answer(200, text)

    # -- the notification channel (PS3.18 8.10.4) ---------------------------------------------------------------
    async def open_channel(self, websocket: WebSocket) -> None:
        title = websocket.path_params["aetitle"]
        await websocket.accept()
        channel = _Channel(websocket, title, self.send_timeout)
        self.channels.setdefault(title, set()).add(channel)
        sender = asyncio.create_task(channel.send_forever())
        try:
            while not channel.closed:   # nothing is expected from the user agent; wait for it to go
                await websocket.receive_text()
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            self.channels.get(title, set()).discard(channel)
            sender.cancel()

    def routes(self) -> list:
        w, s = "/workitems/{workitem}", "/subscribers/{aetitle}"
        return [
            Route("/workitems", self.create, methods=["POST"]),
            Route("/workitems", self.search, methods=["GET"]),
            Route(w, self.retrieve, methods=["GET"]),
            Route(w, self.update, methods=["POST"]),
            Route(w + "/state", self.change_state, methods=["PUT"]),
            Route(w + "/cancelrequest", self.request_cancellation, methods=["POST"]),
            Route(w + s, self.subscribe, methods=["POST"]),
            Route(w + s, self.unsubscribe, methods=["DELETE"]),
            Route(w + s + "/suspend", self.suspend, methods=["POST"]),
            WebSocketRoute("/ws" + s, self.open_channel),
            # the ups-metadata-served fault: a Metadata resource PS3.18 11.1.3 forbids
            *([Route(w + "/metadata", self.retrieve, methods=["GET"])]
              if UPS_METADATA_SERVED in self.worklist.faults else []),
        ]
