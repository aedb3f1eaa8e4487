"""PS3.4 Annex K: Modality Worklist Information Model - FIND, SCP side. The harness seeds worklist items on the
target, queries them, and compares each response with the item it seeded."""

from dicom_harness.testing import (
    RETURN_KEYS,
    SPS_RETURN_KEYS,
    Status,
    requirement,
    unique_tag,
    unique_worklist_item,
    worklist_query,
)

from .conftest import ours, patient_ids


@requirement("MWL-MATCH-PATIENT-ID")
def test_patient_id_single_value_matching(seed_worklist, worklist_find, dataset_factory):
    """Seed items for two patients, query one Patient ID: K.2.2.1.1.1 makes Patient ID a Required Matching
    Key, so only that patient's items come back."""
    wanted, other = unique_worklist_item(dataset_factory), unique_worklist_item(dataset_factory)
    seed_worklist([wanted, other])
    found = worklist_find(worklist_query(PatientID=wanted.PatientID)).identifiers
    assert patient_ids(found) == [wanted.PatientID], (
        f"query PatientID={wanted.PatientID}: expected only that patient's item, observed Patient IDs "
        f"{patient_ids(found)}")


@requirement("MWL-MATCH-SPS-SEQUENCE")
def test_scheduled_station_and_modality_sequence_matching(seed_worklist, worklist_find, dataset_factory):
    """Seed a CT and an MR item for one station and a CT item for another; query Modality=CT and the first
    Scheduled Station AE Title inside the Scheduled Procedure Step Sequence: only the first CT item matches."""
    station, elsewhere = unique_tag(dataset_factory, "DH", 16), unique_tag(dataset_factory, "DX", 16)
    ct = unique_worklist_item(dataset_factory, modality="CT", station=station)
    mr = unique_worklist_item(dataset_factory, modality="MR", station=station)
    other_ct = unique_worklist_item(dataset_factory, modality="CT", station=elsewhere)
    seed_worklist([ct, mr, other_ct])
    found = ours(worklist_find(worklist_query(Modality="CT", ScheduledStationAETitle=station)).identifiers,
                 [ct, mr, other_ct])
    assert patient_ids(found) == [ct.PatientID], (
        f"query SPS Modality=CT, ScheduledStationAETitle={station}: expected only item {ct.PatientID}, observed "
        f"{patient_ids(found)} (MR item {mr.PatientID}, other station {other_ct.PatientID})")


@requirement("MWL-MATCH-DATE-RANGE")
def test_scheduled_start_date_range_matching(seed_worklist, worklist_find, dataset_factory):
    """Seed items scheduled on 2024-03-10, 2024-03-20 and 2024-04-05 at a station of their own; query the range
    20240315-20240331 (PS3.4 C.2.2.2.5): only the 03-20 item matches."""
    station = unique_tag(dataset_factory, "DR", 16)
    items = [unique_worklist_item(dataset_factory, station=station, date=d)
             for d in ("20240310", "20240320", "20240405")]
    seed_worklist(items)
    query = worklist_query(ScheduledProcedureStepStartDate="20240315-20240331", ScheduledStationAETitle=station)
    found = ours(worklist_find(query).identifiers, items)
    assert patient_ids(found) == [items[1].PatientID], (
        f"range 20240315-20240331: expected only the 20240320 item {items[1].PatientID}, observed "
        f"{patient_ids(found)}")


@requirement("MWL-MATCH-TIME-RANGE")
def test_scheduled_start_time_range_matching(seed_worklist, worklist_find, dataset_factory):
    """Seed items on 2025-01-10 at 00:00:00, 09:30:00 and 12:00:00 at a station of their own; query that date with
    Start Time ranges (Table K.6-1: "Single Value Matching or Range Matching"; C.2.2.2.5.2, ends included, a
    reduced-precision end covering its minute): 093000-120000 gives the last two, -0000 the first, 1200- the last.
    The Start Date range and Start Time range taken as one period are the worklist differential's to judge."""
    station = unique_tag(dataset_factory, "DT", 16)
    items = [unique_worklist_item(dataset_factory, station=station, date="20250110", time=t)
             for t in ("000000", "093000", "120000")]
    seed_worklist(items)
    wrong = []
    for time_range, expected in (("093000-120000", items[1:]), ("-0000", items[:1]), ("1200-", items[2:])):
        query = worklist_query(ScheduledProcedureStepStartDate="20250110", ScheduledProcedureStepStartTime=time_range,
                               ScheduledStationAETitle=station)
        found = patient_ids(ours(worklist_find(query).identifiers, items))
        if found != patient_ids(expected):
            wrong.append(f"StartTime={time_range}: expected the item(s) at "
                         f"{[str(i.ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartTime) for i in expected]}"
                         f" ({patient_ids(expected)}), observed {found}")
    assert not wrong, "Start Time range matching (ends included): " + "; ".join(wrong)


@requirement("MWL-RETURN-KEYS")
def test_return_keys_come_back_with_item_values(seed_worklist, worklist_find, dataset_factory):
    """Seed one item and query its Patient ID with every other key of Table K.6-1 we use at zero length:
    K.2.2.1.2 says the Type 1 and 2 return keys come back holding the item's values."""
    item = unique_worklist_item(dataset_factory)
    seed_worklist([item])
    found = ours(worklist_find(worklist_query(PatientID=item.PatientID)).identifiers, [item])
    assert len(found) == 1, f"expected one response for Patient ID {item.PatientID}, observed {len(found)}"
    answer = found[0]
    wrong = [f"{k}: expected {item.get(k)!s}, observed {answer.get(k)!s}" for k in RETURN_KEYS
             if str(answer.get(k, "")) != str(item.get(k, ""))]
    steps = answer.get("ScheduledProcedureStepSequence") or []
    if len(steps) != 1:
        wrong.append(f"ScheduledProcedureStepSequence: expected 1 item, observed {len(steps)}")
    else:
        sent = item.ScheduledProcedureStepSequence[0]
        wrong += [f"SPS {k}: expected {sent.get(k)!s}, observed {steps[0].get(k)!s}" for k in SPS_RETURN_KEYS
                  if str(steps[0].get(k, "")) != str(sent.get(k, ""))]
    assert not wrong, "return keys differ from the seeded item: " + "; ".join(wrong)


@requirement("MWL-NO-MATCH-SUCCESS")
def test_query_without_matches_gets_success_only(worklist_find, dataset_factory):
    """Query a Patient's Name no item has: K.4.1.3 says no Pending response, one final Success."""
    nobody = f"DH^NOBODY{unique_tag(dataset_factory, '', 10)}"
    result = worklist_find(worklist_query(PatientName=nobody), expect_success=False)
    assert result.statuses == [Status.SUCCESS], (
        f"query PatientName={nobody}: expected exactly one Success response, observed statuses "
        + ", ".join(f"0x{s:04X}" for s in result.statuses))


@requirement("MWL-UNKNOWN-VALUE-FAILS")
def test_item_without_value_does_not_match(seed_worklist, worklist_find, dataset_factory):
    """Seed two items at a station of their own, one with a zero-length Scheduled Performing Physician's Name;
    query that name: K.2.2.1.1.1 says the unknown value shall fail to match, so only the other item comes back."""
    station = unique_tag(dataset_factory, "DU", 16)
    named = unique_worklist_item(dataset_factory, station=station)
    unnamed = unique_worklist_item(dataset_factory, station=station)
    unnamed.ScheduledProcedureStepSequence[0].ScheduledPerformingPhysicianName = ""
    seed_worklist([named, unnamed])
    physician = str(named.ScheduledProcedureStepSequence[0].ScheduledPerformingPhysicianName)
    query = worklist_query(ScheduledStationAETitle=station, ScheduledPerformingPhysicianName=physician)
    found = ours(worklist_find(query).identifiers, [named, unnamed])
    assert patient_ids(found) == [named.PatientID], (
        f"query ScheduledPerformingPhysicianName={physician}: expected only item {named.PatientID}, observed "
        f"{patient_ids(found)} (item {unnamed.PatientID} has a zero-length value, PS3.4 K.2.2.1.1.1)")
