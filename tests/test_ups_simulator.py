"""The UPS-RS simulator driven by a plain user agent (httpx and websockets, not the harness's client), written
from PS3.18 11 directly: workitems survive a restart with their lock, the notification channel is guarded
like the HTTP resources, and bad payloads get a one-line refusal."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.store import Store

UID = "2.25.3141592653589793238462643383279"
TOKEN = "ups-s3cret"


def _workitem() -> dict:
    """A DICOM JSON workitem as a user agent would write it by hand (PS3.4 Table CC.2.5-3, N-CREATE)."""
    return {
        "00741200": {"vr": "CS", "Value": ["HIGH"]},                   # Scheduled Procedure Step Priority
        "00741204": {"vr": "LO", "Value": ["HAND-WRITTEN STEP"]},     # Procedure Step Label
        "00404005": {"vr": "DT", "Value": ["20261129120000"]},        # Scheduled Procedure Step Start DateTime
        "00404041": {"vr": "CS", "Value": ["READY"]},                 # Input Readiness State
        "00741000": {"vr": "CS", "Value": ["SCHEDULED"]},             # Procedure Step State
        "00100020": {"vr": "LO", "Value": ["UPS-PLAIN-1"]},           # Patient ID
        "00081195": {"vr": "UI"},                                     # Transaction UID, empty at creation
    }


def _state(state: str, transaction_uid: str) -> bytes:
    return json.dumps([{"00081195": {"vr": "UI", "Value": [transaction_uid]},
                        "00741000": {"vr": "CS", "Value": [state]}}]).encode()


JSON = {"Content-Type": "application/dicom+json", "Accept": "application/dicom+json"}


@pytest.fixture
def root(tmp_path):
    return tmp_path / "store"


def _start(root, **credentials):
    store = Store(root)
    return store, DicomWebSimulator(store, **credentials).start()


def test_workitem_and_its_lock_survive_a_restart(root):
    store, web = _start(root)
    try:
        with httpx.Client(base_url=web.base_url, timeout=10) as http:
            created = http.post(f"/workitems?{UID}", content=json.dumps([_workitem()]), headers=JSON)
            assert created.status_code == 201, created.text
            assert http.put(f"/workitems/{UID}/state", content=_state("IN PROGRESS", "2.25.7"),
                            headers=JSON).status_code == 200
    finally:
        web.stop()
        store.close()
    store, web = _start(root)
    try:
        with httpx.Client(base_url=web.base_url, timeout=10) as http:
            kept = http.get(f"/workitems/{UID}", headers={"Accept": "application/dicom+json"}).json()[0]
            assert kept["00741000"]["Value"] == ["IN PROGRESS"]
            assert kept["00741204"]["Value"] == ["HAND-WRITTEN STEP"]
            assert "00081195" not in kept, "the Transaction UID must not be shown"
            label = json.dumps([{"00741204": {"vr": "LO", "Value": ["AFTER RESTART"]}}])
            stranger = http.post(f"/workitems/{UID}?2.25.8", content=label, headers=JSON)
            assert stranger.status_code == 400, "the lock was lost in the restart"
            owner = http.post(f"/workitems/{UID}?2.25.7", content=label, headers=JSON)
            assert owner.status_code == 200, owner.text
    finally:
        web.stop()
        store.close()
    files = list((root / "workitems").iterdir())
    assert [f.suffix for f in files] == [".json"], f"expected one workitem file and no leftovers, found {files}"


def test_notification_channel_needs_the_same_credentials(root):
    store, web = _start(root, token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    try:
        with httpx.Client(base_url=web.base_url, timeout=10, headers=auth) as http:
            subscribed = http.post("/workitems/1.2.840.10008.5.1.4.34.5/subscribers/PLAINUA")
            assert subscribed.status_code == 201
            channel_url = subscribed.headers["content-location"]
            assert channel_url.startswith("ws://")
            with pytest.raises(InvalidStatus) as refused:
                with connect(channel_url, open_timeout=5):
                    pass
            assert refused.value.response.status_code == 403
            with connect(channel_url, additional_headers=auth, open_timeout=5) as channel:
                assert http.post(f"/workitems?{UID}", content=json.dumps([_workitem()]),
                                 headers=JSON).status_code == 201
                report = json.loads(channel.recv(timeout=5))
            assert report["00001000"]["Value"] == [UID]                 # Affected SOP Instance UID
            assert report["00001002"]["Value"] == [1]                   # UPS State Report
            assert report["00741000"]["Value"] == ["SCHEDULED"]
    finally:
        web.stop()
        store.close()


def test_bad_payloads_get_a_one_line_refusal(root):
    store, web = _start(root)
    try:
        with httpx.Client(base_url=web.base_url, timeout=10) as http:
            broken = http.post(f"/workitems?{UID}", content=b"{not json", headers=JSON)
            assert broken.status_code == 400 and broken.text.count("\n") == 1, broken.text
            xml = http.post(f"/workitems?{UID}", content=b"<x/>", headers={"Content-Type": "application/dicom+xml"})
            assert xml.status_code == 415 and "application/dicom+json" in xml.text
            incomplete = http.post(f"/workitems?{UID}", content=b'[{"00741000": {"vr": "CS", "Value": ["SCHEDULED"]}}]',
                                   headers=JSON)
            assert incomplete.status_code == 400 and "ProcedureStepLabel" in incomplete.text
            assert http.get(f"/workitems/{UID}").status_code == 404, "a refused workitem was kept"
    finally:
        web.stop()
        store.close()
