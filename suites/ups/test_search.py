"""PS3.18 11.9: search the worklist."""

import re

from dicom_harness.testing import IN_PROGRESS, SCHEDULED, NotClaimed, json_value, requirement

RETURN_KEY_TYPE_1 = ("SOPClassUID", "SOPInstanceUID", "ScheduledProcedureStepPriority", "ProcedureStepLabel",
                     "ScheduledProcedureStepStartDateTime", "InputReadinessState", "ProcedureStepState")


@requirement("UPS-SEARCH")
def test_search_by_patient_and_state(ups):
    """Create two workitems for one patient and claim one; search by Patient ID, then by Patient ID and
    Procedure Step State SCHEDULED. PS3.18 11.9.2: exactly the matching workitems, each with the Return Key
    Type 1 attributes (PS3.4 Table CC.2.5-3)."""
    first = ups.created()
    second = ups.new_workitem()
    second.PatientName, second.PatientID = first.PatientName, first.PatientID
    ups.created(second)
    claimed = str(second.SOPInstanceUID)
    ups.claim(claimed)
    both = ups.search_json([("PatientID", str(first.PatientID))])
    observed = sorted(json_value(r, "SOPInstanceUID") or "" for r in both)
    wanted = sorted([str(first.SOPInstanceUID), claimed])
    assert observed == wanted, f"search by Patient ID: expected {wanted}, observed {observed}"
    for result in both:
        missing = [k for k in RETURN_KEY_TYPE_1 if json_value(result, k) is None]
        assert not missing, f"result {json_value(result, 'SOPInstanceUID')} lacks Return Key Type 1 attributes {missing}"
    states = {json_value(r, "SOPInstanceUID"): json_value(r, "ProcedureStepState") for r in both}
    assert states.get(claimed) == IN_PROGRESS, f"the claimed workitem is listed as {states.get(claimed)!r}"
    scheduled = ups.search_json([("PatientID", str(first.PatientID)), ("ProcedureStepState", SCHEDULED)])
    observed = [json_value(r, "SOPInstanceUID") for r in scheduled]
    assert observed == [str(first.SOPInstanceUID)], (
        f"search by Patient ID and Procedure Step State SCHEDULED: expected [{first.SOPInstanceUID}], observed {observed}")


ADDITIONAL = re.compile(r"There are (\d+) additional results")


@requirement("UPS-SEARCH-PAGING")
def test_search_pages_with_limit_offset_and_warning(ups, dataset_factory):
    """Create three workitems of one patient; search by Patient ID with limit=2, then offset=2, then a Patient ID
    nobody has. PS3.18 11.9.2 follows 8.3.4.4: two results and "Warning: 299 <service>: There are 1 additional
    results that can be requested", then the third alone, then 204 (No Content) with an empty payload."""
    first = ups.created()
    for _ in range(2):
        more = ups.new_workitem()
        more.PatientName, more.PatientID = first.PatientName, first.PatientID
        ups.created(more)
    pid = str(first.PatientID)
    everything = {json_value(r, "SOPInstanceUID") for r in ups.search_json([("PatientID", pid)])}
    assert len(everything) == 3, f"search by Patient ID: expected the 3 workitems, observed {len(everything)}"
    paged = ups.search([("PatientID", pid), ("limit", 2)])
    assert paged.status_code == 200, f"limit=2: expected 200, observed {paged.status_code}"
    page = {json_value(r, "SOPInstanceUID") for r in paged.json()}
    assert len(page) == 2, f"limit=2 of 3 matches: expected 2 results, observed {len(page)} (PS3.18 8.3.4.4)"
    counts = ADDITIONAL.findall(paged.headers.get("warning", ""))
    assert counts == ["1"], (f"limit=2 of 3 matches: expected 'Warning: 299 <service>: There are 1 additional results "
                             f"that can be requested' (PS3.18 8.3.4.4.1), observed {paged.headers.get('warning')!r}")
    rest = {json_value(r, "SOPInstanceUID") for r in ups.search_json([("PatientID", pid), ("offset", 2), ("limit", 2)])}
    assert len(rest) == 1 and rest | page == everything, (
        f"offset=2: expected the one workitem the first page left out, observed {sorted(rest)} (PS3.18 8.3.4.4)")
    nothing = ups.search([("PatientID", f"DH-NOBODY-{dataset_factory.uid()[-8:]}")])
    assert nothing.status_code == 204 and not nothing.content, (
        f"a search without matches: expected 204 (No Content) with an empty payload (PS3.18 8.3.4.4.1), observed "
        f"{nothing.status_code} {nothing.content[:80]!r}")


@requirement("UPS-SEARCH-MATCH-AND-INCLUDE-KEYS")
def test_search_returns_matching_and_includefield_attributes(ups):
    """Create a workitem with Comments on the Scheduled Procedure Step (no Return Key of Type 1 or 2) and read it
    back; search by Patient ID and those comments, then by Patient ID with includefield naming them. PS3.18 11.9.2:
    the attributes passed as match parameters, and as includefield values, that the origin server supports come back."""
    sent = ups.created()
    uid, pid, comments = str(sent.SOPInstanceUID), str(sent.PatientID), str(sent.CommentsOnTheScheduledProcedureStep)
    if "CommentsOnTheScheduledProcedureStep" not in ups.retrieved(uid):
        raise NotClaimed("the target does not keep Comments on the Scheduled Procedure Step (the retrieved workitem "
                         "lacks it): it does not support it as a return attribute")
    for pairs, what in (([("PatientID", pid), ("CommentsOnTheScheduledProcedureStep", comments)],
                         "matching on Patient ID and Comments on the Scheduled Procedure Step"),
                        ([("PatientID", pid), ("includefield", "CommentsOnTheScheduledProcedureStep")],
                         "Patient ID with includefield=CommentsOnTheScheduledProcedureStep")):
        found = [r for r in ups.search_json(pairs) if json_value(r, "SOPInstanceUID") == uid]
        assert len(found) == 1, f"search {what}: expected workitem {uid} once, observed {len(found)} times"
        assert json_value(found[0], "PatientID") == pid, (
            f"search {what}: the matching key Patient ID expected {pid!r}, observed {json_value(found[0], 'PatientID')!r}")
        observed = json_value(found[0], "CommentsOnTheScheduledProcedureStep")
        assert observed == comments, (
            f"search {what}: Comments on the Scheduled Procedure Step expected {comments!r} (the workitem has it), "
            f"observed {observed!r}")
