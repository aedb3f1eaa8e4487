"""The DICOMweb simulator against requests that must not earn Success: UIDs that are not UIDs over STOW-RS and
UPS-RS, element lengths that do not fit, a Deflate bomb; each sent with httpx (or a raw socket)."""

from __future__ import annotations

import json
import struct
import uuid
import warnings
import zlib
from io import BytesIO

import httpx
import pytest
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian, generate_uid
from pynetdicom.dsutils import encode
from pynetdicom.sop_class import CTImageStorage

from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.inspection import Limits
from dicom_harness.simulators.store import Store

MULTIPART = 'multipart/related; type="application/dicom"; boundary={}'
JSON = {"Content-Type": "application/dicom+json", "Accept": "application/dicom+json"}


@pytest.fixture
def web(tmp_path):
    store = Store(tmp_path / "store")
    simulator = DicomWebSimulator(store, limits=Limits(max_inflated_bytes=2_000_000)).start()
    yield simulator
    simulator.stop()
    store.close()


def _dataset(**uids) -> Dataset:
    ds = Dataset()
    ds.SOPClassUID = CTImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = generate_uid()
    ds.PatientID = "HOSTILE"
    ds.Modality = "CT"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for keyword, value in uids.items():
            setattr(ds, keyword, value)
    return ds


def _meta_bytes(ds: Dataset, syntax: str) -> bytes:
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = ds.SOPClassUID
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    meta.TransferSyntaxUID = syntax
    meta.ImplementationClassUID = "1.2.3.4"
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_file_meta_info
    out = DicomBytesIO()
    write_file_meta_info(out, meta, enforce_standard=True)
    return b"\0" * 128 + b"DICM" + out.getvalue()


def _part10(ds: Dataset, tail: bytes = b"", deflate: bool = False) -> bytes:
    body = encode(ds, False, True) + tail
    if deflate:
        packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
        body = packer.compress(body) + packer.flush()
    return _meta_bytes(ds, DeflatedExplicitVRLittleEndian if deflate else ExplicitVRLittleEndian) + body


def _stow(web, *files: bytes) -> httpx.Response:
    boundary = uuid.uuid4().hex
    body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + f + b"\r\n"
                    for f in files) + b"--" + boundary.encode() + b"--\r\n"
    return httpx.post(f"{web.base_url}/studies", content=body, timeout=20,
                      headers={"Content-Type": MULTIPART.format(boundary), "Accept": "application/dicom+json"})


def _failure_reasons(response: httpx.Response) -> list[int]:
    answer = Dataset.from_json(response.json())
    return [int(item.FailureReason) for item in answer.get("FailedSOPSequence", [])]


def _assert_failure(response, ranges: tuple[int, ...], statuses=(400, 409)) -> None:
    assert response.status_code in statuses, (response.status_code, response.text)
    reasons = _failure_reasons(response)
    assert reasons and all(any(r & 0xFF00 == x or r & 0xF000 == x for x in ranges) for r in reasons), [
        hex(r) for r in reasons]


# -- UIDs that are not UIDs ------------------------------------------------------------------------------------
@pytest.mark.parametrize("keyword,bad", [
    ("SOPInstanceUID", "1.2.3/../../etc"), ("SOPInstanceUID", "1.2..3"), ("SOPInstanceUID", "1.2.3\x004"),
    ("SOPInstanceUID", "1." + "2" * 70), ("StudyInstanceUID", "../1.2"), ("SeriesInstanceUID", "1.2/3"),
], ids=["path", "empty-component", "nul", "too-long", "study-dotdot", "series-slash"])
def test_stow_refuses_non_uids(web, keyword, bad):
    """PS3.18 Table I.2-2: a failed instance gets a Failure Reason (A9xx, Cxxx or 0117 accepted) and the
    request 400 (PS3.18 10.5.3.1: "unable to store any instances due to bad syntax") or 409."""
    response = _stow(web, _part10(_dataset(**{keyword: bad})))
    _assert_failure(response, (0xA900, 0xC000, 0x0100))
    assert web.store.count() == 0


def test_stow_mixed_keeps_the_good_one(web):
    good = _dataset()
    response = _stow(web, _part10(good), _part10(_dataset(SOPInstanceUID="1.2/3")))
    assert response.status_code == 202, response.text
    assert web.store.get(str(good.SOPInstanceUID)) is not None and web.store.count() == 1


@pytest.mark.parametrize("bad", ["1.2.3/../../etc", "1.2..3", "1." + "2" * 70, "..", "1.2.3%00"])
def test_ups_create_refuses_non_uids(web, bad):
    """UPS-RS create (PS3.18 11.4): a workitem UID that is not a UID is a 400 Bad Request."""
    workitem = {
        "00741200": {"vr": "CS", "Value": ["HIGH"]}, "00741204": {"vr": "LO", "Value": ["X"]},
        "00404005": {"vr": "DT", "Value": ["20261129120000"]}, "00404041": {"vr": "CS", "Value": ["READY"]},
        "00741000": {"vr": "CS", "Value": ["SCHEDULED"]}, "00081195": {"vr": "UI"},
    }
    response = httpx.post(f"{web.base_url}/workitems?{bad}", content=json.dumps([workitem]), headers=JSON,
                          timeout=10)
    assert response.status_code == 400, (response.status_code, response.text)
    workitem["00080018"] = {"vr": "UI", "Value": [bad]}
    response = httpx.post(f"{web.base_url}/workitems", content=json.dumps([workitem]), headers=JSON, timeout=10)
    assert response.status_code == 400, (response.status_code, response.text)
    assert "UID" in response.text and "\n" not in response.text.strip()


# -- impossible element lengths -------------------------------------------------------------------------------
def _element(group: int, element: int, vr: bytes, value: bytes, declared: int | None = None) -> bytes:
    length = len(value) if declared is None else declared
    if vr in (b"OB", b"SQ", b"UN", b"UT"):
        return struct.pack("<HH2sHL", group, element, vr, 0, length) + value
    return struct.pack("<HH2sH", group, element, vr, length) + value


@pytest.mark.parametrize("tail", [
    _element(0x0010, 0x4000, b"LT", b"abcd", declared=5000),
    _element(0x0011, 0x1010, b"OB", b"\0" * 8, declared=0x7FFFFFF0),
    _element(0x0011, 0x1011, b"SQ", struct.pack("<HHL", 0xFFFE, 0xE000, 400) + b"\0" * 8),
], ids=["past-end", "absurd", "item-past-sequence"])
def test_stow_refuses_impossible_lengths(web, tail):
    """PS3.18 Table I.2-2 Cxxx "Error: Cannot understand", never a 200 and a rewritten instance."""
    response = _stow(web, _part10(_dataset(), tail))
    _assert_failure(response, (0xC000,))
    assert web.store.count() == 0


def test_stow_refuses_a_deflate_bomb_within_the_bound(web):
    """A Deflated instance inflating past the bound: A7xx (Refused out of Resources) and 413, or 409/503."""
    bomb = _part10(_dataset(), _element(0x0011, 0x1010, b"OB", b"\0" * 8_000_000), deflate=True)
    assert len(bomb) < 20_000
    response = _stow(web, bomb)
    assert response.status_code in (409, 413, 503), (response.status_code, response.text)
    assert all(r & 0xFF00 == 0xA700 for r in _failure_reasons(response))
    assert web.store.count() == 0
    small = _dataset()
    assert _stow(web, _part10(small, deflate=True)).status_code == 200
    assert web.store.get(str(small.SOPInstanceUID)) is not None


def test_valid_part10_still_stored(web):
    ds = _dataset()
    buffer = BytesIO()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.save_as(buffer, enforce_file_format=True)
    assert _stow(web, buffer.getvalue()).status_code == 200


# -- stalled and broken uploads, full disk ---------------------------------------------------------------------
def _incoming(web) -> list:
    return list((web.store.root / "incoming").iterdir())


def test_body_shorter_than_its_content_length_gets_408(tmp_path):
    """A Content-Length longer than the body: 408 with one line once the body pauses past the bound, the
    connection closed, and nothing left in incoming/ (uvicorn alone held it open for ever)."""
    import socket
    import time
    store = Store(tmp_path / "store")
    web = DicomWebSimulator(store, limits=Limits(http_body_timeout=1.0)).start()
    try:
        boundary = uuid.uuid4().hex
        head = (f"POST /dicom-web/studies HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
                f"Content-Type: {MULTIPART.format(boundary)}\r\n\r\n").encode()
        started = time.monotonic()
        with socket.create_connection(("127.0.0.1", web.port), timeout=10) as sock:
            sock.sendall(head + b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + b"x" * 500)
            answer = b""
            while chunk := sock.recv(4096):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
        assert time.monotonic() - started < 8
        assert answer.split(b"\r\n\r\n", 1)[1].strip().count(b"\n") == 0
        assert _incoming(web) == []
        assert _stow(web, _part10(_dataset())).status_code == 200     # and it still serves
    finally:
        web.stop()
        store.close()


@pytest.mark.parametrize("path", ["full", "lean"])
def test_full_disk_on_stow_is_503_with_one_line(web, monkeypatch, caplog, path):
    """No space left while the body is received (full path: its parts written to incoming/) or its parts written
    into place (the clean simulator's lean path): PS3.18 8.5 503 with a one-line reason, no traceback, no partial
    file left behind."""
    import errno

    from dicom_harness.simulators import store as store_module
    from dicom_harness.simulators.dicomweb import app as app_module
    from dicom_harness.simulators.dicomweb import multipart

    if path == "full":
        monkeypatch.setattr(app_module, "lean_part", lambda data: None)
    else:
        def no_space(final, encoded, temporary):
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(store_module, "_write_in_place", no_space)

    class FullDisk:
        def __init__(self, path, mode):
            self.path = path
            open(path, "wb").close()

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            pass

    monkeypatch.setattr(multipart, "open", FullDisk, raising=False)
    response = _stow(web, _part10(_dataset()))
    assert response.status_code == 503, (response.status_code, response.text)
    assert "No space left" in response.text and response.text.strip().count("\n") == 0
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert _incoming(web) == [] and web.store.count() == 0


def test_store_removes_partial_uploads_of_dead_writers_at_start(tmp_path):
    import os
    store = Store(tmp_path / "store")
    incoming = store.root / "incoming"
    store.close()
    (incoming / "4194399-dead.part").write_bytes(b"partial")     # above any pid_max: no such process
    (incoming / "legacy.part").write_bytes(b"partial")
    mine = incoming / f"{os.getpid()}-live.part"
    mine.write_bytes(b"in flight")
    Store(tmp_path / "store").close()
    assert sorted(p.name for p in incoming.iterdir()) == [mine.name]


# -- slow WebSocket subscribers --------------------------------------------------------------------------------
def test_a_subscriber_that_does_not_read_delays_only_itself():
    """Two channels, one whose sends never complete: events reach the other at once, the transaction is not
    held, and the stalled channel is dropped after the send timeout (PS3.4 CC.2.4.3: no retry owed)."""
    import asyncio

    from dicom_harness.simulators.dicomweb.ups import Event
    from dicom_harness.simulators.dicomweb.ups_routes import UpsRoutes, _Channel

    class Socket:
        def __init__(self, stalls: bool):
            self.stalls, self.sent, self.closed = stalls, [], False

        async def send_text(self, text):
            if self.stalls:
                await asyncio.Event().wait()
            self.sent.append(text)

        async def close(self):
            self.closed = True

    async def scenario():
        routes = UpsRoutes(worklist=None, root="/dicom-web", send_timeout=0.5)
        fast, slow = Socket(False), Socket(True)
        channels = [_Channel(fast, "UA", 0.5), _Channel(slow, "UA", 0.5)]
        routes.channels["UA"] = set(channels)
        senders = [asyncio.create_task(c.send_forever()) for c in channels]
        loop = asyncio.get_running_loop()
        started = loop.time()
        for n in range(20):
            await routes._deliver([Event("UA", {"n": n})])
        delivered_in = loop.time() - started
        await asyncio.sleep(0.05)
        assert len(fast.sent) == 20, fast.sent
        assert delivered_in < 0.5, "the transactions waited for the slow subscriber"
        await asyncio.sleep(1.0)
        assert slow.closed and channels[1].closed
        for task in senders:
            task.cancel()

    asyncio.run(scenario())


def test_body_without_parts_is_still_400(web):
    """A multipart body with no part stores nothing for no want of resources: 400, as before (not 503)."""
    boundary = uuid.uuid4().hex
    response = httpx.post(f"{web.base_url}/studies", content=f"--{boundary}--\r\n".encode(), timeout=10,
                          headers={"Content-Type": MULTIPART.format(boundary)})
    assert response.status_code == 400, response.status_code
