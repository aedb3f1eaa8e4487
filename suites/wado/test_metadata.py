"""PS3.18 10.4.1.1.2 and Annex F: metadata resources, BulkDataURIs and frames."""

from dicom_harness.testing import (
    MULTIPART_OCTET,
    assert_json_model,
    json_value,
    native_dicom_attributes,
    native_values,
    requirement,
    study_paths,
)


def _metadata(dicomweb, path):
    response = dicomweb.retrieve(path, accept="application/dicom+json")
    assert response.status_code == 200, f"GET {path}: expected 200, observed {response.status_code}"
    data = response.json()
    assert isinstance(data, list), f"GET {path}: expected a JSON array, observed {type(data).__name__}"
    return data


@requirement("WADO-METADATA")
def test_study_metadata_lists_every_instance_with_its_attributes(dicomweb, web_study):
    """GET /studies/{uid}/metadata: one DICOM JSON object per instance, with Image Comments (Type 3) as
    stored, and Pixel Data as BulkDataURI or InlineBinary, never inline as Value."""
    items = _metadata(dicomweb, f"/studies/{web_study.uid}/metadata")
    assert_json_model(items, source="study metadata")     # PS3.18 F.2: the shared DICOM JSON verifier
    by_uid = {json_value(i, "SOPInstanceUID"): i for i in items}
    wanted = sorted(str(d.SOPInstanceUID) for d in web_study.instances)
    assert sorted(by_uid) == wanted, f"expected metadata of {wanted}, observed {sorted(by_uid)}"
    for sent in web_study.images:
        item = by_uid[str(sent.SOPInstanceUID)]
        for keyword in ("PatientID", "SOPClassUID", "SeriesInstanceUID", "ImageComments", "Rows", "Columns"):
            observed = json_value(item, keyword)
            assert str(observed) == str(sent.get(keyword)), (
                f"{sent.SOPInstanceUID} {keyword}: stored {sent.get(keyword)!r}, metadata {observed!r}")
        pixel = item.get("7FE00010")
        assert pixel and ("BulkDataURI" in pixel or "InlineBinary" in pixel) and "Value" not in pixel, (
            f"Pixel Data must be a BulkDataURI or InlineBinary (PS3.18 F.2.6, F.2.7), observed {pixel!r:.120}")


@requirement("WADO-BULKDATA")
def test_bulkdata_uri_returns_the_pixel_data_bytes(dicomweb, web_study):
    """GET the BulkDataURI of Pixel Data from the instance's metadata; the content must be exactly the
    stored pixel data bytes."""
    sent = web_study.images[0]
    items = _metadata(dicomweb, study_paths(sent)["instance"] + "/metadata")
    pixel = items[0].get("7FE00010", {})
    if "InlineBinary" in pixel:
        import base64
        received = base64.b64decode(pixel["InlineBinary"])
    else:
        uri = pixel.get("BulkDataURI")
        assert uri, f"expected a BulkDataURI for Pixel Data, observed {pixel!r:.120}"
        found = dicomweb.retrieve_multipart(uri, MULTIPART_OCTET, "application/octet-stream")
        assert len(found.parts) == 1, f"expected one part, observed {len(found.parts)}"
        received = found.parts[0].content
    expected = bytes(sent.PixelData)
    assert received == expected, (
        f"bulk data: expected the {len(expected)} stored Pixel Data bytes, observed {len(received)} bytes"
        + ("" if len(received) != len(expected) else " that differ"))


@requirement("WADO-FRAMES")
def test_frames_are_returned_in_order_byte_for_byte(dicomweb, web_study):
    """GET .../frames/2,5 of the 6-frame 32x32 8-bit image; two parts, frame 2 then frame 5, each exactly
    its 1024 uncompressed bytes."""
    sent = web_study.multiframe
    found = dicomweb.retrieve_multipart(study_paths(sent)["instance"] + "/frames/2,5", MULTIPART_OCTET,
                                        "application/octet-stream")
    size = sent.Rows * sent.Columns
    expected = [bytes(sent.PixelData[(n - 1) * size:n * size]) for n in (2, 5)]
    observed = [p.content for p in found.parts]
    assert len(observed) == 2, f"expected 2 parts (frames 2 and 5), observed {len(observed)}"
    for number, want, got in zip((2, 5), expected, observed):
        assert got == want, (f"frame {number}: expected its {len(want)} bytes, observed {len(got)} bytes"
                             + (" that differ" if len(got) == len(want) else ""))


@requirement("WADO-METADATA-XML")
def test_instance_metadata_as_native_dicom_model_xml(dicomweb, web_study):
    """GET an instance's metadata with Accept multipart/related; type="application/dicom+xml"; one part, a
    NativeDicomModel document with the SOP Instance UID and the Patient Name's family name component."""
    sent = web_study.images[0]
    found = dicomweb.retrieve_multipart(study_paths(sent)["instance"] + "/metadata",
                                        'multipart/related; type="application/dicom+xml"', "application/dicom+xml")
    assert len(found.parts) == 1, f"expected one part (one instance), observed {len(found.parts)}"
    attributes = native_dicom_attributes(found.parts[0].content)
    observed = native_values(attributes.get("00080018"))
    assert observed == [str(sent.SOPInstanceUID)], (
        f"SOP Instance UID (00080018): expected [{sent.SOPInstanceUID}], observed {observed}")
    name = attributes.get("00100010")
    family = [e.text for e in name.iter() if e.tag.endswith("FamilyName")] if name is not None else None
    expected = str(web_study.context.PatientName).split("^")[0]
    assert family and family[0] == expected, f"Patient Name FamilyName: expected {expected!r}, observed {family}"
