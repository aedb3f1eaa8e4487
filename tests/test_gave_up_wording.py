"""Who ended an association, in the words of a verdict: a target's A-ABORT that pynetdicom has not yet taken in
when the empty answer comes back is still the target's abort, not the harness giving up (seen on dcmqrscp)."""

from __future__ import annotations

import threading

import pytest

from dicom_harness.clients.dimse import Session
from dicom_harness.clients.evidence import Evidence
from dicom_harness.clients.exchange import TargetFailure


class _Association:
    """Established for a moment after the target's A-ABORT arrived (pynetdicom's state machine runs in its own
    thread), then aborted."""
    dimse_timeout = 10.0
    _sent_abort = False

    def __init__(self):
        self.is_established = True

    def abort(self):
        raise AssertionError("the harness must not abort an association the target has aborted")


@pytest.mark.parametrize("abort_pdu_seen", [True, False])
def test_an_abort_being_taken_in_is_the_targets(abort_pdu_seen):
    assoc = _Association()
    session = Session(assoc, Evidence(), [], [])

    def target_aborts():
        session.abort_received[0] = abort_pdu_seen
        assoc.is_established = False

    threading.Timer(0.2, target_aborts).start()
    with pytest.raises(TargetFailure, match="the target (aborted the association|closed the connection)"):
        session._check_alive("C-STORE")
