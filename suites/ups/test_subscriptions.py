"""PS3.18 11.10 to 11.13 and 8.10: subscriptions and event reports over the notification channel
(PS3.4 CC.2.3 and CC.2.4)."""

from pydicom.dataset import Dataset

from dicom_harness.testing import (
    CANCEL_REQUESTED,
    FILTERED_WORKLIST_UID,
    IN_PROGRESS,
    PROGRESS,
    SCHEDULED,
    STATE_REPORT,
    WORKLIST_UID,
    about,
    is_event,
    json_value,
    requirement,
    state_of,
    subscriber_title,
)


@requirement("UPS-SUBSCRIBE-WORKITEM")
def test_workitem_subscription_reports_state(ups):
    """Subscribe to a workitem, open the channel the response names and subscribe again (so the initial
    report has a channel to go to); then claim it. PS3.4 CC.2.4.3: a UPS State Report of SCHEDULED for the
    subscription, then one of IN PROGRESS, each a text frame of DICOM JSON (PS3.18 8.10.5.1.1)."""
    uid = str(ups.created().SOPInstanceUID)
    title = subscriber_title()
    channel = ups.subscribed(uid, title)
    ups.subscribed(uid, title)
    initial = channel.next_event(is_event(uid, STATE_REPORT), f"a UPS State Report for {uid}")
    assert json_value(initial, "ProcedureStepState") == SCHEDULED, (
        f"initial UPS State Report: Procedure Step State expected SCHEDULED, observed "
        f"{json_value(initial, 'ProcedureStepState')!r}")
    assert json_value(initial, "InputReadinessState"), "the initial UPS State Report lacks Input Readiness State"
    ups.claim(uid)
    channel.next_event(is_event(uid, STATE_REPORT, IN_PROGRESS), f"a UPS State Report of IN PROGRESS for {uid}")


@requirement("UPS-GLOBAL-SUBSCRIPTION")
def test_global_subscription_covers_new_workitems(ups):
    """Subscribe to the Worklist (Global Subscription), then create a workitem; PS3.4 CC.2.4.3: a UPS State
    Report of SCHEDULED for the new workitem arrives."""
    title = subscriber_title()
    channel = ups.subscribed(WORKLIST_UID, title)
    try:
        uid = str(ups.created().SOPInstanceUID)
        channel.next_event(is_event(uid, STATE_REPORT, SCHEDULED), f"a UPS State Report of SCHEDULED for new {uid}")
    finally:
        ups.unsubscribe(WORKLIST_UID, title)


@requirement("UPS-SUSPEND-GLOBAL")
def test_suspended_global_subscription_stops_new_workitems(ups):
    """Subscribe globally, create workitem A, suspend, create workitem B, then claim A. PS3.18 11.12: the
    suspension is answered 200; A's claim is reported and no event about B comes before it."""
    title = subscriber_title()
    channel = ups.subscribed(WORKLIST_UID, title)
    try:
        kept = str(ups.created().SOPInstanceUID)
        channel.next_event(is_event(kept, STATE_REPORT, SCHEDULED), f"a UPS State Report for new {kept}")
        response = ups.suspend(title)
        assert response.status_code == 200, f"suspend: expected 200, observed {response.status_code}"
        later = str(ups.created().SOPInstanceUID)
        ups.claim(kept)
        report = channel.next_event(about({kept, later}), f"an event about {kept} (still subscribed)")
        assert json_value(report, "AffectedSOPInstanceUID") == kept, (
            f"an event about {later}, created after the suspension, came: the global subscription still "
            f"subscribes to new workitems")
        assert json_value(report, "ProcedureStepState") == IN_PROGRESS, (
            f"expected the IN PROGRESS report of {kept}, observed {json_value(report, 'ProcedureStepState')!r}")
    finally:
        ups.unsubscribe(WORKLIST_UID, title)


@requirement("UPS-UNSUBSCRIBE")
def test_unsubscribed_workitem_sends_no_events(ups):
    """Subscribe to workitems A and B, unsubscribe from A, then claim A and B. PS3.18 11.11: the
    unsubscription is answered 200; B's claim is reported and no event about A's claim comes before it."""
    dropped, kept = str(ups.created().SOPInstanceUID), str(ups.created().SOPInstanceUID)
    title = subscriber_title()
    channel = ups.subscribed(dropped, title)
    ups.subscribed(kept, title)
    response = ups.unsubscribe(dropped, title)
    assert response.status_code == 200, f"unsubscribe: expected 200, observed {response.status_code}"
    ups.claim(dropped)
    ups.claim(kept)
    report = channel.next_event(lambda r: json_value(r, "ProcedureStepState") == IN_PROGRESS
                                and json_value(r, "AffectedSOPInstanceUID") in (dropped, kept),
                                f"the IN PROGRESS report of {kept}")
    assert json_value(report, "AffectedSOPInstanceUID") == kept, (
        f"the claim of {dropped} was reported after its subscriber unsubscribed")


@requirement("UPS-CANCEL-REQUESTED-EVENT")
def test_cancel_request_is_reported_to_subscribers(ups):
    """Subscribe to a workitem, claim it, then request its cancellation with a reason. PS3.4 CC.2.4.3: 202
    and a UPS Cancel Requested event carrying the reason; the performer decides, so it stays IN PROGRESS."""
    uid = str(ups.created().SOPInstanceUID)
    title = subscriber_title()
    channel = ups.subscribed(uid, title)
    ups.claim(uid)
    channel.next_event(is_event(uid, STATE_REPORT, IN_PROGRESS), f"the IN PROGRESS report of {uid}")
    reason = "requested by dicom-harness"
    response = ups.request_cancellation(uid, reason)
    assert response.status_code == 202, f"expected 202 (Accepted), observed {response.status_code}"
    report = channel.next_event(is_event(uid, CANCEL_REQUESTED), f"a UPS Cancel Requested event for {uid}")
    assert json_value(report, "ReasonForCancellation") == reason, (
        f"Reason For Cancellation: expected {reason!r}, observed {json_value(report, 'ReasonForCancellation')!r}")
    assert state_of(ups.retrieved(uid)) == IN_PROGRESS, "the origin server canceled a workitem it does not perform"


@requirement("UPS-PROGRESS-EVENT")
def test_progress_update_is_reported(ups):
    """Subscribe to a workitem, claim it, then update Procedure Step Progress to 50 with the Transaction UID.
    PS3.4 CC.2.4.3: a UPS Progress event carrying the Progress Information Sequence with 50."""
    uid = str(ups.created().SOPInstanceUID)
    title = subscriber_title()
    channel = ups.subscribed(uid, title)
    owner = ups.claim(uid)
    progress = Dataset()
    progress.ProcedureStepProgress = 50
    progress.ProcedureStepProgressDescription = "half way"
    changes = Dataset()
    changes.ProcedureStepProgressInformationSequence = [progress]
    response = ups.update(uid, changes, owner)
    assert response.status_code == 200, f"progress update: expected 200, observed {response.status_code}"
    report = channel.next_event(is_event(uid, PROGRESS), f"a UPS Progress event for {uid}")
    items = report.get("00741002", {}).get("Value") or [{}]
    observed = json_value(items[0], "ProcedureStepProgress")
    assert observed is not None and float(observed) == 50, (
        f"UPS Progress event: Procedure Step Progress expected 50, observed {observed!r}")


@requirement("UPS-FILTERED-SUBSCRIPTION")
def test_filtered_subscription_follows_matching_workitems(ups, dataset_factory):
    """Create workitem A for patient P, subscribe with filter PatientID=P, create B for P and C for another
    patient, then claim C, A and B. PS3.4 CC.2.3.3.1: events for A and B arrive, none for C before B's claim."""
    existing = ups.created()
    patient = str(existing.PatientID)
    title = subscriber_title()
    channel = ups.subscribed(FILTERED_WORKLIST_UID, title, f"PatientID={patient}")
    try:
        later = ups.new_workitem()
        later.PatientName, later.PatientID = existing.PatientName, patient
        ups.created(later)
        other = str(ups.created().SOPInstanceUID)
        a, b = str(existing.SOPInstanceUID), str(later.SOPInstanceUID)
        for uid in (other, a, b):
            ups.claim(uid)
        seen = []
        while (b, IN_PROGRESS) not in seen:
            report = channel.next_event(about({a, b, other}), f"the IN PROGRESS report of {b}")
            seen.append((json_value(report, "AffectedSOPInstanceUID"), json_value(report, "ProcedureStepState")))
            assert seen[-1][0] != other, f"an event about {other} (another patient) came: {seen[-1]}"
        assert (a, IN_PROGRESS) in seen, f"no IN PROGRESS report for {a}, which matched when subscribing; saw {seen}"
    finally:
        ups.unsubscribe(FILTERED_WORKLIST_UID, title)
