"""What every DIMSE exchange of the harness shares: the failure it raises, the guard that keeps pynetdicom's
reactor off the responses we read ourselves, and compact evidence text for data sets and UIDs."""

from __future__ import annotations

import time
from contextlib import contextmanager

from pydicom.dataset import Dataset
from pydicom.uid import UID

from dicom_harness.errors import TargetStalled


class TargetFailure(AssertionError):
    """The target broke the protocol (aborted, did not answer): a FAIL, with evidence."""


# Targets (a "dimse host:port" or "web base URL" key) that stopped answering earlier in this run, with the first
# stall's words: later tests of the same target end at once with ERROR instead of waiting out their own timeouts.
_STALLED: dict[str, str] = {}


def refuse_if_stalled(key: str) -> None:
    """TargetStalled at once when the target stopped answering earlier in this run."""
    if key in _STALLED:
        raise TargetStalled(f"the target stopped answering earlier in this run ({_STALLED[key]}): not tried again")


def stalled(key: str, message: str) -> TargetStalled:
    """Remember that the target stopped answering; the error to raise now."""
    _STALLED.setdefault(key, message)
    return TargetStalled(message)


def forget_stalls() -> None:
    _STALLED.clear()


def describe_keys(ds: Dataset | None) -> str:
    """Compact text of a data set's keys for evidence: Keyword=value, sequences as Keyword[{...}]."""
    if ds is None:
        return ""
    parts = []
    for element in ds:
        if not element.keyword:
            continue
        if element.VR == "SQ":
            items = element.value or []
            parts.append(f"{element.keyword}[" + "; ".join("{" + describe_keys(item) + "}" for item in items[:5])
                         + (f"; +{len(items) - 5}" if len(items) > 5 else "") + "]")
        else:
            parts.append(f"{element.keyword}={'' if element.value is None else element.value}")
    return " ".join(parts)


def read_event_information(event) -> tuple[Dataset | None, str]:
    """The N-EVENT-REPORT's Event Information, decoded, and what went wrong if it cannot be: target data never
    raises inside pynetdicom's handler (that would answer a failure and lose the report)."""
    if event.request.EventInformation is None:
        return None, ""
    try:
        information = event.event_information
        for _ in information:       # pydicom decodes lazily: touch every element now
            pass
        return information, ""
    except Exception as exc:        # any decoding error is the target's data, reported as evidence
        return None, f"Event Information cannot be decoded: {type(exc).__name__}: {exc}"


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def uid_name(uid: str) -> str:
    name = UID(uid).name
    return name if name and name != uid else str(uid)


@contextmanager
def responses_are_ours(assoc):
    """While an operation waits for its responses, the association's reactor thread must not take them off
    the queue. pynetdicom pauses the reactor with a checkpoint, but a reactor just woken by the previous
    operation can still take one (then the response is lost and we wait out the timeout); so the reactor's
    non-blocking reads come back empty while we own the responses."""
    dimse = assoc.dimse
    if not getattr(dimse, "_dh_guarded", False):
        original = dimse.get_msg

        def get_msg(block: bool = False):
            if not block and getattr(dimse, "_dh_busy", False):
                return None, None
            return original(block=block)

        dimse.get_msg = get_msg
        dimse._dh_guarded = True
    dimse._dh_busy = True
    try:
        yield
    finally:
        dimse._dh_busy = False


@contextmanager
def owning_responses(assoc):
    """Pause pynetdicom's reactor, as its own send_c_* do, and guard the queue, while the caller sends a
    request and reads its responses itself."""
    assoc._reactor_checkpoint.clear()
    try:
        while not assoc._is_paused and assoc.is_established:
            time.sleep(0.0001)
        with responses_are_ours(assoc):
            yield
    finally:
        assoc._reactor_checkpoint.set()
