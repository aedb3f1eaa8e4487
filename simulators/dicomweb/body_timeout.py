"""An ASGI wrapper that bounds how long an HTTP request body may pause (uvicorn has no such bound): a request
whose Content-Length promises more than arrives is answered 408 Request Timeout (RFC 9110 15.5.9) with one line
and its connection closed, instead of being held open for ever. The route sees the client as gone, so a
streamed upload is cleaned up as for any broken client."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger("simulators.dicomweb")


class BodyTimeout:
    def __init__(self, app, timeout: float):
        self.app = app
        self.timeout = timeout

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = {"body_done": False, "started": False, "timed_out": False}

        async def timed_receive():
            if state["body_done"] or state["timed_out"]:
                return await receive()
            try:
                message = await asyncio.wait_for(receive(), self.timeout)
            except asyncio.TimeoutError:
                state["timed_out"] = True
                log.warning("%s %s: request body stalled for %.0f s: 408", scope.get("method"), scope.get("path"),
                            self.timeout)
                if not state["started"]:
                    state["started"] = True
                    body = f"request body incomplete after {self.timeout:g} s\n".encode()
                    await send({"type": "http.response.start", "status": 408,
                                "headers": [(b"content-type", b"text/plain"), (b"connection", b"close"),
                                            (b"content-length", str(len(body)).encode())]})
                    await send({"type": "http.response.body", "body": body})
                return {"type": "http.disconnect"}
            if message["type"] == "http.request" and not message.get("more_body", False):
                state["body_done"] = True
            return message

        async def tracked_send(message) -> None:
            if state["timed_out"]:
                return      # the 408 went out; whatever the route answers now is dropped
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, timed_receive, tracked_send)
        except Exception:
            if not state["timed_out"]:
                raise
