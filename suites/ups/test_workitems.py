"""PS3.18 11.4 to 11.6: create, retrieve and update a workitem."""

from pydicom.dataset import Dataset

from dicom_harness.testing import (
    IN_PROGRESS,
    REFUSED,
    SCHEDULED,
    native_dicom_attributes,
    native_values,
    requirement,
    state_of,
)

COMPARED_ON_CREATE = ("PatientID", "PatientName", "ProcedureStepLabel", "WorklistLabel",
                      "ScheduledProcedureStepPriority", "InputReadinessState", "CommentsOnTheScheduledProcedureStep",
                      "StudyInstanceUID")


@requirement("UPS-CREATE")
def test_created_workitem_reads_back_scheduled(ups):
    """POST /workitems?{uid} with a complete workitem; PS3.18 11.4.2: 201 with a Location naming it, and
    the workitem is kept SCHEDULED with what we sent."""
    sent = ups.new_workitem()
    uid = str(sent.SOPInstanceUID)
    response = ups.create(sent)
    assert response.status_code == 201, f"expected 201 (Created), observed {response.status_code} {response.text[:200]!r}"
    location = response.headers.get("location", "")
    assert location.rstrip("/").endswith(f"/workitems/{uid}"), (
        f"Location: expected a URL ending /workitems/{uid}, observed {location!r} (PS3.18 11.4.3.2)")
    kept = ups.retrieved(uid)
    assert str(kept.get("SOPInstanceUID", "")) == uid, f"SOP Instance UID: expected {uid}, observed {kept.get('SOPInstanceUID')}"
    assert state_of(kept) == SCHEDULED, f"Procedure Step State: expected SCHEDULED, observed {state_of(kept)!r}"
    differ = {k: (str(sent.get(k)), str(kept.get(k))) for k in COMPARED_ON_CREATE if str(sent.get(k)) != str(kept.get(k))}
    assert not differ, f"attributes read back differ from those created (sent, observed): {differ}"


@requirement("UPS-CREATE-DUPLICATE")
def test_second_create_of_same_uid_is_refused(ups, evidence):
    """Create a workitem, then create another with the same UID and a different label; PS3.18 11.4.2: it is
    added only once, so the second create fails (a 4xx; Table 11.4.3-1 names 409) and the first is unchanged."""
    first = ups.created()
    second = ups.new_workitem()
    second.SOPInstanceUID = first.SOPInstanceUID
    second.ProcedureStepLabel = "DH SECOND CREATE"
    response = ups.create(second)
    assert 400 <= response.status_code < 500, (
        f"expected a failure (4xx; PS3.18 Table 11.4.3-1: 409 Conflict, \"The Target Workitem already exists\"), "
        f"observed {response.status_code}")
    if response.status_code != 409:
        evidence.add("#", f"refused with {response.status_code}, not the 409 of Table 11.4.3-1 (a table of \"some "
                     "common status codes\", no sentence requires it)")
    kept = ups.retrieved(str(first.SOPInstanceUID))
    assert str(kept.ProcedureStepLabel) == str(first.ProcedureStepLabel), (
        f"the existing workitem changed: Procedure Step Label {kept.ProcedureStepLabel!r}, "
        f"expected {first.ProcedureStepLabel!r}")


@requirement("UPS-CREATE-ONLY-SCHEDULED")
def test_create_in_progress_is_refused(ups, evidence):
    """Create a workitem whose Procedure Step State is IN PROGRESS; PS3.4 CC.2.5.3 (C309): the create fails
    (a 4xx; Table 11.4.3-1 names 400 for such a payload) and no workitem exists afterwards."""
    sent = ups.new_workitem()
    sent.ProcedureStepState = IN_PROGRESS
    response = ups.create(sent)
    assert 400 <= response.status_code < 500, (
        f"expected a failure (4xx; PS3.18 Table 11.4.3-1: 400 Bad Request), observed {response.status_code}")
    if response.status_code != 400:
        evidence.add("#", f"refused with {response.status_code}, not the 400 of Table 11.4.3-1 (a table of \"some "
                     "common status codes\", no sentence requires it)")
    uid = str(sent.SOPInstanceUID)
    after = ups.retrieve(uid)
    kept = after.status_code == 200 and uid in after.text
    assert after.status_code == 404 or not kept, (
        f"retrieve after the refused create: expected no workitem (404), observed {after.status_code} {after.text[:120]!r}")


@requirement("UPS-RETRIEVE-UNKNOWN")
def test_unknown_workitem_is_not_found(ups, dataset_factory, evidence):
    """GET /workitems/{uid} for a UID never created; PS3.18 Table 11.5.3-1: 404 (Not Found), "The origin server
    has no knowledge of the Target Workitem" (Table 8.5-1 also lets a server not willing to disclose it say 404)."""
    response = ups.retrieve(str(dataset_factory.uid()))
    assert response.status_code == 404, (
        f"expected 404 (Not Found), observed {response.status_code} (PS3.18 Table 11.5.3-1; 410 Gone is for a "
        "resource known to be deleted, Table 8.5-1, and this UID never existed)")


@requirement("UPS-RETRIEVE-HIDES-TRANSACTION-UID")
def test_claimed_workitem_is_retrieved_without_transaction_uid(ups):
    """Claim a workitem, then retrieve it; PS3.18 11.5.2: the Transaction UID (0008,1195) is absent."""
    uid = str(ups.created().SOPInstanceUID)
    transaction_uid = ups.claim(uid)
    kept = ups.retrieved(uid)
    assert state_of(kept) == IN_PROGRESS, f"Procedure Step State: expected IN PROGRESS, observed {state_of(kept)!r}"
    assert "TransactionUID" not in kept, (
        f"the retrieved workitem carries Transaction UID {kept.TransactionUID!r} (ours: {transaction_uid})")


@requirement("UPS-UPDATE")
def test_update_with_transaction_uid_reads_back(ups):
    """Claim a workitem, then update its label and comments with the Transaction UID; PS3.18 11.6.2: 200,
    and both read back changed."""
    uid = str(ups.created().SOPInstanceUID)
    transaction_uid = ups.claim(uid)
    changes = Dataset()
    changes.ProcedureStepLabel = "DH UPDATED LABEL"
    changes.CommentsOnTheScheduledProcedureStep = "updated by dicom-harness"
    response = ups.update(uid, changes, transaction_uid)
    assert response.status_code == 200, f"expected 200, observed {response.status_code} {response.text[:200]!r}"
    kept = ups.retrieved(uid)
    for keyword in ("ProcedureStepLabel", "CommentsOnTheScheduledProcedureStep"):
        assert str(kept.get(keyword, "")) == str(changes.get(keyword)), (
            f"{keyword}: expected {changes.get(keyword)!r} after the update, observed {kept.get(keyword)!r}")


@requirement("UPS-UPDATE-NEEDS-TRANSACTION-UID")
def test_update_without_transaction_uid_is_refused(ups):
    """Claim a workitem, then update its label without the Transaction UID; PS3.4 CC.2.6.3 (C301): refused
    (PS3.18 11.6.3.1), and the label is unchanged."""
    sent = ups.created()
    uid = str(sent.SOPInstanceUID)
    ups.claim(uid)
    changes = Dataset()
    changes.ProcedureStepLabel = "DH UNOWNED UPDATE"
    response = ups.update(uid, changes, None)
    assert response.status_code in REFUSED, f"expected 400 or 409, observed {response.status_code}"
    kept = ups.retrieved(uid)
    assert str(kept.ProcedureStepLabel) == str(sent.ProcedureStepLabel), (
        f"the refused update was applied: Procedure Step Label is {kept.ProcedureStepLabel!r}")


@requirement("UPS-UPDATE-FINAL-REFUSED")
def test_update_of_completed_workitem_is_400(ups):
    """Claim and complete a workitem, then update it with the Transaction UID; PS3.18 11.6.2: 400, and the
    label is unchanged."""
    sent = ups.created()
    uid = str(sent.SOPInstanceUID)
    transaction_uid = ups.claim(uid)
    completed = ups.complete(uid, transaction_uid)
    assert completed.status_code == 200, f"complete: expected 200, observed {completed.status_code}"
    changes = Dataset()
    changes.ProcedureStepLabel = "DH LATE UPDATE"
    response = ups.update(uid, changes, transaction_uid)
    assert response.status_code == 400, f"expected 400 (Bad Request), observed {response.status_code}"
    kept = ups.retrieved(uid)
    assert str(kept.ProcedureStepLabel) == str(sent.ProcedureStepLabel), (
        f"the completed workitem was changed: Procedure Step Label is {kept.ProcedureStepLabel!r}")



@requirement("UPS-RETRIEVE-XML")
def test_workitem_retrieved_as_native_dicom_model_xml(ups, dicomweb):
    """GET a workitem with Accept multipart/related; type="application/dicom+xml" (a Required media type,
    PS3.18 11.1.3): one part, a NativeDicomModel document naming the workitem and its state."""
    uid = str(ups.created().SOPInstanceUID)
    found = dicomweb.retrieve_multipart(f"/workitems/{uid}", 'multipart/related; type="application/dicom+xml"',
                                        "application/dicom+xml")
    assert len(found.parts) == 1, f"expected one part (one workitem), observed {len(found.parts)}"
    attributes = native_dicom_attributes(found.parts[0].content)
    observed = native_values(attributes.get("00080018"))
    assert observed == [uid], f"SOP Instance UID: expected [{uid}], observed {observed}"
    observed = native_values(attributes.get("00741000"))
    assert observed == [SCHEDULED], f"Procedure Step State: expected [SCHEDULED], observed {observed}"
