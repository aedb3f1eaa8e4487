"""The security suite's client: TLS handshakes on the target's DIMSE TLS port with chosen versions, cipher suites
and certificates, and an A-ASSOCIATE-RQ sent there in the clear (PS3.15 B.9-B.11). Each attempt is evidence."""

from __future__ import annotations

import socket
import ssl
import warnings
from dataclasses import dataclass

from dicom_harness.clients.dimse import RawReply, _associate_rq, _read_until_ended
from dicom_harness.clients.evidence import Evidence
from dicom_harness.clients.exchange import refuse_if_stalled
from dicom_harness.errors import TargetUnreachable
from dicom_harness.shared.tls import describe_tls_error
from dicom_harness.targets.profile import DimseEndpoint, Target

VERSIONS = {"TLSv1": ssl.TLSVersion.TLSv1, "TLSv1.1": ssl.TLSVersion.TLSv1_1, "TLSv1.2": ssl.TLSVersion.TLSv1_2,
            "TLSv1.3": ssl.TLSVersion.TLSv1_3}


@dataclass
class Handshake:
    """How one TLS handshake went: established (with the negotiated version and suite), or the one-line reason;
    `offered_nothing` when the harness's own TLS library could not offer what was asked (no verdict then), and
    `association`: what the target answered an A-ASSOCIATE-RQ sent over the session ('' when none was sent)."""
    established: bool
    version: str = ""
    cipher: str = ""
    problem: str = ""
    offered_nothing: bool = False
    association: str = ""

    def describe(self) -> str:
        if self.established:
            text = f"TLS established: {self.version}, {self.cipher}"
            return text + (f"; A-ASSOCIATE-RQ answered: {self.association}" if self.association else "")
        return f"no TLS session: {self.problem}"


class SecureTransport:
    """The target's DIMSE TLS port ([dimse] tls = true, or its tls_port), for one test."""

    def __init__(self, target: Target, evidence: Evidence):
        endpoint = target.dimse_tls
        assert endpoint is not None and endpoint.tls_files is not None
        self.endpoint: DimseEndpoint = endpoint
        self.target = target
        self.evidence = evidence
        self.stall_key = f"dimse {endpoint.host}:{endpoint.port}"

    @property
    def address(self) -> str:
        return f"{self.endpoint.host}:{self.endpoint.port}"

    def _context(self, versions: tuple[str, str] | None, cipher: str | None, certificate: bool) -> ssl.SSLContext:
        files = self.endpoint.tls_files
        context = ssl.create_default_context(cafile=files.ca or None)
        if not files.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)     # TLS 1.0 and 1.1 are offered on purpose
            if versions is not None:
                context.minimum_version, context.maximum_version = VERSIONS[versions[0]], VERSIONS[versions[1]]
                if VERSIONS[versions[0]] < ssl.TLSVersion.TLSv1_2:
                    context.set_ciphers("DEFAULT:@SECLEVEL=0")
        if cipher is not None:
            context.set_ciphers(cipher)
        if certificate and files.cert:
            context.load_cert_chain(files.cert, files.key or None)
        return context

    def handshake(self, versions: tuple[str, str] | None = None, cipher: str | None = None,
                  certificate: bool = True, associate: bool = False) -> Handshake:
        """A TLS handshake offering only `versions` (lowest, highest) and `cipher` (an OpenSSL name), with the
        profile's client certificate unless `certificate` is False; with `associate`, then an A-ASSOCIATE-RQ
        proposing Verification over the session (a server may ask for the certificate only after the handshake,
        in TLS 1.3: the association's fate shows whether it was accepted without one)."""
        refuse_if_stalled(self.stall_key)
        offer = ", ".join(filter(None, [versions and f"{versions[0]} to {versions[1]}", cipher,
                                        "client certificate" if certificate and self.endpoint.tls_files.cert
                                        else "no client certificate"]))
        self.evidence.add(">", f"TLS ClientHello to {self.address} offering {offer}")
        try:
            context = self._context(versions, cipher, certificate)
        except ssl.SSLError as exc:
            found = Handshake(False, problem=f"the harness's TLS library cannot offer this: {exc}", offered_nothing=True)
            self.evidence.add("<", found.problem)
            return found
        try:
            raw = socket.create_connection((self.endpoint.host, self.endpoint.port), timeout=self.endpoint.timeout)
        except OSError as exc:
            raise TargetUnreachable(f"cannot connect to {self.address}: {exc}") from None
        with raw:
            try:
                tls = context.wrap_socket(raw, server_hostname=self.endpoint.host)
            except ssl.SSLError as exc:
                if exc.reason in ("NO_PROTOCOLS_AVAILABLE", "NO_CIPHERS_AVAILABLE", "NO_CIPHER_MATCH"):
                    found = Handshake(False, problem=f"the harness's TLS library offered nothing ({exc.reason})",
                                      offered_nothing=True)
                else:
                    found = Handshake(False, problem=describe_tls_error(exc))
                self.evidence.add("<", found.describe())
                return found
            except OSError as exc:
                found = Handshake(False, problem=describe_tls_error(exc))
                self.evidence.add("<", found.describe())
                return found
            with tls:
                found = Handshake(True, version=tls.version() or "", cipher=(tls.cipher() or ("",))[0])
                if associate:
                    found.association = self._associate_over(tls)
        self.evidence.add("<", found.describe())
        return found

    def _associate_over(self, sock: socket.socket) -> str:
        """'A-ASSOCIATE-AC', 'A-ASSOCIATE-RJ', 'A-ABORT' or how the connection ended without a PDU."""
        try:
            sock.sendall(_associate_rq(self.target.harness_ae_title, self.endpoint.ae_title))
            data, ended = _read_until_ended(sock, 6)
        except ssl.SSLError as exc:
            return f"no PDU: {describe_tls_error(exc)}"
        except OSError as exc:
            return f"no PDU: the connection ended ({exc.__class__.__name__})"
        return _pdu_name(data) or f"no PDU: connection {ended}"

    def plain_associate(self) -> RawReply:
        """An A-ASSOCIATE-RQ proposing Verification sent in the clear to the TLS port; what came back."""
        refuse_if_stalled(self.stall_key)
        self.evidence.add(">", f"TCP connection to the TLS port {self.address}; A-ASSOCIATE-RQ in the clear")
        try:
            sock = socket.create_connection((self.endpoint.host, self.endpoint.port), timeout=self.endpoint.timeout)
        except OSError as exc:
            raise TargetUnreachable(f"cannot connect to {self.address}: {exc}") from None
        with sock:
            try:
                sock.sendall(_associate_rq(self.target.harness_ae_title, self.endpoint.ae_title))
                data, ended = _read_until_ended(sock, 6)
            except (ConnectionResetError, BrokenPipeError):
                data, ended = b"", "reset"
        reply = RawReply(data, ended)
        self.evidence.add("<", reply.describe() + (f" ({_pdu_name(data)})" if _pdu_name(data) else ""))
        return reply


def _pdu_name(data: bytes) -> str:
    return {0x02: "A-ASSOCIATE-AC", 0x03: "A-ASSOCIATE-RJ", 0x07: "A-ABORT"}.get(data[0], "") if data else ""
