"""PS3.18 8.1.2: every request, malformed ones included, gets a response message."""

from dicom_harness.testing import MULTIPART_DICOM, requirement, study_paths


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

