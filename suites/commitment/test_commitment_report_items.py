"""PS3.4 J.3.3.1.1 (Table J.3-2) and J.3.3.1.2: the items of a Storage Commitment result, SCP side: every
instance of the request is in the report, each item naming its SOP Class and Instance."""

from dicom_harness.testing import NotVerified, Status, describe, requirement

from .conftest import references


def _reported(commit, refs, dataset_factory):
    result = commit(refs, str(dataset_factory.uid()))
    if result.action.status != Status.SUCCESS:
        raise NotVerified(f"the N-ACTION was answered {describe(result.action.status)} (COMMIT-ACTION-ACCEPTED's to "
                          "judge): no report to examine")
    assert result.information is not None, (
        "no N-EVENT-REPORT arrived for this request (same association or a new one to the harness peer)")
    return result.information


def _item_problems(information, keyword: str, sent: dict[str, str]) -> list[str]:
    problems = []
    for number, item in enumerate(information.get(keyword) or [], start=1):
        uid = str(item.get("ReferencedSOPInstanceUID", "") or "")
        sop_class = str(item.get("ReferencedSOPClassUID", "") or "")
        if uid not in sent:
            problems.append(f"{keyword} item {number}: Referenced SOP Instance UID {uid or '(none)'} was not requested")
        elif sop_class != sent[uid]:
            problems.append(f"{keyword} item {number}: Referenced SOP Class UID {sop_class or '(none)'}, the request "
                            f"named {sent[uid]}")
    return problems


@requirement("COMMIT-REPORT-COMPLETE-SET")
def test_every_requested_instance_is_in_the_report(commit, stored_instances, dataset_factory):
    """Commit two stored instances and one never sent: J.3.3.1.2, all three are in the report (Event Type 2), in the
    Referenced SOP Sequence or the Failed SOP Sequence."""
    held = stored_instances(2)
    unknown = str(dataset_factory.uid())
    refs = references(held) + [(str(held[0].SOPClassUID), unknown)]
    information = _reported(commit, refs, dataset_factory)
    named = {str(i.get("ReferencedSOPInstanceUID", "")) for k in ("ReferencedSOPSequence", "FailedSOPSequence")
             for i in (information.get(k) or [])}
    missing = sorted({uid for _, uid in refs} - named)
    assert not missing, (f"instances of the N-ACTION missing from the N-EVENT-REPORT: {missing} (PS3.4 J.3.3.1.2: "
                         "the complete set of SOP Instances ... shall be present in both Event Types either in the "
                         "Referenced SOP Sequence or in the Failed SOP Sequence)")


@requirement("COMMIT-REPORT-ITEM-UIDS")
def test_referenced_items_name_class_and_instance(commit, stored_instances, dataset_factory):
    """Commit two stored instances: each Referenced SOP Sequence item of the report names a requested instance and
    the SOP Class the request gave for it (Table J.3-2: both -/1)."""
    refs = references(stored_instances(2))
    information = _reported(commit, refs, dataset_factory)
    problems = _item_problems(information, "ReferencedSOPSequence", {uid: cls for cls, uid in refs})
    assert not problems, "Table J.3-2 (Referenced SOP Class and Instance UID, Type 1): " + "; ".join(problems)


@requirement("COMMIT-FAILED-ITEM-UIDS")
def test_failed_items_name_class_and_instance(commit, stored_instances, dataset_factory):
    """Commit one stored instance and one never sent: the Failed SOP Sequence item names the unknown instance and the
    SOP Class the request gave for it (Table J.3-2: both -/1)."""
    held = stored_instances(1)[0]
    unknown = str(dataset_factory.uid())
    refs = references([held]) + [(str(held.SOPClassUID), unknown)]
    information = _reported(commit, refs, dataset_factory)
    failed = information.get("FailedSOPSequence") or []
    if not failed:
        raise NotVerified("the report has no Failed SOP Sequence item to examine (COMMIT-REPORT-FAILED-ITEMS judges "
                          "that the never-stored instance belongs there)")
    problems = _item_problems(information, "FailedSOPSequence", {uid: cls for cls, uid in refs})
    assert not problems, "Table J.3-2 (Failed SOP Sequence items, Type 1): " + "; ".join(problems)
