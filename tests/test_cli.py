"""The command line as a new user meets it: help, bad input, exit codes, one-line errors."""

import socket

import pytest

from tests.conftest import run_cli


def _one_clear_line(proc):
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_help_explains_commands_and_exit_codes():
    proc = run_cli("--help")
    assert proc.returncode == 0
    for word in ("run", "simulate", "faults", "exit codes", "target unreachable"):
        assert word in proc.stdout


def test_run_help_explains_target_options():
    proc = run_cli("run", "--help")
    assert proc.returncode == 0
    for option in ("--target", "--dimse", "--fault", "--report-dir", "--test"):
        assert option in proc.stdout


def test_missing_profile_is_a_usage_error(tmp_path):
    proc = run_cli("run", "--target", str(tmp_path / "nope.toml"), "--report-dir", str(tmp_path / "r"))
    assert proc.returncode == 2
    assert "not found" in _one_clear_line(proc)


def test_malformed_profile_is_a_usage_error(tmp_path):
    profile = tmp_path / "bad.toml"
    profile.write_text('name = "x"\n[dimse]\nae_title = "PACS"\nhost = "127.0.0.1"\nport = 99999\n')
    proc = run_cli("run", "--target", str(profile), "--report-dir", str(tmp_path / "r"))
    assert proc.returncode == 2
    assert "port" in _one_clear_line(proc)


def test_unreachable_target_exits_3_with_one_line(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]     # bound but not listening: nothing answers there
        proc = run_cli("run", "--dimse", f"NOBODY@127.0.0.1:{port}", "--report-dir", str(tmp_path / "r"), timeout=60)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "cannot connect" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_unknown_fault_is_a_usage_error(tmp_path):
    proc = run_cli("run", "--fault", "no-such-fault", "--report-dir", str(tmp_path / "r"))
    assert proc.returncode == 2
    assert "unknown fault" in _one_clear_line(proc)


def test_simulate_refuses_a_port_in_use(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        proc = run_cli("simulate", "pacs", "--port", str(port), "--store", str(tmp_path / "s"), timeout=30)
    assert proc.returncode == 2
    assert "in use" in _one_clear_line(proc)


def test_faults_lists_each_fault_with_its_requirement():
    proc = run_cli("faults")
    assert proc.returncode == 0
    assert "store-discards" in proc.stdout and "STORE-RETAINS-INSTANCE" in proc.stdout
    assert "Client faults of the modality: `simulate modality --fault NAME`" in proc.stdout
    assert proc.stdout.index("client-omits-type1") > proc.stdout.index("Client faults of the modality")


@pytest.mark.parametrize("args, expected", [
    (["run", "--fault", "client-omits-type1"], "fault 'client-omits-type1' belongs to the modality simulator, not "
                                                "this one: use it with `dicom-harness simulate modality --fault NAME`"),
    (["simulate", "modality", "--worklist", "X@127.0.0.1:1", "--store", "X@127.0.0.1:1", "--fault", "echo-failure"],
     "fault 'echo-failure' belongs to the server simulators, not this one"),
    (["simulate", "viewer", "--url", "http://127.0.0.1:1/dicom-web", "--fault", "client-omits-type1"],
     "fault 'client-omits-type1' belongs to the modality simulator"),
])
def test_a_fault_given_to_the_wrong_simulator_is_one_line(tmp_path, args, expected):
    proc = run_cli(*args, "--report-dir", str(tmp_path)) if args[0] == "run" else run_cli(*args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert expected in _one_clear_line(proc)


def test_single_test_rerun_command_works(tmp_path):
    proc = run_cli("run", "--report-dir", str(tmp_path), "--test",
                   "verification/test_c_echo.py::test_echo_is_answered_with_success")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 PASS" in proc.stdout


def test_unwritable_report_dir_is_a_usage_error():
    proc = run_cli("run", "--report-dir", "/proc/not-here/report")
    assert proc.returncode == 2
    assert "cannot write the report" in _one_clear_line(proc)


def test_dicomweb_quick_form_tests_a_running_service(tmp_path):
    """`run --dicomweb URL` against the DICOMweb simulator as a user starts it: the web suites PASS, the rest
    is NOT CLAIMED; a wrong URL exits 2 and a silent one 3, each with one line."""
    import json
    import signal
    import subprocess

    from dicom_harness.shared import verdicts
    from dicom_harness.targets.ports import free_port
    from tests.conftest import CLI
    port = free_port()
    server = subprocess.Popen([*CLI, "simulate", "dicomweb", "--port", str(port), "--store", str(tmp_path / "store")],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "DICOMweb simulator at" in server.stdout.readline()
        proc = run_cli("run", "--dicomweb", f"http://127.0.0.1:{port}/dicom-web", "--report-dir", str(tmp_path / "r"))
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=15)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    records = json.loads((tmp_path / "r" / "results.json").read_text())["results"]
    by_service = {}
    for record in records:
        by_service.setdefault(record["service"], set()).add(record["verdict"])
    assert by_service["qido"] >= {verdicts.PASS} and by_service["stow"] >= {verdicts.PASS}, by_service
    assert by_service["storage"] == {verdicts.NOT_CLAIMED} and by_service["ups"] == {verdicts.NOT_CLAIMED}, by_service
    assert not {verdicts.FAIL, verdicts.ERROR} & {r["verdict"] for r in records}
    assert f"--dicomweb http://127.0.0.1:{port}/dicom-web --test" in records[0]["rerun"]

    malformed = run_cli("run", "--dicomweb", "127.0.0.1:8042", "--report-dir", str(tmp_path / "r2"))
    assert malformed.returncode == 2 and "base URL" in _one_clear_line(malformed)
    silent = run_cli("run", "--dicomweb", f"http://127.0.0.1:{free_port()}/dicom-web", "--report-dir",
                     str(tmp_path / "r3"), timeout=60)
    assert silent.returncode == 3 and "cannot connect" in silent.stdout + silent.stderr


def test_run_options_are_declared_once_for_pytest_and_the_command_line():
    """One table (dicom_harness.plugin.options) makes the pytest options, `run`'s options and re-run commands."""
    import subprocess
    import sys

    from dicom_harness.plugin.options import OPTIONS, rerun_command
    run_help = run_cli("run", "--help").stdout
    pytest_help = subprocess.run([sys.executable, "-m", "pytest", "--help", "-p", "no:cacheprovider"],
                                 capture_output=True, text=True, timeout=120).stdout
    for option in OPTIONS:
        assert option.flag in pytest_help, option.flag
        assert (option.flag in run_help) == option.cli, option.flag
    assert rerun_command({"fault": ["store-discards"]}, "storage/a.py::t") == (
        "dicom-harness run --target simulators --fault store-discards --test storage/a.py::t")
    assert rerun_command({"dimse": "PACS@h:104", "target": None}, "a.py::t[CT]", suite="/my tests") == (
        "dicom-harness run --dimse PACS@h:104 --suite '/my tests' --test 'a.py::t[CT]'")
