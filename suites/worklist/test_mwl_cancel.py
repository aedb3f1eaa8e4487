"""PS3.4 K.4.1.3: C-CANCEL of a Modality Worklist C-FIND with many matches, SCP side."""

from dicom_harness.testing import Status, describe, requirement, unique_tag, unique_worklist_item, worklist_query

MATCHES = 20


@requirement("MWL-CANCEL")
def test_cancel_interrupts_worklist_find(seed_worklist, worklist_find, dataset_factory):
    """Seed 20 items at a station of their own; query the station with C-CANCEL-FIND-RQ right behind the request,
    so it is there before matching can end: the SCP shall interrupt and answer Cancel (FE00) (PS3.4 K.4.1.3)."""
    station = unique_tag(dataset_factory, "DC", 16)
    seed_worklist([unique_worklist_item(dataset_factory, station=station) for _ in range(MATCHES)])
    result = worklist_find(worklist_query(ScheduledStationAETitle=station), expect_success=False, cancel=True,
                           then_echo=True)
    assert result.final_status == Status.CANCEL, (
        f"expected the worklist C-FIND to end with Cancel (FE00) after fewer than {MATCHES} matches, observed "
        f"{describe(result.final_status)} after {len(result.identifiers)} Pending response(s)")
    assert all(s in (Status.PENDING, Status.PENDING_WARNING) for s in result.statuses[:-1]), (
        f"responses before the final one: {[describe(s) for s in result.statuses[:-1]]}")
    assert result.after.final_status == Status.SUCCESS, (
        f"the same query after the cancelled one: expected Success, observed {describe(result.after.final_status)}")
