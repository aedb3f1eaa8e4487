"""The RIS simulator's worklist matching leaves the request alone: a fault that edits the query (to ignore a key,
or to compare it literally) edits a copy, so the next worklist item is matched against the query as sent. Before
the copy was deep, `mwl-patient-name-no-wildcard` blanked the request's Patient's Name while matching the first
item, and every later item matched: the fault broke nothing."""

from dicom_harness.shared.worklist import worklist_item, worklist_query
from dicom_harness.simulators.ris import RisService, WorklistStore


def _service(*faults: str) -> RisService:
    return RisService(WorklistStore(), faults=faults)


def test_matching_does_not_edit_the_request():
    query = worklist_query(PatientName="DH^WL1*", RequestedProcedureID="RPX", ScheduledStationAETitle="DH_A")
    before = query.to_json_dict()
    service = _service("mwl-patient-name-no-wildcard", "mwl-optional-key-echoed", "mwl-ignore-sequence-keys")
    for patient in ("DH^WL1A", "DH^WL1B"):
        service._matches(query, worklist_item(PatientName=patient, RequestedProcedureID="RPY"))
    assert query.to_json_dict() == before


def test_literal_wild_card_fault_fails_every_item():
    service = _service("mwl-patient-name-no-wildcard")
    query = worklist_query(PatientName="DH^WL1*")
    items = [worklist_item(PatientName=name) for name in ("DH^WL1A", "DH^WL1B", "DH^WL1C")]
    assert [service._matches(query, item) for item in items] == [False, False, False]
    assert all(_service()._matches(query, item) for item in items)


def test_echoed_optional_key_is_the_request_value():
    service = _service("mwl-optional-key-echoed")
    query = worklist_query(RequestedProcedureID="RPX")
    item = worklist_item(RequestedProcedureID="RPY")
    assert service._matches(query, item)
    assert str(service._identifier(query, item, ()).RequestedProcedureID) == "RPX"
