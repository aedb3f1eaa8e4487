"""The DICOMweb simulator's search, checked with a plain HTTP client: the paging Warning (PS3.18 8.3.4.4.1), the
level filter of includefield (10.6.3.3.1 to 10.6.3.3.3) and XML results (10.6.4)."""

from __future__ import annotations

from io import BytesIO

import httpx
import pytest
from pydicom.datadict import tag_for_keyword

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.dicomweb.search import attribute_level
from dicom_harness.simulators.store import Store

JSON = {"Accept": "application/dicom+json"}


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("qido") / "store")
    factory = DatasetFactory(seed=5)
    study = factory.study()
    instances = [factory.make("CT", study=study) for _ in range(3)]
    for ds in instances:
        buffer = BytesIO()
        ds.save_as(buffer, enforce_file_format=True)
        store.put_file(buffer.getvalue(), ds)
    simulator = DicomWebSimulator(store).start()
    yield simulator, str(study.StudyInstanceUID)
    simulator.stop()
    store.close()


def _get(web, path, params=None, headers=JSON):
    simulator, _ = web
    return httpx.get(simulator.base_url + path, params=params, headers=headers)


def test_levels_of_attributes():
    level = {k: attribute_level(tag_for_keyword(k)) for k in
             ("PatientName", "StudyDate", "Modality", "SeriesNumber", "SOPInstanceUID", "ImageComments",
              "RetrieveURL")}
    assert level == {"PatientName": "study", "StudyDate": "study", "Modality": "series", "SeriesNumber": "series",
                     "SOPInstanceUID": "instance", "ImageComments": "instance", "RetrieveURL": "every"}


def test_warning_299_counts_the_matches_left_and_only_when_some_are(web):
    _, uid = web
    first = _get(web, f"/studies/{uid}/instances", {"limit": 2})
    assert first.status_code == 200 and len(first.json()) == 2
    assert first.headers["warning"].startswith("299 ")
    assert "There are 1 additional results that can be requested" in first.headers["warning"]
    last = _get(web, f"/studies/{uid}/instances", {"limit": 2, "offset": 2})
    assert len(last.json()) == 1 and "warning" not in last.headers
    assert _get(web, f"/studies/{uid}/instances", {"offset": 3}).status_code == 204


def test_includefield_returns_only_attributes_of_the_level_or_above(web):
    _, uid = web
    study = _get(web, "/studies", [("StudyInstanceUID", uid), ("includefield", "SOPInstanceUID"),
                                    ("includefield", "StudyDescription")])
    assert "00080018" not in study.json()[0] and "00081030" in study.json()[0]
    series = _get(web, f"/studies/{uid}/series", {"includefield": "all"}).json()[0]
    assert "00080018" not in series and "00204000" not in series and "00080060" in series
    instance = _get(web, f"/studies/{uid}/instances", {"includefield": "00204000"}).json()[0]
    assert "00204000" in instance


def test_search_asked_for_as_xml_is_multipart_native_dicom(web):
    _, uid = web
    response = _get(web, "/studies", {"StudyInstanceUID": uid},
                    headers={"Accept": 'multipart/related; type="application/dicom+xml"'})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith('multipart/related; type="application/dicom+xml"')
    assert b"NativeDicomModel" in response.content and uid.encode() in response.content
