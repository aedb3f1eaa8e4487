"""PS3.18 F.2: the DICOM JSON model of search results (F.2.1 structure, F.2.2 attribute objects and group lengths,
F.2.3 VRs and JSON types, F.2.5 empty attributes), judged by the shared verifier assert_json_model."""

import json

from dicom_harness.testing import (
    DICOM_JSON,
    NotClaimed,
    assert_json_model,
    json_value,
    requirement,
    seed_instances,
)


def _results(dicomweb, web_study):
    """(path, results) of the study, its series and its instances (includefield=all, for the most VRs)."""
    searches = [("/studies", [("StudyInstanceUID", web_study.uid)]),
                (f"/studies/{web_study.uid}/series", None),
                (f"/studies/{web_study.uid}/instances", [("includefield", "all")])]
    found = []
    for path, query in searches:
        results = dicomweb.search_json(path, query)
        assert results, f"{path}: expected the study's results, observed none"
        found.append((path, results))
    return found


@requirement("QIDO-JSON-MODEL")
def test_search_results_follow_the_json_model(dicomweb, web_study):
    """Search /studies by Study Instance UID, then the study's series and instances; each answer must be
    application/dicom+json, one array of attribute objects (F.2.1, F.2.2)."""
    response = dicomweb.search("/studies", [("StudyInstanceUID", web_study.uid)])
    assert response.status_code == 200, f"expected 200, observed {response.status_code}"
    media = response.headers.get("content-type", "").split(";")[0].strip()
    assert media == DICOM_JSON, f"Content-Type: expected {DICOM_JSON}, observed {media!r}"
    results = response.json()
    assert isinstance(results, list) and len(results) == 1, f"expected an array of one result, observed {results!r:.200}"
    for path, found in _results(dicomweb, web_study):
        assert_json_model(found, "model", source=path)


@requirement("QIDO-JSON-VR")
def test_each_attribute_carries_its_vr(dicomweb, web_study):
    """Search the study, its series and its instances; PS3.18 F.2.2/F.2.3: each attribute's vr is its Value
    Representation (the data dictionary's; private tags excepted)."""
    for path, found in _results(dicomweb, web_study):
        assert_json_model(found, "vr", source=path)


@requirement("QIDO-JSON-VALUE-TYPES")
def test_values_have_the_json_type_of_their_vr(dicomweb, web_study):
    """Search the study, its series and its instances; PS3.18 F.2.3: values use the JSON type Table F.2.3-1 gives
    their VR (US a Number, IS/DS a Number or a valid string, CS a String per value)."""
    for path, found in _results(dicomweb, web_study):
        assert_json_model(found, "value-type", source=path)


@requirement("QIDO-JSON-PN")
def test_person_names_are_component_group_objects(dicomweb, web_study):
    """Search /studies by Study Instance UID; PS3.18 F.2.2 and Table F.2.3-1: a Person Name value is an object of
    component groups, so Patient's Name is {"Alphabetic": "<stored name>"}."""
    results = dicomweb.search_json("/studies", [("StudyInstanceUID", web_study.uid)])
    assert_json_model(results, "pn", source="/studies")
    name = results[0].get("00100010", {}).get("Value", [{}])[0]
    assert name == {"Alphabetic": str(web_study.context.PatientName)}, (
        f"Patient Name: expected {{'Alphabetic': {str(web_study.context.PatientName)!r}}}, observed {name!r}")


@requirement("QIDO-JSON-EMPTY-VALUE")
def test_empty_attributes_have_no_value(dicomweb, claims, target, make_instance):
    """Store an instance whose Referring Physician's Name and Accession Number are empty (Type 2), search its
    study: PS3.18 F.2.5, an empty attribute "shall be preserved ... containing no Value"."""
    ds = make_instance("CR")
    ds.ReferringPhysicianName = ""
    ds.AccessionNumber = ""
    if claims.offers("stow"):
        response = dicomweb.store([ds])
        assert response.status_code == 200, f"setup: STOW-RS answered {response.status_code} {response.text[:200]!r}"
    elif claims.offers("storage") and target.dimse is not None:
        seed_instances(target, [ds], "an instance with empty attributes")
    else:
        raise NotClaimed("the target claims neither STOW-RS nor DIMSE storage to put an instance with empty attributes")
    results = dicomweb.search_json("/studies", [("StudyInstanceUID", ds.StudyInstanceUID),
                                                ("includefield", ["ReferringPhysicianName", "AccessionNumber"])])
    assert [json_value(r, "StudyInstanceUID") for r in results] == [ds.StudyInstanceUID], (
        f"expected the stored study {ds.StudyInstanceUID}, observed {results!r:.200}")
    assert_json_model(results, "empty", source="/studies")
    for keyword, tag in (("ReferringPhysicianName", "00080090"), ("AccessionNumber", "00080050")):
        entry = results[0].get(tag)
        assert entry is not None, (f"{keyword} ({tag}), stored empty and a required key of the study search (Table "
                                   f"10.6.3-3), is missing: F.2.5 says an empty attribute is preserved")
        assert not {"Value", "BulkDataURI", "InlineBinary"} & set(entry), (
            f"{keyword} ({tag}) was stored empty: expected an object with no Value, observed {entry!r}")


@requirement("QIDO-JSON-NO-GROUP-LENGTH")
def test_no_group_length_attributes(dicomweb, web_study):
    """Search the study, its series and its instances; PS3.18 F.2.2: "Group Length (gggg,0000) attributes shall
    not be included in a DICOM JSON Model object"."""
    for path, found in _results(dicomweb, web_study):
        assert_json_model(found, "group-length", source=path)


def _unordered(item: dict, where: str) -> list[str]:
    """The places where an object's attribute keys do not ascend (sequence items included)."""
    keys = list(item)
    found = [f"{where}: {keys}"] if keys != sorted(keys) else []
    for key, entry in item.items():
        if isinstance(entry, dict) and entry.get("vr") == "SQ":
            for index, child in enumerate(entry.get("Value") or []):
                if isinstance(child, dict):
                    found += _unordered(child, f"{where} {key}[{index}]")
    return found


@requirement("QIDO-JSON-ORDERED")
def test_attributes_ascend_by_tag(dicomweb, web_study):
    """Search the study, its series and its instances (includefield=all); PS3.18 F.2.2: "Attribute objects within
    a DICOM JSON Model object must be ordered by their property name in ascending order"."""
    wrong = []
    for path, results in _results(dicomweb, web_study):
        for index, item in enumerate(results):
            wrong += _unordered(item, f"{path} result {index}")
    assert not wrong, f"attributes not in ascending tag order: {'; '.join(wrong)[:600]}"


@requirement("QIDO-JSON-UTF8")
def test_latin1_name_comes_back_in_utf8(dicomweb, claims, target, make_instance):
    """Store an instance in ISO_IR 100 (Latin-1) whose Patient's Name holds 'Ü' and 'é', search its study; PS3.18
    F.2: "The default character repertoire shall be UTF-8": the body decodes as UTF-8 to the same characters."""
    ds = make_instance("CR")
    ds.SpecificCharacterSet = "ISO_IR 100"
    family = str(ds.PatientName).split("^")[-1]
    ds.PatientName = f"DH^MÜLLER{family[-5:]}^Zoé"
    if claims.offers("stow"):
        response = dicomweb.store([ds])
        assert response.status_code == 200, f"setup: STOW-RS answered {response.status_code} {response.text[:200]!r}"
    elif claims.offers("storage") and target.dimse is not None:
        seed_instances(target, [ds], "an instance with a Latin-1 Patient's Name")
    else:
        raise NotClaimed("the target claims neither STOW-RS nor DIMSE storage to put a Latin-1 instance")
    response = dicomweb.search("/studies", [("StudyInstanceUID", ds.StudyInstanceUID)])
    assert response.status_code == 200, f"expected 200, observed {response.status_code}"
    charset = response.headers.get("content-type", "").lower().partition("charset=")[2].split(";")[0].strip(' "')
    assert charset in ("", "utf-8"), (
        f"Content-Type charset: expected utf-8 (or none, the default), observed {charset!r}")
    try:
        text = response.content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise AssertionError(f"the DICOM JSON body is not UTF-8: {exc}; bytes {response.content[:120]!r}") from None
    results = json.loads(text)
    observed = json_value(results[0], "PatientName") if results else None
    assert observed == str(ds.PatientName), (
        f"Patient's Name stored {str(ds.PatientName)!r} in ISO_IR 100: expected the same characters, observed "
        f"{observed!r}")
