"""PS3.18 10.6: the Search Transaction (QIDO-RS) at the study, series and instance levels."""

from dicom_harness.testing import json_value, requirement


def _uids(results, keyword):
    return sorted(str(json_value(r, keyword)) for r in results)


def _count(value):
    """A count as sent: an int when it is one, else the raw value (so a comparison fails, never raises)."""
    return int(value) if isinstance(value, (int, float)) or str(value).isdigit() else value


@requirement("QIDO-STUDY-SEARCH")
def test_study_search_by_uid_returns_the_study_with_counts(dicomweb, web_study):
    """GET /studies?StudyInstanceUID={uid}; PS3.18 10.6.3.3.1 requires the study's attributes and the
    Number of Study Related Series (2) and Instances (3)."""
    results = dicomweb.search_json("/studies", [("StudyInstanceUID", web_study.uid)])
    assert _uids(results, "StudyInstanceUID") == [web_study.uid], (
        f"expected exactly study {web_study.uid}, observed {_uids(results, 'StudyInstanceUID')}")
    study = results[0]
    expected = {"PatientID": web_study.context.PatientID, "AccessionNumber": web_study.context.AccessionNumber,
                "StudyDate": web_study.context.StudyDate}
    observed = {k: json_value(study, k) for k in expected}
    assert observed == expected, f"study attributes: expected {expected}, observed {observed}"
    counts = (_count(json_value(study, "NumberOfStudyRelatedSeries")),
              _count(json_value(study, "NumberOfStudyRelatedInstances")))
    assert counts == (2, 3), f"Number of Study Related Series/Instances: expected (2, 3), observed {counts}"


@requirement("QIDO-SERIES-SEARCH")
def test_series_search_returns_the_studys_series(dicomweb, web_study):
    """GET /studies/{uid}/series and /series?StudyInstanceUID={uid}: the study's two series, with Modality
    and Number of Series Related Instances (PS3.18 10.6.3.3.2)."""
    expected = sorted({str(d.SeriesInstanceUID) for d in web_study.instances})
    for path, query in ((f"/studies/{web_study.uid}/series", None),
                        ("/series", [("StudyInstanceUID", web_study.uid)])):
        results = dicomweb.search_json(path, query)
        assert _uids(results, "SeriesInstanceUID") == expected, (
            f"{path}: expected series {expected}, observed {_uids(results, 'SeriesInstanceUID')}")
        by_uid = {json_value(r, "SeriesInstanceUID"): r for r in results}
        cr_series = by_uid[str(web_study.images[0].SeriesInstanceUID)]
        assert json_value(cr_series, "Modality") == "CR", (
            f"{path}: Modality of the CR series: expected 'CR', observed {json_value(cr_series, 'Modality')!r}")
        count = json_value(cr_series, "NumberOfSeriesRelatedInstances")
        assert _count(count) == 2, (
            f"{path}: Number of Series Related Instances: expected 2, observed {count!r}")


@requirement("QIDO-INSTANCE-SEARCH")
def test_instance_search_at_every_resource(dicomweb, web_study):
    """GET /studies/{s}/series/{x}/instances, /studies/{s}/instances and /instances?SOPInstanceUID=: the
    instances, each with SOP Class UID and SOP Instance UID (PS3.18 10.6.3.3.3)."""
    first = web_study.images[0]
    cases = [
        (f"/studies/{web_study.uid}/series/{first.SeriesInstanceUID}/instances", None, web_study.images),
        (f"/studies/{web_study.uid}/instances", None, web_study.instances),
        ("/instances", [("SOPInstanceUID", first.SOPInstanceUID)], [first]),
    ]
    for path, query, instances in cases:
        results = dicomweb.search_json(path, query)
        expected = sorted(str(d.SOPInstanceUID) for d in instances)
        assert _uids(results, "SOPInstanceUID") == expected, (
            f"{path}: expected instances {expected}, observed {_uids(results, 'SOPInstanceUID')}")
        classes = {json_value(r, "SOPInstanceUID"): json_value(r, "SOPClassUID") for r in results}
        wanted = {str(d.SOPInstanceUID): str(d.SOPClassUID) for d in instances}
        assert classes == wanted, f"{path}: SOP Class UIDs: expected {wanted}, observed {classes}"


@requirement("QIDO-IDEMPOTENT")
def test_identical_searches_return_the_same_ordered_list(dicomweb, web_study):
    """GET /studies/{uid}/instances twice, the same query, nothing stored between; PS3.18 8.3.4.4.1: the two
    search requests shall return the same ordered list of matches."""
    path = f"/studies/{web_study.uid}/instances"
    first = [str(json_value(r, "SOPInstanceUID")) for r in dicomweb.search_json(path)]
    second = [str(json_value(r, "SOPInstanceUID")) for r in dicomweb.search_json(path)]
    assert first, f"search {path}: expected the study's {len(web_study.instances)} instances, observed none"
    assert second == first, (
        f"two identical searches {path}: expected the same ordered list of matches, observed {first} then {second}")
