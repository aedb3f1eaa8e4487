"""The DICOMweb simulator's WADO-URI optional Query Parameters (simulators/dicomweb/uri_params.py), read with plain
httpx, Pillow and pydicom, not the harness's own client: frameNumber, windowing, region, rows and columns and
anonymize do what PS3.18 9.4.2.3 and 9.5.2 say, the 400 cases are 400, and a fault changes what it says."""

from __future__ import annotations

from io import BytesIO

import httpx
import numpy as np
import pytest
from pydicom import dcmread
from pydicom.filewriter import dcmwrite

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.store import Store

Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def served(tmp_path):
    """(start(faults) -> wado-uri URL, {kind: dataset}) over one store holding a CR image and a 6-frame image."""
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


def _get(url, ds, **params):
    query = {"requestType": "WADO", "studyUID": str(ds.StudyInstanceUID), "seriesUID": str(ds.SeriesInstanceUID),
             "objectUID": str(ds.SOPInstanceUID), "contentType": "image/jpeg", **params}
    return httpx.get(url, params=query, headers={"Accept": "*/*"}, timeout=10)


def _size(response):
    assert response.status_code == 200, response.text
    return Image.open(BytesIO(response.content)).size


def test_region_rows_and_columns_sizes(served):
    start, kept = served
    url, cr = start(), kept["CR"]                           # 80 columns x 96 rows
    assert _size(_get(url, cr)) == (80, 96)
    assert _size(_get(url, cr, region="0.25,0.5,0.75,1.0")) == (40, 48)
    assert _size(_get(url, cr, rows="48", columns="80")) == (40, 48)
    assert _size(_get(url, cr, columns="40")) == (40, 48)
    assert _size(_get(url, cr, rows="48")) == (40, 48)
    assert _size(_get(url, cr, region="0,0,0.5,0.5", columns="20")) == (20, 24)
    stretched = start(["wado-uri-rows-columns-stretched"])
    assert _size(_get(stretched, cr, rows="48", columns="80")) == (80, 48)


def test_frame_number_renders_that_frame(served):
    start, kept = served
    url, mf = start(), kept["MF"]
    frames = mf.pixel_array.astype("float64")
    for number in (1, 3, 6):
        grey = np.asarray(Image.open(BytesIO(_get(url, mf, frameNumber=str(number)).content)).convert("L"), "float64")
        scores = [np.corrcoef(grey.ravel(), f.ravel())[0, 1] for f in frames]
        assert int(np.argmax(scores)) + 1 == number, scores


@pytest.mark.parametrize("params", [
    {"frameNumber": "0"}, {"frameNumber": "7"}, {"windowCenter": "10"}, {"windowCenter": "x", "windowWidth": "2"},
    {"windowCenter": "1", "windowWidth": "2", "presentationUID": "1.2.3"}, {"region": "0.5,0,0.25,1"},
    {"region": "0,0,1"}, {"contentType": "application/dicom", "windowCenter": "1", "windowWidth": "2"},
    {"contentType": "application/dicom", "anonymize": "no"}])
def test_bad_parameters_are_400(served, params):
    start, kept = served
    target = kept["MF"] if "frameNumber" in params else kept["CR"]
    assert _get(start(), target, **params).status_code == 400


def test_frame_number_on_a_single_frame_image_is_400(served):
    start, kept = served
    assert _get(start(), kept["CR"], frameNumber="1").status_code == 400


def test_window_below_and_above_every_pixel(served):
    start, kept = served
    url, cr = start(), kept["CR"]
    white = Image.open(BytesIO(_get(url, cr, windowCenter="-100000", windowWidth="1").content)).convert("L")
    black = Image.open(BytesIO(_get(url, cr, windowCenter="100000", windowWidth="1").content)).convert("L")
    assert np.asarray(white).mean() > 250 and np.asarray(black).mean() < 5


def test_anonymize_gives_a_new_uid_and_no_patient_name(served):
    start, kept = served
    cr = kept["CR"]
    answer = _get(start(), cr, contentType="application/dicom", anonymize="yes")
    assert answer.status_code == 200, answer.text
    ds = dcmread(BytesIO(answer.content))
    assert ds.SOPInstanceUID != cr.SOPInstanceUID and ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert str(ds.PatientName) == "" and ds.PatientIdentityRemoved == "YES"
    kept_uid = dcmread(BytesIO(_get(start(["wado-uri-anonymize-keeps-uid"]), cr, contentType="application/dicom",
                                    anonymize="yes").content))
    assert kept_uid.SOPInstanceUID == cr.SOPInstanceUID and str(kept_uid.PatientName) == ""
