import pytest

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
