"""Judging store responses where PS3.18 allows several answers (kept apart from the tests so the project's
tests can feed them each allowed and each forbidden answer)."""

import json

from dicom_harness.testing import DICOM_JSON, json_value

RETRIEVE_URL = "00081190"
FAILED_SOP_SEQUENCE = "00081198"
REFERENCED_SOP_SEQUENCE = "00081199"


def response_module(response, check_media_type: bool = True) -> dict:
    """The Store Instances Response Module of a response that must carry one (PS3.18 10.5.3.3)."""
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if check_media_type:
        assert media in (DICOM_JSON, "application/json"), (
            f"store response Content-Type: expected {DICOM_JSON}, observed {media!r}")
    try:
        data = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"store response is not JSON: {response.content[:120]!r}") from None
    assert isinstance(data, dict), f"store response: expected one JSON data set, observed {type(data).__name__}"
    return data


def optional_module(response) -> dict | None:
    """A failure response's Store Instances Response Module, if it has one: PS3.18 10.5.3.3 "A failure response
    payload may contain a Status Report", so no body, or a body that is not a DICOM JSON data set, is allowed."""
    try:
        data = json.loads(response.content) if response.content else None
    except ValueError:
        return None
    if isinstance(data, list) and len(data) == 1:
        data = data[0]
    return data if isinstance(data, dict) and (FAILED_SOP_SEQUENCE in data or REFERENCED_SOP_SEQUENCE in data) \
        else None


def items(data: dict, tag: str) -> list[dict]:
    return (data.get(tag) or {}).get("Value", []) or []


def judge_response_module(data: dict, sent: dict[str, str]) -> None:
    """PS3.18 Table I.1-1 for a 200: Retrieve URL present (Type 2: may be empty), one Referenced SOP Sequence
    item per instance (sent: SOP Instance UID -> SOP Class UID), each with its Retrieve URL attribute (Type 2);
    a Retrieve URL value, when given, is a string and an instance's names the instance."""
    assert RETRIEVE_URL in data, "the response lacks Retrieve URL (0008,1190), Type 2 in PS3.18 Table I.1-1"
    top = json_value(data, RETRIEVE_URL)
    assert top is None or isinstance(top, str), f"Retrieve URL: expected a URL string, observed {top!r}"
    observed = {json_value(i, "ReferencedSOPInstanceUID"): i for i in items(data, REFERENCED_SOP_SEQUENCE)}
    assert sorted(observed) == sorted(sent), (
        f"Referenced SOP Sequence: expected instances {sorted(sent)}, observed {sorted(observed)}")
    for uid, sop_class in sent.items():
        item = observed[uid]
        assert json_value(item, "ReferencedSOPClassUID") == sop_class, (
            f"{uid}: Referenced SOP Class UID expected {sop_class}, observed {json_value(item, 'ReferencedSOPClassUID')}")
        assert RETRIEVE_URL in item, f"{uid}: the item lacks Retrieve URL (0008,1190), Type 2 in PS3.18 Table I.1-1"
        url = json_value(item, RETRIEVE_URL)
        assert url is None or (isinstance(url, str) and uid in url), (
            f"{uid}: Retrieve URL: expected empty or a URL naming the instance, observed {url!r}")


def judge_refused(data: dict | None, stray_uid: str) -> str:
    """When a refusal carries a Store Instances Response Module, the refused instance is in its Failed SOP
    Sequence with a Failure Reason of any code (PS3.18 I.2.2: "Additional codes may be used")."""
    if data is None:
        return "no Store Instances Response Module in the failure payload (allowed: PS3.18 10.5.3.3)"
    failed = items(data, FAILED_SOP_SEQUENCE)
    named = [i for i in failed if json_value(i, "ReferencedSOPInstanceUID") == stray_uid]
    assert named, f"expected a Failed SOP Sequence item for {stray_uid}, observed {failed!r:.200}"
    reason = json_value(named[0], "FailureReason")
    assert isinstance(reason, int) and 0 <= reason <= 0xFFFF, (
        f"Failure Reason (0008,1197), Type 1: expected an unsigned 16-bit code, observed {reason!r}")
    return f"Failed SOP Sequence names the instance, Failure Reason {reason:04X}"


def judge_mixed(status: int, data: dict | None, good_uid: str, stray_uid: str) -> str:
    """A store to /studies/{uid} of one matching and one stray instance: 202 (the matching one stored) or 409
    (none stored), PS3.18 Table 10.5.3-1."""
    assert status in (202, 409), (
        f"one instance of the study and one of another: expected 202 (Accepted: some stored) or 409 (Conflict: none "
        f"stored), observed {status}")
    if status == 202 and data is not None:
        stored = [json_value(i, "ReferencedSOPInstanceUID") for i in items(data, REFERENCED_SOP_SEQUENCE)]
        assert stored == [good_uid], f"202: Referenced SOP Sequence expected [{good_uid}], observed {stored}"
    return judge_refused(data, stray_uid)


# -- partial failures (PS3.18 10.5.3, Table 10.5.3-1; Annex I) --------------------------------------------------
# Failure Reason codes whose meaning (PS3.18 Table I.2-2) the harness can prove false for an instance refused in
# a request where another instance of the same SOP Class and Transfer Syntax was stored, and the codes that are
# not failures at all (0000 Success, Table I.2-1's B000/B006/B007 are Warning Reason values).
SOP_CLASS_NOT_SUPPORTED, SYNTAX_NOT_SUPPORTED = 0x0122, 0xC122
NOT_FAILURES = (0x0000, 0xB000, 0xB006, 0xB007)


def judge_partial_status(status: int, kept: int, sent: int) -> str:
    """The status agrees with what was kept (PS3.18 Table 10.5.3-1): all kept 200 (or 202 if warnings exist),
    some kept 202, none kept 400 (bad syntax) or 409 (conflict, "a mixture of reasons")."""
    if kept == sent:
        allowed, meaning = (200, 202), "all stored: 200 (OK), or 202 with warnings"
    elif kept:
        allowed, meaning = (202,), "some stored and failures for others: 202 (Accepted)"
    else:
        allowed, meaning = (400, 409), "none stored: 400 (Bad Request) or 409 (Conflict)"
    assert status in allowed, f"{kept} of {sent} instances kept: expected {meaning}, observed {status}"
    return f"{kept} of {sent} kept, answered {status}"


OTHER_FAILURES_SEQUENCE = "0008119A"


def judge_failed_items(data: dict, refused: dict[str, str], not_understood: tuple[str, ...] = ()) -> str:
    """PS3.18 Table I.1-1: Failed SOP Sequence (1C: required if one or more instances failed to store), one item
    per refused instance (refused: SOP Instance UID -> SOP Class UID) with Referenced SOP Class UID, Referenced
    SOP Instance UID (SOP Instance Reference Macro, Type 1) and Failure Reason (Type 1). An instance the server
    may not have been able to read (not_understood) may instead be an Other Failures Sequence item with a Failure
    Reason ("failures not associated with a specific SOP Instance")."""
    failed = items(data, FAILED_SOP_SEQUENCE)
    others = [i for i in items(data, OTHER_FAILURES_SEQUENCE) if isinstance(json_value(i, "FailureReason"), int)]
    by_uid = {json_value(i, "ReferencedSOPInstanceUID"): i for i in failed}
    unnamed = [uid for uid in refused if uid not in by_uid]
    if unnamed and all(uid in not_understood for uid in unnamed) and len(others) >= len(unnamed):
        refused = {uid: cls for uid, cls in refused.items() if uid in by_uid}
    assert failed or not refused, (
        f"{len(refused)} instance(s) not stored but the response's Failed SOP Sequence (0008,1198) has no item "
        f"(Type 1C, required if one or more SOP Instances failed to store)")
    for uid, sop_class in refused.items():
        assert uid in by_uid, (
            f"Failed SOP Sequence: no item names the refused instance {uid}; observed {sorted(map(str, by_uid))}")
        item = by_uid[uid]
        assert json_value(item, "ReferencedSOPClassUID") == sop_class, (
            f"{uid}: Failed SOP Sequence item's Referenced SOP Class UID (Type 1) expected {sop_class}, observed "
            f"{json_value(item, 'ReferencedSOPClassUID')!r}")
        assert isinstance(json_value(item, "FailureReason"), int), (
            f"{uid}: Failed SOP Sequence item's Failure Reason (0008,1197, Type 1): expected a code, observed "
            f"{json_value(item, 'FailureReason')!r}")
    return (f"Failed SOP Sequence names {len(refused)} refused instance(s) with class, UID and Failure Reason"
            + (f"; Other Failures Sequence has {len(others)} item(s)" if others else ""))


def failure_codes(data: dict, refused: list[str]) -> dict[str, int]:
    """The Failure Reason of each refused instance the Failed SOP Sequence names with one (a missing item or
    reason is STOW-FAILED-SOP-SEQUENCE's to judge)."""
    by_uid = {json_value(i, "ReferencedSOPInstanceUID"): i for i in items(data, FAILED_SOP_SEQUENCE)}
    codes = {uid: json_value(by_uid.get(uid, {}), "FailureReason") for uid in refused}
    return {uid: code for uid, code in codes.items() if isinstance(code, int)}


def judge_failure_reasons(data: dict, refused: list[str], stored_alike: bool) -> str:
    """PS3.18 I.2.2: each refused instance's Failure Reason has the meaning of Table I.2-2 (additional codes
    allowed). Refused here for UIDs that are not UIDs or an impossible element length, so A9xx, Cxxx, 0110 or an
    implementation code fit; a failure code that says the SOP Class (0122) or Transfer Syntax (C122) is not
    supported is false when an instance of that class and syntax was stored by the same request (stored_alike),
    and a success or warning code is no failure reason."""
    codes = []
    for uid, code in failure_codes(data, refused).items():
        assert 0 <= code <= 0xFFFF, f"{uid}: Failure Reason {code!r} is not an unsigned 16-bit code"
        assert code not in NOT_FAILURES, (
            f"{uid}: Failure Reason {code:04X} is a success or warning code (Table I.2-1), not a failure reason")
        if stored_alike:
            assert code not in (SOP_CLASS_NOT_SUPPORTED, SYNTAX_NOT_SUPPORTED), (
                f"{uid}: Failure Reason {code:04X} ("
                f"{'Referenced SOP Class' if code == SOP_CLASS_NOT_SUPPORTED else 'Referenced Transfer Syntax'} not "
                f"supported, Table I.2-2) but an instance of the same SOP Class and Transfer Syntax was stored by "
                f"the same request; expected A9xx (data set does not match SOP Class), Cxxx (cannot understand) "
                f"or another fitting code")
        codes.append(f"{code:04X}")
    return f"Failure Reasons {', '.join(codes)}"


def judge_partial_referenced(data: dict, stored: dict[str, str], refused: list[str]) -> str:
    """PS3.18 Table I.1-1: Referenced SOP Sequence (1C) holds one item per instance successfully stored (stored:
    SOP Instance UID -> SOP Class UID), with its SOP Class, and none for an instance that was not; an item's
    Retrieve URL (Type 2), when valued, names its instance."""
    referenced = items(data, REFERENCED_SOP_SEQUENCE)
    observed = [json_value(i, "ReferencedSOPInstanceUID") for i in referenced]
    wrongly = [u for u in observed if u in refused]
    assert not wrongly, f"Referenced SOP Sequence lists instance(s) that were not stored: {wrongly}"
    assert sorted(map(str, observed)) == sorted(stored), (
        f"Referenced SOP Sequence: expected the stored instance(s) {sorted(stored)}, observed {observed}")
    for item in referenced:
        uid = json_value(item, "ReferencedSOPInstanceUID")
        assert json_value(item, "ReferencedSOPClassUID") == stored[uid], (
            f"{uid}: Referenced SOP Class UID expected {stored[uid]}, observed "
            f"{json_value(item, 'ReferencedSOPClassUID')!r}")
        url = json_value(item, RETRIEVE_URL)
        assert url is None or (isinstance(url, str) and uid in url), (
            f"{uid}: Retrieve URL: expected empty or a URL naming the instance, observed {url!r}")
    return f"Referenced SOP Sequence lists exactly the {len(stored)} stored instance(s)"


def xml_response_module(response) -> dict[str, list]:
    """A store response that must be an XML Store Instances Response Module (PS3.18 Annex I, in the Native DICOM
    Model of PS3.19 A.1): {"RetrieveURL": [values] or None, "ReferencedSOPSequence": [{tag: [values]} per item]}."""
    import xml.etree.ElementTree as ElementTree
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    assert media == "application/dicom+xml", (
        f"store response Content-Type: expected application/dicom+xml (Accept named only it), observed {media!r}")
    try:
        root = ElementTree.fromstring(response.content)
    except ElementTree.ParseError as exc:
        raise AssertionError(f"store response is not XML: {exc}; begins {response.content[:80]!r}") from None
    assert root.tag.split("}")[-1] == "NativeDicomModel", (
        f"store response root element: expected NativeDicomModel, observed {root.tag}")

    def children(element) -> dict:
        found = {}
        for attribute in element:
            if attribute.tag.split("}")[-1] == "DicomAttribute":
                found[attribute.get("tag", "").upper()] = attribute
        return found

    def values(attribute) -> list[str]:
        return [(v.text or "").strip() for v in attribute if v.tag.split("}")[-1] == "Value"]

    top = children(root)
    module = {"RetrieveURL": values(top[RETRIEVE_URL]) if RETRIEVE_URL in top else None, "ReferencedSOPSequence": []}
    if REFERENCED_SOP_SEQUENCE in top:
        for item in top[REFERENCED_SOP_SEQUENCE]:
            if item.tag.split("}")[-1] == "Item":
                module["ReferencedSOPSequence"].append({tag: values(a) for tag, a in children(item).items()})
    return module


def judge_success_headers(headers: dict[str, str], body_length: int) -> None:
    """PS3.18 10.5.3.2 (Table 10.5.3-2): a success response names its payload's media type (Content-Type) and has
    Content-Length, equal to the payload's length, unless a Content-Encoding was applied."""
    headers = {k.lower(): v for k, v in headers.items()}
    assert headers.get("content-type", "").strip(), "the store response has no Content-Type header field"
    if "content-encoding" in headers:
        return
    assert "content-length" in headers, (
        "the store response has neither Content-Length nor Content-Encoding (Table 10.5.3-2: Content-Length shall "
        f"be present if the payload has no content encoding); headers: {sorted(headers)}")
    assert headers["content-length"].strip() == str(body_length), (
        f"Content-Length {headers['content-length']!r} differs from the payload's {body_length} bytes")
