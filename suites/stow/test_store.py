"""PS3.18 10.5: the Store Transaction (STOW-RS) and Annex I, the Store Instances Response Module."""

from dicom_harness.testing import NotClaimed, json_value, pixel_digest, requirement, study_paths

from .checks import (
    judge_mixed,
    judge_refused,
    judge_response_module,
    judge_success_headers,
    optional_module,
    response_module,
    xml_response_module,
)


@requirement("STOW-STORE-READ-BACK")
def test_stored_instances_are_found_and_retrieved_identical(dicomweb, dataset_factory):
    """POST two instances of a new study in one request; after 200, a search finds both and a retrieve
    returns both with identical pixel data (PS3.18 10.5.2)."""
    study = dataset_factory.study()
    sent = [dataset_factory.make("CT", study=study), dataset_factory.make("MR", study=study)]
    response = dicomweb.store(sent)
    assert response.status_code == 200, f"expected 200, observed {response.status_code} {response.text[:200]!r}"
    found = dicomweb.search_json(f"/studies/{study.StudyInstanceUID}/instances")
    wanted = sorted(str(d.SOPInstanceUID) for d in sent)
    observed = sorted(str(json_value(r, "SOPInstanceUID", "")) for r in found)     # "" where a result has none
    assert observed == wanted, f"search after store: expected {wanted}, observed {observed}"
    for ds in sent:
        received = dicomweb.retrieve_instances(study_paths(ds)["instance"])
        assert len(received) == 1, f"retrieve {ds.SOPInstanceUID}: expected one instance, observed {len(received)}"
        assert pixel_digest(received[0]) == pixel_digest(ds), f"retrieve {ds.SOPInstanceUID}: pixel data differs"


@requirement("STOW-RESPONSE-MODULE")
def test_store_response_references_each_instance(dicomweb, dataset_factory):
    """POST two instances; the 200 response carries a Store Instances Response Module: Retrieve URL (Type 2) and
    one Referenced SOP Sequence item per instance with its UIDs and Retrieve URL (PS3.18 10.5.3.3, Table I.1-1)."""
    study = dataset_factory.study()
    sent = [dataset_factory.make("CT", study=study), dataset_factory.make("SC", study=study)]
    response = dicomweb.store(sent)
    assert response.status_code == 200, f"expected 200, observed {response.status_code}"
    judge_response_module(response_module(response), {str(d.SOPInstanceUID): str(d.SOPClassUID) for d in sent})


@requirement("STOW-SUCCESS-HEADERS")
def test_store_response_has_content_type_and_length(dicomweb, dataset_factory):
    """POST one instance; PS3.18 10.5.3.2: the 200 response has Content-Type and, with no Content-Encoding, a
    Content-Length equal to its payload (Table 10.5.3-2)."""
    response = dicomweb.store([dataset_factory.make("CT")])
    assert response.status_code == 200, f"expected 200, observed {response.status_code} {response.text[:200]!r}"
    judge_success_headers(dict(response.headers), len(response.content))


@requirement("STOW-XML-RESPONSE")
def test_store_response_in_xml(dicomweb, dataset_factory):
    """POST two instances with Accept: application/dicom+xml; PS3.18 10.5.3.3 and Table 8.7.3-3 (dicom+xml required
    for RESTful services): the 200 response is the Store Instances Response Module as a Native DICOM Model document,
    Retrieve URL present and one Referenced SOP Sequence item per instance."""
    study = dataset_factory.study()
    sent = [dataset_factory.make("CT", study=study), dataset_factory.make("SC", study=study)]
    response = dicomweb.store(sent, accept="application/dicom+xml")
    assert response.status_code == 200, f"expected 200, observed {response.status_code} {response.text[:200]!r}"
    module = xml_response_module(response)
    assert module["RetrieveURL"] is not None, (
        "the XML response lacks Retrieve URL (0008,1190), Type 2 in PS3.18 Table I.1-1")
    observed = {tuple(item.get("00081155", [])): item for item in module["ReferencedSOPSequence"]}
    wanted = {(str(d.SOPInstanceUID),): str(d.SOPClassUID) for d in sent}
    assert sorted(observed) == sorted(wanted), (
        f"Referenced SOP Sequence: expected instances {sorted(wanted)}, observed {sorted(observed)}")
    for uid, sop_class in wanted.items():
        assert observed[uid].get("00081150") == [sop_class], (
            f"{uid[0]}: Referenced SOP Class UID expected {sop_class}, observed {observed[uid].get('00081150')}")


def _kept(dicomweb, ds) -> bool:
    return bool(dicomweb.search_json("/instances", [("SOPInstanceUID", str(ds.SOPInstanceUID))]))


@requirement("STOW-STUDY-MISMATCH")
def test_store_to_another_study_is_409(dicomweb, dataset_factory, evidence):
    """POST /studies/{A} with an instance of study B only; PS3.18 Table 10.5.1-1 and 10.5.3.1: 409, the instance
    not kept; a Store Instances Response Module in the (optional) payload names it in Failed SOP Sequence."""
    target_study = dataset_factory.study()
    stray = dataset_factory.make("CT")
    response = dicomweb.store([stray], study=str(target_study.StudyInstanceUID))
    assert response.status_code == 409, f"expected 409 (Conflict), observed {response.status_code}"
    evidence.add("#", judge_refused(optional_module(response), str(stray.SOPInstanceUID)))
    assert not _kept(dicomweb, stray), "the refused instance of another study was kept: a search finds it"


@requirement("STOW-MIXED-STUDY")
def test_mixed_store_keeps_only_the_matching_instance(dicomweb, dataset_factory, evidence):
    """POST /studies/{A} with one instance of A and one of study B; PS3.18 Table 10.5.3-1: 202 with the first
    stored, or 409 with neither; the instance of B is never kept."""
    study = dataset_factory.study()
    good, stray = dataset_factory.make("CT", study=study), dataset_factory.make("CT")
    response = dicomweb.store([good, stray], study=str(study.StudyInstanceUID))
    evidence.add("#", judge_mixed(response.status_code, optional_module(response), str(good.SOPInstanceUID),
                                  str(stray.SOPInstanceUID)))
    assert not _kept(dicomweb, stray), "the instance of another study was kept: a search finds it"
    kept = _kept(dicomweb, good)
    assert kept == (response.status_code == 202), (
        f"answered {response.status_code} but the matching instance was {'kept' if kept else 'not kept'}")


@requirement("STOW-UNSUPPORTED-MEDIA-TYPE")
def test_store_with_unsupported_content_type_is_415(dicomweb, make_instance):
    """POST /studies with Content-Type text/plain (not multipart/related); PS3.18 10.5.3.1: 415."""
    response = dicomweb.store(body=b"not a DICOM multipart body", content_type="text/plain")
    assert response.status_code == 415, f"expected 415 (Unsupported Media Type), observed {response.status_code}"


@requirement("WEB-DIMSE-SAME-INSTANCES")
def test_stored_one_way_found_and_retrieved_the_other(dicomweb, dimse, claims, dataset_factory):
    """STOW-RS one instance and C-GET it; C-STORE another and find it by QIDO-RS and retrieve it by WADO-RS;
    both must be identical to what was sent."""
    if not claims.offers("storage") or not claims.offers("qido") or not claims.offers("wado"):
        raise NotClaimed("the target does not claim DIMSE storage together with QIDO-RS and WADO-RS")
    over_web = dataset_factory.make("CT")
    response = dicomweb.store([over_web])
    assert response.status_code == 200, f"STOW-RS: expected 200, observed {response.status_code}"
    received = dimse.read_back(over_web)
    assert pixel_digest(received) == pixel_digest(over_web), "stored by STOW-RS, read by C-GET: pixel data differs"
    over_dimse = dataset_factory.make("CT")
    assert dimse.store(over_dimse).ok, "C-STORE failed"
    found = dicomweb.search_json("/instances", [("SOPInstanceUID", str(over_dimse.SOPInstanceUID))])
    assert [json_value(r, "SOPInstanceUID") for r in found] == [str(over_dimse.SOPInstanceUID)], (
        f"stored by C-STORE, QIDO-RS finds {len(found)} result(s) instead of 1")
    retrieved = dicomweb.retrieve_instances(study_paths(over_dimse)["instance"])
    assert len(retrieved) == 1 and pixel_digest(retrieved[0]) == pixel_digest(over_dimse), (
        "stored by C-STORE, retrieved by WADO-RS: not the same instance")


@requirement("STOW-SEVERAL-STUDIES")
def test_store_of_two_studies_to_all_studies(dicomweb, dataset_factory):
    """POST to /studies (no Study Instance UID in the URI) one instance each of two new studies; PS3.18 10.5.1.4:
    "The payload may contain Instances from more than one Study": both are stored, 200 with both referenced."""
    sent = [dataset_factory.make("CT"), dataset_factory.make("SC")]
    assert sent[0].StudyInstanceUID != sent[1].StudyInstanceUID
    response = dicomweb.store(sent)
    assert response.status_code == 200, (
        f"two studies' instances to /studies: expected 200 (all stored), observed {response.status_code} "
        f"{response.text[:200]!r}")
    # both referenced (the rest of the module is STOW-RESPONSE-MODULE's)
    listed = {str(json_value(item, "ReferencedSOPInstanceUID"))
              for item in response_module(response).get("00081199", {}).get("Value", [])}
    wanted = {str(d.SOPInstanceUID) for d in sent}
    assert wanted <= listed, f"Referenced SOP Sequence: expected {sorted(wanted)}, observed {sorted(listed)}"
