"""The command line as a new user meets it: help, bad input, exit codes, one-line errors."""

import socket

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


def test_single_test_rerun_command_works(tmp_path):
    proc = run_cli("run", "--report-dir", str(tmp_path), "--test",
                   "verification/test_c_echo.py::test_echo_is_answered_with_success")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 PASS" in proc.stdout


def test_unwritable_report_dir_is_a_usage_error():
    proc = run_cli("run", "--report-dir", "/proc/not-here/report")
    assert proc.returncode == 2
    assert "cannot write the report" in _one_clear_line(proc)
