"""Authentication: the DICOMweb simulator guarded by a bearer token or basic credentials, and the harness
client taking its secrets from the environment variables the profile names (never from the profile)."""

from __future__ import annotations

import pytest

from dicom_harness.clients.evidence import Evidence
from dicom_harness.clients.web import DicomWebClient
from dicom_harness.errors import ProfileError
from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.store import Store
from dicom_harness.targets.profile import WebEndpoint


@pytest.fixture
def guarded(tmp_path):
    store = Store(tmp_path / "store")
    web = DicomWebSimulator(store, token="s3cret-token", user="dh", password="pw").start()
    yield web
    web.stop()
    store.close()


def _client(endpoint):
    return DicomWebClient(endpoint, Evidence())


def test_without_credentials_401_with_a_challenge(guarded):
    client = _client(WebEndpoint(base_url=guarded.base_url))
    response = client.search("/studies")
    assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")


def test_bearer_token_from_the_environment(guarded, monkeypatch):
    monkeypatch.setenv("DH_TEST_TOKEN", "s3cret-token")
    client = _client(WebEndpoint(base_url=guarded.base_url, auth="bearer", token_env="DH_TEST_TOKEN"))
    assert client.search("/studies").status_code == 204
    assert not any("s3cret" in line for line in client.evidence.transcript()), "the secret leaked into evidence"
    monkeypatch.setenv("DH_TEST_TOKEN", "wrong")
    assert _client(client.endpoint).search("/studies").status_code == 401


def test_basic_credentials_from_the_environment(guarded, monkeypatch):
    monkeypatch.setenv("DH_TEST_USER", "dh")
    monkeypatch.setenv("DH_TEST_PASSWORD", "pw")
    endpoint = WebEndpoint(base_url=guarded.base_url, auth="basic", user_env="DH_TEST_USER",
                           password_env="DH_TEST_PASSWORD")
    assert _client(endpoint).search("/studies").status_code == 204


def test_missing_environment_variable_is_a_profile_error(monkeypatch):
    monkeypatch.delenv("DH_TEST_TOKEN", raising=False)
    with pytest.raises(ProfileError, match="DH_TEST_TOKEN"):
        _client(WebEndpoint(base_url="http://127.0.0.1:1/dicom-web", auth="bearer", token_env="DH_TEST_TOKEN"))
