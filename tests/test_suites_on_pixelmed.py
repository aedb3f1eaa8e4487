"""Every suite against PixelMed's DicomAndWebStorageServer started by the test run (a third independent
implementation, Debian's libpixelmed-java): no FAIL and no ERROR beyond declared deviations; its Query/Retrieve
tests run (Patient Root and Study Root FIND, MOVE, GET) and its WADO-URI tests run.

One FAIL is the suite's, not PixelMed's, and is allowed here by name until the test is fixed:
ASSOC-ACCEPT-DEFAULT-TS proposes Verification twice (Implicit VR Little Endian only; Explicit VR Little Endian
only) on one association. PixelMed accepts one context per abstract syntax, the Explicit one, and rejects the
other with result 2; PS3.8 7.1.1.14 leaves each result to the acceptor, and an association proposing Implicit
VR Little Endian alone is accepted, so the default transfer syntax is supported (PS3.5 10.1). When the test
learns that, this allowance fails and must go."""

from tests.conftest import require_peer, run_suites

# test name -> what its (wrong) FAIL says on PixelMed
SUITE_PROBLEMS = {"test_default_transfer_syntax_is_accepted": "context 1: result 2"}


def test_suites_against_pixelmed(tmp_path):
    require_peer("/usr/share/java/pixelmed.jar")
    require_peer("java")
    proc, records = run_suites(tmp_path, "--target", "pixelmed")
    allowed = [r for r in records if r["verdict"] == "FAIL" and r["test"] in SUITE_PROBLEMS
               and SUITE_PROBLEMS[r["test"]] in r["message"]]
    unexpected = [(r["test"], r["verdict"], r["message"]) for r in records
                  if r["verdict"] not in ("PASS", "DEVIATION", "NOT CLAIMED", "NOT VERIFIED") and r not in allowed]
    assert not unexpected, unexpected
    assert proc.returncode == (1 if allowed else 0), proc.stderr[-2000:]
    declared = {r["requirements"][0]["id"] for r in records if r["verdict"] == "DEVIATION"}
    assert declared, "no declared deviation showed: the profile's deviations are not being applied"
    by_service = {s: sum(r["verdict"] == "PASS" for r in records if r["service"] == s)
                  for s in ("query_retrieve", "storage", "wado_uri")}
    assert by_service["query_retrieve"] >= 30 and by_service["storage"] >= 10 and by_service["wado_uri"] >= 3, (
        by_service)
