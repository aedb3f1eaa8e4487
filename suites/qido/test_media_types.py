"""PS3.18 10.6.4: the media types of search results; the Native DICOM Model (XML) as well as DICOM JSON."""

from dicom_harness.testing import native_dicom_attributes, native_values, requirement

MULTIPART_XML = 'multipart/related; type="application/dicom+xml"'


@requirement("QIDO-XML-RESULTS")
def test_search_asked_for_as_xml_is_answered_in_xml(dicomweb, web_study):
    """Search /studies by Study Instance UID with Accept: multipart/related; type="application/dicom+xml" (Required,
    Table 10.6.4-1); PS3.18 10.6.3.3: the results shall come in that media type, one NativeDicomModel part."""
    found = dicomweb.retrieve_multipart(f"/studies?StudyInstanceUID={web_study.uid}", MULTIPART_XML,
                                        "application/dicom+xml")
    assert found.media_type == "multipart/related" and found.params.get("type") == "application/dicom+xml", (
        f"expected Content-Type {MULTIPART_XML}, observed {found.media_type} {found.params}")
    assert len(found.parts) == 1, f"expected one part (one study), observed {len(found.parts)}"
    observed = native_values(native_dicom_attributes(found.parts[0].content).get("0020000D"))
    assert observed == [web_study.uid], f"Study Instance UID (0020000D): expected [{web_study.uid}], observed {observed}"
