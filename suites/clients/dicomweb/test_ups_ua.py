"""PS3.18 11 (and PS3.4 CC as it points there): the UPS-RS pull a user agent performed, read from its recorded
requests: the worklist search, the claim (IN PROGRESS), the updates and the final state change of a workitem."""

import json

from dicom_harness.testing import expected_of, requirement, uid_problem

from ._http import (
    WORKITEM,
    WORKITEM_STATE,
    MediaTypeError,
    accept_problems,
    parse_media_range,
    received_requests,
    requests_of,
)

TRANSACTION_UID, PROCEDURE_STEP_STATE = "00081195", "00741000"
LEGAL_STATES = ("IN PROGRESS", "COMPLETED", "CANCELLED", "CANCELED")   # PS3.18 11.7.1.4; CANCELED: PS3.3's term
FINAL = ("COMPLETED", "CANCELLED", "CANCELED")
DICOM_DATA_SET_TYPES = ("application/dicom+json", "application/dicom+xml")


def _payload(recording, request) -> tuple[dict, str]:
    """The change state payload as a DICOM JSON data set (its first one when a list), or why it is none."""
    try:
        data = json.loads(recording.body(request) or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        return {}, f"request {request.number}: the payload is no JSON ({exc})"
    if isinstance(data, list):
        data = data[0] if data else None
    if not isinstance(data, dict):
        return {}, f"request {request.number}: the payload is no DICOM JSON data set"
    return data, ""


def _value(item: dict, tag: str) -> str | None:
    """The element's first value as a string, "" when present without one, None when absent."""
    if tag not in item:
        return None
    values = (item.get(tag) or {}).get("Value") or [""]
    return str(values[0])


def _state_changes(recording) -> list[tuple[object, str, dict, str]]:
    """[(request, workitem, payload, problem)] of every Change Workitem State request, in arrival order."""
    found = []
    for request in requests_of(recording, "ups-state"):
        payload, problem = _payload(recording, request)
        found.append((request, WORKITEM_STATE.search(request.path.rstrip("/")).group(1), payload, problem))
    return found


@requirement("UPS-UA-PULL-CLAIMED")
def test_the_claimed_pull_happened(recording, evidence):
    """Look for a workitem claimed (IN PROGRESS) and then finished (COMPLETED or CANCELLED); the product's scenario
    claims it pulls workitems (PS3.2 7.3.1: a claimed role is a declared behaviour), so one must be."""
    claimed, finished = set(), set()
    for request, workitem, payload, _ in _state_changes(recording):
        evidence.add("<", request.describe())
        state = (_value(payload, PROCEDURE_STEP_STATE) or "").strip().upper()
        if state == "IN PROGRESS":
            claimed.add(workitem)
        elif state in FINAL and workitem in claimed:
            finished.add(workitem)
    evidence.add("#", f"claimed: {sorted(claimed) or 'none'}; then finished: {sorted(finished) or 'none'}")
    expected = expected_of(recording, "ups-ua")
    seen = "no claimed workitem was then completed or canceled" if claimed else "no workitem was claimed"
    assert finished, f"expected {expected}; {seen} while listening (PS3.18 11.7)"


@requirement("UPS-UA-TRANSACTION-UID")
def test_the_claims_transaction_uid_is_used_throughout(recording, evidence):
    """Read each state change's Transaction UID and each update's transaction-uid query parameter; PS3.18 11.7.1.4
    says the payload shall include one, created with the claim and provided in subsequent transactions."""
    changes = {request.number: (workitem, payload, problem)
               for request, workitem, payload, problem in _state_changes(recording)}
    if not changes:
        received_requests(recording, "ups-state", evidence)      # NOT VERIFIED: nothing to judge
    sent = sorted(requests_of(recording, "ups-state") + requests_of(recording, "ups-update"), key=lambda r: r.number)
    owners: dict[str, str] = {}             # workitem -> the Transaction UID of its claim
    problems = []
    for request in sent:
        evidence.add("<", request.describe())
        if request.number not in changes:   # an Update Workitem: the lock goes in the query (PS3.18 11.6.1.2)
            workitem = WORKITEM.search(request.path.rstrip("/")).group(1)
            given = [piece.partition("=")[2] if "=" in piece else piece for piece in request.query.split("&")]
            if workitem in owners and owners[workitem] not in given:
                problems.append(f"request {request.number}: updates claimed workitem {workitem} with query "
                                f"{request.query!r}, without its Transaction UID {owners[workitem]}")
            continue                        # (a SCHEDULED workitem has no lock yet: PS3.4 CC.2.5.1.1)
        workitem, payload, problem = changes[request.number]
        uid = (_value(payload, TRANSACTION_UID) or "").strip()
        state = (_value(payload, PROCEDURE_STEP_STATE) or "").strip().upper()
        if problem:
            problems.append(problem)
        elif not uid:
            problems.append(f"request {request.number}: the payload has no Transaction UID (0008,1195)")
        elif why := uid_problem(uid):
            problems.append(f"request {request.number}: Transaction UID {uid!r}: {why}")
        elif state == "IN PROGRESS" and workitem not in owners:
            owners[workitem] = uid
            evidence.add("#", f"workitem {workitem} claimed with Transaction UID {uid}")
        elif workitem in owners and uid != owners[workitem]:
            problems.append(f"request {request.number}: changes workitem {workitem} to {state} with Transaction "
                            f"UID {uid}, not {owners[workitem]} of its claim")
    assert not problems, f"{'; '.join(problems[:5])} (PS3.18 11.7.1.4, 11.6.1.2)"


@requirement("UPS-UA-STATE-VALUE")
def test_state_changes_ask_for_a_legal_state(recording, evidence):
    """Read each state change's Procedure Step State; PS3.18 11.7.1.4 says the legal values are IN PROGRESS,
    COMPLETED or CANCELLED (CANCELED, PS3.3's Defined Term, is taken too)."""
    problems = []
    for request in received_requests(recording, "ups-state", evidence):
        payload, problem = _payload(recording, request)
        state = _value(payload, PROCEDURE_STEP_STATE) if not problem else None
        if problem:
            problems.append(problem)
        elif state is None:
            problems.append(f"request {request.number}: the payload has no Procedure Step State (0074,1000)")
        elif state not in LEGAL_STATES:
            problems.append(f"request {request.number}: Procedure Step State {state!r}")
    assert not problems, f"{'; '.join(problems[:5])}; expected one of {', '.join(LEGAL_STATES[:3])} (PS3.18 11.7.1.4)"


def _content_type_problem(request) -> str:
    value = request.header("content-type")
    if value is None:
        return f"request {request.number} ({request.method} {request.path}): no Content-Type header field"
    try:
        media, parameters = parse_media_range(value)
    except MediaTypeError as exc:
        return f"request {request.number}: Content-Type {exc}"
    if media in DICOM_DATA_SET_TYPES or (media == "multipart/related"
                                         and parameters.get("type", "").lower() in DICOM_DATA_SET_TYPES):
        return ""
    return f"request {request.number}: Content-Type {value!r} names no DICOM media type for a data set"


@requirement("UPS-UA-CONTENT-TYPE")
def test_updates_and_state_changes_say_their_media_type(recording, evidence):
    """Read the Content-Type of each Update Workitem and Change Workitem State request; PS3.18 Tables 11.6.1-1
    and 11.7.1-1 make it mandatory for the user agent, a DICOM media type (application/dicom+json or +xml)."""
    sent = requests_of(recording, "ups-update") + requests_of(recording, "ups-state")
    if not sent:
        received_requests(recording, "ups-state", evidence)      # NOT VERIFIED: nothing to judge
    for request in sent:
        evidence.add("<", request.describe())
    problems = [problem for request in sent if (problem := _content_type_problem(request))]
    assert not problems, f"{'; '.join(problems[:5])} (PS3.18 11.6.1.3, 11.7.1.3)"


@requirement("UPS-UA-ACCEPT")
def test_worklist_searches_and_retrieves_carry_an_accept_header(recording, evidence):
    """Read the Accept header field of each Search for Workitems and Retrieve Workitem request; PS3.18 8.4.1.1
    says every request whose response may have a payload shall provide one."""
    sent = requests_of(recording, "ups-search") + requests_of(recording, "ups-retrieve")
    if not sent:
        received_requests(recording, "ups-search", evidence)     # NOT VERIFIED: nothing to judge
    for request in sent:
        evidence.add("<", request.describe())
    problems = [p for request in sent for p in accept_problems(request)]
    assert not problems, f"{'; '.join(problems[:5])}; expected an Accept header field (PS3.18 8.4.1.1)"
