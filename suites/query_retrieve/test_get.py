"""PS3.4 C.4.3: C-GET, the instances coming back by C-STORE on the same association (SCP role negotiated
for their storage SOP classes), each compared with what was stored; sub-operation counts."""

import pytest

from dicom_harness.testing import Status, assert_same_instance, assert_suboperation_counts, describe, requirement

from .conftest import assert_responses_name_request, query


def _cases(world):
    return {
        "STUDY": ("study_root", query("STUDY", StudyInstanceUID=world.study_uid("A1")), ("A1-CT", "A1-SC")),
        "SERIES": ("patient_root", query("SERIES", PatientID=world.pid("A"), StudyInstanceUID=world.study_uid("A1"),
                                         SeriesInstanceUID=world.series_uid("A1-CT")), ("A1-CT",)),
    }


def _get(qr, world, level):
    model, identifier, series = _cases(world)[level]
    instances = world.instances(*series)
    result = qr.get(model, identifier, {i.SOPClassUID for i in instances})
    return result, instances


@requirement("QR-GET-RETRIEVES")
@pytest.mark.parametrize("level", ["STUDY", "SERIES"])
def test_get_delivers_intact_instances(level, qr, world):
    """C-GET at STUDY (Study Root) and SERIES (Patient Root) level: every selected instance arrives on
    the same association, same UIDs and pixel data (PS3.4 C.4.3.3.1)."""
    result, instances = _get(qr, world, level)
    assert result.final_status == Status.SUCCESS, f"expected final Success, observed {describe(result.final_status)}"
    nameless = sum("SOPInstanceUID" not in d for d in result.received)
    assert not nameless, f"{nameless} C-STORE sub-operation data set(s) without SOP Instance UID"
    received = {str(d.SOPInstanceUID): d for d in result.received}
    expected = {str(i.SOPInstanceUID) for i in instances}
    assert set(received) == expected, (
        f"{level}: expected {len(expected)} instance(s), received {len(received)}; "
        f"missing {sorted(expected - set(received))}, unexpected {sorted(set(received) - expected)}")
    for instance in instances:
        # What the storage SCP did to the Table B.4-1 attributes is STORE-RETAINS-INSTANCE's to judge
        assert_same_instance(instance, received[str(instance.SOPInstanceUID)], coercion_allowed=True)


@requirement("QR-GET-SUBOP-COUNTS")
def test_get_suboperation_counts(qr, world):
    """C-GET of study A1: Pending responses carry all four counts; the final one none Remaining (PS3.4
    C.4.3.1.5) and, if it has them (C.4.3.1.6 "may"), Completed equal to the instances received and Failed 0."""
    result, _ = _get(qr, world, "STUDY")
    assert result.received, f"no instance arrived to count (final status {describe(result.final_status)})"
    assert_suboperation_counts(result, len(result.received), "C-GET")


@requirement("QR-GET-RSP-MESSAGE-ID")
def test_every_get_response_names_the_request(qr, world):
    """C-GET of study A1: every C-GET-RSP, Pending and final, names the request's Message ID as Message ID Being
    Responded To (PS3.7 Table 9.3-6)."""
    result, _ = _get(qr, world, "STUDY")
    assert_responses_name_request(result.commands, result.message_id, "C-GET")
