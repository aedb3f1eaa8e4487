"""Every suite against dcmtk's dcmqrscp started by the test run: no FAIL and no ERROR beyond declared
deviations; its Query/Retrieve tests run (it claims Patient Root and Study Root, strictly hierarchical)."""

from tests.conftest import require_peer, run_suites


def test_suites_against_dcmqrscp(tmp_path):
    require_peer("dcmqrscp")
    proc, records = run_suites(tmp_path, "--target", "dcmqrscp")
    unexpected = [(r["test"], r["verdict"], r["message"]) for r in records
                  if r["verdict"] not in ("PASS", "DEVIATION", "NOT CLAIMED")]
    assert not unexpected, unexpected
    assert proc.returncode == 0, proc.stderr[-2000:]
    qr = [r for r in records if r["service"] == "query_retrieve"]
    assert sum(r["verdict"] == "PASS" for r in qr) >= 20, [(r["test"], r["verdict"]) for r in qr]
