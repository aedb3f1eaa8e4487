"""PS3.18 9: the URI Service (WADO-URI)."""

from io import BytesIO

import pytest
from pydicom.uid import RLELossless

from dicom_harness.testing import NotClaimed, pixel_digest, read_part10, requirement

EXPLICIT_VR_LE = "1.2.840.10008.1.2.1"
JPEG2000_LOSSLESS = "1.2.840.10008.1.2.4.90"


def _uids(ds):
    return [("requestType", "WADO"), ("studyUID", str(ds.StudyInstanceUID)), ("seriesUID", str(ds.SeriesInstanceUID)),
            ("objectUID", str(ds.SOPInstanceUID))]


def _retrieved_part10(dicomweb, sent):
    """The instance as application/dicom: a 200 whose body is a Part 10 file, or a failed assertion saying which."""
    response = dicomweb.wado_uri(_uids(sent) + [("contentType", "application/dicom")])
    assert response.status_code == 200, f"expected 200, observed {response.status_code} {response.text[:120]!r}"
    try:
        return read_part10(response.content)
    except Exception as exc:
        raise AssertionError(f"the body is not a DICOM Part 10 file: {exc}") from None


@requirement("WADOURI-RETRIEVE-DICOM")
def test_retrieve_dicom_instance(dicomweb, web_study):
    """GET ?requestType=WADO&studyUID&seriesUID&objectUID (the series' second instance)&contentType=
    application/dicom; PS3.18 9.4: that instance, identical."""
    sent = web_study.images[1]
    received = _retrieved_part10(dicomweb, sent)
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
    """GET with requestType, studyUID and seriesUID but no objectUID; PS3.18 9.4.2.2: the origin server shall
    return 400 (Bad Request)."""
    response = dicomweb.wado_uri(_uids(web_study.images[0])[:3] + [("contentType", "application/dicom")])
    assert response.status_code == 400, f"expected 400 (Bad Request), observed {response.status_code}"


@requirement("WADOURI-BAD-REQUEST-TYPE")
def test_unknown_request_type_is_400(dicomweb, web_study):
    """GET with requestType=XYZ and valid UIDs, contentType=application/dicom; PS3.18 9.4.2.1: a value other
    than WADO that the origin server does not support gets 400 (Bad Request)."""
    pairs = [("requestType", "XYZ")] + _uids(web_study.images[0])[1:] + [("contentType", "application/dicom")]
    response = dicomweb.wado_uri(pairs)
    assert response.status_code == 400, f"requestType=XYZ: expected 400 (Bad Request), observed {response.status_code}"


@requirement("WADOURI-RENDERED-MEDIA-TYPE")
def test_jpeg_content_type_is_sent_as_jpeg(dicomweb, web_study):
    """GET with contentType=image/jpeg and Accept image/jpeg; PS3.18 9.5.3.3: a single rendered image encoded in
    the Selected Media Type, image/jpeg, and labelled so (8.7.9)."""
    Image = pytest.importorskip("PIL.Image")
    response = dicomweb.wado_uri(_uids(web_study.images[0]) + [("contentType", "image/jpeg")], accept="image/jpeg")
    assert response.status_code == 200, f"expected 200, observed {response.status_code}"
    media = response.headers.get("content-type", "").split(";")[0].strip()
    assert media == "image/jpeg", f"contentType=image/jpeg: Content-Type expected image/jpeg, observed {media!r}"
    try:
        found = Image.open(BytesIO(response.content)).format
    except Exception as exc:
        raise AssertionError(f"the body is not an image: {exc}") from None
    assert found == "JPEG", f"contentType=image/jpeg: the body is {found}, not JPEG"


@requirement("WADOURI-DEFAULT-TRANSFER-SYNTAX")
def test_default_transfer_syntax_is_explicit_vr_little_endian(dicomweb, claims, make_instance):
    """Store a CT image in RLE Lossless by STOW-RS, GET it with contentType=application/dicom and no transferSyntax;
    PS3.18 9.4.2.4: the payload is in Explicit VR Little Endian, with the same pixel data."""
    if not claims.offers("stow"):
        raise NotClaimed("the test needs an RLE Lossless instance put in by STOW-RS, which the target does not claim")
    sent = make_instance("CT", transfer_syntax=RLELossless)
    stored = dicomweb.store([sent])
    if stored.status_code != 200:
        raise NotClaimed(f"the target did not take an RLE Lossless instance by STOW-RS (answered "
                         f"{stored.status_code}); the test needs one")
    received = _retrieved_part10(dicomweb, sent)
    syntax = str(received.file_meta.TransferSyntaxUID)
    assert syntax == EXPLICIT_VR_LE, (
        f"no transferSyntax parameter: file meta Transfer Syntax UID expected {EXPLICIT_VR_LE} (Explicit VR Little "
        f"Endian), observed {syntax}")
    assert pixel_digest(received) == pixel_digest(sent), "decoded pixel data differs from what was stored"


@requirement("WADOURI-TRANSFER-SYNTAX-UNSUPPORTED-406")
def test_unsupported_transfer_syntax_is_406(dicomweb, web_study):
    """GET contentType=application/dicom&transferSyntax=JPEG 2000 (Lossless Only), a valid Transfer Syntax UID;
    PS3.18 9.4.2.4: 406 (Not Acceptable) unless supported, in which case the payload is in that syntax."""
    pairs = _uids(web_study.images[0]) + [("contentType", "application/dicom"), ("transferSyntax", JPEG2000_LOSSLESS)]
    response = dicomweb.wado_uri(pairs)
    if response.status_code == 406:
        return
    assert response.status_code == 200, (
        f"transferSyntax={JPEG2000_LOSSLESS}: expected 406 (Not Acceptable), or 200 encoded in that syntax if "
        f"supported; observed {response.status_code} {response.text[:120]!r}")
    try:
        syntax = str(read_part10(response.content).file_meta.TransferSyntaxUID)
    except Exception as exc:
        raise AssertionError(f"200 to transferSyntax={JPEG2000_LOSSLESS}, but the body is not a DICOM Part 10 file: "
                             f"{exc}") from None
    assert syntax == JPEG2000_LOSSLESS, (
        f"transferSyntax={JPEG2000_LOSSLESS}: expected 406 (Not Acceptable) if not supported, or a payload in that "
        f"syntax; observed 200 with Transfer Syntax UID {syntax}")
