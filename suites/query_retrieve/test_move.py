"""PS3.4 C.4.2: C-MOVE to the harness's own listening AE (the session's harness peer), every delivered
instance compared with what was stored; unknown destinations; sub-operation counts."""

import pytest

from dicom_harness.testing import (
    Status,
    assert_same_instance,
    assert_suboperation_counts,
    describe,
    requirement,
    status_class,
)

from .conftest import assert_responses_name_request, query


def _cases(world):
    return {
        "STUDY": ("study_root", query("STUDY", StudyInstanceUID=world.study_uid("A1")), ("A1-CT", "A1-SC")),
        "SERIES": ("study_root", query("SERIES", StudyInstanceUID=world.study_uid("A1"),
                                       SeriesInstanceUID=world.series_uid("A1-CT")), ("A1-CT",)),
        "IMAGE": ("patient_root", query("IMAGE", PatientID=world.pid("A"), StudyInstanceUID=world.study_uid("A2"),
                                        SeriesInstanceUID=world.series_uid("A2-CR"),
                                        SOPInstanceUID=str(world.series["A2-CR"][0].SOPInstanceUID)), ("A2-CR",)),
    }


def _move_to_peer(qr, harness_peer, model, identifier, expected_uids):
    """Forget earlier deliveries of these instances, move them, wait for them at the peer."""
    for uid in expected_uids:
        harness_peer.inbox.stored.pop(uid, None)
    result = qr.move(model, identifier, harness_peer.config.ae_title)
    harness_peer.wait_for(lambda inbox: all(u in inbox.stored for u in expected_uids), timeout=5.0)
    delivered = {u for u in expected_uids if u in harness_peer.inbox.stored}
    return result, delivered


@requirement("QR-MOVE-UNKNOWN-DESTINATION")
def test_unknown_move_destination_is_refused(qr, world, harness_peer, evidence):
    """C-MOVE of study A1 to an AE title the SCP cannot know: nothing can be delivered, so the final status is
    of the Failure class (PS3.4 C.4.2.3.1) and no sub-operation completed. A801 (Move Destination unknown) is
    the code Table C.4-2 defines for it, but the table lists codes that "might be returned": any failure will do."""
    unknown = ("NO_" + harness_peer.config.ae_title)[:16]     # surely not registered with the target
    result = qr.move("study_root", query("STUDY", StudyInstanceUID=world.study_uid("A1")), unknown)
    final = result.final_status
    assert final is not None and status_class(final) == "Failure", (
        f"expected a final status of the Failure class (A801 Move Destination unknown, or another failure), "
        f"observed {describe(final)}")
    evidence.add("#", "final status " + ("A801 (Move Destination unknown)" if final == Status.MOVE_DESTINATION_UNKNOWN
                                         else f"another failure, {describe(final)}"))
    completed = result.final_count("NumberOfCompletedSuboperations") or 0
    assert completed == 0, f"{completed} sub-operation(s) reported completed for an unknown destination"


@requirement("QR-MOVE-TO-DESTINATION")
@pytest.mark.parametrize("level", ["STUDY", "SERIES", "IMAGE"])
def test_move_delivers_intact_instances(level, qr, world, harness_peer):
    """C-MOVE at each level to the harness's listening AE; every selected instance must arrive there by
    C-STORE with the same UIDs and pixel data (PS3.4 C.4.2.3.1)."""
    model, identifier, series = _cases(world)[level]
    expected = world.sop_uids(*series)
    result, delivered = _move_to_peer(qr, harness_peer, model, identifier, expected)
    assert result.final_status == Status.SUCCESS, f"expected final Success, observed {describe(result.final_status)}"
    assert delivered == expected, f"{level}: expected {len(expected)} instance(s) at the destination, " \
                                  f"{len(delivered)} arrived; missing {sorted(expected - delivered)}"
    for instance in world.instances(*series):
        # What the storage SCP did to the Table B.4-1 attributes is STORE-RETAINS-INSTANCE's to judge
        assert_same_instance(instance, harness_peer.inbox.stored[str(instance.SOPInstanceUID)], coercion_allowed=True)


@requirement("QR-MOVE-SUBOP-COUNTS")
def test_move_suboperation_counts(qr, world, harness_peer):
    """C-MOVE of study A1 (3 instances): each Pending response carries all four counts; the final one
    none Remaining (PS3.4 C.4.2.1.6) and, if it has them (C.4.2.1.7 "may"), Completed equal to the instances
    that arrived and Failed 0."""
    model, identifier, series = _cases(world)["STUDY"]
    expected = world.sop_uids(*series)
    result, delivered = _move_to_peer(qr, harness_peer, model, identifier, expected)
    assert delivered, f"nothing arrived at the destination to count (final status {describe(result.final_status)})"
    assert_suboperation_counts(result, len(delivered), "C-MOVE")


@requirement("QR-MOVE-RSP-MESSAGE-ID")
def test_every_move_response_names_the_request(qr, world, harness_peer):
    """C-MOVE of study A1 to the harness peer: every C-MOVE-RSP, Pending and final, names the request's Message
    ID as Message ID Being Responded To (PS3.7 Table 9.3-8)."""
    model, identifier, series = _cases(world)["STUDY"]
    result, _ = _move_to_peer(qr, harness_peer, model, identifier, world.sop_uids(*series))
    assert_responses_name_request(result.commands, result.message_id, "C-MOVE")


@requirement("QR-MOVE-PENDING-NO-DATASET")
def test_move_responses_carry_no_data_set_without_failures(qr, world, harness_peer):
    """C-MOVE of study A1 (3 instances) to the harness peer: while no sub-operation failed there is no Failed SOP
    Instance UID List, so no C-MOVE-RSP carries a data set (PS3.4 C.4.2.1.4.2): Command Data Set Type 0101H."""
    model, identifier, series = _cases(world)["STUDY"]
    expected = world.sop_uids(*series)
    result, delivered = _move_to_peer(qr, harness_peer, model, identifier, expected)
    assert result.commands, "no C-MOVE-RSP command set was read off the wire"
    failed = result.final_count("NumberOfFailedSuboperations") or 0
    judged = result.commands if (delivered == expected and not failed) else result.commands[:-1]
    carrying = [f"response {n + 1} (status 0x{int(c.Status):04X}): Command Data Set Type 0x{int(c.CommandDataSetType):04X}"
                for n, c in enumerate(judged) if c.get("CommandDataSetType", 0x0101) != 0x0101]
    assert not carrying, "C-MOVE-RSPs carry a data set although no sub-operation had failed: " + "; ".join(carrying)


@requirement("QR-MOVE-PATIENT-LEVEL")
def test_patient_level_move_sends_every_study(qr, world, harness_peer):
    """Patient Root C-MOVE at the PATIENT level for patient A (two studies, four series) to the harness peer:
    all Composite Object Instances related to the patient shall be transferred (PS3.4 C.6.1.1.6)."""
    series = ("A1-CT", "A1-SC", "A2-CR", "A2-KO")
    expected = world.sop_uids(*series)
    result, delivered = _move_to_peer(qr, harness_peer, "patient_root", query("PATIENT", PatientID=world.pid("A")),
                                      expected)
    assert delivered == expected, (
        f"expected the {len(expected)} instance(s) of both of patient A's studies at the destination, "
        f"{len(delivered)} arrived (final status {describe(result.final_status)}); missing "
        f"{sorted(expected - delivered)}")
    assert result.final_status == Status.SUCCESS, f"expected final Success, observed {describe(result.final_status)}"
