"""The harness against targets that are not really there: a socket that accepts and never answers, one that
answers the association and then nothing, one that closes at once, an HTTP port that never answers. Each must
be exit 3 (unreachable) within seconds, with one line saying what the target did or that the harness gave up."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from dicom_harness.errors import TargetUnreachable
from dicom_harness.targets.profile import DimseEndpoint, WebEndpoint
from dicom_harness.targets.reachability import check_dimse_reachable, check_web_reachable


class FakeTarget:
    """A listening socket whose connections get `behaviour`: 'silent', 'close', 'associate-then-silent'."""

    def __init__(self, behaviour: str):
        self.behaviour = behaviour
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.held: list[socket.socket] = []
        self.on_connection = None           # 'held': each accepted connection is handed to this, in a thread
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            if self.behaviour == "close":
                conn.close()
                continue
            self.held.append(conn)
            if self.on_connection is not None:
                threading.Thread(target=self.on_connection, args=(conn,), daemon=True).start()
            if self.behaviour == "associate-then-silent":
                threading.Thread(target=self._accept_association, args=(conn,), daemon=True).start()

    @staticmethod
    def _accept_association(conn: socket.socket) -> None:
        from pynetdicom.pdu import A_ASSOCIATE_AC, A_ASSOCIATE_RQ
        try:
            header = conn.recv(6)
            length = int.from_bytes(header[2:6], "big")
            body = b""
            while len(body) < length:
                body += conn.recv(length - len(body))
            request = A_ASSOCIATE_RQ()
            request.decode(header + body)
            primitive = request.to_primitive()
            primitive.result = 0x00
            primitive.result_source = 0x01
            primitive.diagnostic = None
            for cx in primitive.presentation_context_definition_list:
                cx.result = 0x00
                cx.transfer_syntax = [cx.transfer_syntax[0]]
            primitive.presentation_context_definition_results_list = primitive.presentation_context_definition_list
            answer = A_ASSOCIATE_AC()
            answer.from_primitive(primitive)
            conn.sendall(answer.encode())
        except OSError:
            pass

    def close(self) -> None:
        self.server.close()
        for conn in self.held:
            conn.close()


@pytest.fixture
def target(request):
    fake = FakeTarget(request.param)
    yield fake
    fake.close()


@pytest.mark.parametrize("target,expected", [
    ("silent", "sent no answer to the A-ASSOCIATE-RQ: the harness gave up after 2 s"),
    ("close", "closed the connection"),
    ("associate-then-silent", "did not answer C-ECHO: the harness gave up after 2 s"),
], indirect=["target"], ids=["accepts-never-answers", "closes-at-once", "associates-then-silent"])
def test_dead_dimse_target_is_unreachable_quickly(target, expected):
    endpoint = DimseEndpoint(ae_title="DEAD", host="127.0.0.1", port=target.port, timeout=2.0)
    started = time.monotonic()
    with pytest.raises(TargetUnreachable) as raised:
        check_dimse_reachable(endpoint, "DH_HARNESS")
    assert time.monotonic() - started < 8
    message = str(raised.value)
    assert expected in message and "\n" not in message, message
    assert "aborted" not in message


@pytest.mark.parametrize("target,expected", [("silent", "sent no HTTP answer: the harness gave up after 2 s"),
                                             ("close", "closed the connection without an HTTP answer")],
                         indirect=["target"], ids=["accepts-never-answers", "closes-at-once"])
def test_dead_web_target_is_unreachable_quickly(target, expected):
    endpoint = WebEndpoint(base_url=f"http://127.0.0.1:{target.port}/dicom-web", timeout=2.0)
    started = time.monotonic()
    with pytest.raises(TargetUnreachable) as raised:
        check_web_reachable(endpoint)
    assert time.monotonic() - started < 6
    assert expected in str(raised.value), str(raised.value)


def test_cli_run_against_a_silent_target_exits_3(tmp_path):
    """`dicom-harness run` against a DICOM port that accepts and never answers: exit 3 with one line."""
    from tests.conftest import run_cli
    fake = FakeTarget("associate-then-silent")
    try:
        profile = tmp_path / "dead.toml"
        profile.write_text(f'name = "dead"\n[dimse]\nae_title = "DEAD"\nhost = "127.0.0.1"\nport = {fake.port}\n'
                           'timeout = 2\n[claims]\nservices = ["verification", "storage"]\n')
        started = time.monotonic()
        done = run_cli("run", "--target", str(profile), cwd=str(tmp_path), timeout=120)
        assert done.returncode == 3, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
        assert time.monotonic() - started < 60
        assert "did not answer C-ECHO" in done.stderr + done.stdout
        assert "FAIL" not in done.stdout
    finally:
        fake.close()


class StallingDimseTarget:
    """A pynetdicom SCP that accepts every association (Verification and the storage classes) and answers one
    C-ECHO (the harness's reachability check); after that every DIMSE request is held without an answer, on any
    association, until close()."""

    def __init__(self):
        from pynetdicom import AE, AllStoragePresentationContexts, evt
        from pynetdicom.sop_class import Verification
        self.answered = 0
        self.released = threading.Event()
        ae = AE(ae_title="STALL")
        ae.add_supported_context(Verification)
        for context in AllStoragePresentationContexts:
            ae.add_supported_context(context.abstract_syntax)
        ae.network_timeout = ae.acse_timeout = ae.dimse_timeout = 60
        ae.maximum_associations = 200
        handlers = [(evt.EVT_C_ECHO, self._echo), (evt.EVT_C_STORE, self._hold)]
        self.server = ae.start_server(("127.0.0.1", 0), block=False, evt_handlers=handlers)
        self.port = self.server.server_address[1]

    def _echo(self, event):
        if self.answered == 0:
            self.answered += 1
            return 0x0000
        return self._hold(event)

    def _hold(self, event):
        self.released.wait(120)
        return 0xC000

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()


class StallingWebTarget:
    """An HTTP server that answers its first request (the harness's reachability GET) with 200 and an empty JSON
    array, then reads every later request and never answers it."""

    def __init__(self):
        self.fake = FakeTarget("held")
        self.port = self.fake.port
        self.answered = 0
        self.fake.on_connection = self._serve

    def _serve(self, conn: socket.socket) -> None:
        try:
            if conn.recv(65536) and self.answered == 0:     # a bare connection check sends nothing
                self.answered += 1
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/dicom+json\r\nContent-Length: 2\r\n"
                             b"Connection: close\r\n\r\n[]")
                conn.close()
        except OSError:
            pass

    def close(self) -> None:
        self.fake.close()


def _run_against(tmp_path, profile_text: str):
    from tests.conftest import run_suites
    profile = tmp_path / "stall.toml"
    profile.write_text(profile_text)
    started = time.monotonic()
    done, records = run_suites(tmp_path / "report", "--target", str(profile), timeout=300)
    return done, records, time.monotonic() - started


ASSOCIATION_ONLY = "association/test_ac_contents.py::"


def _check_stalled_run(done, records, elapsed, first_words: str):
    """ERROR everywhere a test touched the target, one line each, the first naming the harness's timeout and the
    rest the earlier stall; never FAIL, never 'aborted'; exit 4 (the harness hit errors, nothing failed)."""
    # The A-ASSOCIATE-AC readers exchange no DIMSE message: a target that still answers associations passes them
    judged = [r for r in records if r["verdict"] != "NOT CLAIMED"
              and not (r["nodeid"].startswith(ASSOCIATION_ONLY) and r["verdict"] == "PASS")]
    assert judged and all(r["verdict"] == "ERROR" for r in judged), [(r["test"], r["verdict"], r["message"])
                                                                      for r in judged if r["verdict"] != "ERROR"]
    assert done.returncode == 4, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    messages = [r["message"] for r in judged]
    assert all("\n" not in m and "aborted" not in m for m in messages), messages
    assert first_words in messages[0] and "the harness gave up" in messages[0], messages[0]
    assert all("the harness gave up" in m for m in messages), messages
    assert any("the target stopped answering earlier in this run" in m for m in messages), messages
    # one stall costs the request's timeout and a check's (2 s each here), then later tests end at once
    assert elapsed < 60, elapsed


def test_cli_run_against_a_dimse_target_that_stops_answering(tmp_path):
    """Association and C-ECHO answered (the reachability check passes), then nothing: every test ERROR, bounded."""
    stub = StallingDimseTarget()
    try:
        done, records, elapsed = _run_against(tmp_path, (
            f'name = "stall"\n[dimse]\nae_title = "STALL"\nhost = "127.0.0.1"\nport = {stub.port}\ntimeout = 2\n'
            '[claims]\nservices = ["verification", "storage"]\n'))
    finally:
        stub.close()
    _check_stalled_run(done, records, elapsed, "within 2 s")


def test_cli_run_against_a_web_target_that_stops_answering(tmp_path):
    """The base URL's GET answered (the reachability check passes), then nothing: every test ERROR, bounded."""
    stub = StallingWebTarget()
    try:
        done, records, elapsed = _run_against(tmp_path, (
            f'name = "stall"\n[dicomweb]\nbase_url = "http://127.0.0.1:{stub.port}/dicom-web"\ntimeout = 2\n'
            '[claims]\nservices = ["qido", "wado", "stow"]\n'))
    finally:
        stub.close()
    _check_stalled_run(done, records, elapsed, "within 2 s")
