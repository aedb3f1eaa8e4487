"""PS3.4 B.2.1 and B.4.2, PS3.7 9.1.1 and 9.3.1: the C-STORE requests a Storage SCU sent, and the instances in
them, judged against their IODs by dciodvfy (dicom3tools), which reads the standard's own module tables."""

import pydicom

from dicom_harness.testing import (
    TYPE1,
    TYPE2,
    UNREADABLE,
    VALUES,
    NotVerified,
    expected_of,
    received,
    requirement,
    uid_problem,
    uid_values,
    validate,
)

PRIORITIES = {0x0000: "MEDIUM", 0x0001: "HIGH", 0x0002: "LOW"}


@requirement("STORE-SCU-SENDS-CLAIMED")
def test_the_claimed_store_happened(recording, evidence):
    """Count the C-STORE requests that arrived; the product's scenario claims it stores images as a Storage SCU
    (PS3.2 7.3.1: a claimed SOP Class role is a declared behaviour), so at least one must come."""
    stores = recording.messages_of("C-STORE-RQ")
    evidence.add("#", f"{len(stores)} C-STORE-RQ in {len(recording.associations)} association(s)")
    expected = expected_of(recording, "storage-scu")
    assert stores, f"expected {expected}; none arrived while listening"


def _findings(recording, evidence, kinds):
    """[(message, [findings of these kinds])] over every C-STORE's data set, for the instances with any."""
    found = []
    for message in received(recording, "C-STORE-RQ", evidence):
        if not message.dataset_file:
            found.append((message, [f"no data set could be kept: {message.dataset_error or 'none arrived'}"]))
            continue
        report = validate(recording.path(message))
        if not report.known_iod:
            raise NotVerified(f"dciodvfy knows no IOD for SOP Class {message.fields.get('AffectedSOPClassUID')}")
        problems = [finding.describe() for finding in report.findings if finding.kind in kinds]
        for problem in problems:
            evidence.add("#", f"message {message.number} ({report.iod}): {problem}")
        if problems:
            found.append((message, problems))
    return found


def _assert_none(found: list, what: str) -> None:
    if found:
        first, problems = found[0]
        more = f"; and {len(found) - 1} more instance(s)" if len(found) > 1 else ""
        raise AssertionError(f"instance {first.fields.get('AffectedSOPInstanceUID', '?')}: {'; '.join(problems[:5])}"
                             f"{more}; {what} (PS3.4 B.4.2)")


@requirement("STORE-SCU-IOD-TYPE1")
def test_instances_have_their_type_1_attributes(recording, evidence):
    """Validate every instance sent against its IOD with dciodvfy; PS3.4 B.4.2 says the SCU shall send only
    instances meeting their IOD, so each Type 1 attribute is present with a value."""
    _assert_none(_findings(recording, evidence, {TYPE1}), "every Type 1 attribute must be present with a value")


@requirement("STORE-SCU-IOD-TYPE2")
def test_instances_have_their_type_2_attributes(recording, evidence):
    """Validate every instance sent against its IOD with dciodvfy; PS3.4 B.4.2 says the SCU shall send only
    instances meeting their IOD, so each Type 2 attribute is present (maybe empty)."""
    _assert_none(_findings(recording, evidence, {TYPE2}), "every Type 2 attribute must be present")


@requirement("STORE-SCU-IOD-VALUES")
def test_instance_values_are_valid(recording, evidence):
    """Validate every instance sent against its IOD with dciodvfy; PS3.4 B.4.2 says the SCU shall send only
    instances meeting their IOD, so their values fit VR, VM and Enumerated Values."""
    _assert_none(_findings(recording, evidence, {VALUES, UNREADABLE}), "values must be valid for the IOD")


@requirement("STORE-SCU-UID-SYNTAX")
def test_uids_are_well_formed(recording, evidence):
    """Check every UID of each C-STORE request and its data set against PS3.5 9.1 (digits and dots, no leading
    zeros, 64 characters at most); PS3.2 7.1 says a conformant product produces data sets as PS3.5 defines."""
    problems = []
    for message in received(recording, "C-STORE-RQ", evidence):
        uids = [(k, str(v)) for k, v in message.fields.items() if k.endswith("UID")]
        if message.dataset_file:
            try:
                uids += uid_values(pydicom.dcmread(recording.path(message)))
            except Exception as exc:         # unreadable data sets are STORE-SCU-IOD-VALUES' business
                evidence.add("#", f"message {message.number}: data set not read ({exc})")
        problems += [f"{keyword} {value!r}: {why}" for keyword, value in uids if (why := uid_problem(value))]
    for problem in problems[:20]:
        evidence.add("#", problem)
    assert not problems, f"{len(problems)} malformed UID(s), e.g. {problems[0]} (PS3.5 9.1)"


def _dataset(recording, message):
    if not message.dataset_file:
        raise AssertionError(f"message {message.number}: the C-STORE-RQ carried no readable data set")
    return pydicom.dcmread(recording.path(message), stop_before_pixels=True)


@requirement("STORE-SCU-AFFECTED-SOP-CLASS")
def test_affected_sop_class_is_the_instances(recording, evidence):
    """Compare each C-STORE-RQ's Affected SOP Class UID with its data set's SOP Class UID and its presentation
    context's abstract syntax; PS3.7 Table 9.3-1 defines it as the SOP Class of the instance to be stored."""
    for message in received(recording, "C-STORE-RQ", evidence):
        affected = message.fields.get("AffectedSOPClassUID", "")
        in_data = str(_dataset(recording, message).get("SOPClassUID", ""))
        assert affected == in_data, (f"message {message.number}: Affected SOP Class UID {affected}, the data set's "
                                     f"SOP Class UID {in_data or '(absent)'}; expected equal (PS3.7 9.3.1.1)")
        assert affected == message.abstract_syntax, (
            f"message {message.number}: Affected SOP Class UID {affected} sent on presentation context "
            f"{message.context_id} for {message.abstract_syntax}; expected the context of its SOP Class")


@requirement("STORE-SCU-AFFECTED-SOP-INSTANCE")
def test_affected_sop_instance_is_the_instances(recording, evidence):
    """Compare each C-STORE-RQ's Affected SOP Instance UID with its data set's SOP Instance UID; PS3.7 Table
    9.3-1 defines it as the UID of the SOP Instance to be stored."""
    for message in received(recording, "C-STORE-RQ", evidence):
        affected = message.fields.get("AffectedSOPInstanceUID", "")
        in_data = str(_dataset(recording, message).get("SOPInstanceUID", ""))
        assert affected == in_data, (f"message {message.number}: Affected SOP Instance UID {affected}, the data "
                                     f"set's SOP Instance UID {in_data or '(absent)'}; expected equal (PS3.7 9.3.1.1)")


@requirement("STORE-SCU-PRIORITY")
def test_priority_is_low_medium_or_high(recording, evidence):
    """Read each C-STORE-RQ's Priority; PS3.7 9.1.1.1.5 says it shall be one of LOW (0002H), MEDIUM (0000H) or
    HIGH (0001H)."""
    for message in received(recording, "C-STORE-RQ", evidence):
        priority = message.fields.get("Priority")
        assert priority in PRIORITIES, (f"message {message.number}: Priority {priority!r}; expected LOW (0002H), "
                                         "MEDIUM (0000H) or HIGH (0001H) (PS3.7 9.1.1.1.5)")
