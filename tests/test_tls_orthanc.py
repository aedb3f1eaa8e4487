"""Orthanc 1.10.1 with DICOM TLS (DicomTlsEnabled, a client certificate required): the harness's client over TLS
and the security suite, against a real product."""

from __future__ import annotations

import pytest

from dicom_harness.shared.tls import generate
from dicom_harness.targets.orthanc import OrthancProcess
from tests.conftest import require_peer, run_suites


def _profile(path, orthanc, certificates, tls_profile: str):
    path.write_text(f'''name = "Orthanc 1.10.1 with DICOM TLS"
[dimse]
ae_title = "ORTHANC"
host = "127.0.0.1"
port = {orthanc.dicom_port}
tls = true
ca = "{certificates.ca}"
cert = "{certificates.client_cert}"
key = "{certificates.client_key}"
[claims]
services = ["verification", "storage", "security"]
storage_sop_classes = ["CTImageStorage", "MRImageStorage"]
retrieve = "C-GET"
tls_profile = "{tls_profile}"
tls_client_auth = true
''')
    return path


@pytest.fixture(scope="module")
def orthanc_tls(tmp_path_factory):
    require_peer("/usr/sbin/Orthanc")
    certificates = generate(tmp_path_factory.mktemp("tls"))
    orthanc = OrthancProcess(dicomweb=False, tls=certificates).start()
    yield orthanc, certificates
    orthanc.stop()


def test_orthanc_over_tls_meets_the_bcp195_profile(tmp_path, orthanc_tls):
    """Claimed as B.9 (BCP 195, which allows fallback to older versions): verification, storage and mutual
    authentication over TLS pass; the B.10 additions are NOT CLAIMED."""
    orthanc, certificates = orthanc_tls
    profile = _profile(tmp_path / "orthanc-tls.toml", orthanc, certificates, "bcp195")
    proc, records = run_suites(tmp_path / "report", "--target", str(profile), "--test=security",
                               "--test=verification", "--test=storage")
    unexpected = [(r["test"], r["verdict"], r["message"]) for r in records
                  if r["verdict"] not in ("PASS", "NOT CLAIMED", "NOT VERIFIED")]
    assert not unexpected, unexpected
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    passed = {q["id"] for r in records if r["verdict"] == "PASS" for q in r["requirements"]}
    assert {"SEC-TLS-CLIENT-AUTH", "VERIFY-ECHO-SUCCESS"} <= passed


def test_orthanc_negotiates_tls_1_0_so_it_is_not_non_downgrading(tmp_path, orthanc_tls):
    """Measured: Orthanc 1.10.1 (dcmtk's TLS layer) completes a TLS 1.0 and a TLS 1.1 handshake (AES128-SHA),
    which PS3.15 B.10 forbids; everything else B.10 adds holds (the four suites, no plain association)."""
    orthanc, certificates = orthanc_tls
    profile = _profile(tmp_path / "orthanc-tls.toml", orthanc, certificates, "non-downgrading")
    proc, records = run_suites(tmp_path / "report", "--target", str(profile), "--test=security")
    failing = {(q["id"], r["verdict"]) for r in records if r["verdict"] not in ("PASS", "NOT CLAIMED")
               for q in r["requirements"]}
    assert failing == {("SEC-TLS-NO-OLD-VERSIONS", "FAIL")}, [(r["test"], r["verdict"], r["message"])
                                                             for r in records]
    assert any("TLSv1," in line for r in records for line in r["evidence"] if "established" in line)
