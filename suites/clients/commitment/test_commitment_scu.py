"""PS3.4 J.3.2.1: the N-ACTION requests a Storage Commitment Push Model SCU sent to ask for the safekeeping of
the instances it stored, their command fields and their Action Information (Table J.3-1)."""

import pydicom

from dicom_harness.testing import NotVerified, expected_of, requirement, uid_problem

PUSH_MODEL = "1.2.840.10008.1.20.1"            # Storage Commitment Push Model SOP Class
WELL_KNOWN_INSTANCE = "1.2.840.10008.1.20.1.1"   # its well-known SOP Instance (PS3.4 J.3.5)


def _of_commitment(recording):
    return [m for m in recording.messages_of("N-ACTION-RQ")
            if PUSH_MODEL in (m.abstract_syntax, m.fields.get("RequestedSOPClassUID"))]


def _requests(recording, evidence):
    found = _of_commitment(recording)
    if not found:
        raise NotVerified("no storage commitment N-ACTION arrived while listening, so there is nothing to judge")
    for message in found:
        evidence.add("<", f"{message.describe()} Action Type ID {message.fields.get('ActionTypeID')}, Requested "
                          f"SOP Instance {message.fields.get('RequestedSOPInstanceUID')}")
    return found


def _information(recording, message):
    if not message.dataset_file:
        raise AssertionError(f"message {message.number}: the N-ACTION-RQ carried no readable Action Information "
                             f"({message.dataset_error or 'none arrived'}) (PS3.4 J.3.2.1.1)")
    return pydicom.dcmread(recording.path(message))


@requirement("COMMIT-SCU-SENDS-CLAIMED")
def test_the_claimed_commitment_request_happened(recording, evidence):
    """Count the storage commitment N-ACTION requests that arrived; the product's scenario claims it asks for
    storage commitment as a Push Model SCU (PS3.2 7.3.1), so at least one must come."""
    requests = _of_commitment(recording)
    evidence.add("#", f"{len(requests)} storage commitment N-ACTION-RQ")
    expected = expected_of(recording, "commitment-scu")
    assert requests, f"expected {expected}; none arrived while listening"


@requirement("COMMIT-SCU-ACTION-TYPE")
def test_action_type_is_1(recording, evidence):
    """Read each storage commitment N-ACTION-RQ's Action Type ID; PS3.4 J.3.2.1.2 says it is 1 (Request Storage
    Commitment)."""
    for message in _requests(recording, evidence):
        action = message.fields.get("ActionTypeID")
        assert action == 1, (f"message {message.number}: Action Type ID {action!r}; expected 1, the request for "
                             "storage commitment (PS3.4 J.3.2.1.2)")


@requirement("COMMIT-SCU-WELL-KNOWN-INSTANCE")
def test_requested_instance_is_the_well_known_one(recording, evidence):
    """Read each N-ACTION-RQ's Requested SOP Class and Instance UIDs; PS3.4 J.3.2.1.2 says it names the
    well-known Push Model instance 1.2.840.10008.1.20.1.1."""
    for message in _requests(recording, evidence):
        sop_class = message.fields.get("RequestedSOPClassUID", "")
        instance = message.fields.get("RequestedSOPInstanceUID", "")
        assert sop_class == PUSH_MODEL, (f"message {message.number}: Requested SOP Class UID {sop_class or '(absent)'}"
                                         f"; expected {PUSH_MODEL} (Storage Commitment Push Model) (PS3.4 J.3.2.1.2)")
        assert instance == WELL_KNOWN_INSTANCE, (
            f"message {message.number}: Requested SOP Instance UID {instance or '(absent)'}; expected the well-known "
            f"{WELL_KNOWN_INSTANCE} (PS3.4 J.3.2.1.2, J.3.5)")


@requirement("COMMIT-SCU-TRANSACTION-UID")
def test_transaction_uid_is_a_valid_uid(recording, evidence):
    """Read the Transaction UID of each request's Action Information; PS3.4 Table J.3-1 makes it Type 1, and a
    UID is valid as PS3.5 9.1 defines it."""
    for message in _requests(recording, evidence):
        info = _information(recording, message)
        transaction = str(info.get("TransactionUID", "") or "")
        evidence.add("#", f"message {message.number}: Transaction UID {transaction or '(absent)'}")
        assert transaction, (f"message {message.number}: no Transaction UID (0008,1195) value; expected one to "
                             "identify the request (PS3.4 J.3.2.1.2, Table J.3-1)")
        problem = uid_problem(transaction)
        assert not problem, f"message {message.number}: Transaction UID {transaction!r}: {problem} (PS3.5 9.1)"


@requirement("COMMIT-SCU-TRANSACTION-UNIQUE")
def test_each_request_has_its_own_transaction_uid(recording, evidence):
    """Compare the Transaction UIDs of all storage commitment requests; PS3.4 J.3.2.1.2 says each one
    identifies its request uniquely."""
    seen: dict[str, int] = {}
    for message in _requests(recording, evidence):
        transaction = str(_information(recording, message).get("TransactionUID", "") or "")
        if not transaction:
            continue        # COMMIT-SCU-TRANSACTION-UID's business
        assert transaction not in seen, (f"message {message.number}: Transaction UID {transaction} already used by "
                                         f"message {seen.get(transaction)}; expected one per request "
                                         "(PS3.4 J.3.2.1.2)")
        seen[transaction] = message.number


@requirement("COMMIT-SCU-REFERENCED-ITEMS")
def test_referenced_items_name_class_and_instance(recording, evidence):
    """Read each request's Referenced SOP Sequence; PS3.4 Table J.3-1 makes it, and each item's Referenced SOP
    Class and Instance UIDs, Type 1 for the SCU."""
    for message in _requests(recording, evidence):
        items = _information(recording, message).get("ReferencedSOPSequence") or []
        evidence.add("#", f"message {message.number}: {len(items)} referenced instance(s)")
        assert items, (f"message {message.number}: Referenced SOP Sequence (0008,1199) absent or empty; expected the "
                       "instances to commit (PS3.4 Table J.3-1)")
        for number, item in enumerate(items):
            lacking = [k for k in ("ReferencedSOPClassUID", "ReferencedSOPInstanceUID") if not item.get(k)]
            assert not lacking, (f"message {message.number}: Referenced SOP Sequence item {number} lacks "
                                 f"{', '.join(lacking)}; expected both UIDs with values (PS3.4 Table J.3-1)")


@requirement("COMMIT-SCU-REFERENCED-CLASS")
def test_stored_instances_are_referenced_with_their_class(recording, evidence):
    """Compare each referenced instance the product stored while listened to with its C-STORE's SOP Class;
    PS3.4 J.3.2.1.2 says the request references the instances to commit."""
    stored = {m.fields.get("AffectedSOPInstanceUID"): m.fields.get("AffectedSOPClassUID")
              for m in recording.messages_of("C-STORE-RQ")}
    compared = 0
    for message in _requests(recording, evidence):
        for item in _information(recording, message).get("ReferencedSOPSequence") or []:
            instance, sop_class = str(item.get("ReferencedSOPInstanceUID", "")), item.get("ReferencedSOPClassUID")
            if instance not in stored:
                continue
            compared += 1
            if not sop_class:
                continue        # COMMIT-SCU-REFERENCED-ITEMS' business
            assert str(sop_class) == stored[instance], (
                f"message {message.number}: instance {instance} referenced as SOP Class {sop_class}, stored as "
                f"{stored[instance]}; expected the class it was stored with (PS3.4 J.3.2.1.2)")
    evidence.add("#", f"{compared} referenced instance(s) stored while listening, compared")
    if not compared:
        raise NotVerified("no referenced instance was stored while listening, so no SOP Class to compare with")
