"""Commas in QIDO query values (PS3.18 8.3.1, 8.3.4.1, 8.3.4.3): literal or percent-encoded, a comma separates
the items of a UID list and of an includefield list; in any other value a %2C is a comma of the value."""

from __future__ import annotations

from pydicom.datadict import tag_for_keyword

from dicom_harness.simulators.dicomweb.search import parse_query


def _values(raw: str, **options) -> list[list[str]]:
    return [values for _, values in parse_query(raw, **options).keys]


def test_uid_lists_split_on_literal_and_encoded_commas():
    assert _values("StudyInstanceUID=1.2,1.3") == [["1.2", "1.3"]]
    assert _values("StudyInstanceUID=1.2%2C1.3%2c1.4") == [["1.2", "1.3", "1.4"]]
    assert _values("0020000E=1.2%2C1.3") == [["1.2", "1.3"]]
    # the fault: a literal comma only
    assert _values("StudyInstanceUID=1.2%2C1.3", encoded_comma_uids=False) == [["1.2,1.3"]]


def test_an_encoded_comma_in_other_values_is_part_of_the_value():
    assert _values("StudyDescription=Head%2C%20neck") == [["Head, neck"]]


def test_includefield_lists_split_on_literal_and_encoded_commas():
    expected = [tag_for_keyword("StudyDescription"), tag_for_keyword("Modality"), tag_for_keyword("PatientAge")]
    assert parse_query("includefield=00081030%2C00080060,PatientAge").includefield == expected
    assert parse_query("includefield=00081030,00080060%2CPatientAge").includefield == expected
