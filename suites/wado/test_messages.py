"""PS3.18 8.4 to 8.6 and 8.8: what every response message carries besides its payload (Content-Type, the
single part media type, Allow on a 405, an explanation on a 4xx) and how an unusable Accept-Charset is met."""

import json
from io import BytesIO

from dicom_harness.testing import MULTIPART_DICOM, NotVerified, json_value, requirement, study_paths

from .checks import media_of

NO_SUCH_CHARSET = "x-dh-no-such-charset"


@requirement("WEB-CONTENT-TYPE-PRESENT")
def test_every_payload_has_a_content_type(dicomweb, web_study, dataset_factory):
    """GET an instance's metadata, its rendered image, the metadata of an unknown study (a failure) and an
    instance with a DICOM and a Rendered Media Type in Accept; PS3.18 8.4.2, 8.6: "Any message with a payload
    shall have a Content-Type header field"."""
    paths = study_paths(web_study.images[0])
    unknown = f"/studies/{dataset_factory.uid()}/metadata"
    asked = [("metadata", paths["instance"] + "/metadata", "application/dicom+json"),
             ("rendered", paths["instance"] + "/rendered", "image/jpeg"),
             ("unknown study's metadata", unknown, "application/dicom+json"),
             ("mixed Accept", paths["instance"], f"{MULTIPART_DICOM}, image/jpeg")]
    missing = []
    for what, path, accept in asked:
        response = dicomweb.retrieve(path, accept=accept)
        if response.content and not response.headers.get("content-type", "").strip():
            missing.append(f"{what}: {response.status_code} with a {len(response.content)}-byte payload "
                           f"{response.content[:60]!r} and no Content-Type")
    assert not missing, f"expected a Content-Type on every message with a payload (PS3.18 8.4.2): {'; '.join(missing)}"


def _single_part(response) -> str | None:
    """What the payload is when it is one body and not a multipart one: a JSON document or an image."""
    try:
        json.loads(response.content)
        return "a JSON document"
    except ValueError:
        pass
    try:
        from PIL import Image
        Image.open(BytesIO(response.content)).verify()
        return "an image"
    except Exception:
        return None


@requirement("WEB-SINGLE-PART-CONTENT-TYPE")
def test_single_part_payloads_have_single_part_media_types(dicomweb, web_study):
    """GET a series' and an instance's metadata as application/dicom+json and an instance rendered as image/jpeg;
    PS3.18 8.6.1.1: "A message with a single part payload shall have a Content-Type header field with a single
    part media-type": a JSON document or an image is never labelled multipart/*."""
    paths = study_paths(web_study.images[0])
    wrong = []
    for what, path, accept in (("series metadata", paths["series"] + "/metadata", "application/dicom+json"),
                               ("instance metadata", paths["instance"] + "/metadata", "application/dicom+json"),
                               ("rendered instance", paths["instance"] + "/rendered", "image/jpeg")):
        response = dicomweb.retrieve(path, accept=accept)
        if response.status_code != 200:
            continue                        # the resource's own requirements judge that
        body = _single_part(response)
        if body and media_of(response).startswith("multipart/"):
            wrong.append(f"{what}: {body} labelled {response.headers.get('content-type')!r}")
    assert not wrong, f"expected single part media types for single part payloads (PS3.18 8.6.1.1): {'; '.join(wrong)}"


@requirement("WEB-405-ALLOW")
def test_method_not_allowed_lists_allowed_methods(dicomweb, web_study, claims):
    """PUT /studies and PUT a study's metadata (methods no DICOMweb resource has); PS3.18 8.5: "The origin server
    shall include an Allow header field in a 405 response containing a list of the target service or resource's
    currently supported methods": GET for both, POST for /studies when the target claims STOW-RS."""
    study = study_paths(web_study.images[0])["study"]
    cases = [("/studies", {"GET", "POST"} if claims.offers("stow") else {"GET"}), (study + "/metadata", {"GET"})]
    judged, wrong = [], []
    for path, supported in cases:
        response = dicomweb.request("PUT", path, headers={"Accept": "application/dicom+json",
                                                          "Content-Type": "application/dicom+json"}, content=b"[]")
        if response.status_code != 405:
            continue
        judged.append(path)
        allow = {m.strip().upper() for m in response.headers.get("allow", "").split(",") if m.strip()}
        if not allow:
            wrong.append(f"PUT {path}: 405 without an Allow header field")
        elif not supported <= allow:
            wrong.append(f"PUT {path}: Allow {response.headers.get('allow')!r} leaves out "
                         f"{', '.join(sorted(supported - allow))}, which the resource supports")
    assert not wrong, f"expected an Allow header field listing the supported methods (PS3.18 8.5): {'; '.join(wrong)}"
    if not judged:
        raise NotVerified("neither PUT was answered 405 (Method Not Allowed), so there was no 405 to judge")


@requirement("WEB-4XX-EXPLANATION")
def test_client_errors_explain_themselves(dicomweb, web_study, dataset_factory):
    """GET an unknown instance and an instance with a DICOM and a Rendered Media Type in Accept; PS3.18 8.5: for a
    4xx "the origin server should return a payload containing an explanation of the error situation"."""
    paths = study_paths(web_study.images[0])
    unknown = f"{paths['series']}/instances/{dataset_factory.uid()}"
    judged, empty = [], []
    for what, path, accept in (("unknown instance", unknown, MULTIPART_DICOM),
                               ("mixed Accept", paths["instance"], f"{MULTIPART_DICOM}, image/jpeg")):
        response = dicomweb.retrieve(path, accept=accept)
        if not 400 <= response.status_code < 500:
            continue                        # not a client error: other requirements judge the status
        judged.append(what)
        if not response.content.strip():
            empty.append(f"{what}: {response.status_code} with an empty payload")
    assert not empty, f"expected a payload explaining each 4xx (PS3.18 8.5, Table 8.5-1): {'; '.join(empty)}"
    if not judged:
        raise NotVerified("neither request was answered with a 4xx, so there was no client error to judge")


@requirement("WADO-ACCEPT-CHARSET-UNSUPPORTED")
def test_unknown_accept_charset_is_400_or_ignored(dicomweb, web_study):
    """GET an instance's metadata with Accept-Charset naming only an unknown character set; PS3.18 8.8.4 says 400
    (Bad Request) and 8.8.1 says such values "shall be ignored": either is accepted, nothing else."""
    sent = web_study.images[0]
    path = study_paths(sent)["instance"] + "/metadata"
    response = dicomweb.request("GET", path, headers={"Accept": "application/dicom+json",
                                                      "Accept-Charset": NO_SUCH_CHARSET})
    if response.status_code == 400:
        return
    assert response.status_code == 200, (
        f"Accept-Charset: {NO_SUCH_CHARSET}: expected 400 (Bad Request, PS3.18 8.8.4) or 200 with the value ignored "
        f"(8.8.1), observed {response.status_code} {response.text[:120]!r}")
    try:
        items = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"200 with the value ignored: the metadata is not JSON {response.content[:80]!r}") from None
    uids = [json_value(item, "SOPInstanceUID") for item in items] if isinstance(items, list) else []
    assert uids == [str(sent.SOPInstanceUID)], (
        f"200 with the value ignored: expected the metadata of {sent.SOPInstanceUID}, observed {uids}")


@requirement("WEB-CONTENT-LOCATION")
def test_representations_carry_their_content_location(dicomweb, web_study):
    """GET an instance's metadata and its rendered image; PS3.18 Table 8.4.2-1 and 8.6: Content-Location "Shall be
    present if the response payload contains a representation of a resource", with a URL that references that
    resource (absolute or "/"-rooted; here: its path ends with the requested resource's path)."""
    from urllib.parse import urljoin, urlsplit
    instance = study_paths(web_study.images[0])["instance"]
    wrong = []
    for what, path, accept in (("instance metadata", instance + "/metadata", "application/dicom+json"),
                               ("rendered instance", instance + "/rendered", "image/jpeg")):
        response = dicomweb.retrieve(path, accept=accept)
        if response.status_code != 200:
            continue                        # the resource's own requirements judge that
        location = response.headers.get("content-location", "")
        if not location:
            wrong.append(f"{what}: 200 with no Content-Location")
        elif not urlsplit(urljoin(str(response.url), location)).path.rstrip("/").endswith(path):
            wrong.append(f"{what}: Content-Location {location!r} does not reference {path}")
    assert not wrong, (f"expected a Content-Location naming the resource a payload represents (PS3.18 Table 8.4.2-1): "
                       f"{'; '.join(wrong)}")


@requirement("WADO-RENDERED-UTF8")
def test_rendered_retrieve_with_utf8_is_served(dicomweb, web_study):
    """GET an instance's rendered image with Accept image/jpeg and Accept-Charset: UTF-8; PS3.18 8.8: "The origin
    server shall support the "UTF-8" charset name for RESTful Retrieve Rendered transaction": 200 image/jpeg."""
    path = study_paths(web_study.images[0])["instance"] + "/rendered"
    response = dicomweb.request("GET", path, headers={"Accept": "image/jpeg", "Accept-Charset": "UTF-8"})
    assert response.status_code == 200, (
        f"Accept-Charset: UTF-8 on a rendered retrieve: expected 200, observed {response.status_code} "
        f"{response.text[:120]!r} (PS3.18 8.8)")
    assert media_of(response) == "image/jpeg", (
        f"expected Content-Type image/jpeg, observed {response.headers.get('content-type')!r}")
