"""Probe a DICOMweb service: ask each service's resource a harmless question and record how it answers, to draft
the [dicomweb] endpoint and the web services of a profile's [claims]. Nothing is stored: the STOW-RS question is
a multipart body without parts."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from dicom_harness.clients.web import DICOM_JSON, json_value
from dicom_harness.errors import TargetUnreachable
from dicom_harness.targets.profile import WebEndpoint
from dicom_harness.targets.reachability import check_web_reachable

ANSWERS = (200, 204)                          # a search that worked, with or without matches
STOW_ANSWERS = (200, 202, 400, 409, 415)      # the resource exists and judged our empty body
REFUSED = (401, 403)


@dataclass
class WebObservation:
    service: str
    request: str
    status: int | None
    offered: bool
    note: str = ""


@dataclass
class WebProbeResult:
    base_url: str
    observations: list[WebObservation] = field(default_factory=list)

    @property
    def needs_credentials(self) -> bool:
        return any(o.status in REFUSED for o in self.observations)

    def claimed_services(self) -> list[str]:
        return [o.service for o in self.observations if o.offered]

    def summary(self) -> str:
        offered = ", ".join(self.claimed_services()) or "no web service"
        return f"{self.base_url} offers {offered}" + (" (it asked for credentials)" if self.needs_credentials else "")


def probe_web(endpoint: WebEndpoint) -> WebProbeResult:
    check_web_reachable(endpoint)
    result = WebProbeResult(endpoint.base_url)
    with httpx.Client(base_url=endpoint.base_url, timeout=endpoint.timeout) as http:
        def ask(service: str, method: str, path: str, offered_when=ANSWERS, **kwargs) -> httpx.Response | None:
            request = f"{method} {path}"
            try:
                response = http.request(method, path, **kwargs)
            except httpx.HTTPError as exc:
                result.observations.append(WebObservation(service, request, None, False, f"no answer: {exc}"))
                return None
            result.observations.append(WebObservation(service, request, response.status_code,
                                                      response.status_code in offered_when))
            return response

        studies = ask("qido", "GET", "/studies?limit=1", headers={"Accept": DICOM_JSON})
        study = _first_study(studies)
        if study:
            ask("wado", "GET", f"/studies/{study}/metadata", headers={"Accept": DICOM_JSON}, offered_when=(200,))
        else:
            result.observations.append(WebObservation("wado", "-", None, False,
                                                      "no study to retrieve: add 'wado' if the product offers WADO-RS"))
        boundary = "dicom-harness-probe"
        ask("stow", "POST", "/studies", offered_when=STOW_ANSWERS, content=f"--{boundary}--\r\n".encode(),
            headers={"Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}',
                     "Accept": DICOM_JSON})
        ask("ups", "GET", "/workitems?limit=1", headers={"Accept": DICOM_JSON})
        caps = ask("capabilities", "OPTIONS", endpoint.base_url, headers={"Accept": "application/vnd.sun.wadl+xml"})
        if caps is not None and caps.status_code == 200 and b"<application" not in caps.content:
            result.observations[-1].offered = False
            result.observations[-1].note = "200, but the body is not a WADL document"
    for observation in result.observations:
        if observation.status in REFUSED and not observation.note:
            observation.note = "asked for credentials: name them in [dicomweb] and probe again"
    if all(o.status is None for o in result.observations if o.request != "-"):
        raise TargetUnreachable(f"{endpoint.base_url} answered no request")
    return result


def _first_study(response: httpx.Response | None) -> str | None:
    if response is None or response.status_code != 200:
        return None
    try:
        results = response.json()
        return json_value(results[0], "StudyInstanceUID") if results else None
    except (ValueError, IndexError, KeyError, TypeError, AttributeError):
        return None
