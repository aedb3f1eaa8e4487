"""The shared verifiers of harness/checks.py on their own: what a read-back must hold after a C-STORE (PS3.4
B.2.2, B.4.1.3), and that odd target data fails with a reason instead of raising."""

import copy

import pytest

from dicom_harness.checks import assert_same_instance
from dicom_harness.clients.exchange import TargetFailure
from dicom_harness.data.datasets import DatasetFactory


@pytest.fixture
def sent():
    return DatasetFactory(seed=7).make("CT")


def _copy(dataset):
    return copy.deepcopy(dataset)


def test_identical_read_back_passes(sent):
    assert assert_same_instance(sent, _copy(sent)) == []


@pytest.mark.parametrize("keyword, value", [("PatientID", "ARCHIVE-1"), ("IssuerOfPatientID", "ARCHIVE"),
                                            ("StudyInstanceUID", "2.25.1"), ("SeriesInstanceUID", "2.25.2")])
def test_coercion_of_table_b41_attributes_needs_a_warning(sent, keyword, value):
    """B.4.1.3: coercing these is allowed, "it shall return a C-STORE response with a status of Warning"."""
    received = _copy(sent)
    setattr(received, keyword, value)
    with pytest.raises(AssertionError, match="shall return a C-STORE response with a status of"):
        assert_same_instance(sent, received)                          # the store answered Success
    (coerced,) = assert_same_instance(sent, received, coercion_allowed=True)      # it answered a Warning
    assert coerced.startswith(keyword) and value in coerced


@pytest.mark.parametrize("keyword", ["SOPInstanceUID", "SOPClassUID"])
def test_sop_identity_never_changes_even_after_a_warning(sent, keyword):
    received = _copy(sent)
    setattr(received, keyword, "2.25.3")
    with pytest.raises(AssertionError, match=keyword):
        assert_same_instance(sent, received, coercion_allowed=True)


def test_pixels_compared_after_a_warning_but_not_at_level_0(sent):
    received = _copy(sent)
    received.PixelData = bytes([received.PixelData[0] ^ 0xFF]) + received.PixelData[1:]
    with pytest.raises(AssertionError, match="pixel data differs"):
        assert_same_instance(sent, received, coercion_allowed=True)
    assert assert_same_instance(sent, received, compare_pixels=False) == []      # level 0: a user-defined subset


def test_undecodable_read_back_is_a_failure_not_an_error(sent):
    received = _copy(sent)
    del received.Rows
    with pytest.raises(TargetFailure, match="pixel data cannot be read"):
        assert_same_instance(sent, received)


def _retrieve(final_counts: dict, pending_counts: dict | None = None):
    from pydicom.dataset import Dataset

    from dicom_harness.clients.query_retrieve import RetrieveResult
    final = Dataset()
    final.Status = 0
    for keyword, value in final_counts.items():
        setattr(final, keyword, value)
    responses = []
    if pending_counts is not None:
        pending = Dataset()
        pending.Status = 0xFF00
        for keyword, value in pending_counts.items():
            setattr(pending, keyword, value)
        responses.append(pending)
    return RetrieveResult(message_id=1, responses=[*responses, final], final=final)


ALL_COUNTS = {"NumberOfRemainingSuboperations": 1, "NumberOfCompletedSuboperations": 1,
              "NumberOfFailedSuboperations": 0, "NumberOfWarningSuboperations": 0}


def test_final_counts_may_be_absent():
    """PS3.4 C.4.2.1.7 and C.4.3.1.6: a final Success "may contain" the Completed count, so none is no fault."""
    from dicom_harness.checks import assert_suboperation_counts
    assert_suboperation_counts(_retrieve({}, ALL_COUNTS), 2, "C-GET")
    with pytest.raises(AssertionError, match="Completed"):
        assert_suboperation_counts(_retrieve({"NumberOfCompletedSuboperations": 3}), 2, "C-MOVE")
    with pytest.raises(AssertionError, match="Remaining"):
        assert_suboperation_counts(_retrieve({"NumberOfRemainingSuboperations": 0}), 2, "C-MOVE")
    with pytest.raises(AssertionError, match="Pending"):
        assert_suboperation_counts(_retrieve({}, {"NumberOfCompletedSuboperations": 1}), 2, "C-GET")
