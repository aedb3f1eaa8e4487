"""PS3.4 C.4.1.1.3.2, C.4.1.1.4 and C.4.1.3.1: what C-FIND responses carry. One Pending per match, a final
Success without identifier, the requested keys (zero length when empty) and nothing unrequested."""

from dicom_harness.testing import NotClaimed, Status, describe, requirement

from .conftest import assert_matches, query

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
