"""FHIR R4 ImagingStudy against the DICOMweb study it describes: the hands-on flow, from the Patient found by its
identifier to the ImagingStudy (its identifier, subject, counts, series and instances) and its WADO-RS Endpoint."""

from dicom_harness.testing import requirement

from .flow import (
    DCM,
    DICOM_UID_SYSTEM,
    FHIR_JSON,
    RFC3986,
    imaging_study,
    listed_instances,
    listed_series,
    stored_series,
    wado_rs_endpoint,
)


@requirement("FHIR-JSON-MEDIA-TYPE")
def test_answers_are_fhir_json(fhir, web_study):
    """GET ImagingStudy?identifier=<accession> and GET Patient?identifier=<Patient ID> with Accept
    application/fhir+json; FHIR R4 http: the formal MIME-type of FHIR JSON is application/fhir+json."""
    queries = [("ImagingStudy", [("identifier", str(web_study.images[0].AccessionNumber))]),
               ("Patient", [("identifier", str(web_study.images[0].PatientID))])]
    for resource_type, query in queries:
        response = fhir.get(resource_type, query)
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        assert response.status_code == 200, f"GET {resource_type}: expected 200, observed {response.status_code}"
        assert media == FHIR_JSON, f"GET {resource_type}: Content-Type expected {FHIR_JSON}, observed {media!r}"


@requirement("FHIR-PATIENT-IDENTIFIER")
def test_patient_found_by_identifier(fhir, web_study):
    """GET Patient?identifier=<the stored study's Patient ID>; FHIR R4 Patient.identifier (search parameter
    identifier): the Patient of that study is found."""
    patient_id = str(web_study.images[0].PatientID)
    found = fhir.search("Patient", [("identifier", patient_id)])
    holders = [p for p in found if any(i.get("value") == patient_id for i in p.get("identifier", []))]
    assert holders, (f"Patient?identifier={patient_id}: expected the Patient with that identifier, observed "
                     f"{len(found)} Patient(s) with identifiers {[p.get('identifier') for p in found]}")


@requirement("FHIR-STUDY-IDENTIFIER-UID")
def test_study_identifier_is_the_study_uid_as_urn_oid(fhir, web_study):
    """Find the study's ImagingStudy; FHIR R4 ImagingStudy.identifier: the Study Instance UID with system
    urn:dicom:uid and value urn:oid:<UID>."""
    study = imaging_study(fhir, web_study)
    wanted = {"system": DICOM_UID_SYSTEM, "value": f"urn:oid:{web_study.uid}"}
    observed = [{k: i.get(k) for k in ("system", "value")} for i in study.get("identifier", [])]
    assert wanted in observed, f"ImagingStudy.identifier: expected {wanted}, observed {observed}"


@requirement("FHIR-STUDY-SUBJECT")
def test_study_subject_is_the_patient_and_finds_the_study(fhir, web_study):
    """Read the ImagingStudy's subject, then GET ImagingStudy?patient=<it>; FHIR R4 ImagingStudy.subject: the
    Patient with the study's Patient ID, whose studies include this one."""
    study = imaging_study(fhir, web_study)
    reference = (study.get("subject") or {}).get("reference", "")
    assert reference.startswith("Patient/") or "/Patient/" in reference, (
        f"ImagingStudy.subject: expected a Patient reference, observed {study.get('subject')!r}")
    response = fhir.get(reference)
    assert response.status_code == 200, f"the subject {reference} cannot be read: {response.status_code}"
    patient_id = str(web_study.images[0].PatientID)
    identifiers = [i.get("value") for i in response.json().get("identifier", [])]
    assert patient_id in identifiers, (
        f"ImagingStudy.subject {reference}: expected the Patient with identifier {patient_id}, observed {identifiers}")
    found = fhir.search("ImagingStudy", [("patient", reference.split("/")[-1])])
    assert study["id"] in {s.get("id") for s in found}, (
        f"ImagingStudy?patient={reference.split('/')[-1]}: expected ImagingStudy/{study['id']} among the "
        f"{len(found)} found")


@requirement("FHIR-STUDY-COUNTS")
def test_study_and_series_counts(fhir, web_study):
    """Find the ImagingStudy; FHIR R4 ImagingStudy.numberOfSeries/numberOfInstances and series.numberOfInstances:
    the numbers of series and instances stored (two series, three instances)."""
    study = imaging_study(fhir, web_study)
    stored = stored_series(web_study)
    expected = {"numberOfSeries": len(stored), "numberOfInstances": len(web_study.instances)}
    observed = {k: study.get(k) for k in expected}
    assert observed == expected, f"ImagingStudy counts: expected {expected}, observed {observed}"
    listed = listed_series(study)
    for uid, members in stored.items():
        if uid in listed:
            count = listed[uid].get("numberOfInstances")
            assert count == len(members), (
                f"series {uid} numberOfInstances: expected {len(members)}, observed {count}")


@requirement("FHIR-SERIES-UID")
def test_series_are_exactly_the_stored_series(fhir, web_study):
    """Find the ImagingStudy; FHIR R4 ImagingStudy.series.uid: one series element per stored series, its uid the
    Series Instance UID itself (type id)."""
    study = imaging_study(fhir, web_study)
    observed = sorted(str(s.get("uid")) for s in study.get("series", []))
    expected = sorted(stored_series(web_study))
    assert observed == expected, f"ImagingStudy.series.uid: expected {expected}, observed {observed}"


@requirement("FHIR-SERIES-NUMBER")
def test_series_numbers(fhir, web_study):
    """Find the ImagingStudy; FHIR R4 ImagingStudy.series.number: the Series Number of each series."""
    listed = listed_series(imaging_study(fhir, web_study))
    for uid, members in stored_series(web_study).items():
        number = listed.get(uid, {}).get("number")
        if number is not None:
            assert number == int(members[0].SeriesNumber), (
                f"series {uid} number: expected Series Number {members[0].SeriesNumber}, observed {number}")


@requirement("FHIR-SERIES-MODALITY")
def test_series_modality_codes(fhir, web_study):
    """Find the ImagingStudy; FHIR R4 ImagingStudy.series.modality: a Coding of the DCM system whose code is the
    series' Modality."""
    listed = listed_series(imaging_study(fhir, web_study))
    for uid, members in stored_series(web_study).items():
        if uid not in listed:
            continue
        coding = listed[uid].get("modality") or {}
        expected = {"system": DCM, "code": str(members[0].Modality)}
        observed = {k: coding.get(k) for k in expected}
        assert observed == expected, f"series {uid} modality: expected {expected}, observed {observed}"


@requirement("FHIR-INSTANCE-UID")
def test_instances_are_exactly_the_stored_instances(fhir, web_study):
    """Find the ImagingStudy; FHIR R4 ImagingStudy.series.instance.uid: each series lists exactly its stored
    instances, by SOP Instance UID."""
    listed = listed_series(imaging_study(fhir, web_study))
    for uid, members in stored_series(web_study).items():
        observed = sorted(str(i.get("uid")) for i in listed.get(uid, {}).get("instance", []))
        expected = sorted(str(ds.SOPInstanceUID) for ds in members)
        assert observed == expected, f"series {uid} instance.uid: expected {expected}, observed {observed}"


@requirement("FHIR-INSTANCE-SOP-CLASS")
def test_instance_sop_classes(fhir, web_study):
    """Find the ImagingStudy; FHIR R4 ImagingStudy.series.instance.sopClass: system urn:ietf:rfc:3986, code
    urn:oid:<the instance's SOP Class UID>."""
    listed = listed_instances(imaging_study(fhir, web_study))
    for ds in web_study.instances:
        if str(ds.SOPInstanceUID) not in listed:
            continue
        coding = listed[str(ds.SOPInstanceUID)].get("sopClass") or {}
        expected = {"system": RFC3986, "code": f"urn:oid:{ds.SOPClassUID}"}
        observed = {k: coding.get(k) for k in expected}
        assert observed == expected, f"instance {ds.SOPInstanceUID} sopClass: expected {expected}, observed {observed}"


@requirement("FHIR-INSTANCE-NUMBER")
def test_instance_numbers(fhir, web_study):
    """Find the ImagingStudy; FHIR R4 ImagingStudy.series.instance.number: the Instance Number of each
    instance."""
    listed = listed_instances(imaging_study(fhir, web_study))
    for ds in web_study.instances:
        number = listed.get(str(ds.SOPInstanceUID), {}).get("number")
        if number is not None and "InstanceNumber" in ds:
            assert number == int(ds.InstanceNumber), (
                f"instance {ds.SOPInstanceUID} number: expected Instance Number {ds.InstanceNumber}, observed {number}")


@requirement("FHIR-ENDPOINT-WADO-RS")
def test_endpoint_retrieves_the_study(fhir, dicomweb, web_study):
    """Read the ImagingStudy's dicom-wado-rs Endpoint, then GET <address>/studies/<Study Instance UID>; FHIR R4
    ImagingStudy.endpoint: the service giving access to the study: WADO-RS returns exactly its instances."""
    endpoint = wado_rs_endpoint(fhir, imaging_study(fhir, web_study))
    address = str(endpoint.get("address", "")).rstrip("/")
    assert address.startswith(("http://", "https://")), f"Endpoint.address: expected a URL, observed {address!r}"
    retrieved = dicomweb.retrieve_instances(f"{address}/studies/{web_study.uid}")
    observed = sorted(str(ds.SOPInstanceUID) for ds in retrieved)
    expected = sorted(str(ds.SOPInstanceUID) for ds in web_study.instances)
    assert observed == expected, f"WADO-RS {address}/studies/{web_study.uid}: expected {expected}, observed {observed}"
