"""Query/Retrieve pieces on their own: profile claims, the simulator's levels and retrieve selection, the
--move-dest option."""

import pytest
from pydicom.dataset import Dataset

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.errors import ProfileError
from dicom_harness.simulators.query_retrieve import PATIENT_ROOT, STUDY_ROOT, QueryError, QueryRetrieveScp, level_of
from dicom_harness.simulators.store import Store
from dicom_harness.targets.profile import profile_from_dict
from dicom_harness.targets.providers import shipped_profile
from tests.conftest import run_cli
from tests.test_cli import _one_clear_line

BASE = {"name": "PACS", "dimse": {"ae_title": "PACS", "host": "h", "port": 104}}


def test_qr_claims_parsed_and_checked():
    target = profile_from_dict({**BASE, "claims": {"query_retrieve": {
        "models": ["patient_root"], "operations": ["C-FIND", "C-GET"], "relational": True,
        "optional_keys": ["ModalitiesInStudy"]}}})
    qr = target.claims.query_retrieve
    assert qr.offers_model("patient_root") and not qr.offers_model("study_root")
    assert qr.offers("C-GET") and not qr.offers("C-MOVE") and qr.relational
    with pytest.raises(ProfileError, match="models"):
        profile_from_dict({**BASE, "claims": {"query_retrieve": {"models": ["patient_study_only_x"]}}})
    with pytest.raises(ProfileError, match="operations"):
        profile_from_dict({**BASE, "claims": {"query_retrieve": {"operations": ["C-FETCH"]}}})


@pytest.mark.parametrize("name", ["simulators", "orthanc", "dcmqrscp"])
def test_shipped_profiles_claim_query_retrieve(name):
    target = shipped_profile(name)
    assert target.claims.offers("query_retrieve")
    assert set(target.claims.query_retrieve.models) == {"patient_root", "study_root"}


def test_levels_follow_the_information_model():
    assert level_of("PatientName", PATIENT_ROOT) == "PATIENT"
    assert level_of("PatientName", STUDY_ROOT) == "STUDY"      # patient attributes are study keys there
    assert level_of("Modality", STUDY_ROOT) == "SERIES"
    assert level_of("InstanceNumber", PATIENT_ROOT) == "IMAGE"


def test_simulator_counts_and_retrieve_selection(tmp_path):
    store = Store(tmp_path)
    factory = DatasetFactory(seed=3)
    study = factory.study()
    series = factory.uid()
    instances = [factory.make("CT", study=study, series_uid=series) for _ in range(2)] + [factory.make("SC", study=study)]
    for instance in instances:
        from io import BytesIO
        buffer = BytesIO()
        instance.save_as(buffer, enforce_file_format=True)
        store.put_file(buffer.getvalue(), instance)
    scp = QueryRetrieveScp(store, "DH_PACS")
    query = Dataset()
    query.QueryRetrieveLevel = "STUDY"
    query.StudyInstanceUID = study.StudyInstanceUID
    query.ModalitiesInStudy = ""
    query.NumberOfStudyRelatedInstances = ""
    (answer,) = scp.find(query, "1.2.840.10008.5.1.4.1.2.2.1")
    assert list(answer.ModalitiesInStudy) == ["CT", "OT"] and answer.NumberOfStudyRelatedInstances == 3
    retrieve = Dataset()
    retrieve.QueryRetrieveLevel = "SERIES"
    retrieve.SeriesInstanceUID = series
    selected = scp.retrieve_matches(retrieve, "1.2.840.10008.5.1.4.1.2.2.3")
    assert {i.sop_instance_uid for i in selected} == {str(i.SOPInstanceUID) for i in instances[:2]}
    query.QueryRetrieveLevel = "PATIENT"                    # not a level of the Study Root model
    with pytest.raises(QueryError):
        scp.find(query, "1.2.840.10008.5.1.4.1.2.2.1")
    store.close()


def test_bad_move_destination_is_one_clear_line(tmp_path):
    proc = run_cli("simulate", "pacs", "--port", "0", "--store", str(tmp_path), "--move-dest", "NOPORT=localhost")
    assert proc.returncode == 2
    assert "AET=host:port" in _one_clear_line(proc)


class _Negotiation:
    """What pynetdicom hands an EVT_SOP_EXTENDED handler: the association and the offered sub-items."""

    def __init__(self, app_info):
        self.assoc = type("Assoc", (), {})()
        self.app_info = app_info


def test_simulator_is_hierarchical_unless_relational_queries_are_agreed(tmp_path):
    """PS3.4 C.4.1.3.2 and C.5.1.1: relational-queries only on an association that agreed them; the
    hierarchical-only fault turns them down in negotiation."""
    from dicom_harness.simulators.faults import HIERARCHICAL_ONLY
    store = Store(tmp_path)
    factory = DatasetFactory(seed=4)
    instance = factory.make("CT")
    from io import BytesIO
    buffer = BytesIO()
    instance.save_as(buffer, enforce_file_format=True)
    store.put_file(buffer.getvalue(), instance)
    study_root_find = "1.2.840.10008.5.1.4.1.2.2.1"
    query = Dataset()
    query.QueryRetrieveLevel = "SERIES"
    query.PatientID = instance.PatientID
    query.SeriesInstanceUID = ""
    scp = QueryRetrieveScp(store, "DH_PACS")
    with pytest.raises(QueryError):                           # no Study Instance UID: not a baseline query
        scp.find(query, study_root_find)
    (answer,) = scp.find(query, study_root_find, relational=True)
    assert answer.SeriesInstanceUID == instance.SeriesInstanceUID
    offered = _Negotiation({study_root_find: b"\x01\x01", "1.2.840.10008.5.1.4.1.1.2": b"\x01"})
    # relational queries and combined date-time matching both agreed; storage classes are not ours to answer
    assert scp.on_sop_extended(offered) == {study_root_find: b"\x01\x01"}
    assert offered.assoc in scp._relational
    declined = _Negotiation({study_root_find: b"\x01"})
    assert QueryRetrieveScp(store, "DH_PACS", [HIERARCHICAL_ONLY]).on_sop_extended(declined) == {study_root_find: b"\x00"}
    store.close()


def test_final_count_of_an_odd_response_is_judged_not_raised():
    """A zero-length count is no count (None); a value that is not a number is the target's failure, never a
    TypeError that would turn the verdict into ERROR."""
    from pydicom.dataelem import DataElement

    from dicom_harness.clients.exchange import TargetFailure
    from dicom_harness.clients.query_retrieve import RetrieveResult
    final = Dataset()
    final.Status = 0
    final.add(DataElement(0x00001021, "US", None))                # Number of Completed Sub-operations, empty
    result = RetrieveResult(message_id=1, final=final)
    assert result.final_count("NumberOfCompletedSuboperations") is None
    assert result.final_count("NumberOfFailedSuboperations") is None
    final.add(DataElement(0x00001023, "US", "x"))                 # Number of Warning Sub-operations, not a number
    with pytest.raises(TargetFailure):
        result.final_count("NumberOfWarningSuboperations")


def test_target_data_that_breaks_a_test_is_a_fail_not_an_error(tmp_path):
    """Issue 11 section 7: a response without the requested Patient's Name made test_specific_character_set
    raise AttributeError (ERROR, not counted against the target); it is a FAIL with evidence."""
    from tests.conftest import run_suites
    proc, records = run_suites(tmp_path, "--fault", "find-omits-patient-name",
                               "--test", "query_retrieve/test_find_responses.py::test_specific_character_set")
    (record,) = records
    assert record["verdict"] == "FAIL", (record["verdict"], record["message"])
    assert "Patient's Name" in record["message"] and record["evidence"]
