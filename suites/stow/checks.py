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
