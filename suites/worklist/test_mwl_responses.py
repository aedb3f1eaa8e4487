"""PS3.4 K.2.2.1.2 and K.4.1: the shape of Modality Worklist C-FIND responses, SCP side. The harness seeds
worklist items on the target, queries them, and reads each Pending response's identifier."""

from collections import Counter

from dicom_harness.testing import (
    RETURN_KEYS,
    SPS_RETURN_KEYS,
    Status,
    describe,
    requirement,
    unique_tag,
    unique_worklist_item,
    worklist_query,
)

from .conftest import ours

# PS3.4 K.4.1.1.3.2: what a response may hold besides the request's keys
SPECIFIED = {"SpecificCharacterSet", "TimezoneOffsetFromUTC", "HL7StructuredDocumentReferenceSequence"}
PENDING = (Status.PENDING, Status.PENDING_WARNING)


@requirement("MWL-MATCHING-KEYS-RETURNED")
def test_matching_key_values_come_back(seed_worklist, worklist_find, dataset_factory):
    """Seed an item at a station of its own; query its Patient ID, the station, Modality CT and its start date:
    K.2.2.1.2 makes every Matching Key a Return Key, so the response holds the item's values of all four."""
    station = unique_tag(dataset_factory, "DK", 16)
    item = unique_worklist_item(dataset_factory, modality="CT", station=station)
    seed_worklist([item])
    date = str(item.ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate)
    query = worklist_query(PatientID=item.PatientID, ScheduledStationAETitle=station, Modality="CT",
                           ScheduledProcedureStepStartDate=date)
    found = ours(worklist_find(query).identifiers, [item])
    assert len(found) == 1, f"expected one response for Patient ID {item.PatientID}, observed {len(found)}"
    step = item.ScheduledProcedureStepSequence[0]
    steps = found[0].get("ScheduledProcedureStepSequence") or []
    answer = steps[0] if len(steps) == 1 else {}
    wrong = [f"{k}: expected {str(step.get(k))!r}, observed {str(answer.get(k, '(absent)'))!r}"
             for k in ("ScheduledStationAETitle", "Modality", "ScheduledProcedureStepStartDate")
             if str(answer.get(k, "")) != str(step.get(k))]
    if len(steps) != 1:
        wrong.append(f"ScheduledProcedureStepSequence: expected 1 item, observed {len(steps)}")
    assert not wrong, ("matching keys without the item's values in the response (PS3.4 K.2.2.1.2: the C-FIND "
                       "response shall contain ... the values of the requested Matching Key Attributes): "
                       + "; ".join(wrong))


@requirement("MWL-PENDING-PER-MATCH")
def test_one_pending_response_per_match(seed_worklist, worklist_find, dataset_factory):
    """Seed three items at a station of their own and query the station: K.4.1.3 wants one Pending response per
    match, each holding a single item's values, and the final Success after them."""
    station = unique_tag(dataset_factory, "DP", 16)
    items = [unique_worklist_item(dataset_factory, station=station) for _ in range(3)]
    seed_worklist(items)
    result = worklist_find(worklist_query(ScheduledStationAETitle=station), expect_success=False)
    statuses = ", ".join(describe(s) for s in result.statuses)
    assert result.statuses and result.statuses[-1] == Status.SUCCESS and all(
        s in PENDING for s in result.statuses[:-1]), (
        f"expected Pending responses then one final Success, observed {statuses} (PS3.4 K.4.1.3)")
    pairs = {(str(i.PatientID), str(i.StudyInstanceUID)) for i in items}
    answers = [(str(i.get("PatientID", "")), str(i.get("StudyInstanceUID", ""))) for i in ours(result.identifiers, items)]
    mixed = [a for a in answers if a not in pairs]
    counts = Counter(answers)
    wrong = [f"item {pid} came {counts[(pid, uid)]} times" for pid, uid in sorted(pairs) if counts[(pid, uid)] != 1]
    wrong += [f"a response mixes Patient ID {pid} with Study Instance UID {uid}" for pid, uid in mixed]
    assert not wrong, ("expected each of the 3 matches once, in its own Pending response with its own values "
                       "(PS3.4 K.4.1.3: responses ... shall contain an Identifier whose Attributes contain values "
                       "from a single match): " + "; ".join(wrong))


@requirement("MWL-TIMEZONE-NOT-EMPTY")
def test_no_zero_length_timezone_offset(seed_worklist, worklist_find, dataset_factory):
    """Seed an item and query its Patient ID (no Timezone Offset From UTC in the request): K.4.1.1.3.2 allows the
    attribute in a response only with a value ("it shall not be sent with a zero-length value")."""
    item = unique_worklist_item(dataset_factory)
    seed_worklist([item])
    found = ours(worklist_find(worklist_query(PatientID=item.PatientID)).identifiers, [item])
    assert found, f"expected a response for Patient ID {item.PatientID}, observed none"
    empty = [str(i.get("PatientID", "")) for i in found
             if "TimezoneOffsetFromUTC" in i and str(i["TimezoneOffsetFromUTC"].value or "") == ""]
    assert not empty, (f"responses with a zero-length Timezone Offset From UTC (0008,0201) for {empty} (PS3.4 "
                       "K.4.1.1.3.2: it shall not be sent with a zero-length value)")


def _unrequested(query, answer, where: str) -> list[str]:
    asked = {e.tag for e in query}
    extra = []
    for element in answer:
        if element.tag.group == 0x0002 or element.tag.element == 0 or element.keyword in SPECIFIED:
            continue
        if element.tag not in asked:
            extra.append(f"{where}{element.keyword or element.tag}")
        elif element.VR == "SQ" and query[element.tag].value and len(query[element.tag].value[0]):
            for item in element.value:
                extra += _unrequested(query[element.tag].value[0], item, f"{where}{element.keyword} > ")
    return extra


@requirement("MWL-NO-UNREQUESTED")
def test_no_unrequested_attributes(seed_worklist, worklist_find, dataset_factory):
    """Seed an item and query its Patient ID asking the return keys we use (the Scheduled Procedure Step item with
    its keys): K.4.1.1.3.2 allows nothing else but Specific Character Set, Timezone and HL7 document references."""
    item = unique_worklist_item(dataset_factory)
    seed_worklist([item])
    query = worklist_query(PatientID=item.PatientID)
    found = ours(worklist_find(query).identifiers, [item])
    assert found, f"expected a response for Patient ID {item.PatientID}, observed none"
    extra = sorted({e for answer in found for e in _unrequested(query, answer, "")})
    assert not extra, (f"attributes not in the request ({len(RETURN_KEYS)} keys and {len(SPS_RETURN_KEYS)} "
                       f"Scheduled Procedure Step keys) came back: {extra} (PS3.4 K.4.1.1.3.2: the C-FIND response "
                       "shall not contain Attributes that were not in the request or specified in this section)")
