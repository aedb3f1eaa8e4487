"""PS3.15 B.10 and B.11 (the Non-Downgrading and Extended BCP 195 TLS profiles) and 1.1, on the target's DIMSE TLS
port. B.1, the Basic TLS profile, is retired in this edition ("Retired. See PS3.15 2018a.")."""

import pytest

from dicom_harness.testing import NotClaimed, NotVerified, requirement

STRICT_PROFILES = ("non-downgrading", "extended")
# PS3.15 B.10 / B.11: "The following cipher suites shall all be supported" (IANA name: OpenSSL name)
REQUIRED_SUITES = {
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256": "DHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384": "DHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
}


def _strict_claimed(claims) -> None:
    if claims.tls_profile not in STRICT_PROFILES:
        raise NotClaimed(f"the profile claims tls_profile = {claims.tls_profile!r} (PS3.15 B.9), which does not add "
                         "the B.10 / B.11 restrictions")


@requirement("SEC-TLS-STRICT")
def test_no_plain_association_on_the_tls_port(secure_dimse, claims):
    """Send an A-ASSOCIATE-RQ in the clear to the TLS port; under PS3.15 B.10 / B.11 clients and servers shall
    prefer strict TLS, so no association may come of it (no A-ASSOCIATE-AC)."""
    _strict_claimed(claims)
    reply = secure_dimse.plain_associate()
    assert reply.data[:1] != b"\x02", (
        f"expected no association in the clear on the TLS port {secure_dimse.address} (PS3.15 B.10: strict TLS), "
        f"observed an A-ASSOCIATE-AC ({reply.describe()})")


@pytest.mark.parametrize("version", ["TLSv1", "TLSv1.1"])
@requirement("SEC-TLS-NO-OLD-VERSIONS")
def test_old_tls_versions_are_not_negotiated(secure_dimse, claims, version):
    """Offer only TLS 1.0, then only TLS 1.1; PS3.15 B.10 / B.11: implementations shall not negotiate TLS
    version 1.1 or TLS version 1.0, so the handshake must fail."""
    _strict_claimed(claims)
    found = secure_dimse.handshake(versions=(version, version))
    if found.offered_nothing:
        raise NotVerified(f"the harness's TLS library cannot offer {version} here: {found.problem}")
    assert not found.established, (
        f"expected no TLS session when only {version} is offered (PS3.15 B.10), observed {found.describe()}")


@pytest.mark.parametrize("suite", sorted(REQUIRED_SUITES))
@requirement("SEC-TLS-SUITES")
def test_each_required_suite_is_supported(secure_dimse, claims, suite):
    """Offer TLS 1.2 with this one cipher suite; PS3.15 B.10 / B.11 list four suites that shall all be
    supported, so the handshake completes with it."""
    _strict_claimed(claims)
    found = secure_dimse.handshake(versions=("TLSv1.2", "TLSv1.2"), cipher=REQUIRED_SUITES[suite])
    if found.offered_nothing:
        raise NotVerified(f"the harness's TLS library cannot offer {suite} here: {found.problem}")
    assert found.established and found.cipher == REQUIRED_SUITES[suite], (
        f"expected a TLS 1.2 session with {suite} (PS3.15 B.10: shall be supported), observed {found.describe()}")


@requirement("SEC-TLS-CLIENT-AUTH")
def test_a_client_without_certificate_gets_no_association(secure_dimse, claims):
    """Connect without a client certificate, then send an A-ASSOCIATE-RQ; a target claiming mutual
    authentication (PS3.15 1.1: certificates exchanged in setting up the channel) must not associate."""
    if not claims.tls_client_auth:
        raise NotClaimed("the profile does not claim mutual authentication ([claims] tls_client_auth)")
    found = secure_dimse.handshake(certificate=False, associate=True)
    assert not (found.established and found.association == "A-ASSOCIATE-AC"), (
        "expected no association for a client without a certificate (tls_client_auth = true claimed), observed "
        f"{found.describe()}")
