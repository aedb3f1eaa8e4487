"""PS3.18 9: the URI Service (WADO-URI)."""

from io import BytesIO

import pytest

from dicom_harness.testing import pixel_digest, read_part10, requirement


def _uids(ds):
    return [("requestType", "WADO"), ("studyUID", str(ds.StudyInstanceUID)), ("seriesUID", str(ds.SeriesInstanceUID)),
            ("objectUID", str(ds.SOPInstanceUID))]


@requirement("WADOURI-RETRIEVE-DICOM")
def test_retrieve_dicom_instance(dicomweb, web_study):
    """GET ?requestType=WADO&studyUID&seriesUID&objectUID (the series' second instance)&contentType=
    application/dicom; PS3.18 9.4: that instance, identical."""
    sent = web_study.images[1]
    response = dicomweb.wado_uri(_uids(sent) + [("contentType", "application/dicom")])
    assert response.status_code == 200, f"expected 200, observed {response.status_code} {response.text[:120]!r}"
    try:
        received = read_part10(response.content)
    except Exception as exc:
        raise AssertionError(f"the body is not a DICOM Part 10 file: {exc}") from None
    assert str(received.SOPInstanceUID) == str(sent.SOPInstanceUID), (
        f"expected instance {sent.SOPInstanceUID}, observed {received.SOPInstanceUID}")
    assert pixel_digest(received) == pixel_digest(sent), "pixel data differs from what was stored"


@requirement("WADOURI-DEFAULT-JPEG")
def test_default_media_type_is_jpeg(dicomweb, web_study):
    """GET with the mandatory parameters only and Accept */*; PS3.18 9.3: the instance rendered as image/jpeg."""
    Image = pytest.importorskip("PIL.Image")
    response = dicomweb.wado_uri(_uids(web_study.images[0]), accept="*/*")
    assert response.status_code == 200, f"expected 200, observed {response.status_code}"
    media = response.headers.get("content-type", "").split(";")[0].strip()
    assert media == "image/jpeg", f"Content-Type: expected image/jpeg, observed {media!r}"
    try:
        assert Image.open(BytesIO(response.content)).format == "JPEG"
    except Exception as exc:
        raise AssertionError(f"the body is not a JPEG image: {exc}") from None


@requirement("WADOURI-MISSING-PARAMETER")
def test_missing_object_uid_is_400(dicomweb, web_study):
    """GET with requestType, studyUID and seriesUID but no objectUID; PS3.18 9.4.3.1: 400 Bad Request."""
    response = dicomweb.wado_uri(_uids(web_study.images[0])[:3] + [("contentType", "application/dicom")])
    assert response.status_code == 400, f"expected 400 (Bad Request), observed {response.status_code}"
