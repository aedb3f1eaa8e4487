"""PS3.18 8.3 and 8.3.4: includefield, limit and offset, unknown parameters; PS3.18 10.6.3.1: status codes."""

from dicom_harness.testing import json_value, requirement


@requirement("QIDO-INCLUDEFIELD")
def test_includefield_by_keyword_tag_and_all(dicomweb, web_study):
    """Search a series' instances with includefield=ImageComments, =00204000 and =all; each result must
    then carry Image Comments (a Type 3 attribute the instances have)."""
    first = web_study.images[0]
    path = f"/studies/{web_study.uid}/series/{first.SeriesInstanceUID}/instances"
    for value in ("ImageComments", "00204000", "all"):
        results = dicomweb.search_json(path, [("includefield", value)])
        assert results, f"includefield={value}: expected 2 instances, observed none"
        comments = [json_value(r, "ImageComments") for r in results]
        assert comments == [first.ImageComments] * len(results), (
            f"includefield={value}: expected Image Comments {first.ImageComments!r} in each result, observed {comments}")


@requirement("QIDO-LIMIT-OFFSET")
def test_limit_and_offset_page_through_results(dicomweb, web_study):
    """Search the study's three instances whole, then with limit=2 and limit=2&offset=2: the pages hold 2
    and 1 results, disjoint, together the whole result (PS3.18 8.3.4.4)."""
    path = f"/studies/{web_study.uid}/instances"
    whole = sorted(str(json_value(r, "SOPInstanceUID", "")) for r in dicomweb.search_json(path))
    first = [json_value(r, "SOPInstanceUID") for r in dicomweb.search_json(path, [("limit", 2)])]
    second = [json_value(r, "SOPInstanceUID") for r in dicomweb.search_json(path, [("limit", 2), ("offset", 2)])]
    assert len(whole) == 3, f"expected 3 instances in the study, observed {len(whole)}"
    assert len(first) == 2, f"limit=2: expected 2 results, observed {len(first)}"
    assert len(second) == 1, f"limit=2&offset=2: expected 1 result, observed {len(second)}"
    assert sorted(str(u) for u in first + second) == whole, f"pages {first} + {second} do not make up the whole result {whole}"


@requirement("QIDO-NO-MATCH-204")
def test_search_without_results_is_204(dicomweb, web_study):
    """Search /studies for a Study Instance UID nobody has; PS3.18 10.6.3.1: 204 No Content."""
    response = dicomweb.search("/studies", [("StudyInstanceUID", "2.25.9")])
    assert response.status_code == 204, (
        f"expected 204 (No Content), observed {response.status_code} with body {response.content[:80]!r}")


@requirement("QIDO-UNKNOWN-PARAMETER")
def test_unknown_query_parameter_is_ignored(dicomweb, web_study):
    """Search /studies by Study Instance UID with an extra parameter no standard defines; PS3.18 8.3: the
    origin server ignores it and answers as if it were absent."""
    query = [("StudyInstanceUID", web_study.uid), ("dh_unknown_parameter", "1")]
    response = dicomweb.search("/studies", query)
    assert response.status_code == 200, f"expected 200, observed {response.status_code} {response.text[:120]!r}"
    found = [json_value(r, "StudyInstanceUID") for r in response.json()]
    assert found == [web_study.uid], f"expected [{web_study.uid}], observed {found}"
