"""PS3.18 11.9: search the worklist."""

from dicom_harness.testing import IN_PROGRESS, SCHEDULED, json_value, requirement

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
