"""Storing and reading back (PS3.4 B.2.2, B.4.1). A Success or a Warning means the SCP kept the instance (PS3.7
9.1.1.1.9: Warning, "able to store the composite SOP Instance, but detected a probable error"); what the
read-back must still hold follows the coercion rules of B.4.1.3 and the claimed storage level (B.4.1.1). A
target without C-GET or C-MOVE (retrieve = "none", B.1.2 note 1) is judged on its status, then NOT VERIFIED."""

import pytest

from dicom_harness.testing import NotVerified, Status, TargetFailure, assert_same_instance, describe, status_class


def assert_kept(response_status: int | None, what: str = "C-STORE") -> None:
    assert response_status is not None and status_class(response_status) in ("Success", "Warning"), (
        f"expected {what} Success (0000) or a Warning (B000, B006, B007...), observed {describe(response_status)}")


@pytest.fixture
def store_and_read_back(dimse, claims):
    """C-STORE the instance, require Success or Warning, read it back and compare: SOP Instance and Class UID
    always; the Table B.4-1 attributes unless the SCP answered a Warning; pixel data at levels 1 and 2. The
    status is judged first: a target that cannot be read back (retrieve = "none") is then NOT VERIFIED."""
    def run(instance):
        response = dimse.store(instance)
        assert_kept(response.status)
        warned = response.status != Status.SUCCESS
        try:
            received = dimse.read_back(instance)
        except TargetFailure as exc:
            if warned:
                raise NotVerified(f"the C-STORE answered {describe(response.status)}, so the SCP may have coerced "
                                  f"the Study or Series Instance UID (PS3.4 B.4.1.3), and the read-back by the sent "
                                  f"UIDs found nothing: {exc}") from None
            raise
        coerced = assert_same_instance(instance, received, coercion_allowed=warned,
                                       compare_pixels=claims.storage_level >= 1)
        if coerced:
            dimse.evidence.add("#", f"coerced with {describe(response.status)} (PS3.4 B.4.1.3): {'; '.join(coerced)}")
        return received
    return run
