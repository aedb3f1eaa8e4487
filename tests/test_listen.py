"""`dicom-harness listen` as a modality vendor uses it: a real client (dcmtk's storescu) driven against the
counterpart simulators, its recording judged; and what a user gets wrong, answered in one line."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import time

import pydicom
import pytest

from dicom_harness.data.datasets import DatasetFactory
from tests.conftest import CLI, require_peer, run_cli


def _records(report_dir) -> dict[str, dict]:
    """The judged records (services the scenario does not claim, e.g. qr-scu for a sender, are NOT CLAIMED)."""
    return {r["requirements"][0]["id"]: r for r in json.loads((report_dir / "results.json").read_text())["results"]
            if r["verdict"] != "NOT CLAIMED"}


@pytest.fixture(scope="module")
def ct_files(tmp_path_factory):
    """A valid CT (dciodvfy finds no error in it), and the same CT without Image Type (Type 1, CT Image)."""
    folder = tmp_path_factory.mktemp("ct")
    valid = DatasetFactory(seed=7).make("CT")
    valid.save_as(folder / "valid.dcm", enforce_file_format=True)
    lacking = pydicom.dcmread(folder / "valid.dcm")
    del lacking.ImageType
    lacking.save_as(folder / "no-image-type.dcm", enforce_file_format=True)
    return folder / "valid.dcm", folder / "no-image-type.dcm"


def _listen_to_storescu(report_dir, file) -> subprocess.CompletedProcess:
    storescu = require_peer("storescu")
    require_peer("dciodvfy")
    drive = f"{shlex.quote(storescu)} -aec {{ae}} {{host}} {{port}} {shlex.quote(str(file))}"
    return run_cli("listen", "--as", "pacs", "--port", "0", "--product", "dcmtk storescu", "--report-dir",
                   str(report_dir), "--drive", drive, timeout=120)


def test_storescu_of_a_valid_ct_passes(tmp_path, ct_files):
    proc = _listen_to_storescu(tmp_path, ct_files[0])
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    records = _records(tmp_path)
    assert {r["verdict"] for r in records.values()} == {"PASS"}, {k: r["message"] for k, r in records.items()
                                                                 if r["verdict"] != "PASS"}
    assert {"STORE-SCU-IOD-TYPE1", "ASSOC-RQ-PROTOCOL-VERSION", "STORE-SCU-SENDS-CLAIMED"} <= set(records)
    run = json.loads((tmp_path / "results.json").read_text())["run"]
    assert run["target"] == "dcmtk storescu" and run["role"] == "client"
    assert run["validators"][0]["name"] == "dciodvfy" and run["validators"][0]["version"].startswith("dicom3tools")
    assert "listening as PACS: AE DH_PACS at 127.0.0.1:" in proc.stdout


def test_storescu_of_a_ct_without_a_type_1_attribute_fails_naming_it(tmp_path, ct_files):
    proc = _listen_to_storescu(tmp_path, ct_files[1])
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-2000:]
    records = _records(tmp_path)
    failed = {rid for rid, r in records.items() if r["verdict"] != "PASS"}
    assert failed == {"STORE-SCU-IOD-TYPE1"}
    message = records["STORE-SCU-IOD-TYPE1"]["message"]
    assert "ImageType missing (Type 1, module CTImage)" in message and "PS3.4 B.4.2" in message
    assert any("ImageType" in line for line in records["STORE-SCU-IOD-TYPE1"]["evidence"])
    # the re-run command judges the same recording again, and agrees
    rerun = shlex.split(records["STORE-SCU-IOD-TYPE1"]["rerun"])
    assert rerun[:2] == ["dicom-harness", "judge"]
    again = run_cli(*rerun[1:], "--report-dir", str(tmp_path / "again"))
    assert again.returncode == 1, again.stdout[-2000:]
    assert _records(tmp_path / "again")["STORE-SCU-IOD-TYPE1"]["verdict"] == "FAIL"


def test_a_claimed_store_that_never_comes_fails(tmp_path):
    proc = run_cli("listen", "--as", "pacs", "--port", "0", "--report-dir", str(tmp_path), "--drive", "true")
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    records = _records(tmp_path)
    assert records["STORE-SCU-SENDS-CLAIMED"]["verdict"] == "FAIL"
    assert "expected a C-STORE of the images; none arrived" in records["STORE-SCU-SENDS-CLAIMED"]["message"]
    assert records["STORE-SCU-IOD-TYPE1"]["verdict"] == "NOT VERIFIED"


def test_sigterm_ends_listening_and_judges_what_arrived(tmp_path, ct_files):
    storescu = require_peer("storescu")
    proc = subprocess.Popen([*CLI, "listen", "--as", "pacs", "--port", "0", "--report-dir", str(tmp_path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert "listening as PACS" in line, line + proc.stderr.read()
        port = line.split("127.0.0.1:")[1].split(";")[0]
        sent = subprocess.run([storescu, "-aec", "DH_PACS", "127.0.0.1", port, str(ct_files[0])],
                              capture_output=True, text=True, timeout=30)
        assert sent.returncode == 0, sent.stderr
        time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-2000:] + err[-2000:]
    assert _records(tmp_path)["STORE-SCU-IOD-TYPE1"]["verdict"] == "PASS"


def test_a_server_run_does_not_judge_clients_and_a_client_run_not_servers(tmp_path):
    server = run_cli("run", "--test", "verification", "--report-dir", str(tmp_path / "server"))
    assert server.returncode == 0, server.stdout[-2000:]
    run = json.loads((tmp_path / "server" / "results.json").read_text())["run"]
    assert run["role"] == "server" and {e["role"] for e in run["catalogue"]} == {"server"}
    client = run_cli("listen", "--as", "pacs", "--port", "0", "--report-dir", str(tmp_path / "client"),
                     "--drive", "true")
    run = json.loads((tmp_path / "client" / "results.json").read_text())
    assert {e["role"] for e in run["run"]["catalogue"]} == {"client"}
    assert {r["requirements"][0]["role"] for r in run["results"]} == {"client"}
    assert client.returncode == 1


@pytest.mark.parametrize("args, expected", [
    (["--as", "printer"], "--as printer: unknown counterpart; choose from pacs, ris"),
    (["--as", "pacs", "--scenario", "print"], "--scenario: unknown step 'print'"),
    (["--as", "pacs", "--duration", "0"], "--duration 0: give a number of seconds above 0"),
    (["--as", "pacs", "--drive", "echo {aet}"], "--drive: cannot fill in 'aet'; the placeholders are {ae} {host} {port}"),
])
def test_wrong_listen_options_get_one_line(tmp_path, args, expected):
    proc = run_cli("listen", "--port", "0", "--report-dir", str(tmp_path), *args, timeout=60)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert expected in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_a_port_in_use_is_exit_3(tmp_path):
    import socket
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        held.listen()
        proc = run_cli("listen", "--as", "pacs", "--port", str(held.getsockname()[1]), "--report-dir", str(tmp_path),
                       "--duration", "1", timeout=60)
    assert proc.returncode == 3 and "is in use" in proc.stderr and "Traceback" not in proc.stderr


def test_judging_a_folder_that_is_no_recording_is_exit_2(tmp_path):
    proc = run_cli("judge", str(tmp_path))
    assert proc.returncode == 2 and "is not a recording" in proc.stderr and "dicom-harness listen" in proc.stderr
