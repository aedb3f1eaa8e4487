"""PS3.18 11.13, 11.10.3.2 and PS3.4 CC.2.1.3, CC.2.4: what an Event Report carries, the UPS Assigned event, and a
Deletion Lock that is either kept or declined with its Warning."""

from pydicom.dataset import Dataset

from dicom_harness.testing import (
    COMPLETED,
    IN_PROGRESS,
    SCHEDULED,
    STATE_REPORT,
    NotClaimed,
    is_event,
    json_value,
    requirement,
    state_of,
    subscriber_title,
)

ASSIGNED = 5                                 # PS3.4 Table CC.2.4-1: Event Type ID of UPS Assigned
UPS_SOP_CLASSES = "1.2.840.10008.5.1.4.34.6."  # UPS Push, Watch, Pull, Event (PS3.4 CC.3.1)
PERFORMER = "DH^ASSIGNED^PERFORMER"


def _missing_mandatory(report: dict, uid: str, event_type: int) -> list[str]:
    """The mandatory attributes of an N-EVENT-REPORT (PS3.7 10.1.1: Affected SOP Class UID, Message ID, Affected SOP
    Instance UID, Event Type ID) and of a UPS State Report (PS3.4 Table CC.2.4-1, SCP Type 1: Procedure Step State,
    Input Readiness State) the report lacks or gets wrong."""
    problems = []
    sop_class = json_value(report, "AffectedSOPClassUID")
    if not str(sop_class or "").startswith(UPS_SOP_CLASSES):
        problems.append(f"Affected SOP Class UID (0000,0002): expected a UPS SOP Class, observed {sop_class!r}")
    if json_value(report, "MessageID") is None:
        problems.append("Message ID (0000,0110) absent")
    if json_value(report, "AffectedSOPInstanceUID") != uid:
        problems.append(f"Affected SOP Instance UID (0000,1000): expected {uid}, observed "
                        f"{json_value(report, 'AffectedSOPInstanceUID')!r}")
    if json_value(report, "EventTypeID") != event_type:
        problems.append(f"Event Type ID (0000,1002): expected {event_type}, observed {json_value(report, 'EventTypeID')!r}")
    for keyword, tag in (("ProcedureStepState", "(0074,1000)"), ("InputReadinessState", "(0040,4041)")):
        if not json_value(report, keyword):
            problems.append(f"{keyword} {tag} absent or empty")
    return problems


@requirement("UPS-EVENT-MANDATORY-ATTRIBUTES")
def test_state_reports_carry_the_mandatory_attributes(ups):
    """Subscribe to a workitem (twice, so the initial report has a channel), then claim it. PS3.18 11.13: the initial
    UPS State Report and the IN PROGRESS one carry Affected SOP Class UID, Message ID, Affected SOP Instance UID, Event
    Type ID 1 (PS3.7 10.1.1) and Procedure Step State and Input Readiness State (PS3.4 Table CC.2.4-1)."""
    uid = str(ups.created().SOPInstanceUID)
    title = subscriber_title()
    channel = ups.subscribed(uid, title)
    ups.subscribed(uid, title)
    initial = channel.next_event(is_event(uid, STATE_REPORT, SCHEDULED), f"the SCHEDULED report of {uid}")
    ups.claim(uid)
    claimed = channel.next_event(is_event(uid, STATE_REPORT, IN_PROGRESS), f"the IN PROGRESS report of {uid}")
    for name, report in (("the initial UPS State Report", initial), ("the IN PROGRESS UPS State Report", claimed)):
        problems = _missing_mandatory(report, uid, STATE_REPORT)
        assert not problems, f"{name} lacks mandatory attributes (PS3.18 11.13): {'; '.join(problems)}"


@requirement("UPS-ASSIGNED-EVENT")
def test_assignment_update_sends_assigned_event(ups):
    """Subscribe to a SCHEDULED workitem, then update its Scheduled Human Performers Sequence (a performer named
    DH^ASSIGNED^PERFORMER). PS3.4 CC.2.4.3: a UPS Assigned event (Event Type ID 5) with the current contents of the
    sequence arrives."""
    uid = str(ups.created().SOPInstanceUID)
    title = subscriber_title()
    channel = ups.subscribed(uid, title)
    performer = Dataset()
    performer.HumanPerformerName = PERFORMER
    performer.HumanPerformerOrganization = "dicom-harness"
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator, code.CodeMeaning = "DH-PERFORMER", "99DH", "dicom-harness performer"
    performer.HumanPerformerCodeSequence = [code]
    changes = Dataset()
    changes.ScheduledHumanPerformersSequence = [performer]
    response = ups.update(uid, changes, None)
    assert response.status_code == 200, (
        f"update of a SCHEDULED workitem's Scheduled Human Performers Sequence: expected 200, observed "
        f"{response.status_code} {response.text[:160]!r}")
    report = channel.next_event(is_event(uid, ASSIGNED), f"a UPS Assigned event for {uid}")
    items = report.get("00404034", {}).get("Value") or [{}]
    observed = json_value(items[0], "HumanPerformerName")
    assert observed == PERFORMER, (
        f"UPS Assigned event: Scheduled Human Performers Sequence expected the performer {PERFORMER!r}, observed "
        f"{observed!r}")


@requirement("UPS-DELETION-LOCK-WARNING")
def test_deletion_lock_is_kept_or_declined_with_warning(ups):
    """Subscribe to a workitem with deletionlock=true, then claim and complete it and read it back. PS3.18 11.10.3.2:
    a lock not granted is announced by the Warning "Deletion Lock not granted."; without it the lock stands, and
    PS3.4 CC.2.1.3 forbids deleting the COMPLETED workitem while it does: it is still retrievable."""
    uid = str(ups.created().SOPInstanceUID)
    title = subscriber_title()
    response = ups.web.request("POST", f"/workitems/{uid}/subscribers/{title}", query=[("deletionlock", "true")])
    if response.status_code in (403, 405, 501):
        raise NotClaimed(f"subscribing with deletionlock=true answered {response.status_code}: the target does not "
                         "offer workitem subscriptions")
    assert response.status_code == 201, (
        f"subscribe with deletionlock=true: expected 201 (Created), observed {response.status_code} "
        f"{response.text[:160]!r}")
    try:
        warning = response.headers.get("warning", "")
        if "deletion lock not granted" in warning.lower():
            return                                  # declined, and said so (11.10.3.2)
        owner = ups.claim(uid)
        completed = ups.complete(uid, owner)
        assert completed.status_code == 200, f"complete: expected 200, observed {completed.status_code}"
        kept = ups.retrieve(uid)
        assert kept.status_code == 200, (
            f"the subscription with deletionlock=true was accepted without the Warning 'Deletion Lock not granted.' "
            f"(Warning: {warning or 'none'}), yet the COMPLETED workitem is gone: retrieve answered "
            f"{kept.status_code} (PS3.18 11.10.3.2, PS3.4 CC.2.1.3)")
        assert state_of(ups.retrieved(uid)) == COMPLETED, "the workitem read back is not COMPLETED"
    finally:
        ups.unsubscribe(uid, title)
