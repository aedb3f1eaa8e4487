"""PS3.18 8.1.2, 8.5 and 8.6.3: every request, malformed ones included, gets a response message; 206 only for a
Range request; a Status Report for a request without Accept is text/html."""

from dicom_harness.testing import MULTIPART_DICOM, MULTIPART_OCTET, NotVerified, requirement, study_paths

from .checks import media_of


def _malformed(web_study) -> list[tuple[str, str, str]]:
    """(what, path, Accept) of WADO-RS requests an origin server has to refuse or answer somehow."""
    instance = study_paths(web_study.multiframe)["instance"]
    series = study_paths(web_study.multiframe)["series"]
    return [("frames/0 (frames count from 1)", instance + "/frames/0", "multipart/related; type=\"application/octet-stream\""),
            ("frames/abc (not a frame list)", instance + "/frames/abc", "multipart/related; type=\"application/octet-stream\""),
            ("a study UID that is no UID", "/studies/not..a..uid/metadata", "application/dicom+json"),
            ("an instance UID that is no UID", series + "/instances/x.y.z", MULTIPART_DICOM),
            ("a malformed Accept", instance, "multipart/related; type=")]


def _answers(dicomweb, web_study) -> list[tuple[str, object]]:
    """Each malformed request's response, or the AssertionError the client raised when HTTP broke."""
    found = []
    for what, path, accept in _malformed(web_study):
        try:
            found.append((what, dicomweb.retrieve(path, accept)))
        except AssertionError as exc:        # the client's verdict on a broken answer (closed, not HTTP)
            found.append((what, exc))
    return found


@requirement("WEB-ALWAYS-RESPONDS")
def test_malformed_requests_get_a_response(dicomweb, web_study):
    """GET frames/0 and frames/abc of the multi-frame image, metadata of a study 'not..a..uid', an instance 'x.y.z'
    and an instance with a malformed Accept; PS3.18 8.1.2: "The origin server shall always return a response
    message": each gets a complete HTTP response, whatever its status."""
    broken = [f"{what}: {answer}" for what, answer in _answers(dicomweb, web_study) if isinstance(answer, Exception)]
    assert not broken, f"expected a response message to every request (PS3.18 8.1.2): {'; '.join(broken)}"



@requirement("WEB-206-ONLY-RANGE")
def test_no_206_without_a_range_request(dicomweb, web_study):
    """GET frames/1,4 of the multi-frame image and the CR series, no Range header field; PS3.18 Table 8.5-1: 206
    "shall only be used with Range Requests" (Table 10.4.3-1 also allows it for a retrieve that returns some but
    not all representations, so a 206 missing some of them is left to the resource's own requirement)."""
    frames = study_paths(web_study.multiframe)["instance"] + "/frames/1,4"
    series = study_paths(web_study.images[0])["series"]
    wrong = []
    for what, path, accept, expected in (("frames/1,4", frames, MULTIPART_OCTET, 2),
                                         ("the CR series", series, MULTIPART_DICOM, len(web_study.images))):
        response = dicomweb.retrieve(path, accept)
        if response.status_code != 206:
            continue
        parts = len(dicomweb.multipart_of(response).parts) if media_of(response) == "multipart/related" else 1
        if parts >= expected:
            wrong.append(f"{what}: 206 (Partial Content) with all {parts} representations, and no Range header "
                         f"field was sent")
    assert not wrong, f"expected 206 only for a Range request (PS3.18 8.5, Table 8.5-1): {'; '.join(wrong)}"


@requirement("WEB-STATUS-REPORT-TEXT-HTML")
def test_status_report_without_accept_is_html(dicomweb, web_study, dataset_factory):
    """GET an unknown instance, an unknown study's metadata and a known instance, each with no Accept header field;
    PS3.18 8.6.3: "the Status Report should use the default media type for the Text Resource Category, which is
    text/html": every failure with a payload is text/html."""
    paths = study_paths(web_study.images[0])
    cases = [("unknown instance", f"{paths['series']}/instances/{dataset_factory.uid()}"),
             ("unknown study's metadata", f"/studies/{dataset_factory.uid()}/metadata"),
             ("known instance (8.7.5: 406)", paths["instance"])]
    judged, wrong = [], []
    for what, path in cases:
        response = dicomweb.request("GET", path, omit_accept=True)
        if response.status_code < 400 or not response.content.strip():
            continue                        # not a failure with a Status Report: other requirements judge it
        judged.append(what)
        if media_of(response) != "text/html":
            wrong.append(f"{what}: {response.status_code} with a Status Report labelled "
                         f"{response.headers.get('content-type')!r}")
    assert not wrong, f"expected Status Reports in text/html when no Accept header was sent (PS3.18 8.6.3): " \
                      f"{'; '.join(wrong)}"
    if not judged:
        raise NotVerified("no request without Accept was answered with a failure carrying a payload")


@requirement("WEB-FAILURE-STATUS-REPORT")
def test_failures_carry_a_status_report(dicomweb, web_study):
    """GET the rendered CR image with quality=0 and with viewport=abc,def (both 400 by 8.3.5.1.2 and 8.3.5.1.3);
    PS3.18 8.1.2.3 and 10.4.3.3: "A failure response payload should contain a Status Report describing any
    failures": each failure (4xx, 5xx) has a payload."""
    path = study_paths(web_study.images[0])["instance"] + "/rendered"
    judged, empty = [], []
    for query in ("quality=0", "viewport=abc,def"):
        response = dicomweb.request("GET", path, query=query, headers={"Accept": "image/png"})
        if response.status_code < 400:
            continue                        # WADO-QUALITY-INVALID-400 and WADO-VIEWPORT-INVALID-400 judge that
        judged.append(query)
        if not response.content.strip():
            empty.append(f"?{query}: {response.status_code} with an empty payload")
    assert not empty, f"expected a Status Report in each failure response (PS3.18 8.1.2.3): {'; '.join(empty)}"
    if not judged:
        raise NotVerified("neither ill-formed rendering parameter was answered with a failure status")
