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
