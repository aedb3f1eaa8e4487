"""The robustness suite's findings on the simulators themselves, kept fixed: a QIDO-RS limit or offset written in
another script's digits is not an unsigned integer (PS3.18 8.3: 400), though Python's str.isdigit() says it is."""

from __future__ import annotations

import pytest

from dicom_harness.simulators.dicomweb import search


@pytest.mark.parametrize("value", ["%D9%A3", "%EF%BC%95", "%C2%B2"])     # U+0663, U+FF15 (fullwidth 5), superscript 2
@pytest.mark.parametrize("name", ["limit", "offset"])
def test_non_ascii_digits_are_not_a_paging_value(name, value):
    with pytest.raises(search.BadQuery):
        search.parse_query(f"{name}={value}")


def test_ascii_digits_still_are():
    assert search.parse_query("limit=3&offset=12").limit == 3
