"""PS3.18 8.6.1.2, 8.7.1 and 10.5: the STOW-RS requests a user agent sent: header fields, the multipart body as it
arrived, and the instances in it judged against their IODs by dciodvfy (dicom3tools)."""

import re

from dicom_harness.testing import (
    TYPE1,
    TYPE2,
    UNREADABLE,
    VALUES,
    NotVerified,
    expected_of,
    requirement,
    validate,
)

from ._http import (
    MediaTypeError,
    accept_problems,
    body_parts,
    parse_media_range,
    received_requests,
    requests_of,
)

DICOM_TYPES = ("application/dicom", "application/dicom+json", "application/dicom+xml")
_BOUNDARY = re.compile(r';\s*boundary\s*=\s*("[^"]*"|[^;\s]+)', re.IGNORECASE)
_TYPE = re.compile(r';\s*type\s*=\s*("[^"]*"|[^;\s]+)', re.IGNORECASE)


@requirement("STOW-UA-STORE-CLAIMED")
def test_the_claimed_store_happened(recording, evidence):
    """Count the STOW-RS requests that arrived; the product's scenario claims it stores (PS3.2 7.3.1: a claimed
    role is a declared behaviour), so at least one must come."""
    found = requests_of(recording, "store")
    evidence.add("#", f"{len(found)} STOW-RS request(s) among {len(recording.requests)} HTTP request(s)")
    expected = expected_of(recording, "stow-ua")
    assert found, f"expected {expected}; none arrived while listening"


@requirement("STOW-UA-ACCEPT")
def test_stores_carry_an_accept_header(recording, evidence):
    """Read each store request's Accept header field; PS3.18 10.5.1 writes it in the request, and 8.4.1.1 says
    every request whose response may have a payload (here the Store Instances Response) shall provide one."""
    problems = [p for request in received_requests(recording, "store", evidence) for p in accept_problems(request)]
    assert not problems, f"{'; '.join(problems[:5])}; expected an Accept header field (PS3.18 8.4.1.1, 10.5.1)"


@requirement("STOW-UA-CONTENT-TYPE")
def test_store_content_type_is_multipart_related_with_type(recording, evidence):
    """Read each store request's Content-Type; PS3.18 10.5.1.3 requires it, 8.6.1.2 makes it multipart, and
    8.7.1 says multipart/related requires the type parameter, quoted, and a boundary."""
    for request in received_requests(recording, "store", evidence):
        value = request.header("content-type")
        assert value, f"request {request.number}: no Content-Type header field (PS3.18 10.5.1.3)"
        try:
            media, parameters = parse_media_range(value)
        except MediaTypeError as exc:
            raise AssertionError(f"request {request.number}: Content-Type {exc} (PS3.18 8.7.1: the type parameter "
                                 "requires quote marks)") from None
        assert media == "multipart/related", (f"request {request.number}: Content-Type {media}; expected "
                                              "multipart/related (PS3.18 8.6.1.2, 10.5.1)")
        assert parameters.get("type") in DICOM_TYPES, (
            f"request {request.number}: Content-Type {value!r}: type parameter "
            f"{parameters.get('type', '(absent)')!r}; expected one of {', '.join(DICOM_TYPES)} (PS3.18 8.7.1, 10.5.1)")
        assert parameters.get("boundary"), f"request {request.number}: Content-Type {value!r} has no boundary"


def _parts(recording, request):
    value = request.header("content-type") or ""
    boundary = _BOUNDARY.search(value)
    if not boundary:
        raise NotVerified(f"request {request.number}: no boundary in Content-Type {value!r}, so the body cannot "
                          "be split into parts")
    try:
        return body_parts(recording.body(request), boundary.group(1).strip('"'))
    except ValueError as exc:
        raise AssertionError(f"request {request.number}: {exc} (PS3.18 8.6.1.2.1)") from None


@requirement("STOW-UA-PART-CONTENT-TYPE")
def test_each_part_has_the_announced_content_type(recording, evidence):
    """Split each store request's body into its parts; PS3.18 8.6.1.2 says each part shall start with a
    Content-Type header field, and 10.5.1.4 that the payload holds representations as the Content-Type says."""
    for request in received_requests(recording, "store", evidence):
        announced = _TYPE.search(request.header("content-type") or "")
        announced = announced.group(1).strip('"').lower() if announced else ""
        parts = _parts(recording, request)
        assert parts, f"request {request.number}: the body has no part (PS3.18 10.5.1.4)"
        for number, (headers, content) in enumerate(parts, 1):
            evidence.add("#", f"request {request.number}, part {number}: Content-Type "
                              f"{headers.get('content-type', '(absent)')}, {len(content)} bytes")
            assert "content-type" in headers, (f"request {request.number}, part {number}: no Content-Type header "
                                               "field (PS3.18 8.6.1.2)")
            media = headers["content-type"].split(";")[0].strip().lower()
            must = announced == "application/dicom" or number == 1
            assert not announced or not must or media == announced, (
                f"request {request.number}, part {number}: Content-Type {media}, while the request says "
                f"type=\"{announced}\"; expected {announced} (PS3.18 10.5.1.4, 8.6.1.2)")


@requirement("STOW-UA-IOD")
def test_stored_instances_meet_their_iods(recording, evidence, tmp_path):
    """Validate every DICOM file sent in a store request against its IOD with dciodvfy; PS3.18 10.5.2 says the
    stored instances shall fully conform to their IOD, and they are what the user agent sent."""
    checked, problems = 0, []
    for request in received_requests(recording, "store", evidence):
        for number, (_, content) in enumerate(_parts(recording, request), 1):
            if content[128:132] != b"DICM":
                continue
            path = tmp_path / f"{request.number}-{number}.dcm"
            path.write_bytes(content)
            report = validate(path)
            if not report.known_iod:
                continue
            checked += 1
            for finding in report.findings:
                if finding.kind in (TYPE1, TYPE2, VALUES, UNREADABLE):
                    evidence.add("#", f"request {request.number}, part {number} ({report.iod}): {finding.describe()}")
                    problems.append(f"request {request.number}, part {number} ({report.iod}): {finding.describe()}")
    if not checked:
        raise NotVerified("no store request carried a DICOM file (application/dicom) of an IOD dciodvfy knows")
    assert not problems, f"{'; '.join(problems[:5])}; expected instances meeting their IOD (PS3.18 10.5.2)"
