"""The shared DICOM JSON verifier (harness/json_model.py): each rule of PS3.18 F.2 it checks can fail, and it
accepts every form the text allows (IS/DS as strings, null among values, empty sequences, private tags)."""

from __future__ import annotations

import pytest

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.json_model import assert_json_model, json_model_findings


def _rules(item: dict) -> set[str]:
    return {f.rule for f in json_model_findings(item)}


def test_a_factory_instance_encoded_by_pydicom_has_no_findings():
    ds = DatasetFactory(seed=1).make("CR")
    ds.ReferringPhysicianName = ""
    assert json_model_findings(ds.to_json_dict()) == []


ALLOWED = {
    "IS as a string": {"00200013": {"vr": "IS", "Value": ["12"]}},
    "IS as a number": {"00200013": {"vr": "IS", "Value": [12]}},
    "DS as a string": {"00180050": {"vr": "DS", "Value": ["1.5"]}},
    "DS as a number": {"00180050": {"vr": "DS", "Value": [1.5]}},
    "null among values": {"00080008": {"vr": "CS", "Value": ["ORIGINAL", None, "AXIAL"]}},
    "an empty attribute": {"00080090": {"vr": "PN"}},
    "an empty sequence as []": {"00081110": {"vr": "SQ", "Value": []}},
    "an empty sequence item": {"00081110": {"vr": "SQ", "Value": [{}]}},
    "either VR of US or SS": {"00280106": {"vr": "SS", "Value": [-3]}},
    "a private tag with any VR": {"00091001": {"vr": "UN", "InlineBinary": "AAE="}},
    "Pixel Data by BulkDataURI": {"7FE00010": {"vr": "OW", "BulkDataURI": "http://x/bulk"}},
    "PN groups": {"00100010": {"vr": "PN", "Value": [{"Alphabetic": "A^B", "Ideographic": "C"}]}},
    "an AT value": {"00209165": {"vr": "AT", "Value": ["00100010"]}},
    "a backslash in a text": {"00204000": {"vr": "LT", "Value": ["a\\b"]}},
}


@pytest.mark.parametrize("case", sorted(ALLOWED))
def test_allowed_forms_pass(case):
    assert json_model_findings(ALLOWED[case]) == []


BROKEN = {
    "model": [{"0020000d": {"vr": "UI", "Value": ["1.2"]}},
              {"0020000D": {"vr": "UI", "Value": "1.2"}},
              {"0020000D": {"vr": "UI", "Value": ["1.2"], "InlineBinary": "MS4y"}},
              {"7FE00010": {"vr": "OW", "Value": [1, 2]}},
              {"00100010": {"vr": "PN", "BulkDataURI": "http://x"}},
              {"0020000D": {"Value": ["1.2"]}}],
    "vr": [{"00080060": {"vr": "LO", "Value": ["CT"]}}, {"00080060": {"vr": "XX", "Value": ["CT"]}}],
    "value-type": [{"00280010": {"vr": "US", "Value": ["96"]}},
                   {"00200013": {"vr": "IS", "Value": ["1.5"]}},
                   {"00200013": {"vr": "IS", "Value": [1.5]}},
                   {"00180050": {"vr": "DS", "Value": ["1.23456789012345678"]}},
                   {"00080008": {"vr": "CS", "Value": ["ORIGINAL\\PRIMARY"]}},
                   {"00209165": {"vr": "AT", "Value": ["0010,0010"]}},
                   {"00080060": {"vr": "CS", "Value": [7]}},
                   {"00081110": {"vr": "SQ", "Value": [{"00081150": {"vr": "UI", "Value": [1]}}]}}],
    "pn": [{"00100010": {"vr": "PN", "Value": ["A^B"]}},
           {"00100010": {"vr": "PN", "Value": [{"Alphabetical": "A^B"}]}}],
    "empty": [{"00080090": {"vr": "PN", "Value": []}}, {"00080050": {"vr": "SH", "Value": [""]}},
              {"00080050": {"vr": "SH", "Value": [None]}}],
    "group-length": [{"00080000": {"vr": "UL", "Value": [4]}},
                     {"00081110": {"vr": "SQ", "Value": [{"00080000": {"vr": "UL", "Value": [4]}}]}}],
}


@pytest.mark.parametrize("rule,item", [(rule, item) for rule, items in BROKEN.items() for item in items],
                         ids=lambda value: value if isinstance(value, str) else "")
def test_each_rule_catches_its_breach_and_only_its_rule(rule, item):
    assert _rules(item) == {rule}


def test_assert_json_model_judges_only_the_rules_asked_for():
    item = {"00080000": {"vr": "UL", "Value": [4]}, "00080060": {"vr": "LO", "Value": ["CT"]}}
    assert_json_model([item], "pn", "empty")
    with pytest.raises(AssertionError, match=r"F\.2\.2, F\.2\.3.*00080060.*vr 'LO'"):
        assert_json_model([item], "vr")
    with pytest.raises(AssertionError, match="Group Length"):
        assert_json_model(item)
    with pytest.raises(ValueError, match="unknown DICOM JSON rule"):
        assert_json_model([item], "vrs")
