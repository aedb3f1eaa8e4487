"""Run the DICOMweb app under uvicorn in a background thread: port 0 for tests (read back), or a given port."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
from collections.abc import Iterable

import uvicorn

from dicom_harness.simulators.dicomweb.app import create_app
from dicom_harness.simulators.dicomweb.auth import RequireAuth
from dicom_harness.simulators.dicomweb.body_timeout import BodyTimeout
from dicom_harness.simulators.dicomweb.cors import Cors, origins_from_environment, parse_origins
from dicom_harness.simulators.faults import WEB_AUTH_ANONYMOUS, Fault, faults_named
from dicom_harness.simulators.inspection import Limits
from dicom_harness.simulators.store import Store

START_TIMEOUT = 10.0
PUBLIC_URL_ENVIRONMENT = "DICOM_HARNESS_PUBLIC_URL"


class DicomWebSimulator:
    def __init__(self, store: Store, host: str = "127.0.0.1", port: int = 0, faults: Iterable[str | Fault] = (),
                 token: str | None = None, user: str | None = None, password: str | None = None,
                 recorder=None, cors_origins=None, public_url: str | None = None,
                 limits: Limits | None = None, tls_context=None):
        """tls_context: an ssl.SSLContext (harness/shared/tls.py server_context): HTTPS instead of HTTP.
        cors_origins: the origins a browser page may call from ("*" any, a list, or () none); None takes
        DICOM_HARNESS_CORS_ORIGINS, default any (dicomweb/cors.py)."""
        self.store = store
        self.cors_origins = origins_from_environment() if cors_origins is None else parse_origins(cors_origins)
        # The URL the answers' URLs (BulkDataURI, Retrieve URL) start with: given, or DICOM_HARNESS_PUBLIC_URL, or
        # the bound address when it is a single one (never the Host header a client happens to send).
        self._public_url = public_url or os.environ.get(PUBLIC_URL_ENVIRONMENT) or None
        self.limits = limits or Limits()
        self.recorder = recorder    # a RecordingWriter: `listen` records every request (dicomweb/recorder.py)
        self.http_recorder = None
        self.faults = faults_named(faults)
        if WEB_AUTH_ANONYMOUS in self.faults:
            token = user = password = None      # the fault: nobody is asked who they are
        self.credentials = {"token": token, "user": user, "password": password}
        self.host = host
        self.tls_context = tls_context
        self.scheme = "https" if tls_context is not None else "http"
        self.requested_port = port
        self.port: int | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def public_url(self) -> str | None:
        if self._public_url:
            return self._public_url.rstrip("/")
        if self.host in ("0.0.0.0", "::", ""):
            return None                 # every address: only the request says which one the client used
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}/dicom-web"

    @property
    def wado_uri_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}/wado"

    @property
    def fhir_url(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}/fhir"

    def start(self) -> "DicomWebSimulator":
        # Bind here, so the port is known before uvicorn runs and port 0 can be read back.
        # IPPROTO_TCP named: asyncio sets TCP_NODELAY only on sockets whose proto says TCP (accepted sockets inherit
        # it); with proto 0 every answer's body waited for the client's delayed ACK of its headers (40 ms)
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.requested_port))
        self.port = sock.getsockname()[1]
        app = create_app(self.store, self.faults, public_url=self.public_url, limits=self.limits)
        if self.credentials["token"] or self.credentials["user"]:
            app = RequireAuth(app, **self.credentials)
        if self.recorder is not None:
            from dicom_harness.simulators.dicomweb.recorder import HttpRecorder
            app = self.http_recorder = HttpRecorder(app, self.recorder)
        app = BodyTimeout(app, self.limits.http_body_timeout)
        if self.cors_origins:
            # outermost: preflights carry no credentials, and they are the browser's, not the user agent's requests
            app = Cors(app, self.cors_origins)
        config = uvicorn.Config(app, log_level="warning", access_log=False,
                                lifespan="off", timeout_keep_alive=30)
        if self.tls_context is not None:
            config.load()
            config.ssl = self.tls_context      # uvicorn serves the given sockets with config.ssl
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, args=(sock,), name="dicomweb-simulator", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the DICOMweb simulator did not start on {self.host}:{self.port}")
            time.sleep(0.01)
        return self

    def _serve(self, sock: socket.socket) -> None:
        asyncio.run(self._server.serve(sockets=[sock]))

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
            if self._thread is not None:
                self._thread.join(timeout=10)
            self._server = None
