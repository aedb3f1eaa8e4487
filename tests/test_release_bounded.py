"""A release the association's own thread never lets happen ends in bounded time: pynetdicom's release() waits,
without a limit, for that thread to pause (a fault-matrix batch once hung 20 minutes there), so the harness waits
for it at most the ACSE timeout plus a margin, then aborts and says why in the evidence."""

from __future__ import annotations

import threading

from dicom_harness.clients.dimse import RELEASE_MARGIN, Session
from dicom_harness.clients.evidence import Evidence


class _Association:
    acse_timeout = 0.2

    def __init__(self, thread_alive=True, release_blocks=False):
        self.is_established = True
        self.is_released = False
        self.is_aborted = False
        self.thread_alive = thread_alive
        self.release_blocks = release_blocks
        self.never = threading.Event()

    def is_alive(self):
        return self.thread_alive

    def release(self):
        if self.release_blocks:
            self.never.wait()       # as pynetdicom's spin on a thread that never pauses
        self.is_released, self.is_established = True, False

    def abort(self):
        self.is_aborted, self.is_established = True, False


def _release(assoc):
    evidence = Evidence()
    released = Session(assoc, evidence, [], []).release()
    return released, evidence.lines


def test_a_release_that_never_ends_is_given_up_and_aborted():
    assoc = _Association(release_blocks=True)
    released, lines = _release(assoc)
    assoc.never.set()
    assert released is False and assoc.is_aborted
    waited = f"{assoc.acse_timeout + RELEASE_MARGIN:g} s"
    assert any(f"did not end within {waited}; association aborted" in line for line in lines), lines


def test_an_association_whose_thread_ended_is_aborted_not_released():
    assoc = _Association(thread_alive=False)
    released, lines = _release(assoc)
    assert released is False and assoc.is_aborted and not assoc.is_released
    assert any("the association's thread had ended; association aborted" in line for line in lines), lines


def test_a_release_that_ends_is_reported_as_before():
    assoc = _Association()
    released, lines = _release(assoc)
    assert released is True and not assoc.is_aborted
    assert any("A-RELEASE-RP" in line for line in lines), lines
