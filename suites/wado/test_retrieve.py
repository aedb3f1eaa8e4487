"""PS3.18 10.4: the Retrieve Transaction (WADO-RS) of DICOM resources, and the multipart payload (8.6.1.2)."""

import pytest

from dicom_harness.testing import MULTIPART_DICOM, pixel_digest, requirement, study_paths


def _assert_same(sent, received, where):
    for keyword in ("SOPInstanceUID", "SOPClassUID", "StudyInstanceUID", "SeriesInstanceUID", "PatientID"):
        assert str(received.get(keyword, "")) == str(sent.get(keyword, "")), (
            f"{where}: {keyword} sent {sent.get(keyword)!s}, retrieved {received.get(keyword)!s}")
    assert pixel_digest(received) == pixel_digest(sent), f"{where}: pixel data differs from what was stored"


@requirement("WADO-RETRIEVE-INSTANCES")
@pytest.mark.parametrize("level", ["study", "series", "instance"])
def test_retrieve_returns_every_instance_identical(level, dicomweb, web_study):
    """GET the study, a series and an instance with Accept multipart/related; type="application/dicom";
    every instance of the resource must come back, identical, and nothing else (PS3.18 10.4.1.1.1)."""
    first = web_study.images[0]
    expected = {"study": web_study.instances, "series": web_study.images, "instance": [first]}[level]
    received = dicomweb.retrieve_instances(study_paths(first)[level])
    by_uid = {str(ds.SOPInstanceUID): ds for ds in received}
    wanted = sorted(str(d.SOPInstanceUID) for d in expected)
    assert sorted(by_uid) == wanted, f"{level} retrieve: expected instances {wanted}, observed {sorted(by_uid)}"
    for sent in expected:
        _assert_same(sent, by_uid[str(sent.SOPInstanceUID)], f"{level} retrieve")


@requirement("WADO-MULTIPART-FORMAT")
def test_multipart_response_is_well_formed(dicomweb, web_study):
    """GET the study as multipart/related; type="application/dicom"; the response must carry boundary and
    type parameters, one Content-Type per part matching the type, and a closing delimiter (PS3.18 8.6.1.2)."""
    found = dicomweb.retrieve_multipart(f"/studies/{web_study.uid}", MULTIPART_DICOM)
    found.assert_well_formed()
    assert len(found.parts) == len(web_study.instances), (
        f"expected {len(web_study.instances)} parts, observed {len(found.parts)}")


@requirement("WADO-NOT-FOUND")
def test_unknown_study_is_404(dicomweb, web_study):
    """GET /studies/{a UID nobody has}; PS3.18 8.5: 404 Not Found."""
    response = dicomweb.retrieve("/studies/2.25.7")
    assert response.status_code == 404, f"expected 404, observed {response.status_code}"
