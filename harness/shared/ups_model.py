"""A reference model of one workitem under UPS-RS (PS3.18 11.6 to 11.8), written from PS3.4 Table CC.1.1-2 and
CC.2.5.1.1 apart from the simulator's table (dicom_harness.shared.ups.TRANSITIONS): the differential UPS test
draws sequences of requests, and for each the model says every answer the text allows and the state after it.

An answer is one of two kinds: SUCCESS (2xx; the table's warnings B304 and B306 are successes that change
nothing) and REFUSED (a 400 or 409 failure; nothing changes). The model does not judge Warning texts or status
codes beyond their class: other requirements do (UPS-ALREADY-IN-STATE-WARNING, UPS-STATE-FAILURE-WARNING).

The requests (the actions) a performer and a stranger make on one SCHEDULED workitem:
  claim                 Change State to IN PROGRESS with a fresh Transaction UID (the "correct" one of a claim)
  claim without UID     Change State to IN PROGRESS with no Transaction UID
  complete / cancel     Change State to COMPLETED / CANCELED with the owner's Transaction UID (a fresh one when
                        nobody claimed it: a SCHEDULED workitem has no lock, so any one given is "correct")
  ... as a stranger     the same with a Transaction UID that is not the lock (only once a lock exists)
  request cancel        POST .../cancelrequest (PS3.18 11.8)
  give performed        the owner's update giving the Performed Procedure information (Final State "P" codes)
  give discontinuation  the owner's update giving the cancellation date and reason (Final State "X" codes)"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dicom_harness.shared.ups import CANCELED, COMPLETED, IN_PROGRESS, SCHEDULED

CLAIM = "claim"
CLAIM_WITHOUT_UID = "claim without UID"
COMPLETE = "complete"
COMPLETE_AS_STRANGER = "complete as stranger"
CANCEL = "cancel"
CANCEL_AS_STRANGER = "cancel as stranger"
REQUEST_CANCEL = "request cancel"
GIVE_PERFORMED = "give performed"
GIVE_DISCONTINUATION = "give discontinuation"
ACTIONS = (CLAIM, CLAIM_WITHOUT_UID, COMPLETE, COMPLETE_AS_STRANGER, CANCEL, CANCEL_AS_STRANGER, REQUEST_CANCEL,
           GIVE_PERFORMED, GIVE_DISCONTINUATION)

SUCCESS, REFUSED = "success", "refused"
ALREADY = SUCCESS        # B304, B306: "warning", a success that changes nothing


@dataclass(frozen=True)
class Workitem:
    """What the text lets a user agent know of one workitem: its state, whether a claim has set a lock, and
    whether the owner has given what each Final State requires."""
    state: str = SCHEDULED
    locked: bool = False
    performed: bool = False
    discontinued: bool = False

    def allowed(self, action: str) -> dict[str, "Workitem"]:
        """Every kind of answer the text allows to the action, each with the workitem after it."""
        same = self
        state = self.state
        if action == CLAIM:                         # row "IN PROGRESS with correct transaction UID"
            if state == SCHEDULED:
                return {SUCCESS: replace(self, state=IN_PROGRESS, locked=True)}
            return {REFUSED: same}                  # C302, C300, C300
        if action in (CLAIM_WITHOUT_UID, COMPLETE_AS_STRANGER, CANCEL_AS_STRANGER):
            return {REFUSED: same}                  # C301 in every state
        if action == COMPLETE:
            if state == IN_PROGRESS:                # "If Final State Requirements met ...; Else C304"
                return {SUCCESS: replace(self, state=COMPLETED)} if self.performed else {REFUSED: same}
            return {ALREADY: same} if state == COMPLETED else {REFUSED: same}     # B306; C310, C300
        if action == CANCEL:
            if state == IN_PROGRESS:
                return {SUCCESS: replace(self, state=CANCELED)} if self.discontinued else {REFUSED: same}
            if state == CANCELED and not self.locked:
                # canceled on request, never claimed: no lock, so whether a Transaction UID is "correct" (B304)
                # or not (C301) the text leaves open
                return {SUCCESS: same, REFUSED: same}
            return {ALREADY: same} if state == CANCELED else {REFUSED: same}      # B304; C310, C300
        if action == REQUEST_CANCEL:
            if state == SCHEDULED:                  # through IN PROGRESS to CANCELED (PS3.4 CC.1.1)
                return {SUCCESS: replace(self, state=CANCELED)}
            if state == IN_PROGRESS:                # reported to the subscribers; the performer decides
                return {SUCCESS: same}
            return {ALREADY: same} if state == CANCELED else {REFUSED: same}      # B304; C311
        if action in (GIVE_PERFORMED, GIVE_DISCONTINUATION):
            if state != IN_PROGRESS:                # never done but by the owner of a claimed workitem
                raise ValueError(f"{action} is drawn only for an IN PROGRESS workitem, not {state}")
            given = {"performed": True} if action == GIVE_PERFORMED else {"discontinued": True}
            return {SUCCESS: replace(self, **given)}
        raise ValueError(f"unknown action {action!r}")

    def actions(self) -> tuple[str, ...]:
        """The actions that make sense now: the updates only on a claimed workitem, a stranger only once a
        lock exists (before it, any Transaction UID is the "correct" one)."""
        return tuple(a for a in ACTIONS
                     if not (a in (GIVE_PERFORMED, GIVE_DISCONTINUATION) and self.state != IN_PROGRESS)
                     and not (a in (COMPLETE_AS_STRANGER, CANCEL_AS_STRANGER) and not self.locked))
