"""PS3.4 C.4.3: C-GET, the instances coming back by C-STORE on the same association (SCP role negotiated
for their storage SOP classes), each compared with what was stored; sub-operation counts."""

import pytest

from dicom_harness.testing import (
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


def _partial_get(qr, world):
    """C-GET of study A1 (3 instances) whose C-STORE of the A1-SC instance the harness refuses (A700)."""
    model, identifier, series = _cases(world)["STUDY"]
    instances = world.instances(*series)
    refused = str(world.series["A1-SC"][0].SOPInstanceUID)
    result = qr.get(model, identifier, {i.SOPClassUID for i in instances}, refuse={refused})
    assert refused in result.stores, (
        f"the C-GET never sent the instance to refuse ({len(result.stores)} C-STORE(s), final status "
        f"{describe(result.final_status)}): nothing failed, so there is nothing to judge")
    return result, refused, len(instances)


@requirement("QR-GET-FINAL-STATUS")
def test_get_final_status_after_a_refused_store(qr, world):
    """C-GET of 3 instances, the harness refusing one C-STORE (A700): with some sub-operations completed and one
    unsuccessful, the final status shall be Warning (PS3.4 C.4.3.3.1), neither Success nor Failure."""
    result, _, total = _partial_get(qr, world)
    final = result.final_status
    assert final is not None and status_class(final) == "Warning", (
        f"expected a final Warning (B000 Sub-operations Complete - One or more Failures or Warnings): "
        f"{len(result.stores) - 1} of {total} C-STOREs succeeded and one was refused; observed {describe(final)}")


@requirement("QR-GET-FAILED-UID-LIST")
def test_get_failed_uid_list_names_the_refused_instance(qr, world):
    """C-GET of 3 instances, the harness refusing one C-STORE: the final Warning (or Failure) response carries
    an identifier whose Failed SOP Instance UID List names exactly the refused instance (PS3.4 C.4.3.1.3.2)."""
    result, refused, _ = _partial_get(qr, world)
    assert_failed_list_names(result, refused, "C-GET", "C.4.3.1.3.2")


@requirement("QR-GET-RSP-NO-CHARSET")
def test_get_response_identifier_has_no_charset(qr, world):
    """C-GET of 3 instances, one C-STORE refused, so the final response has an identifier (the Failed SOP
    Instance UID List): it shall not hold Specific Character Set (PS3.4 C.4.3.1.3.2)."""
    result, _, _ = _partial_get(qr, world)
    identifier = result.final_identifier or None         # an empty data set is no identifier either
    if identifier is None:
        raise NotVerified(f"the final C-GET response ({describe(result.final_status)}) carries no identifier "
                          f"to judge")
    assert "SpecificCharacterSet" not in identifier, (
        f"the final C-GET response identifier holds Specific Character Set "
        f"{identifier.SpecificCharacterSet!r}; C.4.3.1.3.2: it \"shall not be present\"")


@requirement("QR-GET-CANCEL")
def test_get_cancel_interrupts_the_sub_operations(qr, world):
    """C-GET of study A1 (3 instances); when the first C-STORE arrives, the harness sends C-CANCEL-GET-RQ before
    answering it. The SCP shall interrupt the sub-operations and end with Canceled (FE00) carrying the
    Completed, Failed and Warning counts; a Remaining count is the C-STOREs never started (PS3.4 C.4.3.3.1)."""
    model, identifier, series = _cases(world)["STUDY"]
    instances = world.instances(*series)
    result = qr.get(model, identifier, {i.SOPClassUID for i in instances}, cancel_after=1)
    assert result.stores, f"no C-STORE sub-operation arrived (final status {describe(result.final_status)})"
    assert result.final_status == Status.CANCEL, (
        f"expected the C-GET to end with Canceled (FE00) after the C-GET-CANCEL, observed "
        f"{describe(result.final_status)} after {len(result.stores)} of {len(instances)} C-STORE sub-operation(s)")
    missing = [k for k in ("NumberOfCompletedSuboperations", "NumberOfFailedSuboperations",
                           "NumberOfWarningSuboperations") if result.final_count(k) is None]
    assert not missing, f"the Canceled C-GET response lacks {missing} (C.4.3.3.1 \"shall contain\" them)"
    remaining = result.final_count("NumberOfRemainingSuboperations")
    assert remaining in (None, len(instances) - len(result.stores)), (
        f"Canceled response: Number of Remaining Sub-operations {remaining}, but {len(instances)} instance(s) were "
        f"selected and {len(result.stores)} C-STORE(s) initiated, so {len(instances) - len(result.stores)} were not")


@requirement("QR-GET-SUBOP-PRIORITY")
def test_get_sub_operations_carry_the_request_priority(qr, world):
    """C-GET of study A1 (3 instances) with Priority HIGH (0001H): every C-STORE sub-operation on the association
    carries Priority HIGH too (PS3.4 C.4.3.1.2: "The same priority shall be used for all C-STORE
    sub-operations"; PS3.7 9.1.3.1.4)."""
    model, identifier, series = _cases(world)["STUDY"]
    instances = world.instances(*series)
    result = qr.get(model, identifier, {i.SOPClassUID for i in instances}, priority=HIGH)
    seen = result.store_priorities
    assert seen, f"no C-STORE sub-operation arrived (final status {describe(result.final_status)})"
    names = {0: "MEDIUM (0000H)", 1: "HIGH (0001H)", 2: "LOW (0002H)"}
    qr.dimse.evidence.add("<", "C-STORE-RQs on the association: " + ", ".join(
        f"Priority={names.get(p, repr(p))}" for p in seen.values()))
    wrong = {u: p for u, p in seen.items() if p != HIGH}
    assert not wrong, (
        f"the C-GET-RQ had Priority HIGH (0001H); {len(wrong)} of {len(seen)} C-STORE sub-operation(s) carried "
        + ", ".join(sorted({names.get(p, repr(p)) for p in wrong.values()})))


# PS3.4 Table C.4-3 (A701, A702, A900, Cxxx) and PS3.7 9.1.3.1.6 (0122, 0124, 0210, 0211, 0212)
GET_FAILURE_CODES = (0xA701, 0xA702, 0xA900, 0x0122, 0x0124, 0x0210, 0x0211, 0x0212)


@requirement("QR-GET-FAILURE-CODES")
def test_get_failure_code_is_defined(qr, world, evidence):
    """C-GET of study A1 with an undefined Query/Retrieve Level: a Refused or Failed answer uses a code Table C.4-3
    defines (A701, A702, A900, Cxxx) or one of PS3.7 9.1.3.1.6's (0122, 0124, 0210-0212), not another."""
    model, _, series = _cases(world)["STUDY"]
    identifier = query("DH_NO_SUCH_LEVEL", StudyInstanceUID=world.study_uid("A1"))
    result = qr.get(model, identifier, {i.SOPClassUID for i in world.instances(*series)})
    final = result.final_status
    if final is None or status_class(final) != "Failure":
        raise NotVerified(f"the C-GET with an undefined level ended {describe(final)}: no failure code to judge")
    evidence.add("#", f"C-GET with an undefined level: {describe(final)}")
    assert final in GET_FAILURE_CODES or 0xC000 <= final <= 0xCFFF, (
        f"C-GET with an undefined Query/Retrieve Level: {describe(final)} is not a C-GET failure status (Table "
        f"C.4-3: A701, A702, A900, Cxxx; PS3.7 9.1.3.1.6: 0122, 0124, 0210, 0211, 0212)")


@requirement("QR-GET-WARNING-COUNTS")
def test_get_warning_counts_say_what_failed(qr, world):
    """C-GET of 3 instances, the harness refusing one C-STORE (A700): the counts of the final response, where present
    (PS3.7 9.1.3.1.8-10 "may"), say what happened: Completed = the C-STOREs answered Success, Failed = 1, Warning
    = 0 (each "specifies the number of C-STORE sub-operations invoked by this C-GET operation" that did so)."""
    result, refused, _ = _partial_get(qr, world)
    expected = {"NumberOfCompletedSuboperations": len(set(result.stores) - {refused}),
                "NumberOfFailedSuboperations": 1, "NumberOfWarningSuboperations": 0}
    observed = {k: result.final_count(k) for k in expected}
    if all(v is None for v in observed.values()):
        raise NotVerified(f"the final {describe(result.final_status)} response carries no sub-operation counts "
                          f"(PS3.7 9.1.3.1.8-10: \"may be included\"): nothing to judge")
    wrong = [f"{k} {observed[k]} (expected {v})" for k, v in expected.items() if observed[k] not in (None, v)]
    assert not wrong, (
        f"final status {result.final_status:#06x} after {len(result.stores)} C-STORE(s), one refused: " + "; ".join(wrong))


@requirement("QR-GET-PENDING-COUNTS")
def test_get_pending_counts_add_up(qr, world):
    """C-GET of study A1 (3 instances, every C-STORE answered Success): each Pending response's Remaining, Completed,
    Failed and Warning counts account for the 3 sub-operations (PS3.4 C.4.3.3.1: "These responses shall indicate the
    number of Remaining, Completed, Failure, and Warning C-STORE sub-operations")."""
    result, instances = _get(qr, world, "STUDY")
    assert_pending_counts_true(result, len(instances), "C-GET", "PS3.4 C.4.3.3.1")
