"""Optional authentication for the DICOMweb simulator: a bearer token or a user and password (HTTP basic).
Requests without valid credentials get 401 with a WWW-Authenticate challenge (RFC 7235)."""

from __future__ import annotations

import base64
import hmac


class RequireAuth:
    """ASGI middleware: pass a request on only when its Authorization header carries the credentials."""

    def __init__(self, app, token: str | None = None, user: str | None = None, password: str | None = None):
        if not token and not user:
            raise ValueError("RequireAuth needs a token or a user")
        self.app = app
        self.token = token
        self.basic = base64.b64encode(f"{user}:{password or ''}".encode()).decode() if user else None

    def _authorised(self, header: str) -> bool:
        scheme, _, credentials = header.partition(" ")
        scheme = scheme.lower()
        if self.token and scheme == "bearer":
            return hmac.compare_digest(credentials.strip().encode(), self.token.encode())
        if self.basic and scheme == "basic":
            return hmac.compare_digest(credentials.strip().encode(), self.basic.encode())
        return False

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
        if self._authorised(header):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            # Closing before accepting makes the server answer the handshake with 403 (ASGI spec)
            await send({"type": "websocket.close", "code": 1008})
            return
        challenge = 'Bearer realm="dicom-harness"' if self.token else 'Basic realm="dicom-harness"'
        body = b"authentication required\n"
        await send({"type": "http.response.start", "status": 401,
                    "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode()),
                                (b"www-authenticate", challenge.encode())]})
        await send({"type": "http.response.body", "body": body})
