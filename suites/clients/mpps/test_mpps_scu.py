"""PS3.4 F.7.2.1 and F.7.2.2: the N-CREATE and N-SET requests a Modality Performed Procedure Step SCU sent, read
against Table F.7.2-1 as harness/shared/mpps.py keeps it (the RIS simulator's own table)."""

import copy

import pydicom

from dicom_harness.testing import NotVerified, expected_of, mpps, received, requirement, uid_problem

MPPS = "1.2.840.10008.3.1.2.3.3"     # Modality Performed Procedure Step SOP Class


def _of_mpps(messages):
    return [m for m in messages if MPPS in (m.abstract_syntax, m.fields.get("AffectedSOPClassUID"),
                                            m.fields.get("RequestedSOPClassUID"))]


def _dataset(recording, message):
    if not message.dataset_file:
        raise AssertionError(f"message {message.number}: the {message.command} carried no readable data set "
                             f"({message.dataset_error or 'none arrived'}) (PS3.4 F.7.2)")
    return pydicom.dcmread(recording.path(message))


def _creates(recording, evidence):
    found = _of_mpps(recording.messages_of("N-CREATE-RQ"))
    if not found:
        raise NotVerified("no MPPS N-CREATE arrived while listening, so there is nothing to judge")
    for message in found:
        evidence.add("<", message.describe())
    return found


def _sets(recording, evidence):
    found = _of_mpps(recording.messages_of("N-SET-RQ"))
    if not found:
        raise NotVerified("no MPPS N-SET arrived while listening, so there is nothing to judge")
    for message in found:
        evidence.add("<", f"{message.describe()} Requested SOP Instance {message.fields.get('RequestedSOPInstanceUID')}")
    return found


def _status(ds) -> str:
    return str(ds.get(mpps.STATUS_KEYWORD, "")).strip()


def _steps(recording):
    """{step UID: (its N-CREATE data set, [(N-SET message, data set)] in arrival order)} for the created steps."""
    steps = {}
    for message in _of_mpps(recording.messages_of("N-CREATE-RQ")):
        uid = message.fields.get("AffectedSOPInstanceUID")
        if uid and message.dataset_file:
            steps[uid] = (pydicom.dcmread(recording.path(message)), [])
    for message in _of_mpps(recording.messages_of("N-SET-RQ")):
        uid = message.fields.get("RequestedSOPInstanceUID")
        if uid in steps and message.dataset_file:
            steps[uid][1].append((message, pydicom.dcmread(recording.path(message))))
    return steps


def _ending_sets(recording, evidence):
    """[(step UID, N-SET message, the step as it stands with that N-SET)] for each N-SET to a final state."""
    _sets(recording, evidence)
    found = []
    for uid, (created, sets) in _steps(recording).items():
        state = copy.deepcopy(created)
        for message, ds in sets:
            for element in ds:
                state[element.tag] = element
            if _status(ds) in mpps.FINAL_STATES:
                found.append((uid, message, copy.deepcopy(state)))
    if not found:
        raise NotVerified("no N-SET of a created step to COMPLETED or DISCONTINUED arrived, so there is nothing to "
                          "judge")
    return found


@requirement("MPPS-SCU-SENDS-CLAIMED")
def test_the_claimed_step_was_reported(recording, evidence):
    """Look for an MPPS N-CREATE and an N-SET of that step to COMPLETED or DISCONTINUED; the product's scenario
    claims it reports its performed steps as an MPPS SCU (PS3.2 7.3.1), so both must come."""
    creates = _of_mpps(recording.messages_of("N-CREATE-RQ"))
    sets = _of_mpps(recording.messages_of("N-SET-RQ"))
    ended = [(uid, _status(ds)) for uid, (_, step_sets) in _steps(recording).items() for _, ds in step_sets
             if _status(ds) in mpps.FINAL_STATES]
    evidence.add("#", f"{len(creates)} MPPS N-CREATE-RQ, {len(sets)} MPPS N-SET-RQ; ended: {ended or 'none'}")
    expected = expected_of(recording, "mpps-scu")
    assert creates, f"expected {expected}; no N-CREATE arrived while listening"
    assert ended, (f"expected {expected}; {len(creates)} N-CREATE and {len(sets)} N-SET arrived, none setting a "
                   "created step to COMPLETED or DISCONTINUED")


@requirement("MPPS-SCU-SOP-CLASS")
def test_requests_name_the_mpps_sop_class(recording, evidence):
    """Compare each MPPS N-CREATE's Affected and each N-SET's Requested SOP Class UID with the MPPS SOP Class and
    the presentation context; PS3.4 F.7.2.1 says both name Modality Performed Procedure Step."""
    messages = _creates(recording, evidence) + _of_mpps(recording.messages_of("N-SET-RQ"))
    for message in messages:
        named = message.fields.get("AffectedSOPClassUID") or message.fields.get("RequestedSOPClassUID") or ""
        assert named == MPPS == message.abstract_syntax, (
            f"message {message.number}: {message.command} names SOP Class {named or '(absent)'} on presentation "
            f"context {message.context_id} for {message.abstract_syntax or '(unknown)'}; expected {MPPS} "
            "(Modality Performed Procedure Step) for both (PS3.4 F.7.2.1)")


@requirement("MPPS-SCU-CREATE-INSTANCE-UID")
def test_create_names_the_step_uid(recording, evidence):
    """Read each MPPS N-CREATE's Affected SOP Instance UID; PS3.4 F.7.2.1.2 says the SCU specifies the UID of the
    step it creates (a valid UID, PS3.5 9.1)."""
    for message in _creates(recording, evidence):
        uid = message.fields.get("AffectedSOPInstanceUID", "")
        assert uid, (f"message {message.number}: the N-CREATE-RQ has no Affected SOP Instance UID; expected the SCU "
                     "to specify the step's Instance UID (PS3.4 F.7.2.1.2)")
        assert not uid_problem(uid), f"message {message.number}: Affected SOP Instance UID {uid!r}: {uid_problem(uid)}"


@requirement("MPPS-SCU-CREATE-IN-PROGRESS")
def test_create_is_in_progress(recording, evidence):
    """Read Performed Procedure Step Status in each MPPS N-CREATE; PS3.4 F.7.2.1.2 says the SCU sends it only as
    IN PROGRESS."""
    for message in _creates(recording, evidence):
        status = _status(_dataset(recording, message))
        evidence.add("#", f"message {message.number}: Performed Procedure Step Status {status!r}")
        assert status == mpps.IN_PROGRESS, (f"message {message.number}: N-CREATE with Performed Procedure Step "
                                            f"Status {status or '(absent)'!r}; expected 'IN PROGRESS' "
                                            "(PS3.4 F.7.2.1.2)")


def _assert_complete(recording, evidence, paths, with_value: bool, kind: str) -> None:
    for message in _creates(recording, evidence):
        lacking = mpps.missing(_dataset(recording, message), paths, with_value=with_value)
        for path in lacking:
            evidence.add("#", f"message {message.number}: {path} {'missing or empty' if with_value else 'missing'}")
        assert not lacking, (f"message {message.number}: the N-CREATE lacks {', '.join(lacking[:5])}; expected every "
                             f"{kind} attribute of Table F.7.2-1 at N-CREATE (PS3.4 F.7.2.1.2)")


@requirement("MPPS-SCU-CREATE-TYPE1")
def test_create_has_its_type_1_attributes(recording, evidence):
    """Check each MPPS N-CREATE against the Type 1 rows of Table F.7.2-1's N-CREATE column; PS3.4 F.7.2.1.2 says
    the SCU provides them, with values."""
    _assert_complete(recording, evidence, mpps.CREATE_TYPE1, True, "Type 1 (with a value)")


@requirement("MPPS-SCU-CREATE-TYPE2")
def test_create_has_its_type_2_attributes(recording, evidence):
    """Check each MPPS N-CREATE against the Type 2 rows of Table F.7.2-1's N-CREATE column; PS3.4 F.7.2.1.2 says
    the SCU provides them (zero-length allowed)."""
    _assert_complete(recording, evidence, mpps.CREATE_TYPE2, False, "Type 2")


@requirement("MPPS-SCU-SET-INSTANCE")
def test_set_names_a_created_step(recording, evidence):
    """Compare each MPPS N-SET's Requested SOP Instance UID with the steps created by N-CREATE; PS3.4 F.7.2.2.2
    says the SCU names the step whose values it sets."""
    sets = _sets(recording, evidence)
    creates = _of_mpps(recording.messages_of("N-CREATE-RQ"))
    created = {m.fields.get("AffectedSOPInstanceUID") for m in creates if m.fields.get("AffectedSOPInstanceUID")}
    unnamed = [m for m in creates if not m.fields.get("AffectedSOPInstanceUID")]
    for message in sets:
        uid = message.fields.get("RequestedSOPInstanceUID", "")
        if uid in created:
            continue
        if unnamed:
            raise NotVerified(f"message {message.number}: N-SET of step {uid}, perhaps the one the SCP named for "
                              f"the N-CREATE without a UID (message {unnamed[0].number}); the answer is not recorded")
        raise AssertionError(f"message {message.number}: N-SET of step {uid or '(no UID)'}, which no N-CREATE "
                             f"created ({len(created)} step(s) created); expected a created step (PS3.4 F.7.2.2.2)")


@requirement("MPPS-SCU-FINAL-STATE")
def test_ended_step_has_its_final_state_attributes(recording, evidence):
    """Take each step as it stands when an N-SET sets it COMPLETED or DISCONTINUED; PS3.4 F.7.2.2.2 says it then
    has the Final State attributes of Table F.7.2-1 (end date and time, a performed series with its UIDs)."""
    for uid, message, state in _ending_sets(recording, evidence):
        lacking = (mpps.missing(state, mpps.FINAL_TYPE1, with_value=True)
                   + mpps.missing(state, mpps.FINAL_TYPE2, with_value=False))
        evidence.add("#", f"step {uid} ended by message {message.number} ({_status(state)}): "
                          f"{'lacks ' + ', '.join(lacking) if lacking else 'Final State attributes all there'}")
        assert not lacking, (f"message {message.number}: step {uid} set to {_status(state)} lacking "
                             f"{', '.join(lacking[:5])}; expected the Final State attributes of Table F.7.2-1 "
                             "(PS3.4 F.7.2.2.2)")


@requirement("MPPS-SCU-REFERENCES-IMAGES")
def test_ended_step_references_the_stored_images(recording, evidence):
    """Compare the instances an ended step lists per performed series with those of that series the product
    stored; PS3.4 F.7.2.2.2 says the list is complete by the time the step ends."""
    ending = _ending_sets(recording, evidence)
    stored: dict[str, set[str]] = {}
    for message in received(recording, "C-STORE-RQ", evidence):
        if message.dataset_file:
            ds = pydicom.dcmread(recording.path(message), stop_before_pixels=True)
            stored.setdefault(str(ds.get("SeriesInstanceUID", "")), set()).add(str(ds.get("SOPInstanceUID", "")))
    for uid, message, state in ending:
        for series in state.get(mpps.SERIES) or []:
            series_uid = str(series.get("SeriesInstanceUID", ""))
            listed = {str(ref.get("ReferencedSOPInstanceUID", ""))
                      for keyword in ("ReferencedImageSequence", "ReferencedNonImageCompositeSOPInstanceSequence")
                      for ref in (series.get(keyword) or [])}
            unlisted = sorted(stored.get(series_uid, set()) - listed)
            evidence.add("#", f"step {uid}, series {series_uid}: {len(stored.get(series_uid, ()))} stored, "
                              f"{len(listed)} listed")
            assert not unlisted, (f"message {message.number}: step {uid} ended ({_status(state)}) listing "
                                  f"{len(listed)} instance(s) of series {series_uid}, not the {len(unlisted)} stored "
                                  f"instance(s) {', '.join(unlisted[:3])}; expected every instance created "
                                  "(PS3.4 F.7.2.2.2)")


@requirement("MPPS-SCU-NO-SET-AFTER-FINAL")
def test_no_set_after_the_step_ended(recording, evidence):
    """Follow each step's N-SETs in arrival order; PS3.4 F.7.2.2.2 says none follows the one that set it
    COMPLETED or DISCONTINUED."""
    _sets(recording, evidence)
    for uid, (_, sets) in _steps(recording).items():
        ended = None
        for message, ds in sets:
            assert ended is None, (f"message {message.number}: N-SET of step {uid} after message {ended.number} set "
                                   "it to a final state; expected no N-SET after COMPLETED or DISCONTINUED "
                                   "(PS3.4 F.7.2.2.2)")
            if _status(ds) in mpps.FINAL_STATES:
                ended = message


@requirement("MPPS-SCU-SET-ONLY-CREATED")
def test_set_only_what_was_created(recording, evidence):
    """Compare the attributes of each N-SET with those of its step's N-CREATE; PS3.4 F.7.2.2.2 says the SCU sets
    only attributes already created."""
    _sets(recording, evidence)
    for uid, (created, sets) in _steps(recording).items():
        for message, ds in sets:
            uncreated = [element.keyword or str(element.tag) for element in ds
                         if element.tag not in created and element.keyword != "SpecificCharacterSet"]
            assert not uncreated, (f"message {message.number}: N-SET of step {uid} sets {', '.join(uncreated[:5])}, "
                                   "which its N-CREATE did not create; expected only created attributes "
                                   "(PS3.4 F.7.2.2.2)")
