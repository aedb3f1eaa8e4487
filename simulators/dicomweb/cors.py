"""Cross-Origin Resource Sharing (the Fetch standard's CORS protocol) for the DICOMweb simulator, so that a viewer
served from another origin (OHIF, a Cornerstone page) can call it from a browser.

An ASGI middleware outside the authentication one: a preflight (OPTIONS with Origin and
Access-Control-Request-Method) is answered here, before any credentials are asked for, because browsers never send
credentials with a preflight. Every other request goes on to the app; its answer gets Access-Control-Allow-Origin
when the Origin is allowed, and Access-Control-Expose-Headers naming the fields viewers read (Warning for QIDO
paging, Content-Location for UPS subscriptions, Location, WWW-Authenticate ...).

Allowed origins: "*" (any: the request's own Origin is echoed, so that credentialed requests work too), or a
list of exact origins ("http://localhost:3000"). The environment variable DICOM_HARNESS_CORS_ORIGINS sets the
default (comma- or space-separated; "none" switches CORS off)."""

from __future__ import annotations

import os
from collections.abc import Iterable

ENVIRONMENT = "DICOM_HARNESS_CORS_ORIGINS"
METHODS = "GET, POST, PUT, DELETE, OPTIONS"
# The request fields a DICOMweb user agent sends beyond the CORS-safelisted ones
ALLOWED_HEADERS = "Accept, Authorization, Content-Type, Cache-Control, If-None-Match, If-Modified-Since, Range"
EXPOSED_HEADERS = ("Content-Type, Content-Length, Content-Location, Location, Warning, WWW-Authenticate, ETag, "
                   "Last-Modified, Retry-After")
MAX_AGE = "600"


def origins_from_environment(default: str = "*") -> tuple[str, ...]:
    """The allowed origins named by DICOM_HARNESS_CORS_ORIGINS: () when it says none."""
    return parse_origins(os.environ.get(ENVIRONMENT, default))


def parse_origins(text: str | Iterable[str] | None) -> tuple[str, ...]:
    if text is None:
        return ()
    items = text.replace(",", " ").split() if isinstance(text, str) else [str(t).strip() for t in text]
    if any(item.lower() == "none" for item in items):
        return ()
    return tuple(item.rstrip("/") for item in items if item)


class Cors:
    """ASGI middleware: answer preflights, label the answers to allowed origins."""

    def __init__(self, app, origins: Iterable[str]):
        self.app = app
        self.origins = tuple(origins)

    def allowed(self, origin: str) -> bool:
        return "*" in self.origins or origin.rstrip("/") in self.origins

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.lower(): v for k, v in scope.get("headers", [])}
        origin = headers.get(b"origin", b"").decode("latin-1")
        if not origin:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            await self._preflight(origin, headers, send)
            return
        if not self.allowed(origin):
            await self.app(scope, receive, send)
            return

        async def send_labelled(message):
            if message["type"] == "http.response.start":
                fields = [(k, v) for k, v in message.get("headers", []) if not k.lower().startswith(b"access-control-")]
                fields += self._labels(origin)
                message = {**message, "headers": fields}
            await send(message)
        await self.app(scope, receive, send_labelled)

    def _labels(self, origin: str) -> list[tuple[bytes, bytes]]:
        return [(b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-credentials", b"true"),
                (b"access-control-expose-headers", EXPOSED_HEADERS.encode()),
                (b"vary", b"Origin")]

    async def _preflight(self, origin: str, headers: dict, send) -> None:
        if not self.allowed(origin):
            body = b"origin not allowed\n"
            await send({"type": "http.response.start", "status": 403,
                        "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode()),
                                    (b"vary", b"Origin")]})
            await send({"type": "http.response.body", "body": body})
            return
        requested = headers.get(b"access-control-request-headers", b"").decode("latin-1").strip()
        fields = self._labels(origin) + [
            (b"access-control-allow-methods", METHODS.encode()),
            # echo what the browser asks for (any request field is fine here), else the usual ones
            (b"access-control-allow-headers", (requested or ALLOWED_HEADERS).encode("latin-1")),
            (b"access-control-max-age", MAX_AGE.encode()),
            (b"content-length", b"0")]
        await send({"type": "http.response.start", "status": 204, "headers": fields})
        await send({"type": "http.response.body", "body": b""})
