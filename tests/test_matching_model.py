"""The reference model of C-FIND matching (harness/shared/matching_model.py): what PS3.4 C.2.2 requires, forbids
and leaves open, one case per rule, and the simulators' engine never outside what the model allows."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydicom.dataset import Dataset

from dicom_harness.shared.matching_model import (
    MAY,
    MUST,
    MUST_NOT,
    QR,
    WORKLIST,
    allows,
    judge_date_time,
    judge_entity,
    judge_key,
)
from dicom_harness.simulators.matching import MatchOptions, matches


@pytest.mark.parametrize("vr, key, stored, service, verdict, rule", [
    ("SH", "", "X", QR, MUST, "QR-MATCH-UNIVERSAL"),
    ("SH", "A1", "A1", QR, MUST, "QR-MATCH-SINGLE-VALUE"),
    ("SH", "A1", "a1", QR, MUST_NOT, "QR-MATCH-SINGLE-VALUE"),          # case-sensitive outside PN
    ("SH", "A1", "A12", QR, MUST_NOT, "QR-MATCH-SINGLE-VALUE"),         # not a prefix match
    ("SH", "A1 ", "A1", QR, MUST, "QR-MATCH-SINGLE-VALUE"),             # trailing padding
    ("PN", "DOE^JOHN", "Doe^John", QR, MAY, "QR-MATCH-SINGLE-VALUE"),   # PN case: implementation's choice
    ("PN", "DOE^JOHN", "DÖE^JOHN", QR, MAY, "QR-MATCH-SINGLE-VALUE"),   # PN accents likewise
    ("PN", "DOE^JOHN", "ROE^JOHN", QR, MUST_NOT, "QR-MATCH-SINGLE-VALUE"),
    ("PN", "D*", "DOE", QR, MAY, "QR-MATCH-WILDCARD-STAR"),             # PN wild cards: implementation dependent
    ("LO", "A*", "A", QR, MUST, "QR-MATCH-WILDCARD-STAR"),              # '*' includes zero characters
    ("LO", "A?", "A", QR, MUST_NOT, "QR-MATCH-WILDCARD-QUESTION"),      # '?' is exactly one
    ("LO", "A?", "AB", QR, MUST, "QR-MATCH-WILDCARD-QUESTION"),
    ("LO", "A?", "ABC", QR, MUST_NOT, "QR-MATCH-WILDCARD-QUESTION"),
    ("LO", "a*", "AB", QR, MUST_NOT, "QR-MATCH-WILDCARD-STAR"),
    ("SH", "X", "", QR, MUST, "QR-MATCH-UNKNOWN-VALUE"),                 # C.2.2.1.2
    ("SH", "X", "", WORKLIST, MUST_NOT, "MWL-UNKNOWN-VALUE-FAILS"),      # K.2.2.1.1.1
    ("SH", "*", "", WORKLIST, MAY, "MWL-UNKNOWN-VALUE-FAILS"),
    ("UI", "1.2\\1.3", "1.3", QR, MUST, "QR-MATCH-UID-LIST"),
    ("UI", "1.2\\1.3", "1.4", QR, MUST_NOT, "QR-MATCH-UID-LIST"),
    ("DA", "20240101-20240131", "20240131", QR, MUST, "QR-MATCH-DATE-RANGE"),   # inclusive
    ("DA", "20240101-20240131", "20240201", QR, MUST_NOT, "QR-MATCH-DATE-RANGE"),
    ("DA", "-20240101", "20240101", QR, MUST, "QR-MATCH-OPEN-DATE-RANGE"),
    ("DA", "20240101-", "20231231", QR, MUST_NOT, "QR-MATCH-OPEN-DATE-RANGE"),
    ("TM", "-1100", "110000", QR, MUST, "QR-MATCH-TIME-RANGE"),           # 'prior to and including'
    ("TM", "-1100", "110030", QR, MAY, "QR-MATCH-TIME-RANGE"),            # within the minute 11:00: either reading
    ("TM", "-1100", "110100", QR, MUST_NOT, "QR-MATCH-TIME-RANGE"),
    ("TM", "0930-", "092959", QR, MUST_NOT, "QR-MATCH-TIME-RANGE"),
    ("TM", "0930", "093000", QR, MAY, "QR-MATCH-SINGLE-VALUE"),           # C.2.2.2.1.3: implementation dependent
    ("TM", "093000", "093000", QR, MUST, "QR-MATCH-SINGLE-VALUE"),
    ("CS", "CT", "MR\\CT", QR, MUST, "QR-MATCH-SINGLE-VALUE"),            # C.2.2.3: any of the values
])
def test_each_rule(vr, key, stored, service, verdict, rule):
    judgement = judge_key(vr, key, stored, service=service)
    assert (judgement.verdict, judgement.rule) == (verdict, rule), str(judgement)


def test_an_optional_key_the_scp_may_ignore():
    """C.2.2.1.3: an Optional Key not matched on is processed as a zero-length Required Key."""
    assert judge_key("LO", "HEAD", "KNEE", optional=True, matched_on=False).verdict == MAY
    assert judge_key("LO", "HEAD", "KNEE", optional=True, matched_on=True).verdict == MUST_NOT
    assert judge_key("LO", "HEAD", "HEAD", optional=True, matched_on=False).verdict == MUST


def test_an_entity_is_the_and_of_its_keys():
    entity = {"PatientID": "P1", "AccessionNumber": "", "StudyDescription": "KNEE"}
    keys = {"PatientID": ("LO", "P1"), "AccessionNumber": ("SH", "A9")}
    assert judge_entity(keys, entity).verdict == MUST
    assert judge_entity(keys, entity, service=WORKLIST).verdict == MUST_NOT
    loose = {**keys, "StudyDescription": ("LO", "HEAD")}
    judged = judge_entity(loose, entity, optional=["StudyDescription"])
    assert judged.verdict == MAY and judged.rules([MUST_NOT]) == []
    assert allows(judged, True) and allows(judged, False)
    assert not allows(judge_entity({"PatientID": ("LO", "P2")}, entity), True)


TEXT = st.text(alphabet="AB?*", min_size=0, max_size=4)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(key=TEXT.filter(lambda k: k != ""), stored=st.text(alphabet="AB", min_size=0, max_size=4))
def test_the_engine_stays_inside_what_the_model_allows(key, stored):
    """The simulators' engine picks one answer; for LO keys and values (wild cards included) it is an allowed one."""
    query, candidate = Dataset(), Dataset()
    query.PatientID = key
    candidate.PatientID = stored
    engine = matches(query, candidate, MatchOptions(unknown_matches=True))
    assert allows(judge_key("LO", key, stored), engine), (key, stored, str(judge_key("LO", key, stored)), engine)


@pytest.mark.parametrize("date_key, time_key, date, time, verdict", [
    ("20240705-20240707", "1000-1800", "20240706", "080000", MUST),       # Table K.6-1's own example: one period
    ("20240705-20240707", "1000-1800", "20240705", "080000", MUST_NOT),   # before July 5, 10am
    ("20240705-20240707", "1000-1800", "20240707", "180030", MAY),        # within the minute 18:00
    ("20240705-20240707", "1000-1800", "20240707", "180100", MUST_NOT),
    ("20240705-20240707", "-1800", "20240705", "010000", MUST),           # an end without its time: the whole day
    ("20240705-20240707", "1000", "20240706", "080000", MAY),             # one range, one single value: not said
    ("20240705", "1000-1800", "20240705", "120000", MUST),                # ... but where both readings agree
    ("20240301-", "-0000", "20241231", "235959", MAY),                    # a time end without its date: not said
    ("20240705-20240707", "1000-1800", "", "120000", MUST_NOT),           # unknown: K.2.2.1.1.1
])
def test_worklist_date_and_time_ranges_are_one_period(date_key, time_key, date, time, verdict):
    judgement = judge_date_time(date_key, time_key, date, time)
    assert judgement.verdict == verdict, str(judgement)


DATES = st.sampled_from(["20240704", "20240705", "20240706", "20240707", "20240708"])
TIMES = st.sampled_from(["0000", "0959", "1000", "1200", "1800", "1801", "2359"])


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(date_key=st.tuples(DATES, DATES, st.sampled_from(["closed", "from", "until", "single"])),
       time_key=st.tuples(TIMES, TIMES, st.sampled_from(["closed", "from", "until", "single"])),
       date=DATES, time=TIMES.map(lambda t: t + "00"))
def test_the_worklist_engine_stays_inside_what_the_model_allows(date_key, time_key, date, time):
    """The RIS simulator's engine (date and time pairs as one period) answers as Table K.6-1 allows."""
    from dicom_harness.simulators.ris import START_DATE_TIME

    def form(low, high, kind):
        low, high = sorted((low, high))
        return {"closed": f"{low}-{high}", "from": f"{low}-", "until": f"-{high}", "single": low}[kind]

    query, candidate = Dataset(), Dataset()
    query.ScheduledProcedureStepStartDate, query.ScheduledProcedureStepStartTime = form(*date_key), form(*time_key)
    candidate.ScheduledProcedureStepStartDate, candidate.ScheduledProcedureStepStartTime = date, time
    engine = matches(query, candidate, MatchOptions(date_time_pairs=START_DATE_TIME))
    judgement = judge_date_time(form(*date_key), form(*time_key), date, time)
    assert allows(judgement, engine), (form(*date_key), form(*time_key), date, time, str(judgement), engine)
