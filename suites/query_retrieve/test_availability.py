"""PS3.4 C.4.1.1.3.2: Instance Availability (0008,0056), which a C-FIND SCP may return without being asked (the
request shall not contain it): a defined value, never zero length, and above the IMAGE level that of the least
rapidly available instance."""

from dicom_harness.testing import NotClaimed, NotVerified, requirement

from .conftest import query

# PS3.4 C.4.1.1.3.2, the Enumerated Values, most rapidly available first
RAPIDITY = ("ONLINE", "NEARLINE", "OFFLINE", "UNAVAILABLE")


def _availability(identifiers) -> list[str | None]:
    """Instance Availability of each response identifier: None when absent, the text (maybe '') otherwise."""
    return [None if "InstanceAvailability" not in i else str(i["InstanceAvailability"].value or "").strip()
            for i in identifiers]


def _study_a1(qr, world):
    """Study A1 at STUDY level, its two series at SERIES level and their instances at IMAGE level (Study Root),
    none asking for Instance Availability: {level: [values]}."""
    a1 = world.study_uid("A1")
    found = {"STUDY": _availability(qr.find("study_root", query("STUDY", StudyInstanceUID=a1)).identifiers),
             "SERIES": _availability(qr.find("study_root", query("SERIES", StudyInstanceUID=a1,
                                                                 SeriesInstanceUID="")).identifiers),
             "IMAGE": []}
    for series in ("A1-CT", "A1-SC"):
        result = qr.find("study_root", query("IMAGE", StudyInstanceUID=a1, SeriesInstanceUID=world.series_uid(series),
                                             SOPInstanceUID=""))
        found["IMAGE"] += _availability(result.identifiers)
    qr.dimse.evidence.add("#", "Instance Availability of study A1: " + "; ".join(
        f"{level} {values}" for level, values in found.items()))
    if not any(v is not None for values in found.values() for v in values):
        raise NotClaimed("the target returns no Instance Availability (PS3.4 C.4.1.1.3.2: an SCP \"may also, but is "
                         "not required to, support\" it)")
    return found


@requirement("QR-FIND-INSTANCE-AVAILABILITY-VALUE")
def test_instance_availability_is_a_defined_value(qr, world):
    """C-FIND of study A1 at STUDY, SERIES and IMAGE level: each Instance Availability returned is one of the
    Enumerated Values ONLINE, NEARLINE, OFFLINE, UNAVAILABLE; "A null value (Data Element length of 0) is not
    permitted" (PS3.4 C.4.1.1.3.2)."""
    found = _study_a1(qr, world)
    wrong = [f"{level} {v!r}" for level, values in found.items() for v in values
             if v is not None and v not in RAPIDITY]
    assert not wrong, ("Instance Availability values that are zero length or not one of ONLINE, NEARLINE, OFFLINE, "
                       "UNAVAILABLE: " + ", ".join(wrong))


@requirement("QR-FIND-INSTANCE-AVAILABILITY")
def test_higher_levels_report_the_least_rapid_instance(qr, world):
    """C-FIND of study A1 at STUDY, SERIES and IMAGE level: the study's (and each series') Instance Availability is
    that of its least rapidly available instance (PS3.4 C.4.1.1.3.2: "the availability of the least rapidly
    available shall be returned"), as the IMAGE level reports them."""
    found = _study_a1(qr, world)
    images = [v for v in found["IMAGE"] if v in RAPIDITY]      # a value out of the list is the -VALUE test's
    if not images:
        raise NotVerified(f"the IMAGE level reports no defined Instance Availability ({found['IMAGE']}): nothing to "
                          f"compare the higher levels with")
    slowest, fastest = max(images, key=RAPIDITY.index), min(images, key=RAPIDITY.index)
    study = [v for v in found["STUDY"] if v in RAPIDITY]
    assert all(v == slowest for v in study), (
        f"study A1: Instance Availability {study}, but its least rapidly available instance is {slowest} "
        f"(IMAGE level: {found['IMAGE']})")
    # a series holds some of the study's instances: its value lies between the fastest and the slowest of them
    series = [v for v in found["SERIES"] if v in RAPIDITY]
    outside = [v for v in series if not RAPIDITY.index(fastest) <= RAPIDITY.index(v) <= RAPIDITY.index(slowest)]
    assert not outside, (
        f"series of study A1: Instance Availability {series} outside what their instances report ({found['IMAGE']})")
