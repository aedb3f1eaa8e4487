"""Properties that must hold for any input, checked with hypothesis:

- the UPS worklist follows the state table of PS3.4 Table CC.1.1-2 under any sequence of requests, and a
  restart gives back the same workitems with their locks;
- query values survive the harness's PS3.18 8.3.1 encoding and the simulator's decoding;
- multipart bodies survive the simulator's writer and the harness's parser, and the simulator's streaming
  reader whatever the chunking."""

from __future__ import annotations

import asyncio
import itertools
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from pydicom.dataset import Dataset

from dicom_harness.clients.multipart import parse_multipart
from dicom_harness.clients.web import encode_query
from dicom_harness.shared.codes import code_item
from dicom_harness.shared.ups import CANCELED, COMPLETED, IN_PROGRESS, INTERPRETATION, SCHEDULED
from dicom_harness.simulators.dicomweb.multipart import read_parts, write_parts
from dicom_harness.simulators.dicomweb.search import parse_query
from dicom_harness.simulators.dicomweb.ups import Refusal, Worklist

# -- the UPS state machine ----------------------------------------------------------------------------------
FINAL = (COMPLETED, CANCELED)
_uids = itertools.count(1)


def _workitem() -> Dataset:
    ds = Dataset()
    ds.ScheduledProcedureStepPriority = "MEDIUM"
    ds.ProcedureStepLabel = "PROPERTY"
    ds.ScheduledProcedureStepStartDateTime = "20261129120000"
    ds.InputReadinessState = "READY"
    ds.ProcedureStepState = SCHEDULED
    return ds


def _final_state_information() -> Dataset:
    """What COMPLETED and CANCELED need (Final State codes P and X, PS3.4 Table CC.2.5-3)."""
    performed = Dataset()
    performed.PerformedStationNameCodeSequence = [code_item(*INTERPRETATION)]
    performed.PerformedProcedureStepStartDateTime = "20261129120000"
    performed.PerformedWorkitemCodeSequence = [code_item(*INTERPRETATION)]
    performed.PerformedProcedureStepEndDateTime = "20261129121000"
    output = Dataset()
    output.ReferencedSOPInstanceUID = "2.25.1"
    performed.OutputInformationSequence = [output]
    progress = Dataset()
    progress.ProcedureStepCancellationDateTime = "20261129121000"
    progress.ProcedureStepDiscontinuationReasonCodeSequence = [code_item(*INTERPRETATION)]
    changes = Dataset()
    changes.UnifiedProcedureStepPerformedProcedureSequence = [performed]
    changes.ProcedureStepProgressInformationSequence = [progress]
    return changes


class UpsStateTable(RuleBasedStateMachine):
    """A model of each workitem (state, owner, final state information given) beside the simulator's worklist."""

    def __init__(self):
        super().__init__()
        self.root = tempfile.mkdtemp(prefix="dh-ups-")
        self.worklist = Worklist(self.root)
        self.model: dict[str, dict] = {}

    def teardown(self):
        shutil.rmtree(self.root, ignore_errors=True)

    def _uid(self, data) -> str:
        return data.draw(st.sampled_from(sorted(self.model)))

    @rule()
    def create(self):
        uid = f"2.25.{next(_uids)}"
        self.worklist.create(uid, _workitem())
        self.model[uid] = {"state": SCHEDULED, "owner": None, "prepared": False}

    @precondition(lambda self: self.model)
    @rule(data=st.data(), with_transaction_uid=st.booleans())
    def claim(self, data, with_transaction_uid):
        uid = self._uid(data)
        item = self.model[uid]
        transaction_uid = f"2.25.9{next(_uids)}" if with_transaction_uid else ""
        allowed = item["state"] == SCHEDULED and with_transaction_uid
        try:
            self.worklist.change_state(uid, transaction_uid, IN_PROGRESS)
        except Refusal:
            assert not allowed, f"a legal claim of a {item['state']} workitem was refused"
            return
        assert allowed, f"claim of a {item['state']} workitem (Transaction UID given: {with_transaction_uid}) accepted"
        item.update(state=IN_PROGRESS, owner=transaction_uid)

    @precondition(lambda self: any(i["state"] == IN_PROGRESS for i in self.model.values()))
    @rule(data=st.data())
    def give_final_state_information(self, data):
        uid = data.draw(st.sampled_from(sorted(u for u, i in self.model.items() if i["state"] == IN_PROGRESS)))
        self.worklist.update(uid, self.model[uid]["owner"], _final_state_information())
        self.model[uid]["prepared"] = True

    @precondition(lambda self: self.model)
    @rule(data=st.data(), requested=st.sampled_from(FINAL), as_owner=st.booleans())
    def finish(self, data, requested, as_owner):
        uid = self._uid(data)
        item = self.model[uid]
        transaction_uid = item["owner"] if as_owner and item["owner"] else "2.25.424242"
        owner = transaction_uid == item["owner"]
        try:
            warning, _ = self.worklist.change_state(uid, transaction_uid, requested)
        except Refusal:
            legal = item["state"] == IN_PROGRESS and owner and item["prepared"]
            assert not legal, f"a legal change of {item['state']} to {requested} was refused"
            return
        if item["state"] == requested:
            assert owner and warning, f"repeating {requested} must be the owner's and carry a Warning"
            return
        assert item["state"] == IN_PROGRESS and owner and item["prepared"], (
            f"{item['state']} became {requested} (owner: {owner}, prepared: {item['prepared']})")
        item["state"] = requested

    @precondition(lambda self: self.model)
    @rule(data=st.data())
    def request_cancellation(self, data):
        uid = self._uid(data)
        item = self.model[uid]
        try:
            warning, _ = self.worklist.request_cancellation(uid, Dataset())
        except Refusal as refusal:
            assert item["state"] == COMPLETED and refusal.status == 409, f"cancel request refused in {item['state']}"
            return
        assert item["state"] != COMPLETED, "a cancel request for a COMPLETED workitem was accepted"
        if item["state"] == CANCELED:
            assert warning, "a cancel request for a CANCELED workitem must carry a Warning"
        if item["state"] == SCHEDULED:
            item["state"] = CANCELED        # the SCP cancels what nobody performs yet (PS3.4 CC.2.2.3)

    @rule()
    def restart(self):
        self.worklist = Worklist(self.root)

    @invariant()
    def states_agree_and_locks_stay_hidden(self):
        for uid, item in self.model.items():
            retrieved = Dataset.from_json(self.worklist.shown(uid))       # as a retrieve serves it
            assert str(retrieved.ProcedureStepState) == item["state"], uid
            assert "TransactionUID" not in retrieved, f"{uid}: the lock is shown"


TestUpsStateTable = UpsStateTable.TestCase
TestUpsStateTable.settings = settings(max_examples=40, stateful_step_count=25, deadline=None,
                                      suppress_health_check=[HealthCheck.too_slow])


# -- PS3.18 8.3.1 query encoding ------------------------------------------------------------------------------
_query_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40)


@given(values=st.lists(_query_text, min_size=1, max_size=3))
def test_query_values_survive_encoding_and_decoding(values):
    """Whatever the values (commas, '&', '=', '^', '%', spaces, any script), the simulator decodes what the
    harness encoded; a list stays a list."""
    query = parse_query(encode_query([("PatientName", values)]))
    assert query.keys == [([0x00100010], values)]


# -- multipart ----------------------------------------------------------------------------------------------------
BOUNDARY = "DH-8d1f4c0a9b7e4e2f"
_payloads = st.lists(st.binary(max_size=400), min_size=1, max_size=4)


def _body(payloads: list[bytes]) -> bytes:
    return b"".join(write_parts(BOUNDARY, [({"Content-Type": "application/dicom"}, [p]) for p in payloads]))


@given(payloads=_payloads)
def test_simulator_multipart_reads_back_in_the_harness(payloads):
    assume(all(BOUNDARY.encode() not in p for p in payloads))
    found = parse_multipart(f'multipart/related; type="application/dicom"; boundary={BOUNDARY}', _body(payloads),
                            "application/dicom")
    assert not found.findings, found.findings
    assert [p.content for p in found.parts] == payloads


@settings(deadline=None)
@given(payloads=_payloads, data=st.data())
def test_streamed_multipart_survives_any_chunking(payloads, data):
    """The simulator's STOW reader gets the same parts however the body is cut into chunks (a delimiter split
    across two chunks included)."""
    assume(all(BOUNDARY.encode() not in p for p in payloads))
    body = _body(payloads)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=10)))
    chunks = [body[start:end] for start, end in zip([0, *cuts], [*cuts, len(body)])]
    folder = Path(tempfile.mkdtemp(prefix="dh-parts-"))
    names = (str(folder / f"part{n}") for n in itertools.count())

    async def stream():
        for chunk in chunks:
            yield chunk

    try:
        parts = asyncio.run(read_parts(stream(), BOUNDARY, lambda: next(names)))
        assert [Path(p.path).read_bytes() for p in parts] == payloads
        assert [p.headers.get("content-type") for p in parts] == ["application/dicom"] * len(payloads)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
