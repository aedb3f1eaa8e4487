"""The steps of the hands-on flow the FHIR tests share: find the study's ImagingStudy, match its series and
instances to what was stored. Each finder tolerates the faults of the other requirements (a UID written urn:oid: is
still matched), so a test fails for its own requirement only."""

DCM = "http://dicom.nema.org/resources/ontology/DCM"
DICOM_UID_SYSTEM = "urn:dicom:uid"
RFC3986 = "urn:ietf:rfc:3986"
FHIR_JSON = "application/fhir+json"


def bare(uid) -> str:
    """A UID without a urn:oid: prefix (for matching only: each requirement's test says which form it needs)."""
    text = str(uid or "")
    return text[len("urn:oid:"):] if text.startswith("urn:oid:") else text


def imaging_study(fhir, web_study) -> dict:
    """The ImagingStudy of web_study: searched by its Study Instance UID (urn:dicom:uid|urn:oid:UID), else by its
    Accession Number; the one whose identifiers hold the UID in either form."""
    uid = web_study.uid
    accession = str(web_study.images[0].get("AccessionNumber", "") or "")
    for query in ([("identifier", f"{DICOM_UID_SYSTEM}|urn:oid:{uid}")], [("identifier", accession)] if accession
                  else None, [("identifier", uid)]):
        if not query:
            continue
        for study in fhir.search("ImagingStudy", query):
            if any(bare(i.get("value")) == uid for i in study.get("identifier", [])):
                return study
    raise AssertionError(f"no ImagingStudy found for Study Instance UID {uid} (searched identifier=urn:dicom:uid|"
                         f"urn:oid:{uid}, identifier={accession or '(no accession)'}, identifier={uid})")


def stored_series(web_study) -> dict[str, list]:
    """{Series Instance UID: [the instances stored in it]}."""
    found: dict[str, list] = {}
    for ds in web_study.instances:
        found.setdefault(str(ds.SeriesInstanceUID), []).append(ds)
    return found


def listed_series(study: dict) -> dict[str, dict]:
    """{Series Instance UID (bare): the ImagingStudy.series element}."""
    return {bare(s.get("uid")): s for s in study.get("series", []) if isinstance(s, dict)}


def listed_instances(study: dict) -> dict[str, dict]:
    """{SOP Instance UID (bare): the ImagingStudy.series.instance element}, over every series."""
    return {bare(i.get("uid")): i for s in study.get("series", []) if isinstance(s, dict)
            for i in s.get("instance", []) if isinstance(i, dict)}


def wado_rs_endpoint(fhir, study: dict) -> dict:
    """The first Endpoint the ImagingStudy references whose connectionType is dicom-wado-rs."""
    references = [e.get("reference", "") for e in study.get("endpoint", []) if isinstance(e, dict)]
    assert references, "the ImagingStudy names no endpoint (ImagingStudy.endpoint), so its instances cannot be fetched"
    seen = []
    for reference in references:
        endpoint = fhir.read(reference)
        code = (endpoint.get("connectionType") or {}).get("code")
        seen.append(f"{reference}: {code}")
        if code == "dicom-wado-rs":
            return endpoint
    raise AssertionError(f"no endpoint of connectionType dicom-wado-rs among {seen}")
