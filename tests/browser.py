"""A headless Chromium driven over the Chrome DevTools protocol (a websocket), for tests of the HTML report.

Started by the test with a fresh profile; every wait is bounded."""

from __future__ import annotations

import base64
import itertools
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
from websockets.sync.client import connect

FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars", "--remote-debugging-port=0", "--window-size=1280,1600")


class BrowserError(Exception):
    pass


class Chromium:
    def __init__(self, binary: str, timeout: float = 20.0, extra_flags: tuple[str, ...] = ()):
        self.binary = binary
        self.extra_flags = tuple(extra_flags)
        self.timeout = timeout
        self._profile = tempfile.mkdtemp(prefix="dh-chromium-")
        self._process: subprocess.Popen | None = None
        self._socket = None
        self._ids = itertools.count(1)
        self._events: list[dict] = []

    def __enter__(self) -> Chromium:
        self._process = subprocess.Popen([self.binary, *FLAGS, *self.extra_flags, f"--user-data-dir={self._profile}",
                                          "about:blank"],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self._profile) / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if self._process.poll() is not None:
                raise BrowserError(f"chromium exited with {self._process.returncode} before listening")
            if time.monotonic() > deadline:
                raise BrowserError("chromium did not open its DevTools port in time")
            time.sleep(0.05)
        port = int(port_file.read_text().split()[0])
        pages = []
        while not pages:
            pages = [p for p in httpx.get(f"http://127.0.0.1:{port}/json/list", timeout=self.timeout).json()
                     if p.get("type") == "page"]
            if time.monotonic() > deadline:
                raise BrowserError("chromium has no page to drive")
            time.sleep(0.05)
        self._socket = connect(pages[0]["webSocketDebuggerUrl"], max_size=None, open_timeout=self.timeout).__enter__()
        self.call("Page.enable")
        self.call("Runtime.enable")
        return self

    def __exit__(self, *exc) -> None:
        if self._socket is not None:
            self._socket.close()
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(timeout=10)
        shutil.rmtree(self._profile, ignore_errors=True)

    def _receive(self, deadline: float) -> dict:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise BrowserError("no answer from chromium in time")
        return json.loads(self._socket.recv(timeout=remaining))

    def call(self, method: str, **params) -> dict:
        message_id = next(self._ids)
        self._socket.send(json.dumps({"id": message_id, "method": method, "params": params}))
        deadline = time.monotonic() + self.timeout
        while True:
            message = self._receive(deadline)
            if message.get("id") == message_id:
                if "error" in message:
                    raise BrowserError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._events.append(message)

    def wait_event(self, method: str) -> dict:
        deadline = time.monotonic() + self.timeout
        while True:
            for index, event in enumerate(self._events):
                if event.get("method") == method:
                    return self._events.pop(index)
            self._events.append(self._receive(deadline))

    def open(self, url: str) -> None:
        self._events.clear()
        if "loaderId" not in self.call("Page.navigate", url=url):
            return                      # same document, only the #fragment changed: no load event
        self.wait_event("Page.loadEventFired")

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise BrowserError(f"{expression}: {result['exceptionDetails'].get('text')}")
        return result["result"].get("value")

    def wait_for(self, expression: str) -> None:
        """Poll until a JavaScript expression is true (events such as hashchange are asynchronous)."""
        deadline = time.monotonic() + self.timeout
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise BrowserError(f"still false after {self.timeout:.0f} s: {expression}")
            time.sleep(0.05)

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        params = {"format": "png"}
        if full_page:
            params["captureBeyondViewport"] = True
        data = self.call("Page.captureScreenshot", **params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path
