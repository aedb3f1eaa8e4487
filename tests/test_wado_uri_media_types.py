"""The DICOMweb simulator's WADO-URI rendered media types (PS3.18 8.7.4, 9.5.3.3), read with plain httpx and Pillow,
not the harness's own client: image/png, image/gif and image/jp2 come as what they say, application/dicom beside a
rendered type is 400 (8.7.5), imageQuality out of range is 400 (8.3.5.1.2), an unknown charset is ignored (8.8.1),
and the faults change what they say."""

from __future__ import annotations

from io import BytesIO

import httpx
import pytest
from pydicom import dcmread

Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def served(wado_uri_served):
    """(start(faults) -> wado-uri URL, the CR image it holds)."""
    start, kept = wado_uri_served
    return start, kept["CR"]


def _get(url, ds, content_type, **params):
    query = {"requestType": "WADO", "studyUID": str(ds.StudyInstanceUID), "seriesUID": str(ds.SeriesInstanceUID),
             "objectUID": str(ds.SOPInstanceUID), "contentType": content_type, **params}
    return httpx.get(url, params=query, headers={"Accept": "*/*"}, timeout=10)


@pytest.mark.parametrize("media, kind", [("image/png", "PNG"), ("image/gif", "GIF"), ("image/jp2", "JPEG2000"),
                                         ("image/jpeg", "JPEG")])
def test_rendered_types_are_what_they_say(served, media, kind):
    start, ds = served
    response = _get(start(), ds, media)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == media
    image = Image.open(BytesIO(response.content))
    assert image.format == kind and image.size == (int(ds.Columns), int(ds.Rows))
    assert image.mode in ("L", "P", "RGB")


def test_faults_change_the_media(served):
    start, ds = served
    url = start(["wado-uri-png-as-jpeg", "wado-uri-gif-mislabelled", "wado-uri-jp2-as-png", "wado-uri-extended-jpeg"])
    png = _get(url, ds, "image/png")
    assert png.headers["content-type"] == "image/png" and Image.open(BytesIO(png.content)).format == "JPEG"
    gif = _get(url, ds, "image/gif")
    assert gif.headers["content-type"] == "image/png" and Image.open(BytesIO(gif.content)).format == "GIF"
    jp2 = _get(url, ds, "image/jp2")
    assert jp2.headers["content-type"] == "image/jp2" and Image.open(BytesIO(jp2.content)).format == "PNG"
    jpeg = _get(url, ds, "image/jpeg")
    assert b"\xff\xc1" in jpeg.content, "an extended sequential frame header (SOF1) expected under the fault"
    deep = _get(start(["wado-uri-png-16-bit"]), ds, "image/png")
    assert deep.content[24] == 16, "a 16-bit PNG expected under wado-uri-png-16-bit"


def test_mixed_media_types_quality_and_charset(served):
    start, ds = served
    url = start()
    for value in ("application/dicom,image/jpeg", "image/jpeg,application/dicom"):
        assert _get(url, ds, value).status_code == 400
    for quality in ("0", "101", "best"):
        assert _get(url, ds, "image/jpeg", imageQuality=quality).status_code == 400
    low, high = (_get(url, ds, "image/jpeg", imageQuality=q) for q in ("1", "100"))
    assert low.status_code == high.status_code == 200 and len(low.content) < len(high.content)
    served_dicom = _get(url, ds, "application/dicom", charset="x-dh-no-such-charset")
    assert served_dicom.status_code == 200
    assert str(dcmread(BytesIO(served_dicom.content)).SOPInstanceUID) == str(ds.SOPInstanceUID)
    faulty = start(["wado-uri-mixed-media-types-served", "wado-uri-image-quality-unchecked",
                    "wado-uri-unknown-charset-400"])
    assert _get(faulty, ds, "application/dicom,image/jpeg").status_code == 200
    assert _get(faulty, ds, "image/jpeg", imageQuality="101").status_code == 200
    assert _get(faulty, ds, "application/dicom", charset="x-dh-no-such-charset").status_code == 400
