"""PS3.18 10.4: the Retrieve Transaction (WADO-RS) of DICOM resources, and the multipart payload (8.6.1.2)."""

import pytest

from dicom_harness.testing import MULTIPART_DICOM, pixel_digest, read_part10, requirement, study_paths


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


@requirement("WADO-NOT-ACCEPTABLE")
def test_unacceptable_media_type_is_406(dicomweb, web_study):
    """GET an instance with Accept: a media type no DICOMweb resource has; PS3.18 8.7.8.1 (selected media
    type, step 5): 406 Not Acceptable."""
    response = dicomweb.retrieve(study_paths(web_study.images[0])["instance"], accept="application/x-dh-unsupported")
    assert response.status_code == 406, f"expected 406 (Not Acceptable), observed {response.status_code}"


@requirement("WADO-TRANSFER-SYNTAX")
def test_requested_transfer_syntax_is_sent(dicomweb, web_study):
    """GET an instance with Accept multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2
    (Implicit VR Little Endian, which every DICOM implementation supports); the part must be in that syntax,
    labelled so, with identical pixel data (PS3.18 8.7.3.5.2)."""
    wanted = "1.2.840.10008.1.2"
    sent = web_study.images[0]
    found = dicomweb.retrieve_multipart(study_paths(sent)["instance"],
                                        f'{MULTIPART_DICOM}; transfer-syntax={wanted}')
    assert len(found.parts) == 1, f"expected one part, observed {len(found.parts)}"
    part = found.parts[0]
    received = read_part10(part.content)
    observed = str(received.file_meta.TransferSyntaxUID)
    assert observed == wanted, f"file meta Transfer Syntax UID: expected {wanted}, observed {observed}"
    label = part.params.get("transfer-syntax")
    assert label in (None, wanted), f"part Content-Type names transfer-syntax {label}, the file is {observed}"
    _assert_same(sent, received, "transfer-syntax retrieve")
