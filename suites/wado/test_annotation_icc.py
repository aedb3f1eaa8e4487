"""PS3.18 8.3.5.1.1 and 8.3.5.1.5: the annotation and iccprofile rendering parameters (annotation is mandatory
for the origin server by Table 10.4.1-5, though any of its values may be unsupported; iccprofile is optional)."""

from io import BytesIO

import pytest

from dicom_harness.testing import NotClaimed, requirement, study_paths

from .checks import grey_levels, monotonic_function_findings, rendered, warn_values

pytest.importorskip("PIL.Image")


def _rendered_path(web_study) -> str:
    return study_paths(web_study.images[0])["instance"] + "/rendered"


@requirement("WADO-ANNOTATION-ABSENT")
def test_no_annotation_parameter_no_annotation(dicomweb, web_study):
    """GET the rendered CR image and frame 3 of the multi-frame image as image/png, no annotation parameter;
    PS3.18 8.3.5.1.1: "When this parameter is not present, no annotations shall be applied": each grey level is
    a non-decreasing function of the stored value (burned-in text would break that)."""
    sent, multiframe = web_study.images[0], web_study.multiframe
    cases = [("instance", _rendered_path(web_study), sent.pixel_array),
             ("frame 3", study_paths(multiframe)["instance"] + "/frames/3/rendered", multiframe.pixel_array[2])]
    wrong = []
    for what, path, stored in cases:
        image, _ = rendered(dicomweb, path, accept="image/png")
        if image.size != (stored.shape[1], stored.shape[0]):
            wrong.append(f"{what}: {image.width} x {image.height}, not the stored {stored.shape[1]} x {stored.shape[0]}")
            continue
        findings = monotonic_function_findings(stored.astype("int32"), grey_levels(image))
        if findings:
            wrong.append(f"{what}: {findings[0]} (something was drawn over the image)")
    assert not wrong, f"expected no annotation without the annotation parameter (PS3.18 8.3.5.1.1): {'; '.join(wrong)}"


def _judge_annotation(dicomweb, web_study, keyword: str) -> None:
    """annotation=<keyword> against the same image without it: the pixels differ (burned in), or the value is
    ignored with the Warning 299 naming it (8.3.5.1.1: "The origin server shall ignore any unsupported parameter
    values"), which is NOT CLAIMED; identical pixels without that Warning are a FAIL."""
    import numpy as np
    path = _rendered_path(web_study)
    plain, _ = rendered(dicomweb, path, accept="image/png")
    annotated, response = rendered(dicomweb, path, f"annotation={keyword}", accept="image/png")
    if annotated.size != plain.size:
        return                      # something was added around the image: annotated
    difference = np.abs(grey_levels(annotated).astype("int32") - grey_levels(plain).astype("int32"))
    if difference.max() > 0:
        return
    named = [w for w in warn_values(response) if w.startswith("299 ") and keyword in w.lower()]
    if named:
        raise NotClaimed(f"annotation={keyword} is not supported: ignored with Warning {named[0]!r} (PS3.18 8.3.5.1.1)")
    raise AssertionError(
        f"annotation={keyword}: the rendered image is pixel for pixel the one without the parameter, and no "
        f"Warning 299 says the value is unsupported (Warning header(s): {warn_values(response) or 'none'}); "
        f"PS3.18 8.3.5.1.1: the rendered images shall be annotated")


@requirement("WADO-ANNOTATION-PATIENT")
def test_patient_annotation_is_burned_in(dicomweb, web_study):
    """GET the rendered CR image as image/png with and without annotation=patient; PS3.18 8.3.5.1.1: "the rendered
    images shall be annotated with patient information": the pixels differ (or a Warning 299 says unsupported)."""
    _judge_annotation(dicomweb, web_study, "patient")


@requirement("WADO-ANNOTATION-TECHNIQUE")
def test_technique_annotation_is_burned_in(dicomweb, web_study):
    """GET the rendered CR image as image/png with and without annotation=technique; PS3.18 8.3.5.1.1: annotated
    "with information about the procedure": the pixels differ (or a Warning 299 says unsupported)."""
    _judge_annotation(dicomweb, web_study, "technique")


def _icc(dicomweb, web_study, value: str) -> bytes | None:
    """The ICC profile embedded in the rendered CR image (image/png, iCCP chunk) asked for with iccprofile=value."""
    image, _ = rendered(dicomweb, _rendered_path(web_study), f"iccprofile={value}", accept="image/png")
    return image.info.get("icc_profile") or None


def _description(profile: bytes) -> str | None:
    """The profile's description (its 'desc' tag); None when this Pillow cannot read profiles (no littlecms)."""
    try:
        from PIL import ImageCms
    except ImportError:
        return None
    try:
        return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(BytesIO(profile))).strip()
    except Exception:
        return ""


def _icc_offered(dicomweb, web_study) -> dict:
    """iccprofile=yes and srgb; NOT CLAIMED when neither embeds a profile (the parameter is optional, Table
    10.4.1-5, and an unsupported Query Parameter is ignored, 8.3)."""
    found = {value: _icc(dicomweb, web_study, value) for value in ("yes", "srgb")}
    if not any(found.values()):
        raise NotClaimed("neither iccprofile=yes nor iccprofile=srgb embeds an ICC profile in a rendered PNG: the "
                         "optional iccprofile parameter is not supported (PS3.18 Table 10.4.1-5)")
    return found


@requirement("WADO-ICC-NO")
def test_iccprofile_no_embeds_none(dicomweb, web_study):
    """GET the rendered CR image as image/png with iccprofile=no; PS3.18 8.3.5.1.5: "no ICC profile shall be
    present in the rendered image": no iCCP chunk (an origin server without the parameter ignores it, 8.3, and
    must then send none either)."""
    profile = _icc(dicomweb, web_study, "no")
    assert profile is None, (f"iccprofile=no: the PNG holds a {len(profile)}-byte ICC profile "
                             f"{_description(profile)!r} (PS3.18 8.3.5.1.5: none shall be present)")


@requirement("WADO-ICC-YES")
def test_iccprofile_yes_embeds_one(dicomweb, web_study):
    """GET the rendered CR image as image/png with iccprofile=yes (and srgb, to see the parameter is supported);
    PS3.18 8.3.5.1.5: "an ICC profile shall be present in the rendered image" (PNG embeds it, iCCP)."""
    found = _icc_offered(dicomweb, web_study)
    assert found["yes"], ("iccprofile=yes: the PNG holds no ICC profile, though iccprofile=srgb gets one "
                          f"({_description(found['srgb'])!r}); PS3.18 8.3.5.1.5: one shall be present")


@requirement("WADO-ICC-SRGB")
def test_iccprofile_srgb_embeds_srgb(dicomweb, web_study):
    """GET the rendered CR image as image/png with iccprofile=srgb (and yes, to see the parameter is supported);
    PS3.18 8.3.5.1.5: "an sRGB ICC profile shall be present": an RGB display profile described as sRGB."""
    found = _icc_offered(dicomweb, web_study)
    profile = found["srgb"]
    assert profile, ("iccprofile=srgb: the PNG holds no ICC profile, though iccprofile=yes gets one "
                     f"({_description(found['yes'])!r}); PS3.18 8.3.5.1.5: an sRGB profile shall be present")
    colour_space = profile[16:20] if len(profile) >= 128 else b""
    description = _description(profile)
    described = description is None or "srgb" in description.replace(" ", "").lower()
    assert colour_space == b"RGB " and described, (
        f"iccprofile=srgb: the embedded profile has colour space {colour_space!r} and description {description!r}; "
        f"expected an RGB profile described as sRGB (PS3.18 8.3.5.1.5)")
