"""The robustness suite (opt-in: tests/robustness_run.py adds the claim the shipped profiles leave out) against a
real Orthanc and dcmqrscp started by the test run: no FAIL and no ERROR beyond the deviations their profiles
declare, and the suite's tests do run (PASS or DEVIATION) rather than all ending NOT CLAIMED."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_peer

ROOT = Path(__file__).resolve().parent.parent


def _run(report_dir: Path, target: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    proc = subprocess.run([sys.executable, "-m", "tests.robustness_run", "--target", target, "--test", "robustness",
                           "--report-dir", str(report_dir)], capture_output=True, text=True, timeout=600, cwd=ROOT)
    results = report_dir / "results.json"
    return proc, json.loads(results.read_text())["results"] if results.exists() else []


@pytest.mark.parametrize(("binary", "target", "ran"), [
    ("/usr/sbin/Orthanc", "orthanc", 6),          # DIMSE and DICOMweb
    ("dcmqrscp", "dcmqrscp", 3),                  # DIMSE only: the DICOMweb tests are NOT CLAIMED
])
def test_robustness_suite_on_peer(tmp_path, binary, target, ran):
    require_peer(binary)
    proc, records = _run(tmp_path, target)
    unexpected = [(r["test"], r["verdict"], r["message"][:300]) for r in records
                  if r["verdict"] not in ("PASS", "DEVIATION", "NOT CLAIMED")]
    assert not unexpected, unexpected
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    judged = [r for r in records if r["verdict"] in ("PASS", "DEVIATION")]
    assert len(judged) == ran, [(r["test"], r["verdict"]) for r in records]
