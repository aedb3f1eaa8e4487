"""CORS in the DICOMweb simulator: preflights answered before authentication, allowed origins labelled on every
answer with the header fields viewers read, other origins left without labels, CORS switched off on request."""

from __future__ import annotations

import httpx
import pytest

from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.dicomweb.cors import ENVIRONMENT, parse_origins
from dicom_harness.simulators.store import Store

VIEWER = "http://viewer.example:3000"


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "store")
    yield store
    store.close()


def _start(store, **options):
    return DicomWebSimulator(store, **options).start()


def _preflight(base_url: str, origin: str = VIEWER) -> httpx.Response:
    return httpx.options(f"{base_url}/studies", timeout=10, headers={
        "Origin": origin, "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization, accept"})


def test_preflight_is_answered_before_authentication(store):
    web = _start(store, token="s3cret", cors_origins=[VIEWER])
    try:
        answer = _preflight(web.base_url)
        assert answer.status_code == 204, answer.text
        assert answer.headers["access-control-allow-origin"] == VIEWER
        assert "GET" in answer.headers["access-control-allow-methods"]
        assert "authorization" in answer.headers["access-control-allow-headers"].lower()
        # the real request still needs its credentials, and its 401 is readable by the page
        refused = httpx.get(f"{web.base_url}/studies", headers={"Origin": VIEWER, "Accept": "application/dicom+json"})
        assert refused.status_code == 401
        assert refused.headers["access-control-allow-origin"] == VIEWER
        allowed = httpx.get(f"{web.base_url}/studies", headers={
            "Origin": VIEWER, "Accept": "application/dicom+json", "Authorization": "Bearer s3cret"})
        assert allowed.status_code == 204
        assert allowed.headers["access-control-allow-origin"] == VIEWER
        exposed = {h.strip().lower() for h in allowed.headers["access-control-expose-headers"].split(",")}
        assert {"warning", "content-location", "location", "content-type"} <= exposed
        assert "origin" in allowed.headers["vary"].lower()
    finally:
        web.stop()


def test_an_origin_not_listed_gets_no_labels(store):
    web = _start(store, cors_origins="http://a.example http://b.example")
    try:
        assert _preflight(web.base_url, "http://evil.example").status_code == 403
        answer = httpx.get(f"{web.base_url}/studies", headers={"Origin": "http://evil.example"})
        assert answer.status_code == 204 and "access-control-allow-origin" not in answer.headers
        assert _preflight(web.base_url, "http://b.example").headers["access-control-allow-origin"] == "http://b.example"
    finally:
        web.stop()


def test_any_origin_by_default_and_none_from_the_environment(store, monkeypatch):
    monkeypatch.delenv(ENVIRONMENT, raising=False)
    web = _start(store)
    try:
        assert _preflight(web.base_url).headers["access-control-allow-origin"] == VIEWER
        # a plain OPTIONS (no preflight) is still the capabilities request (PS3.18 8.9)
        caps = httpx.options(web.base_url, headers={"Origin": VIEWER, "Accept": "application/vnd.sun.wadl+xml"})
        assert caps.status_code == 200 and "<application" in caps.text
        assert caps.headers["access-control-allow-origin"] == VIEWER
    finally:
        web.stop()
    monkeypatch.setenv(ENVIRONMENT, "none")
    web = _start(store)
    try:
        assert _preflight(web.base_url).status_code != 204
        assert "access-control-allow-origin" not in httpx.get(f"{web.base_url}/studies",
                                                                headers={"Origin": VIEWER}).headers
    finally:
        web.stop()


def test_origin_lists():
    assert parse_origins("http://a:1/, http://b:2") == ("http://a:1", "http://b:2")
    assert parse_origins("none") == () and parse_origins("") == () and parse_origins(["*"]) == ("*",)
