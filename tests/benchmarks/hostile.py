"""Benchmark: the hostile input classes of issue 15 sent to the standalone simulators, one row each: the answer
observed, the time until it came, and the simulator's peak memory (RSS) during that row. Prints a table; asserts
nothing (the verdicts live in tests/test_hostile_*.py and the robustness suite).

    .venv/bin/python -m tests.benchmarks.hostile [--bomb-mib 512] [--stalled 300]

The PACS and DICOMweb simulators run as `dicom-harness simulate ...` subprocesses with their default limits
(simulators/inspection.py Limits): so the Content-Length row waits out the default 30 s body timeout. A
simulator's peak is reset before each row (`5` written to /proc/PID/clear_refs, Linux) and read from VmHWM after
it. Rows not measured here name the project test that covers them."""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import uuid
import zlib
from pathlib import Path

import httpx
from pydicom.uid import DeflatedExplicitVRLittleEndian, ExplicitVRLittleEndian
from pynetdicom import AE
from pynetdicom.dsutils import encode
from pynetdicom.sop_class import CTImageStorage, Verification

from tests.benchmarks.memory import CLI, peak_of, reset_peak
from tests.test_hostile_dimse import _command, _dataset, _element, _p_data, _store_raw
from tests.test_hostile_web import MULTIPART, _part10, _stow

MIB = 1024 * 1024
ROWS: list[tuple[str, str, str, float, int]] = []      # (class, simulator, answer, seconds, peak bytes)


def start(args: list[str], folder: Path) -> subprocess.Popen:
    """A simulator writing its log to a file (a pipe nobody reads fills up and stalls it), once it listens."""
    log = folder.with_suffix(".log")
    process = subprocess.Popen([*CLI, "simulate", *args, "--store", str(folder)], stdout=log.open("w"),
                               stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and "simulator" not in log.read_text().lower():
        time.sleep(0.1)
    time.sleep(0.5)
    return process


def row(name: str, simulator, which: str, action) -> None:
    reset_peak(simulator.pid)
    started = time.monotonic()
    try:
        answer = action()
    except Exception as exc:        # a benchmark row reports what happened, whatever it was
        answer = f"{type(exc).__name__}: {exc}"[:70]
    ROWS.append((name, which, answer, time.monotonic() - started, peak_of(simulator.pid)))


# -- DIMSE -------------------------------------------------------------------------------------------------------
def _association(port: int, syntax=ExplicitVRLittleEndian):
    ae = AE(ae_title="HOSTILE")
    ae.dimse_timeout = 60
    ae.add_requested_context(CTImageStorage, syntax)
    ae.add_requested_context(Verification)
    assoc = ae.associate("127.0.0.1", port, ae_title="DH_PACS")
    if not assoc.is_established:
        raise RuntimeError("association not established")
    return assoc


def _status(port: int, encoded: bytes, instance: str, syntax=ExplicitVRLittleEndian) -> str:
    assoc = _association(port, syntax)
    try:
        response = _store_raw(assoc, encoded, CTImageStorage, instance, syntax)
        comment = str(getattr(response, "ErrorComment", "") or "")
        return f"0x{int(response.Status):04X} {comment}"[:70]
    finally:
        if assoc.is_established:
            assoc.release()


def uid_mismatch(port: int) -> str:
    ds = _dataset()
    return _status(port, encode(ds, False, True), "1.2.3.4.5.6")


def non_uid(port: int) -> str:
    ds = _dataset(sop_instance="1.2.3/../../etc")
    return _status(port, encode(ds, False, True), "1.2.3.4.5.7")


def impossible_length(port: int) -> str:
    ds = _dataset()
    return _status(port, encode(ds, False, True) + _element(0x0010, 0x4000, b"LT", b"abcd", declared=5000),
                   str(ds.SOPInstanceUID))


def deflate_bomb(port: int, mib: int) -> str:
    ds = _dataset()
    packer = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    header = encode(ds, False, True) + struct.pack("<HH2sHL", 0x0011, 0x1010, b"OB", 0, mib * MIB)
    bomb = packer.compress(header) + b"".join(packer.compress(b"\0" * MIB) for _ in range(mib)) + packer.flush()
    answer = _status(port, bomb, str(ds.SOPInstanceUID), DeflatedExplicitVRLittleEndian)
    return f"{answer} ({len(bomb) // 1024} KiB inflating to {mib} MiB)"[:70]


def incomplete_command(port: int) -> str:
    assoc = _association(port)
    context = assoc.accepted_contexts[-1]
    assoc.dul.socket.socket.sendall(_p_data(context.context_id, 0x03, _command(CommandDataSetType=0x0101,
                                                                                 MessageID=1)))
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not assoc.is_aborted:
        time.sleep(0.01)
    return "A-ABORT" if assoc.is_aborted else "nothing within 30 s"


def undecodable_rq(port: int) -> str:
    from dicom_harness.clients.dimse import _associate_rq
    from dicom_harness.suites.robustness.test_pdus import truncated_requests
    answers = set()
    for _, pdu in truncated_requests(_associate_rq("HOSTILE", "DH_PACS"), 0):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(pdu)
            answer = sock.recv(10)
        answers.add("A-ABORT" if answer[:1] == b"\x07" else f"{answer[:1].hex() or 'closed'}")
    return ", ".join(sorted(answers)) + " (6 cuts)"


def stalled_connections(port: int, count: int) -> str:
    stalled = []
    opened = time.monotonic()
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(struct.pack(">BBL", 0x01, 0, 200) + b"\x00\x01")
            stalled.append(sock)
        started = time.monotonic()
        assoc = _association(port)
        status = assoc.send_c_echo().Status
        assoc.release()
        return (f"{count} half-open (opened in {started - opened:.1f} s), then C-ECHO 0x{int(status):04X} in "
                f"{time.monotonic() - started:.2f} s")
    finally:
        for sock in stalled:
            sock.close()


# -- DICOMweb ----------------------------------------------------------------------------------------------------
class _Web:
    def __init__(self, port: int):
        self.base_url = f"http://127.0.0.1:{port}/dicom-web"
        self.port = port


def _web_answer(response: httpx.Response) -> str:
    """The status, and the Failure Reasons of a Store Instances Response, or the first line of the body."""
    try:
        failed = response.json().get("00081198", {}).get("Value", [])
        reasons = [f"0x{item['00081197']['Value'][0]:04X}" for item in failed]
        return f"{response.status_code}, FailureReason {', '.join(reasons)}"
    except (ValueError, AttributeError, KeyError, IndexError, TypeError):
        return f"{response.status_code} {response.text.strip()[:60]}".replace("\n", " ")


def stow_non_uid(web: _Web) -> str:
    return _web_answer(_stow(web, _part10(_dataset(sop_instance="1.2.3/../../etc"))))


def stow_impossible_length(web: _Web) -> str:
    return _web_answer(_stow(web, _part10(_dataset(), _element(0x0010, 0x4000, b"LT", b"abcd", declared=5000))))


def stow_bomb(web: _Web, mib: int) -> str:
    ds = _dataset()
    tail = struct.pack("<HH2sHL", 0x0011, 0x1010, b"OB", 0, mib * MIB) + b"\0" * (mib * MIB)
    return _web_answer(_stow(web, _part10(ds, tail, deflate=True)))


def stow_unparsable(web: _Web) -> str:
    return _web_answer(httpx.post(f"{web.base_url}/studies", content=b"\x00garbage", timeout=60,
                                  headers={"Content-Type": MULTIPART.format("DH-none")}))


def ups_non_uid(web: _Web) -> str:
    workitem = {"00741200": {"vr": "CS", "Value": ["HIGH"]}, "00741204": {"vr": "LO", "Value": ["X"]},
                "00404005": {"vr": "DT", "Value": ["20261129120000"]}, "00404041": {"vr": "CS", "Value": ["READY"]},
                "00741000": {"vr": "CS", "Value": ["SCHEDULED"]}, "00081195": {"vr": "UI"},
                "00080018": {"vr": "UI", "Value": ["1.2/../3"]}}
    return _web_answer(httpx.post(f"{web.base_url}/workitems", content=json.dumps([workitem]), timeout=60,
                                  headers={"Content-Type": "application/dicom+json",
                                           "Accept": "application/dicom+json"}))


def qido_invalid_limit(web: _Web) -> str:
    return _web_answer(httpx.get(f"{web.base_url}/studies?limit=%D9%A3", timeout=60))


def short_body(web: _Web) -> str:
    boundary = uuid.uuid4().hex
    head = (f"POST /dicom-web/studies HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n"
            f"Content-Type: {MULTIPART.format(boundary)}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", web.port), timeout=120) as sock:
        sock.sendall(head + b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + b"x" * 500)
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode(errors="replace") or "closed"


NOT_MEASURED = [
    ("full disk on STOW", "dicomweb", "503 one line (tests/test_hostile_web.py::test_full_disk_on_stow_is_503_...)"),
    ("partial upload left by a killed STOW", "dicomweb", "removed at start (test_store_removes_partial_uploads...)"),
    ("WebSocket subscriber that never reads", "dicomweb", "delays only itself (test_a_subscriber_that_does_not...)"),
]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--bomb-mib", type=int, default=512, help="what the Deflate bombs inflate to (MiB)")
    parser.add_argument("--stalled", type=int, default=300, help="half-open DICOM connections")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="dh-hostile-"))
    pacs_port, web_port = 11000 + uuid.uuid4().int % 2000, 13000 + uuid.uuid4().int % 2000
    pacs = start(["pacs", "--port", str(pacs_port)], folder / "pacs")
    web = start(["dicomweb", "--port", str(web_port)], folder / "web")
    try:
        site = _Web(web_port)
        row("C-STORE command UID not the data set's", pacs, "pacs", lambda: uid_mismatch(pacs_port))
        row("UID that is not a UID (C-STORE)", pacs, "pacs", lambda: non_uid(pacs_port))
        row("impossible element length (C-STORE)", pacs, "pacs", lambda: impossible_length(pacs_port))
        row("Deflate bomb (C-STORE)", pacs, "pacs", lambda: deflate_bomb(pacs_port, args.bomb_mib))
        row("command set without Command Field", pacs, "pacs", lambda: incomplete_command(pacs_port))
        row("undecodable A-ASSOCIATE-RQ", pacs, "pacs", lambda: undecodable_rq(pacs_port))
        row("stalled connections, then a real client", pacs, "pacs",
            lambda: stalled_connections(pacs_port, args.stalled))
        row("UID that is not a UID (STOW-RS)", web, "dicomweb", lambda: stow_non_uid(site))
        row("UID that is not a UID (UPS-RS create)", web, "dicomweb", lambda: ups_non_uid(site))
        row("impossible element length (STOW-RS)", web, "dicomweb", lambda: stow_impossible_length(site))
        row("Deflate bomb (STOW-RS)", web, "dicomweb", lambda: stow_bomb(site, min(args.bomb_mib, 256)))
        row("multipart body without delimiters", web, "dicomweb", lambda: stow_unparsable(site))
        row("QIDO-RS limit of non-ASCII digits", web, "dicomweb", lambda: qido_invalid_limit(site))
        row("Content-Length longer than the body", web, "dicomweb", lambda: short_body(site))
    finally:
        for process in (pacs, web):
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"{'input class':42} {'simulator':9} {'seconds':>8} {'peak MiB':>9}  answer")
    for name, which, answer, seconds, peak in ROWS:
        print(f"{name:42} {which:9} {seconds:8.2f} {peak / MIB:9.1f}  {answer}")
    for name, which, answer in NOT_MEASURED:
        print(f"{name:42} {which:9} {'-':>8} {'-':>9}  {answer}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
