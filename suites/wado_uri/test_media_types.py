"""PS3.18 9.1.2.2, 9.5, 8.7.4, 8.7.5, 8.8.1, 8.3.5.1.2: the Rendered Media Types of the URI Service (image/png,
image/gif and image/jp2 are optional for URI in Table 8.7.4-1: NOT CLAIMED where the target does not serve one),
what a rendered image is made of (8 bits per channel, baseline JPEG), DICOM and rendered types mixed in contentType,
charset values the origin server does not know, and imageQuality values out of range."""

from io import BytesIO

import pytest

from dicom_harness.testing import NotClaimed, assert_rendered_jpeg, read_part10, requirement

Image = pytest.importorskip("PIL.Image")

# PS3.18 8.7.4, Table 8.7.4-1, Single Frame Image, URI column: image/gif O, image/png O, image/jp2 O
PILLOW_FORMAT = {"image/png": "PNG", "image/gif": "GIF", "image/jp2": "JPEG2000", "image/jpeg": "JPEG"}


def _uids(ds):
    return [("requestType", "WADO"), ("studyUID", str(ds.StudyInstanceUID)), ("seriesUID", str(ds.SeriesInstanceUID)),
            ("objectUID", str(ds.SOPInstanceUID))]


def _media(response) -> str:
    return response.headers.get("content-type", "").split(";")[0].strip().lower()


def _served(dicomweb, sent, media, extra=()):
    """The 200 answer to contentType=media (Accept the same); NotClaimed where the target does not serve that optional
    media type (Table 8.7.4-1: O for the URI Service)."""
    response = dicomweb.wado_uri(_uids(sent) + [("contentType", media)] + list(extra), accept=media)
    if response.status_code != 200:
        raise NotClaimed(f"contentType={media} answered {response.status_code}: the target does not offer {media}, "
                         "optional for the URI Service (PS3.18 8.7.4, Table 8.7.4-1)")
    return response


def _check_rendered(response, media):
    """PS3.18 9.5.3.3: a single rendered image encoded in the Selected Media Type, labelled so (8.7.9). A body that
    is another media type and labelled as that one means the target does not serve `media`: NotClaimed."""
    try:
        image = Image.open(BytesIO(response.content))
        image.load()
    except Exception as exc:
        raise AssertionError(f"contentType={media}: the body is not a decodable image: {exc}") from None
    label = _media(response)
    if label != media and PILLOW_FORMAT.get(label) == image.format:
        raise NotClaimed(f"contentType={media} (Accept {media}) answered 200 with a {label} image labelled so: the "
                         f"target does not serve the optional {media} (PS3.18 Table 8.7.4-1); answering another "
                         "media type than the acceptable ones is judged by no requirement here")
    assert label == media, f"contentType={media}: Content-Type expected {media}, observed {label!r}"
    assert image.format == PILLOW_FORMAT[media], (
        f"contentType={media}: expected a {PILLOW_FORMAT[media]} image, observed {image.format}")
    assert image.size[0] > 0 and image.size[1] > 0, f"contentType={media}: an empty image ({image.size})"


@requirement("WADOURI-RENDERED-PNG")
def test_png_is_served_as_png(dicomweb, web_study):
    """GET the CR image with contentType=image/png and Accept image/png; PS3.18 9.5.3.3: where the target serves the
    optional image/png (Table 8.7.4-1), a single image encoded as PNG and labelled image/png."""
    _check_rendered(_served(dicomweb, web_study.images[0], "image/png"), "image/png")


@requirement("WADOURI-RENDERED-GIF")
def test_gif_is_served_as_gif(dicomweb, web_study):
    """GET the CR image with contentType=image/gif and Accept image/gif; PS3.18 9.5.3.3: where the target serves the
    optional image/gif (Table 8.7.4-1), a single image encoded as GIF and labelled image/gif."""
    _check_rendered(_served(dicomweb, web_study.images[0], "image/gif"), "image/gif")


@requirement("WADOURI-RENDERED-JP2")
def test_jp2_is_served_as_jp2(dicomweb, web_study):
    """GET the CR image with contentType=image/jp2 and Accept image/jp2; PS3.18 9.5.3.3: where the target serves the
    optional image/jp2 (Table 8.7.4-1), a single image encoded as JPEG 2000 and labelled image/jp2."""
    pytest.importorskip("PIL.Jpeg2KImagePlugin")
    _check_rendered(_served(dicomweb, web_study.images[0], "image/jp2"), "image/jp2")


@requirement("WADOURI-RENDERED-8-BIT")
def test_rendered_png_has_at_most_8_bits_per_channel(dicomweb, web_study):
    """GET the 12-bit CR image with contentType=image/png (image/jpeg where PNG is not served); PS3.18 8.7.4:
    "Rendered images shall contain no more than 8 bits per channel"."""
    sent = web_study.images[0]
    try:
        response, media = _served(dicomweb, sent, "image/png"), "image/png"
    except NotClaimed:
        response, media = _served(dicomweb, sent, "image/jpeg"), "image/jpeg"
    body = response.content
    if body[:8] == b"\x89PNG\r\n\x1a\n" and body[12:16] == b"IHDR":
        depth = body[24]
        assert depth <= 8, f"contentType={media}: PNG bit depth expected at most 8 bits per channel, observed {depth}"
        return
    try:
        image = Image.open(BytesIO(body))
    except Exception as exc:
        raise AssertionError(f"contentType={media}: the body is not a decodable image: {exc}") from None
    assert image.mode in ("1", "L", "P", "RGB", "RGBA", "LA", "PA", "CMYK", "YCbCr"), (
        f"contentType={media}: expected at most 8 bits per channel, observed image mode {image.mode}")


@requirement("WADOURI-JPEG-BASELINE")
def test_rendered_jpeg_is_baseline(dicomweb, web_study):
    """GET the 12-bit CR image with contentType=image/jpeg; PS3.18 8.7.4: "the JPEG baseline lossy 8-bit Huffman
    encoded non-hierarchical non-sequential process": a baseline (SOF0) or progressive (SOF2) header, 8-bit samples."""
    response = dicomweb.wado_uri(_uids(web_study.images[0]) + [("contentType", "image/jpeg")], accept="image/jpeg")
    assert response.status_code == 200, f"contentType=image/jpeg: expected 200, observed {response.status_code}"
    assert_rendered_jpeg(response.content, "contentType=image/jpeg")


@requirement("WADOURI-MIXED-MEDIA-TYPES-400")
def test_dicom_and_rendered_media_types_together_are_400(dicomweb, web_study):
    """GET with contentType=application/dicom,image/jpeg, then image/jpeg,application/dicom (Accept */*); PS3.18 8.7.5:
    DICOM and Rendered Media Types together in the Acceptable Media Types get 400 (Bad Request)."""
    sent = web_study.images[0]
    for value in ("application/dicom,image/jpeg", "image/jpeg,application/dicom"):
        response = dicomweb.wado_uri(_uids(sent) + [("contentType", value)], accept="*/*")
        assert response.status_code == 400, (
            f"contentType={value}: expected 400 (Bad Request), observed {response.status_code} "
            f"{_media(response) or 'no Content-Type'}")


@requirement("WADOURI-CHARSET-INVALID-IGNORED")
def test_unknown_charset_is_ignored(dicomweb, web_study):
    """GET contentType=application/dicom&charset=x-dh-no-such-charset; PS3.18 8.8.1: "Any charset values that are not
    valid or not supported shall be ignored by the origin server": the instance is served as without it."""
    sent = web_study.images[0]
    response = dicomweb.wado_uri(_uids(sent) + [("contentType", "application/dicom"),
                                                ("charset", "x-dh-no-such-charset")])
    assert response.status_code == 200, (
        f"charset=x-dh-no-such-charset: expected the instance (200, the value ignored), observed "
        f"{response.status_code} {response.text[:120]!r}")
    try:
        received = read_part10(response.content)
    except Exception as exc:
        raise AssertionError(f"charset=x-dh-no-such-charset: the body is not a DICOM Part 10 file: {exc}") from None
    assert str(received.SOPInstanceUID) == str(sent.SOPInstanceUID), (
        f"expected instance {sent.SOPInstanceUID}, observed {received.SOPInstanceUID}")


@requirement("WADOURI-IMAGE-QUALITY-400")
def test_image_quality_out_of_range_is_400(dicomweb, web_study, evidence):
    """GET contentType=image/jpeg with imageQuality 1 and 100 (a target that returns the same image to both ignores
    the parameter: NOT CLAIMED), then 0, 101 and "best"; PS3.18 9.5.1.2.3, 8.3.5.1.2: each of these is a 400."""
    sent = web_study.images[0]
    base = _uids(sent) + [("contentType", "image/jpeg")]
    low = dicomweb.wado_uri(base + [("imageQuality", "1")], accept="image/jpeg")
    high = dicomweb.wado_uri(base + [("imageQuality", "100")], accept="image/jpeg")
    if low.status_code != 200 or high.status_code != 200:
        raise NotClaimed(f"imageQuality=1 and =100 answered {low.status_code} and {high.status_code}: cannot tell "
                         "whether the target supports imageQuality")
    if low.content == high.content:
        raise NotClaimed("imageQuality=1 and imageQuality=100 return the same image: the target does not support "
                         "the imageQuality Query Parameter (PS3.18 8.3: unsupported ones are ignored)")
    evidence.add("#", f"imageQuality=1 gave {len(low.content)} bytes, =100 gave {len(high.content)}: the parameter "
                      "is read")
    for value in ("0", "101", "best"):
        response = dicomweb.wado_uri(base + [("imageQuality", value)], accept="image/jpeg")
        assert response.status_code == 400, (
            f"imageQuality={value}: expected 400 (Bad Request, not an integer from 1 to 100), observed "
            f"{response.status_code}")
