"""The UPS-RS simulator's UPS Assigned events and Deletion Locks (PS3.4 CC.2.4.3, CC.2.1.3; PS3.18 11.10.3.2), driven
by a plain user agent (httpx and websockets, not the harness's client), and the faults that break them."""

from __future__ import annotations

import json

import httpx
from websockets.sync.client import connect

from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.store import Store

UID = "2.25.271828182845904523536028747135"
JSON = {"Content-Type": "application/dicom+json", "Accept": "application/dicom+json"}
WORKITEM = {
    "00741200": {"vr": "CS", "Value": ["LOW"]}, "00741204": {"vr": "LO", "Value": ["EVENT STEP"]},
    "00404005": {"vr": "DT", "Value": ["20261129120000"]}, "00404041": {"vr": "CS", "Value": ["READY"]},
    "00741000": {"vr": "CS", "Value": ["SCHEDULED"]}, "00100020": {"vr": "LO", "Value": ["UPS-EVENTS-1"]},
    "00081195": {"vr": "UI"},
}
PERFORMERS = {"00404034": {"vr": "SQ", "Value": [{"00404037": {"vr": "PN", "Value": [{"Alphabetic": "PLAIN^UA"}]}}]}}


def _run(tmp_path, faults, body):
    store = Store(tmp_path / "store")
    web = DicomWebSimulator(store, faults=list(faults)).start()
    try:
        with httpx.Client(base_url=web.base_url, timeout=10) as http:
            assert http.post(f"/workitems?{UID}", content=json.dumps([WORKITEM]), headers=JSON).status_code == 201
            body(http)
    finally:
        web.stop()
        store.close()


def _assigned_events(tmp_path, faults=()):
    seen = []

    def body(http):
        subscribed = http.post(f"/workitems/{UID}/subscribers/PLAINUA")
        with connect(subscribed.headers["content-location"], open_timeout=5) as channel:
            http.post(f"/workitems/{UID}/subscribers/PLAINUA")          # the initial report, now with a channel
            assert http.post(f"/workitems/{UID}", content=json.dumps([PERFORMERS]), headers=JSON).status_code == 200
            assert http.put(f"/workitems/{UID}/state", content=json.dumps(
                [{"00081195": {"vr": "UI", "Value": ["2.25.9"]}, "00741000": {"vr": "CS", "Value": ["IN PROGRESS"]}}]),
                headers=JSON).status_code == 200
            while True:
                report = json.loads(channel.recv(timeout=5))
                seen.append(report)
                if report.get("00741000", {}).get("Value") == ["IN PROGRESS"]:
                    break
    _run(tmp_path, faults, body)
    return [r for r in seen if r["00001002"]["Value"] == [5]], seen


def test_assigned_event_carries_the_performers(tmp_path):
    assigned, seen = _assigned_events(tmp_path)
    assert len(assigned) == 1, seen
    assert assigned[0]["00404034"]["Value"][0]["00404037"]["Value"] == [{"Alphabetic": "PLAIN^UA"}]
    assert "00404025" in assigned[0], "the Scheduled Station Name Code Sequence (empty) goes with it"
    assert all(r["00000002"]["Value"] == ["1.2.840.10008.5.1.4.34.6.1"] for r in seen)


def test_assigned_and_sop_class_faults(tmp_path):
    assigned, seen = _assigned_events(tmp_path, ["ups-no-assigned-event", "ups-event-without-sop-class"])
    assert assigned == [] and seen and all("00000002" not in r for r in seen)


def _completed_then_read(tmp_path, faults=()):
    status = {}

    def body(http):
        subscribed = http.post(f"/workitems/{UID}/subscribers/PLAINUA", params={"deletionlock": "true"})
        status["warning"] = subscribed.headers.get("warning")
        claim = [{"00081195": {"vr": "UI", "Value": ["2.25.9"]}, "00741000": {"vr": "CS", "Value": ["IN PROGRESS"]}}]
        assert http.put(f"/workitems/{UID}/state", content=json.dumps(claim), headers=JSON).status_code == 200
        cancel = [{"00741002": {"vr": "SQ", "Value": [{
            "00404052": {"vr": "DT", "Value": ["20261129130000"]},                  # Cancellation DateTime
            "0074100E": {"vr": "SQ", "Value": [{"00080100": {"vr": "SH", "Value": ["110513"]},
                                                "00080102": {"vr": "SH", "Value": ["DCM"]},
                                                "00080104": {"vr": "LO", "Value": ["Discontinued"]}}]}}]}}]
        assert http.post(f"/workitems/{UID}?2.25.9", content=json.dumps(cancel), headers=JSON).status_code == 200
        canceled = [{"00081195": {"vr": "UI", "Value": ["2.25.9"]}, "00741000": {"vr": "CS", "Value": ["CANCELED"]}}]
        answered = http.put(f"/workitems/{UID}/state", content=json.dumps(canceled), headers=JSON)
        assert answered.status_code == 200, answered.text
        status["read"] = http.get(f"/workitems/{UID}", headers={"Accept": "application/dicom+json"}).status_code
    _run(tmp_path, faults, body)
    return status


def test_deletion_lock_keeps_the_workitem_and_the_fault_drops_it(tmp_path):
    assert _completed_then_read(tmp_path) == {"warning": None, "read": 200}
    assert _completed_then_read(tmp_path / "faulty", ["ups-deletion-lock-not-kept"]) == {"warning": None, "read": 404}
