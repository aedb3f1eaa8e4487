"""PS3.4 C.2.2.2.5.4 and C.4.1.3.2: a Study Date range with a Study Time range. Matched as one date-time period
once combined date-time matching is agreed in extended negotiation (C.5.1.1.2, byte 2), each on its own
otherwise (baseline behaviour). The three studies: A1 on 2024-01-10 at 09:30, A2 on 2024-02-20 at 14:30, B1 on
2024-03-15 at 11:00."""

from dicom_harness.testing import NotClaimed, NotVerified, requirement

from .conftest import assert_matches, merged, query

DATES, TIMES = "20240110-20240315", "100000-120000"


def _studies(session, uid, world, **keys):
    """Study Root STUDY C-FIND once per seeded patient (single-value Patient ID), the results merged."""
    return merged(session.find(query("STUDY", PatientID=world.pid(p), StudyInstanceUID="", **keys), uid)
                  for p in ("A", "B"))


@requirement("QR-MATCH-COMBINED-DATETIME")
def test_combined_date_time_range(qr, world):
    """Propose combined date-time matching (byte 2 = 1); once agreed, Study Date 20240110-20240315 with Study Time
    100000-120000 is the period 2024-01-10 10:00 to 2024-03-15 12:00 (PS3.4 C.2.2.2.5.4): A2 (14:30 on a middle
    day) and B1 (11:00 on the last day) match, A1 (09:30 on the first day, before 10:00) does not."""
    with qr.extended_session("study_root", "C-FIND", b"\x00\x01",
                             "relational-queries=0, combined date-time matching=1") as (session, uid, answer):
        if answer is None or len(answer) < 2 or answer[1] != 1:
            raise NotClaimed("the target did not agree combined date-time matching (byte 2 of its answer: "
                             f"{'none' if answer is None or len(answer) < 2 else answer[1]})")
        result = _studies(session, uid, world, StudyDate=DATES, StudyTime=TIMES)
    assert_matches(result, "StudyInstanceUID", {world.study_uid("A2"), world.study_uid("B1")},
                   f"combined date-time matching agreed, StudyDate={DATES} StudyTime={TIMES}")


@requirement("QR-FIND-BASELINE-IF-NOT-AGREED")
def test_date_and_time_ranges_apart_without_negotiation(qr, world):
    """No extended negotiation: Study Date 20240110-20240315 with Study Time 100000-120000 are two ranges, each
    matched on its own (PS3.4 C.4.1.3.2: an option not agreed, "only baseline SCP behavior shall be performed"), so
    A2 (14:30 on a middle day), which only the combined period includes, is not returned."""
    a2 = world.study_uid("A2")
    with qr.plain_session("study_root", "C-FIND") as (session, uid):
        result = _studies(session, uid, world, StudyDate=DATES, StudyTime=TIMES)
        found = {str(i.get("StudyInstanceUID", "")) for i in result.identifiers}
        if a2 not in found:
            return
        alone = _studies(session, uid, world, StudyTime=TIMES)
    if a2 in {str(i.get("StudyInstanceUID", "")) for i in alone.identifiers}:
        raise NotVerified(f"Study Time {TIMES} alone returns study A2 (14:30) too: time range matching is "
                          f"QR-MATCH-TIME-RANGE's, the pair cannot be judged")
    assert a2 not in found, (
        f"combined date-time matching not negotiated, StudyDate={DATES} StudyTime={TIMES}: study A2 (2024-02-20 "
        f"14:30) came back, which only the combined period includes (its time is outside {TIMES}, and Study Time "
        f"{TIMES} alone does leave it out)")
