"""PS3.4 K.2.2.1.1, K.2.2.3 and Table K.6-1: Modality Worklist matching per key type, SCP side: wild card matching
of the person names, Optional Matching Keys (supported or not), multi-valued attributes."""

from dicom_harness.testing import requirement, unique_tag, unique_worklist_item, worklist_query

from .conftest import ours, patient_ids


def _wild(value: str) -> tuple[str, str]:
    """A prefix-star pattern and a one-question-mark pattern that both match value."""
    return value[:-2] + "*", value[:-1] + "?"


@requirement("MWL-MATCH-PATIENT-NAME-WILDCARD")
def test_patient_name_wild_card(seed_worklist, worklist_find, dataset_factory):
    """Seed an item and query its Patient's Name with a trailing '*' and with one '?': Table K.6-1 allows Single
    Value or Wild Card Matching for Patient's Name (PS3.4 C.2.2.2.4), so both patterns return the item."""
    item = unique_worklist_item(dataset_factory)
    seed_worklist([item])
    wrong = []
    for pattern in _wild(str(item.PatientName)):
        found = ours(worklist_find(worklist_query(PatientName=pattern)).identifiers, [item])
        if patient_ids(found) != [item.PatientID]:
            wrong.append(f"PatientName={pattern}: observed {patient_ids(found)}")
    assert not wrong, (f"expected item {item.PatientID} (Patient's Name {item.PatientName!s}) for each wild card "
                       "pattern (Table K.6-1: Patient Name shall be retrieved with Single Value Matching or Wild Card "
                       "Matching): " + "; ".join(wrong))


@requirement("MWL-MATCH-PHYSICIAN-WILDCARD")
def test_scheduled_performing_physician_wild_card(seed_worklist, worklist_find, dataset_factory):
    """Seed two items at a station of their own, one with a run-unique Scheduled Performing Physician's Name; query
    the station and that name with a trailing '*', then with one '?': Table K.6-1 allows Wild Card Matching, so
    each returns that item only."""
    station = unique_tag(dataset_factory, "DW", 16)
    named, other = (unique_worklist_item(dataset_factory, station=station) for _ in range(2))
    physician = f"DH^PHYS{unique_tag(dataset_factory, '', 8)}"
    named.ScheduledProcedureStepSequence[0].ScheduledPerformingPhysicianName = physician
    seed_worklist([named, other])
    wrong = []
    for pattern in _wild(physician):
        query = worklist_query(ScheduledStationAETitle=station, ScheduledPerformingPhysicianName=pattern)
        found = ours(worklist_find(query).identifiers, [named, other])
        if patient_ids(found) != [named.PatientID]:
            wrong.append(f"ScheduledPerformingPhysicianName={pattern}: observed {patient_ids(found)}")
    assert not wrong, (f"expected only item {named.PatientID} (physician {physician}) for each pattern (Table K.6-1: "
                       "Scheduled Performing Physician's Name shall be retrieved with Single Value Matching or Wild "
                       "Card Matching): " + "; ".join(wrong))


def _optional_key_query(seed_worklist, worklist_find, dataset_factory):
    """Two items at a station of their own; query the station and the first item's Requested Procedure ID (an
    Optional Matching Key of Table K.6-1). Returns (wanted, other, responses for them)."""
    station = unique_tag(dataset_factory, "DO", 16)
    wanted, other = (unique_worklist_item(dataset_factory, station=station) for _ in range(2))
    seed_worklist([wanted, other])
    query = worklist_query(ScheduledStationAETitle=station, RequestedProcedureID=str(wanted.RequestedProcedureID))
    return wanted, other, ours(worklist_find(query).identifiers, [wanted, other])


@requirement("MWL-OPTIONAL-KEY-SUPPORTED")
def test_optional_key_filters_or_is_ignored(seed_worklist, worklist_find, dataset_factory, evidence):
    """Query a station and one item's Requested Procedure ID (Optional): K.2.2.1.1.2 lets the SCP match on it (only
    that item) or ignore it (both items); either way that item comes back, and no response is for another item."""
    wanted, other, found = _optional_key_query(seed_worklist, worklist_find, dataset_factory)
    ids = patient_ids(found)
    evidence.add("#", "Requested Procedure ID " + ("matched (supported)" if ids == [wanted.PatientID] else
                                                   "ignored for matching" if len(ids) == 2 else "neither"))
    assert ids in ([wanted.PatientID], sorted([wanted.PatientID, other.PatientID])), (
        f"query RequestedProcedureID={wanted.RequestedProcedureID}: expected item {wanted.PatientID} (key supported "
        f"and processed as a Required Key) or both {wanted.PatientID} and {other.PatientID} (key ignored), observed "
        f"{ids} (PS3.4 K.2.2.1.1.2)")


@requirement("MWL-OPTIONAL-KEY-UNSUPPORTED")
def test_ignored_optional_key_comes_back_as_return_key(seed_worklist, worklist_find, dataset_factory):
    """Query a station and one item's Requested Procedure ID: an SCP that ignores the Optional Matching Key still
    processes it as a Return Key (K.2.2.1.1.2), so every response holds its own item's Requested Procedure ID."""
    wanted, other, found = _optional_key_query(seed_worklist, worklist_find, dataset_factory)
    held = {str(i.PatientID): str(i.RequestedProcedureID) for i in (wanted, other)}
    wrong = [f"item {answer.PatientID}: Requested Procedure ID {str(answer.get('RequestedProcedureID', '(absent)'))!r},"
             f" the item holds {held[str(answer.PatientID)]!r}" for answer in found
             if str(answer.get("RequestedProcedureID", "(absent)")) != held[str(answer.PatientID)]]
    assert not wrong, ("an Optional Matching Key not used for matching shall be processed in the same manner as a "
                       "Return Key Attribute (PS3.4 K.2.2.1.1.2): " + "; ".join(wrong))


@requirement("MWL-MATCH-MULTIPLE-VALUES")
def test_multi_valued_attribute_matches_any_value(seed_worklist, worklist_find, dataset_factory):
    """Seed an item scheduled on two Scheduled Station AE Titles and query the second one: K.2.2.3 says the item
    matches if any value matches, and all values shall be returned."""
    first, second = unique_tag(dataset_factory, "DMA", 16), unique_tag(dataset_factory, "DMB", 16)
    item = unique_worklist_item(dataset_factory, station=first)
    item.ScheduledProcedureStepSequence[0].ScheduledStationAETitle = [first, second]
    seed_worklist([item])
    found = ours(worklist_find(worklist_query(ScheduledStationAETitle=second)).identifiers, [item])
    assert len(found) == 1, (f"query ScheduledStationAETitle={second}: expected item {item.PatientID} (its second "
                             f"value matches), observed {len(found)} response(s) for it (PS3.4 K.2.2.3)")
    steps = found[0].get("ScheduledProcedureStepSequence") or []
    observed = [] if not steps else steps[0].get("ScheduledStationAETitle")
    observed = [str(v) for v in observed] if isinstance(observed, list) or type(observed).__name__ == "MultiValue" \
        else [str(observed)]
    assert observed == [first, second], (
        f"Scheduled Station AE Title: expected both values {[first, second]}, observed {observed} (PS3.4 K.2.2.3: if "
        "any of the values match, then all values shall be returned)")
