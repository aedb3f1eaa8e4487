"""The harness's UPS-RS user agent reads a refusal the way PS3.18 words it: a 403 with the Warning for
unsupported Filtered Worklist Subscriptions means the target does not offer them (NOT CLAIMED); any other
refusal is the target's failure."""

from __future__ import annotations

import httpx
import pytest

from dicom_harness.clients.evidence import Evidence
from dicom_harness.clients.ups import UpsClient
from dicom_harness.clients.web import DicomWebClient
from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.errors import NotClaimed
from dicom_harness.shared.ups import FILTERED_WORKLIST_UID
from dicom_harness.targets.profile import WebEndpoint


def _client(status: int, headers: dict) -> UpsClient:
    web = DicomWebClient(WebEndpoint(base_url="http://origin.invalid/dicom-web"), Evidence())
    web._client = httpx.Client(transport=httpx.MockTransport(lambda request: httpx.Response(status, headers=headers)))
    return UpsClient(web, web.evidence, DatasetFactory())


def test_refused_filtered_subscription_with_the_warning_is_not_claimed():
    ups = _client(403, {"Warning": "299 origin: Filtered Worklist Subscriptions are not supported."})
    with pytest.raises(NotClaimed):
        ups.subscribed(FILTERED_WORKLIST_UID, "DHTEST", "PatientID=P1")


def test_other_refusals_are_failures():
    ups = _client(403, {})
    with pytest.raises(AssertionError, match="expected 201"):
        ups.subscribed(FILTERED_WORKLIST_UID, "DHTEST", "PatientID=P1")


def test_subscription_without_a_websocket_location_is_a_failure():
    ups = _client(201, {"Content-Location": "http://origin.invalid/events"})
    with pytest.raises(AssertionError, match="ws:// or wss://"):
        ups.subscribed("2.25.1", "DHTEST")
