"""The clean DICOMweb simulator's lean STOW-RS path (simulators/lean_scan.py, Store.keep_encoded): it
indexes a part as the full path does, answers the same bytes, leaves every odd part to the full path, and what it
acknowledged survives kill -9 and a restart even when the files it wrote (unsynced, the journal holding them) are
gone."""

from __future__ import annotations

import http.client
import json
import signal
import subprocess
import sys
import uuid
from io import BytesIO
from pathlib import Path

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from starlette.testclient import TestClient

from dicom_harness.data.datasets import DatasetFactory, pixel_digest
from dicom_harness.simulators import lean_scan as stow_lean
from dicom_harness.simulators.dicomweb import app as app_module
from dicom_harness.simulators.dicomweb.app import create_app
from dicom_harness.simulators.store import Store, _index_row
from dicom_harness.targets.ports import free_port
from tests.lean_cases import varied_datasets


def _encoded(ds) -> bytes:
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _multipart(files: list[bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + f + b"\r\n"
                    for f in files) + b"--" + boundary.encode() + b"--\r\n"
    return body, f'multipart/related; type="application/dicom"; boundary={boundary}'


def _varied() -> list[Dataset]:
    return varied_datasets(seed=31)


def test_a_lean_part_is_indexed_as_the_full_path_indexes_it():
    for ds in _varied():
        encoded = _encoded(ds)
        lean = stow_lean.lean_part(encoded)
        assert lean is not None, ds.Modality
        row = _index_row("x", dcmread(BytesIO(encoded), stop_before_pixels=True))
        assert (lean.sop_instance, lean.sop_class, lean.transfer_syntax, lean.patient_id, lean.study, lean.series,
                "x", lean.attributes_json) == row


def test_odd_parts_are_left_to_the_full_path():
    factory = DatasetFactory(seed=32)
    ds = factory.make("CT")
    encoded = _encoded(ds)
    bad_uid = factory.make("CT")
    bad_uid.SOPInstanceUID = "1.2.abc"
    implicit = factory.make("CT")
    implicit_buffer = BytesIO()
    implicit.file_meta.TransferSyntaxUID = "1.2.840.10008.1.2"
    implicit.save_as(implicit_buffer, enforce_file_format=True)
    without_series = factory.make("CT")
    del without_series.SeriesInstanceUID
    for odd in (encoded[:-3], encoded[:128] + b"XXXX" + encoded[132:], _encoded(bad_uid),
                implicit_buffer.getvalue(), _encoded(without_series), b""):
        assert stow_lean.lean_part(odd) is None


def _stow_both_ways(tmp_path: Path, monkeypatch, files: list[bytes], accept: str) -> dict:
    found = {}
    for way in ("lean", "full"):
        store = Store(tmp_path / way)
        if way == "full":
            monkeypatch.setattr(app_module, "lean_part", lambda data: None)
        client = TestClient(create_app(store, public_url="http://sim:1"))
        body, content_type = _multipart(files)
        answer = client.post("/dicom-web/studies", content=body,
                             headers={"content-type": content_type, "accept": accept})
        found[way] = (answer.status_code, answer.headers["content-type"], answer.content,
                      [(i.sop_instance_uid, i.study_instance_uid, i.patient_id, i.attributes)
                       for i in store.instances()])
        store.close()
    return found


@pytest.mark.parametrize("accept", ["application/dicom+json", "application/dicom+xml"])
def test_the_lean_path_answers_and_keeps_what_the_full_path_does(tmp_path, monkeypatch, accept):
    files = [_encoded(ds) for ds in _varied()]
    found = _stow_both_ways(tmp_path, monkeypatch, files, accept)
    assert found["lean"] == found["full"]
    assert found["lean"][0] == 200 and len(found["lean"][3]) == len(files)


def test_a_request_with_an_odd_part_takes_the_full_path(tmp_path, monkeypatch):
    """One refused part among good ones: 202, the others kept, as the full path answers."""
    factory = DatasetFactory(seed=33)
    bad = factory.make("CT")
    bad.SOPInstanceUID = "1.2.abc"
    files = [_encoded(factory.make("CT")), _encoded(bad), _encoded(factory.make("CT"))]
    found = _stow_both_ways(tmp_path, monkeypatch, files, "application/dicom+json")
    assert found["lean"] == found["full"]
    assert found["lean"][0] == 202 and len(found["lean"][3]) == 2
    assert "00081198" in json.loads(found["lean"][2])


class _WebSimulator:
    """`dicom-harness simulate dicomweb` on a store folder, in its own process (so it can be killed)."""

    def __init__(self, store: Path):
        self.port = free_port()
        self.process = subprocess.Popen([sys.executable, "-m", "dicom_harness", "simulate", "dicomweb", "--port",
                                         str(self.port), "--store", str(store)], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        line = self.process.stdout.readline()
        assert "DICOMweb simulator" in line, line + self.process.stdout.read()

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, "/dicom-web" + path, body=body, headers=headers or {})
            answer = connection.getresponse()
            return answer.status, answer.read()
        finally:
            connection.close()

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def test_acknowledged_stow_survives_kill_9_and_restart(tmp_path):
    """STOW-RS answers 200 for a request of five instances; the simulator is killed (SIGKILL: no checkpoint, no
    close), every object file and the index are removed (what a power cut could take: only the journal was
    synced); restarted, it gives every instance back identical through WADO-RS."""
    factory = DatasetFactory(seed=34)
    study = factory.study()
    images = [factory.make("CT", study=study) for _ in range(5)]
    store = tmp_path / "store"
    simulator = _WebSimulator(store)
    try:
        body, content_type = _multipart([_encoded(ds) for ds in images])
        status, answer = simulator.request("POST", "/studies", body, {"Content-Type": content_type,
                                                                     "Accept": "application/dicom+json"})
        assert status == 200, answer
        assert len(json.loads(answer)["00081199"]["Value"]) == 5
        assert list((store / "journal").glob("*.journal")), "the lean path kept no journal"
        simulator.process.send_signal(signal.SIGKILL)
        simulator.process.wait(timeout=10)
    finally:
        if simulator.process.poll() is None:
            simulator.stop()
    for path in (store / "objects").glob("*/*/*.dcm"):
        path.unlink()
    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm"):
        (store / name).unlink(missing_ok=True)
    again = _WebSimulator(store)
    try:
        for image in images:
            status, got = again.request(
                "GET", f"/studies/{study.StudyInstanceUID}/series/{image.SeriesInstanceUID}/instances/"
                       f"{image.SOPInstanceUID}", headers={"Accept": 'multipart/related; type="application/dicom"'})
            assert status == 200, got[:200]
            start = got.index(b"\r\n\r\n") + 4
            retrieved = dcmread(BytesIO(got[start:got.rindex(b"\r\n--")]))
            assert retrieved.SOPInstanceUID == image.SOPInstanceUID
            assert pixel_digest(retrieved) == pixel_digest(image)
    finally:
        again.stop()
    assert not list((store / "journal").glob("*.journal")), "the replayed journal was left behind"
