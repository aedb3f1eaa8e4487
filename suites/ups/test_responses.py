"""PS3.18 11.4.3, 11.7.3, 11.11.3 and 11.12.3: what the Worklist Service's responses carry besides their status
code (payloads that should or shall be absent, the Warning header field of a refused state change)."""

from dicom_harness.testing import (
    CANCELED,
    COMPLETED,
    IN_PROGRESS,
    REFUSED,
    WORKLIST_UID,
    NotVerified,
    requirement,
    subscriber_title,
)

MISSING = "The Transaction UID is missing."
INCORRECT = "The Transaction UID is incorrect."
INCONSISTENT = "The submitted request is inconsistent with the state of the UPS Instance."


def _warning_names(response, message: str) -> bool:
    """The Warning header field holds 299 and the message (PS3.18 11.7.3.2: "Warning: 299 <service>: ...")."""
    found = response.headers.get("warning", "")
    return "299" in found and message.lower() in found.lower()


@requirement("UPS-CREATE-NO-PAYLOAD")
def test_create_response_has_no_payload(ups):
    """POST /workitems?{uid} with a new workitem; PS3.18 11.4.3.3: the 201 response should have no payload."""
    ds = ups.new_workitem()
    response = ups.create(ds)
    assert response.status_code == 201, f"create workitem: expected 201 (Created), observed {response.status_code}"
    assert not response.content, (
        f"the 201 create response has a payload of {len(response.content)} bytes "
        f"({response.headers.get('content-type', 'no Content-Type')}); PS3.18 11.4.3.3: it should have none")


@requirement("UPS-UNSUBSCRIBE-NO-PAYLOAD")
def test_unsubscribe_response_has_no_payload(ups):
    """Subscribe to a workitem, then DELETE the subscription; PS3.18 11.11.3.3: the 200 response has no payload."""
    uid = str(ups.created().SOPInstanceUID)
    title = subscriber_title()
    subscribed = ups.subscribe(uid, title)
    assert subscribed.status_code == 201, f"subscribe: expected 201 (Created), observed {subscribed.status_code}"
    response = ups.unsubscribe(uid, title)
    assert response.status_code == 200, f"unsubscribe: expected 200 (OK), observed {response.status_code}"
    assert not response.content, (
        f"the 200 unsubscribe response has a payload of {len(response.content)} bytes {response.content[:80]!r}; "
        "PS3.18 11.11.3.3: a success response shall have no payload")


@requirement("UPS-SUSPEND-NO-PAYLOAD")
def test_suspend_response_has_no_payload(ups):
    """Subscribe to the Worklist, then POST .../suspend; PS3.18 11.12.3.3: the 200 response has no payload."""
    title = subscriber_title()
    subscribed = ups.subscribe(WORKLIST_UID, title)
    assert subscribed.status_code == 201, (
        f"global subscribe: expected 201 (Created), observed {subscribed.status_code}")
    try:
        response = ups.suspend(title)
        assert response.status_code == 200, f"suspend: expected 200 (OK), observed {response.status_code}"
        assert not response.content, (
            f"the 200 suspend response has a payload of {len(response.content)} bytes {response.content[:80]!r}; "
            "PS3.18 11.12.3.3: a success response shall have no payload")
    finally:
        ups.unsubscribe(WORKLIST_UID, title)


@requirement("UPS-STATE-FAILURE-WARNING")
def test_refused_state_change_names_the_conflict(ups, dataset_factory):
    """Three refused state changes: a claim without Transaction UID, COMPLETED with another Transaction UID than
    the owner's, COMPLETED of a SCHEDULED workitem. PS3.18 11.7.3.2: each failure response has the Warning
    message that fits (missing; incorrect; missing, incorrect or inconsistent for the last, which the text leaves
    open)."""
    scheduled = str(ups.created().SOPInstanceUID)
    cases = [(scheduled, IN_PROGRESS, None, (MISSING,), "claim without Transaction UID")]
    claimed = str(ups.created().SOPInstanceUID)
    ups.claim(claimed)
    cases.append((claimed, COMPLETED, str(dataset_factory.uid()), (INCORRECT,),
                  "COMPLETED with a Transaction UID other than the owner's"))
    cases.append((scheduled, COMPLETED, str(dataset_factory.uid()), (INCONSISTENT, INCORRECT, MISSING),
                  "COMPLETED of a SCHEDULED workitem"))
    for uid, state, transaction_uid, fitting, what in cases:
        response = ups.change_state(uid, state, transaction_uid)
        assert response.status_code in REFUSED, f"{what}: expected a refusal (400 or 409), observed {response.status_code}"
        assert any(_warning_names(response, message) for message in fitting), (
            f"{what}: refused {response.status_code} with Warning {response.headers.get('warning')!r}; PS3.18 "
            f"11.7.3.2 wants '299 <service>: {fitting[0]}'" + (f" (or {' / '.join(fitting[1:])})" if fitting[1:] else ""))


ALREADY_CANCELED = "The UPS is already in the requested state of CANCELED."


def _canceled_by_owner(ups) -> tuple[str, str]:
    """A workitem its owner claimed and canceled (with the discontinuation CANCELED requires): (uid, owner)."""
    uid = str(ups.created().SOPInstanceUID)
    owner = ups.claim(uid)
    update = ups.update(uid, ups.discontinuation(), owner)
    assert update.status_code == 200, f"update with the discontinuation: expected 200, observed {update.status_code}"
    canceled = ups.change_state(uid, CANCELED, owner)
    assert canceled.status_code == 200, f"cancel by the owner: expected 200, observed {canceled.status_code}"
    return uid, owner


@requirement("UPS-ALREADY-CANCELED-WARNING")
def test_canceling_twice_warns(ups):
    """Claim and cancel a workitem, then ask CANCELED again with the owner's Transaction UID; PS3.18 11.7.3.2:
    "Warning: 299 <service>: The UPS is already in the requested state of CANCELED." (PS3.4 B304, a success)."""
    uid, owner = _canceled_by_owner(ups)
    again = ups.change_state(uid, CANCELED, owner)
    assert 200 <= again.status_code < 300, (
        f"CANCELED of a CANCELED workitem by its owner: expected a success with a Warning (PS3.4 Table CC.1.1-2, "
        f"B304), observed {again.status_code}")
    assert _warning_names(again, ALREADY_CANCELED), (
        f"Warning: expected '299 <service>: {ALREADY_CANCELED}' (PS3.18 11.7.3.2), observed "
        f"{again.headers.get('warning')!r}")


@requirement("UPS-CANCEL-REQUEST-CANCELED-WARNING")
def test_cancel_request_for_canceled_workitem_warns(ups):
    """Claim and cancel a workitem, then POST .../cancelrequest; PS3.18 11.8.3.2: "Warning: 299 <service>: The
    UPS is already in the requested state of CANCELED." (PS3.4 B304, a success)."""
    uid, _ = _canceled_by_owner(ups)
    response = ups.request_cancellation(uid, "asked again")
    assert 200 <= response.status_code < 300, (
        f"cancellation request for a CANCELED workitem: expected a success with a Warning (PS3.4 Table CC.1.1-2, "
        f"B304), observed {response.status_code}")
    assert _warning_names(response, ALREADY_CANCELED), (
        f"Warning: expected '299 <service>: {ALREADY_CANCELED}' (PS3.18 11.8.3.2), observed "
        f"{response.headers.get('warning')!r}")


@requirement("UPS-NO-METADATA-BULKDATA")
def test_workitem_has_no_metadata_resource(ups):
    """GET /workitems/{uid}/metadata of an existing workitem; PS3.18 11.1.3: "The transactions shall not support
    Metadata or Bulkdata objects": any answer but a success."""
    uid = str(ups.created().SOPInstanceUID)
    response = ups.web.request("GET", f"/workitems/{uid}/metadata", headers={"Accept": "application/dicom+json"})
    assert not 200 <= response.status_code < 300, (
        f"GET /workitems/{uid}/metadata: expected no success (PS3.18 11.1.3: no Metadata resource for workitems), "
        f"observed {response.status_code} {response.text[:120]!r}")


UPDATE_NOT_CLAIMED = "The target URI did not reference a claimed Workitem."
UPDATE_INCONSISTENT = "The submitted request is inconsistent with the current state of the Workitem."


@requirement("UPS-UPDATE-FAILURE-WARNING")
def test_refused_update_names_the_conflict(ups, dataset_factory):
    """Two refused updates: of a claimed workitem with a stranger's Transaction UID, and of a COMPLETED one by its
    owner; PS3.18 11.6.3.2: each failure has a Warning with "one of following messages that best describes the
    nature of the conflict" (either of the two is accepted for each)."""
    from pydicom.dataset import Dataset
    changes = Dataset()
    changes.ProcedureStepLabel = "DH REFUSED UPDATE"
    claimed = str(ups.created().SOPInstanceUID)
    ups.claim(claimed)
    completed = str(ups.created().SOPInstanceUID)
    owner = ups.claim(completed)
    assert ups.complete(completed, owner).status_code == 200, "the completion failed"
    judged, wrong = [], []
    for what, uid, transaction_uid in (("a stranger's Transaction UID", claimed, str(dataset_factory.uid())),
                                       ("a COMPLETED workitem", completed, owner)):
        response = ups.update(uid, changes, transaction_uid)
        if response.status_code < 400:
            continue                # not refused: UPS-UPDATE-NEEDS-TRANSACTION-UID, UPS-UPDATE-FINAL-REFUSED judge it
        judged.append(what)
        if not any(_warning_names(response, m) for m in (UPDATE_NOT_CLAIMED, UPDATE_INCONSISTENT)):
            wrong.append(f"update with {what}: {response.status_code} with Warning {response.headers.get('warning')!r}")
    assert not wrong, (f"expected each refused update to carry 'Warning: 299 <service>: {UPDATE_NOT_CLAIMED}' or "
                       f"'... {UPDATE_INCONSISTENT}' (PS3.18 11.6.3.2): {'; '.join(wrong)}")
    if not judged:
        raise NotVerified("neither update was refused, so there was no failure response to judge")


@requirement("UPS-UPDATE-SUCCESS-PAYLOAD")
def test_update_success_has_no_dataset_payload(ups):
    """Claim a workitem and update its label with the Transaction UID; PS3.18 11.6.3.3: "A success response shall
    have either no payload, or a payload containing a Status Report document" (a description of warnings or
    errors, 8.6.3): never a DICOM data set."""
    import json

    from pydicom.dataset import Dataset
    uid = str(ups.created().SOPInstanceUID)
    owner = ups.claim(uid)
    changes = Dataset()
    changes.ProcedureStepLabel = "DH UPDATED LABEL"
    response = ups.update(uid, changes, owner)
    assert response.status_code == 200, f"update with the owner's Transaction UID: expected 200, observed {response.status_code}"
    if not response.content.strip():
        return
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        body = json.loads(response.content)
    except ValueError:
        body = None
    data_set = (isinstance(body, list) and body and isinstance(body[0], dict)
                and all(len(k) == 8 and "vr" in v for k, v in body[0].items() if isinstance(v, dict)))
    assert media not in ("application/dicom+json", "application/dicom+xml", "application/dicom") and not data_set, (
        f"the 200 update response carries a DICOM data set ({response.headers.get('content-type')}, "
        f"{response.content[:80]!r}), not a Status Report (PS3.18 11.6.3.3)")
