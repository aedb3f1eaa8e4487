"""The process that holds the target during a load: `python -m dicom_harness.load.host OPTIONS-JSON`.

It starts the target exactly as `run` would (harness/targets/providers.make_provider: the built-in simulators,
a local Orthanc or dcmqrscp, a docker target, a profile or the quick forms), prints one line describing the
running endpoints, and stops the target when its standard input closes (the load command ended) or on SIGTERM.
It never imports Locust or gevent: the simulators' pynetdicom servers run on ordinary threads here."""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from dicom_harness.errors import HarnessUserError, ProviderError

MARKER = "DH-LOAD-TARGET "


def describe(target) -> dict:
    """The parts of a running Target a load needs, with the credentials of its DICOMweb endpoint as headers."""
    claims = target.claims.services
    dimse = None
    if target.dimse is not None and ({"verification", "storage"} & claims):
        if target.dimse.tls:
            raise HarnessUserError("load: DIMSE over TLS is not supported yet; give --dicomweb only or a plain port")
        dimse = {"ae_title": target.dimse.ae_title, "host": target.dimse.host, "port": target.dimse.port,
                 "timeout": target.dimse.timeout, "services": sorted(claims)}
    web = None
    if target.dicomweb is not None and ({"qido", "wado", "stow"} & claims):
        endpoint = target.dicomweb
        headers = {}
        if endpoint.auth == "bearer" and os.environ.get(endpoint.token_env):
            headers["Authorization"] = f"Bearer {os.environ[endpoint.token_env]}"
        elif endpoint.auth == "basic" and os.environ.get(endpoint.user_env):
            pair = f"{os.environ[endpoint.user_env]}:{os.environ.get(endpoint.password_env, '')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        web = {"base_url": endpoint.base_url.rstrip("/"), "timeout": endpoint.timeout, "headers": headers}
    return {"name": target.name, "calling_ae": target.harness_ae_title, "dimse": dimse, "dicomweb": web}


def main(argv: list[str]) -> int:
    from dicom_harness.targets.providers import make_provider
    options = json.loads(argv[0])
    out = sys.stdout
    sys.stdout = sys.stderr             # whatever a provider prints goes to the terminal, not into the protocol
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    provider = None
    try:
        provider = make_provider(options["target"], options["dimse"], tuple(options["faults"]), options["dicomweb"])
        provider.log_folder = Path(options["log_folder"])
        running = provider.start()
        out.write(MARKER + json.dumps(describe(running)) + "\n")
        out.flush()
        sys.stdin.read()                # until the load command closes our stdin (or dies)
        return 0
    except HarnessUserError as exc:
        out.write(MARKER + json.dumps({"error": str(exc), "exit": exc.exit_code}) + "\n")
        out.flush()
        return exc.exit_code
    finally:
        if provider is not None:
            provider.stop()


class TargetProcess:
    """The load command's handle on the host process."""

    def __init__(self, target: str | None, dimse: str | None, dicomweb: str | None, faults: list[str],
                 log_folder: Path):
        self.options = {"target": target, "dimse": dimse, "dicomweb": dicomweb, "faults": list(faults),
                        "log_folder": str(log_folder)}
        self._process: subprocess.Popen | None = None

    def start(self, timeout: float = 300.0) -> dict:
        self._process = subprocess.Popen([sys.executable, "-m", "dicom_harness.load.host", json.dumps(self.options)],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._process.stdout is not None
        for line in self._process.stdout:
            if line.startswith(MARKER):
                answer = json.loads(line[len(MARKER):])
                break
            sys.stderr.write(line)
        else:
            self.stop()
            raise ProviderError("load: the process holding the target ended before the target was running")
        if "error" in answer:
            self.stop()
            error = HarnessUserError(answer["error"])
            error.exit_code = answer["exit"]
            raise error
        return answer

    def stop(self) -> None:
        if self._process is None:
            return
        try:
            if self._process.stdin:
                self._process.stdin.close()
            self._process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
