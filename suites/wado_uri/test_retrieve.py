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


def _stored_rle_instance(dicomweb, claims, make_instance):
    """A CT image in RLE Lossless, stored by STOW-RS (NOT CLAIMED where the target does not take one that way)."""
    if not claims.offers("stow"):
        raise NotClaimed("the test needs an RLE Lossless instance put in by STOW-RS, which the target does not claim")
    sent = make_instance("CT", transfer_syntax=RLELossless)
    stored = dicomweb.store([sent])
    if stored.status_code != 200:
        raise NotClaimed(f"the target did not take an RLE Lossless instance by STOW-RS (answered "
                         f"{stored.status_code}); the test needs one")
    return sent


@requirement("WADOURI-DEFAULT-TRANSFER-SYNTAX")
def test_default_transfer_syntax_is_explicit_vr_little_endian(dicomweb, claims, make_instance):
    """Store a CT image in RLE Lossless by STOW-RS, GET it with contentType=application/dicom and no transferSyntax;
    PS3.18 9.4.2.4: the payload is in Explicit VR Little Endian, with the same pixel data."""
    sent = _stored_rle_instance(dicomweb, claims, make_instance)
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


def _transfer_syntax_parameter_supported(dicomweb, sent, evidence) -> None:
    """PS3.18 9.4.2.4 opens with "If this Query Parameter is supported": a server that ignores transferSyntax (8.3,
    unsupported Query Parameters are ignored) is not judged on it. A 406, or a payload in the syntax asked, to
    transferSyntax=JPEG 2000 (Lossless Only) shows the parameter is read; a payload in another syntax shows it is
    not: NotClaimed."""
    pairs = _uids(sent) + [("contentType", "application/dicom"), ("transferSyntax", JPEG2000_LOSSLESS)]
    response = dicomweb.wado_uri(pairs)
    if response.status_code == 406:
        evidence.add("#", f"transferSyntax={JPEG2000_LOSSLESS} answered 406: the target reads the parameter")
        return
    if response.status_code == 200:
        try:
            syntax = str(read_part10(response.content).file_meta.TransferSyntaxUID)
        except Exception:       # noqa: BLE001 - judged by WADOURI-TRANSFER-SYNTAX-UNSUPPORTED-406, not here
            syntax = None
        if syntax == JPEG2000_LOSSLESS:
            evidence.add("#", f"transferSyntax={JPEG2000_LOSSLESS} honoured: the target reads the parameter")
            return
        raise NotClaimed(f"transferSyntax={JPEG2000_LOSSLESS} answered 200 in {syntax}: the target does not support "
                         "the transferSyntax Query Parameter (PS3.18 9.4.2.4 'If this Query Parameter is "
                         "supported'; 8.3 unsupported ones are ignored)")
    raise NotClaimed(f"transferSyntax={JPEG2000_LOSSLESS} answered {response.status_code}: cannot tell whether the "
                     "target supports the transferSyntax Query Parameter")


@requirement("WADOURI-CONTENTTYPE-PARAMETERS-400")
def test_content_type_with_transfer_syntax_parameter_is_400(dicomweb, web_study):
    """GET contentType=application/dicom;transfer-syntax=1.2.840.10008.1.2.1; PS3.18 9.1.2.2.1: the transfer-syntax
    and charset media type parameters are forbidden in the request, and their presence gets 400 (Bad Request)."""
    value = f"application/dicom;transfer-syntax={EXPLICIT_VR_LE}"
    response = dicomweb.wado_uri(_uids(web_study.images[0]) + [("contentType", value)])
    assert response.status_code == 400, (
        f"contentType={value}: expected 400 (Bad Request), observed {response.status_code} {response.text[:120]!r}")


@requirement("WADOURI-TRANSFER-SYNTAX-PARAMETER")
def test_transfer_syntax_parameter_is_honoured(dicomweb, claims, make_instance, evidence):
    """Store a CT image in RLE Lossless by STOW-RS, GET it with contentType=application/dicom&transferSyntax=RLE
    Lossless; PS3.18 9.4.2.4: encoded in that syntax (or 406 if the target cannot send it), pixel data the same."""
    sent = _stored_rle_instance(dicomweb, claims, make_instance)
    _transfer_syntax_parameter_supported(dicomweb, sent, evidence)
    pairs = _uids(sent) + [("contentType", "application/dicom"), ("transferSyntax", str(RLELossless))]
    response = dicomweb.wado_uri(pairs)
    if response.status_code == 406:
        evidence.add("#", f"transferSyntax={RLELossless} answered 406: valid but not supported (9.4.2.4 allows it)")
        return
    assert response.status_code == 200, (
        f"transferSyntax={RLELossless}: expected 200 in that syntax or 406 (Not Acceptable), observed "
        f"{response.status_code} {response.text[:120]!r}")
    try:
        received = read_part10(response.content)
    except Exception as exc:
        raise AssertionError(f"the body is not a DICOM Part 10 file: {exc}") from None
    syntax = str(received.file_meta.TransferSyntaxUID)
    assert syntax == str(RLELossless), (
        f"transferSyntax={RLELossless}: file meta Transfer Syntax UID expected {RLELossless} (RLE Lossless), "
        f"observed {syntax}")
    assert pixel_digest(received) == pixel_digest(sent), "decoded pixel data differs from what was stored"


@requirement("WADOURI-TRANSFER-SYNTAX-INVALID-400")
def test_invalid_transfer_syntax_is_400(dicomweb, web_study, evidence):
    """GET contentType=application/dicom&transferSyntax=1.2.840.10008.1.2.01 (a leading zero: not a UID), then
    with two valid values; PS3.18 9.4.2.4: where the parameter is supported, 400 (Bad Request) to each."""
    sent = web_study.images[0]
    _transfer_syntax_parameter_supported(dicomweb, sent, evidence)
    base = _uids(sent) + [("contentType", "application/dicom")]
    for extra, what in (([("transferSyntax", "1.2.840.10008.1.2.01")], "a value that is not a valid UID"),
                        ([("transferSyntax", EXPLICIT_VR_LE), ("transferSyntax", str(RLELossless))], "two values")):
        response = dicomweb.wado_uri(base + extra)
        assert response.status_code == 400, (
            f"transferSyntax with {what}: expected 400 (Bad Request), observed {response.status_code} "
            f"{response.text[:120]!r}")
