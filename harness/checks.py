"""Verifiers more than one suite calls (h2spec keeps its verifiers in one place): each fails with expected vs
observed."""

from __future__ import annotations

from pydicom.dataset import Dataset

from dicom_harness.clients.query_retrieve import COUNT_KEYWORDS
from dicom_harness.data.datasets import pixel_digest
from dicom_harness.shared.status import Status, describe

IDENTIFYING = ("SOPInstanceUID", "SOPClassUID", "StudyInstanceUID", "SeriesInstanceUID", "PatientID")
# Where PS3.4 says the final response carries no Number of Remaining Sub-operations
REMAINING_CLAUSE = {"C-MOVE": "C.4.2.1.6", "C-GET": "C.4.3.1.5"}


def assert_same_instance(sent: Dataset, received: Dataset) -> None:
    """Identifying attributes and decoded pixel data must survive the round trip."""
    for keyword in IDENTIFYING:
        assert str(received.get(keyword, "")) == str(sent.get(keyword, "")), (
            f"{keyword}: sent {sent.get(keyword)!s}, read back {received.get(keyword)!s}")
    assert pixel_digest(received) == pixel_digest(sent), (
        f"pixel data differs: sent digest {pixel_digest(sent)}, read back {pixel_digest(received)}")


def assert_suboperation_counts(result, arrived: int, operation: str) -> None:
    """C-MOVE or C-GET responses (PS3.4 C.4.2.1.6, C.4.3.1.5 to C.4.3.1.8): every Pending one carries the four
    counts; the final one is Success, carries no Remaining count, counts as Completed the instances that
    arrived and none as Failed."""
    for response in result.pending:
        missing = [k for k in COUNT_KEYWORDS if k not in response]
        assert not missing, f"a Pending {operation} response lacks {missing}"
    final = result.final
    assert final is not None and result.final_status == Status.SUCCESS, (
        f"expected final Success, observed {describe(result.final_status)}")
    assert "NumberOfRemainingSuboperations" not in final, (
        f"the final response carries Number of Remaining Sub-operations "
        f"({final.NumberOfRemainingSuboperations}); PS3.4 {REMAINING_CLAUSE[operation]} says it shall not")
    completed = result.final_count("NumberOfCompletedSuboperations")
    assert completed == arrived, (
        f"final Number of Completed Sub-operations {completed}, but {arrived} instance(s) arrived")
    assert (result.final_count("NumberOfFailedSuboperations") or 0) == 0, (
        f"final Number of Failed Sub-operations {result.final_count('NumberOfFailedSuboperations')}")
