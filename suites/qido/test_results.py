"""PS3.18 10.6.3.3.1 to 10.6.3.3.3: the attributes each search result carries. The level's own (Tables 10.6.3-3
to -5), those of the levels above for All Series, All Instances and a Study's Instances, the matching keys, Study
Level attributes named in includefield at the series level, a private element with its Private Creator."""

from dicom_harness.testing import NotClaimed, json_value, requirement


def _same(observed, expected) -> bool:
    """A returned value equals the stored one: numbers (IS, US) whether sent as a number or a string."""
    if observed is None or expected is None:
        return observed == expected
    try:
        return float(observed) == float(expected)
    except (TypeError, ValueError):
        return str(observed).strip() == str(expected).strip()


def _missing(result: dict, stored, keywords) -> list[str]:
    """The attributes of keywords the result lacks, or carries with another value than the stored one."""
    wrong = []
    for keyword in keywords:
        expected = stored.get(keyword)
        expected = None if expected is None else str(expected)
        observed = json_value(result, keyword)
        if not _same(observed, expected or None):
            wrong.append(f"{keyword} expected {expected!r}, observed {observed!r}")
    return wrong


STUDY_REQUIRED = ("StudyDate", "StudyTime", "AccessionNumber", "ReferringPhysicianName", "PatientName", "PatientID",
                  "PatientBirthDate", "PatientSex", "StudyInstanceUID", "StudyID")
SERIES_REQUIRED = ("Modality", "SeriesInstanceUID", "SeriesNumber")
# (SOP Class UID, also in the table, is QIDO-INSTANCE-SEARCH's)
INSTANCE_REQUIRED = ("SOPInstanceUID", "InstanceNumber", "Rows", "Columns", "BitsAllocated")


def _one(dicomweb, path, query) -> dict:
    results = dicomweb.search_json(path, query)
    assert len(results) == 1, f"{path} {query}: expected exactly one result, observed {len(results)}"
    return results[0]


@requirement("QIDO-STUDY-RETURN-ATTRIBUTES")
def test_study_result_has_every_attribute_of_table_10_6_3_3(dicomweb, web_study):
    """Search /studies by the study's UID; PS3.18 10.6.3.3.1: the result "shall contain Attributes in accordance
    with Table 10.6.3-3", so each R attribute the study has, with its stored value (Study Time, Study ID ...)."""
    result = _one(dicomweb, "/studies", [("StudyInstanceUID", web_study.uid)])
    wrong = _missing(result, web_study.images[0], STUDY_REQUIRED)
    assert not wrong, f"study result (Table 10.6.3-3): {'; '.join(wrong)}"


@requirement("QIDO-SERIES-RETURN-ATTRIBUTES")
def test_series_result_has_every_attribute_of_table_10_6_3_4(dicomweb, web_study):
    """Search the study's series by the first series' UID; PS3.18 10.6.3.3.2: "the origin server shall return all
    Attributes listed in Table 10.6.3-4", so Modality, Series Instance UID and Series Number as stored."""
    first = web_study.images[0]
    result = _one(dicomweb, f"/studies/{web_study.uid}/series", [("SeriesInstanceUID", str(first.SeriesInstanceUID))])
    wrong = _missing(result, first, SERIES_REQUIRED)
    assert not wrong, f"series result (Table 10.6.3-4): {'; '.join(wrong)}"


@requirement("QIDO-INSTANCE-RETURN-ATTRIBUTES")
def test_instance_result_has_every_attribute_of_table_10_6_3_5(dicomweb, web_study):
    """Search the first series' instances by the first image's UID; PS3.18 10.6.3.3.3: "all Attributes listed in
    Table 10.6.3-5, if present in the Instance": Instance Number, Rows, Columns and Bits Allocated as stored."""
    first = web_study.images[0]
    path = f"/studies/{web_study.uid}/series/{first.SeriesInstanceUID}/instances"
    result = _one(dicomweb, path, [("SOPInstanceUID", str(first.SOPInstanceUID))])
    wrong = _missing(result, first, INSTANCE_REQUIRED)
    assert not wrong, f"instance result (Table 10.6.3-5): {'; '.join(wrong)}"


@requirement("QIDO-ALL-SERIES-STUDY-ATTRIBUTES")
def test_all_series_results_carry_the_study_attributes(dicomweb, web_study):
    """Search All Series (/series) by the first series' UID; PS3.18 10.6.3.3.2: "If the Target Resource is All
    Series, then include all Study Level Attributes specified in Study Resource" (Table 10.6.3-3)."""
    first = web_study.images[0]
    result = _one(dicomweb, "/series", [("SeriesInstanceUID", str(first.SeriesInstanceUID))])
    wrong = _missing(result, first, STUDY_REQUIRED)
    assert not wrong, f"/series result, its study's attributes (Table 10.6.3-3): {'; '.join(wrong)}"


@requirement("QIDO-ALL-INSTANCES-UPPER-ATTRIBUTES")
def test_all_instances_results_carry_study_and_series_attributes(dicomweb, web_study):
    """Search All Instances (/instances) and the study's instances by the first image's UID; PS3.18 10.6.3.3.3:
    All Instances includes the Study Level attributes of Table 10.6.3-3, both the Series Level ones of 10.6.3-4."""
    first = web_study.images[0]
    query = [("SOPInstanceUID", str(first.SOPInstanceUID))]
    wrong = [f"/instances: {w}" for w in _missing(_one(dicomweb, "/instances", query), first,
                                                 STUDY_REQUIRED + SERIES_REQUIRED)]
    wrong += [f"/studies/{{uid}}/instances: {w}" for w in _missing(
        _one(dicomweb, f"/studies/{web_study.uid}/instances", query), first, SERIES_REQUIRED)]
    assert not wrong, f"instance results, the upper levels' attributes: {'; '.join(wrong)}"


def _supported_by_includefield(dicomweb, path, query, keyword, expected, evidence) -> None:
    """The attribute is not in the result: NotClaimed when the target does not return it even when named in
    includefield (it does not support it), else the FAIL."""
    named = dicomweb.search_json(path, [*query, ("includefield", keyword)])
    by_name = json_value(named[0], keyword) if len(named) == 1 else None
    evidence.add("#", f"{path} includefield={keyword} gives {keyword} {by_name!r}")
    if not _same(by_name, expected):
        raise NotClaimed(f"{path}: the target does not return {keyword} even when named in includefield: not an "
                         "attribute it supports, so not judged")


@requirement("QIDO-MATCH-KEYS-RETURNED")
def test_matching_key_is_returned(dicomweb, web_study, evidence):
    """Search /studies by Patient ID and Study Description=DICOM* (a Study Level attribute Table 10.6.3-3 does not
    list; a wild card, so nothing needs percent-encoding); PS3.18 10.6.3.3.1: the response shall contain "All other
    Study level Attributes passed as match ... parameters ... that are supported by the origin server"."""
    expected = str(web_study.context.StudyDescription)
    query = [("PatientID", web_study.context.PatientID), ("StudyDescription", expected.split()[0] + "*")]
    result = _one(dicomweb, "/studies", query)
    observed = json_value(result, "StudyDescription")
    if _same(observed, expected):
        return
    _supported_by_includefield(dicomweb, "/studies", [("PatientID", web_study.context.PatientID)],
                               "StudyDescription", expected, evidence)
    raise AssertionError(f"/studies {query}: expected the matching key StudyDescription {expected!r} in the result "
                         f"(returned when named in includefield, so supported), observed {observed!r}")


@requirement("QIDO-INCLUDEFIELD-STUDY-AT-SERIES")
def test_series_search_returns_study_attribute_named_in_includefield(dicomweb, web_study, evidence):
    """Search the study's series with includefield=StudyDescription and =00081030 (Study Level); PS3.18 10.6.3.3.2:
    the response shall contain "Series or Study Level Attributes passed as includefield parameters ... supported"."""
    first = web_study.images[0]
    expected = str(first.StudyDescription)
    path, query = f"/studies/{web_study.uid}/series", [("SeriesInstanceUID", str(first.SeriesInstanceUID))]
    # named by keyword and by tag (8.3.4.1: either), so the test does not rest on one form of includefield
    named = [("includefield", "StudyDescription"), ("includefield", "00081030")]
    observed = json_value(_one(dicomweb, path, [*query, *named]), "StudyDescription")
    if _same(observed, expected):
        return
    # Supported at all? The study level answers it when named there.
    studies = dicomweb.search_json("/studies", [("StudyInstanceUID", web_study.uid), *named])
    at_study = json_value(studies[0], "StudyDescription") if len(studies) == 1 else None
    evidence.add("#", f"/studies includefield=StudyDescription gives {at_study!r}")
    if not _same(at_study, expected):
        raise NotClaimed("the target does not return Study Description even at the study level: not an attribute "
                         "it supports, so not judged")
    raise AssertionError(f"{path} includefield=StudyDescription: expected {expected!r} in the series result (the "
                         f"study search returns it, so supported), observed {observed!r}")


@requirement("QIDO-INCLUDEFIELD-PRIVATE")
def test_private_element_comes_with_its_creator(dicomweb, web_study, evidence):
    """Search the first series' instances with includefield=00091001 (a private element of creator DICOM_HARNESS
    at 00090010); PS3.18 10.6.3.3.3: where supported, "the Private Data Element and its corresponding Private
    Creator Element"."""
    first = web_study.images[0]
    path = f"/studies/{web_study.uid}/series/{first.SeriesInstanceUID}/instances"
    result = _one(dicomweb, path, [("SOPInstanceUID", str(first.SOPInstanceUID)), ("includefield", "00091001")])
    if "00091001" not in result:
        raise NotClaimed("the target does not return the private element 00091001 named in includefield: a private "
                         "element it does not support, which 10.6.3.3.3 does not require")
    evidence.add("#", f"00091001 returned as {result['00091001']}")
    creator = json_value(result, "00090010")
    assert creator == "DICOM_HARNESS", (
        f"{path} includefield=00091001: the private element came back, expected its Private Creator 00090010 "
        f"'DICOM_HARNESS' too, observed {result.get('00090010')!r}")
