"""PS3.18 10.4.1.1.4: Thumbnail resources (optional: Table 10.3-2 marks them O for the origin server)."""

from urllib.parse import urljoin

import pytest

from dicom_harness.testing import NotClaimed, requirement, study_paths

from .checks import is_rendered_media_type, media_of

pytest.importorskip("PIL.Image")


def _thumbnails(dicomweb, web_study) -> dict:
    """GET the four Thumbnail resources (study, series, instance, frame) with Accept image/jpeg, following one 302
    to a rendered resource (allowed by 10.4.1.1.4); NOT CLAIMED when the target serves none of them."""
    sent = web_study.images[0]
    paths = study_paths(sent)
    found = {}
    for level, path in (("study", paths["study"]), ("series", paths["series"]), ("instance", paths["instance"]),
                        ("frame", study_paths(web_study.multiframe)["instance"] + "/frames/1")):
        response = dicomweb.request("GET", path + "/thumbnail", headers={"Accept": "image/jpeg"})
        if response.status_code == 302 and response.headers.get("location"):
            location = urljoin(str(response.url), response.headers["location"])
            response = dicomweb.request("GET", location, headers={"Accept": "image/jpeg"})
        found[level] = response
    if not any(r.status_code == 200 for r in found.values()):
        raise NotClaimed("the target serves no Thumbnail resource (" + ", ".join(
            f"{level} {r.status_code}" for level, r in found.items()) + "); they are optional (PS3.18 Table 10.3-2)")
    return found


@requirement("WADO-THUMBNAIL-RENDERED")
def test_thumbnails_are_in_a_rendered_media_type(dicomweb, web_study):
    """GET each Thumbnail resource the target serves; PS3.18 10.4.1.1.4: "shall be in a Rendered Media Type"
    (for a multipart answer, its parts' type)."""
    wrong = []
    for level, response in _thumbnails(dicomweb, web_study).items():
        if response.status_code != 200:
            continue
        media = media_of(response)
        if media == "multipart/related":
            params = dict(p.strip().split("=", 1) for p in response.headers["content-type"].split(";")[1:] if "=" in p)
            media = params.get("type", "").strip('"').lower()
        if not is_rendered_media_type(media):
            wrong.append(f"{level} thumbnail is {response.headers.get('content-type')!r}")
    assert not wrong, f"expected a Rendered Media Type (image/jpeg ...): {'; '.join(wrong)}"


@requirement("WADO-THUMBNAIL-SINGLE-IMAGE")
def test_each_thumbnail_is_one_image(dicomweb, web_study):
    """GET each Thumbnail resource the target serves, study and series ones included; PS3.18 10.4.1.1.4: "Only a
    single image shall be returned": a single part payload that decodes as one image."""
    from io import BytesIO

    from PIL import Image
    wrong = []
    for level, response in _thumbnails(dicomweb, web_study).items():
        if response.status_code != 200:
            continue
        if media_of(response).startswith("multipart/"):
            wrong.append(f"{level} thumbnail is a multipart payload ({response.headers.get('content-type')})")
            continue
        try:
            image = Image.open(BytesIO(response.content))
            image.load()
        except Exception as exc:
            wrong.append(f"{level} thumbnail does not decode as an image: {exc}")
            continue
        if getattr(image, "n_frames", 1) != 1:
            wrong.append(f"{level} thumbnail holds {image.n_frames} images")
    assert not wrong, f"expected one image per thumbnail: {'; '.join(wrong)}"


@requirement("WADO-THUMBNAIL-ALL-LEVELS")
def test_thumbnails_served_at_every_level(dicomweb, web_study):
    """GET the study, series, instance and frame thumbnails; PS3.18 10.4.1.1.4: "If the origin server supports
    any of the Thumbnail resources, it shall support all of them": each is 200 when one is."""
    found = _thumbnails(dicomweb, web_study)
    missing = [f"{level} {r.status_code}" for level, r in found.items() if r.status_code != 200]
    assert not missing, (f"some Thumbnail resources are served, so all must be (200); observed "
                         f"{', '.join(f'{level} {r.status_code}' for level, r in found.items())}")


@requirement("WADO-THUMBNAIL-NO-PII")
def test_thumbnail_carries_no_patient_annotation(dicomweb, web_study):
    """GET the instance thumbnail as image/png without and with annotation=patient (a rendering parameter that
    burns the patient's name into Rendered resources); PS3.18 10.4.1.1.4: "The Thumbnail shall not contain any
    Patient Identifying Information": 400 or the same pixels, never the name burned in."""
    import numpy as np

    from .checks import grey_levels
    if _thumbnails(dicomweb, web_study)["instance"].status_code != 200:
        raise NotClaimed("the instance thumbnail is not served")
    path = study_paths(web_study.images[0])["instance"] + "/thumbnail"
    images = {}
    for query in (None, "annotation=patient"):
        response = dicomweb.request("GET", path, query=query, headers={"Accept": "image/png"})
        if response.status_code == 302 and response.headers.get("location"):
            response = dicomweb.request("GET", urljoin(str(response.url), response.headers["location"]),
                                        headers={"Accept": "image/png"})
        if query and response.status_code == 400:
            return                          # the parameter is refused: nothing was burned in
        assert response.status_code == 200, (
            f"GET thumbnail{'?' + query if query else ''} Accept image/png: expected 200, observed "
            f"{response.status_code} {response.text[:120]!r}")
        images[query] = _image(response)
    plain, annotated = images[None], images["annotation=patient"]
    same = plain.size == annotated.size and not np.any(
        grey_levels(plain).astype("int32") != grey_levels(annotated).astype("int32"))
    assert same, ("thumbnail?annotation=patient differs from the thumbnail without it "
                  f"({plain.width} x {plain.height} vs {annotated.width} x {annotated.height}): patient information "
                  "was burned in (PS3.18 10.4.1.1.4: no Patient Identifying Information)")


def _image(response):
    from io import BytesIO

    from PIL import Image
    try:
        image = Image.open(BytesIO(response.content))
        image.load()
    except Exception as exc:
        raise AssertionError(f"the thumbnail ({response.headers.get('content-type')}) is not an image: {exc}") from None
    return image
