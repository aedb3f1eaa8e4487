import pytest

from dicom_harness.testing import Status, assert_same_instance, describe


@pytest.fixture
def store_and_read_back(dimse):
    """C-STORE the instance, require Success, read it back (C-GET) and compare."""
    def run(instance):
        response = dimse.store(instance)
        assert response.status == Status.SUCCESS, f"expected C-STORE Success, observed {describe(response.status)}"
        received = dimse.read_back(instance)
        assert_same_instance(instance, received)
        return received
    return run
