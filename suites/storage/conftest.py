import pytest

from dicom_harness.data.datasets import pixel_digest
from dicom_harness.shared.status import Status, describe


def assert_same_instance(sent, received):
    """Identifying attributes and decoded pixel data must survive the round trip."""
    for keyword in ("SOPInstanceUID", "SOPClassUID", "StudyInstanceUID", "SeriesInstanceUID", "PatientID"):
        assert str(received.get(keyword, "")) == str(sent.get(keyword, "")), (
            f"{keyword}: sent {sent.get(keyword)!s}, read back {received.get(keyword)!s}")
    assert pixel_digest(received) == pixel_digest(sent), (
        f"pixel data differs: sent digest {pixel_digest(sent)}, read back {pixel_digest(received)}")


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
