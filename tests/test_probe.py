"""`dicom-harness probe`: what a target accepts in negotiation, as a draft conformance statement and a reusable
profile; against the PACS simulator and a real Orthanc."""

from __future__ import annotations

import json
import socket

from dicom_harness.targets.profile import load_profile
from tests.conftest import require_peer, run_cli

ECHO = "verification/test_c_echo.py::test_echo_is_answered_with_success"


def test_probe_the_pacs_simulator_and_reuse_its_profile(pacs, tmp_path):
    out = tmp_path / "probe"
    proc = run_cli("probe", f"DH_PACS@127.0.0.1:{pacs.port}", "--output", str(out), "--name", "PACS simulator",
                   timeout=180)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    observed = json.loads((out / "probe.json").read_text())["dimse"]
    accepted = {c["keyword"]: c for c in observed["accepted"]}
    ct = accepted["CTImageStorage"]
    assert {"ImplicitVRLittleEndian", "ExplicitVRLittleEndian", "RLELossless"} <= set(ct["transfer_syntaxes"])
    assert ct["target_scp"] and ct["target_scu"], "the simulator accepts role selection, as C-GET needs"
    assert "ModalityWorklistInformationFind" not in accepted          # it offers no worklist
    assert observed["called_ae_check"] is True

    statement = (out / "conformance-statement.md").read_text()
    assert "| CT Image Storage | `1.2.840.10008.5.1.4.1.1.2` |" in statement and "SCP and SCU" in statement

    profile = load_profile(out / "profile.toml")
    assert profile.dimse.port == pacs.port and profile.claims.called_ae_check
    assert profile.claims.services == frozenset({"verification", "storage", "commitment", "query_retrieve"})
    assert "1.2.840.10008.5.1.4.1.1.2" in profile.claims.storage_sop_classes
    # the draft profile is a working profile
    run = run_cli("run", "--target", str(out / "profile.toml"), "--report-dir", str(tmp_path / "run"), "--test", ECHO,
                  timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr


def test_probe_orthanc(tmp_path):
    require_peer("/usr/sbin/Orthanc")
    from dicom_harness.probe.dicomweb import probe_web
    from dicom_harness.probe.dimse import probe, write_probe
    from dicom_harness.targets.orthanc import OrthancProcess
    from dicom_harness.targets.profile import DimseEndpoint, WebEndpoint
    orthanc = OrthancProcess(ae_title="ORTHANC").start()
    try:
        found = probe(DimseEndpoint("ORTHANC", "127.0.0.1", orthanc.dicom_port))
        web = probe_web(WebEndpoint(f"{orthanc.http_url}/dicom-web"))
    finally:
        orthanc.stop()
    write_probe(found, tmp_path, name="Orthanc", web=web)
    # Orthanc's DICOMweb plugin: search and store answer; no UPS-RS, and OPTIONS is not answered (CAPS-WADL)
    assert {"qido", "stow"} <= set(web.claimed_services()) and "ups" not in web.claimed_services(), web
    assert found.implementation_version_name.startswith("OFFIS_DCMTK"), "Orthanc speaks DICOM through dcmtk"
    assert {"verification", "storage", "query_retrieve", "commitment"} <= set(found.services())
    accepted = {c.keyword: c for c in found.accepted}
    assert accepted["CTImageStorage"].target_scu, "Orthanc is a C-GET SCP, so it accepts the SCU role for storage"
    assert "StudyRootQueryRetrieveInformationModelFind" in accepted
    profile = load_profile(tmp_path / "profile.toml")
    assert {"verification", "storage", "query_retrieve", "commitment", "qido", "stow"} <= profile.claims.services
    assert profile.dicomweb.base_url.endswith("/dicom-web")


def test_probe_unreachable_is_one_line(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        proc = run_cli("probe", f"NOBODY@127.0.0.1:{port}", "--output", str(tmp_path), timeout=60)
    assert proc.returncode == 3 and "cannot connect" in proc.stderr and "Traceback" not in proc.stderr


def test_probe_bad_address_is_a_usage_error(tmp_path):
    proc = run_cli("probe", "not-an-address", "--output", str(tmp_path), timeout=60)
    assert proc.returncode == 2 and "AET@host:port" in proc.stderr


def test_probe_a_dicomweb_service_and_reuse_its_profile(tmp_path):
    """`probe --dicomweb URL` alone, against the DICOMweb simulator as a user starts it: every web service it
    offers is found, nothing is stored, and the draft profile runs."""
    import signal
    import subprocess

    from dicom_harness.targets.ports import free_port
    from tests.conftest import CLI
    port = free_port()
    server = subprocess.Popen([*CLI, "simulate", "dicomweb", "--port", str(port), "--store", str(tmp_path / "store")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/dicom-web"
    try:
        assert "DICOMweb simulator at" in server.stdout.readline()
        out = tmp_path / "probe"
        proc = run_cli("probe", "--dicomweb", url, "--output", str(out), timeout=60)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        profile = load_profile(out / "profile.toml")
        assert profile.dicomweb.base_url == url and profile.dimse is None
        # an empty store: nothing to retrieve, so WADO-RS cannot be told (the draft says so)
        assert profile.claims.services == frozenset({"qido", "stow", "ups", "capabilities"}), profile.claims.services
        assert "no study to retrieve" in (out / "profile.toml").read_text()
        assert not any((tmp_path / "store" / "objects").rglob("*.dcm")), "the probe stored something"
        run = run_cli("run", "--target", str(out / "profile.toml"), "--report-dir", str(tmp_path / "run"), "-k",
                      "ups and create", timeout=120)
        assert run.returncode == 0 and "PASS" in run.stdout, run.stdout + run.stderr
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=15)


def test_probe_needs_something_to_probe(tmp_path):
    proc = run_cli("probe", "--output", str(tmp_path), timeout=60)
    assert proc.returncode == 2 and "probe what?" in proc.stderr
