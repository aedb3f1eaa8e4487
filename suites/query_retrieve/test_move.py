"""PS3.4 C.4.2: C-MOVE to the harness's own listening AE (the session's harness peer), every delivered
instance compared with what was stored; unknown destinations; sub-operation counts; a destination that refuses
one C-STORE (final status, Failed SOP Instance UID List); C-MOVE-CANCEL."""


import pytest

from dicom_harness.testing import (
    NotClaimed,
    NotVerified,
    Status,
    assert_same_instance,
    assert_suboperation_counts,
    describe,
    requirement,
    status_class,
)

from .conftest import (
    assert_failed_list_names,
    assert_pending_counts_true,
    assert_responses_name_request,
    query,
)

HIGH = 1      # PS3.7 Annex E, Priority (0000,0700): LOW 0002H, MEDIUM 0000H, HIGH 0001H


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


# PS3.4 Table C.4-2 (A701, A702, A801, A900, Cxxx) and PS3.7 9.1.4.1.7 (0122, 0124, 0210, 0211, 0212)
MOVE_FAILURE_CODES = (0xA701, 0xA702, 0xA801, 0xA900, 0x0122, 0x0124, 0x0210, 0x0211, 0x0212)


@requirement("QR-MOVE-FAILURE-CODES")
def test_move_failure_code_is_defined(qr, world, harness_peer, evidence):
    """C-MOVE of study A1 to an AE title the SCP cannot know: a Refused or Failed answer uses a code Table C.4-2
    defines (A701, A702, A801, A900, Cxxx) or one of PS3.7 9.1.4.1.7's (0122, 0124, 0210-0212), not another (an
    answer of another class has no failure code: that is QR-MOVE-UNKNOWN-DESTINATION's to judge)."""
    unknown = ("NO_" + harness_peer.config.ae_title)[:16]
    result = qr.move("study_root", query("STUDY", StudyInstanceUID=world.study_uid("A1")), unknown)
    final = result.final_status
    if final is None or status_class(final) != "Failure":
        evidence.add("#", f"the C-MOVE to an unknown destination ended {describe(final)}: no failure code")
        return
    assert final in MOVE_FAILURE_CODES or 0xC000 <= final <= 0xCFFF, (
        f"C-MOVE to an unknown destination: {describe(final)} is not a C-MOVE failure status (Table C.4-2: A701, "
        f"A702, A801, A900, Cxxx; PS3.7 9.1.4.1.7: 0122, 0124, 0210, 0211, 0212)")


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


def _partial_move(qr, world, harness_peer):
    """C-MOVE of study A1 (3 instances) to the harness peer, which refuses the second C-STORE to arrive (A700
    Refused: Out of Resources) and stores the others, so at least one sub-operation completed before the failure,
    whatever order the SCP sends in. Returns the result, the refused SOP Instance UID and the selected ones."""
    model, identifier, series = _cases(world)["STUDY"]
    expected = world.sop_uids(*series)
    for uid in expected:
        harness_peer.inbox.stored.pop(uid, None)
    before = len(harness_peer.inbox.refused)
    harness_peer.expect_stores(refuse_arrival=2)
    try:
        result = qr.move(model, identifier, harness_peer.config.ae_title)
        harness_peer.wait_for(lambda inbox: len(inbox.refused) > before, timeout=2.0)
    finally:
        harness_peer.expect_stores()
    refused = harness_peer.inbox.refused[before:]
    assert refused, (f"fewer than 2 C-STOREs reached the destination (final status {describe(result.final_status)})"
                     f": nothing was refused, so there is nothing to judge")
    stored = expected & set(harness_peer.inbox.stored)
    qr.dimse.evidence.add(
        "#", f"the destination stored {len(stored)} instance(s) and refused the C-STORE of {refused[0]} (A700, "
             f"the 2nd to arrive); {len(expected) - len(stored) - 1} of the {len(expected)} selected never arrived")
    return result, refused[0], expected


@requirement("QR-MOVE-FINAL-STATUS")
def test_move_final_status_after_a_refused_store(qr, world, harness_peer):
    """C-MOVE of 3 instances to the harness peer, which stores the first C-STORE and refuses the second (A700):
    one or more sub-operations completed and one or more unsuccessful, so the final status shall be Warning
    (PS3.4 C.4.2.3.1), neither Success nor Failure."""
    result, _, expected = _partial_move(qr, world, harness_peer)
    final = result.final_status
    assert final is not None and status_class(final) == "Warning", (
        f"expected a final Warning (B000 Sub-operations Complete - One or more Failures or Warnings): the "
        f"destination stored {len(expected & set(harness_peer.inbox.stored))} of {len(expected)} instances and "
        f"refused one; observed {describe(final)}")


@requirement("QR-MOVE-FAILED-UID-LIST")
def test_move_failed_uid_list_names_the_refused_instance(qr, world, harness_peer):
    """C-MOVE of 3 instances, the destination refusing one C-STORE: the final Warning (or Failure) response
    carries an identifier whose Failed SOP Instance UID List names exactly the refused instance (PS3.4
    C.4.2.1.4.2)."""
    result, refused, _ = _partial_move(qr, world, harness_peer)
    assert_failed_list_names(result, refused, "C-MOVE", "C.4.2.1.4.2")


@requirement("QR-MOVE-RSP-NO-CHARSET")
def test_move_response_identifier_has_no_charset(qr, world, harness_peer, evidence):
    """C-MOVE of 3 instances, one C-STORE refused, so the final response should carry an identifier (the Failed
    SOP Instance UID List): an identifier in a C-MOVE response shall not hold Specific Character Set (PS3.4
    C.4.2.1.4.2). A response without identifier holds none either (its lack is QR-MOVE-FAILED-UID-LIST's)."""
    result, _, _ = _partial_move(qr, world, harness_peer)
    identifier = result.final_identifier or None
    if identifier is None:
        evidence.add("#", "the final C-MOVE response carries no identifier, so no Specific Character Set")
        return
    assert "SpecificCharacterSet" not in identifier, (
        f"the final C-MOVE response identifier holds Specific Character Set "
        f"{identifier.SpecificCharacterSet!r}; C.4.2.1.4.2: it \"shall not be present\"")


def _cancelled_move(qr, cancel_world, harness_peer):
    """C-MOVE of the 20-instance series to the harness peer; when the first C-STORE arrives there, the harness
    sends C-MOVE-CANCEL-RQ on the C-MOVE's association before the peer answers that C-STORE. Returns the result,
    the number of C-STOREs that reached the destination (initiated) and the number selected."""
    world, series = cancel_world
    identifier = query("SERIES", StudyInstanceUID=world.study_uid("C1"), SeriesInstanceUID=world.series_uid(series))
    selected = world.sop_uids(series)
    arrivals: list[str] = []
    with qr.move_session("study_root") as (session, uid):
        context = next(c for c in session.accepted if c.abstract_syntax == uid)

        def on_arrival(sop: str) -> None:
            arrivals.append(sop)
            if len(arrivals) == 1:
                message_id = session.last_message_id      # the C-MOVE's
                session.evidence.add(">", f"C-CANCEL-MOVE-RQ MessageIDBeingRespondedTo={message_id} (C-STORE "
                                          f"sub-operation 1 arrived at the destination; sent before its C-STORE-RSP)")
                session.assoc.send_c_cancel(message_id, context.context_id)

        for sop in selected:
            harness_peer.inbox.stored.pop(sop, None)
        harness_peer.expect_stores(on_arrival=on_arrival)
        try:
            result = session.move(identifier, harness_peer.config.ae_title, uid)
            # a C-STORE initiated just before the final response reaches the peer too: it comes before the end of
            # its association (wait for that, 0.3 s at most)
            harness_peer.wait_for(lambda inbox: inbox.connections == 0, timeout=0.3)
        finally:
            harness_peer.expect_stores()
    initiated = len(set(arrivals))
    session.evidence.add("#", f"{initiated} of {len(selected)} C-STORE sub-operation(s) reached the destination")
    assert arrivals, f"no C-STORE sub-operation reached the destination (final status {describe(result.final_status)})"
    return result, initiated, len(selected)


@requirement("QR-MOVE-CANCEL")
def test_move_cancel_interrupts_the_sub_operations(qr, cancel_world, harness_peer):
    """C-MOVE of a 20-instance series; C-MOVE-CANCEL-RQ when the first C-STORE reaches the destination. The SCP
    shall interrupt the C-STORE sub-operations and answer Canceled (FE00) with the Completed, Failed and Warning
    counts (PS3.4 C.4.2.3.1)."""
    result, initiated, selected = _cancelled_move(qr, cancel_world, harness_peer)
    assert result.final_status == Status.CANCEL, (
        f"expected the C-MOVE to end with Canceled (FE00) after the C-MOVE-CANCEL, observed "
        f"{describe(result.final_status)} after {initiated} of {selected} C-STORE sub-operation(s)")
    missing = [k for k in ("NumberOfCompletedSuboperations", "NumberOfFailedSuboperations",
                           "NumberOfWarningSuboperations") if result.final_count(k) is None]
    assert not missing, f"the Canceled C-MOVE response lacks {missing} (C.4.2.3.1 \"shall contain\" them)"


@requirement("QR-MOVE-CANCEL-REMAINING")
def test_move_cancel_remaining_counts_the_stores_not_initiated(qr, cancel_world, harness_peer):
    """C-MOVE of a 20-instance series, cancelled at the first C-STORE: if the Canceled response has a Remaining
    count, it is the C-STOREs never initiated, the selected instances less those that reached the destination
    (PS3.4 C.4.2.3.1)."""
    result, initiated, selected = _cancelled_move(qr, cancel_world, harness_peer)
    if result.final_status != Status.CANCEL:
        raise NotVerified(f"the C-MOVE did not end with Canceled ({describe(result.final_status)}): no Remaining "
                          f"count of a cancelled C-MOVE to judge")
    remaining = result.final_count("NumberOfRemainingSuboperations")
    assert remaining in (None, selected - initiated), (
        f"Canceled response: Number of Remaining Sub-operations {remaining}, but {selected} instance(s) were "
        f"selected and {initiated} C-STORE(s) initiated, so {selected - initiated} were not")


@requirement("QR-MOVE-SUBOP-PRIORITY")
def test_move_sub_operations_carry_the_request_priority(qr, world, harness_peer):
    """C-MOVE of study A1 (3 instances) with Priority HIGH (0001H): every C-STORE sub-operation reaching the
    destination carries Priority HIGH too (PS3.7 9.1.4.1.4: "This priority shall also be the priority used for
    all sub-operations"; PS3.4 C.4.2.1.2)."""
    model, identifier, series = _cases(world)["STUDY"]
    expected = world.sop_uids(*series)
    for uid in expected:
        harness_peer.inbox.stored.pop(uid, None)
        harness_peer.inbox.priorities.pop(uid, None)
    result = qr.move(model, identifier, harness_peer.config.ae_title, priority=HIGH)
    harness_peer.wait_for(lambda inbox: all(u in inbox.priorities for u in expected), timeout=5.0)
    seen = {u: harness_peer.inbox.priorities[u] for u in expected if u in harness_peer.inbox.priorities}
    assert seen, f"no C-STORE sub-operation reached the destination (final status {describe(result.final_status)})"
    qr.dimse.evidence.add("<", "C-STORE-RQs at the destination: " + ", ".join(
        f"Priority={_priority_name(p)}" for p in seen.values()))
    wrong = {u: p for u, p in seen.items() if p != HIGH}
    assert not wrong, (
        f"the C-MOVE-RQ had Priority HIGH (0001H); {len(wrong)} of {len(seen)} C-STORE sub-operation(s) carried "
        + ", ".join(sorted({_priority_name(p) for p in wrong.values()})))


def _priority_name(priority) -> str:
    return {0: "MEDIUM (0000H)", 1: "HIGH (0001H)", 2: "LOW (0002H)"}.get(priority, repr(priority))


@requirement("QR-MOVE-WARNING-COUNTS")
def test_move_warning_counts_say_what_failed(qr, world, harness_peer):
    """C-MOVE of 3 instances to the harness peer, which refuses the second C-STORE (A700): the final response "shall
    indicate the number of Completed sub-operations, the number of Failed sub-operations, and the number of
    sub-operations with Warning Status" (PS3.4 C.4.2.3.1): those stored, 1 and 0. Counts left out are accepted
    (C.4.2.1.7 says "may"); counts given must be right."""
    result, _, expected = _partial_move(qr, world, harness_peer)
    stored = len(expected & set(harness_peer.inbox.stored))
    want = {"NumberOfCompletedSuboperations": stored, "NumberOfFailedSuboperations": 1,
            "NumberOfWarningSuboperations": 0}
    observed = {k: result.final_count(k) for k in want}
    if all(v is None for v in observed.values()):
        raise NotVerified(f"the final {describe(result.final_status)} response carries no sub-operation counts: "
                          f"nothing to judge")
    wrong = [f"{k} {observed[k]} (expected {v})" for k, v in want.items() if observed[k] not in (None, v)]
    assert not wrong, (f"final status {result.final_status:#06x}: the destination stored {stored} instance(s) and "
                       f"refused one; " + "; ".join(wrong))


@requirement("QR-MOVE-PENDING-COUNTS")
def test_move_pending_counts_add_up(qr, world, harness_peer):
    """C-MOVE of study A1 (3 instances) to the harness peer, which stores them all: each Pending response's Remaining,
    Completed, Failed and Warning counts account for the 3 sub-operations (PS3.4 C.4.2.3.1: "These responses shall
    indicate the Remaining, Completed, Failed, and Warning C-STORE sub-operations")."""
    model, identifier, series = _cases(world)["STUDY"]
    expected = world.sop_uids(*series)
    result, _ = _move_to_peer(qr, harness_peer, model, identifier, expected)
    assert_pending_counts_true(result, len(expected), "C-MOVE", "PS3.4 C.4.2.3.1")


@requirement("QR-RELATIONAL-RETRIEVE")
def test_relational_move_by_series_uid_only(qr, world, harness_peer):
    """Propose relational-retrieval for the Study Root C-MOVE model (byte 1 = 1); once agreed, a SERIES C-MOVE giving
    only series A1-CT's Series Instance UID (no Study Instance UID) sends its 2 instances (PS3.4 C.4.2.3.2.1: "all
    Composite Object Instances related to a series by only providing a Series Instance UID")."""
    expected = world.sop_uids("A1-CT")
    with qr.extended_session("study_root", "C-MOVE", b"\x01", "relational-retrieval=1") as (session, uid, answer):
        if answer is None or answer[:1] != b"\x01":
            raise NotClaimed("the target did not agree relational-retrieval for the Study Root C-MOVE model "
                             f"({'no sub-item' if answer is None else 'bytes ' + answer.hex(' ')})")
        for sop in expected:
            harness_peer.inbox.stored.pop(sop, None)
        result = session.move(query("SERIES", SeriesInstanceUID=world.series_uid("A1-CT")),
                              harness_peer.config.ae_title, uid, 2)
    harness_peer.wait_for(lambda inbox: all(u in inbox.stored for u in expected), timeout=5.0)
    delivered = {u for u in expected if u in harness_peer.inbox.stored}
    assert delivered == expected, (
        f"relational-retrieval agreed, SERIES C-MOVE by Series Instance UID only: expected the {len(expected)} "
        f"instance(s) of series A1-CT at the destination, {len(delivered)} arrived (final status "
        f"{describe(result.final_status)})")
