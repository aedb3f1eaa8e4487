"""Read-back by C-MOVE, for products that do not offer C-GET: a running PACS (the standalone simulator, as a
user starts it) described by a profile with retrieve = "C-MOVE"; stored instances come back to the harness
peer, and a PACS that loses them fails (not an ERROR)."""

import json

from dicom_harness.shared import verdicts
from dicom_harness.targets.ports import free_port
from tests.conftest import StandalonePacs, run_cli

PROFILE = """
name = "a C-MOVE-only PACS"
[dimse]
ae_title = "DH_PACS"
host = "127.0.0.1"
port = {port}
[peer]
ae_title = "DH_READBACK"
port = {peer_port}
[claims]
services = ["verification", "storage"]
storage_sop_classes = ["CTImageStorage", "MRImageStorage"]
storage_transfer_syntaxes = ["ExplicitVRLittleEndian"]
retrieve = "C-MOVE"
"""
TESTS = "test_stored_instance_reads_back_identical or test_claimed_sop_class_is_stored"


def _run(tmp_path, *fault, destination_known=True):
    peer_port = free_port()
    known = ["--move-dest", f"DH_READBACK=127.0.0.1:{peer_port}"] if destination_known else []
    with StandalonePacs(tmp_path / "store", *known, *fault) as pacs:
        profile = tmp_path / "target.toml"
        profile.write_text(PROFILE.format(port=pacs.port, peer_port=peer_port))
        proc = run_cli("run", "--target", str(profile), "--report-dir", str(tmp_path / "report"), "-k", TESTS)
    return proc, json.loads((tmp_path / "report" / "results.json").read_text())["results"]


def test_stored_instances_come_back_by_move(tmp_path):
    proc, records = _run(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    claimed = [r for r in records if r["verdict"] != verdicts.NOT_CLAIMED]
    assert [r["verdict"] for r in claimed] == [verdicts.PASS] * 3, [(r["test"], r["verdict"]) for r in records]
    evidence = "\n".join(claimed[0]["evidence"])
    assert "C-MOVE-RQ" in evidence and "arrived at DH_READBACK by C-STORE" in evidence, evidence


def test_a_pacs_that_loses_instances_fails_the_read_back(tmp_path):
    proc, records = _run(tmp_path, "--fault", "store-discards")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    claimed = [r for r in records if r["verdict"] != verdicts.NOT_CLAIMED]
    assert [r["verdict"] for r in claimed] == [verdicts.FAIL] * 3, [(r["test"], r["verdict"]) for r in records]
    assert "delivered nothing" in claimed[0]["message"], claimed[0]["message"]


def test_an_unregistered_harness_peer_is_a_harness_error(tmp_path):
    """A801 says the target does not know our peer: a set-up problem to fix, never counted against it."""
    proc, records = _run(tmp_path, destination_known=False)
    assert proc.returncode == 4, proc.stdout + proc.stderr
    claimed = [r for r in records if r["verdict"] != verdicts.NOT_CLAIMED]
    assert {r["verdict"] for r in claimed} == {verdicts.ERROR}, [(r["test"], r["verdict"]) for r in records]
    assert "register DH_READBACK" in claimed[0]["message"], claimed[0]["message"]
