"""The data the Query/Retrieve suites query, seeded once per run by C-STORE, and a small client for the tests.

Every seeded patient's name and ID carry this run's ID, and every query is scoped by the ID (never by a
wildcard on the name: for PN that is implementation dependent, PS3.4 C.2.2.2.4), so the expected results are
exact even when the target holds other data (earlier runs, real patients)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import pytest
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import build_context, evt
from pynetdicom.pdu_primitives import SOPClassExtendedNegotiation
from pynetdicom.sop_class import (
    PatientRootQueryRetrieveInformationModelFind,
    PatientRootQueryRetrieveInformationModelGet,
    PatientRootQueryRetrieveInformationModelMove,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
)

from dicom_harness.testing import NotClaimed, NotVerified, Status, describe, seed_instances

MODEL_UIDS = {
    ("patient_root", "C-FIND"): PatientRootQueryRetrieveInformationModelFind,
    ("patient_root", "C-MOVE"): PatientRootQueryRetrieveInformationModelMove,
    ("patient_root", "C-GET"): PatientRootQueryRetrieveInformationModelGet,
    ("study_root", "C-FIND"): StudyRootQueryRetrieveInformationModelFind,
    ("study_root", "C-MOVE"): StudyRootQueryRetrieveInformationModelMove,
    ("study_root", "C-GET"): StudyRootQueryRetrieveInformationModelGet,
}
UNIQUE_KEY = {"PATIENT": "PatientID", "STUDY": "StudyInstanceUID", "SERIES": "SeriesInstanceUID",
              "IMAGE": "SOPInstanceUID"}
CANCEL_MATCHES = 20


def query(level: str, **keys) -> Dataset:
    """A request identifier: '' is a zero-length (universal) key, a list a multi-valued one."""
    identifier = Dataset()
    identifier.QueryRetrieveLevel = level
    for keyword, value in keys.items():
        setattr(identifier, keyword, value)
    return identifier


@dataclass
class World:
    """What was seeded: patients A and B (with non-ASCII name), their studies, series and instances."""
    run: str
    patients: dict[str, tuple[str, str]] = field(default_factory=dict)       # A/B -> (name, id)
    studies: dict[str, Dataset] = field(default_factory=dict)                # A1, A2, B1
    series: dict[str, list[Dataset]] = field(default_factory=dict)           # A1-CT ... -> instances

    def pid(self, patient: str) -> str:
        return self.patients[patient][1]

    def name(self, patient: str) -> str:
        return self.patients[patient][0]

    def study_uid(self, study: str) -> str:
        return str(self.studies[study].StudyInstanceUID)

    def series_uid(self, series: str) -> str:
        return str(self.series[series][0].SeriesInstanceUID)

    def sop_uids(self, *series: str) -> set[str]:
        return {str(i.SOPInstanceUID) for s in series for i in self.series[s]}

    def instances(self, *series: str) -> list[Dataset]:
        return [i for s in series for i in self.series[s]]

    @property
    def id_prefix(self) -> str:
        return f"DH-{self.run}-QR"


def _seed(target, factory, world: World, plan: list[tuple[str, str, str]]) -> None:
    """C-STORE the instances of plan [(series name, study name, kind)] on one association."""
    made = []
    for series_name, study_name, kind in plan:
        study = world.studies[study_name]
        existing = world.series.setdefault(series_name, [])
        series_uid = existing[0].SeriesInstanceUID if existing else factory.uid()
        instance = factory.make(kind, study=study, series_uid=series_uid)
        instance.InstanceNumber = len(existing) + 1
        instance.SeriesNumber = list(world.series).index(series_name) + 1
        if kind == "KOS" and existing:
            # A second key object with another document title, so sequence matching has something to exclude.
            title = instance.ConceptNameCodeSequence[0]
            title.CodeValue, title.CodeMeaning = "113001", "Rejected for Quality Reasons"
        existing.append(instance)
        made.append(instance)
    seed_instances(target, made, "seeding the Query/Retrieve data")


def _study(factory, patient: tuple[str, str], date: str, time: str, accession: str, study_id: str) -> Dataset:
    study = factory.study(patient)
    study.StudyDate, study.StudyTime = date, time
    study.AccessionNumber = accession
    study.StudyID = study_id
    return study


class LazyWorld:
    """Seeds on first use, so a target that does not claim Query/Retrieve is never written to."""

    def __init__(self, target, factory):
        self.target, self.factory = target, factory
        self._world: World | None = None
        self._cancel_seeded = False

    def get(self) -> World:
        if self._world is None:
            run = self.factory.run_id
            world = World(run=run)
            world.patients["A"] = (f"DH^QR{run}A", f"DH-{run}-QRA")
            world.patients["B"] = (f"DH^QR{run}B^J\u00dcRGEN", f"DH-{run}-QRB")
            f = self.factory
            world.studies["A1"] = _study(f, world.patients["A"], "20240110", "093000", f"QA{run}", "1")
            world.studies["A2"] = _study(f, world.patients["A"], "20240220", "143000", "", "2")
            world.studies["B1"] = _study(f, world.patients["B"], "20240315", "110000", f"QB{run}", "3")
            plan = [("A1-CT", "A1", "CT"), ("A1-CT", "A1", "CT"), ("A1-SC", "A1", "SC"),
                    ("A2-CR", "A2", "CR"), ("A2-KO", "A2", "KOS"), ("A2-KO", "A2", "KOS"), ("B1-CR", "B1", "CR")]
            _seed(self.target, f, world, plan)
            self._world = world
        return self._world

    def cancel_series(self) -> tuple[World, str]:
        """A third patient with many instances in one series, for C-CANCEL; seeded on first use."""
        world = self.get()
        if not self._cancel_seeded:
            world.patients["C"] = (f"DH^QX{world.run}C", f"DH-{world.run}-QXC")   # outside the A/B prefixes
            world.studies["C1"] = _study(self.factory, world.patients["C"], "20240401", "080000", "", "4")
            _seed(self.target, self.factory, world, [("C1-SC", "C1", "SC")] * CANCEL_MATCHES)
            self._cancel_seeded = True
        return world, "C1-SC"


@pytest.fixture(scope="session")
def _qr_lazy_world(target, dataset_factory):
    return LazyWorld(target, dataset_factory)


@pytest.fixture
def world(_qr_lazy_world) -> World:
    return _qr_lazy_world.get()


@pytest.fixture
def cancel_world(_qr_lazy_world) -> tuple[World, str]:
    return _qr_lazy_world.cancel_series()


class QueryRetrieve:
    """The test's Query/Retrieve client, claims checked first. C-FIND and C-MOVE share one association per
    test (opened on first use, released at the end of the test); C-GET gets its own, for its roles."""

    def __init__(self, dimse, claims):
        self.dimse = dimse
        self.claims = claims.query_retrieve
        self._stack = ExitStack()
        self._session = None

    def model(self, model: str, operation: str) -> str:
        if not self.claims.offers_model(model):
            raise NotClaimed(f"the target does not claim the {model.replace('_', ' ')} information model")
        if not self.claims.offers(operation):
            raise NotClaimed(f"the target does not claim {operation}")
        return MODEL_UIDS[(model, operation)]

    def _shared_session(self):
        if self._session is None or not self._session.is_alive():
            contexts = [build_context(MODEL_UIDS[(model, operation)], [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
                        for model in self.claims.models for operation in ("C-FIND", "C-MOVE")
                        if self.claims.offers(operation)]
            self._session = self._stack.enter_context(self.dimse.associate(contexts))
        return self._session

    def close(self) -> None:
        self._stack.close()

    def find(self, model: str, identifier: Dataset):
        uid = self.model(model, "C-FIND")
        return self._shared_session().find(identifier, uid)

    @contextmanager
    def find_session(self, model: str):
        """An association of its own for C-FIND: yields (session, model UID)."""
        uid = self.model(model, "C-FIND")
        contexts = [build_context(uid, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])]
        with self.dimse.associate(contexts) as session:
            yield session, uid

    @contextmanager
    def relational_session(self, model: str):
        """An association of its own for C-FIND that proposes relational-queries in SOP Class Extended
        Negotiation (PS3.4 C.5.1.1, byte 1 = 1): yields (session, model UID, the acceptor's answer for the
        model: its bytes, or None when it returned no sub-item, which C.5.1.1 makes "not supported")."""
        with self.extended_session(model, "C-FIND", b"\x01", "relational-queries=1") as opened:
            yield opened

    @contextmanager
    def extended_session(self, model: str, operation: str, information: bytes, what: str):
        """An association of its own for the model's `operation` SOP Class, proposing a SOP Class Extended
        Negotiation sub-item with these bytes (PS3.4 C.5.1.1, C.5.2.1): yields (session, model UID, the
        acceptor's answer for the SOP Class, or None when it returned no sub-item)."""
        uid = self.model(model, operation)
        item = SOPClassExtendedNegotiation()
        item.sop_class_uid = uid
        item.service_class_application_information = information
        contexts = [build_context(uid, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])]
        self.dimse.evidence.add(">", f"SOP Class Extended Negotiation sub-item {uid}: {what} "
                                     f"(bytes {information.hex(' ')})")
        with self.dimse.associate(contexts, extended_negotiation=[item]) as session:
            returned = session.assoc.acceptor.sop_class_extended
            answer = next((bytes(v) for k, v in returned.items() if str(k) == str(uid)), None)
            self.dimse.evidence.add("<", "SOP Class Extended Negotiation sub-item for the SOP Class: " + (
                "none returned" if answer is None else f"returned, bytes {answer.hex(' ')}"))
            yield session, uid, answer

    @contextmanager
    def plain_session(self, model: str, operation: str):
        """An association of its own for the model's `operation` SOP Class, no extended negotiation offered:
        yields (session, model UID)."""
        uid = self.model(model, operation)
        with self.dimse.associate([build_context(uid, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])]) as session:
            yield session, uid

    @contextmanager
    def move_session(self, model: str):
        """An association of its own for C-MOVE: yields (session, model UID)."""
        uid = self.model(model, "C-MOVE")
        with self.dimse.associate([build_context(uid, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])]) as session:
            yield session, uid

    def move(self, model: str, identifier: Dataset, destination: str, priority: int = 2):
        """C-MOVE on an association of its own; priority: 2 LOW (the default), 0 MEDIUM, 1 HIGH."""
        uid = self.model(model, "C-MOVE")
        with self.dimse.associate([build_context(uid, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])]) as session:
            return session.move(identifier, destination, uid, priority)

    def get(self, model: str, identifier: Dataset, sop_classes, refuse: Iterable[str] = (),
            cancel_after: int | None = None, priority: int | None = None):
        """C-GET; the C-STOREs of the SOP Instance UIDs in `refuse` are answered A700 (Refused: Out of
        Resources), and with `cancel_after` a C-CANCEL-GET-RQ is sent when that many C-STOREs have arrived,
        before the last one is answered. priority: the C-GET's (2 LOW when None, 0 MEDIUM, 1 HIGH); given, each
        C-STORE's Priority is kept in result.store_priorities. Returns the result; result.stores lists every
        C-STORE's SOP Instance UID."""
        uid = self.model(model, "C-GET")
        classes = sorted({str(c) for c in sop_classes})
        contexts = [build_context(uid, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])]
        # One context per transfer syntax: the SCP picks one per context and must find the one it can send.
        for syntax in (ExplicitVRLittleEndian, ImplicitVRLittleEndian):
            contexts += [build_context(c, [syntax]) for c in classes]
        with self.dimse.associate(contexts, scp_roles=classes) as session:
            stores: list[str] = []
            priorities: dict[str, int | None] = {}
            if refuse or cancel_after is not None or priority is not None:
                session.assoc.bind(evt.EVT_C_STORE, _store_answers(session, uid, set(refuse), cancel_after, stores,
                                                                   priorities))
            result = session.get_instances(identifier, uid, 2 if priority is None else priority)
            result.stores = stores
            result.store_priorities = priorities
            return result


def _store_answers(session, model_uid: str, refuse: set[str], cancel_after: int | None, stores: list[str],
                   priorities: dict[str, int | None]):
    """The C-STORE handler of a C-GET association that refuses some sub-operations or cancels the C-GET, and
    notes each C-STORE's Priority."""
    def on_store(event):
        sop = str(event.request.AffectedSOPInstanceUID)
        stores.append(sop)
        priorities[sop] = None if event.request.Priority is None else int(event.request.Priority)
        if cancel_after is not None and len(stores) == cancel_after:
            context = next(c for c in session.accepted if c.abstract_syntax == model_uid)
            message_id = session.last_message_id      # the C-GET's, the last the session gave out
            session.evidence.add(">", f"C-CANCEL-GET-RQ MessageIDBeingRespondedTo={message_id} (C-STORE "
                                      f"sub-operation {len(stores)} arrived; sent before its C-STORE-RSP)")
            event.assoc.send_c_cancel(message_id, context.context_id)
        if sop in refuse:
            session.evidence.add(">", f"C-STORE-RSP Status=A700 (Refused: Out of Resources) for {sop}, as planned")
            return Status.OUT_OF_RESOURCES
        dataset = event.dataset
        dataset.file_meta = event.file_meta
        session.keep_received(dataset)
        return Status.SUCCESS
    return on_store


@pytest.fixture
def qr(dimse, claims):
    client = QueryRetrieve(dimse, claims)
    yield client
    client.close()


def matched(result, keyword: str) -> set[str]:
    """The values of a key over all Pending identifiers, after requiring a final Success."""
    assert result.final_status == Status.SUCCESS, (
        f"expected the C-FIND to end with Success, observed {describe(result.final_status)}")
    return {str(i.get(keyword, "")) for i in result.identifiers}


@dataclass
class Merged:
    """Several C-FIND results read as one: Success only if each ended in Success."""
    final_status: int | None
    identifiers: list[Dataset]


def merged(results) -> Merged:
    results = list(results)
    failed = [r.final_status for r in results if r.final_status != Status.SUCCESS]
    return Merged(failed[0] if failed else Status.SUCCESS, [i for r in results for i in r.identifiers])


def assert_matches(result, keyword: str, expected: set[str], what: str) -> None:
    found = matched(result, keyword)
    assert found == set(expected), (
        f"{what}: expected {keyword} {sorted(expected)}, observed {sorted(found)} "
        f"(missing {sorted(set(expected) - found)}, unexpected {sorted(found - set(expected))})")


def sequence_of(*items: Dataset) -> Sequence:
    return Sequence(list(items))


def one_empty_item() -> Sequence:
    """A sequence key holding one zero-length item (PS3.4 C.2.2.2.6: asks for the sequence, matches all)."""
    return Sequence([Dataset()])


def assert_responses_name_request(commands, message_id: int, what: str) -> None:
    """Every response of one operation, pending and final, names the request's Message ID in Message ID Being
    Responded To (PS3.7 Tables 9.3-4, 9.3-6, 9.3-8: "Shall be set to the value of the Message ID")."""
    assert commands, f"no {what}-RSP command set was read off the wire"
    wrong = [f"response {n + 1}: {c.get('MessageIDBeingRespondedTo', '(absent)')}" for n, c in enumerate(commands)
             if c.get("MessageIDBeingRespondedTo") != message_id]
    assert not wrong, (f"{what}-RSP Message ID Being Responded To: expected {message_id} (the request's Message ID) "
                       f"in all {len(commands)} response(s), observed " + "; ".join(wrong))


def assert_failed_list_names(result, refused: str, operation: str, clause: str) -> None:
    """The final response of a C-GET or C-MOVE in which the harness refused one C-STORE: its identifier's Failed
    SOP Instance UID List names exactly that instance (`clause`: Canceled, Failure, Refused or Warning "shall
    contain" it). A final Success with no identifier is the final-status requirement's breach, not this one's."""
    final = result.final_status
    identifier = result.final_identifier or None         # an empty data set is no identifier either
    if final == Status.SUCCESS and identifier is None:
        raise NotVerified(f"the {operation} ended with Success and no identifier although one C-STORE was refused")
    data_set_type = result.commands[-1].get("CommandDataSetType") if result.commands else None
    assert identifier is not None, (
        f"the final {describe(final)} response carries no identifier (Command Data Set Type "
        f"{'?' if data_set_type is None else f'0x{int(data_set_type):04X}'}), so no Failed SOP Instance UID List "
        f"({clause}: Canceled, Failure, Refused or Warning \"shall contain\" it)")
    assert "FailedSOPInstanceUIDList" in identifier, (
        f"the final {describe(final)} response's identifier holds no Failed SOP Instance UID List (0008,0058)")
    value = identifier.FailedSOPInstanceUIDList
    listed = {str(v) for v in ([value] if isinstance(value, str) else (value or []))} - {""}
    assert listed == {refused}, (
        f"Failed SOP Instance UID List: expected exactly the refused instance {refused}, observed {sorted(listed)}")


PENDING_COUNTS = ("NumberOfRemainingSuboperations", "NumberOfCompletedSuboperations", "NumberOfFailedSuboperations",
                  "NumberOfWarningSuboperations")


def assert_pending_counts_true(result, total: int, operation: str, clause: str) -> None:
    """The Pending responses of a C-GET or C-MOVE of `total` instances, none refused: their counts "shall indicate" the
    Remaining, Completed, Failed and Warning sub-operations (`clause`), so in each the four add up to the total (or
    one less, a C-STORE being under way), Remaining never grows, Completed never shrinks, and Failed stays 0.
    Pending responses are optional: none is NotVerified; one lacking a count is the SUBOP-COUNTS test's."""
    rows = []
    for response in result.pending:
        values = [response.get(k) for k in PENDING_COUNTS]
        if any(v is None or v == "" for v in values):
            continue
        rows.append([int(v) for v in values])
    if not rows:
        raise NotVerified(f"the {operation} sent no Pending response with the four counts (Pending is optional)")
    shown = "; ".join(f"Remaining={r[0]} Completed={r[1]} Failed={r[2]} Warning={r[3]}" for r in rows)
    wrong = [n + 1 for n, r in enumerate(rows) if sum(r) not in (total, total - 1) or r[2] != 0]
    assert not wrong, (f"{operation} of {total} instance(s), none refused: Pending response(s) {wrong} do not count "
                       f"them ({clause}: Pending responses \"shall indicate\" the Remaining, Completed, Failed and "
                       f"Warning sub-operations); observed {shown}")
    backwards = [n + 2 for n in range(len(rows) - 1)
                 if rows[n + 1][0] > rows[n][0] or rows[n + 1][1] < rows[n][1]]
    assert not backwards, (f"{operation}: Remaining grows or Completed shrinks at Pending response(s) {backwards}: "
                           f"{shown}")
