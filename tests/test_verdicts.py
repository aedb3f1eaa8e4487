"""Verdicts beyond pass/fail: declared deviations, fixed deviations, not claimed; and the exit codes."""

import json

import pytest

from dicom_harness.shared import verdicts
from tests.conftest import StandalonePacs, run_cli


@pytest.mark.parametrize("outcome, levels, deviated, expected", [
    ("passed", ["SHALL"], False, verdicts.PASS),
    ("passed", ["SHALL"], True, verdicts.FIXED),
    ("failed", ["SHALL"], False, verdicts.FAIL),
    ("failed", ["SHOULD"], False, verdicts.WARN),
    ("failed", ["SHALL"], True, verdicts.DEVIATION),
    ("not-claimed", ["SHALL"], False, verdicts.NOT_CLAIMED),
    ("not-verified", ["SHALL"], False, verdicts.NOT_VERIFIED),
    ("not-verified", ["SHALL"], True, verdicts.NOT_VERIFIED),     # a declared deviation cannot be confirmed either
    ("error", ["SHALL"], True, verdicts.ERROR),
])
def test_judge(outcome, levels, deviated, expected):
    assert verdicts.judge(outcome, levels, deviated) == expected


def test_exit_codes():
    assert verdicts.exit_code([verdicts.PASS, verdicts.DEVIATION, verdicts.NOT_CLAIMED]) == 0
    assert verdicts.exit_code([verdicts.NOT_VERIFIED, verdicts.NOT_CLAIMED]) == 0
    assert verdicts.NOT_VERIFIED not in verdicts.PROBLEMS
    assert verdicts.ORDER.index(verdicts.NOT_VERIFIED) == verdicts.ORDER.index(verdicts.NOT_CLAIMED) + 1
    assert verdicts.exit_code([verdicts.PASS, verdicts.FAIL, verdicts.ERROR]) == 1
    assert verdicts.exit_code([verdicts.PASS, verdicts.ERROR]) == 4


PROFILE = """
name = "standalone simulator with declared deviations"
[dimse]
ae_title = "DH_PACS"
host = "127.0.0.1"
port = {port}
[claims]
services = ["verification", "storage"]
storage_sop_classes = ["CTImageStorage"]
storage_transfer_syntaxes = ["ExplicitVRLittleEndian"]
storage_level = 2
[[deviations]]
requirement = "STORE-LEVEL2-KEEPS-ALL"
reason = "private attributes are dropped (simulated with --fault drop-private)"
[[deviations]]
requirement = "VERIFY-ECHO-SUCCESS"
reason = "declared, but this target does answer C-ECHO correctly"
"""


def test_profile_deviations_become_deviation_and_fixed(tmp_path):
    with StandalonePacs(tmp_path / "store", "--fault", "drop-private") as pacs:
        profile = tmp_path / "target.toml"
        profile.write_text(PROFILE.format(port=pacs.port))
        proc = run_cli("run", "--target", str(profile), "--report-dir", str(tmp_path / "report"),
                       "-k", "level2 or echo_is_answered or claimed_sop_class")
    records = json.loads((tmp_path / "report" / "results.json").read_text())["results"]
    by_test = {r["test"]: r["verdict"] for r in records}
    assert by_test["test_level2_keeps_type3_and_private_attributes"] == verdicts.DEVIATION
    assert by_test["test_echo_is_answered_with_success"] == verdicts.FIXED
    assert by_test["test_claimed_sop_class_is_stored[CT]"] == verdicts.PASS
    assert by_test["test_claimed_sop_class_is_stored[MR]"] == verdicts.NOT_CLAIMED
    assert proc.returncode == 0, proc.stdout + proc.stderr
