"""Is the target there, and does it talk to us? Before any test: for DIMSE one Verification association (so a
wrong port or a wrong AE title is one clear line, exit 3, not an ERROR in every test), for DICOMweb one TCP
connection to the base URL's host and port. With TLS (tls = true, an https base URL) first a TLS handshake with
the profile's CA and certificate: a wrong CA, a plain port or an expired certificate is one line, exit 3."""

from __future__ import annotations

import time

import httpx
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE
from pynetdicom.sop_class import Verification

from dicom_harness.errors import TargetUnreachable
from dicom_harness.shared.association import describe_rejection
from dicom_harness.shared.network import prepare_ae
from dicom_harness.shared.tls import describe_tls_error, tls_handshake, tls_refusal_after_handshake
from dicom_harness.targets.ports import can_connect
from dicom_harness.targets.profile import DimseEndpoint, WebEndpoint


def check_dimse_reachable(endpoint: DimseEndpoint, calling_ae: str | None = None) -> None:
    """A TCP connection; with `calling_ae`, also an association as that AE and a C-ECHO on it (when Verification
    is accepted), released at once. Each step waits at most the endpoint's timeout; the line raised says what the
    target did, or that the harness stopped waiting."""
    address = f"{endpoint.ae_title}@{endpoint.host}:{endpoint.port}"
    if not can_connect(endpoint.host, endpoint.port):
        raise TargetUnreachable(f"cannot connect to {address}: is the target running and the port right?")
    tls_args = None
    if endpoint.tls:
        context = endpoint.tls_files.client_context()
        try:
            tls_handshake(endpoint.host, endpoint.port, context, endpoint.timeout).close()
        except (OSError, ValueError) as exc:
            raise TargetUnreachable(f"{address} (tls = true): {describe_tls_error(exc)}") from None
        tls_args = (context, endpoint.host)
    if calling_ae is None:
        return
    ae = AE(ae_title=calling_ae)
    prepare_ae(ae)
    ae.acse_timeout = ae.network_timeout = ae.dimse_timeout = ae.connection_timeout = endpoint.timeout
    ae.add_requested_context(Verification, [ImplicitVRLittleEndian, ExplicitVRLittleEndian])
    started = time.monotonic()
    assoc = ae.associate(endpoint.host, endpoint.port, ae_title=endpoint.ae_title, tls_args=tls_args)
    elapsed = time.monotonic() - started
    if assoc.is_rejected:
        primitive = assoc.acceptor.primitive
        why = describe_rejection(primitive.result, primitive.result_source, primitive.diagnostic)
        raise TargetUnreachable(f"{address} rejected the association ({why}): check the called AE title "
                                f"{endpoint.ae_title!r} and that the target accepts the calling AE title {calling_ae!r}")
    if not assoc.is_established and tls_args is not None:
        reason = tls_refusal_after_handshake(endpoint.host, endpoint.port, tls_args[0], endpoint.timeout)
        if reason:
            raise TargetUnreachable(f"{address} (tls = true): {reason}")
    if not assoc.is_established:
        if elapsed >= endpoint.timeout * 0.9:
            raise TargetUnreachable(f"{address} accepted the connection but sent no answer to the A-ASSOCIATE-RQ: "
                                    f"the harness gave up after {endpoint.timeout:g} s (is it a DICOM port?)")
        raise TargetUnreachable(f"{address} closed the connection {elapsed:.1f} s after the A-ASSOCIATE-RQ, "
                                "without accepting or rejecting it (is it a DICOM port?)")
    answering = False
    try:
        if any(cx.abstract_syntax == Verification for cx in assoc.accepted_contexts):
            started = time.monotonic()
            status = assoc.send_c_echo()
            waited = time.monotonic() - started
            # pynetdicom aborts the association itself when its DIMSE timeout runs out: only an end well before
            # the timeout is the target's doing
            if not (status and "Status" in status) and waited < endpoint.timeout * 0.9:
                raise TargetUnreachable(f"{address} accepted the association, then ended it instead of answering "
                                        f"C-ECHO ({waited:.1f} s)")
            if not (status and "Status" in status):
                raise TargetUnreachable(f"{address} accepted the association but did not answer C-ECHO: the harness "
                                        f"gave up after {endpoint.timeout:g} s")
        answering = True
    finally:
        if assoc.is_established:
            # a target that stopped answering would hold a release for another timeout: abort it instead
            assoc.release() if answering else assoc.abort()


def check_web_reachable(endpoint: WebEndpoint, timeout: float | None = None) -> None:
    """A TCP connection and one cheap request (GET of the base URL, without credentials): any HTTP answer, 401
    and 404 included, shows a server is there; no answer within the timeout, or a closed connection, does not."""
    url = httpx.URL(endpoint.base_url)
    wait = min(endpoint.timeout, 10.0) if timeout is None else timeout
    if not can_connect(url.host, url.port or (443 if url.scheme == "https" else 80), wait):
        raise TargetUnreachable(f"cannot connect to {endpoint.base_url}: is the service running and the URL right?")
    if url.scheme == "https":
        try:
            tls_handshake(url.host, url.port or 443, endpoint.tls_files.client_context(), wait).close()
        except (OSError, ValueError) as exc:
            raise TargetUnreachable(f"{endpoint.base_url}: {describe_tls_error(exc)}") from None
    try:
        httpx.get(endpoint.base_url, timeout=wait, verify=False)
    except httpx.TimeoutException:
        raise TargetUnreachable(f"{endpoint.base_url} accepted the connection but sent no HTTP answer: the harness "
                                f"gave up after {wait:g} s") from None
    except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
        raise TargetUnreachable(f"{endpoint.base_url} closed the connection without an HTTP answer ({exc})") from None
    except httpx.HTTPError:
        return      # TLS and other trouble is for the tests to judge, with evidence
