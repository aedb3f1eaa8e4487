"""Target data that once made test code raise (ERROR, counted against nobody) is a FAIL with evidence: here a
Storage Commitment result whose Failed SOP Sequence items carry an empty Failure Reason (int(None) raised)."""

from __future__ import annotations

import json

from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from dicom_harness.clients.commitment import CommitmentResult
from dicom_harness.clients.dimse import Response
from dicom_harness.shared import verdicts
from tests.conftest import run_cli


def test_empty_failure_reason_is_read_as_none():
    item = Dataset()
    item.ReferencedSOPInstanceUID = "1.2.3"
    item.add_new(0x00081197, "US", None)          # Failure Reason, zero length
    information = Dataset()
    information.FailedSOPSequence = Sequence([item])
    result = CommitmentResult(action=Response(status=0), transaction_uid="1.2", information=information)
    assert result.failed() == {"1.2.3": None}


def test_empty_failure_reason_gives_fail_not_error(tmp_path):
    report = tmp_path / "report"
    proc = run_cli("run", "--fault", "commit-empty-failure-reason", "--test", "commitment", "--report-dir", str(report))
    records = json.loads((report / "results.json").read_text())["results"]
    by_test = {r["test"].rsplit("::", 1)[-1]: r for r in records}
    record = by_test["test_unknown_instance_is_reported_failed_with_reason"]
    assert record["verdict"] == verdicts.FAIL, (record["verdict"], record["message"])
    assert any("FailureReason(" in line and "=(none)" in line for line in record["evidence"]), record["evidence"]
    assert {r["verdict"] for r in records} - {verdicts.PASS, verdicts.FAIL} == set()
    assert proc.returncode == 1
