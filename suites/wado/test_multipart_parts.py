"""PS3.18 8.6.1.2 (Table 8.6.1-1): the header fields of each part of a multipart retrieve besides its
Content-Type (Content-Length, Content-Location)."""

from dicom_harness.testing import MULTIPART_DICOM, read_part10, requirement, study_paths


def _series_parts(dicomweb, web_study):
    """GET the CR series as multipart/related; type="application/dicom": its parts (two instances)."""
    path = study_paths(web_study.images[0])["series"]
    return dicomweb.retrieve_multipart(path, MULTIPART_DICOM).parts


@requirement("WADO-PART-CONTENT-LENGTH")
def test_each_part_has_its_content_length(dicomweb, web_study):
    """GET the CR series as multipart/related; type="application/dicom"; PS3.18 Table 8.6.1-1: Content-Length
    "Shall be present if the response payload does not have a content encoding": each part without a
    Content-Encoding has one, equal to the length of its body."""
    wrong = []
    for number, part in enumerate(_series_parts(dicomweb, web_study), 1):
        if part.headers.get("content-encoding"):
            continue
        length = part.headers.get("content-length")
        if length is None:
            wrong.append(f"part {number} ({len(part.content)} bytes) has no Content-Length (headers: "
                         f"{', '.join(part.headers) or 'none'})")
        elif not length.strip().isdigit() or int(length) != len(part.content):
            wrong.append(f"part {number}: Content-Length {length!r}, but its body is {len(part.content)} bytes")
    assert not wrong, f"expected a Content-Length in each part (PS3.18 8.6.1.2, Table 8.6.1-1): {'; '.join(wrong)}"


@requirement("WADO-PART-CONTENT-LOCATION")
def test_each_part_names_its_instance(dicomweb, web_study):
    """GET the CR series as multipart/related; type="application/dicom"; PS3.18 Table 8.6.1-1: Content-Location
    "Shall be present if the response payload contains a representation of a resource": each part (an
    instance) has one, and it names that instance (its SOP Instance UID appears in the URL)."""
    wrong = []
    for number, part in enumerate(_series_parts(dicomweb, web_study), 1):
        location = part.headers.get("content-location", "")
        try:
            uid = str(read_part10(part.content).SOPInstanceUID)
        except Exception:
            uid = ""                        # WADO-RETRIEVE-INSTANCES judges the body
        if not location:
            wrong.append(f"part {number} ({uid or 'unreadable'}) has no Content-Location (headers: "
                         f"{', '.join(part.headers) or 'none'})")
        elif uid and uid not in location:
            wrong.append(f"part {number}: Content-Location {location!r} does not name instance {uid}")
    assert not wrong, (f"expected a Content-Location naming the instance in each part (PS3.18 8.6.1.2, "
                       f"Table 8.6.1-1): {'; '.join(wrong)}")
