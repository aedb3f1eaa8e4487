"""PS3.18 11.7 and 11.8: change a workitem's state and request its cancellation, under the state machine of
PS3.4 Table CC.1.1-2."""

from dicom_harness.testing import CANCELED, COMPLETED, IN_PROGRESS, REFUSED, SCHEDULED, requirement, state_of


@requirement("UPS-CLAIM")
def test_claim_needs_a_transaction_uid(ups, dataset_factory):
    """PUT /workitems/{uid}/state IN PROGRESS without a Transaction UID, then with one; PS3.4 CC.2.1.3 (C301):
    the first is refused and changes nothing, the second is answered 200 and reads back IN PROGRESS."""
    uid = str(ups.created().SOPInstanceUID)
    refused = ups.change_state(uid, IN_PROGRESS, None)
    assert refused.status_code in REFUSED, f"claim without Transaction UID: expected 400 or 409, observed {refused.status_code}"
    assert state_of(ups.retrieved(uid)) == SCHEDULED, "the refused claim changed the Procedure Step State"
    claimed = ups.change_state(uid, IN_PROGRESS, str(dataset_factory.uid()))
    assert claimed.status_code == 200, f"claim with Transaction UID: expected 200, observed {claimed.status_code}"
    kept = ups.retrieved(uid)
    assert state_of(kept) == IN_PROGRESS, f"after the claim: expected IN PROGRESS, observed {state_of(kept)!r}"


@requirement("UPS-CLAIM-ONCE")
def test_second_claim_is_refused(ups, dataset_factory):
    """Claim a workitem, then claim it again with another Transaction UID; PS3.4 Table CC.1.1-2 (C302):
    refused, and the first owner's Transaction UID still completes it."""
    uid = str(ups.created().SOPInstanceUID)
    owner = ups.claim(uid)
    second = ups.change_state(uid, IN_PROGRESS, str(dataset_factory.uid()))
    assert second.status_code in REFUSED, f"second claim: expected 400 or 409, observed {second.status_code}"
    completed = ups.complete(uid, owner)
    assert completed.status_code == 200, (
        f"complete with the first owner's Transaction UID after the refused claim: expected 200, observed "
        f"{completed.status_code}")
    assert state_of(ups.retrieved(uid)) == COMPLETED, "the first owner could not complete its workitem"


@requirement("UPS-STATE-NEEDS-TRANSACTION-UID")
def test_complete_with_wrong_transaction_uid_is_refused(ups, dataset_factory):
    """Claim a workitem and give it its Performed Procedure information, then ask COMPLETED with another
    Transaction UID; PS3.4 CC.2.1.3 (C301): refused, and it stays IN PROGRESS."""
    uid = str(ups.created().SOPInstanceUID)
    owner = ups.claim(uid)
    update = ups.update(uid, ups.performed_procedure(), owner)
    assert update.status_code == 200, f"update with the owner's Transaction UID: expected 200, observed {update.status_code}"
    response = ups.change_state(uid, COMPLETED, str(dataset_factory.uid()))
    assert response.status_code in REFUSED, f"expected 400 or 409, observed {response.status_code}"
    assert state_of(ups.retrieved(uid)) == IN_PROGRESS, "a stranger's Transaction UID changed the state"


@requirement("UPS-NO-SKIPPING-IN-PROGRESS")
def test_scheduled_cannot_be_completed(ups, dataset_factory):
    """Ask COMPLETED of a SCHEDULED workitem; PS3.4 Table CC.1.1-2 (C310): refused, it stays SCHEDULED."""
    uid = str(ups.created().SOPInstanceUID)
    response = ups.change_state(uid, COMPLETED, str(dataset_factory.uid()))
    assert response.status_code in REFUSED, f"expected 400 or 409, observed {response.status_code}"
    assert state_of(ups.retrieved(uid)) == SCHEDULED, "a SCHEDULED workitem left SCHEDULED without a claim"


@requirement("UPS-FINAL-STATE-REQUIREMENTS")
def test_completion_needs_performed_procedure(ups):
    """Claim a workitem and ask COMPLETED before giving its Performed Procedure information; PS3.4 CC.2.5.1.1
    (C304): refused. After an update supplies it, COMPLETED is answered 200 and reads back."""
    uid = str(ups.created().SOPInstanceUID)
    owner = ups.claim(uid)
    early = ups.change_state(uid, COMPLETED, owner)
    assert early.status_code in REFUSED, (
        f"COMPLETED without Performed Procedure information: expected 400 or 409, observed {early.status_code}")
    assert state_of(ups.retrieved(uid)) == IN_PROGRESS, "the refused completion changed the state"
    completed = ups.complete(uid, owner)
    assert completed.status_code == 200, f"COMPLETED with the information: expected 200, observed {completed.status_code}"
    assert state_of(ups.retrieved(uid)) == COMPLETED, "the workitem does not read back COMPLETED"


@requirement("UPS-ALREADY-IN-STATE-WARNING")
def test_completing_twice_warns(ups):
    """Complete a workitem, then ask COMPLETED again with the owner's Transaction UID; PS3.18 11.7.3.2 (B306):
    success with a Warning that it is already COMPLETED."""
    uid = str(ups.created().SOPInstanceUID)
    owner = ups.claim(uid)
    assert ups.complete(uid, owner).status_code == 200, "the first completion failed"
    again = ups.change_state(uid, COMPLETED, owner)
    assert 200 <= again.status_code < 300, f"expected a success status, observed {again.status_code}"
    warning = again.headers.get("warning", "")
    assert "already" in warning.lower() and COMPLETED in warning.upper(), (
        f"Warning: expected '299 <service>: The UPS is already in the requested state of COMPLETED.', "
        f"observed {warning!r}")
    assert state_of(ups.retrieved(uid)) == COMPLETED, "the workitem does not read back COMPLETED"


@requirement("UPS-REQUEST-CANCEL-SCHEDULED")
def test_cancel_request_cancels_scheduled_workitem(ups):
    """POST /workitems/{uid}/cancelrequest for a SCHEDULED workitem; PS3.4 CC.2.2.3: 202, and the origin
    server moves it through IN PROGRESS to CANCELED."""
    uid = str(ups.created().SOPInstanceUID)
    response = ups.request_cancellation(uid, "no longer needed")
    assert response.status_code == 202, f"expected 202 (Accepted), observed {response.status_code}"
    kept = ups.retrieved(uid)
    assert state_of(kept) == CANCELED, f"after the request: expected CANCELED, observed {state_of(kept)!r}"


@requirement("UPS-REQUEST-CANCEL-COMPLETED")
def test_cancel_request_for_completed_workitem_is_refused(ups, evidence):
    """Complete a workitem, then request its cancellation; PS3.18 11.8.2 (the SCP behaviour: PS3.4 CC.2.2.4, C311
    "The UPS is already COMPLETED"): a failure (4xx; Table 11.8.3-1 names 409), and it stays COMPLETED."""
    uid = str(ups.created().SOPInstanceUID)
    owner = ups.claim(uid)
    assert ups.complete(uid, owner).status_code == 200, "the completion failed"
    response = ups.request_cancellation(uid, "too late")
    assert 400 <= response.status_code < 500, (
        f"expected a failure (4xx; PS3.18 Table 11.8.3-1: 409 Conflict, the request is inconsistent with the "
        f"Workitem's state), observed {response.status_code}")
    if response.status_code != 409:
        evidence.add("#", f"refused with {response.status_code}, not the 409 of Table 11.8.3-1 (a table of \"some "
                     "common status codes\", no sentence requires it)")
    assert state_of(ups.retrieved(uid)) == COMPLETED, "the cancellation request changed a COMPLETED workitem"


@requirement("UPS-CANCEL-BY-OWNER")
def test_owner_cancels_with_discontinuation(ups):
    """Claim a workitem, give the cancellation date and reason (Final State code X, PS3.4 Table CC.2.5-3), then
    ask CANCELED with the Transaction UID; PS3.4 Table CC.1.1-2: 200, and it reads back CANCELED."""
    uid = str(ups.created().SOPInstanceUID)
    owner = ups.claim(uid)
    update = ups.update(uid, ups.discontinuation(), owner)
    assert update.status_code == 200, f"update with the discontinuation: expected 200, observed {update.status_code}"
    response = ups.change_state(uid, CANCELED, owner)
    assert response.status_code == 200, f"expected 200, observed {response.status_code} {response.text[:200]!r}"
    assert state_of(ups.retrieved(uid)) == CANCELED, "the workitem does not read back CANCELED"
