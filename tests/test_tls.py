"""Secure transport (PS3.15 B.9-B.11, HTTPS for DICOMweb): certificates made for a run, TLS profiles, the
reachability check's one line for a failed handshake, a plain client against a TLS port, and real peers: dcmtk's
storescu +tls against the PACS simulator's TLS port and the harness's client against dcmtk's storescp +tls."""

from __future__ import annotations

import os
import socket
import subprocess
import time

import pytest

from dicom_harness.clients.dimse import DimseClient, _associate_rq
from dicom_harness.clients.evidence import Evidence
from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.errors import ProfileError, TargetUnreachable
from dicom_harness.shared.status import Status
from dicom_harness.shared.tls import generate
from dicom_harness.targets.ports import free_port
from dicom_harness.targets.profile import DimseEndpoint, Target, TlsFiles, load_profile, profile_from_dict
from dicom_harness.targets.reachability import check_dimse_reachable, check_web_reachable
from tests.conftest import StandalonePacs, require_peer, run_suites


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def tls_pacs(tmp_path, certificates):
    from dicom_harness.simulators.pacs import PacsSimulator
    from dicom_harness.simulators.store import Store
    store = Store(tmp_path / "store")
    simulator = PacsSimulator(store, ae_title="DH_PACS")
    simulator.tls = certificates
    simulator.start()
    yield simulator
    simulator.stop()
    store.close()


def _endpoint(port: int, certificates, **files) -> DimseEndpoint:
    chosen = dict(ca=str(certificates.ca), cert=str(certificates.client_cert), key=str(certificates.client_key))
    chosen.update(files)
    return DimseEndpoint("DH_PACS", "127.0.0.1", port, tls=True, timeout=5.0, tls_files=TlsFiles(**chosen))


# -- profiles ---------------------------------------------------------------------------------------------------

def test_a_profile_with_tls_names_its_files_relative_to_itself(tmp_path, certificates):
    (tmp_path / "certs").mkdir()
    for name in ("ca.pem", "client.pem", "client.key"):
        (tmp_path / "certs" / name).write_bytes((certificates.ca.parent / name).read_bytes())
    profile = tmp_path / "product.toml"
    profile.write_text('name = "p"\n[dimse]\nae_title = "X"\nhost = "127.0.0.1"\nport = 2762\ntls = true\n'
                       'ca = "certs/ca.pem"\ncert = "certs/client.pem"\nkey = "certs/client.key"\n'
                       '[dicomweb]\nbase_url = "https://127.0.0.1:8443/dicom-web"\nca = "certs/ca.pem"\n'
                       '[claims]\nservices = ["verification", "security"]\ntls_profile = "non-downgrading"\n')
    target = load_profile(profile)
    assert target.dimse.tls and target.dimse_tls == target.dimse
    assert target.dimse.tls_files.ca == str(tmp_path / "certs" / "ca.pem") and target.dimse.tls_files.verify
    assert target.dicomweb.tls_files.ca == str(tmp_path / "certs" / "ca.pem")
    assert target.claims.tls_profile == "non-downgrading"


@pytest.mark.parametrize("dimse, message", [
    ('tls = true\nca = "missing.pem"', "no such file"),
    ('ca = "missing.pem"', "no such file"),
    ('tls = "yes"', "true or false"),
    ('tls = true\ntls_port = 2762', "leave tls_port out"),
])
def test_bad_tls_settings_are_refused(dimse, message):
    data_text = f'name = "p"\n[dimse]\nae_title = "X"\nhost = "h"\nport = 104\n{dimse}\n'
    import tomllib
    with pytest.raises(ProfileError, match=message):
        profile_from_dict(tomllib.loads(data_text))


def test_certificates_without_a_tls_port_are_refused(certificates):
    with pytest.raises(ProfileError, match="need tls = true or a tls_port"):
        profile_from_dict({"name": "p", "dimse": {"ae_title": "X", "host": "h", "port": 104,
                                                  "ca": str(certificates.ca)}})
    with pytest.raises(ProfileError, match="https"):
        profile_from_dict({"name": "p", "dicomweb": {"base_url": "http://h/dicom-web", "ca": str(certificates.ca)}})


def test_an_unknown_tls_profile_claim_is_refused():
    with pytest.raises(ProfileError, match="tls_profile"):
        profile_from_dict({"name": "p", "dimse": {"ae_title": "X", "host": "h", "port": 104},
                           "claims": {"tls_profile": "basic"}})


# -- the simulator's TLS port -----------------------------------------------------------------------------------

def test_the_harness_client_stores_over_tls(tls_pacs, certificates):
    target = Target(name="tls pacs", dimse=_endpoint(tls_pacs.port, certificates))
    check_dimse_reachable(target.dimse, "DICOM_HARNESS")
    client = DimseClient(target, Evidence())
    assert client.echo().status == Status.SUCCESS
    assert client.store(DatasetFactory(seed=3).make("CT")).status == Status.SUCCESS


def test_the_state_table_client_reads_past_a_late_session_ticket(tls_pacs, certificates):
    """A TLS 1.3 server sends its session ticket after the handshake: the socket turns readable with no PDU in it.
    The state-table client must see nothing there, not a closed connection (the CI failure of stop 22)."""
    from dicom_harness.shared import ul_state_model
    from dicom_harness.shared.tls import tls_handshake
    endpoint = _endpoint(tls_pacs.port, certificates)
    with tls_handshake("127.0.0.1", tls_pacs.port, endpoint.tls_files.client_context(), 5.0) as sock:
        time.sleep(0.5)                      # the ticket is in by now
        connection = ul_state_model.PduConnection(sock, read_timeout=5.0)
        assert connection.read(0.0) == (ul_state_model.SILENT, b"")
        judgement = ul_state_model.play(connection, [ul_state_model.RQ, ul_state_model.RELRQ], "DICOM_HARNESS",
                                        "DH_PACS")
    assert [step.observed for step in judgement.steps][:2] == [ul_state_model.AC, ul_state_model.RELRP], judgement.steps


def test_a_plain_client_on_the_tls_port_is_refused_cleanly(tls_pacs, caplog):
    """An A-ASSOCIATE-RQ in the clear: the connection is closed (a failed handshake), at once, no traceback."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", tls_pacs.port), timeout=10) as sock:
        sock.sendall(_associate_rq("DICOM_HARNESS", "DH_PACS"))
        try:
            data = sock.recv(4096)
        except ConnectionResetError:
            data = b""
    assert not data.startswith(b"\x02"), "a plain association was accepted on the TLS port"
    assert time.monotonic() - started < 5, "the TLS port held a plain client"
    assert "Traceback" not in caplog.text


def test_a_stalled_handshake_does_not_block_other_clients(tls_pacs, certificates):
    """A client that connects and never sends its ClientHello: the next client is served all the same."""
    with socket.create_connection(("127.0.0.1", tls_pacs.port)):
        started = time.monotonic()
        target = Target(name="tls pacs", dimse=_endpoint(tls_pacs.port, certificates))
        assert DimseClient(target, Evidence()).echo().status == Status.SUCCESS
        assert time.monotonic() - started < 5


@pytest.mark.parametrize("problem, expected", [
    ("wrong CA", "certificate was not accepted"),
    ("plain port", "plain"),
    ("no client certificate", "requires a client certificate"),
])
def test_a_failed_handshake_is_one_line_before_any_test(tmp_path, tls_pacs, pacs, certificates, problem, expected):
    other = generate(tmp_path / "other")
    endpoint = {
        "wrong CA": _endpoint(tls_pacs.port, certificates, ca=str(other.ca)),
        "plain port": _endpoint(pacs.port, certificates),
        "no client certificate": _endpoint(tls_pacs.port, certificates, cert="", key=""),
    }[problem]
    started = time.monotonic()
    with pytest.raises(TargetUnreachable, match=expected) as caught:
        check_dimse_reachable(endpoint, "DICOM_HARNESS")
    assert "\n" not in str(caught.value) and time.monotonic() - started < 8, str(caught.value)


def test_an_expired_server_certificate_is_named(tmp_path):
    from dicom_harness.simulators.pacs import PacsSimulator
    from dicom_harness.simulators.store import Store
    expired = generate(tmp_path / "expired", expired=True)
    store = Store(tmp_path / "store")
    simulator = PacsSimulator(store, ae_title="DH_PACS")
    simulator.tls = expired
    simulator.start()
    try:
        with pytest.raises(TargetUnreachable, match="expired"):
            check_dimse_reachable(_endpoint(simulator.port, expired), "DICOM_HARNESS")
    finally:
        simulator.stop()
        store.close()


def test_https_dicomweb_is_checked_with_the_profile_ca(tmp_path, certificates):
    from dicom_harness.shared.tls import server_context
    from dicom_harness.simulators.dicomweb import DicomWebSimulator
    from dicom_harness.simulators.store import Store
    from dicom_harness.targets.profile import WebEndpoint
    store = Store(tmp_path / "store")
    web = DicomWebSimulator(store, tls_context=server_context(certificates.server_cert,
                                                              certificates.server_key)).start()
    try:
        assert web.base_url.startswith("https://")
        check_web_reachable(WebEndpoint(web.base_url, tls_files=TlsFiles(ca=str(certificates.ca))))
        with pytest.raises(TargetUnreachable, match="certificate was not accepted"):
            check_web_reachable(WebEndpoint(web.base_url))      # the system's CAs do not know ours
        plain = web.base_url.replace("https://", "http://")
        import httpx
        answer = None
        try:
            answer = httpx.get(plain, timeout=5)
        except httpx.HTTPError:
            pass
        assert answer is None or answer.status_code >= 400, "HTTPS port answered plain HTTP with success"
    finally:
        web.stop()
        store.close()


# -- whole runs -------------------------------------------------------------------------------------------------

def test_the_security_suite_passes_on_the_simulators_tls_port(tmp_path):
    proc, records = run_suites(tmp_path, "--test=security", "--test=verification")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert {r["verdict"] for r in records} == {"PASS"}, [(r["test"], r["verdict"], r["message"]) for r in records]


def test_run_tls_speaks_tls_on_dimse_and_https(tmp_path):
    proc, records = run_suites(tmp_path, "--tls", "--test=security", "--test=verification", "--test=storage",
                               "--test=qido", "--test=association")
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert {r["verdict"] for r in records} == {"PASS"}, [(r["test"], r["verdict"], r["message"]) for r in records
                                                        if r["verdict"] != "PASS"]


def test_security_requirements_are_not_claimed_without_the_claim(tmp_path, pacs):
    proc, records = run_suites(tmp_path, "--dimse", f"DH_PACS@127.0.0.1:{pacs.port}", "--test=security")
    assert records and {r["verdict"] for r in records} == {"NOT CLAIMED"}, proc.stdout[-1500:]


# -- real peers: dcmtk ------------------------------------------------------------------------------------------

DCMTK_ENV = dict(os.environ, TCP_NODELAY="1")


def test_dcmtk_storescu_tls_stores_into_the_simulator(tmp_path):
    storescu = require_peer("storescu")
    instance = DatasetFactory(seed=12).make("CT")
    sent = tmp_path / "ct.dcm"
    instance.save_as(sent, enforce_file_format=True)
    tls_dir = tmp_path / "tls"
    with StandalonePacs(tmp_path / "store", "--tls", "--tls-dir", str(tls_dir)) as pacs:
        common = [storescu, "-aec", "DH_PACS", "+tls", str(tls_dir / "client.key"), str(tls_dir / "client.pem"),
                  "+cf", str(tls_dir / "ca.pem")]
        stored = subprocess.run([*common, "127.0.0.1", str(pacs.port), str(sent)], capture_output=True, text=True,
                                timeout=60, env=DCMTK_ENV)
        assert stored.returncode == 0, stored.stderr
        plain = subprocess.run([storescu, "-aec", "DH_PACS", "127.0.0.1", str(pacs.port), str(sent)],
                               capture_output=True, text=True, timeout=60, env=DCMTK_ENV)
        assert plain.returncode != 0, "a plain storescu stored into the TLS port"
        anonymous = subprocess.run([storescu, "-aec", "DH_PACS", "+tla", "+cf", str(tls_dir / "ca.pem"), "127.0.0.1",
                                    str(pacs.port), str(sent)], capture_output=True, text=True, timeout=60,
                                   env=DCMTK_ENV)
        assert anonymous.returncode != 0, "storescu without a client certificate stored (mutual TLS claimed)"
    from dicom_harness.simulators.store import Store
    store = Store(tmp_path / "store")
    try:
        assert store.count() == 1
    finally:
        store.close()


def test_the_harness_stores_into_dcmtk_storescp_tls(tmp_path, certificates):
    storescp = require_peer("storescp")
    port = free_port()
    out = tmp_path / "received"
    out.mkdir()
    process = subprocess.Popen([storescp, "-aet", "STORESCP", "+tls", str(certificates.server_key),
                                str(certificates.server_cert), "+cf", str(certificates.ca), "-rc", "-od", str(out),
                                str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env=DCMTK_ENV)
    try:
        from dicom_harness.targets.ports import can_connect
        deadline = time.monotonic() + 10
        while not can_connect("127.0.0.1", port) and time.monotonic() < deadline:
            time.sleep(0.1)
        endpoint = DimseEndpoint("STORESCP", "127.0.0.1", port, tls=True, timeout=10.0,
                                 tls_files=TlsFiles(ca=str(certificates.ca), cert=str(certificates.client_cert),
                                                    key=str(certificates.client_key)))
        check_dimse_reachable(endpoint, "DICOM_HARNESS")
        instance = DatasetFactory(seed=13).make("CT")
        response = DimseClient(Target(name="storescp", dimse=endpoint), Evidence()).store(instance)
        assert response.status == Status.SUCCESS
        with pytest.raises(TargetUnreachable, match="TLS|certificate|closed"):
            check_dimse_reachable(endpoint.__class__(**{**endpoint.__dict__, "tls_files": TlsFiles(
                ca=str(certificates.ca))}), "DICOM_HARNESS")
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert len(list(out.iterdir())) == 1, output[-1500:]


def test_simulate_tls_keeps_its_certificates_across_starts(tmp_path):
    import argparse

    from dicom_harness.cli.serving import tls_certificates
    from dicom_harness.errors import HarnessUserError
    args = argparse.Namespace(tls=True, cert=None, key=None, ca=None, tls_dir=str(tmp_path / "tls"), host="127.0.0.1")
    first = tls_certificates(args)
    again = tls_certificates(args)
    assert first.ca.read_bytes() == again.ca.read_bytes(), "a restart made a new CA clients do not trust"
    with pytest.raises(HarnessUserError, match="go together"):
        tls_certificates(argparse.Namespace(**{**vars(args), "cert": str(first.server_cert)}))
    with pytest.raises(HarnessUserError, match="needs --tls"):
        tls_certificates(argparse.Namespace(**{**vars(args), "tls": False, "ca": str(first.ca)}))


def test_the_harness_peer_listens_with_tls_for_dcmtk_storescu(tmp_path, certificates):
    """[peer] tls = true: a target that calls the harness back over TLS (C-MOVE, N-EVENT-REPORT) is served;
    dcmtk's storescu +tls stores into the peer, verifying it against the run's CA."""
    storescu = require_peer("storescu")
    from dicom_harness.clients.peer import HarnessPeer
    target = profile_from_dict({"name": "p", "dimse": {"ae_title": "X", "host": "127.0.0.1", "port": 104, "tls": True,
                                                       "ca": str(certificates.ca), "cert": str(certificates.client_cert),
                                                       "key": str(certificates.client_key)},
                                "peer": {"ae_title": "DH_PEER", "tls": True}})
    peer = HarnessPeer(target.peer, target.peer_tls_context()).start()
    try:
        instance = DatasetFactory(seed=14).make("CT")
        sent = tmp_path / "ct.dcm"
        instance.save_as(sent, enforce_file_format=True)
        # the target's side: its own certificate (here the server one of the same CA)
        stored = subprocess.run([storescu, "-aec", "DH_PEER", "+tls", str(certificates.server_key),
                                 str(certificates.server_cert), "+cf", str(certificates.ca), "127.0.0.1",
                                 str(peer.port), str(sent)], capture_output=True, text=True, timeout=60, env=DCMTK_ENV)
        assert stored.returncode == 0, stored.stderr
        assert peer.wait_for(lambda inbox: len(inbox.stored) == 1, timeout=10)
    finally:
        peer.stop()
    with pytest.raises(ProfileError, match=r"\[peer\] tls"):
        profile_from_dict({"name": "p", "dimse": {"ae_title": "X", "host": "h", "port": 104}, "peer": {"tls": True}})


def test_run_against_a_plain_port_named_tls_exits_3_with_one_line(tmp_path, pacs, certificates):
    from tests.conftest import run_cli
    profile = tmp_path / "p.toml"
    profile.write_text(f'name = "p"\n[dimse]\nae_title = "DH_PACS"\nhost = "127.0.0.1"\nport = {pacs.port}\n'
                       f'tls = true\nca = "{certificates.ca}"\ncert = "{certificates.client_cert}"\n'
                       f'key = "{certificates.client_key}"\n[claims]\nservices = ["verification"]\n')
    proc = run_cli("run", "--target", str(profile), "--report-dir", str(tmp_path / "report"), timeout=120)
    assert proc.returncode == 3, proc.stdout[-1500:] + proc.stderr[-1500:]
    lines = [line for line in proc.stderr.splitlines() if "tls = true" in line]
    assert len(lines) == 1 and "plain" in lines[0], proc.stderr[-1500:]


def test_keys_made_ahead_are_the_ones_the_certificates_use(tmp_path, monkeypatch):
    """prepare_rsa_keys makes a run's CA and server keys in a thread while the process imports; generate() then
    makes none of its own and signs with those."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from dicom_harness.shared import tls
    monkeypatch.setattr(tls, "_SERVER_KEYS", [])
    monkeypatch.setattr(tls, "_PREPARED_KEYS", [])
    tls.prepare_rsa_keys()
    tls.prepare_rsa_keys()      # a second call before generate() makes none: two are waiting
    tls.rsa_keys_ready()
    ahead = {key.public_key().public_numbers().n for key in tls._PREPARED_KEYS}
    assert len(ahead) == 2

    def no_new_key(*args, **kwargs):
        raise AssertionError("an RSA key made while two made ahead were waiting")
    monkeypatch.setattr(rsa, "generate_private_key", no_new_key)
    files = tls.generate(tmp_path)
    used = {serialization.load_pem_private_key(files.server_key.read_bytes(), None).public_key().public_numbers().n}
    from cryptography import x509
    used.add(x509.load_pem_x509_certificate(files.ca.read_bytes()).public_key().public_numbers().n)
    assert used == ahead and not tls._PREPARED_KEYS
