"""A real peer the harness starts itself (Orthanc, dcmqrscp): a folder of its own, a log, its own process group,
a bounded wait until it answers, and a stop that leaves nothing running."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from dicom_harness.errors import ProviderError
from dicom_harness.targets.ports import log_tail


class LocalProcess:
    name = "the peer"             # for messages: "Orthanc", "dcmqrscp"
    log_name = "peer.log"
    keep_variable = ""            # set this environment variable to keep the folder for a post-mortem
    start_timeout = 15.0

    def __init__(self) -> None:
        self.folder: Path | None = None
        self._process: subprocess.Popen | None = None

    def _make_folder(self) -> Path:
        self.folder = Path(tempfile.mkdtemp(prefix=f"dh-{self.name.lower()}-"))
        return self.folder

    def _spawn(self, argv: list[str], cwd: Path | None = None) -> None:
        """Start in a session of its own (so stop() reaches its children too), with Nagle off like ours."""
        assert self.folder is not None
        env = dict(os.environ, TCP_NODELAY="1")
        with open(self.folder / self.log_name, "wb") as log:
            self._process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env,
                                             start_new_session=True, cwd=cwd)

    def _wait_until(self, answers: Callable[[], bool]) -> None:
        """Poll answers() until it holds; a process that exits, or a start past the timeout, is a ProviderError."""
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ProviderError(f"{self.name} exited at start (code {self._process.returncode}): "
                                    f"{self.log_tail(2)}; full log in {self.folder}/{self.log_name}")
            if answers():
                return
            time.sleep(0.05)
        tail = self.log_tail(2)
        self.stop()
        raise ProviderError(f"{self.name} did not answer within {self.start_timeout:.0f} s; its log ends: {tail}")

    def log_tail(self, lines: int = 20) -> str:
        return log_tail(self.folder / self.log_name, lines)

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            try:
                os.killpg(self._process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait(timeout=5)
        self._process = None
        if self.folder and not (self.keep_variable and os.environ.get(self.keep_variable)):
            shutil.rmtree(self.folder, ignore_errors=True)
