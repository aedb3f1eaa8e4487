"""PS3.18 8.3.4.1 and 8.3.1: attribute matching, and how query values are encoded on the wire."""

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_harness.testing import NotClaimed, json_value, requirement, seed_instances


def _studies(dicomweb, query):
    return [json_value(r, "StudyInstanceUID") for r in dicomweb.search_json("/studies", query)]


@requirement("QIDO-ATTRIBUTE-MATCHING")
def test_matching_kinds_select_the_study(dicomweb, web_study):
    """Search /studies with single value, UID list, date range and wildcard keys (each with the study's
    Patient ID, so other data never matches); PS3.4 C.2.2.2 matching must select the study or exclude it."""
    context = web_study.context
    date = str(context.StudyDate)
    other_uid = "2.25.1"
    selecting = {
        "single value": [("PatientID", context.PatientID)],
        "list of UIDs": [("PatientID", context.PatientID), ("StudyInstanceUID", [other_uid, web_study.uid])],
        "date range": [("PatientID", context.PatientID), ("StudyDate", f"{date[:6]}01-{date[:6]}28")],
        "open date range": [("PatientID", context.PatientID), ("StudyDate", f"-{date}")],
        "wildcard": [("PatientID", context.PatientID), ("AccessionNumber", str(context.AccessionNumber)[:3] + "*")],
    }
    for kind, query in selecting.items():
        found = _studies(dicomweb, query)
        assert found == [web_study.uid], f"{kind} {query}: expected [{web_study.uid}], observed {found}"
    excluding = {
        "date range after the study": [("PatientID", context.PatientID), ("StudyDate", f"{int(date) + 1}-")],
        "other UID": [("PatientID", context.PatientID), ("StudyInstanceUID", other_uid)],
    }
    for kind, query in excluding.items():
        found = _studies(dicomweb, query)
        assert found == [], f"{kind} {query}: expected no study, observed {found}"


@requirement("QIDO-PERCENT-ENCODED-VALUES")
def test_person_name_with_percent_encoded_caret_matches(dicomweb, web_study):
    """Search /studies?PatientName=DH%5ESYNTH...: '^' is not a qp-char, so PS3.18 8.3.1 has it sent
    percent-encoded; the origin server must decode it and match the stored name."""
    name = str(web_study.context.PatientName)
    found = _studies(dicomweb, [("PatientName", name), ("PatientID", web_study.context.PatientID)])
    assert found == [web_study.uid], (
        f"PatientName={name!r} sent as {name.replace('^', '%5E')!r}: expected [{web_study.uid}], observed {found}")


@requirement("QIDO-UID-LIST-ENCODED-COMMA")
def test_uid_list_with_percent_encoded_comma_selects_the_study(dicomweb, web_study):
    """Search /studies?StudyInstanceUID=2.25.1%2C{uid} (8.3.4.1 has ',' sent percent-encoded); a UID list is
    comma-separated (item 3), and a UID holds no comma, so the origin server must match either UID."""
    query = (f"PatientID={web_study.context.PatientID}&StudyInstanceUID=2.25.1%2C{web_study.uid}")
    found = [json_value(r, "StudyInstanceUID") for r in dicomweb.search_json("/studies", query)]
    assert found == [web_study.uid], (
        f"/studies?{query}: expected [{web_study.uid}] (the list 2.25.1, {web_study.uid}), observed {found}")


def _found(dicomweb, path, query, keyword) -> list[str]:
    return sorted(str(json_value(r, keyword)) for r in dicomweb.search_json(path, query))


def _expected(datasets, keyword, wanted) -> list[str]:
    return sorted({str(getattr(d, keyword)) for d in datasets if wanted(d)})


@requirement("QIDO-MATCH-SERIES-KEYS")
def test_series_level_required_keys_select(dicomweb, web_study):
    """Search the study's series by Modality, Series Instance UID and Series Number in turn; PS3.18 10.6.1.2.3:
    "The origin server shall support the matching Attributes specified in Table 10.6.1-5", so each selects."""
    path = f"/studies/{web_study.uid}/series"
    first, multiframe = web_study.images[0], web_study.multiframe
    series = [first, multiframe]
    cases = {
        "Modality": str(multiframe.Modality),
        "SeriesInstanceUID": str(first.SeriesInstanceUID),
        "SeriesNumber": str(first.SeriesNumber),
    }
    for keyword, value in cases.items():
        expected = _expected(series, "SeriesInstanceUID", lambda d, k=keyword, v=value: str(getattr(d, k)) == v)
        # among the study's own series (that no other study's come back is QIDO-SERIES-SEARCH's)
        found = [u for u in _found(dicomweb, path, [(keyword, value)], "SeriesInstanceUID")
                 if u in {str(d.SeriesInstanceUID) for d in series}]
        assert found == expected, f"{path}?{keyword}={value}: expected series {expected}, observed {found}"


@requirement("QIDO-MATCH-INSTANCE-KEYS")
def test_instance_level_required_keys_select(dicomweb, web_study):
    """Search the study's instances by SOP Class UID, SOP Instance UID and Instance Number in turn; PS3.18
    10.6.1.2.3: "The origin server shall support the matching Attributes specified in Table 10.6.1-5"."""
    path = f"/studies/{web_study.uid}/instances"
    cases = {
        "SOPClassUID": str(web_study.multiframe.SOPClassUID),
        "SOPInstanceUID": str(web_study.images[1].SOPInstanceUID),
        "InstanceNumber": str(web_study.images[1].InstanceNumber),
    }
    for keyword, value in cases.items():
        expected = _expected(web_study.instances, "SOPInstanceUID",
                             lambda d, k=keyword, v=value: str(getattr(d, k)) == v)
        found = _found(dicomweb, path, [(keyword, value)], "SOPInstanceUID")
        assert found == expected, f"{path}?{keyword}={value}: expected instances {expected}, observed {found}"


def sound_alike(name: str) -> str:
    """A wild card key that matches the name's end only when Person Names are matched fuzzily (phonetically):
    'DH^SYNTH12345' -> '*SINTH12345' (a literal match may ignore case, position and accents, PS3.4 C.2.2.2.1.1;
    Y for I is none of them)."""
    family = name.split("^")[-1]
    return "*" + family.replace("Y", "I")


@requirement("QIDO-FUZZY-FALSE-LITERAL")
def test_fuzzymatching_false_matches_literally(dicomweb, web_study, evidence):
    """Search /studies by Patient ID and PatientName=*SINTH<n> (the stored name is DH^SYNTH<n>) with
    fuzzymatching=false; PS3.18 8.3.4.2: "the search shall be performed without Fuzzy Matching", so no study."""
    context = web_study.context
    name = str(context.PatientName)
    query = [("PatientID", context.PatientID), ("fuzzymatching", "false")]
    exact = _studies(dicomweb, [*query, ("PatientName", "*" + name.split("^")[-1])])
    evidence.add("#", f"the literal key *{name.split('^')[-1]} finds {exact}")
    found = _studies(dicomweb, [*query, ("PatientName", sound_alike(name))])
    assert found == [], (f"PatientName={sound_alike(name)} with fuzzymatching=false (stored {name!r}): expected no "
                         f"study (literal matching), observed {found}")


def _put(dicomweb, claims, target, ds, what: str) -> None:
    """Store one instance the test made: by STOW-RS, else by C-STORE; NotClaimed when the target offers neither."""
    if claims.offers("stow"):
        response = dicomweb.store([ds])
        assert response.status_code == 200, f"setup: STOW-RS answered {response.status_code} {response.text[:200]!r}"
    elif claims.offers("storage") and target.dimse is not None:
        seed_instances(target, [ds], what)
    else:
        raise NotClaimed(f"the target claims neither STOW-RS nor DIMSE storage to put {what}")


def _series_found(dicomweb, ds, query) -> list[str]:
    """The study's one series, where the search returns it (another study's series coming back is
    QIDO-SERIES-SEARCH's)."""
    found = _found(dicomweb, f"/studies/{ds.StudyInstanceUID}/series", query, "SeriesInstanceUID")
    return [u for u in found if u == str(ds.SeriesInstanceUID)]


@requirement("QIDO-MATCH-PPS-START")
def test_pps_start_date_and_time_select(dicomweb, claims, target, make_instance):
    """Store an instance performed 2023-04-05 10:15, search its study's series by Performed Procedure Step Start Date
    and Start Time ranges around it and beside it; PS3.18 10.6.1.2.3 (Table 10.6.1-5): a Series matching key."""
    ds = make_instance("CR")
    ds.PerformedProcedureStepStartDate, ds.PerformedProcedureStepStartTime = "20230405", "101500"
    _put(dicomweb, claims, target, ds, "an instance with a Performed Procedure Step start")
    mine = [str(ds.SeriesInstanceUID)]
    cases = [("PerformedProcedureStepStartDate", "20230401-20230410", mine),
             ("PerformedProcedureStepStartDate", "20230405", mine),
             ("PerformedProcedureStepStartDate", "20230406-", []),
             ("PerformedProcedureStepStartTime", "1000-1100", mine),
             ("PerformedProcedureStepStartTime", "1100-1200", [])]
    wrong = [f"{k}={v}: expected {e}, observed {found}" for k, v, e in cases
             if (found := _series_found(dicomweb, ds, [(k, v)])) != e]
    assert not wrong, f"series stored with PPS start 20230405 101500: {'; '.join(wrong)}"


@requirement("QIDO-MATCH-REQUEST-ATTRIBUTES")
def test_request_attributes_sequence_keys_select(dicomweb, claims, target, make_instance):
    """Store an instance whose Request Attributes Sequence holds a Scheduled Procedure Step ID and a Requested
    Procedure ID, search its study's series by each inside the sequence (RequestAttributesSequence.X=...) and by
    another value; PS3.18 10.6.1.2.3 (Table 10.6.1-5) and 8.3.4.1: a Series matching key of a sequence."""
    ds = make_instance("CR")
    run = str(ds.SOPInstanceUID)[-8:]
    item = Dataset()
    item.ScheduledProcedureStepID, item.RequestedProcedureID = f"SPS{run}", f"RP{run}"
    ds.RequestAttributesSequence = Sequence([item])
    _put(dicomweb, claims, target, ds, "an instance with a Request Attributes Sequence")
    mine = [str(ds.SeriesInstanceUID)]
    cases = [("RequestAttributesSequence.ScheduledProcedureStepID", f"SPS{run}", mine),
             ("RequestAttributesSequence.ScheduledProcedureStepID", f"SPSX{run}", []),
             ("RequestAttributesSequence.RequestedProcedureID", f"RP{run}", mine),
             ("RequestAttributesSequence.RequestedProcedureID", f"RPX{run}", [])]
    wrong = [f"{k}={v}: expected {e}, observed {found}" for k, v, e in cases
             if (found := _series_found(dicomweb, ds, [(k, v)])) != e]
    assert not wrong, f"series with Request Attributes SPS{run} / RP{run}: {'; '.join(wrong)}"
