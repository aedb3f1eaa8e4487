"""Shared helpers for the project's own tests: peers, subprocess runs of the suites."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

# A user's own suite folder, run through `dicom-harness run --suite` (tests/test_vendor_suite.py), not collected
# as project tests.
collect_ignore = ["vendor_example"]
IN_CI = os.environ.get("CI", "").lower() == "true"
CLI = [sys.executable, "-m", "dicom_harness"]


def outside_our_environment() -> str:
    """PATH without this Python environment's own bin folder: pynetdicom installs console scripts named like
    dcmtk's (storescu, findscu, echoscu, getscu, movescu, storescp), and an activated venv or tox puts them
    first."""
    ours = {Path(sys.executable).parent.resolve(), (Path(sys.prefix) / "bin").resolve()}
    folders = [f for f in os.environ.get("PATH", os.defpath).split(os.pathsep) if f and Path(f).resolve() not in ours]
    return os.pathsep.join(folders)


def require_peer(binary: str) -> str:
    """The absolute path of a peer program (dcmtk's, never pynetdicom's namesake); in CI a missing peer is an
    error, elsewhere a skip."""
    found = shutil.which(binary, path=outside_our_environment()) or (binary if Path(binary).exists() else None)
    if found:
        return found
    message = f"peer {binary} is not installed (apt-get install orthanc orthanc-dicomweb dcmtk dicom3tools)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def run_cli(*args: str, timeout: float = 300, cwd: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, cwd=cwd)


def run_suites(report_dir: Path, *args: str, timeout: float = 300) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """Run every suite through the command line; return the process and the result records."""
    proc = run_cli("run", "--report-dir", str(report_dir), *args, timeout=timeout)
    results_path = report_dir / "results.json"
    records = json.loads(results_path.read_text())["results"] if results_path.exists() else []
    return proc, records


def failing_requirements(records: list[dict]) -> set[str]:
    return {q["id"] for r in records if r["verdict"] not in ("PASS", "NOT CLAIMED") for q in r["requirements"]}


class StandalonePacs:
    """`dicom-harness simulate pacs` as a user runs it, in a subprocess; stopped with Ctrl-C."""

    def __init__(self, store: Path, *extra: str):
        from dicom_harness.targets.ports import free_port
        self.store = store
        self.extra = extra
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        self.process = subprocess.Popen([*CLI, "simulate", "pacs", "--port", str(self.port), "--ae", "DH_PACS",
                                         "--store", str(self.store), *self.extra], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        line = self.process.stdout.readline()
        assert "listening" in line or "PACS simulator" in line, line
        return self

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            pytest.fail("the simulator did not stop on Ctrl-C within 15 s")


@pytest.fixture
def pacs(tmp_path):
    """The PACS simulator in this process on a free port, over a fresh store (AE title DH_PACS)."""
    from dicom_harness.simulators.pacs import PacsSimulator
    from dicom_harness.simulators.store import Store
    store = Store(tmp_path / "store")
    simulator = PacsSimulator(store, ae_title="DH_PACS").start()
    yield simulator
    simulator.stop()
    store.close()


@pytest.fixture
def wado_uri_served(tmp_path):
    """(start(faults) -> the DICOMweb simulator's WADO-URI URL, {kind: dataset}) over one store holding a CR image
    and a 6-frame image; each start() is a simulator with those faults over the same store."""
    from io import BytesIO

    from pydicom.filewriter import dcmwrite

    from dicom_harness.data.datasets import DatasetFactory
    from dicom_harness.simulators.dicomweb import DicomWebSimulator
    from dicom_harness.simulators.store import Store
    store = Store(tmp_path / "store")
    factory = DatasetFactory(seed=7)
    kept = {}
    for kind in ("CR", "MF"):
        ds = factory.make(kind)
        buffer = BytesIO()
        dcmwrite(buffer, ds, enforce_file_format=True)
        store.put_file(buffer.getvalue(), ds)
        kept[kind] = ds
    running = []

    def start(faults=()):
        web = DicomWebSimulator(store, faults=list(faults)).start()
        running.append(web)
        return web.wado_uri_url

    yield start, kept
    for web in running:
        web.stop()
    store.close()
