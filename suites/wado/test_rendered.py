"""PS3.18 10.4.1.1.3 and 8.7.4: rendered resources."""

from io import BytesIO

import pytest

from dicom_harness.testing import requirement, study_paths


@requirement("WADO-RENDERED")
@pytest.mark.parametrize("media, pil_format", [("image/jpeg", "JPEG"), ("image/png", "PNG")])
def test_rendered_instance_in_requested_media_type(media, pil_format, dicomweb, web_study):
    """GET .../rendered of a 96 x 80 CR image with Accept image/jpeg, then image/png; the answer must be
    that media type, decodable, with the image's rows and columns."""
    Image = pytest.importorskip("PIL.Image")
    sent = web_study.images[0]
    response = dicomweb.retrieve(study_paths(sent)["instance"] + "/rendered", accept=media)
    assert response.status_code == 200, f"expected 200, observed {response.status_code} {response.text[:120]!r}"
    observed = response.headers.get("content-type", "").split(";")[0].strip()
    assert observed == media, f"Content-Type: expected {media}, observed {observed!r}"
    try:
        image = Image.open(BytesIO(response.content))
        image.load()
    except Exception as exc:
        raise AssertionError(f"the {media} body does not decode: {exc}") from None
    assert image.format == pil_format, f"expected a {pil_format} image, observed {image.format}"
    assert (image.height, image.width) == (sent.Rows, sent.Columns), (
        f"rows x columns: expected {sent.Rows} x {sent.Columns}, observed {image.height} x {image.width}")


@requirement("WADO-RENDERED-STUDY-SERIES")
def test_rendered_study_and_series_in_a_rendered_media_type(dicomweb, web_study):
    """GET /studies/{study}/rendered and .../series/{series}/rendered with Accept image/jpeg; PS3.18 Table 10.3-2
    makes both mandatory and 10.4.1.1.3 says "The content type of the response payload shall be a Rendered Media
    Type": 200, image/jpeg (or multipart/related whose parts are image/jpeg)."""
    paths = study_paths(web_study.images[0])
    wrong = []
    for level in ("study", "series"):
        response = dicomweb.retrieve(paths[level] + "/rendered", accept="image/jpeg")
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media == "multipart/related":
            params = dict(p.strip().split("=", 1) for p in response.headers["content-type"].split(";")[1:] if "=" in p)
            media = params.get("type", "").strip('"').lower()
        if response.status_code != 200:
            wrong.append(f"{level}: {response.status_code} {response.text[:80]!r}")
        elif media != "image/jpeg":
            wrong.append(f"{level}: Content-Type {response.headers.get('content-type')!r}")
    assert not wrong, f"expected 200 image/jpeg from the Rendered Study and Rendered Series resources: {'; '.join(wrong)}"
