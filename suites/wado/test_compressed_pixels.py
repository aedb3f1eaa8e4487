"""PS3.18 8.7.3.3: Frames and Bulk Data of an instance stored compressed (RLE Lossless here): Explicit VR Little
Endian when no Transfer Syntax is named, or the compressed stream in its own media type with its transfer-syntax
parameter (8.7.3.3.2, Table 8.7.3-5; 8.7.9), never compressed bytes labelled as uncompressed ones."""

from dicom_harness.testing import MULTIPART_OCTET, NotVerified, json_value, requirement, study_paths

from .checks import compressed_media_types, decoded_frames, decodes_to, stored_rle_instance


def _one_part(dicomweb, path, accept):
    found = dicomweb.retrieve_multipart(path, accept, "application/octet-stream")
    assert len(found.parts) == 1, f"GET {path} Accept {accept}: expected one part, observed {len(found.parts)}"
    part = found.parts[0]
    return part, part.media_type.lower(), part.params.get("transfer-syntax")


@requirement("WADO-FRAMES-DECOMPRESSED")
def test_frames_of_a_compressed_instance_default_to_explicit_vr_little_endian(dicomweb, claims, make_instance):
    """GET frames/1 of an RLE Lossless image with Accept multipart/related; type="application/octet-stream";
    PS3.18 8.7.3.3: with no transfer-syntax named, Explicit VR Little Endian: the decoded frame, byte for byte."""
    sent = stored_rle_instance(dicomweb, claims, make_instance)
    path = study_paths(sent)["instance"] + "/frames/1"
    part, media, label = _one_part(dicomweb, path, MULTIPART_OCTET)
    expected = decoded_frames(sent)[0]
    assert media == "application/octet-stream" and label in (None, "1.2.840.10008.1.2.1"), (
        f"GET {path} Accept {MULTIPART_OCTET}: expected an application/octet-stream part (Explicit VR Little "
        f"Endian), observed Content-Type {part.content_type!r}")
    same = part.content == expected     # outside the assert: pytest would diff the two payloads byte by byte
    assert same, (
        f"GET {path}: expected the {len(expected)} bytes of the decoded frame, observed {len(part.content)} bytes"
        + (" that differ" if len(part.content) == len(expected) else " (the compressed stream?)"))


@requirement("WADO-FRAMES-COMPRESSED-LABEL")
def test_compressed_frames_name_their_media_type_and_transfer_syntax(dicomweb, claims, make_instance):
    """GET frames/1 of an RLE Lossless image with transfer-syntax=*; either answer is allowed: the decoded frame as
    application/octet-stream, or the compressed stream as Table 8.7.3-5's media type with its transfer-syntax."""
    sent = stored_rle_instance(dicomweb, claims, make_instance)
    path = study_paths(sent)["instance"] + "/frames/1"
    accept = f"{MULTIPART_OCTET}; transfer-syntax=*"
    part, media, label = _one_part(dicomweb, path, accept)
    expected = decoded_frames(sent)[0]
    if media == "application/octet-stream" and label in (None, "1.2.840.10008.1.2.1"):
        same = part.content == expected     # outside the assert (see above)
        assert same, (
            f"GET {path} Accept {accept}: the part is labelled {part.content_type!r} (uncompressed, Explicit VR Little "
            f"Endian) but its {len(part.content)} bytes are not the {len(expected)} bytes of the decoded frame")
        return
    assert label, (f"GET {path} Accept {accept}: the compressed part {part.content_type!r} has no transfer-syntax "
                   "parameter (PS3.18 8.7.9: its parameters shall specify the part's encoding)")
    assert media in compressed_media_types(label), (
        f"GET {path}: transfer-syntax={label} travels as {' or '.join(compressed_media_types(label)) or '?'} "
        f"(PS3.18 Table 8.7.3-5), observed {media!r}")
    same = decodes_to(sent, part.content, label) == expected
    assert same, (
        f"GET {path}: the {len(part.content)} bytes labelled {part.content_type!r} do not decode to the frame")


@requirement("WADO-BULKDATA-COMPRESSED")
def test_pixel_data_bulkdata_of_a_compressed_instance(dicomweb, claims, make_instance):
    """GET the Pixel Data BulkDataURI of an RLE Lossless image with Accept multipart/related;
    type="application/octet-stream"; PS3.18 8.7.3.3: Explicit VR Little Endian, the decoded pixel data."""
    sent = stored_rle_instance(dicomweb, claims, make_instance)
    response = dicomweb.retrieve(study_paths(sent)["instance"] + "/metadata", accept="application/dicom+json")
    assert response.status_code == 200, f"metadata: expected 200, observed {response.status_code}"
    item = response.json()[0]
    assert json_value(item, "SOPInstanceUID") == str(sent.SOPInstanceUID), "metadata of another instance"
    uri = item.get("7FE00010", {}).get("BulkDataURI")
    if not uri:
        # the metadata's own shortcoming (WADO-METADATA); without the URI there is no bulk data to judge
        raise NotVerified(f"the metadata of the RLE Lossless instance gives no BulkDataURI for Pixel Data "
                          f"(observed {item.get('7FE00010')!r:.80}), so its bulk data cannot be asked for")
    part, media, label = _one_part(dicomweb, uri, MULTIPART_OCTET)
    expected = b"".join(decoded_frames(sent))
    assert media == "application/octet-stream" and label in (None, "1.2.840.10008.1.2.1"), (
        f"GET {uri} Accept {MULTIPART_OCTET}: expected an application/octet-stream part, observed "
        f"{part.content_type!r}")
    same = part.content == expected
    assert same, (
        f"GET {uri}: expected the {len(expected)} bytes of the decoded Pixel Data, observed {len(part.content)} bytes"
        + (" that differ" if len(part.content) == len(expected) else " (the encapsulated value with its item tags?)"))
