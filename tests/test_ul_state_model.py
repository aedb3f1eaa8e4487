"""The upper layer state model (harness/shared/ul_state_model.py) against an independent transcription of PS3.8
Table 9-10 (pynetdicom's TRANSITION_TABLE), and its judgement of observed answers, without a network."""

from __future__ import annotations

import pytest
from pynetdicom.fsm import TRANSITION_TABLE

from dicom_harness.shared import ul_state_model as M

# pynetdicom's event for each PDU the model sends (PS3.8 Table 9-10's rows)
EVENTS = {M.RQ: "Evt6", M.ECHO: "Evt10", M.RELRQ: "Evt12", M.RELRP: "Evt13", M.ABORT: "Evt16", M.UNKNOWN: "Evt19",
          M.MALFORMED: "Evt19"}


@pytest.mark.parametrize("sent", M.SENDABLE)
def test_rows_agree_with_pynetdicoms_transcription(sent):
    for number in range(1, 14):
        state = f"Sta{number}"
        assert M.action_of(sent, state) == TRANSITION_TABLE.get((EVENTS[sent], state)), (sent, state)


def judge(sent_and_observed: list[tuple[str, list[str]]]) -> M.Judgement:
    """Feed the model: each PDU we sent with what came back (SILENT: nothing within the wait)."""
    judgement = M.Judgement()
    for sent, observed in sent_and_observed:
        judgement.sent(sent)
        for thing in observed:
            ok = judgement.silence() if thing == M.SILENT else judgement.observe(thing)
            if not ok:
                return judgement
    return judgement


def test_a_normal_association_is_allowed():
    j = judge([(M.RQ, [M.AC]), (M.ECHO, [M.PDATA]), (M.RELRQ, [M.RELRP, M.CLOSED])])
    assert j.broken is None and j.state == "Sta1"


@pytest.mark.parametrize("answer", [M.AC, M.RJ, M.ABORT])
def test_every_answer_to_a_request_the_table_allows_is_accepted(answer):
    assert judge([(M.RQ, [answer])]).broken is None


def test_the_local_users_abort_during_release_is_allowed_but_p_data_alone_is_not_an_answer():
    assert judge([(M.RQ, [M.AC]), (M.RELRQ, [M.ABORT])]).broken is None
    assert judge([(M.RQ, [M.AC]), (M.RELRQ, [M.PDATA, M.RELRP])]).broken is None     # AR-7, then AR-4
    broken = judge([(M.RQ, [M.AC]), (M.RELRQ, [M.PDATA, M.SILENT])]).broken
    assert broken is not None and "owes" in broken.why


def test_a_late_echo_response_before_the_release_answer_is_the_acceptors_own_move():
    j = judge([(M.RQ, [M.AC]), (M.ECHO, [M.SILENT]), (M.RELRQ, [M.PDATA, M.RELRP])])
    assert j.broken is None and j.state == "Sta13"


@pytest.mark.parametrize("sent,state_pdus", [(M.ECHO, []), (M.RELRP, [(M.RQ, [M.AC])]),
                                             (M.UNKNOWN, [(M.RQ, [M.AC])])])
def test_silence_or_a_bare_close_where_an_abort_is_due_is_not_allowed(sent, state_pdus):
    for answer in (M.SILENT, M.CLOSED):
        assert judge([*state_pdus, (sent, [answer])]).broken is not None, (sent, answer)


def test_an_abort_must_close_and_a_close_in_sta13_is_the_artim_timer():
    assert judge([(M.RQ, [M.AC]), (M.ABORT, [M.CLOSED])]).broken is None
    assert judge([(M.RQ, [M.AC]), (M.ABORT, [M.SILENT])]).broken is not None
    assert judge([(M.RQ, [M.AC]), (M.RQ, [M.ABORT]), (M.ECHO, [M.CLOSED])]).broken is None
    assert judge([(M.RQ, [M.AC]), (M.RQ, [M.ABORT]), (M.ECHO, [M.ABORT])]).broken is not None    # AA-6: ignore


def test_an_abort_pdus_source_and_reason_are_read():
    j = M.Judgement()
    j.sent(M.UNKNOWN)
    j.observe(M.ABORT, bytes([7, 0, 0, 0, 0, 4, 0, 0, 2, 1]))
    assert j.steps[-1].abort_source() == (2, 1)
    assert "source 2, reason 1" in str(j.steps[-1])


def test_the_pdus_are_well_formed():
    from dicom_harness.shared import associate_rq
    request = associate_rq.parse(M.build(M.RQ, "DH_HARNESS", "DH_PACS"))
    assert request.called_ae.strip() == b"DH_PACS" and len(request.presentation_contexts) == 1
    echo = M.build(M.ECHO, "A", "B")
    assert echo[0] == 0x04 and int.from_bytes(echo[2:6], "big") == len(echo) - 6
    assert int.from_bytes(echo[6:10], "big") == len(echo) - 10                     # one PDV filling the PDU
    malformed = M.build(M.MALFORMED, "A", "B")
    assert int.from_bytes(malformed[6:10], "big") > len(malformed) - 10
