"""The HTTP recorder of `dicom-harness listen --as dicomweb`: an ASGI middleware around the DICOMweb app that
writes, for every request a user agent sends, its method, path and query string as they arrived, every header
field, its body (kept as a file) and the status the app answered, as one "http-request" event of the recording.

It only watches: the request goes to the app unchanged (the body is passed on chunk by chunk as it is read), and
the app answers as it always does."""

from __future__ import annotations

import threading

from dicom_harness.shared.recording import RecordingWriter


class HttpRecorder:
    def __init__(self, app, writer: RecordingWriter):
        self.app = app
        self.writer = writer
        self._lock = threading.Lock()
        self.requests = 0

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        answer: dict = {}

        async def receive_and_keep():
            message = await receive()
            if message["type"] == "http.request":
                chunks.append(message.get("body", b""))
            return message

        async def send_and_note(message):
            if message["type"] == "http.response.start":
                answer["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive_and_keep, send_and_note)
        finally:
            self._write(scope, b"".join(chunks), answer.get("status"))

    def _write(self, scope, body: bytes, status: int | None) -> None:
        number = self.writer.next_number()
        with self._lock:
            self.requests += 1
        raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
        headers = [(name.decode("latin-1").lower(), value.decode("latin-1")) for name, value in scope["headers"]]
        body_file = self.writer.body_file(number, body) if body else ""
        self.writer.event("http-request", number=number, method=scope["method"],
                          path=raw_path.decode("latin-1"), query=scope.get("query_string", b"").decode("latin-1"),
                          headers=headers, body_file=body_file, body_length=len(body), status=status)
