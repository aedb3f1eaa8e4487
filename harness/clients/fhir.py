"""A FHIR R4 client for the suites: GETs (read and search) through the DICOMweb client's transport, so every
request and answer goes into the test's evidence and the profile's [fhir] credentials are used the same way."""

from __future__ import annotations

import json

import httpx

from dicom_harness.clients.evidence import Evidence
from dicom_harness.clients.web import DicomWebClient
from dicom_harness.targets.profile import WebEndpoint

FHIR_JSON = "application/fhir+json"
SHOWN = 1500        # characters of each FHIR JSON answer kept in the evidence


class FhirClient:
    def __init__(self, endpoint: WebEndpoint, evidence: Evidence):
        self.base_url = endpoint.base_url.rstrip("/")
        self._http = DicomWebClient(endpoint, evidence)
        self.evidence = evidence

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, query=None) -> httpx.Response:
        """GET base/path (or an absolute URL) asking for FHIR JSON."""
        return self._http.request("GET", path if path.startswith(("http://", "https://")) else f"/{path.lstrip('/')}",
                                  query=query, headers={"Accept": FHIR_JSON})

    def read(self, reference: str) -> dict:
        """GET [base]/Type/id: the resource, or a failed assertion (FAIL) saying what came back."""
        return self._shown(_json_object(self.get(reference), f"read {reference}"))

    def _shown(self, body: dict) -> dict:
        """What the FHIR answer said, into the evidence as lines a reader can check by eye (the excerpt of the raw
        body shows only its start): one per resource, one per ImagingStudy series."""
        resources = [e.get("resource") for e in body.get("entry", []) if isinstance(e, dict)] \
            if body.get("resourceType") == "Bundle" else [body]
        if body.get("resourceType") == "Bundle":
            self.evidence.add("#", f"Bundle type {body.get('type')} total {body.get('total')}: "
                                   f"{len(resources)} entr{'y' if len(resources) == 1 else 'ies'}")
        for resource in resources:
            for line in summary(resource) if isinstance(resource, dict) else ["(an entry without a resource)"]:
                self.evidence.add("#", line)
        return body

    def search(self, resource_type: str, query=None) -> list[dict]:
        """GET [base]/Type?query: the matching resources of the searchset Bundle (included ones: searched())."""
        return [e["resource"] for e in self.searched(resource_type, query) if e.get("search", {}).get("mode",
                                                                                                     "match") == "match"]

    def searched(self, resource_type: str, query=None) -> list[dict]:
        """The entries of the searchset Bundle GET [base]/Type?query answers."""
        bundle = self._shown(_json_object(self.get(resource_type, query), f"search {resource_type}"))
        assert bundle.get("resourceType") == "Bundle" and bundle.get("type") == "searchset", (
            f"search {resource_type}: expected a Bundle of type searchset, observed resourceType "
            f"{bundle.get('resourceType')!r} type {bundle.get('type')!r}")
        entries = bundle.get("entry", [])
        assert all(isinstance(e, dict) and isinstance(e.get("resource"), dict) for e in entries), (
            f"search {resource_type}: a Bundle entry without a resource")
        return entries


def _json_object(response: httpx.Response, what: str) -> dict:
    assert response.status_code == 200, f"{what}: expected 200, observed {response.status_code} {response.text[:200]!r}"
    try:
        body = json.loads(response.content)
    except ValueError:
        raise AssertionError(f"{what}: the body is not JSON: {response.content[:120]!r}") from None
    assert isinstance(body, dict), f"{what}: expected a JSON object, observed {type(body).__name__}"
    return body


def summary(resource: dict) -> list[str]:
    """A resource in a few lines: its identifiers and references; an ImagingStudy's series and instances."""
    kind, rid = resource.get("resourceType"), resource.get("id")
    identifiers = [f"{i.get('system', '')}|{i.get('value')}" for i in resource.get("identifier", [])
                   if isinstance(i, dict)]
    if kind == "ImagingStudy":
        lines = [f"ImagingStudy/{rid} identifier {identifiers} subject {(resource.get('subject') or {}).get('reference')}"
                 f" numberOfSeries {resource.get('numberOfSeries')} numberOfInstances "
                 f"{resource.get('numberOfInstances')} endpoint {[e.get('reference') for e in resource.get('endpoint', [])]}"]
        for series in resource.get("series", []):
            modality = series.get("modality") or {}
            instances = [f"{i.get('uid')} #{i.get('number')} {(i.get('sopClass') or {}).get('code')}"
                         for i in series.get("instance", [])]
            lines.append(f"  series {series.get('uid')} #{series.get('number')} modality "
                         f"{modality.get('system')}|{modality.get('code')} numberOfInstances "
                         f"{series.get('numberOfInstances')}: {instances}")
        return lines
    if kind == "Endpoint":
        return [f"Endpoint/{rid} connectionType {(resource.get('connectionType') or {}).get('code')} address "
                f"{resource.get('address')}"]
    return [f"{kind}/{rid} identifier {identifiers}"]
