"""PS3.18 10.5.2 and 10.4: a Key Object Selection Document and a Grayscale Softcopy Presentation State stored by
STOW-RS with the images they name; retrieved by WADO-RS, their references are those sent (the stored instance
conforms to its IOD, any correction recorded in Original Attributes), and each retrieves an instance of its class."""

import pytest
from pydicom.uid import UID

from dicom_harness.testing import KINDS, NotClaimed, references_by_sequence, requirement, study_paths

IMAGE_KINDS = ("CT", "CR", "SC")


@requirement("WADO-REFERENCES-KEPT")
@pytest.mark.parametrize("kind", ["KOS", "GSPS"])
def test_references_survive_stow_and_wado(kind, target, dicomweb, dataset_factory):
    """STOW-RS three images of a study and a KOS (or GSPS) naming them, one instance per request; WADO-RS
    retrieves it with the same references (PS3.18 10.5.2), and each reference retrieves an instance of its class."""
    if not target.claims.offers("stow"):
        raise NotClaimed("the target does not claim STOW-RS, so it cannot be given the instances to refer to")
    if target.claims.storage_sop_classes and KINDS[kind] not in target.claims.storage_sop_classes:
        raise NotClaimed(f"{UID(KINDS[kind]).name} is not among the claimed storage SOP classes")
    study = dataset_factory.study()
    first = dataset_factory.make(IMAGE_KINDS[0], study=study)
    second = dataset_factory.make(IMAGE_KINDS[0], study=study, series_uid=first.SeriesInstanceUID)
    second.InstanceNumber = 2
    images = [first, second, dataset_factory.make(IMAGE_KINDS[1], study=study)]
    document = dataset_factory.make(kind, study=study, references=images)
    for ds in [*images, document]:
        response = dicomweb.store([ds])
        assert response.status_code == 200, (
            f"STOW-RS of the {UID(ds.SOPClassUID).name}: expected 200, observed {response.status_code} "
            f"{response.text[:200]!r}")
    retrieved = dicomweb.retrieve_instances(study_paths(document)["instance"])
    assert len(retrieved) == 1, f"WADO-RS of the {kind}: expected one instance, observed {len(retrieved)}"
    sent, kept = references_by_sequence(document), references_by_sequence(retrieved[0])
    assert kept == sent, (f"the {kind} retrieved makes {len(kept)} reference(s) where {len(sent)} were stored "
                          f"(PS3.18 10.5.2: the stored instance conforms to its IOD): sent {sent}, retrieved {kept}")
    by_uid = {str(ds.SOPInstanceUID): ds for ds in images}
    for sop_class, sop_instance in dict.fromkeys((c, i) for _, c, i in kept):
        image = by_uid.get(sop_instance)
        assert image is not None, f"the {kind} names SOP Instance {sop_instance}, which was never stored"
        held = dicomweb.retrieve_instances(study_paths(image)["instance"])
        found = [(str(ds.SOPClassUID), str(ds.SOPInstanceUID)) for ds in held]
        assert found == [(sop_class, sop_instance)], (
            f"reference ({sop_class}, {sop_instance}): WADO-RS of {study_paths(image)['instance']} returned {found}")
    dicomweb.evidence.add("#", f"the {kind} retrieved makes {len(kept)} reference(s), each retrieved by WADO-RS")
