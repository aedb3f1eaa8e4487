"""The DICOMweb simulator's FHIR R4 face (simulators/dicomweb/fhir.py): every answer is valid FHIR R4 by an
independent model library (fhir.resources, its R4B models: R4B changed nothing in Patient, ImagingStudy, Endpoint
or Bundle that these resources use), and agrees with QIDO-RS over the same store."""

from __future__ import annotations

import httpx
import pytest

from dicom_harness.clients.web import part10_bytes
from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.store import Store

fhir_models = pytest.importorskip("fhir.resources.R4B", reason="the test extra installs fhir.resources")
from fhir.resources.R4B.bundle import Bundle  # noqa: E402
from fhir.resources.R4B.endpoint import Endpoint  # noqa: E402
from fhir.resources.R4B.imagingstudy import ImagingStudy  # noqa: E402
from fhir.resources.R4B.patient import Patient  # noqa: E402

FHIR_JSON = "application/fhir+json"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    store = Store(tmp_path_factory.mktemp("fhir") / "store")
    factory = DatasetFactory(seed=18)
    context = factory.study()
    first = factory.make("CR", study=context)
    second = factory.make("CR", study=context, series_uid=first.SeriesInstanceUID)
    second.InstanceNumber = 2
    mf = factory.make("MF", study=context)
    other = factory.make("CT")
    for ds in (first, second, mf, other):
        store.put_file(part10_bytes(ds), ds)
    web = DicomWebSimulator(store, cors_origins=()).start()
    yield web, context, [first, second, mf], other
    web.stop()
    store.close()


def _get(web, path, **params):
    response = httpx.get(f"{web.fhir_url}{path}", params=params, headers={"Accept": FHIR_JSON}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].split(";")[0] == FHIR_JSON
    return response.json()


def test_patient_search_by_identifier_is_a_valid_searchset(served):
    web, context, _, _ = served
    body = _get(web, "/Patient", identifier=str(context.PatientID))
    bundle = Bundle.model_validate(body)
    assert bundle.type == "searchset" and bundle.total == 1
    patient = Patient.model_validate(body["entry"][0]["resource"])
    assert patient.identifier[0].value == str(context.PatientID)
    assert _get(web, f"/Patient/{patient.id}")["id"] == patient.id


def test_imaging_study_is_valid_and_agrees_with_qido(served):
    web, context, instances, other = served
    patient = _get(web, "/Patient", identifier=str(context.PatientID))["entry"][0]["resource"]
    body = _get(web, "/ImagingStudy", patient=f"Patient/{patient['id']}", _include="ImagingStudy:endpoint")
    Bundle.model_validate(body)
    matches = [e["resource"] for e in body["entry"] if e["search"]["mode"] == "match"]
    included = [e["resource"] for e in body["entry"] if e["search"]["mode"] == "include"]
    assert len(matches) == 1 and len(included) == 1
    study = ImagingStudy.model_validate(matches[0])
    endpoint = Endpoint.model_validate(included[0])
    assert study.identifier[0].system == "urn:dicom:uid"
    assert study.identifier[0].value == f"urn:oid:{context.StudyInstanceUID}"
    assert study.numberOfSeries == 2 and study.numberOfInstances == 3
    qido = httpx.get(f"{web.base_url}/studies/{context.StudyInstanceUID}/instances",
                     headers={"Accept": "application/dicom+json"}, timeout=10).json()
    assert {i.uid for s in study.series for i in s.instance} == {r["00080018"]["Value"][0] for r in qido}
    assert {i.uid for s in study.series for i in s.instance} == {str(d.SOPInstanceUID) for d in instances}
    assert all(s.modality.system == "http://dicom.nema.org/resources/ontology/DCM" for s in study.series)
    assert endpoint.connectionType.code == "dicom-wado-rs" and endpoint.address == web.base_url
    assert str(other.StudyInstanceUID) not in {e["resource"]["id"] for e in body["entry"]}


@pytest.mark.parametrize("query, found", [
    ({"identifier": "ACCESSION"}, True), ({"identifier": "urn:dicom:uid|urn:oid:STUDY"}, True),
    ({"identifier": "urn:oid:STUDY"}, True), ({"identifier": "STUDY"}, False),
    ({"started": "geDATE"}, True), ({"started": "ltDATE"}, False), ({"started": "DATE"}, True)])
def test_imaging_study_search_parameters(served, query, found):
    web, context, _, _ = served
    date = str(context.StudyDate)
    values = {k: v.replace("ACCESSION", str(context.AccessionNumber)).replace("STUDY", str(context.StudyInstanceUID))
              .replace("DATE", f"{date[:4]}-{date[4:6]}-{date[6:]}") for k, v in query.items()}
    ids = {e["resource"]["id"] for e in _get(web, "/ImagingStudy", **values).get("entry", [])}
    assert (str(context.StudyInstanceUID) in ids) is found, (values, ids)


def test_unknown_resources_are_404_operation_outcomes(served):
    web, _, _, _ = served
    for path in ("/ImagingStudy/1.2.3.4", "/Patient/nobody", "/Endpoint/none"):
        response = httpx.get(f"{web.fhir_url}{path}", timeout=10)
        assert response.status_code == 404 and response.json()["resourceType"] == "OperationOutcome"


def test_an_independent_fhir_client_follows_the_flow(served):
    """fhirpy (an independent FHIR client from PyPI): Patient by identifier, its ImagingStudy with the Endpoint
    included, and the series and instances it lists."""
    fhirpy = pytest.importorskip("fhirpy", reason="the test extra installs fhirpy")
    web, context, instances, _ = served
    client = fhirpy.SyncFHIRClient(web.fhir_url)
    patients = client.resources("Patient").search(identifier=str(context.PatientID)).fetch()
    assert [p["identifier"][0]["value"] for p in patients] == [str(context.PatientID)]
    studies = client.resources("ImagingStudy").search(patient=patients[0]["id"]).fetch()
    assert [s["id"] for s in studies] == [str(context.StudyInstanceUID)]
    bundle = client.resources("ImagingStudy").search(patient=patients[0]["id"]).include(
        "ImagingStudy", "endpoint").fetch_raw()
    endpoints = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Endpoint"]
    assert [e["address"] for e in endpoints] == [web.base_url]
    study = studies[0]
    assert sorted(i["uid"] for s in study["series"] for i in s["instance"]) == sorted(
        str(d.SOPInstanceUID) for d in instances)
    assert study["subject"]["reference"] == f"Patient/{patients[0]['id']}"
