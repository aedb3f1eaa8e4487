"""PS3.4 C.4.1.1.3.2, C.4.1.1.4 and C.4.1.3.1: what C-FIND responses carry. One Pending per match, a final
Success without identifier, the requested keys (zero length when empty) and nothing unrequested."""

import pytest

from dicom_harness.testing import NotClaimed, NotVerified, Status, describe, requirement, status_class

from .conftest import UNIQUE_KEY, assert_matches, assert_responses_name_request, query

REQUIRED_STUDY_KEYS = ("PatientName", "PatientID", "StudyDate", "StudyTime", "AccessionNumber", "StudyID",
                       "StudyInstanceUID")
# PS3.4 C.4.1.1.3.2: attributes a response may hold besides the requested keys.
ALLOWED_EXTRAS = {"QueryRetrieveLevel", "SpecificCharacterSet", "RetrieveAETitle", "StorageMediaFileSetID",
                  "StorageMediaFileSetUID", "InstanceAvailability", "TimezoneOffsetFromUTC"}


def _study_keys(world, patient="A"):
    keys = {k: "" for k in REQUIRED_STUDY_KEYS}
    keys["PatientID"] = world.pid(patient)
    return query("STUDY", **keys)


@requirement("QR-FIND-PENDING-PER-MATCH")
def test_each_match_in_its_own_pending_response(qr, world):
    """C-FIND for the studies of patient A (two) and of patient B (one): one Pending response per study, each
    with an identifier of one distinct study (PS3.4 C.4.1.3.1)."""
    for patient, names in (("A", ("A1", "A2")), ("B", ("B1",))):
        result = qr.find("study_root", query("STUDY", PatientID=world.pid(patient), StudyInstanceUID=""))
        pending = [s for s in result.statuses if s in (Status.PENDING, Status.PENDING_WARNING)]
        uids = [str(i.get("StudyInstanceUID", "")) for i in result.identifiers]
        assert result.pending_without_identifier == 0, (
            f"patient {patient}: {result.pending_without_identifier} Pending response(s) without an identifier")
        assert len(pending) == len(names) and sorted(uids) == sorted(world.study_uid(n) for n in names), (
            f"patient {patient}: expected {len(names)} Pending response(s), one per study; observed {len(pending)} "
            f"with Study Instance UIDs {uids}")


@requirement("QR-FIND-FINAL-NO-IDENTIFIER")
def test_final_success_has_no_identifier(qr, world):
    """C-FIND with matches, then one with none: each ends in Success without a data set; with none, Success
    is the only response (PS3.4 C.4.1.1.4, C.4.1.3.1)."""
    result = qr.find("study_root", query("STUDY", PatientID=world.pid("A"), StudyInstanceUID=""))
    assert result.final_status == Status.SUCCESS, f"expected final Success, observed {describe(result.final_status)}"
    assert not result.final_data_set, f"the final Success carried a {len(result.final_data_set)}-byte data set"
    none = qr.find("study_root", query("STUDY", PatientID=world.id_prefix + "NONE", StudyInstanceUID=""))
    assert none.statuses == [Status.SUCCESS] and not none.final_data_set, (
        f"no match: expected a single Success without data set, observed statuses "
        f"{[describe(s) for s in none.statuses]}, final data set of {len(none.final_data_set)} bytes")


@requirement("QR-FIND-REQUESTED-KEYS")
def test_requested_keys_returned_zero_length_when_empty(qr, world):
    """Request every required study key for patient A: each response holds them all, with the stored
    values, and study A2's Accession Number present at zero length (PS3.4 C.4.1.1.3.2)."""
    result = qr.find("study_root", _study_keys(world))
    assert_matches(result, "StudyInstanceUID", {world.study_uid("A1"), world.study_uid("A2")}, "patient A studies")
    for identifier in result.identifiers:
        study = [s for s in ("A1", "A2") if world.study_uid(s) == identifier.StudyInstanceUID][0]
        missing = [k for k in REQUIRED_STUDY_KEYS if k not in identifier]
        assert not missing, f"study {study}: requested keys missing from the response: {missing}"
        for keyword in REQUIRED_STUDY_KEYS:
            sent, got = str(world.studies[study].get(keyword, "")), str(identifier[keyword].value or "")
            assert got == sent, f"study {study} {keyword}: stored {sent!r}, returned {got!r}"


@requirement("QR-FIND-NO-UNREQUESTED")
def test_no_unrequested_attributes(qr, world):
    """Request the required study keys only: no response holds other attributes than those and the ones
    PS3.4 C.4.1.1.3.2 allows (Query/Retrieve Level, Specific Character Set, Retrieve AE Title...)."""
    result = qr.find("study_root", _study_keys(world))
    assert result.identifiers, "no Pending response to inspect"
    for identifier in result.identifiers:
        extra = sorted({e.keyword or str(e.tag) for e in identifier} - set(REQUIRED_STUDY_KEYS) - ALLOWED_EXTRAS)
        assert not extra, f"study {identifier.get('StudyInstanceUID')}: unrequested attributes returned: {extra}"


@requirement("QR-FIND-LEVEL-ECHOED")
def test_query_retrieve_level_in_responses(qr, world):
    """C-FIND at STUDY and at SERIES level: every response identifier holds the request's level."""
    for level, identifier in (("STUDY", query("STUDY", PatientID=world.pid("A"), StudyInstanceUID="")),
                              ("SERIES", query("SERIES", StudyInstanceUID=world.study_uid("A1"),
                                               SeriesInstanceUID=""))):
        result = qr.find("study_root", identifier)
        levels = [str(i.get("QueryRetrieveLevel", "<absent>")) for i in result.identifiers]
        assert levels and all(v == level for v in levels), f"{level} query: response levels {levels}"


@requirement("QR-FIND-RELATED-COUNTS")
def test_related_counts(qr, claims, world):
    """Study A1 holds 2 series and 3 instances, its CT series 2 instances: the supported Number of
    ... Related keys say so (PS3.4 C.3.4)."""
    supported = set(claims.query_retrieve.optional_keys)
    checks = [("STUDY", "NumberOfStudyRelatedSeries", 2), ("STUDY", "NumberOfStudyRelatedInstances", 3),
              ("SERIES", "NumberOfSeriesRelatedInstances", 2)]
    checks = [c for c in checks if c[1] in supported]
    if not checks:
        raise NotClaimed("the target claims none of the Number of ... Related keys")
    for level, keyword, expected in checks:
        keys = {"StudyInstanceUID": world.study_uid("A1"), keyword: ""}
        if level == "SERIES":
            keys["SeriesInstanceUID"] = world.series_uid("A1-CT")
        result = qr.find("study_root", query(level, **keys))
        values = [i.get(keyword) for i in result.identifiers]
        assert values and all(v == expected for v in values), (
            f"{level} level {keyword}: expected {expected}, observed {values}")


@requirement("QR-FIND-CHARSET")
def test_specific_character_set(qr, world):
    """Patient B's name has a Latin-1 letter (U+00DC): the response names its character set when its
    bytes leave ASCII, and the name reads back as stored (PS3.4 C.4.1.1.3.2)."""
    result = qr.find("study_root", query("STUDY", PatientID=world.pid("B"), PatientName="", StudyInstanceUID=""))
    assert_matches(result, "StudyInstanceUID", {world.study_uid("B1")}, "patient B")
    identifier, raw = result.identifiers[0], result.raw_identifiers[0]
    if any(b > 0x7F for b in raw):
        assert identifier.get("SpecificCharacterSet"), (
            "the response carries bytes outside the default repertoire but no Specific Character Set")
    assert "PatientName" in identifier, "the response lacks the requested Patient's Name (PS3.4 C.4.1.1.3.2)"
    returned = str(identifier.get("PatientName") or "")
    assert returned == world.name("B"), f"Patient's Name: stored {world.name('B')!r}, returned {returned!r}"


@requirement("QR-FIND-RETRIEVE-LOCATION")
@pytest.mark.parametrize("level", ["STUDY", "SERIES"])
def test_every_response_names_where_to_retrieve(level, qr, world):
    """Study Root C-FIND of patient A's studies (and of study A1's series) without asking for Retrieve AE Title:
    each Pending identifier holds Retrieve AE Title, or Storage Media File-Set ID and UID (PS3.4 C.4.1.1.3.2: "An
    Identifier in a C-FIND response shall contain" them, the AE title "if the Storage Media File-Set ID and
    Storage Media File-Set UID elements are not present")."""
    keys = {"STUDY": {"PatientID": world.pid("A"), "StudyInstanceUID": ""},
            "SERIES": {"StudyInstanceUID": world.study_uid("A1"), "SeriesInstanceUID": ""}}[level]
    result = qr.find("study_root", query(level, **keys))
    assert result.final_status == Status.SUCCESS and result.identifiers, (
        f"expected Pending responses then Success, observed {len(result.identifiers)} identifier(s) and "
        f"{describe(result.final_status)}")
    lacking = [n + 1 for n, i in enumerate(result.identifiers) if "RetrieveAETitle" not in i
               and not ("StorageMediaFileSetID" in i and "StorageMediaFileSetUID" in i)]
    assert not lacking, (
        f"{len(lacking)} of {len(result.identifiers)} {level} identifier(s) (response(s) {lacking}) hold neither "
        f"Retrieve AE Title (0008,0054) nor Storage Media File-Set ID and UID (0088,0130/0140)")


@requirement("QR-FIND-RSP-MESSAGE-ID")
def test_every_find_response_names_the_request(qr, world):
    """C-FIND for the studies of patient A (two Pending, then Success): each response names the request's
    Message ID as Message ID Being Responded To (PS3.7 Table 9.3-4)."""
    result = qr.find("study_root", query("STUDY", PatientID=world.pid("A"), StudyInstanceUID=""))
    assert_responses_name_request(result.commands, result.message_id, "C-FIND")


@requirement("QR-FIND-RSP-AFFECTED-SOP-CLASS")
def test_find_responses_name_the_request_sop_class(qr, world):
    """C-FIND in each claimed information model: an Affected SOP Class UID in any response must be the one of
    the request (PS3.7 9.1.2.1.3: "shall be equal to the value in the request"). Absent is allowed."""
    cases = [("study_root", query("STUDY", PatientID=world.pid("A"), StudyInstanceUID="")),
             ("patient_root", query("PATIENT", PatientID=world.pid("A")))]
    judged = 0
    for model, identifier in cases:
        if not qr.claims.offers_model(model):
            continue
        uid = qr.model(model, "C-FIND")
        result = qr.find(model, identifier)
        judged += 1
        wrong = [str(c.AffectedSOPClassUID) for c in result.commands
                 if "AffectedSOPClassUID" in c and str(c.AffectedSOPClassUID).rstrip("\0 ") != uid]
        assert not wrong, (f"{model.replace('_', ' ')} C-FIND-RSP Affected SOP Class UID: expected {uid} as in the "
                           f"request, observed {wrong}")
    if not judged:
        raise NotClaimed("the target claims neither the Study Root nor the Patient Root information model")


@requirement("QR-FIND-UNABLE-REFUSED-OR-FAILED")
def test_find_without_level_is_refused_or_failed(qr, world):
    """C-FIND whose identifier lacks the Query/Retrieve Level (C.4.1.1.3.1 says it "shall contain" one): the SCP
    cannot process it, so the C-FIND ends Refused or Failed (PS3.4 C.4.1.3.1), any code of that class."""
    identifier = query("STUDY", PatientID=world.pid("A"), StudyInstanceUID="")
    del identifier.QueryRetrieveLevel
    result = qr.find("study_root", identifier)
    assert status_class(result.final_status) == "Failure", (
        f"C-FIND without Query/Retrieve Level: expected a Refused or Failed status (A700, A900, Cxxx...), "
        f"observed {describe(result.final_status)} after {len(result.identifiers)} Pending response(s)")


@requirement("QR-FIND-FAILURE-NO-IDENTIFIER")
def test_failed_find_response_has_no_identifier(qr, world):
    """C-FIND without Query/Retrieve Level and with an undefined one: each Refused or Failed response must carry
    no identifier (PS3.4 C.4.1.3.1): Command Data Set Type 0101H, no data set."""
    missing = query("STUDY", PatientID=world.pid("A"), StudyInstanceUID="")
    del missing.QueryRetrieveLevel
    undefined = query("DH_NO_SUCH_LEVEL", PatientID=world.pid("A"), StudyInstanceUID="")
    judged = 0
    for what, identifier in (("without level", missing), ("with an undefined level", undefined)):
        result = qr.find("study_root", identifier)
        if status_class(result.final_status) != "Failure":
            continue
        judged += 1
        kind = result.commands[-1].get("CommandDataSetType") if result.commands else None
        assert not result.final_data_set and kind == 0x0101, (
            f"C-FIND {what}: the {describe(result.final_status)} response carries an identifier (Command Data Set "
            f"Type {'absent' if kind is None else f'0x{int(kind):04X}'}, {len(result.final_data_set)} byte(s))")
    if not judged:
        raise NotVerified("neither request was answered Refused or Failed, so there is no such response to judge")


# PS3.4 Table C.4-1 (A700, A900, Cxxx) and PS3.7 9.1.2.1.6 (0122 Refused: SOP Class not supported)
def _find_failure_code_defined(status: int) -> bool:
    return status in (0xA700, 0xA900, 0x0122) or 0xC000 <= status <= 0xCFFF


@requirement("QR-FIND-FAILURE-CODES")
def test_find_failure_codes_are_defined(qr, world, evidence):
    """C-FIND without Query/Retrieve Level and with an undefined one: each Refused or Failed answer uses a code
    Table C.4-1 defines (A700, A900, Cxxx) or 0122 (PS3.4 C.4.1.1.4; PS3.7 9.1.2.1.6), not another failure."""
    missing = query("STUDY", PatientID=world.pid("A"), StudyInstanceUID="")
    del missing.QueryRetrieveLevel
    undefined = query("DH_NO_SUCH_LEVEL", PatientID=world.pid("A"), StudyInstanceUID="")
    judged, wrong = 0, []
    for what, identifier in (("without level", missing), ("with an undefined level", undefined)):
        result = qr.find("study_root", identifier)
        if status_class(result.final_status) != "Failure":
            continue
        judged += 1
        evidence.add("#", f"C-FIND {what}: {describe(result.final_status)}")
        if not _find_failure_code_defined(result.final_status):
            wrong.append(f"{what}: {describe(result.final_status)}")
    if not judged:
        raise NotVerified("neither request was answered Refused or Failed, so there is no failure code to judge")
    assert not wrong, ("C-FIND failure status(es) that Table C.4-1 does not define (A700, A900, Cxxx; 0122 in "
                       "PS3.7 9.1.2.1.6): " + "; ".join(wrong))


@requirement("QR-FIND-TIMEZONE-NOT-EMPTY")
def test_no_zero_length_timezone_offset(qr, world):
    """C-FIND for patient A's studies without Timezone Offset From UTC: PS3.4 C.4.1.1.3.2 lets a response carry it
    only with a value ("it shall not be sent with a zero-length value")."""
    result = qr.find("study_root", _study_keys(world))
    assert result.identifiers, "no Pending response to inspect"
    empty = [str(i.get("StudyInstanceUID", "")) for i in result.identifiers
             if "TimezoneOffsetFromUTC" in i and str(i["TimezoneOffsetFromUTC"].value or "") == ""]
    assert not empty, (f"responses for studies {empty} hold a zero-length Timezone Offset From UTC (0008,0201) "
                       "(PS3.4 C.4.1.1.3.2: it shall not be sent with a zero-length value)")


@requirement("QR-UNIQUE-KEY-NONZERO")
def test_unique_keys_have_values(qr, world, claims):
    """C-FIND at each level asking its Unique Key with zero length (PATIENT by patient A's name when Patient Root is
    claimed; STUDY, SERIES, IMAGE in Study Root): PS3.4 C.2.2.1.1 gives every entity a non-zero length value."""
    cases = [("study_root", "STUDY", query("STUDY", PatientID=world.pid("A"), StudyInstanceUID="")),
             ("study_root", "SERIES", query("SERIES", StudyInstanceUID=world.study_uid("A1"), SeriesInstanceUID="")),
             ("study_root", "IMAGE", query("IMAGE", StudyInstanceUID=world.study_uid("A1"),
                                           SeriesInstanceUID=world.series_uid("A1-CT"), SOPInstanceUID=""))]
    if claims.query_retrieve.offers_model("patient_root"):
        cases.insert(0, ("patient_root", "PATIENT", query("PATIENT", PatientName=world.name("A"), PatientID="")))
    wrong = []
    for model, level, identifier in cases:
        result = qr.find(model, identifier)
        key = UNIQUE_KEY[level]
        if not result.identifiers:
            wrong.append(f"{level}: no response to inspect (final {describe(result.final_status)})")
        empty = sum(1 for i in result.identifiers if not str(i.get(key, "") or "").strip(" \x00"))
        if empty:
            wrong.append(f"{level}: {empty} of {len(result.identifiers)} responses with {key} absent or zero length")
    assert not wrong, ("entities without a Unique Key value (PS3.4 C.2.2.1.1: all entities managed by C-FIND ... SCPs "
                       "shall have a specific non-zero length Unique Key value): " + "; ".join(wrong))
