import pytest
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import build_context
from pynetdicom.pdu_primitives import SOPClassExtendedNegotiation
from pynetdicom.sop_class import StorageCommitmentPushModel

from dicom_harness.testing import Status, describe, request_commitment


@pytest.fixture
def stored_instances(dimse, make_instance):
    """stored_instances(n) -> n CT instances C-STOREd to the target (Success required)."""
    def run(count):
        instances = [make_instance("CT") for _ in range(count)]
        for instance in instances:
            response = dimse.store(instance)
            assert response.status == Status.SUCCESS, f"C-STORE before commitment: {describe(response.status)}"
        return instances
    return run


@pytest.fixture
def commit(dimse, harness_peer):
    """commit(references, transaction_uid, release_at_once=False) -> CommitmentResult."""
    def run(references, transaction_uid, **options):
        return request_commitment(dimse, harness_peer, references, transaction_uid, **options)
    return run


def references(instances):
    return [(str(i.SOPClassUID), str(i.SOPInstanceUID)) for i in instances]


@pytest.fixture
def commitment_extended_answer(dimse):
    """commitment_extended_answer(information) -> what the A-ASSOCIATE-AC returned in a SOP Class Extended
    Negotiation sub-item for Storage Commitment Push Model (bytes, or None) when the A-ASSOCIATE-RQ offered one
    with these bytes. The association is released at once."""
    def run(information: bytes):
        item = SOPClassExtendedNegotiation()
        item.sop_class_uid = StorageCommitmentPushModel
        item.service_class_application_information = information
        dimse.evidence.add(">", f"SOP Class Extended Negotiation sub-item for Storage Commitment Push Model: bytes "
                                f"{information.hex(' ')}")
        context = build_context(StorageCommitmentPushModel, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])
        with dimse.associate([context], extended_negotiation=[item]) as session:
            return session.extended_answer(StorageCommitmentPushModel)
    return run
