"""PS3.18 8.7.5 to 8.7.8: the Accept header of a WADO-RS retrieve (Acceptable and Selected Media Types)."""

from dicom_harness.testing import MULTIPART_DICOM, requirement, study_paths

from .checks import judge_unacceptable

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
