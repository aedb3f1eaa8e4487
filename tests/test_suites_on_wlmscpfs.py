"""Every suite against dcmtk's wlmscpfs started by the test run: no FAIL and no ERROR beyond declared deviations;
it claims Verification and Modality Worklist only, so its worklist tests run on items the harness seeds in the
folder it serves and everything else is NOT CLAIMED."""

from tests.conftest import require_peer, run_suites


def test_suites_against_wlmscpfs(tmp_path):
    require_peer("wlmscpfs")
    proc, records = run_suites(tmp_path, "--target", "wlmscpfs")
    unexpected = [(r["test"], r["verdict"], r["message"]) for r in records
                  if r["verdict"] not in ("PASS", "DEVIATION", "NOT CLAIMED")]
    assert not unexpected, unexpected
    assert proc.returncode == 0, proc.stderr[-2000:]
    worklist = [r for r in records if r["service"] == "worklist"]
    assert sum(r["verdict"] == "PASS" for r in worklist) >= 25, [(r["test"], r["verdict"]) for r in worklist]
    claimed_elsewhere = [r["test"] for r in records if r["service"] in ("storage", "query_retrieve", "mpps")
                         and r["verdict"] != "NOT CLAIMED"]
    assert not claimed_elsewhere, claimed_elsewhere


def test_a_missing_wlmscpfs_is_a_one_line_provider_error(monkeypatch):
    import pytest

    from dicom_harness.errors import ProviderError
    from dicom_harness.targets import wlmscpfs
    monkeypatch.setattr(wlmscpfs, "WLMSCPFS_BINARY", "/nonexistent/wlmscpfs")
    with pytest.raises(ProviderError) as raised:
        wlmscpfs.WlmscpfsProcess().start()
    assert str(raised.value) == ("wlmscpfs is not installed: run 'apt-get install dcmtk' or pick another --target")


def test_the_provider_seeds_the_folder_wlmscpfs_serves_for_its_ae_title():
    require_peer("wlmscpfs")
    from dicom_harness.shared.worklist import worklist_item
    from dicom_harness.targets.providers import make_provider
    provider = make_provider("wlmscpfs")
    target = provider.start()
    try:
        folder = provider.worklist_folder
        assert folder.name == target.dimse.ae_title and (folder / "lockfile").is_file()
        [written] = provider.seed_worklist([worklist_item()])
        assert written.parent == folder and written.suffix == ".wl"
    finally:
        provider.stop()
    assert not folder.exists()
