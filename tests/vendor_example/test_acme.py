"""ACME's own checks, run beside the conformance suites: `dicom-harness run --suite tests/vendor_example`."""

from dicom_harness.testing import requirement


@requirement("ACME-ECHO-RESPONDS-TO-REQUEST")
def test_echo_response_names_its_request(dimse):
    """Send one C-ECHO; PS3.7 9.1.5.1.2 says the response names the request's Message ID."""
    response = dimse.echo()
    assert response.responded_to == response.message_id, (
        f"expected MessageIDBeingRespondedTo {response.message_id}, observed {response.responded_to}")


@requirement("ACME-QIDO-SAME-ANSWER-TWICE")
def test_same_search_twice_gives_the_same_answer(dicomweb, web_study):
    """Search the study's series twice with the same query; PS3.18 8.3.4.4.1 says both answers list the same
    matches in the same order."""
    query = [("StudyInstanceUID", web_study.uid), ("includefield", "SeriesInstanceUID")]
    first = dicomweb.search_json("/series", query)
    second = dicomweb.search_json("/series", query)
    assert first, "expected the study's series, observed no match"
    assert first == second, f"expected the same answer twice, observed {first!r:.200} then {second!r:.200}"
