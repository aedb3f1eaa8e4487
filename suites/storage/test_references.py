"""PS3.4 B.4.1.1 and B.5 (Table B.5-1): a Key Object Selection Document and a Grayscale Softcopy Presentation State
name images of their study by SOP Class and SOP Instance UID. Those references are Type 1 attributes of their IODs,
which a Level 1 or Level 2 SCP stores; read back, they name the same instances, and each is one the SCP holds."""

import pytest
from pydicom.uid import UID

from dicom_harness.testing import KINDS, NotClaimed, references_by_sequence, requirement

from .conftest import assert_kept

IMAGE_KINDS = ("CT", "CR", "SC")        # images the references point at, the first two the target claims


def referenced_study(dataset_factory, claims):
    """Three images of one new study: two in one series, one in another, of the first two claimed image kinds."""
    kinds = [k for k in IMAGE_KINDS if KINDS[k] in claims.storage_sop_classes][:2]
    if not kinds:
        raise NotClaimed(f"the target claims none of the image SOP classes {', '.join(IMAGE_KINDS)} to refer to")
    study = dataset_factory.study()
    first = dataset_factory.make(kinds[0], study=study)
    second = dataset_factory.make(kinds[0], study=study, series_uid=first.SeriesInstanceUID)
    second.InstanceNumber = 2
    return study, [first, second, dataset_factory.make(kinds[-1], study=study)]


@requirement("STORE-REFERENCES-KEPT")
@pytest.mark.parametrize("kind", ["KOS", "GSPS"])
def test_references_survive_storage(kind, dimse, claims, dataset_factory):
    """C-STORE three images of a study and a KOS (or GSPS) naming them; read everything back (C-GET or C-MOVE).
    Its references are Type 1 (kept at Level 1 and 2, B.4.1.1): the same UIDs, each an instance the SCP holds."""
    if KINDS[kind] not in claims.storage_sop_classes:
        raise NotClaimed(f"{UID(KINDS[kind]).name} is not among the claimed storage SOP classes")
    if claims.storage_level < 1:
        raise NotClaimed("the target claims storage level 0 (Local): a user-defined subset of the attributes")
    study, images = referenced_study(dataset_factory, claims)
    document = dataset_factory.make(kind, study=study, references=images)
    for ds in [*images, document]:
        assert_kept(dimse.store(ds).status, f"C-STORE of the {UID(ds.SOPClassUID).name}")
    sent = references_by_sequence(document)
    kept = references_by_sequence(dimse.read_back(document))
    assert kept == sent, (f"the {kind} read back makes {len(kept)} reference(s) where {len(sent)} were sent "
                          f"(PS3.4 B.4.1.1: Type 1 attributes are stored): sent {sent}, read back {kept}")
    by_uid = {str(ds.SOPInstanceUID): ds for ds in images}
    for sop_class, sop_instance in dict.fromkeys((c, i) for _, c, i in kept):
        image = by_uid.get(sop_instance)
        assert image is not None, f"the {kind} names SOP Instance {sop_instance}, which was never stored"
        held = dimse.read_back(image)
        assert (str(held.SOPClassUID), str(held.SOPInstanceUID)) == (sop_class, sop_instance), (
            f"reference ({sop_class}, {sop_instance}) resolves to ({held.SOPClassUID}, {held.SOPInstanceUID})")
    dimse.evidence.add("#", f"the {kind} read back makes {len(kept)} reference(s), each read back from the target")
