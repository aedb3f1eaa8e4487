"""`dicom-harness load` (Locust as a library) against the built-in simulators, which the command starts in a
process of their own: a short bounded load with two local Locust workers and --check reads back every
acknowledged instance; with the PACS simulator's store-discards fault --check lists the losses and exits 1.
Always through a subprocess: importing Locust monkey-patches the process with gevent."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from tests.conftest import CLI, IN_CI, run_cli

OPERATIONS = ("C-ECHO", "C-STORE", "C-FIND", "C-GET", "STOW-RS", "QIDO-RS", "WADO-RS")
EVERY_OPERATION = "echo=1,store=1,find=1,get=1,stow=1,qido=1,wado=1"


@pytest.fixture(autouse=True)
def _locust():
    if importlib.util.find_spec("locust") is None:
        message = "locust is not installed (pip install -e '.[test]')"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


def _load(report_dir: Path, *args: str, timeout: float = 240) -> tuple[int, str]:
    """The load command in a session of its own; afterwards no process of that session may be left (the target's
    holder and the Locust workers end with the command)."""
    proc = subprocess.Popen([*CLI, "load", "--report-dir", str(report_dir), *args], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        output, _ = proc.communicate(timeout=timeout)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)        # only the session this test started
            proc.wait()
    leftover = subprocess.run(["pgrep", "-s", str(proc.pid)], capture_output=True, text=True).stdout.split()
    assert leftover == [], f"processes left running after the load: {leftover}\n{output[-3000:]}"
    return proc.returncode, output


def _stats(report_dir: Path) -> dict[str, dict]:
    with (report_dir / "load_stats.csv").open(newline="") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


def test_bounded_load_on_two_workers_loses_nothing(tmp_path):
    code, output = _load(tmp_path, "--users", "7", "--spawn-rate", "7", "--duration", "3", "--workers", "2",
                         "--mix", EVERY_OPERATION, "--check")
    assert code == 0, output[-3000:]
    assert "2 Locust workers" in output
    stats = _stats(tmp_path)
    for operation in OPERATIONS:
        assert int(stats[operation]["Request Count"]) > 0, f"{operation} never ran:\n{output[-3000:]}"
        assert stats[operation]["Failure Count"] == "0", output[-3000:]
        assert f"\n{operation} " in output                      # the terminal table has a row per operation
    for column in ("50%", "95%", "99%", "Requests/s"):
        assert stats["Aggregated"][column]
    checked = json.loads((tmp_path / "load-check.json").read_text())
    acknowledged = (tmp_path / "load-acknowledged.jsonl").read_text().splitlines()
    # every worker's acknowledgements reached the master: C-STORE and STOW-RS counts, plus the seeded studies
    assert len(acknowledged) >= int(stats["C-STORE"]["Request Count"]) + int(stats["STOW-RS"]["Request Count"])
    assert checked["acknowledged"] == len(acknowledged) == checked["identical"]
    assert checked["lost"] == [] and checked["changed"] == []
    assert f"{len(acknowledged)} acknowledged, {len(acknowledged)} read back identical, 0 lost, 0 changed" in output
    html = (tmp_path / "load.html").read_text()
    assert "C-STORE" in html and "<script" in html
    assert (tmp_path / "load_stats_history.csv").stat().st_size > 0


def test_check_lists_instances_a_discarding_pacs_lost(tmp_path):
    code, output = _load(tmp_path, "--users", "2", "--duration", "2", "--mix", "store=1",
                         "--fault", "store-discards", "--check")
    assert code == 1, output[-3000:]
    checked = json.loads((tmp_path / "load-check.json").read_text())
    assert checked["acknowledged"] > 0 and checked["identical"] == 0
    assert len(checked["lost"]) == checked["acknowledged"]
    assert {item["sent_by"] for item in checked["lost"]} == {"C-STORE"}
    assert "lost: " in output and f"{checked['acknowledged']} lost" in output
    assert _stats(tmp_path)["C-STORE"]["Failure Count"] == "0"      # the target said Success every time


def test_an_unknown_operation_in_the_mix_is_a_usage_error_before_anything_starts(tmp_path):
    proc = run_cli("load", "--report-dir", str(tmp_path), "--mix", "store=2,retrieve=1", timeout=60)
    assert proc.returncode == 2
    assert "--mix: unknown operation 'retrieve'" in proc.stderr
    assert "starting" not in proc.stdout


def test_without_locust_the_command_says_how_to_install_it(tmp_path):
    hidden = tmp_path / "hide"
    (hidden / "locust").mkdir(parents=True)
    (hidden / "locust" / "__init__.py").write_text("raise ImportError('No module named locust')\n")
    env = {**os.environ, "PYTHONPATH": f"{hidden}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    proc = subprocess.run([*CLI, "load", "--report-dir", str(tmp_path / "r")], capture_output=True, text=True,
                          timeout=60, env=env)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "dicom-harness: load needs Locust: pip install 'dicom-harness[load]'"


def test_the_target_is_named_and_checked_as_run_does_it(tmp_path):
    faulty = run_cli("load", "--report-dir", str(tmp_path), "--target", "orthanc", "--fault", "store-discards",
                     timeout=60)
    assert faulty.returncode == 2
    assert "--fault only applies to the built-in simulators" in faulty.stderr
    from dicom_harness.targets.ports import free_port
    nobody = run_cli("load", "--report-dir", str(tmp_path), "--dimse", f"NOBODY@127.0.0.1:{free_port()}",
                     timeout=60)
    assert nobody.returncode == 3
    assert "cannot connect to NOBODY@127.0.0.1" in nobody.stderr
