"""PS3.18 8.7.5 to 8.7.8: the Accept header of a WADO-RS retrieve (Acceptable and Selected Media Types)."""

from dicom_harness.testing import MULTIPART_DICOM, NotClaimed, NotVerified, json_value, requirement, study_paths

from .checks import instances_in, judge_unacceptable, media_of

UNSUPPORTED = "application/x-dh-unsupported"


@requirement("WADO-NOT-ACCEPTABLE")
def test_unacceptable_media_type_is_406_or_default(dicomweb, web_study):
    """GET an instance with Accept: a media type no DICOMweb resource has; PS3.18 8.7.8.1 step 5 says 406, Table
    8.7.3-1 says the default media type: either is accepted, nothing else."""
    sent = web_study.images[0]
    response = dicomweb.retrieve(study_paths(sent)["instance"], accept=UNSUPPORTED)
    judge_unacceptable(dicomweb, response, str(sent.SOPInstanceUID))


@requirement("WADO-NOT-ACCEPTABLE")
def test_unsupported_type_beside_wildcard_gets_default(dicomweb, web_study):
    """GET an instance with Accept: an unsupported media type, */*;q=0.1; PS3.18 8.7.8.1 step 4 and Table 8.7.3-1
    agree: 200 in the default media type."""
    sent = web_study.images[0]
    response = dicomweb.retrieve(study_paths(sent)["instance"], accept=f"{UNSUPPORTED}, */*;q=0.1")
    assert response.status_code == 200, (
        f"expected 200 in the default media type (PS3.18 8.7.8.1 step 4), observed {response.status_code}")
    judge_unacceptable(dicomweb, response, str(sent.SOPInstanceUID))


@requirement("WADO-NO-ACCEPT-406")
def test_request_without_accept_is_406(dicomweb, web_study):
    """GET an instance with no Accept header field at all (not even */*); PS3.18 8.7.5: "The response to a
    request without an Accept header field shall be 406 (Not Acceptable)"."""
    response = dicomweb.request("GET", study_paths(web_study.images[0])["instance"], omit_accept=True)
    assert response.status_code == 406, (
        f"no Accept header: expected 406 (Not Acceptable), observed {response.status_code}")


@requirement("WADO-MIXED-ACCEPT-400")
def test_dicom_and_rendered_accept_is_400(dicomweb, web_study):
    """GET an instance with Accept: multipart/related; type="application/dicom", image/jpeg; PS3.18 8.7.5: both
    DICOM and Rendered Media Types, so 400 (Bad Request)."""
    response = dicomweb.retrieve(study_paths(web_study.images[0])["instance"], accept=f"{MULTIPART_DICOM}, image/jpeg")
    assert response.status_code == 400, (
        f"Accept with DICOM and Rendered Media Types: expected 400 (Bad Request), observed {response.status_code}")


@requirement("WADO-ACCEPT-QVALUE")
def test_higher_q_value_wins(dicomweb, web_study):
    """GET the rendered instance with Accept: image/jpeg;q=0.5, image/png, then image/png;q=0.4, image/jpeg;
    PS3.18 8.7.8.1: the media ranges are prioritized by their q values (RFC 7231 5.3.1): the type of q=1 wins."""
    path = study_paths(web_study.images[0])["instance"] + "/rendered"
    for accept, wanted in (("image/jpeg;q=0.5, image/png", "image/png"), ("image/png;q=0.4, image/jpeg", "image/jpeg")):
        response = dicomweb.retrieve(path, accept=accept)
        assert response.status_code == 200, f"Accept {accept}: expected 200, observed {response.status_code}"
        assert media_of(response) == wanted, (
            f"Accept {accept}: expected {wanted} (highest q), observed Content-Type {media_of(response)!r}")


@requirement("WADO-ACCEPT-INVALID-IGNORED")
def test_unknown_accept_parameter_and_invalid_value_are_ignored(dicomweb, web_study):
    """GET an instance with Accept: multipart/related; type="application/dicom"; dh-unknown=1, then with an invalid
    value before the valid range; PS3.18 8.7.7: values and parameters "not valid or not supported shall be
    ignored", so the instance is served."""
    sent = web_study.images[0]
    for accept in (f"{MULTIPART_DICOM}; dh-unknown=1", f"dh-not-a-media-type, {MULTIPART_DICOM}"):
        response = dicomweb.retrieve(study_paths(sent)["instance"], accept=accept)
        assert response.status_code == 200, (
            f"Accept {accept}: the invalid or unknown part is to be ignored; expected 200, observed "
            f"{response.status_code} {response.text[:120]!r}")
        uids = [str(ds.get("SOPInstanceUID", "")) for ds, _ in instances_in(dicomweb, response)]
        assert uids == [str(sent.SOPInstanceUID)], f"Accept {accept}: expected instance {sent.SOPInstanceUID}, " \
                                                   f"observed {uids}"


@requirement("WADO-ACCEPT-PARAM-DEFAULT")
def test_unsupported_accept_parameter_gets_default(dicomweb, web_study):
    """GET an instance with ?accept=application/x-dh-unsupported and Accept: */*; PS3.18 8.3.3.1: none of the
    Acceptable Media Types is supported, so the response "shall be in the default media type" (8.7.8.1 steps 3
    and 4 agree)."""
    sent = web_study.images[0]
    response = dicomweb.request("GET", study_paths(sent)["instance"], query=[("accept", UNSUPPORTED)],
                                headers={"Accept": "*/*"})
    assert response.status_code == 200, (
        f"?accept={UNSUPPORTED} with Accept */*: expected 200 in the default media type, observed "
        f"{response.status_code} {response.text[:120]!r}")
    uids = [str(ds.get("SOPInstanceUID", "")) for ds, _ in instances_in(dicomweb, response)]
    assert uids == [str(sent.SOPInstanceUID)], f"expected instance {sent.SOPInstanceUID}, observed {uids}"


@requirement("WADO-ACCEPT-PARAM-MIXED-400")
def test_accept_parameter_with_dicom_and_rendered_is_400(dicomweb, web_study):
    """GET an instance with ?accept=multipart/related; type="application/dicom",image/jpeg and Accept: */*;
    PS3.18 8.3.3.1: "If both DICOM and non-DICOM Media Types are present, the response shall be 400"."""
    response = dicomweb.request("GET", study_paths(web_study.images[0])["instance"],
                                query=[("accept", [MULTIPART_DICOM, "image/jpeg"])], headers={"Accept": "*/*"})
    assert response.status_code == 400, (
        f"accept query parameter with a DICOM and a Rendered Media Type: expected 400 (Bad Request), observed "
        f"{response.status_code}")


@requirement("WADO-CHARSET-MEDIA-PARAMETER")
def test_metadata_with_charset_parameter(dicomweb, web_study):
    """GET an instance's metadata with Accept: application/dicom+json; charset=utf-8; PS3.18 8.7.3.5.3: "The
    origin server shall support the Transfer Syntax and Character Set media type parameters": 200, the metadata."""
    sent = web_study.images[0]
    response = dicomweb.retrieve(study_paths(sent)["instance"] + "/metadata",
                                 accept="application/dicom+json; charset=utf-8")
    assert response.status_code == 200, (
        f"Accept application/dicom+json; charset=utf-8: expected 200, observed {response.status_code}")
    items = response.json()
    uids = [json_value(i, "SOPInstanceUID") for i in items] if isinstance(items, list) else items
    assert uids == [str(sent.SOPInstanceUID)], f"expected the metadata of {sent.SOPInstanceUID}, observed {uids}"


@requirement("WADO-UNKNOWN-PARAMETER-IGNORED")
def test_unknown_query_parameter_on_retrieve_is_ignored(dicomweb, web_study):
    """GET an instance, then its metadata, with ?dh_unknown_parameter=1; PS3.18 8.3: "The origin server shall
    ignore any unsupported Query Parameters": both answered as without it."""
    sent = web_study.images[0]
    path = study_paths(sent)["instance"]
    query = [("dh_unknown_parameter", "1")]
    response = dicomweb.request("GET", path, query=query, headers={"Accept": MULTIPART_DICOM})
    assert response.status_code == 200, f"instance ?dh_unknown_parameter=1: expected 200, observed {response.status_code}"
    uids = [str(ds.get("SOPInstanceUID", "")) for ds, _ in instances_in(dicomweb, response)]
    assert uids == [str(sent.SOPInstanceUID)], f"expected instance {sent.SOPInstanceUID}, observed {uids}"
    response = dicomweb.request("GET", path + "/metadata", query=query, headers={"Accept": "application/dicom+json"})
    assert response.status_code == 200, f"metadata ?dh_unknown_parameter=1: expected 200, observed {response.status_code}"


def _rendered_types(dicomweb, path: str) -> set[str]:
    """Which of image/png and image/gif the rendered resource is served in (asked for one by one)."""
    return {media for media in ("image/png", "image/gif")
            if (r := dicomweb.retrieve(path, accept=media)).status_code == 200 and media_of(r) == media}


@requirement("WADO-ACCEPT-MOST-SPECIFIC")
def test_most_specific_range_gives_the_q_value(dicomweb, web_study):
    """GET the rendered CR image with Accept: image/*;q=0.9, image/jpeg;q=0.1; PS3.18 8.7.8.1: each representation
    gets "the qvalue of the most specific media type that it matches": image/jpeg 0.1, image/png and image/gif 0.9,
    so one of those (whichever the target serves) is selected, not image/jpeg."""
    path = study_paths(web_study.images[0])["instance"] + "/rendered"
    served = _rendered_types(dicomweb, path)
    if not served:
        raise NotVerified("the target renders neither image/png nor image/gif, so image/jpeg (q=0.1) is the right "
                          "answer and the rule cannot be seen")
    accept = "image/*;q=0.9, image/jpeg;q=0.1"
    response = dicomweb.retrieve(path, accept=accept)
    assert response.status_code == 200, f"Accept {accept}: expected 200, observed {response.status_code}"
    assert media_of(response) in served, (
        f"Accept {accept}: expected {' or '.join(sorted(served))} (q=0.9 by image/*; image/jpeg has q=0.1 by its "
        f"own, more specific range), observed Content-Type {media_of(response)!r}")


@requirement("WADO-ACCEPT-PARAM-FIRST")
def test_accept_parameter_is_tried_before_the_header(dicomweb, web_study):
    """GET the rendered CR image with ?accept=image/png and Accept: image/jpeg; PS3.18 8.7.8.1 steps 2 and 3: the
    highest priority supported type of the accept Query Parameter is selected first, the header only "If no media
    type in the Accept Query Parameter is supported": image/png."""
    path = study_paths(web_study.images[0])["instance"] + "/rendered"
    if "image/png" not in _rendered_types(dicomweb, path):
        raise NotClaimed("the target does not render image/png (WADO-RENDERED-REQUIRED-IMAGE-TYPES judges that)")
    response = dicomweb.request("GET", path, query=[("accept", "image/png")], headers={"Accept": "image/jpeg"})
    assert response.status_code == 200, (
        f"?accept=image/png with Accept: image/jpeg: expected 200, observed {response.status_code}")
    assert media_of(response) == "image/png", (
        f"?accept=image/png with Accept: image/jpeg: expected image/png (the Query Parameter first, PS3.18 8.7.8.1 "
        f"step 2), observed Content-Type {media_of(response)!r}")
