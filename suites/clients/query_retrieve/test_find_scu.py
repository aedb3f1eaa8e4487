"""PS3.4 C.4.1.1.3.1 and C.4.1.2 (C-FIND SCU behaviour), PS3.7 9.3.2-9.3.4 (C-CANCEL): the queries a
workstation sent, judged from their Identifiers as they arrived."""

from dicom_harness.testing import NotVerified, expected_of, requirement

from .identifiers import (
    LEVELS,
    UNIQUE_KEY,
    association_request,
    identifier,
    level,
    level_of,
    levels_above,
    model_of,
    qr_requests,
    relational_proposed,
    single_value_problem,
)

QUERY_OPERATIONS = ("C-FIND-RQ", "C-GET-RQ", "C-MOVE-RQ")


@requirement("QR-SCU-SENDS-CLAIMED")
def test_the_claimed_query_and_retrieve_happened(recording, evidence):
    """Count the Query/Retrieve C-FIND and the C-MOVE or C-GET requests that arrived; the scenario claims the
    product queries and retrieves as a Q/R SCU (PS3.2 7.3.1), so both kinds must come."""
    counts = {command: len([m for m in recording.messages_of(command) if model_of(m)]) for command in QUERY_OPERATIONS}
    evidence.add("#", ", ".join(f"{n} Query/Retrieve {command}" for command, n in counts.items())
                 + f" in {len(recording.associations)} association(s)")
    expected = expected_of(recording, "qr-scu")
    missing = [what for what, seen in (("a C-FIND", counts["C-FIND-RQ"]),
                                       ("a C-MOVE or C-GET", counts["C-MOVE-RQ"] + counts["C-GET-RQ"])) if not seen]
    assert not missing, f"expected {expected}; {' and '.join(missing)} never arrived while listening (PS3.2 7.3.1)"


def _queries(recording, evidence):
    """[(message, model, identifier)] of every Query/Retrieve C-FIND."""
    return [(m, model_of(m), identifier(recording, m)) for m in qr_requests(recording, "C-FIND-RQ", evidence)]


def _judged(found, evidence, relational_exempt: bool, recording):
    """[(message, model, identifier, level)] of the queries whose level can be read (a missing level is
    QR-SCU-FIND-LEVEL's business); relational ones left out where the relational option lifts the rule."""
    judged = []
    for message, model, ds in found:
        query_level = level(ds, model)
        if query_level is None:
            evidence.add("#", f"message {message.number}: no valid Query/Retrieve Level, not judged here")
            continue
        if relational_exempt and relational_proposed(association_request(recording, message.association),
                                                      message.fields.get("AffectedSOPClassUID", "")):
            evidence.add("#", f"message {message.number}: relational-queries offered (and agreed), not judged here")
            continue
        judged.append((message, model, ds, query_level))
    if not judged:
        raise NotVerified("no hierarchical C-FIND with a readable Query/Retrieve Level to judge")
    return judged


@requirement("QR-SCU-FIND-LEVEL")
def test_find_identifier_names_its_level(recording, evidence):
    """Read Query/Retrieve Level (0008,0052) in every C-FIND Identifier; PS3.4 C.4.1.1.3.1 says the Identifier
    shall contain it, and it defines the level of the query (one of the information model's levels)."""
    for message, model, ds in _queries(recording, evidence):
        value = str(ds.get("QueryRetrieveLevel", "") or "").strip() if "QueryRetrieveLevel" in ds else None
        evidence.add("#", f"message {message.number} ({model}): Query/Retrieve Level {value!r}")
        assert value in LEVELS[model], (
            f"message {message.number}: C-FIND Identifier with Query/Retrieve Level "
            f"{'absent' if value is None else repr(value)}; expected one of {', '.join(LEVELS[model])} for the "
            f"{model} model (PS3.4 C.4.1.1.3.1)")


@requirement("QR-SCU-FIND-UNIQUE-KEYS-ABOVE")
def test_find_gives_one_unique_key_value_per_level_above(recording, evidence):
    """Read the Unique Key of each level above the query's level in every hierarchical C-FIND; PS3.4 C.4.1.2.1
    says the Identifier shall contain a single value in each."""
    for message, model, ds, query_level in _judged(_queries(recording, evidence), evidence, True, recording):
        for above in levels_above(model, query_level):
            problem = single_value_problem(ds, UNIQUE_KEY[above])
            assert not problem, (f"message {message.number}: {query_level}-level C-FIND ({model}): {problem}; "
                                 f"expected a single value for the {above} level's Unique Key (PS3.4 C.4.1.2.1)")


@requirement("QR-SCU-FIND-NO-KEYS-ABOVE")
def test_find_has_no_other_keys_of_levels_above(recording, evidence):
    """List the keys of each hierarchical C-FIND that belong to a level above the query's level; PS3.4 C.4.1.2.1
    says no Required or Optional Keys of those levels shall be specified (their Unique Keys are allowed)."""
    for message, model, ds, query_level in _judged(_queries(recording, evidence), evidence, True, recording):
        above = levels_above(model, query_level)
        unique = {UNIQUE_KEY[lvl] for lvl in above}
        stray = [f"{element.keyword or element.tag}={str(element.value or '')!r}" for element in ds
                 if element.keyword not in unique and level_of(element.keyword, model) in above]
        assert not stray, (f"message {message.number}: {query_level}-level C-FIND ({model}) carries "
                           f"{', '.join(stray)}, key(s) of level {'/'.join(above)} above the query's (a zero-length "
                           "key is a key too, universal matching); expected only those levels' Unique Keys "
                           "(PS3.4 C.4.1.2.1)")


@requirement("QR-SCU-FIND-UNIQUE-KEY-AT-LEVEL")
def test_find_contains_the_unique_key_of_its_level(recording, evidence):
    """Look for the Unique Key of the query's level in every C-FIND Identifier; PS3.4 C.4.1.2.1 (and C.4.1.2.2.1
    for relational queries) says it shall be contained, with any of single value, universal or UID list matching."""
    for message, model, ds, query_level in _judged(_queries(recording, evidence), evidence, False, recording):
        key = UNIQUE_KEY[query_level]
        assert key in ds, (f"message {message.number}: {query_level}-level C-FIND ({model}) without {key}; the "
                           "Unique Key of the query's level shall be contained, if only empty (PS3.4 C.4.1.2.1)")


@requirement("QR-SCU-CANCEL-MESSAGE-ID")
def test_cancel_names_the_operation_it_cancels(recording, evidence):
    """Compare each C-CANCEL-RQ's Message ID Being Responded To with the Message IDs of the C-FIND, C-GET and
    C-MOVE requests sent before it on its association; PS3.7 9.3.2.3 says it shall be that operation's."""
    cancels = recording.messages_of("C-CANCEL-RQ")
    if not cancels:
        raise NotVerified("the product sent no C-CANCEL while listening, so there is nothing to judge")
    for cancel in cancels:
        evidence.add("<", cancel.describe() + f", MessageIDBeingRespondedTo="
                                              f"{cancel.fields.get('MessageIDBeingRespondedTo')}")
        earlier = {m.fields.get("MessageID"): m.command for m in recording.messages
                   if m.association == cancel.association and m.number < cancel.number
                   and m.command in QUERY_OPERATIONS}
        target = cancel.fields.get("MessageIDBeingRespondedTo")
        assert target in earlier, (
            f"message {cancel.number}: C-CANCEL-RQ for Message ID {target}; the association's earlier C-FIND/C-GET/"
            f"C-MOVE requests have Message IDs {sorted(k for k in earlier if k is not None) or 'none'} "
            "(PS3.7 9.3.2.3)")


@requirement("QR-SCU-FIND-TIMEZONE-NOT-EMPTY")
def test_find_never_sends_an_empty_timezone_offset(recording, evidence):
    """Read Timezone Offset From UTC (0008,0201) in each C-FIND Identifier; PS3.4 C.4.1.1.3.1 says it is present
    only to have range matching use it, and shall not be sent with a zero-length value."""
    problems = []
    for message, model, ds in _queries(recording, evidence):
        if "TimezoneOffsetFromUTC" not in ds:
            continue
        value = ds["TimezoneOffsetFromUTC"].value
        evidence.add("#", f"message {message.number}: TimezoneOffsetFromUTC {value!r}")
        if value in (None, ""):
            problems.append(f"message {message.number}: Timezone Offset From UTC (0008,0201) sent with a "
                            "zero-length value")
    assert not problems, f"{'; '.join(problems[:5])} (PS3.4 C.4.1.1.3.1)"
