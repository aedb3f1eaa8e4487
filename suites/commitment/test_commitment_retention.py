"""PS3.4 J.3.3.1.2 and J.3.3.1.1.1: what a Storage Commitment SCP keeps, SCP side: the committed instances at
Level 2 (Type 3 and private attributes), retrievable from the Retrieve AE Title the report names. Instances are
read back the way the profile claims (C-GET, or C-MOVE to the harness peer)."""

from dicom_harness.testing import (
    PRIVATE_CREATOR,
    NotVerified,
    Status,
    TargetFailure,
    describe,
    requirement,
)

from .conftest import references


def _committed(commit, instances, dataset_factory):
    """Commit the instances; the report's Event Information, or NotVerified when nothing was committed to."""
    result = commit(references(instances), str(dataset_factory.uid()))
    if result.action.status != Status.SUCCESS or result.information is None:
        raise NotVerified(f"no commitment to examine: N-ACTION {describe(result.action.status)}, "
                          f"{'no report' if result.information is None else 'a report'} (COMMIT-ACTION-ACCEPTED and "
                          "COMMIT-REPORT-SUCCESS judge these)")
    committed = result.referenced()
    return [i for i in instances if str(i.SOPInstanceUID) in committed], result.information


@requirement("COMMIT-LEVEL2-STORAGE")
def test_committed_instance_keeps_type3_and_private(dimse, commit, stored_instances, dataset_factory):
    """Commit a stored CT image that has Image Comments (Type 3) and a private block, then read it back: J.3.3.1.2
    says the SCP stores the referenced instances at Level 2, "all Attributes, including Private Attributes"."""
    instance = stored_instances(1)[0]
    committed, _ = _committed(commit, [instance], dataset_factory)
    if not committed:
        raise NotVerified("the SCP did not commit to the instance (COMMIT-REPORT-SUCCESS judges that)")
    try:
        received = dimse.read_back(instance)
    except TargetFailure as exc:
        raise NotVerified(f"the committed instance could not be read back ({exc}); COMMIT-RETRIEVE-AE-SERVES judges "
                          "that") from None
    wrong = []
    if received.get("ImageComments") != instance.ImageComments:
        wrong.append(f"Type 3 Image Comments: sent {instance.ImageComments!r}, read back "
                     f"{received.get('ImageComments')!r}")
    sent = instance.private_block(0x0009, PRIVATE_CREATOR)[0x01].value
    try:
        kept = received.private_block(0x0009, PRIVATE_CREATOR)[0x01].value
    except KeyError:
        kept = None
    if kept != sent:
        wrong.append(f"private (0009,xx01) of {PRIVATE_CREATOR}: sent {sent!r}, read back {kept!r}")
    assert not wrong, ("a committed instance lost attributes (PS3.4 J.3.3.1.2: the SCP shall store the referenced SOP "
                       "Instances in accordance with Level 2 ... i.e., all Attributes, including Private Attributes): "
                       + "; ".join(wrong))


@requirement("COMMIT-RETRIEVE-AE-SERVES")
def test_instances_retrievable_from_named_ae(dimse, target, commit, stored_instances, dataset_factory, evidence):
    """Commit two stored instances: where the report names a Retrieve AE Title (outside the Referenced SOP Sequence or
    in an item), the instances shall be retrievable from it (J.3.3.1.1.1); when it is the target's own AE title, each
    is read back from the target. No Retrieve AE Title: nothing to check."""
    instances = stored_instances(2)
    committed, information = _committed(commit, instances, dataset_factory)
    top = str(information.get("RetrieveAETitle", "") or "").strip()
    named = {str(i.get("ReferencedSOPInstanceUID", "")): str(i.get("RetrieveAETitle", "") or "").strip() or top
             for i in (information.get("ReferencedSOPSequence") or [])}
    if not any(named.values()):
        evidence.add("#", "the report names no Retrieve AE Title: nothing to retrieve from")
        return
    own = target.dimse.ae_title.strip()
    others = sorted({ae for ae in named.values() if ae and ae != own})
    if others:
        raise NotVerified(f"the report names Retrieve AE Title(s) {others}, not the target's {own!r}: the harness "
                          "knows no address for them")
    missing = []
    for instance in committed:
        try:
            dimse.read_back(instance)
        except TargetFailure as exc:
            missing.append(f"{instance.SOPInstanceUID}: {exc}")
    assert not missing, (f"the report names Retrieve AE Title {own!r}, but committed instances cannot be retrieved "
                         "from it (PS3.4 J.3.3.1.1.1: all of the SOP Instances within the sequence shall be retrievable "
                         "from the specified Retrieve AE Title): " + "; ".join(missing))
