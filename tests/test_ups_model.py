"""The reference model of the differential UPS test (harness/shared/ups_model.py) agrees with the simulator's
transition table (harness/shared/ups.py, PS3.4 Table CC.1.1-2): two readings of the same table, written apart."""

import pytest

from dicom_harness.shared import ups, ups_model
from dicom_harness.shared.status import Status

M = ups_model
EVENTS = {M.CLAIM: ups.CLAIM, M.CLAIM_WITHOUT_UID: ups.CLAIM_WITHOUT_UID, M.COMPLETE: ups.COMPLETE,
          M.COMPLETE_AS_STRANGER: ups.COMPLETE_WITHOUT_UID, M.CANCEL: ups.CANCEL,
          M.CANCEL_AS_STRANGER: ups.CANCEL_WITHOUT_UID, M.REQUEST_CANCEL: ups.REQUEST_CANCEL}
WARNINGS = (Status.UPS_ALREADY_COMPLETED, Status.UPS_ALREADY_CANCELED)


def _from_table(state: str, event: str) -> dict[str, str]:
    outcome = ups.transition(state, event)
    if isinstance(outcome, ups.Change):
        return {M.SUCCESS: outcome.to}
    if isinstance(outcome, ups.Report) or outcome.status in WARNINGS:
        return {M.SUCCESS: state}
    return {M.REFUSED: state}


@pytest.mark.parametrize("state", [ups.SCHEDULED, ups.IN_PROGRESS, ups.COMPLETED, ups.CANCELED])
@pytest.mark.parametrize("action", sorted(EVENTS))
def test_model_agrees_with_the_transition_table(state, action):
    workitem = M.Workitem(state=state, locked=state != ups.SCHEDULED, performed=True, discontinued=True)
    allowed = {kind: after.state for kind, after in workitem.allowed(action).items()}
    assert allowed == _from_table(state, EVENTS[action])


def test_final_states_need_their_attributes():
    claimed = M.Workitem(state=ups.IN_PROGRESS, locked=True)
    assert claimed.allowed(M.COMPLETE) == {M.REFUSED: claimed}       # C304
    assert claimed.allowed(M.CANCEL) == {M.REFUSED: claimed}
    given = claimed.allowed(M.GIVE_PERFORMED)[M.SUCCESS]
    assert given.allowed(M.COMPLETE)[M.SUCCESS].state == ups.COMPLETED


def test_canceled_on_request_leaves_the_owner_question_open():
    canceled = M.Workitem().allowed(M.REQUEST_CANCEL)[M.SUCCESS]
    assert canceled.state == ups.CANCELED and not canceled.locked
    assert set(canceled.allowed(M.CANCEL)) == {M.SUCCESS, M.REFUSED}
    assert M.COMPLETE_AS_STRANGER not in canceled.actions()
