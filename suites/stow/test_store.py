"""PS3.18 10.5: the Store Transaction (STOW-RS) and Annex I, the Store Instances Response Module."""

import json

from dicom_harness.testing import DICOM_JSON, NotClaimed, json_value, pixel_digest, requirement, study_paths

# PS3.18 Table I.2-2: Failure Reason values are in these ranges, or 0110, 0122, 0124 (PS3.4 status codes)
FAILURE_REASON_RANGES = [(0xA700, 0xA7FF), (0xA900, 0xA9FF), (0xC000, 0xCFFF), (0x0110, 0x0110), (0x0122, 0x0122),
                         (0x0124, 0x0124)]


def _response_json(response, check_media_type: bool = True) -> dict:
    media = response.headers.get("content-type", "").split(";")[0].strip()
    if check_media_type:
        assert media in (DICOM_JSON, "application/json"), (
            f"store response Content-Type: expected {DICOM_JSON}, observed {media!r}")
    try:
        data = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"store response is not JSON: {response.content[:120]!r}") from None
    assert isinstance(data, dict), f"store response: expected one JSON data set, observed {type(data).__name__}"
    return data


def _items(data: dict, keyword_tag: str) -> list[dict]:
    return data.get(keyword_tag, {}).get("Value", []) or []


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
    """POST two instances; the response data set must hold Retrieve URL and one Referenced SOP Sequence
    item per instance with its SOP Class UID, SOP Instance UID and Retrieve URL (PS3.18 I.1)."""
    study = dataset_factory.study()
    sent = [dataset_factory.make("CT", study=study), dataset_factory.make("SC", study=study)]
    response = dicomweb.store(sent)
    assert response.status_code == 200, f"expected 200, observed {response.status_code}"
    data = _response_json(response)
    assert json_value(data, "RetrieveURL"), "the response lacks Retrieve URL (0008,1190)"
    items = _items(data, "00081199")
    observed = {str(json_value(i, "ReferencedSOPInstanceUID", "")): i for i in items}
    wanted = {str(d.SOPInstanceUID): d for d in sent}
    assert sorted(observed) == sorted(wanted), (
        f"Referenced SOP Sequence: expected instances {sorted(wanted)}, observed {sorted(observed)}")
    for uid, ds in wanted.items():
        item = observed[uid]
        assert json_value(item, "ReferencedSOPClassUID") == str(ds.SOPClassUID), (
            f"{uid}: Referenced SOP Class UID expected {ds.SOPClassUID}, observed {json_value(item, 'ReferencedSOPClassUID')}")
        url = json_value(item, "RetrieveURL")
        assert url and uid in url, f"{uid}: expected a Retrieve URL naming the instance, observed {url!r}"


@requirement("STOW-STUDY-MISMATCH")
def test_store_to_another_study_is_409(dicomweb, dataset_factory):
    """POST /studies/{A} with an instance of study B; PS3.18 10.5.3.1: 409 with a Failed SOP Sequence item
    naming it and a Failure Reason; the instance must not be kept."""
    target_study = dataset_factory.study()
    stray = dataset_factory.make("CT")
    response = dicomweb.store([stray], study=str(target_study.StudyInstanceUID))
    assert response.status_code == 409, f"expected 409 (Conflict), observed {response.status_code}"
    data = _response_json(response, check_media_type=False)     # the media type is STOW-RESPONSE-MODULE's concern
    failed = _items(data, "00081198")
    named = [i for i in failed if json_value(i, "ReferencedSOPInstanceUID") == str(stray.SOPInstanceUID)]
    assert named, f"expected a Failed SOP Sequence item for {stray.SOPInstanceUID}, observed {failed!r:.200}"
    reason = json_value(named[0], "FailureReason")
    assert str(reason).isdigit() and any(low <= int(reason) <= high for low, high in FAILURE_REASON_RANGES), (
        f"Failure Reason: expected a value of PS3.18 Table I.2-2, observed {reason!r}")
    found = dicomweb.search_json("/instances", [("SOPInstanceUID", str(stray.SOPInstanceUID))])
    assert found == [], f"the refused instance was kept: a search finds {len(found)} result(s)"


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
