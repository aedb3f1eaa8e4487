"""What the client-side suites read from a recording: the messages and association requests to judge, each
noted in the test's evidence, and NOT VERIFIED when there is nothing of the kind to judge (the scenario's own
test says whether its absence is a FAIL)."""

from __future__ import annotations

from dicom_harness.clients.evidence import Evidence
from dicom_harness.errors import NotVerified
from dicom_harness.shared import associate_rq
from dicom_harness.shared.recording import RecordedAssociation, RecordedMessage, Recording
from dicom_harness.targets.scenarios import steps_claiming


def expected_of(recording: Recording, service: str) -> str:
    """What the product's scenario said would arrive for this service ("a C-STORE of the images"), for the FAIL
    of a claimed step that never happened."""
    return "; ".join(step.expects for step in steps_claiming(service, recording.subject["scenario"]))


def received(recording: Recording, command: str, evidence: Evidence) -> list[RecordedMessage]:
    """Every `command` message (e.g. 'C-STORE-RQ') the product sent, each noted in the evidence."""
    found = recording.messages_of(command)
    if not found:
        raise NotVerified(f"no {command} arrived while listening, so there is nothing to judge")
    for message in found:
        evidence.add("<", message.describe())
    return found


def requested(recording: Recording, evidence: Evidence) -> list[tuple[RecordedAssociation, object]]:
    """Every association the product requested, with its A-ASSOCIATE-RQ read from the bytes as they arrived
    (a MalformedPdu in place of the request when they cannot be read)."""
    if not recording.associations:
        raise NotVerified("the product requested no association while listening")
    found = []
    for association in recording.associations:
        try:
            request = associate_rq.parse(association.request)
        except associate_rq.MalformedPdu as exc:
            request = exc
        evidence.add("<", f"association {association.number} from {association.peer}: A-ASSOCIATE-RQ "
                          f"{association.calling_ae!r} -> {association.called_ae!r}, {len(association.request)} bytes")
        found.append((association, request))
    return found


def well_formed(found: list[tuple[RecordedAssociation, object]]) -> list[tuple[RecordedAssociation, object]]:
    """The requests that could be read (a malformed one fails the checks that need its items, not every check)."""
    readable = [(a, r) for a, r in found if not isinstance(r, associate_rq.MalformedPdu)]
    if not readable:
        problems = "; ".join(str(r) for _, r in found)
        raise AssertionError(f"no A-ASSOCIATE-RQ could be read: {problems} (PS3.8 9.3.2)")
    return readable
