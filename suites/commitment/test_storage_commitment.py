"""PS3.4 Annex J: Storage Commitment Push Model, SCP side. Instances are C-STOREd first; the N-ACTION is sent as
the harness peer's AE, whose listener receives results sent on a new association."""

from dicom_harness.testing import Status, describe, requirement

from .conftest import references

STORAGE_COMMITMENT = "1.2.840.10008.1.20.1"         # PS3.4 J.3.5, the Push Model SOP Class UID
WELL_KNOWN_INSTANCE = "1.2.840.10008.1.20.1.1"     # PS3.4 J.3.5, its well-known SOP Instance


def _report_arrived(result):
    assert result.information is not None, (
        "no N-EVENT-REPORT arrived for this request (same association or a new one to the harness peer)")


@requirement("COMMIT-ACTION-ACCEPTED")
def test_commitment_request_is_accepted(commit, stored_instances, dataset_factory):
    """N-ACTION Request Storage Commitment for one stored instance: J.3.2.1.3, the response is Success."""
    result = commit(references(stored_instances(1)), str(dataset_factory.uid()))
    assert result.action.status == Status.SUCCESS, f"N-ACTION: expected Success, observed {describe(result.action.status)}"


@requirement("COMMIT-REPORT-SUCCESS")
def test_all_held_instances_are_committed(commit, stored_instances, dataset_factory):
    """Commit three stored instances: J.3.3.1.2, Event Type 1 listing all three."""
    instances = stored_instances(3)
    result = commit(references(instances), str(dataset_factory.uid()))
    assert result.action.status == Status.SUCCESS, f"N-ACTION: {describe(result.action.status)}"
    _report_arrived(result)
    sent = {str(i.SOPInstanceUID) for i in instances}
    assert result.event_type_id == 1, f"expected Event Type 1 (all committed), observed {result.event_type_id}"
    assert result.referenced() == sent and not result.failed(), (
        f"expected all {len(sent)} instances in the Referenced SOP Sequence, observed {len(result.referenced() & sent)}"
        f" of them, {len(result.failed())} failed")


@requirement("COMMIT-REPORT-FAILED-ITEMS")
def test_unknown_instance_is_reported_failed_with_reason(commit, stored_instances, dataset_factory):
    """Commit one stored instance and one never sent: J.3.3.1.2, Event Type 2, the unknown one in the Failed
    SOP Sequence with a Failure Reason, the stored one in the Referenced SOP Sequence."""
    held = stored_instances(1)[0]
    unknown = str(dataset_factory.uid())
    refs = references([held]) + [(str(held.SOPClassUID), unknown)]
    result = commit(refs, str(dataset_factory.uid()))
    assert result.action.status == Status.SUCCESS, f"N-ACTION: {describe(result.action.status)}"
    _report_arrived(result)
    failed = result.failed()
    assert result.event_type_id == 2, f"expected Event Type 2 (failures exist), observed {result.event_type_id}"
    assert unknown in failed and failed[unknown] is not None, (
        f"expected the never-stored instance in the Failed SOP Sequence with a Failure Reason, observed failed={failed}")
    assert str(held.SOPInstanceUID) in result.referenced(), "the stored instance is missing from the Referenced SOP Sequence"


@requirement("COMMIT-TRANSACTION-UID")
def test_report_carries_the_transaction_uid(commit, stored_instances, dataset_factory):
    """J.3.3.1.2: the N-EVENT-REPORT names the Transaction UID of the N-ACTION."""
    transaction = str(dataset_factory.uid())
    result = commit(references(stored_instances(1)), transaction)
    assert result.action.status == Status.SUCCESS, f"N-ACTION: {describe(result.action.status)}"
    _report_arrived(result)
    observed = str(result.information.get("TransactionUID", ""))
    assert observed == transaction, f"Transaction UID: sent {transaction}, report carries {observed or '(none)'}"


@requirement("COMMIT-NEW-ASSOCIATION")
def test_report_arrives_on_a_new_association(commit, stored_instances, dataset_factory):
    """Release the association right after the N-ACTION response: J.3.3.1.2, the SCP can still send the result,
    on a new association to the requester's AE (the harness peer)."""
    result = commit(references(stored_instances(1)), str(dataset_factory.uid()), release_at_once=True)
    assert result.action.status == Status.SUCCESS, f"N-ACTION: {describe(result.action.status)}"
    assert result.information is not None and result.arrived_on.startswith("new association"), (
        "after release, no N-EVENT-REPORT arrived on a new association to the harness peer")


@requirement("COMMIT-ACTION-RSP-FIELDS")
def test_action_response_names_the_request(commit, stored_instances, dataset_factory):
    """N-ACTION Request Storage Commitment: the N-ACTION-RSP names the request's Message ID (PS3.7 Table 10.3-7);
    an Affected SOP Class or Instance UID in it equals the request's (10.1.4.1.7, 10.1.4.1.8)."""
    action = commit(references(stored_instances(1)), str(dataset_factory.uid())).action
    observed = "absent or empty" if action.responded_to is None else action.responded_to
    assert action.responded_to == action.message_id, (
        f"N-ACTION-RSP Message ID Being Responded To: expected {action.message_id}, observed {observed}")
    expected = {"AffectedSOPClassUID": STORAGE_COMMITMENT, "AffectedSOPInstanceUID": WELL_KNOWN_INSTANCE}
    wrong = [f"{k}: expected {v}, observed {action.wire.get(k)}" for k, v in expected.items()
             if k in action.wire and str(action.wire.get(k)).rstrip("\0 ") != v]
    assert not wrong, "N-ACTION-RSP: " + "; ".join(wrong)


@requirement("COMMIT-REPORT-WELL-KNOWN-INSTANCE")
def test_report_names_the_well_known_instance(commit, stored_instances, dataset_factory):
    """Commit one stored instance: the N-EVENT-REPORT names the Storage Commitment Push Model SOP Class and its
    well-known instance 1.2.840.10008.1.20.1.1 (PS3.4 J.3.5) as Affected SOP Class and Instance UID."""
    result = commit(references(stored_instances(1)), str(dataset_factory.uid()))
    assert result.action.status == Status.SUCCESS, f"N-ACTION: {describe(result.action.status)}"
    _report_arrived(result)
    observed = (result.sop_class_uid.rstrip("\0 "), result.sop_instance_uid.rstrip("\0 "))
    assert observed == (STORAGE_COMMITMENT, WELL_KNOWN_INSTANCE), (
        f"N-EVENT-REPORT Affected SOP Class/Instance UID: expected {STORAGE_COMMITMENT} / {WELL_KNOWN_INSTANCE}, "
        f"observed {observed[0]} / {observed[1]}")
