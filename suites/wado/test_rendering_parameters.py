"""PS3.18 8.3.5.1 and 8.7.4: the rendering Query Parameters of Rendered resources (which Table 10.4.1-5 makes
mandatory for the origin server) and the form of the rendered image."""

import pytest

from dicom_harness.testing import assert_rendered_jpeg, requirement, study_paths

from .checks import (
    grey_levels,
    judge_viewport,
    media_of,
    monotonic_function_findings,
    refused_with_400,
    rendered,
    warn_values,
)

pytest.importorskip("PIL.Image")

def _rendered_path(web_study) -> str:
    return study_paths(web_study.images[0])["instance"] + "/rendered"


@requirement("WADO-RENDERED-JPEG-BASELINE")
def test_rendered_jpeg_is_baseline(dicomweb, web_study):
    """GET the rendered 12-bit CR image as image/jpeg; PS3.18 8.7.4: "the JPEG baseline lossy 8-bit Huffman encoded
    non-hierarchical non-sequential process": a baseline (SOF0) or progressive (SOF2) frame header, 8-bit samples."""
    _, response = rendered(dicomweb, _rendered_path(web_study), accept="image/jpeg")
    assert media_of(response) == "image/jpeg", f"Content-Type: expected image/jpeg, observed {media_of(response)!r}"
    assert_rendered_jpeg(response.content, "rendered image/jpeg")


@requirement("WADO-RENDERED-8-BIT")
def test_rendered_png_of_12_bit_image_has_8_bit_channels(dicomweb, web_study):
    """GET the rendered 12-bit CR image as image/png; PS3.18 8.7.4: "Rendered images shall contain no more than 8
    bits per channel": the PNG header's bit depth is at most 8."""
    _, response = rendered(dicomweb, _rendered_path(web_study), accept="image/png")
    body = response.content
    assert body[:8] == b"\x89PNG\r\n\x1a\n" and body[12:16] == b"IHDR", (
        f"expected a PNG (signature and IHDR), observed Content-Type {media_of(response)!r}, begins {body[:16]!r}")
    depth = body[24]
    assert depth <= 8, f"PNG bit depth: expected at most 8 bits per channel, observed {depth}"


@requirement("WADO-RENDERED-REQUIRED-IMAGE-TYPES")
def test_single_frame_image_renders_in_required_types(dicomweb, web_study):
    """GET the rendered CR image with Accept image/gif, then image/png; Table 8.7.4-1 marks both R (required) for
    RESTful services: 200, labelled and encoded in that type."""
    for media, pil_format in (("image/gif", "GIF"), ("image/png", "PNG")):
        image, response = rendered(dicomweb, _rendered_path(web_study), accept=media)
        assert media_of(response) == media, f"Content-Type: expected {media}, observed {media_of(response)!r}"
        assert image.format == pil_format, f"Accept {media}: expected a {pil_format} image, observed {image.format}"


@requirement("WADO-QUALITY-INVALID-400")
def test_invalid_quality_is_400(dicomweb, web_study):
    """GET the rendered image as image/jpeg with quality=0, 101, abc and no value; PS3.18 8.3.5.1.2: "If the value
    of this parameter is missing or is not an integer between 1 and 100 inclusive, the response shall be a 400"."""
    refused_with_400(dicomweb, _rendered_path(web_study), ["quality=0", "quality=101", "quality=abc", "quality="],
                     "image/jpeg", "8.3.5.1.2")


@requirement("WADO-VIEWPORT-DEFAULTS")
@pytest.mark.parametrize("viewport", [(60, 30), (200, 200)])
def test_viewport_without_region_scales_whole_image(viewport, dicomweb, web_study):
    """GET the rendered 80 x 96 CR image with viewport=vw,vh (smaller, then larger than the image); PS3.18
    8.3.5.1.3: the region defaults to the whole image, scaled with its aspect ratio as large as fits."""
    sent = web_study.images[0]
    image, _ = rendered(dicomweb, _rendered_path(web_study), f"viewport={viewport[0]},{viewport[1]}")
    judge_viewport(image, viewport, (sent.Columns, sent.Rows))


@requirement("WADO-VIEWPORT-CROP-SCALE")
def test_viewport_crops_then_scales(dicomweb, web_study):
    """GET the rendered CR image with viewport=40,40,10,20,40,20; PS3.18 8.3.5.1.3: crop the 40 x 20 region at
    (10, 20), then scale it, keeping its 2:1 aspect ratio, as large as fits in 40 x 40."""
    image, _ = rendered(dicomweb, _rendered_path(web_study), "viewport=40,40,10,20,40,20")
    judge_viewport(image, (40, 40), (40, 20))


@requirement("WADO-VIEWPORT-INVALID-400")
def test_ill_formed_viewport_is_400(dicomweb, web_study):
    """GET the rendered image with viewport=abc,def and viewport=100 (vh missing: "Both values are required");
    PS3.18 8.3.5.1.3: ill-formed viewport dimensions, so "the response shall be 400 (Bad Request)"."""
    refused_with_400(dicomweb, _rendered_path(web_study), ["viewport=abc,def", "viewport=100"], "image/png",
                     "8.3.5.1.3")


@requirement("WADO-WINDOW-INVALID-400")
def test_ill_formed_window_is_400(dicomweb, web_study):
    """GET the rendered image with window=2048,1024 (no function), 2048,1024,cubic and abc,1024,linear; PS3.18
    8.3.5.1.4: "If any of the parameter values are missing or ill-formed, the origin server shall return a 400"."""
    refused_with_400(dicomweb, _rendered_path(web_study),
                     ["window=2048,1024", "window=2048,1024,cubic", "window=abc,1024,linear"], "image/png",
                     "8.3.5.1.4")


@requirement("WADO-WINDOW-APPLIED")
def test_window_parameter_is_applied(dicomweb, web_study):
    """GET the rendered 12-bit CR image (values 0..4095, no stored window) as image/png with
    window=2048,1024,linear; rendered as a VOI window (PS3.18 8.3.5.1), every value below 1536 shows as one
    darkest level, every value above 2560 as one brightest level, and grey rises with the value between."""
    sent = web_study.images[0]
    image, _ = rendered(dicomweb, _rendered_path(web_study), "window=2048,1024,linear")
    assert image.size == (sent.Columns, sent.Rows), (
        f"without viewport the image is not scaled (8.3.5.1.3): expected {sent.Columns} x {sent.Rows}, observed "
        f"{image.width} x {image.height}")
    stored, shown = sent.pixel_array.astype("int32"), grey_levels(image)
    # PS3.3 C.11.2.1.2.1 (linear): x <= c - 0.5 - (w-1)/2 is the minimum, x > c - 0.5 + (w-1)/2 the maximum;
    # a margin of a few values keeps rounding at the edges out of the judgement.
    dark, bright = set(shown[stored <= 1530].tolist()), set(shown[stored >= 2566].tolist())
    assert len(dark) == 1 and len(bright) == 1 and min(dark) < min(bright), (
        f"window=2048,1024,linear: values up to 1530 must all show as one darkest level and values from 2566 as "
        f"one brighter level; observed {len(dark)} level(s) {sorted(dark)[:6]} and {len(bright)} level(s) "
        f"{sorted(bright)[:6]}")
    findings = monotonic_function_findings(stored, shown)
    assert not findings, f"window=2048,1024,linear: {findings[0]}"


@requirement("WADO-ANNOTATION-INVALID-400")
def test_annotation_without_values_is_400(dicomweb, web_study):
    """GET the rendered image with annotation= (no value); PS3.18 8.3.5.1.1: "If ... there are no parameter
    values, the origin server shall return a 400 (Bad Request) response"."""
    refused_with_400(dicomweb, _rendered_path(web_study), ["annotation="], "image/png", "8.3.5.1.1")


@requirement("WADO-ANNOTATION-UNSUPPORTED-WARNING")
def test_unsupported_annotation_value_gets_warning(dicomweb, web_study):
    """GET the rendered image with annotation=dhunsupported, a keyword no standard defines; PS3.18 8.3.5.1.1:
    ignored, with "Warning 299 <service>: The following annotation values are not supported: <values>". A 400
    is accepted too (the syntax lists only patient and technique, so it can be read as not a keyword)."""
    path = _rendered_path(web_study)
    response = dicomweb.request("GET", path, query="annotation=dhunsupported", headers={"Accept": "image/png"})
    if response.status_code == 400:
        return
    assert response.status_code == 200, (
        f"annotation=dhunsupported: expected 200 with a Warning (or 400), observed {response.status_code}")
    warnings = [w for w in warn_values(response) if w.startswith("299 ")]
    assert any("dhunsupported" in w for w in warnings), (
        f"annotation=dhunsupported answered 200: expected Warning: 299 <service>: The following annotation values "
        f"are not supported: dhunsupported, observed Warning header(s) {warn_values(response) or 'none'}")


@requirement("WADO-RENDERED-FRAMES")
def test_rendered_frame_is_that_frame(dicomweb, web_study):
    """GET .../frames/2/rendered of the 6-frame 32 x 32 8-bit image as image/png; PS3.18 10.4.1.1.3: frame 2 in a
    Rendered Media Type, so its grey levels are a rising function of frame 2's stored values (not frame 1's)."""
    sent = web_study.multiframe
    path = study_paths(sent)["instance"] + "/frames/2/rendered"
    image, response = rendered(dicomweb, path, accept="image/png")
    assert media_of(response) == "image/png", f"Content-Type: expected image/png, observed {media_of(response)!r}"
    assert image.size == (sent.Columns, sent.Rows), (
        f"expected {sent.Columns} x {sent.Rows}, observed {image.width} x {image.height}")
    frames = sent.pixel_array.astype("int32")
    findings = monotonic_function_findings(frames[1], grey_levels(image))
    assert not findings, f"frames/2/rendered does not show frame 2: {findings[0]}"


@requirement("WADO-WINDOW-PRESENTATION-STATE-400")
def test_window_on_a_presentation_state_is_400(target, dicomweb, dataset_factory):
    """STOW-RS a CR image and a Grayscale Softcopy Presentation State naming it, then GET the presentation state's
    rendered resource with window=2048,1024,linear; PS3.18 8.3.5.1.4: "If this parameter is present when the
    Target Resource is a Presentation state, the origin server shall return a 400 (Bad Request)"."""
    from dicom_harness.testing import KINDS, NotClaimed
    if not target.claims.offers("stow"):
        raise NotClaimed("the target does not claim STOW-RS, so it cannot be given a Presentation State")
    if target.claims.storage_sop_classes and KINDS["GSPS"] not in target.claims.storage_sop_classes:
        raise NotClaimed("Grayscale Softcopy Presentation State Storage is not among the claimed storage SOP classes")
    study = dataset_factory.study()
    image = dataset_factory.make("CR", study=study)
    state = dataset_factory.make("GSPS", study=study, references=[image])
    for ds in (image, state):
        response = dicomweb.store([ds])
        if response.status_code != 200:
            raise NotClaimed(f"the target did not take the {ds.SOPClassUID.name} by STOW-RS (answered "
                             f"{response.status_code}); the test needs it")
    refused_with_400(dicomweb, study_paths(state)["instance"] + "/rendered", ["window=2048,1024,linear"],
                     "image/jpeg", "8.3.5.1.4")


def _grey(dicomweb, web_study, query: str | None):
    image, _ = rendered(dicomweb, _rendered_path(web_study), query, accept="image/png")
    return grey_levels(image).astype("int32")


def _judge_same(observed, expected, what: str) -> None:
    """observed equals expected within rendering tolerance (mean absolute grey difference at most 2)."""
    import numpy as np
    assert observed.shape == expected.shape, (
        f"{what}: expected {expected.shape[1]} x {expected.shape[0]}, observed {observed.shape[1]} x {observed.shape[0]}")
    difference = float(np.abs(observed - expected).mean())
    assert difference <= 2, f"{what}: the pixels differ from the expected ones by {difference:.1f} grey levels on average"


@requirement("WADO-VIEWPORT-FLIP-HORIZONTAL")
def test_negative_sw_flips_horizontally(dicomweb, web_study):
    """GET the rendered 80 x 96 CR image as image/png, plain and with viewport=80,96,0,0,-80,96; PS3.18 8.3.5.1.3:
    "If sw is a negative value, the image is flipped horizontally": the second is the first mirrored left-right."""
    import numpy as np
    plain = _grey(dicomweb, web_study, None)
    assert not np.array_equal(plain, plain[:, ::-1]), "the test image is left-right symmetric: it shows no flip"
    _judge_same(_grey(dicomweb, web_study, "viewport=80,96,0,0,-80,96"), plain[:, ::-1],
                "viewport=80,96,0,0,-80,96 (PS3.18 8.3.5.1.3: flipped horizontally)")


@requirement("WADO-VIEWPORT-FLIP-VERTICAL")
def test_negative_sh_flips_vertically(dicomweb, web_study):
    """GET the rendered 80 x 96 CR image as image/png, plain and with viewport=80,96,0,0,80,-96; PS3.18 8.3.5.1.3:
    "If sh is a negative value, the image is flipped vertically": the second is the first mirrored top-bottom."""
    import numpy as np
    plain = _grey(dicomweb, web_study, None)
    assert not np.array_equal(plain, plain[::-1, :]), "the test image is top-bottom symmetric: it shows no flip"
    _judge_same(_grey(dicomweb, web_study, "viewport=80,96,0,0,80,-96"), plain[::-1, :],
                "viewport=80,96,0,0,80,-96 (PS3.18 8.3.5.1.3: flipped vertically)")


@requirement("WADO-VIEWPORT-REGION-DEFAULTS")
def test_omitted_sw_sh_run_to_the_edges(dicomweb, web_study):
    """GET the rendered 80 x 96 CR image as image/png, plain and with viewport=40,48,40,48,, (sw and sh omitted);
    PS3.18 8.3.5.1.3: sw "defaults to the right edge", sh "to the bottom edge": the bottom-right 40 x 48 quarter,
    unscaled."""
    plain = _grey(dicomweb, web_study, None)
    _judge_same(_grey(dicomweb, web_study, "viewport=40,48,40,48,,"), plain[48:, 40:],
                "viewport=40,48,40,48,, (PS3.18 8.3.5.1.3: the region from 40,48 to the right and bottom edges)")
