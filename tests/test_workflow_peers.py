"""Workflow suites against real peers: the worklist suite against dcmtk wlmscpfs (a profile naming the folder
it serves *.wl files from, so the harness can seed items). Orthanc's worklist plugin and storage commitment
run in tests/test_suites_on_orthanc.py (its profile claims both)."""

from __future__ import annotations

import os
import subprocess
import time

from dicom_harness.targets.ports import free_port
from tests.conftest import require_peer, run_suites


def test_worklist_suite_against_dcmtk_wlmscpfs(tmp_path):
    wlmscpfs = require_peer("wlmscpfs")
    database = tmp_path / "wlistdb"
    folder = database / "WLMSCP"
    folder.mkdir(parents=True)
    (folder / "lockfile").touch()
    port = free_port()
    # -csk: keep the worklist files' character set (the default, -cs0, drops Specific Character Set: a declared
    # deviation of the shipped wlmscpfs profile, which tests/test_suites_on_wlmscpfs.py runs)
    process = subprocess.Popen([wlmscpfs, "-csk", "-dfp", str(database), str(port)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT, env=dict(os.environ, TCP_NODELAY="1"))
    try:
        import socket
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        profile = tmp_path / "wlmscpfs.toml"
        profile.write_text(f'''name = "dcmtk wlmscpfs"
[dimse]
ae_title = "WLMSCP"
host = "127.0.0.1"
port = {port}
[claims]
services = ["verification", "worklist"]
[worklist]
folder = "{folder}"
''')
        proc, records = run_suites(tmp_path / "report", "--target", str(profile), "--test", "worklist")
    finally:
        process.terminate()
        process.wait(timeout=15)
    verdicts = {r["test"]: r["verdict"] for r in records}
    assert len(verdicts) >= 25 and set(verdicts.values()) == {"PASS"}, (
        [(r["test"], r["verdict"], r["message"]) for r in records], proc.stderr[-1500:])
    assert proc.returncode == 0


def test_worklist_tests_not_claimed_without_a_way_to_seed(tmp_path):
    """A profile that claims worklist but names no worklist folder: the tests that must seed items are NOT
    CLAIMED; those that need no item (no matches; the extended negotiation answers) still run."""
    from dicom_harness.simulators.ris import RisSimulator, WorklistStore
    ris = RisSimulator(WorklistStore(), ae_title="DH_RIS").start()
    try:
        profile = tmp_path / "ris.toml"
        profile.write_text(f'name = "RIS without folder"\n[dimse]\nae_title = "DH_RIS"\nhost = "127.0.0.1"\n'
                           f'port = {ris.port}\n[claims]\nservices = ["worklist"]\n')
        proc, records = run_suites(tmp_path / "report", "--target", str(profile), "--test", "worklist")
    finally:
        ris.stop()
    shown = [(r["test"], r["verdict"], r["message"]) for r in records]
    passed = [test for test, verdict, _ in shown if verdict == "PASS"]
    assert sorted(passed) == ["test_no_extended_negotiation_unless_offered", "test_query_without_matches_gets_success_only",
                              "test_three_byte_offer_gets_three_bytes"], shown
    assert all(verdict == "NOT CLAIMED" and "no way to put worklist items" in message
               for _, verdict, message in shown if verdict != "PASS"), shown
    assert len(shown) - len(passed) >= 20, shown
    assert proc.returncode == 0
