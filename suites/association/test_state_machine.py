"""PS3.8 9.1.3 and 9.2: the upper layer state machine, seen from the requestor's side of one TCP connection.

The harness sends PDUs over a bare connection (a valid A-ASSOCIATE-RQ proposing Verification, a P-DATA-TF holding
a C-ECHO-RQ, A-RELEASE-RQ, A-RELEASE-RP, A-ABORT, a PDU of unrecognized type 0F, and an invalid P-DATA-TF whose
PDV item claims more bytes than the PDU holds) and judges each answer (a PDU, the connection closed, or nothing)
against a model of the acceptor's side of Table 9-10 (dicom_harness.testing.ul_state_model). Where the table lets
the acceptor choose (accept, reject or abort an association; its local user's A-ABORT from Sta3 to Sta12; the
ARTIM close in Sta13) every choice is accepted.

The differential test draws bounded sequences with hypothesis from the run's --seed (the same seed, the same
sequences; written to the evidence), after set sequences that reach every row from Sta2 and Sta6. The other tests
are single rows of the table, with the A-ABORT's fields their statements name."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from dicom_harness.testing import requirement, ul_state_model

M = ul_state_model
DRAWN = 20
SETTINGS = settings(max_examples=DRAWN, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=list(HealthCheck), print_blob=False, derandomize=False)
# Every row a requestor reaches from Sta2 (the first PDU) and from Sta6 (after the association is accepted), and
# a release with echoes before it
SET_SEQUENCES = ([[kind] for kind in M.SENDABLE] + [[M.RQ, kind] for kind in M.SENDABLE]
                 + [[M.RQ, M.ECHO, M.ECHO, M.RELRQ, M.RELRP], [M.RQ, M.RELRQ, M.RQ]])


def sequences():
    """A first PDU (an A-ASSOCIATE-RQ three times in four), then up to four more of any kind."""
    first = st.sampled_from([M.RQ, M.RQ, M.RQ, *M.SENDABLE])
    return st.tuples(first, st.lists(st.sampled_from(M.SENDABLE), max_size=4)).map(lambda t: [t[0], *t[1]])


# The rows other requirements of this catalogue test one by one: a mismatch on one of them is explained when the
# target's profile declares that requirement a deviation (its reason quotes the wire evidence).
ROW_REQUIREMENTS = {
    ("Sta2", M.UNKNOWN): "ASSOC-INVALID-PDU-ABORT",
    **{("Sta2", kind): "ASSOC-STA2-UNEXPECTED-PDU" for kind in (M.ECHO, M.RELRQ, M.RELRP, M.MALFORMED)},
    **{("Sta6", kind): "ASSOC-STA6-SECOND-REQUEST" for kind in (M.RQ, M.RELRP)},
    **{("Sta6", kind): "ASSOC-STA6-INVALID-PDU" for kind in (M.UNKNOWN, M.MALFORMED)},
    ("Sta6", M.ABORT): "ASSOC-ABORT-CLOSES-CONNECTION",
    ("Sta13", M.RQ): "ASSOC-ONE-ASSOCIATION-PER-CONNECTION",
}


@requirement("ASSOC-UL-STATE-TABLE")
def test_answers_agree_with_the_state_transition_table(dimse, dataset_factory, evidence, target):
    """Play 16 set and 20 drawn PDU sequences, each on its own connection; PS3.8 9.1.3 and Table 9-10: every
    answer (PDU, close or silence) is one the acceptor's row for what we sent, in its state, allows."""
    found: dict[tuple, tuple[list[str], M.Step]] = {}

    def play(sequence):
        judgement = dimse.play_pdus(sequence)
        step = judgement.broken
        if step is not None:
            found.setdefault((step.before, step.sent, step.observed), (list(sequence), step))

    test = given(sequences())(play)
    for sequence in reversed(SET_SEQUENCES):
        test = example(sequence)(test)
    seed(dataset_factory.seed)(SETTINGS(test))()
    declared = set(target.deviations)
    broken = []
    evidence.add("#", f"hypothesis seed {dataset_factory.seed}: {len(SET_SEQUENCES)} set and {DRAWN} drawn PDU "
                      f"sequences, {len(found)} answer(s) outside what Table 9-10 allows")
    for (state, sent, _), (sequence, step) in found.items():
        row = ROW_REQUIREMENTS.get((state, sent))
        if row in declared:
            evidence.add("#", f"explained by the declared deviation {row}: after {', '.join(sequence)}: {step}")
        else:
            evidence.add("#", f"not allowed after {', '.join(sequence)}: {step}")
            broken.append((sequence, step))
    assert not broken, "expected every answer to be one PS3.8 Table 9-10 allows; observed: " + " | ".join(
        f"[{', '.join(seq)}] {step}" for seq, step in broken[:3])


def _abort_answers(dimse, sequences, where: str, provider_source: bool) -> None:
    """Play each sequence; its last PDU must be answered with an A-ABORT PDU (source 2 when provider_source)."""
    wrong = []
    for sequence in sequences:
        judgement = dimse.play_pdus(sequence)
        shown = f"[{', '.join(sequence)}]"
        answer = judgement.answer_to(len(sequence) - 1)
        earlier = judgement.broken
        if earlier is not None and earlier is not answer:
            wrong.append(f"{shown}: before the PDU under test, {earlier}")
        elif answer is None:
            wrong.append(f"{shown}: the target ended the exchange before the last PDU "
                         f"({'; '.join(map(str, judgement.steps))})")
        elif answer.observed != M.ABORT:
            wrong.append(f"{shown}: expected an A-ABORT PDU, observed {answer.observed}")
        elif provider_source and not ((source := answer.abort_source()) and source[0] == 2
                                      and source[1] in (0, 1, 2, 4, 5, 6)):
            wrong.append(f"{shown}: expected an A-ABORT of source 2 (service-provider) with a reason of PS3.8 "
                         f"Table 9-26 (0, 1, 2, 4, 5, 6), observed source/reason {source}")
    assert not wrong, f"{where}: " + " | ".join(wrong)


@requirement("ASSOC-STA2-UNEXPECTED-PDU")
def test_a_first_pdu_other_than_a_request_is_answered_with_abort(dimse):
    """Open a connection and send, as its first PDU, a P-DATA-TF, an A-RELEASE-RQ or an A-RELEASE-RP; PS3.8
    Table 9-10, those PDUs in Sta2: AA-1, an A-ABORT PDU comes back."""
    _abort_answers(dimse, [[M.ECHO], [M.RELRQ], [M.RELRP]], "PS3.8 Table 9-10: AA-1 in Sta2", provider_source=False)


@requirement("ASSOC-STA6-SECOND-REQUEST")
def test_a_second_request_on_an_association_is_answered_with_abort(dimse):
    """Open an association, then send a second A-ASSOCIATE-RQ, or an A-RELEASE-RP nobody asked for; PS3.8
    Table 9-10, those PDUs in Sta6: AA-8, an A-ABORT PDU of source service-provider."""
    _abort_answers(dimse, [[M.RQ, M.RQ], [M.RQ, M.RELRP]], "PS3.8 Table 9-10: AA-8 in Sta6", provider_source=True)


@requirement("ASSOC-STA6-INVALID-PDU")
def test_an_invalid_pdu_on_an_association_is_answered_with_abort(dimse):
    """Open an association, then send a PDU of unrecognized type 0F, or a P-DATA-TF whose PDV item runs past the
    PDU; PS3.8 Table 9-10, an unrecognized or invalid PDU in Sta6: AA-8, an A-ABORT PDU of source service-provider."""
    _abort_answers(dimse, [[M.RQ, M.UNKNOWN], [M.RQ, M.MALFORMED]], "PS3.8 Table 9-10: AA-8 in Sta6",
                   provider_source=True)


@requirement("ASSOC-ONE-ASSOCIATION-PER-CONNECTION")
def test_no_second_association_on_a_released_connection(dimse, evidence):
    """Associate, release, then send a new A-ASSOCIATE-RQ on the same TCP connection; PS3.8 9.1.1 (and Table 9-10:
    AA-7 in Sta13): no second association, so no A-ASSOCIATE-AC (an A-ABORT or the connection closed instead)."""
    judgement = dimse.play_pdus([M.RQ, M.RELRQ, M.RQ])
    answer = judgement.answer_to(2)
    if answer is None:
        evidence.add("#", "the target ended the connection before the second A-ASSOCIATE-RQ could be sent")
        return
    assert answer.observed != M.AC, (
        "expected no second association on the connection (A-ABORT or the connection closed), observed an "
        f"A-ASSOCIATE-AC: {'; '.join(map(str, judgement.steps))} (PS3.8 9.1.1)")
