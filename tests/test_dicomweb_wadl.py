"""The DICOMweb simulator's Capabilities description (PS3.18 8.9, Annex H) is generated from its routes: every
HTTP route served under the service root is described with its methods, nothing else is described, and every
described resource is answered by a handler (not the router's 404 or 405)."""

from __future__ import annotations

from xml.etree import ElementTree

import httpx
import pytest
from starlette.routing import Mount, Route

from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.dicomweb.app import create_app
from dicom_harness.simulators.faults import CAPS_WADL_FLAT
from dicom_harness.simulators.store import Store

NS = "{http://wadl.dev.java.net/2009/02}"
VALUES = {"study": "1.2.3", "series": "1.2.3.4", "instance": "1.2.3.4.5", "tag": "7FE00010", "frames": "1",
          "workitem": "1.2.3.9", "aetitle": "VIEWER"}


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "store")
    yield store
    store.close()


def _served(store) -> set[tuple[str, str]]:
    """(path under the service root, method) of every HTTP route the simulator's application serves there."""
    app = create_app(store)
    mounts = [r for r in app.routes if isinstance(r, Mount) and r.path == "/dicom-web"]
    assert len(mounts) == 1, [getattr(r, "path", r) for r in app.routes]
    return {(route.path.strip("/"), method) for route in mounts[0].routes if isinstance(route, Route)
            and route.path.strip("/") for method in route.methods - {"HEAD"}}


def _described(element, prefix: str = "") -> set[tuple[str, str]]:
    found = set()
    for child in element.findall(f"{NS}resource"):
        path = "/".join(p for p in (prefix, child.get("path").strip("/")) if p)
        found |= {(path, m.get("name")) for m in child.findall(f"{NS}method")}
        found |= _described(child, path)
    return found


def _wadl(web) -> ElementTree.Element:
    answer = httpx.options(web.base_url, headers={"Accept": "application/vnd.sun.wadl+xml"}, timeout=10)
    assert answer.status_code == 200, answer.text
    resources = ElementTree.fromstring(answer.content).findall(f"{NS}resources")
    assert len(resources) == 1 and resources[0].get("base") == web.base_url
    return resources[0]


def test_the_wadl_describes_exactly_the_served_routes(store):
    served = _served(store)
    assert ("studies/{study}/series/{series}/instances/{instance}/frames/{frames}/thumbnail", "GET") in served
    web = DicomWebSimulator(store).start()
    try:
        described = _described(_wadl(web))
    finally:
        web.stop()
    assert served - described == set(), f"served, not described: {sorted(served - described)}"
    assert described - served == set(), f"described, not served: {sorted(described - served)}"


def test_every_described_resource_reaches_a_handler(store):
    web = DicomWebSimulator(store).start()
    try:
        described = _described(_wadl(web))
        unrouted = []
        with httpx.Client(timeout=10) as client:
            for path, method in sorted(described):
                url = f"{web.base_url}/{path.format(**VALUES)}"
                answer = client.request(method, url, headers={"Accept": "*/*"})
                if answer.status_code == 405 or (answer.status_code == 404 and answer.text == "Not Found"):
                    unrouted.append(f"{method} {path}: {answer.status_code}")
    finally:
        web.stop()
    assert not unrouted, unrouted


def test_the_flat_fault_leaves_out_the_studies_children_only(store):
    web = DicomWebSimulator(store, faults=[CAPS_WADL_FLAT]).start()
    try:
        described = _described(_wadl(web))
    finally:
        web.stop()
    assert {p for p, _ in described if p.startswith("studies")} == {"studies"}
    assert ("workitems/{workitem}/state", "PUT") in described
