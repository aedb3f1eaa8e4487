"""Frames and bulk data of compressed instances from the DICOMweb simulator (PS3.18 8.7.3.3): the stored JPEG
stream in its own media type with its transfer-syntax, or decoded to Explicit VR Little Endian, 406 only when
neither is acceptable; BulkDataURIs built from the simulator's own URL whatever Host a client sends; and
dicomweb-client (an independent implementation) retrieving bulk data and frames."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

import httpx
import numpy as np
import pytest
from pydicom.encaps import generate_frames

from dicom_harness.clients.multipart import parse_multipart
from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.store import Store

sys.path.insert(0, str(Path(__file__).parent))
from viewer_data import part10, viewer_instances  # noqa: E402

OCTET = 'multipart/related; type="application/octet-stream"'


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("pixels") / "store")
    web = DicomWebSimulator(store, cors_origins=()).start()
    instances = viewer_instances()
    boundary = uuid.uuid4().hex
    body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + part10(d) + b"\r\n"
                    for d in instances.values()) + b"--" + boundary.encode() + b"--\r\n"
    stored = httpx.post(f"{web.base_url}/studies", content=body, timeout=30, headers={
        "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
    assert stored.status_code == 200, stored.text
    yield web, instances
    web.stop()
    store.close()


def _path(web, ds) -> str:
    return f"{web.base_url}/studies/{ds.StudyInstanceUID}/series/{ds.SeriesInstanceUID}/instances/{ds.SOPInstanceUID}"


def _parts(response):
    assert response.status_code == 200, response.text
    return parse_multipart(response.headers["content-type"], response.content).parts


def test_jpeg_frames_as_stored_with_their_media_type(served):
    web, instances = served
    us = instances["US"]
    stored = list(generate_frames(us.PixelData, number_of_frames=8))
    for accept in (f"{OCTET}; transfer-syntax=*", 'multipart/related; type="image/jpeg"',
                   'multipart/related; type="image/jpeg"; transfer-syntax=1.2.840.10008.1.2.4.50'):
        parts = _parts(httpx.get(_path(web, us) + "/frames/3,8", headers={"Accept": accept}))
        assert [p.content_type for p in parts] == ["image/jpeg; transfer-syntax=1.2.840.10008.1.2.4.50"] * 2, accept
        assert [p.content for p in parts] == [stored[2], stored[7]], accept     # no fragment item tags


def test_jpeg_frames_decoded_when_uncompressed_is_asked_for(served):
    web, instances = served
    us = instances["US"]
    parts = _parts(httpx.get(_path(web, us) + "/frames/2", headers={"Accept": OCTET}))
    assert parts[0].media_type == "application/octet-stream"
    assert len(parts[0].content) == 96 * 128 * 3
    decoded = np.frombuffer(parts[0].content, np.uint8)
    assert decoded.std() > 10            # a picture, not a constant


def test_406_only_when_nothing_acceptable_can_be_made(served):
    web, instances = served
    answer = httpx.get(_path(web, instances["US"]) + "/frames/1",
                       headers={"Accept": 'multipart/related; type="image/jp2"'})
    assert answer.status_code == 406 and "image/jpeg" in answer.text
    # an uncompressed instance is not compressed on request
    answer = httpx.get(_path(web, instances["CT"]) + "/frames/1",
                       headers={"Accept": 'multipart/related; type="image/jpeg"'})
    assert answer.status_code == 406
    parts = _parts(httpx.get(_path(web, instances["CT"]) + "/frames/1",
                             headers={"Accept": f"{OCTET}; transfer-syntax=*"}))
    assert parts[0].content == bytes(instances["CT"].PixelData)


def test_pixel_data_bulkdata_of_a_jpeg_instance(served):
    web, instances = served
    jpeg = instances["JPEG"]
    uri = f"{_path(web, jpeg)}/bulkdata/7FE00010"
    single = httpx.get(uri, headers={"Accept": "image/jpeg"})
    assert single.status_code == 200 and single.headers["content-type"].startswith("image/jpeg; transfer-syntax=")
    assert single.content == next(generate_frames(jpeg.PixelData, number_of_frames=1))
    decoded = httpx.get(uri, headers={"Accept": "application/octet-stream"})
    assert decoded.status_code == 200 and len(decoded.content) == 96 * 128


def test_bulkdata_uris_come_from_the_simulator_not_the_host_header(served):
    web, instances = served
    ct = instances["CT"]
    metadata = httpx.get(_path(web, ct) + "/metadata", headers={"Accept": "application/dicom+json",
                                                                "Host": "proxy.example:9"}).json()
    uri = metadata[0]["7FE00010"]["BulkDataURI"]
    assert uri.startswith(web.base_url + "/studies/"), uri


def test_dicomweb_client_retrieves_bulk_data_and_frames(served):
    from dicomweb_client.api import DICOMwebClient
    web, instances = served
    client = DICOMwebClient(url=web.base_url)
    ct, us = instances["CT"], instances["US"]
    metadata = client.retrieve_instance_metadata(str(ct.StudyInstanceUID), str(ct.SeriesInstanceUID),
                                                 str(ct.SOPInstanceUID))
    assert client.retrieve_bulkdata(metadata["7FE00010"]["BulkDataURI"])[0] == bytes(ct.PixelData)
    frames = client.retrieve_instance_frames(str(us.StudyInstanceUID), str(us.SeriesInstanceUID),
                                             str(us.SOPInstanceUID), frame_numbers=[1],
                                             media_types=(("image/jpeg", "1.2.840.10008.1.2.4.50"),))
    assert frames[0] == next(generate_frames(us.PixelData, number_of_frames=8))
