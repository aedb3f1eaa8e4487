"""The DICOMweb simulator's message header fields, seen by a plain HTTP client: the Allow header of a 405 lists
every method of the resource (PS3.18 8.5), a WADO-RS representation carries its Content-Location (Table 8.4.2-1),
and the two faults that break them."""

from __future__ import annotations

import uuid
from io import BytesIO

import httpx
import pytest

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.store import Store


def _stow(base_url: str, ds) -> None:
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n".encode() + buffer.getvalue()
            + f"\r\n--{boundary}--\r\n".encode())
    response = httpx.post(f"{base_url}/studies", content=body, timeout=10, headers={
        "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
    assert response.status_code == 200, response.text


@pytest.fixture
def started(tmp_path, request):
    store = Store(tmp_path / "store")
    simulator = DicomWebSimulator(store, faults=getattr(request, "param", ())).start()
    ds = DatasetFactory(seed=21).make("CT")
    _stow(simulator.base_url, ds)
    yield simulator, ds
    simulator.stop()
    store.close()


def _metadata_path(ds) -> str:
    return (f"/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/{ds.SOPInstanceUID}"
            "/metadata")


def test_405_lists_every_method_and_representations_are_located(started):
    simulator, ds = started
    refused = httpx.put(f"{simulator.base_url}/studies", content=b"[]", timeout=10)
    assert refused.status_code == 405
    assert {"GET", "POST"} <= {m.strip() for m in refused.headers["allow"].split(",")}   # both /studies routes
    path = _metadata_path(ds)
    found = httpx.get(simulator.base_url + path, headers={"Accept": "application/dicom+json"}, timeout=10)
    assert found.status_code == 200
    assert found.headers["content-location"].endswith(path)
    search = httpx.get(f"{simulator.base_url}/studies", headers={"Accept": "application/dicom+json"}, timeout=10)
    assert search.status_code == 200 and "content-location" not in search.headers     # a search is no representation


@pytest.mark.parametrize("started", [("web-405-without-allow", "metadata-without-content-location")], indirect=True)
def test_the_faults_remove_them(started):
    simulator, ds = started
    refused = httpx.put(f"{simulator.base_url}/studies", content=b"[]", timeout=10)
    assert refused.status_code == 405 and "allow" not in refused.headers
    found = httpx.get(simulator.base_url + _metadata_path(ds), headers={"Accept": "application/dicom+json"}, timeout=10)
    assert found.status_code == 200 and "content-location" not in found.headers
