"""A storage-only SCP (no C-GET, no C-MOVE: PS3.4 B.1.2 note 1 allows it), described by a profile with
retrieve = "none": what needs no read-back (statuses, negotiation) is judged, what needs it is NOT VERIFIED
with the reason, never ERROR; the exit code is 0 and the reports carry the verdict."""

import json
import xml.etree.ElementTree as ET
from importlib.resources import files

import pytest

from dicom_harness.errors import ProfileError
from dicom_harness.shared import verdicts
from dicom_harness.targets.profile import load_profile
from tests.conftest import StandalonePacs, run_cli

PROFILE = """
name = "a storage-only SCP"
[dimse]
ae_title = "DH_PACS"
host = "127.0.0.1"
port = {port}
[claims]
services = ["verification", "storage"]
storage_sop_classes = ["CTImageStorage", "MRImageStorage"]
storage_transfer_syntaxes = ["ImplicitVRLittleEndian", "ExplicitVRLittleEndian"]
storage_level = 2
retrieve = "none"
"""
REASON = "the target offers no C-GET or C-MOVE, so retention cannot be read back"
# each needs a read-back after the part that can be judged (issue 11 section 9)
NEEDS_READ_BACK = ("STORE-RETAINS-INSTANCE", "STORE-CLAIMED-SOP-CLASSES", "STORE-CLAIMED-TRANSFER-SYNTAXES",
                   "STORE-LEVEL2-KEEPS-ALL", "STORE-DUPLICATE-INSTANCE")


def _run(tmp_path, *fault):
    with StandalonePacs(tmp_path / "store", *fault) as pacs:
        profile = tmp_path / "target.toml"
        profile.write_text(PROFILE.format(port=pacs.port))
        proc = run_cli("run", "--target", str(profile), "--report-dir", str(tmp_path / "report"))
    return proc, json.loads((tmp_path / "report" / "results.json").read_text())


def _by_requirement(records):
    found: dict[str, set[str]] = {}
    for record in records:
        for requirement in record["requirements"]:
            found.setdefault(requirement["id"], set()).add(record["verdict"])
    return found


def test_retention_is_not_verified_and_the_rest_is_judged(tmp_path):
    import jsonschema
    proc, data = _run(tmp_path)
    records = data["results"]
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert not [r for r in records if r["verdict"] in (verdicts.ERROR, verdicts.FAIL)], [
        (r["test"], r["verdict"], r["message"]) for r in records if r["verdict"] in (verdicts.ERROR, verdicts.FAIL)]
    found = _by_requirement(records)
    for rid in NEEDS_READ_BACK:
        assert found[rid] - {verdicts.NOT_CLAIMED} == {verdicts.NOT_VERIFIED}, (rid, found[rid])
    assert found["STORE-MISMATCH-STATUS"] == {verdicts.PASS}          # a status, judged without read-back
    assert found["VERIFY-ECHO-SUCCESS"] == {verdicts.PASS}
    retains = next(r for r in records if r["test"] == "test_stored_instance_reads_back_identical")
    assert REASON in retains["message"], retains["message"]
    assert "C-STORE-RSP" in "\n".join(retains["evidence"])              # the store was made and answered
    # never a PASS in disguise: the score and the coverage do not count it
    assert data["summary"]["overall"].get(verdicts.NOT_VERIFIED), data["summary"]["overall"]
    jsonschema.validate(data, json.loads(files("dicom_harness.reports").joinpath("results.schema.json").read_text()))
    case = ET.parse(tmp_path / "report" / "junit.xml").getroot().find(
        "testsuite/testcase[@name='test_stored_instance_reads_back_identical']")
    assert case.get("status") == verdicts.NOT_VERIFIED
    assert case.find("skipped").get("message").startswith(f"{verdicts.NOT_VERIFIED}: {REASON}")
    assert "NOT VERIFIED" in (tmp_path / "report" / "index.html").read_text()


def test_what_needs_no_read_back_still_fails(tmp_path):
    """MR Image Storage claimed but refused in negotiation (B.3): FAIL before any read-back is attempted."""
    proc, data = _run(tmp_path, "--fault", "refuse-mr-storage")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    by_test = {r["test"]: r["verdict"] for r in data["results"]}
    assert by_test["test_claimed_sop_class_is_stored[MR]"] == verdicts.FAIL
    assert by_test["test_claimed_sop_class_is_stored[CT]"] == verdicts.NOT_VERIFIED
    assert by_test["test_stored_instance_reads_back_identical"] == verdicts.NOT_VERIFIED


def test_retrieve_none_is_a_claim_and_other_words_are_refused(tmp_path):
    profile = tmp_path / "p.toml"
    profile.write_text(PROFILE.format(port=104))
    assert load_profile(profile).claims.retrieve == "none"
    profile.write_text(PROFILE.format(port=104).replace('"none"', '"C-FIND"'))
    with pytest.raises(ProfileError, match="'C-GET', 'C-MOVE' or 'none'"):
        load_profile(profile)
