"""PS3.4 J.3.3.1.1: where the N-EVENT-REPORT of a Storage Commitment result may name the Retrieve AE Title and the
Storage Media File-Set: at the top level or in the Referenced SOP Sequence items, not both."""

from dicom_harness.testing import Status, describe, requirement

from .conftest import references


def _report(commit, stored_instances, dataset_factory):
    result = commit(references(stored_instances(2)), str(dataset_factory.uid()))
    assert result.action.status == Status.SUCCESS, f"N-ACTION: expected Success, observed {describe(result.action.status)}"
    assert result.information is not None, (
        "no N-EVENT-REPORT arrived for this request (same association or a new one to the harness peer)")
    return result.information


def _placed(information, *keywords: str) -> tuple[bool, list[int]]:
    """Whether any of the keywords is at the top level, and the Referenced SOP Sequence items holding one."""
    items = information.get("ReferencedSOPSequence") or []
    return (any(k in information for k in keywords),
            [n + 1 for n, item in enumerate(items) if any(k in item for k in keywords)])


@requirement("COMMIT-RETRIEVE-AE-PLACEMENT")
def test_retrieve_ae_title_in_one_place(commit, stored_instances, dataset_factory, evidence):
    """Commit two stored instances: a Retrieve AE Title in the N-EVENT-REPORT is outside the Referenced SOP Sequence
    or inside its items, not both (PS3.4 J.3.3.1.1.1)."""
    top, items = _placed(_report(commit, stored_instances, dataset_factory), "RetrieveAETitle")
    evidence.add("#", f"Retrieve AE Title: {'at the top level' if top else 'not at the top level'}, in "
                      f"{len(items)} Referenced SOP Sequence item(s)")
    assert not (top and items), (
        f"Retrieve AE Title (0008,0054) both at the top level and in Referenced SOP Sequence item(s) {items}; "
        f"J.3.3.1.1.1: it \"shall appear either outside the Referenced SOP Sequence (0008,1199), or within one or "
        f"more Items within that sequence, but not both\"")


@requirement("COMMIT-FILESET-PLACEMENT")
def test_file_set_in_one_place(commit, stored_instances, dataset_factory, evidence):
    """Commit two stored instances: Storage Media File-Set ID and UID in the N-EVENT-REPORT are outside the
    Referenced SOP Sequence or inside its items, not both (PS3.4 J.3.3.1.1.2)."""
    top, items = _placed(_report(commit, stored_instances, dataset_factory), "StorageMediaFileSetID",
                         "StorageMediaFileSetUID")
    evidence.add("#", f"Storage Media File-Set ID/UID: {'at the top level' if top else 'not at the top level'}, "
                      f"in {len(items)} Referenced SOP Sequence item(s)")
    assert not (top and items), (
        f"Storage Media File-Set ID/UID (0088,0130/0140) both at the top level and in Referenced SOP Sequence "
        f"item(s) {items}; J.3.3.1.1.2: they \"shall appear either outside the Referenced SOP Sequence (0008,1199), "
        f"or within one or more Items within that sequence, but not both\"")


@requirement("COMMIT-CONSISTENT-AE")
def test_report_comes_from_the_same_ae_title(commit, stored_instances, dataset_factory, target, evidence):
    """Commit two stored instances: an N-EVENT-REPORT on a new association should come from the AE title the
    N-ACTION was sent to (PS3.4 J.3.3.1.2 note: "the SCP should be consistently identified for all
    Associations"); one on the N-ACTION's own association is that AE by construction."""
    result = commit(references(stored_instances(2)), str(dataset_factory.uid()))
    assert result.action.status == Status.SUCCESS, f"N-ACTION: expected Success, observed {describe(result.action.status)}"
    assert result.information is not None, (
        "no N-EVENT-REPORT arrived for this request (same association or a new one to the harness peer)")
    if not result.calling_ae:
        evidence.add("#", "the N-EVENT-REPORT came on the N-ACTION's association")
        return
    called = target.dimse.ae_title.strip()
    assert result.calling_ae == called, (
        f"the N-ACTION went to {called!r}; the N-EVENT-REPORT came on a new association from {result.calling_ae!r}")
