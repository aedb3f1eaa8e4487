"""Q/R combined date-time matching in the reference model (PS3.4 C.2.2.2.5.4) and in the simulators' engine: a Study
Date range and a Study Time range of the same form are one DT period; of different forms, two ranges."""

import pytest
from pydicom.dataset import Dataset

from dicom_harness.shared.matching_model import MAY, MUST, MUST_NOT, judge_combined_date_time
from dicom_harness.simulators.matching import MatchOptions, matches

PAIRS = (("StudyDate", "StudyTime"),)
COMBINED = MatchOptions(unknown_matches=True, date_time_pairs=PAIRS, same_form_only=True)

CASES = [
    # date key, time key, stored date, stored time, the model's verdict
    ("20240110-20240315", "100000-120000", "20240110", "093000", MUST_NOT),   # first day, before 10:00
    ("20240110-20240315", "100000-120000", "20240220", "143000", MUST),       # a middle day: any time
    ("20240110-20240315", "100000-120000", "20240315", "110000", MUST),
    ("20240110-20240315", "100000-120000", "20240315", "130000", MUST_NOT),   # last day, after 12:00
    ("20240110-", "1000-", "20240110", "0930", MUST_NOT),
    ("20240110-", "1000-", "20240111", "0930", MUST),
    ("-20240315", "-1200", "20240315", "120030", MAY),                        # within the reduced-precision end
    ("20240110-20240315", "1000-", "20240220", "0900", MUST_NOT),             # different forms: apart
]


@pytest.mark.parametrize("date_key,time_key,date,time,verdict", CASES)
def test_model_and_engine_agree(date_key, time_key, date, time, verdict):
    assert judge_combined_date_time(date_key, time_key, date, time).verdict == verdict
    query, stored = Dataset(), Dataset()
    query.StudyDate, query.StudyTime, stored.StudyDate, stored.StudyTime = date_key, time_key, date, time
    if verdict != MAY:
        assert matches(query, stored, COMBINED) == (verdict == MUST)


def test_without_the_option_the_engine_matches_apart():
    query, stored = Dataset(), Dataset()
    query.StudyDate, query.StudyTime = "20240110-20240315", "100000-120000"
    stored.StudyDate, stored.StudyTime = "20240220", "143000"
    assert not matches(query, stored, MatchOptions(unknown_matches=True))
    assert matches(query, stored, COMBINED)
