"""Verifiers more than one suite calls (h2spec keeps its verifiers in one place): each fails with expected vs
observed."""

from __future__ import annotations

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence as PydicomSequence

from dicom_harness.clients.exchange import TargetFailure
from dicom_harness.clients.query_retrieve import COUNT_KEYWORDS
from dicom_harness.data.datasets import pixel_digest
from dicom_harness.errors import HarnessError
from dicom_harness.shared.status import Status, describe

# Needed to address the instance at all: never changed by a storage SCP.
SOP_IDENTITY = ("SOPInstanceUID", "SOPClassUID")
# PS3.4 Table B.4-1, the attributes a storage SCP may coerce at any level, with a Warning status (B.4.1.3)
COERCIBLE = ("PatientID", "IssuerOfPatientID", "OtherPatientIDsSequence", "StudyInstanceUID", "SeriesInstanceUID")
IDENTIFYING = SOP_IDENTITY + COERCIBLE
# Where PS3.4 says the final response carries no Number of Remaining Sub-operations
REMAINING_CLAUSE = {"C-MOVE": "C.4.2.1.6", "C-GET": "C.4.3.1.5"}


def _value(dataset: Dataset, keyword: str) -> str:
    element = dataset.get(keyword)
    if element is None:
        return ""
    value = element.value if hasattr(element, "value") else element
    if isinstance(value, PydicomSequence):
        return "[" + "; ".join(str(item.get("PatientID", "")) for item in value) + "]"
    return "" if value is None else str(value)


def _digest(dataset: Dataset, what: str) -> str | None:
    """The pixel digest; a read-back whose pixel data cannot be decoded fails with the reason, unless the
    harness lacks the decoder (that is its own limit, not the target's fault)."""
    try:
        return pixel_digest(dataset)
    except NotImplementedError as exc:
        raise HarnessError(f"{what}: the harness cannot decode its pixel data ({exc})") from None
    except RuntimeError as exc:          # pydicom: no pixel data handler available for the transfer syntax
        raise HarnessError(f"{what}: the harness cannot decode its pixel data ({exc})") from None
    except Exception as exc:             # missing Rows, truncated Pixel Data, no file meta...
        raise TargetFailure(f"{what}: its pixel data cannot be read ({type(exc).__name__}: {exc})") from None


def assert_same_instance(sent: Dataset, received: Dataset, *, coercion_allowed: bool = False,
                         compare_pixels: bool = True) -> list[str]:
    """The read-back is the instance that was sent: SOP Instance and Class UID equal, the attributes of PS3.4
    Table B.4-1 (Patient ID, Issuer of Patient ID, Other Patient IDs, Study and Series Instance UID) equal
    unless coercion_allowed (the store answered a Warning: B.4.1.3 allows coercing them then), and identical
    decoded pixel data (compare_pixels: Type 1 at storage levels 1 and 2). Returns the coerced attributes
    ("keyword: sent -> read back"), for the evidence."""
    for keyword in SOP_IDENTITY:
        assert _value(received, keyword) == _value(sent, keyword), (
            f"{keyword}: sent {_value(sent, keyword)!r}, read back {_value(received, keyword)!r}")
    coerced = [f"{k}: {_value(sent, k)!r} -> {_value(received, k)!r}" for k in COERCIBLE
               if _value(received, k) != _value(sent, k)]
    assert coercion_allowed or not coerced, (
        f"read back with changed attributes ({'; '.join(coerced)}) although the C-STORE answered Success; PS3.4 "
        f"B.4.1.3: \"If an SCP performs such a modification, it shall return a C-STORE response with a status of "
        f"Warning\"")
    if compare_pixels:
        sent_digest, read_digest = _digest(sent, "the sent instance"), _digest(received, "the read-back instance")
        assert read_digest == sent_digest, (
            f"pixel data differs: sent digest {sent_digest}, read back {read_digest}")
    return coerced


def assert_suboperation_counts(result, arrived: int, operation: str) -> None:
    """C-MOVE or C-GET responses (PS3.4 C.4.2.1.6-8, C.4.3.1.5-7): every Pending one carries the four counts;
    the final one is Success and carries no Remaining count. Its Completed and Failed counts "may" be there
    (C.4.2.1.7, C.4.3.1.6; C.4.2.3.1 says a C-MOVE's "shall indicate" them, so the text is split): absent is
    accepted, present they must count the instances that arrived and no failure."""
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
    assert completed in (None, arrived), (
        f"final Number of Completed Sub-operations {completed}, but {arrived} instance(s) arrived")
    failed = result.final_count("NumberOfFailedSuboperations")
    assert failed in (None, 0), f"final Number of Failed Sub-operations {failed}, but every instance arrived"


# PS3.18 8.7.4 names the process of a rendered image/jpeg both "baseline" (SOF0, sequential) and "non-hierarchical
# non-sequential" (SOF2, progressive): the text allows either reading. Extended, lossless, hierarchical,
# arithmetic-coded and 12-bit frames fail both.
RENDERED_JPEG_FRAMES = {0xC0, 0xC2}
_START_OF_FRAME = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def jpeg_frame_marker(data: bytes) -> tuple[int, int] | None:
    """(SOFn marker, sample precision) of the first frame header of a JPEG stream; None if there is none."""
    if data[:2] != b"\xff\xd8":
        return None
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:
            at += 1
            continue
        if marker in _START_OF_FRAME:
            return marker, data[at + 4]
        if marker in (0xD9, 0xDA):
            return None
        at += 2 + int.from_bytes(data[at + 2:at + 4], "big")
    return None


def assert_rendered_jpeg(data: bytes, what: str) -> None:
    """A rendered image/jpeg body is made by the process PS3.18 8.7.4 names: 8-bit, baseline or progressive."""
    found = jpeg_frame_marker(data)
    if found is None:
        raise TargetFailure(f"{what}: no JPEG frame header (SOFn) found in the image/jpeg body")
    marker, precision = found
    if marker not in RENDERED_JPEG_FRAMES or precision != 8:
        raise TargetFailure(f"{what}: expected a baseline (SOF0, FFC0) or progressive (SOF2, FFC2) frame header with "
                            f"8-bit samples, observed marker FF{marker:02X} with {precision}-bit samples")

