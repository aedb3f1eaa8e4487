"""PS3.18 11.7 and 11.8 under PS3.4 Table CC.1.1-2: differential UPS state changes. Sequences of UPS-RS
requests on one fresh workitem each (claims with and without a Transaction UID, completion and cancellation by
the owner and by a stranger, cancellation requests, the owner's updates the Final States need) are compared,
request by request, with a reference model of the table (dicom_harness.testing.ups_model): the class of the
answer (a success, the table's warnings included, or a refusal) and the Procedure Step State read back after it.

The model accepts every answer the text allows; it does not judge Warning texts or which 4xx a refusal uses
(other requirements do). Deterministic: the explicit sequences visit every cell of the table the requests can
reach, the drawn ones come from the run's --seed; hypothesis neither stores nor shrinks examples."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, example, given, seed, settings
from hypothesis import strategies as st

from dicom_harness.testing import REFUSED, requirement, state_of, ups_model

M = ups_model
DRAWN = 12
LONGEST = 7
SETTINGS = settings(max_examples=DRAWN, deadline=None, database=None, phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=list(HealthCheck), print_blob=False, derandomize=False)

# One sequence per path through the table: every row the requests can reach, in every state it can be sent in.
EXPLICIT = (
    (M.CLAIM, M.CLAIM, M.CLAIM_WITHOUT_UID, M.COMPLETE, M.COMPLETE_AS_STRANGER, M.GIVE_PERFORMED, M.COMPLETE,
     M.COMPLETE, M.COMPLETE_AS_STRANGER, M.CLAIM, M.CANCEL, M.REQUEST_CANCEL),
    (M.COMPLETE, M.CANCEL, M.CLAIM_WITHOUT_UID, M.REQUEST_CANCEL, M.REQUEST_CANCEL, M.CLAIM, M.CLAIM_WITHOUT_UID),
    (M.CLAIM, M.REQUEST_CANCEL, M.CANCEL, M.CANCEL_AS_STRANGER, M.GIVE_DISCONTINUATION, M.CANCEL, M.CANCEL,
     M.CANCEL_AS_STRANGER, M.REQUEST_CANCEL, M.CLAIM, M.COMPLETE),
)


def _kind(response) -> str:
    if 200 <= response.status_code < 300:
        return M.SUCCESS
    if response.status_code in REFUSED:
        return M.REFUSED
    return f"{response.status_code} (neither a success nor a refusal, PS3.18 Table 11.7.3-1: 400 or 409)"


class Performer:
    """Sends the model's actions for one workitem: the owner's Transaction UID once it claims, a stranger's
    otherwise."""

    def __init__(self, ups, factory):
        self.ups, self.factory = ups, factory
        self.uid = str(ups.created().SOPInstanceUID)
        self.owner: str | None = None

    def send(self, action: str, before: M.Workitem):
        ups, fresh = self.ups, str(self.factory.uid())
        if action == M.CLAIM:
            response = ups.change_state(self.uid, M.IN_PROGRESS, fresh)
            if before.state == M.SCHEDULED and 200 <= response.status_code < 300:
                self.owner = fresh
            return response
        if action == M.CLAIM_WITHOUT_UID:
            return ups.change_state(self.uid, M.IN_PROGRESS, None)
        if action in (M.COMPLETE, M.CANCEL):
            return ups.change_state(self.uid, M.COMPLETED if action == M.COMPLETE else M.CANCELED,
                                    self.owner or fresh)
        if action in (M.COMPLETE_AS_STRANGER, M.CANCEL_AS_STRANGER):
            return ups.change_state(self.uid, M.COMPLETED if action == M.COMPLETE_AS_STRANGER else M.CANCELED, fresh)
        if action == M.REQUEST_CANCEL:
            return ups.request_cancellation(self.uid, "asked by the differential UPS test")
        changes = ups.performed_procedure() if action == M.GIVE_PERFORMED else ups.discontinuation()
        return ups.update(self.uid, changes, self.owner)


def run_sequence(ups, factory, picks) -> str | None:
    """Send the sequence (each pick chooses among the actions that make sense in the model's state); the first
    disagreement with the model, described, or None."""
    performer, model, sent = Performer(ups, factory), M.Workitem(), []
    for pick in picks:
        choices = model.actions()
        action = pick if isinstance(pick, str) else choices[pick % len(choices)]
        allowed = model.allowed(action)
        response = performer.send(action, model)
        sent.append(action)
        kind = _kind(response)
        after = state_of(ups.retrieved(performer.uid))
        where = f"workitem {performer.uid}, requests {' > '.join(sent)}"
        if kind not in allowed:
            return (f"{where}: answered {response.status_code} ({kind}) in state {model.state}; the text allows "
                    f"{' or '.join(allowed)}")
        model = allowed[kind]
        if after != model.state:
            return f"{where}: the workitem reads back {after!r}, the model says {model.state!r}"
    return None


@requirement("UPS-STATE-DIFFERENTIAL")
def test_state_changes_agree_with_the_table(ups, dataset_factory, evidence):
    """Three explicit and twelve drawn sequences of up to twelve state changes, cancellation requests and owner
    updates on fresh workitems; PS3.18 11.7.2 (the SCP behaviour of PS3.4 CC.1.1, Table CC.1.1-2): each answer
    and the state read back after it must be ones the table allows."""
    disagreements: list[str] = []

    def compare(picks):
        found = run_sequence(ups, dataset_factory, picks)
        if found:
            disagreements.append(found)

    test = given(st.lists(st.integers(0, 63), min_size=1, max_size=LONGEST))(compare)
    for sequence in reversed(EXPLICIT):
        test = example(list(sequence))(test)
    seed(dataset_factory.seed)(SETTINGS(test))()
    evidence.add("#", f"hypothesis seed {dataset_factory.seed}: {len(EXPLICIT)} explicit and {DRAWN} drawn "
                      f"sequences; {len(disagreements)} disagreed with PS3.4 Table CC.1.1-2")
    for text in disagreements:
        evidence.add("#", text)
    assert not disagreements, (f"{len(disagreements)} sequence(s) got an answer PS3.4 Table CC.1.1-2 does not "
                               f"allow, e.g. {disagreements[0]}")
