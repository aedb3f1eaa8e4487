"""The DICOMweb simulator's WADO-URI optional Query Parameters (simulators/dicomweb/uri_params.py), read with plain
httpx, Pillow and pydicom, not the harness's own client: frameNumber, windowing, region, rows and columns and
anonymize do what PS3.18 9.4.2.3 and 9.5.2 say, the 400 cases are 400, and a fault changes what it says."""

from __future__ import annotations

from io import BytesIO

import httpx
import numpy as np
import pytest
from pydicom import dcmread

Image = pytest.importorskip("PIL.Image")


def _get(url, ds, **params):
    query = {"requestType": "WADO", "studyUID": str(ds.StudyInstanceUID), "seriesUID": str(ds.SeriesInstanceUID),
             "objectUID": str(ds.SOPInstanceUID), "contentType": "image/jpeg", **params}
    return httpx.get(url, params=query, headers={"Accept": "*/*"}, timeout=10)


def _size(response):
    assert response.status_code == 200, response.text
    return Image.open(BytesIO(response.content)).size


def test_region_rows_and_columns_sizes(wado_uri_served):
    start, kept = wado_uri_served
    url, cr = start(), kept["CR"]                           # 80 columns x 96 rows
    assert _size(_get(url, cr)) == (80, 96)
    assert _size(_get(url, cr, region="0.25,0.5,0.75,1.0")) == (40, 48)
    assert _size(_get(url, cr, rows="48", columns="80")) == (40, 48)
    assert _size(_get(url, cr, columns="40")) == (40, 48)
    assert _size(_get(url, cr, rows="48")) == (40, 48)
    assert _size(_get(url, cr, region="0,0,0.5,0.5", columns="20")) == (20, 24)
    stretched = start(["wado-uri-rows-columns-stretched"])
    assert _size(_get(stretched, cr, rows="48", columns="80")) == (80, 48)


def test_frame_number_renders_that_frame(wado_uri_served):
    start, kept = wado_uri_served
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
def test_bad_parameters_are_400(wado_uri_served, params):
    start, kept = wado_uri_served
    target = kept["MF"] if "frameNumber" in params else kept["CR"]
    assert _get(start(), target, **params).status_code == 400


def test_frame_number_on_a_single_frame_image_is_400(wado_uri_served):
    start, kept = wado_uri_served
    assert _get(start(), kept["CR"], frameNumber="1").status_code == 400


def test_window_below_and_above_every_pixel(wado_uri_served):
    start, kept = wado_uri_served
    url, cr = start(), kept["CR"]
    white = Image.open(BytesIO(_get(url, cr, windowCenter="-100000", windowWidth="1").content)).convert("L")
    black = Image.open(BytesIO(_get(url, cr, windowCenter="100000", windowWidth="1").content)).convert("L")
    assert np.asarray(white).mean() > 250 and np.asarray(black).mean() < 5


def test_anonymize_gives_a_new_uid_and_no_patient_name(wado_uri_served):
    start, kept = wado_uri_served
    cr = kept["CR"]
    answer = _get(start(), cr, contentType="application/dicom", anonymize="yes")
    assert answer.status_code == 200, answer.text
    ds = dcmread(BytesIO(answer.content))
    assert ds.SOPInstanceUID != cr.SOPInstanceUID and ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID
    assert str(ds.PatientName) == "" and ds.PatientIdentityRemoved == "YES"
    kept_uid = dcmread(BytesIO(_get(start(["wado-uri-anonymize-keeps-uid"]), cr, contentType="application/dicom",
                                    anonymize="yes").content))
    assert kept_uid.SOPInstanceUID == cr.SOPInstanceUID and str(kept_uid.PatientName) == ""
