"""PS3.18 F.2: the DICOM JSON model of search results."""

import re

from dicom_harness.testing import requirement

TAG = re.compile(r"^[0-9A-F]{8}$")


@requirement("QIDO-JSON-MODEL")
def test_search_results_follow_the_json_model(dicomweb, web_study):
    """Search /studies by Study Instance UID; the answer must be application/dicom+json, an array of
    objects keyed by 8 upper-case hex digits, each with vr and a Value array, PN as {"Alphabetic": ...}."""
    response = dicomweb.search("/studies", [("StudyInstanceUID", web_study.uid)])
    assert response.status_code == 200, f"expected 200, observed {response.status_code}"
    media = response.headers.get("content-type", "").split(";")[0].strip()
    assert media == "application/dicom+json", f"Content-Type: expected application/dicom+json, observed {media!r}"
    try:
        results = response.json()
    except ValueError:
        raise AssertionError(f"the body is not JSON: {response.text[:200]!r}") from None
    assert isinstance(results, list) and len(results) == 1 and isinstance(results[0], dict), (
        f"expected an array of one result object, observed {results!r:.200}")
    for key, entry in results[0].items():
        assert TAG.match(key), f"attribute key {key!r} is not 8 upper-case hex digits"
        assert isinstance(entry, dict) and "vr" in entry, f"{key}: expected an object with 'vr', observed {entry!r:.120}"
        if "Value" in entry:
            assert isinstance(entry["Value"], list), f"{key}: Value must be an array, observed {entry['Value']!r:.80}"
            if entry["vr"] == "PN":
                assert all(isinstance(v, dict) for v in entry["Value"]), (
                    f"{key}: PN values must be objects with Alphabetic/Ideographic/Phonetic, observed {entry['Value']!r}")
    name = (results[0].get("00100010", {}).get("Value") or [{}])[0]
    assert name == {"Alphabetic": str(web_study.context.PatientName)}, (
        f"Patient Name: expected {{'Alphabetic': {str(web_study.context.PatientName)!r}}}, observed {name!r}")
