"""A FHIR R4 face of the DICOMweb simulator (`/fhir`): Patient, ImagingStudy and Endpoint resources made from the
instances QIDO-RS answers from (the same store, the same visibility), so the two always agree.

Searches (FHIR R4 search, Bundle of type searchset): Patient by identifier and _id; ImagingStudy by patient
(subject), identifier (the Study Instance UID as urn:oid:..., or the Accession Number), started (with the prefixes
eq ne gt lt ge le) and _id, with `_include=ImagingStudy:endpoint`. The one Endpoint (connectionType dicom-wado-rs)
is the simulator's own WADO-RS root. Answers are application/fhir+json; unknown search parameters are ignored (the
FHIR default, lenient handling).

The mapping follows the FHIR R4 ImagingStudy definitions and their DICOM mapping: identifier (Study Instance UID,
system urn:dicom:uid, value urn:oid:UID; Accession Number, type ACSN), series.uid and series.instance.uid (the
DICOM UIDs themselves: type id), series.number (Series Number), series.modality (Modality, in the DCM code system),
series.instance.sopClass (urn:ietf:rfc:3986 with urn:oid:UID), series.instance.number (Instance Number), and the
counts."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from dicom_harness.simulators.faults import (
    FHIR_ENDPOINT_WRONG_ADDRESS,
    FHIR_INSTANCE_NUMBER_OFF,
    FHIR_INSTANCE_SOP_CLASS_BARE,
    FHIR_INSTANCES_DROP_LAST,
    FHIR_JSON_AS_PLAIN_JSON,
    FHIR_MODALITY_NO_SYSTEM,
    FHIR_PATIENT_IDENTIFIER_UNMATCHED,
    FHIR_SERIES_NUMBER_OFF,
    FHIR_SERIES_UID_PREFIXED,
    FHIR_STUDY_COUNTS_OFF,
    FHIR_STUDY_SUBJECT_WRONG,
    FHIR_STUDY_UID_BARE,
)

FHIR_JSON = "application/fhir+json"
DCM = "http://dicom.nema.org/resources/ontology/DCM"
DICOM_UID_SYSTEM = "urn:dicom:uid"
RFC3986 = "urn:ietf:rfc:3986"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
CONNECTION_TYPES = "http://terminology.hl7.org/CodeSystem/endpoint-connection-type"
ENDPOINT_ID = "wado-rs"
# Series modalities that are not acquisition modalities (ImagingStudy.modality lists those of DICOM CID 29 only)
NOT_ACQUISITION = frozenset({"KO", "PR", "SR", "SEG", "REG", "RTSTRUCT", "RTPLAN", "RTDOSE", "RTRECORD", "DOC",
                             "OT", "SC", "FID", "PLAN", "RWV", "ANN", "MPR"})
PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le")


def _value(attributes: dict, tag: str, default=None):
    entry = attributes.get(tag) or {}
    values = entry.get("Value") or []
    return values[0] if values else default


# the tags read here (hex, as in the store's DICOM JSON)
PATIENT_ID, PATIENT_NAME, BIRTH_DATE, SEX = "00100020", "00100010", "00100030", "00100040"
STUDY_DATE, STUDY_TIME, ACCESSION, STUDY_DESCRIPTION = "00080020", "00080030", "00080050", "00081030"
TIMEZONE = "00080201"
MODALITY, SERIES_NUMBER, SERIES_DESCRIPTION, INSTANCE_NUMBER = "00080060", "00200011", "0008103E", "00200013"


def patient_resource_id(patient_id: str) -> str:
    """A FHIR id ([A-Za-z0-9-.]{1,64}) for a DICOM Patient ID, which may hold any character."""
    return "pat-" + hashlib.sha256(patient_id.encode("utf-8", "replace")).hexdigest()[:24]


def _number(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class FhirRoutes:
    def __init__(self, instances: Callable[[], list], dicomweb_url: Callable[[Request], str], faults, root="/fhir"):
        """instances(): the stored instances the DICOMweb server shows (the app's own view of the store);
        dicomweb_url(request): the DICOMweb root the Endpoint points at."""
        self.instances = instances
        self.dicomweb_url = dicomweb_url
        self.faults = faults
        self.root = root

    # -- resources ------------------------------------------------------------------------------------------------
    def _studies(self) -> OrderedDict:
        studies: OrderedDict[str, list] = OrderedDict()
        for instance in self.instances():
            studies.setdefault(instance.study_instance_uid, []).append(instance)
        return studies

    def _patient(self, instance) -> dict:
        attributes = instance.attributes
        patient_id = str(_value(attributes, PATIENT_ID, ""))
        resource = {"resourceType": "Patient", "id": patient_resource_id(patient_id),
                    "identifier": [{"value": patient_id}] if patient_id else []}
        name = _value(attributes, PATIENT_NAME)
        alphabetic = name.get("Alphabetic", "") if isinstance(name, dict) else str(name or "")
        if alphabetic:
            parts = alphabetic.split("^") + [""] * 5
            entry = {"text": " ".join(p for p in (parts[3], parts[1], parts[2], parts[0], parts[4]) if p)}
            if parts[0]:
                entry["family"] = parts[0]
            given = [p for p in (parts[1], parts[2]) if p]
            if given:
                entry["given"] = given
            resource["name"] = [entry]
        gender = {"M": "male", "F": "female", "O": "other"}.get(str(_value(attributes, SEX, "")))
        if gender:
            resource["gender"] = gender
        birth = str(_value(attributes, BIRTH_DATE, ""))
        if len(birth) == 8 and birth.isdigit():
            resource["birthDate"] = f"{birth[:4]}-{birth[4:6]}-{birth[6:]}"
        if not resource["identifier"]:
            del resource["identifier"]
        return resource

    def _started(self, attributes: dict) -> str | None:
        """FHIR dateTime from Study Date and Time: with a time only when the zone is known (FHIR requires one)."""
        date = str(_value(attributes, STUDY_DATE, ""))
        if len(date) != 8 or not date.isdigit():
            return None
        day = f"{date[:4]}-{date[4:6]}-{date[6:]}"
        time, zone = str(_value(attributes, STUDY_TIME, "")), str(_value(attributes, TIMEZONE, ""))
        if len(time) >= 6 and time[:6].isdigit() and len(zone) == 5 and zone[0] in "+-":
            return f"{day}T{time[:2]}:{time[2:4]}:{time[4:6]}{zone[:3]}:{zone[3:]}"
        return day

    def _imaging_study(self, uid: str, members: list) -> dict:
        first = members[0].attributes
        patient_id = str(_value(first, PATIENT_ID, ""))
        subject = patient_resource_id(patient_id + "-other" if FHIR_STUDY_SUBJECT_WRONG in self.faults
                                      else patient_id)
        identifiers = [{"use": "official", "system": DICOM_UID_SYSTEM,
                        "value": uid if FHIR_STUDY_UID_BARE in self.faults else f"urn:oid:{uid}"}]
        accession = str(_value(first, ACCESSION, ""))
        if accession:
            identifiers.append({"type": {"coding": [{"system": V2_0203, "code": "ACSN"}]}, "value": accession})
        series: OrderedDict[str, list] = OrderedDict()
        for member in members:
            series.setdefault(member.series_instance_uid, []).append(member)
        listed = [self._series(series_uid, found) for series_uid, found in series.items()]
        listed.sort(key=lambda s: (s.get("number") is None, s.get("number") or 0, s["uid"]))
        modalities = sorted({s["modality"]["code"] for s in listed} - NOT_ACQUISITION)
        resource = {
            "resourceType": "ImagingStudy", "id": uid, "identifier": identifiers, "status": "available",
            "subject": {"reference": f"Patient/{subject}"},
            "endpoint": [{"reference": f"Endpoint/{ENDPOINT_ID}"}],
            "numberOfSeries": len(series),
            "numberOfInstances": len(members) + (1 if FHIR_STUDY_COUNTS_OFF in self.faults else 0),
            "series": listed,
        }
        if modalities:
            resource["modality"] = [self._modality(m) for m in modalities]
        started = self._started(first)
        if started:
            resource["started"] = started
        description = _value(first, STUDY_DESCRIPTION)
        if description:
            resource["description"] = str(description)
        return resource

    def _modality(self, code: str) -> dict:
        return {"code": code} if FHIR_MODALITY_NO_SYSTEM in self.faults else {"system": DCM, "code": code}

    def _series(self, uid: str, members: list) -> dict:
        first = members[0].attributes
        entry = {"uid": f"urn:oid:{uid}" if FHIR_SERIES_UID_PREFIXED in self.faults else uid}
        number = _number(_value(first, SERIES_NUMBER))
        if number is not None:
            entry["number"] = number + (1 if FHIR_SERIES_NUMBER_OFF in self.faults else 0)
        entry["modality"] = self._modality(str(_value(first, MODALITY, "OT")))
        description = _value(first, SERIES_DESCRIPTION)
        if description:
            entry["description"] = str(description)
        entry["numberOfInstances"] = len(members)
        instances = sorted(members, key=lambda m: (_number(_value(m.attributes, INSTANCE_NUMBER)) or 0,
                                                   m.sop_instance_uid))
        if FHIR_INSTANCES_DROP_LAST in self.faults and len(instances) > 1:
            instances = instances[:-1]
        entry["instance"] = [self._instance(m) for m in instances]
        return entry

    def _instance(self, member) -> dict:
        sop_class = member.sop_class_uid
        entry = {"uid": member.sop_instance_uid,
                 "sopClass": {"system": RFC3986, "code": sop_class if FHIR_INSTANCE_SOP_CLASS_BARE in self.faults
                              else f"urn:oid:{sop_class}"}}
        number = _number(_value(member.attributes, INSTANCE_NUMBER))
        if number is not None:
            entry["number"] = number + (1 if FHIR_INSTANCE_NUMBER_OFF in self.faults else 0)
        return entry

    def _endpoint(self, request: Request) -> dict:
        address = self.dicomweb_url(request)
        if FHIR_ENDPOINT_WRONG_ADDRESS in self.faults:
            address = address.rsplit("/", 1)[0] + "/wado-rs"
        return {"resourceType": "Endpoint", "id": ENDPOINT_ID, "status": "active",
                "connectionType": {"system": CONNECTION_TYPES, "code": "dicom-wado-rs"},
                "name": "dicom-harness DICOMweb simulator: WADO-RS",
                "payloadType": [{"text": "DICOM"}], "payloadMimeType": ["application/dicom"], "address": address}

    # -- HTTP ------------------------------------------------------------------------------------------------------
    def _base(self, request: Request) -> str:
        return self.dicomweb_url(request).rsplit("/", 1)[0] + self.root

    def _answer(self, body: dict, status: int = 200) -> Response:
        media = "application/json" if FHIR_JSON_AS_PLAIN_JSON in self.faults else FHIR_JSON
        return Response(json.dumps(body), status_code=status, media_type=media)

    def _not_found(self, what: str) -> Response:
        return self._answer({"resourceType": "OperationOutcome", "issue": [
            {"severity": "error", "code": "not-found", "diagnostics": f"{what} is not known"}]}, 404)

    def _bundle(self, request: Request, matches: list[dict], included: list[dict] = ()) -> Response:
        base = self._base(request)
        entries = [{"fullUrl": f"{base}/{r['resourceType']}/{r['id']}", "resource": r, "search": {"mode": mode}}
                   for mode, found in (("match", matches), ("include", included)) for r in found]
        return self._answer({"resourceType": "Bundle", "type": "searchset", "total": len(matches),
                             "link": [{"relation": "self", "url": str(request.url)}], "entry": entries})

    def _patients(self) -> OrderedDict:
        patients: OrderedDict[str, dict] = OrderedDict()
        for members in self._studies().values():
            resource = self._patient(members[0])
            patients.setdefault(resource["id"], resource)
        return patients

    async def search_patients(self, request: Request) -> Response:
        q = request.query_params
        found = list(self._patients().values())
        if "_id" in q:
            found = [p for p in found if p["id"] in q["_id"].split(",")]
        if "identifier" in q:
            wanted = [_token(v) for v in q["identifier"].split(",")]
            key = (lambda p: [{"value": p.get("name", [{}])[0].get("text", "")}]) \
                if FHIR_PATIENT_IDENTIFIER_UNMATCHED in self.faults else (lambda p: p.get("identifier", []))
            found = [p for p in found if any(_token_matches(w, i) for w in wanted for i in key(p))]
        return self._bundle(request, found)

    async def read_patient(self, request: Request) -> Response:
        found = self._patients().get(request.path_params["id"])
        return self._answer(found) if found else self._not_found(f"Patient/{request.path_params['id']}")

    def _all_studies(self) -> list[dict]:
        return [self._imaging_study(uid, members) for uid, members in self._studies().items()]

    async def search_studies(self, request: Request) -> Response:
        q = request.query_params
        found = self._all_studies()
        if "_id" in q:
            found = [s for s in found if s["id"] in q["_id"].split(",")]
        for name in ("patient", "subject"):
            if name in q:
                ids = {v.rsplit("/", 1)[-1] for v in q[name].split(",")}   # Patient/ID or ID
                found = [s for s in found if s["subject"]["reference"].rsplit("/", 1)[-1] in ids]
        if "identifier" in q:
            wanted = [_token(v) for v in q["identifier"].split(",")]
            found = [s for s in found if any(_token_matches(w, i) for w in wanted for i in s["identifier"])]
        for value in q.getlist("started"):
            prefix, day = (value[:2], value[2:]) if value[:2] in PREFIXES else ("eq", value)
            found = [s for s in found if "started" in s and _compare(s["started"][:len(day)], prefix, day)]
        included = [self._endpoint(request)] if found and "ImagingStudy:endpoint" in q.getlist("_include") else []
        return self._bundle(request, found, included)

    async def read_study(self, request: Request) -> Response:
        uid = request.path_params["id"]
        members = self._studies().get(uid)
        return self._answer(self._imaging_study(uid, members)) if members else self._not_found(f"ImagingStudy/{uid}")

    async def search_endpoints(self, request: Request) -> Response:
        return self._bundle(request, [self._endpoint(request)])

    async def read_endpoint(self, request: Request) -> Response:
        if request.path_params["id"] != ENDPOINT_ID:
            return self._not_found(f"Endpoint/{request.path_params['id']}")
        return self._answer(self._endpoint(request))

    def routes(self) -> list:
        r = self.root
        return [
            Route(f"{r}/Patient", self.search_patients, methods=["GET"]),
            Route(f"{r}/Patient/{{id}}", self.read_patient, methods=["GET"]),
            Route(f"{r}/ImagingStudy", self.search_studies, methods=["GET"]),
            Route(f"{r}/ImagingStudy/{{id}}", self.read_study, methods=["GET"]),
            Route(f"{r}/Endpoint", self.search_endpoints, methods=["GET"]),
            Route(f"{r}/Endpoint/{{id}}", self.read_endpoint, methods=["GET"]),
        ]


def _token(text: str) -> tuple[str | None, str]:
    """A token search value: 'system|value' (system may be empty) or 'value' (any system)."""
    if "|" in text:
        system, _, value = text.partition("|")
        return system, value
    return None, text


def _token_matches(wanted: tuple[str | None, str], identifier: dict) -> bool:
    system, value = wanted
    if identifier.get("value") != value:
        return False
    return system is None or identifier.get("system", "") == system


def _compare(have: str, prefix: str, want: str) -> bool:
    return {"eq": have == want, "ne": have != want, "gt": have > want, "lt": have < want,
            "ge": have >= want, "le": have <= want}[prefix]
