"""PS3.18 8.4, 8.7 and 10.4: the WADO-RS retrieves a user agent sent, read from their header fields."""

from dicom_harness.testing import expected_of, requirement

from ._http import MediaTypeError, accept_problems, parse_media_range, received_requests, requests_of, split_list


@requirement("WADO-UA-RETRIEVE-CLAIMED")
def test_the_claimed_retrieve_happened(recording, evidence):
    """Count the WADO-RS retrieves that arrived; the product's scenario claims it retrieves (PS3.2 7.3.1: a
    claimed role is a declared behaviour), so at least one must come."""
    found = requests_of(recording, "retrieve")
    evidence.add("#", f"{len(found)} WADO-RS retrieve(s) among {len(recording.requests)} HTTP request(s)")
    expected = expected_of(recording, "wado-ua")
    assert found, f"expected {expected}; none arrived while listening"


@requirement("WADO-UA-ACCEPT")
def test_retrieves_carry_an_accept_header(recording, evidence):
    """Read each retrieve's Accept header field; PS3.18 10.4.1.3 makes it mandatory, and 8.4.1.1 says every
    request whose response may have a payload shall provide one (media ranges as RFC 7231 5.3.2 writes them)."""
    problems = [p for request in received_requests(recording, "retrieve", evidence) for p in accept_problems(request)]
    assert not problems, f"{'; '.join(problems[:5])}; expected an Accept header field (PS3.18 8.4.1.1, 10.4.1.3)"


@requirement("WADO-UA-ACCEPT-MULTIPART-TYPE")
def test_multipart_accept_names_the_part_type(recording, evidence):
    """Read each multipart/related media range of each retrieve's Accept header field; PS3.18 8.7.1 says its
    "type" parameter is required (the media type of the parts, e.g. type="application/dicom")."""
    problems = []
    for request in received_requests(recording, "retrieve", evidence):
        for item in split_list(request.header("accept") or ""):
            try:
                media, parameters = parse_media_range(item)
            except MediaTypeError:
                continue                    # WADO-UA-ACCEPT's business
            if media == "multipart/related" and "/" not in parameters.get("type", ""):
                problems.append(f"request {request.number}: Accept {item.strip()!r} has no type parameter")
    assert not problems, f"{'; '.join(problems[:5])}; expected e.g. multipart/related; type=\"application/dicom\" " \
                         "(PS3.18 8.7.1)"
