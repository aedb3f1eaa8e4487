"""The DICOMweb simulator's QIDO-RS depth behaviours (issue 12, round 5), checked against the simulator through an
independent HTTP client (httpx, not the harness's client): a private element named in includefield comes with its
Private Creator (PS3.18 10.6.3.3.3), Fuzzy Matching is phonetic and only with fuzzymatching=true (8.3.4.2) and is
documented as a fuzzymatching param of the search resources in the WADL, and the levels above come with All Series
and All Instances results (10.6.3.3.2, 10.6.3.3.3)."""

from __future__ import annotations

from io import BytesIO
from xml.etree import ElementTree

import httpx
import pytest

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.dicomweb.search import phonetic, private_creator
from dicom_harness.simulators.store import Store

JSON = {"Accept": "application/dicom+json"}


@pytest.fixture
def web(tmp_path):
    store = Store(tmp_path / "store")
    factory = DatasetFactory(seed=5)
    ds = factory.make("CR")
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    store.put_file(buffer.getvalue(), ds)
    web = DicomWebSimulator(store).start()
    client = httpx.Client(base_url=web.base_url, timeout=10)
    try:
        yield client, ds
    finally:
        client.close()
        web.stop()
        store.close()


def test_phonetic_folding():
    assert phonetic("DH^SYNTH12345") == phonetic("dh^sinth12345") == "DH^SINTH12345"
    assert phonetic("PHILLIPS") == phonetic("FILIPS")
    assert private_creator(0x00091001) == 0x00090010
    assert private_creator(0x00100010) is None and private_creator(0x00090010) is None


def test_private_element_comes_with_its_creator(web):
    client, ds = web
    response = client.get(f"/studies/{ds.StudyInstanceUID}/instances", params={"includefield": "00091001"},
                          headers=JSON)
    item = response.json()[0]
    assert item["00091001"]["Value"] == [ds[0x00091001].value]
    assert item["00090010"]["Value"] == ["DICOM_HARNESS"]


def test_fuzzy_matching_only_when_asked(web):
    client, ds = web
    family = str(ds.PatientName).split("^")[-1].replace("Y", "I")
    query = {"PatientID": ds.PatientID, "PatientName": "*" + family}
    assert client.get("/studies", params={**query, "fuzzymatching": "false"}, headers=JSON).status_code == 204
    assert client.get("/studies", params=query, headers=JSON).status_code == 204
    found = client.get("/studies", params={**query, "fuzzymatching": "true"}, headers=JSON)
    assert found.status_code == 200 and len(found.json()) == 1


def test_wadl_documents_fuzzymatching_on_search_resources(web):
    client, _ = web
    root = ElementTree.fromstring(client.options("", headers={"Accept": "application/vnd.sun.wadl+xml"}).content)
    ns = "{http://wadl.dev.java.net/2009/02}"
    with_param = {r.get("path") for r in root.iter(f"{ns}resource")
                  if any(p.get("name") == "fuzzymatching" for p in r.iter(f"{ns}param"))}
    assert {"studies", "series", "instances"} <= with_param


def test_all_series_and_all_instances_carry_upper_levels(web):
    client, ds = web
    series = client.get("/series", params={"SeriesInstanceUID": str(ds.SeriesInstanceUID)}, headers=JSON).json()[0]
    assert series["00200010"]["Value"] == [ds.StudyID] and "00100020" in series
    instance = client.get("/instances", params={"SOPInstanceUID": str(ds.SOPInstanceUID)}, headers=JSON).json()[0]
    assert {"00200010", "00200011", "00080060"} <= set(instance)
