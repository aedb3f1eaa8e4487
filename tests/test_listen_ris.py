"""`dicom-harness listen --as ris` / `--as pacs,ris` judging real RIS- and commitment-facing clients: dcmtk's
findscu as a Modality Worklist SCU, and the modality simulator's whole acquisition (worklist query, MPPS, store,
storage commitment); and the scenario's own messages."""

from __future__ import annotations

import json
import shlex
import subprocess

import pytest

from tests.conftest import require_peer, run_cli
from tests.fault_batch import listen_to_modality

WORKLIST_SCU = {"MWL-SCU-QUERIES-CLAIMED", "MWL-SCU-SOP-CLASS", "MWL-SCU-SEQUENCE-ONE-ITEM", "MWL-SCU-CHARSET",
                "MWL-SCU-TIMEZONE-NOT-EMPTY", "MWL-SCU-NO-QR-LEVEL"}


def _records(report_dir) -> dict[str, dict]:
    return {r["requirements"][0]["id"]: r for r in json.loads((report_dir / "results.json").read_text())["results"]}


def _listen_to_findscu(report_dir, *keys: str) -> subprocess.CompletedProcess:
    findscu = require_peer("findscu")
    require_peer("dciodvfy")
    drive = " ".join([shlex.quote(findscu), "-W", "-aec", "{ae}", "{host}", "{port}",
                      *(f"-k {shlex.quote(key)}" for key in keys)])
    return run_cli("listen", "--as", "ris", "--scenario", "worklist", "--port", "0", "--product", "dcmtk findscu -W",
                   "--report-dir", str(report_dir), "--drive", drive, timeout=120)


def test_findscu_worklist_query_passes(tmp_path):
    """findscu -W with a sequence matching key and return keys: every worklist SCU requirement PASS, MPPS and
    commitment NOT CLAIMED (the scenario claims only the worklist step)."""
    proc = _listen_to_findscu(tmp_path, "ScheduledProcedureStepSequence[0].Modality=CT", "PatientName", "PatientID",
                              "ScheduledProcedureStepSequence[0].ScheduledStationAETitle")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    records = _records(tmp_path)
    verdicts = {rid: r["verdict"] for rid, r in records.items()}
    assert {verdicts[rid] for rid in WORKLIST_SCU} == {"PASS"}, verdicts
    assert {v for rid, v in verdicts.items() if rid.startswith(("MPPS-SCU", "COMMIT-SCU", "STORE-SCU"))} == \
        {"NOT CLAIMED"}
    assert "listening as RIS: AE DH_RIS" in proc.stdout


def test_findscu_with_latin1_key_and_no_character_set_fails_charset_only(tmp_path):
    """The same query matching Patient's Name MÜLLER* in ISO 8859-1 without Specific Character Set: a breach of
    PS3.4 K.4.1.1.3.1 by the query as asked (dcmtk adds no Specific Character Set of its own); with
    SpecificCharacterSet=ISO_IR 100 it passes."""
    latin1 = "PatientName=M\u00dcLLER*"
    proc = _listen_to_findscu(tmp_path / "bare", latin1, "ScheduledProcedureStepSequence[0].Modality=CT")
    records = _records(tmp_path / "bare")
    failed = {rid for rid, r in records.items() if r["verdict"] not in ("PASS", "NOT CLAIMED")}
    assert failed == {"MWL-SCU-CHARSET"}, {rid: records[rid]["message"] for rid in failed}
    assert proc.returncode == 1
    assert "PS3.4 K.4.1.1.3.1" in records["MWL-SCU-CHARSET"]["message"]
    declared = _listen_to_findscu(tmp_path / "declared", latin1, "SpecificCharacterSet=ISO_IR 100",
                                  "ScheduledProcedureStepSequence[0].Modality=CT")
    assert declared.returncode == 0, declared.stdout[-3000:]
    assert _records(tmp_path / "declared")["MWL-SCU-CHARSET"]["verdict"] == "PASS"


def test_modality_simulator_full_acquisition_passes(tmp_path):
    """The modality simulator under --as pacs,ris --scenario worklist,mpps,store,commitment: every client-side
    requirement PASS."""
    require_peer("dciodvfy")
    proc = run_cli(*listen_to_modality(tmp_path), timeout=180)
    records = {rid: r for rid, r in _records(tmp_path).items() if r["verdict"] != "NOT CLAIMED"}   # DICOMweb's
    assert {r["verdict"] for r in records.values()} == {"PASS"}, {k: r["message"] for k, r in records.items()
                                                                 if r["verdict"] != "PASS"}
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert WORKLIST_SCU | {"MPPS-SCU-FINAL-STATE", "COMMIT-SCU-WELL-KNOWN-INSTANCE"} <= set(records)


def test_a_claimed_worklist_query_and_mpps_that_never_come_fail(tmp_path):
    """--as ris claims worklist and mpps by default: a product that sends nothing FAILs both, naming what was
    expected, and the rest is NOT VERIFIED."""
    proc = run_cli("listen", "--as", "ris", "--port", "0", "--report-dir", str(tmp_path), "--drive", "true")
    assert proc.returncode == 1, proc.stdout[-2000:] + proc.stderr[-2000:]
    records = _records(tmp_path)
    assert "expected a Modality Worklist C-FIND; none arrived" in records["MWL-SCU-QUERIES-CLAIMED"]["message"]
    assert ("expected an MPPS N-CREATE, then an N-SET to COMPLETED or DISCONTINUED"
            in records["MPPS-SCU-SENDS-CLAIMED"]["message"])
    assert records["MWL-SCU-SOP-CLASS"]["verdict"] == records["MPPS-SCU-FINAL-STATE"]["verdict"] == "NOT VERIFIED"
    assert records["COMMIT-SCU-SENDS-CLAIMED"]["verdict"] == "NOT CLAIMED"


@pytest.mark.parametrize("args, expected", [
    (["--as", "ris", "--scenario", "commitment"],
     "--scenario commitment needs --as pacs (it expects a Storage Commitment N-ACTION); add it, e.g. --as ris,pacs"),
    (["--as", "pacs", "--scenario", "worklist"], "--scenario worklist needs --as ris"),
])
def test_a_step_without_its_counterpart_gets_one_line(tmp_path, args, expected):
    proc = run_cli("listen", "--port", "0", "--report-dir", str(tmp_path), *args, timeout=60)
    assert proc.returncode == 2 and expected in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
