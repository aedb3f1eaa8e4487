"""PS3.18 8.3 and 8.3.4: includefield, limit and offset and the paging Warning, unknown parameters, the 204 of an
empty result (8.3.4.4.1); PS3.18 10.6.3.3.x: which includefield attributes each level returns."""

import re

from dicom_harness.testing import NotClaimed, json_value, requirement

ADDITIONAL = re.compile(r"There are (\d+) additional results")


def _image_comments(dicomweb, web_study, value):
    """Search the first series' instances with includefield=value: (expected, observed Image Comments)."""
    first = web_study.images[0]
    path = f"/studies/{web_study.uid}/series/{first.SeriesInstanceUID}/instances"
    results = dicomweb.search_json(path, [("includefield", value)])
    assert results, f"includefield={value}: expected 2 instances, observed none"
    return [first.ImageComments] * len(results), [json_value(r, "ImageComments") for r in results]


@requirement("QIDO-INCLUDEFIELD-KEYWORD")
def test_includefield_by_keyword_adds_the_attribute(dicomweb, web_study):
    """Search a series' instances with includefield=ImageComments (a keyword); PS3.18 10.6.3.3.3: each
    result shall contain Image Comments, a Type 3 attribute the instances have."""
    expected, observed = _image_comments(dicomweb, web_study, "ImageComments")
    assert observed == expected, (
        f"includefield=ImageComments: expected Image Comments {expected[0]!r} in each result, observed {observed}")


@requirement("QIDO-INCLUDEFIELD-TAG")
def test_includefield_by_tag_adds_the_attribute(dicomweb, web_study):
    """Search a series' instances with includefield=00204000 (the tag of Image Comments; PS3.18 8.3.4.1: an
    attribute is a tag or a keyword); PS3.18 10.6.3.3.3: each result shall contain it."""
    expected, observed = _image_comments(dicomweb, web_study, "00204000")
    assert observed == expected, (
        f"includefield=00204000: expected Image Comments {expected[0]!r} in each result, observed {observed}")


@requirement("QIDO-INCLUDEFIELD-ALL")
def test_includefield_all_adds_available_instance_attributes(dicomweb, web_study):
    """Search a series' instances with includefield=all; PS3.18 10.6.3.3.3: the results shall contain all
    available Instance Level attributes, so Image Comments (Type 3, present) too."""
    expected, observed = _image_comments(dicomweb, web_study, "all")
    assert observed == expected, (
        f"includefield=all: expected Image Comments {expected[0]!r} in each result, observed {observed}")


def _all_has(dicomweb, path, query, keyword, expected, evidence):
    """includefield=all on one search result gives the attribute; where it does not, the same search with
    includefield={keyword} tells whether the target supports returning it at all: if not, it is not judged here
    ("all available ... Attributes"), if so, its absence under "all" is the FAIL."""
    results = dicomweb.search_json(path, [*query, ("includefield", "all")])
    assert len(results) == 1, f"{path}: expected one result, observed {len(results)}"
    observed = json_value(results[0], keyword)
    if observed == expected:
        return
    named = dicomweb.search_json(path, [*query, ("includefield", keyword)])
    by_keyword = json_value(named[0], keyword) if len(named) == 1 else None
    evidence.add("#", f"{path} includefield={keyword} gives {keyword} {by_keyword!r}")
    if by_keyword != expected:
        raise NotClaimed(f"{path}: the target does not return {keyword} even when named in includefield, so it is "
                         "not an available attribute it supports; includefield=all is not judged on it")
    raise AssertionError(f"{path} includefield=all: expected {keyword} {expected!r} (returned when named by "
                         f"keyword, so supported and available), observed {observed!r}")


@requirement("QIDO-INCLUDEFIELD-ALL-STUDY-SERIES")
def test_includefield_all_adds_available_study_and_series_attributes(dicomweb, web_study, evidence):
    """Search the study with includefield=all, then its series; PS3.18 10.6.3.3.1 and 10.6.3.3.2: all available
    Study (Series) Level attributes, so Study Description (General Study) and Body Part Examined (General Series,
    stored in the first series) too, where includefield by keyword returns them."""
    first = web_study.images[0]
    _all_has(dicomweb, "/studies", [("StudyInstanceUID", web_study.uid)], "StudyDescription",
             first.StudyDescription, evidence)
    _all_has(dicomweb, f"/studies/{web_study.uid}/series", [("SeriesInstanceUID", str(first.SeriesInstanceUID))],
             "BodyPartExamined", first.BodyPartExamined, evidence)


@requirement("QIDO-INCLUDEFIELD-LEVEL")
def test_includefield_of_a_lower_level_is_not_returned(dicomweb, web_study):
    """Search the study and its series with includefield=SOPInstanceUID (an Instance Level attribute);
    PS3.18 10.6.3.3.1 and 10.6.3.3.2: Instance Level attributes in includefield shall not be returned."""
    for path, query in (("/studies", [("StudyInstanceUID", web_study.uid)]),
                        (f"/studies/{web_study.uid}/series", [])):
        results = dicomweb.search_json(path, [*query, ("includefield", "SOPInstanceUID")])
        assert results, f"{path}: expected the study's results, observed none"
        leaked = [json_value(r, "SOPInstanceUID") for r in results if "00080018" in r]
        assert not leaked, (f"{path} includefield=SOPInstanceUID: expected no SOP Instance UID (00080018) at this "
                            f"level, observed {leaked}")


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


def _warnings(response) -> list[str]:
    """The warn-values of the Warning header fields (RFC 7234 5.5), split on commas outside quotes."""
    values = []
    for field in response.headers.get_list("warning"):
        current, quoted = "", False
        for char in field:
            if char == '"':
                quoted = not quoted
            if char == "," and not quoted:
                values.append(current.strip())
                current = ""
            else:
                current += char
        values.append(current.strip())
    return [v for v in values if v]


@requirement("QIDO-PAGING-WARNING")
def test_truncated_page_carries_warning_299(dicomweb, web_study):
    """Search the study's three instances with limit=2 (offset 0, so one match remains); PS3.18 8.3.4.4.1:
    "If (remaining > 0) the response shall include a Warning header field" with warn-code 299."""
    response = dicomweb.search(f"/studies/{web_study.uid}/instances", [("limit", 2)])
    assert response.status_code == 200, f"limit=2: expected 200, observed {response.status_code}"
    warnings = _warnings(response)
    paging = [w for w in warnings if w.startswith("299 ")]
    assert paging, (f"limit=2 of 3 matches: expected a Warning: 299 <service>: There are 1 additional results "
                    f"that can be requested, observed Warning header(s) {warnings or 'none'}")
    counts = [int(m.group(1)) for w in paging if (m := ADDITIONAL.search(w))]
    assert all(c == 1 for c in counts), (
        f"limit=2 of 3 matches: the Warning says {counts} additional results, expected 1 ({paging})")


@requirement("QIDO-NO-MATCH-204")
def test_search_without_results_is_204(dicomweb, web_study):
    """Search /studies for a Study Instance UID nobody has, and the study's instances from offset=99; PS3.18
    8.3.4.4.1: no results, so "a 204 (No Content) response shall be returned with an empty payload"."""
    for path, query in (("/studies", [("StudyInstanceUID", "2.25.9")]),
                        (f"/studies/{web_study.uid}/instances", [("offset", 99)])):
        response = dicomweb.search(path, query)
        assert response.status_code == 204 and not response.content, (
            f"{path} {query}: expected 204 (No Content) with an empty payload, observed {response.status_code} "
            f"with body {response.content[:80]!r}")


@requirement("QIDO-UNKNOWN-PARAMETER")
def test_unknown_query_parameter_is_ignored(dicomweb, web_study):
    """Search /studies by Study Instance UID with an extra parameter no standard defines; PS3.18 8.3: the
    origin server ignores it and answers as if it were absent."""
    query = [("StudyInstanceUID", web_study.uid), ("dh_unknown_parameter", "1")]
    response = dicomweb.search("/studies", query)
    assert response.status_code == 200, f"expected 200, observed {response.status_code} {response.text[:120]!r}"
    found = [json_value(r, "StudyInstanceUID") for r in response.json()]
    assert found == [web_study.uid], f"expected [{web_study.uid}], observed {found}"


@requirement("QIDO-INVALID-PARAMETER-VALUE-400")
def test_invalid_limit_or_offset_is_400(dicomweb, web_study):
    """Search the study's instances with limit=abc, then offset=-1; PS3.18 8.3: "If a supported Query Parameter has
    an invalid value, the origin server shall return a 400 (Bad Request) error response"."""
    wrong = []
    for name, value in (("limit", "abc"), ("offset", "-1")):
        response = dicomweb.search(f"/studies/{web_study.uid}/instances", [(name, value)])
        if response.status_code != 400:
            wrong.append(f"{name}={value} answered {response.status_code}")
    assert not wrong, f"expected 400 (Bad Request) for an invalid limit or offset; {'; '.join(wrong)}"


@requirement("QIDO-INCLUDEFIELD-ENCODED-COMMA")
def test_includefield_list_with_percent_encoded_comma(dicomweb, web_study):
    """Search a series' instances with includefield=InstanceNumber%2CImageComments (',' percent-encoded, as
    PS3.18 8.3.4.1 says and OHIF does); 8.3.4.3: a list of attributes, so each result shall hold Image Comments."""
    first = web_study.images[0]
    path = f"/studies/{web_study.uid}/series/{first.SeriesInstanceUID}/instances"
    query = "includefield=InstanceNumber%2CImageComments"
    observed = [json_value(r, "ImageComments") for r in dicomweb.search_json(path, query)]
    assert observed and observed == [first.ImageComments] * len(observed), (
        f"{path}?{query}: expected Image Comments {first.ImageComments!r} in each result, observed {observed}")


@requirement("QIDO-MATCHES-200")
def test_search_with_results_is_200(dicomweb, web_study):
    """Search /studies by the study's UID, then its three instances with limit=1&offset=1 (a middle page); PS3.18
    8.3.4.4.1: with results, "a 200 (OK) response shall be returned with a payload containing the results"."""
    wrong = []
    for path, query in (("/studies", [("StudyInstanceUID", web_study.uid)]),
                        (f"/studies/{web_study.uid}/instances", [("limit", 1), ("offset", 1)])):
        response = dicomweb.search(path, query)
        if response.status_code != 200 or not response.content:
            wrong.append(f"{path} {query} answered {response.status_code} with {len(response.content)} bytes")
    assert not wrong, f"expected 200 (OK) with the results in the payload; {'; '.join(wrong)}"


@requirement("QIDO-INCLUDEFIELD-REPEATED")
def test_includefield_repeated_or_listed(dicomweb, web_study):
    """Search a series' instances with includefield=ImageComments&includefield=Manufacturer, then
    includefield=ImageComments,Manufacturer; PS3.18 8.3.4.3: "The request may contain one or more include
    parameters": each attribute the target returns when named alone comes back in both forms."""
    first = web_study.images[0]
    path = f"/studies/{web_study.uid}/series/{first.SeriesInstanceUID}/instances"
    scope = [("SOPInstanceUID", str(first.SOPInstanceUID))]
    names = ("ImageComments", "Manufacturer")
    alone = {}
    for name in names:
        results = dicomweb.search_json(path, [*scope, ("includefield", name)])
        alone[name] = json_value(results[0], name) if results else None
    supported = [n for n in names if alone[n] is not None]
    if not supported:
        raise NotClaimed("the target returns neither Image Comments nor Manufacturer even when named alone in "
                         "includefield: nothing to compare the repeated form with")
    wrong = []
    forms = (("repeated", [("includefield", n) for n in names]), ("listed", [("includefield", list(names))]))
    for form, query in forms:
        results = dicomweb.search_json(path, [*scope, *query])
        for name in supported:
            observed = json_value(results[0], name) if results else None
            if observed != alone[name]:
                wrong.append(f"{form}: {name} expected {alone[name]!r}, observed {observed!r}")
    assert not wrong, f"{path} with two includefield attributes: {'; '.join(wrong)}"
