"""The matching model across character sets (QR-MATCH-CHARSET): a key matches by its characters, whatever the two
encodings; the unknown-value and universal rules keep their own names; an unsupported character set leaves the
answer open."""

from dicom_harness.shared.matching_model import MAY, MUST, MUST_NOT, judge_entity_encoded
from dicom_harness.simulators.faults import FAULTS


def _judge(key: str, stored: str, request: str = "ISO_IR 192", kept: str = "ISO_IR 100", supported=None,
           vr: str = "SH"):
    judged = judge_entity_encoded({"AccessionNumber": (vr, key)}, {"AccessionNumber": stored},
                                  request_charset=request, stored_charset=kept, supported=supported)
    return judged.keys["AccessionNumber"]


def test_same_characters_in_two_character_sets_must_match():
    judgement = _judge("ÄN1", "ÄN1")
    assert (judgement.verdict, judgement.rule) == (MUST, "QR-MATCH-CHARSET")


def test_other_characters_must_not_match_and_case_counts_outside_pn():
    assert _judge("äN1", "ÄN1").verdict == MUST_NOT
    assert _judge("ÄN", "ÄN1").verdict == MUST_NOT


def test_pn_accent_variants_stay_open():
    assert _judge("DH^MULLER", "DH^MÜLLER", vr="PN").verdict == MAY


def test_unknown_value_and_universal_keep_their_rules():
    assert _judge("ÄN1", "").rule == "QR-MATCH-UNKNOWN-VALUE"
    assert _judge("", "ÄN1").rule == "QR-MATCH-UNIVERSAL"


def test_ascii_is_judged_as_before():
    assert _judge("AN1", "AN1").rule == "QR-MATCH-SINGLE-VALUE"


def test_an_unsupported_character_set_leaves_matching_undefined():
    judgement = _judge("ÄN1", "ÄN1", supported=["ISO_IR 100"])
    assert (judgement.verdict, judgement.rule) == (MAY, "QR-MATCH-CHARSET")


def test_the_fault_breaks_this_rule():
    assert FAULTS["charset-request-ignored"].breaks == "QR-MATCH-CHARSET"
