"""TLS both sides share (PS3.15 B.9-B.11, the BCP 195 TLS profiles; HTTPS for DICOMweb): certificates for a run,
the contexts built from them, and a DICOM server that does its TLS handshake off the accept loop.

Nothing here acts at import. `generate(folder)` writes a throw-away CA, a server certificate for 127.0.0.1 and
localhost and a client certificate, all signed by that CA (the `cryptography` package)."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import socket
import ssl
import threading
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("dicom_harness.tls")

HANDSHAKE_TIMEOUT = 10.0

# RFC 7919 ffdhe2048: Python's ssl offers no DHE cipher suite without DH parameters, and PS3.15 B.10 names two
# DHE suites among those that shall all be supported.
FFDHE2048 = """-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
"""

# PS3.15 B.10 and B.11: "The following cipher suites shall all be supported" (IANA names; OpenSSL names)
REQUIRED_SUITES = {
    "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256": "DHE-RSA-AES128-GCM-SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256",
    "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384": "DHE-RSA-AES256-GCM-SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
}


@dataclass(frozen=True)
class Certificates:
    """The files of one run: the CA to trust, the server's certificate and key, a client's certificate and key
    (given files: the CA whose clients are accepted, or None; no client files)."""
    ca: Path | None
    server_cert: Path
    server_key: Path
    client_cert: Path | None
    client_key: Path | None


_SERVER_KEYS: list = []
_PREPARED_KEYS: list = []           # RSA keys made ahead by prepare_rsa_keys, taken before any is made here
_preparing: threading.Thread | None = None


def prepare_rsa_keys() -> None:
    """Start making the RSA keys the next generate() takes (the CA's, and the server's unless this process has it)
    in a thread. OpenSSL makes them without holding the interpreter lock, so a process that starts simulators has
    them from a core otherwise idle while it imports (about 0.1 s of CPU a key); generate() waits for them. Forked
    processes inherit them: call rsa_keys_ready() first."""
    global _preparing
    rsa_keys_ready()
    count = 1 + (not _SERVER_KEYS) - len(_PREPARED_KEYS)
    if count <= 0:
        return

    def make() -> None:
        from cryptography.hazmat.primitives.asymmetric import rsa
        for _ in range(count):
            _PREPARED_KEYS.append(rsa.generate_private_key(public_exponent=65537, key_size=2048))

    _preparing = threading.Thread(target=make, name="dh-rsa-keys", daemon=True)
    _preparing.start()


def rsa_keys_ready() -> None:
    global _preparing
    if _preparing is not None:
        _preparing.join()
        _preparing = None


def _rsa_key():
    rsa_keys_ready()
    if _PREPARED_KEYS:
        return _PREPARED_KEYS.pop()
    from cryptography.hazmat.primitives.asymmetric import rsa
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _server_key():
    """The server's RSA key, made once per process: a 2048-bit key takes about a second, and a process that starts
    simulators many times (the fault matrix) signs fresh certificates for the same key. The CA's key is made anew
    each time, so that two runs' CAs never vouch for each other's certificates."""
    if not _SERVER_KEYS:
        _SERVER_KEYS.append(_rsa_key())
    return _SERVER_KEYS[0]


def generate(folder: str | Path, hosts: tuple[str, ...] = ("127.0.0.1", "localhost"), days: int = 2,
             expired: bool = False) -> Certificates:
    """A throw-away CA and, signed by it, a server certificate for `hosts` and a client certificate. With
    `expired`, the server certificate's validity ended yesterday (for the harness's own tests)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)

    def key(rsa_key: bool = False, server: bool = False):
        # the CA's and the server's keys are RSA (the suites PS3.15 B.10 names are all *_RSA_*); the client's EC
        from cryptography.hazmat.primitives.asymmetric import ec
        if server:
            return _server_key()
        if rsa_key:
            return _rsa_key()
        return ec.generate_private_key(ec.SECP256R1())

    def name(common: str):
        return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "dicom-harness test run"),
                          x509.NameAttribute(NameOID.COMMON_NAME, common)])

    def write_key(private, path: Path) -> Path:
        path.write_bytes(private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        path.chmod(0o600)
        return path

    def write_cert(cert, path: Path) -> Path:
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return path

    ca_key = key(rsa_key=True)      # RFC 7525 (dcmtk warns otherwise): RSA certificates signed with SHA-256 RSA
    ca = (x509.CertificateBuilder().subject_name(name("dicom-harness throw-away CA"))
          .issuer_name(name("dicom-harness throw-away CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=days))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True,
                                       content_commitment=False, key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False, decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))

    def leaf(common: str, usage, alt_names, usages=None):
        usages = usages or [usage]
        private = key(server=usage == ExtendedKeyUsageOID.SERVER_AUTH)
        start = now - datetime.timedelta(days=3 if expired and usage == ExtendedKeyUsageOID.SERVER_AUTH else 0,
                                         minutes=5)
        end = now - datetime.timedelta(days=1) if expired and usage == ExtendedKeyUsageOID.SERVER_AUTH \
            else now + datetime.timedelta(days=days)
        builder = (x509.CertificateBuilder().subject_name(name(common)).issuer_name(ca.subject)
                   .public_key(private.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(start).not_valid_after(end)
                   .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                   .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
                   .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                                  critical=False))
        if alt_names:
            builder = builder.add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        return builder.sign(ca_key, hashes.SHA256()), private

    alt = []
    for host in hosts:
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            alt.append(x509.DNSName(host))
    # a product presents one certificate as a server and when it calls back (C-MOVE, N-EVENT-REPORT): both usages
    server, server_private = leaf(hosts[0], ExtendedKeyUsageOID.SERVER_AUTH, alt,
                                  [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH])
    # the client certificate also serves the harness's own listening AE ([peer] tls = true): both usages
    client, client_private = leaf("DICOM_HARNESS", ExtendedKeyUsageOID.CLIENT_AUTH, alt,
                                  [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH])
    return Certificates(
        ca=write_cert(ca, folder / "ca.pem"),
        server_cert=write_cert(server, folder / "server.pem"), server_key=write_key(server_private, folder / "server.key"),
        client_cert=write_cert(client, folder / "client.pem"), client_key=write_key(client_private, folder / "client.key"),
    )


def server_context(cert: str | Path, key: str | Path, ca: str | Path | None = None, require_client: bool = False,
                   dhe: bool = True) -> ssl.SSLContext:
    """A server context: TLS 1.2 at least (PS3.15 B.10: not TLS 1.0 or 1.1), the BCP 195 suites (DHE as well,
    with RFC 7919 parameters), and with `require_client` a client certificate signed by `ca` required."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(cert), str(key))
    if dhe:
        import tempfile
        with tempfile.NamedTemporaryFile("w", suffix=".pem") as params:
            params.write(FFDHE2048)
            params.flush()
            context.load_dh_params(params.name)
    if ca is not None:
        context.load_verify_locations(str(ca))
    if require_client:
        context.verify_mode = ssl.CERT_REQUIRED
    elif ca is not None:
        context.verify_mode = ssl.CERT_OPTIONAL
    return context


def client_context(ca: str | Path | None = None, cert: str | Path | None = None, key: str | Path | None = None,
                   verify: bool = True) -> ssl.SSLContext:
    """A client context verifying the server against `ca` (the system's store when None), presenting
    `cert`/`key` when given; `verify=False` turns verification off (only when a profile says so)."""
    context = ssl.create_default_context(cafile=str(ca) if ca else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if cert:
        context.load_cert_chain(str(cert), str(key) if key else None)
    return context


def describe_tls_error(exc: BaseException) -> str:
    """One line for a failed handshake: what the certificate check or the peer said."""
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"the target's certificate was not accepted: {exc.verify_message or exc.reason}"
    if isinstance(exc, ssl.SSLError):
        reason = (exc.reason or str(exc)).replace("_", " ").lower()
        if exc.reason in ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "PACKET_LENGTH_TOO_LONG",
                          "UNEXPECTED_EOF_WHILE_READING"):
            return f"no TLS answer ({reason}): is it a plain (non-TLS) port?"
        return f"TLS handshake failed: {reason}"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)) or \
            (isinstance(exc, OSError) and "EOF" in str(exc)):
        return f"the connection was closed during the TLS handshake ({exc.__class__.__name__}): is it a plain port?"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "no answer to the TLS ClientHello (is it a plain (non-TLS) port?)"
    return f"TLS handshake failed: {exc}"


def tls_handshake(host: str, port: int, context: ssl.SSLContext, timeout: float,
                  server_hostname: str | None = None) -> ssl.SSLSocket:
    """A TCP connection and a TLS handshake, or the OSError / ssl.SSLError of the attempt."""
    raw = socket.create_connection((host, port), timeout=timeout)
    try:
        return context.wrap_socket(raw, server_hostname=server_hostname or host)
    except BaseException:
        raw.close()
        raise


def tls_refusal_after_handshake(host: str, port: int, context: ssl.SSLContext, timeout: float) -> str:
    """Why a TLS 1.3 server ended the session right after the handshake (a client certificate it requires and
    did not get arrives as an alert on the first read), or '' when nothing came within a second."""
    try:
        with tls_handshake(host, port, context, timeout) as sock:
            sock.settimeout(1.0)
            sock.recv(1)
    except (TimeoutError, socket.timeout):
        return ""
    except ssl.SSLError as exc:
        if exc.reason == "TLSV13_ALERT_CERTIFICATE_REQUIRED":
            return "the target requires a client certificate: name one in the profile ([dimse] cert and key)"
        return describe_tls_error(exc)
    except OSError as exc:
        return describe_tls_error(exc)
    return ""


# -- a DICOM server whose handshakes cannot stall its accept loop -------------------------------------------------

def _server_class(allow_plain: bool):
    from pynetdicom.transport import ThreadedAssociationServer

    class TlsAssociationServer(ThreadedAssociationServer):
        """pynetdicom's server wraps each accepted socket in its accept loop, where one client that never sends
        its ClientHello stops every other connection. Here the handshake runs in the connection's own thread,
        bounded by HANDSHAKE_TIMEOUT; a failed one (a plain client, an untrusted certificate) closes that
        connection, logged in one line."""

        def get_request(self):
            return self.socket.accept()

        def process_request_thread(self, request, client_address):
            try:
                request.settimeout(HANDSHAKE_TIMEOUT)
                if allow_plain and request.recv(1, socket.MSG_PEEK) == b"\x01":
                    # a plain A-ASSOCIATE-RQ served in the clear (only a simulator fault does this)
                    request.settimeout(None)
                    return super().process_request_thread(request, client_address)
                wrapped = self.ssl_context.wrap_socket(request, server_side=True)
                wrapped.settimeout(None)
            except (OSError, ValueError) as exc:
                log.info("TLS connection from %s:%s refused: %s", client_address[0], client_address[1],
                         describe_tls_error(exc))
                try:
                    request.close()
                except OSError:
                    pass
                return
            super().process_request_thread(wrapped, client_address)

    return TlsAssociationServer


# How often a server's accept loop looks for a stop request: pynetdicom's 0.5 s made every stop wait up to half a
# second (each run stops several servers).
ACCEPT_POLL_SECONDS = 0.05


def start_server(ae, address: tuple[str, int], ssl_context: ssl.SSLContext | None, evt_handlers: list,
                 allow_plain: bool = False):
    """ae.start_server(address, block=False, ...), with the handshake off the accept loop when `ssl_context`
    (`allow_plain`: also serve an A-ASSOCIATE-RQ sent in the clear, the downgrade PS3.15 B.10 forbids)."""
    from pynetdicom.transport import ThreadedAssociationServer

    from dicom_harness.shared.accept_fast import share_contexts
    server_class = ThreadedAssociationServer if ssl_context is None else _server_class(allow_plain)
    from dicom_harness.shared.reactor import REACTOR_HANDLER
    server = ae.make_server(address, ssl_context=ssl_context, evt_handlers=[REACTOR_HANDLER, *evt_handlers],
                            server_class=server_class)
    share_contexts(server)
    # pynetdicom collects garbage every 60th pass of the accept loop (30 s idle at its 0.5 s poll); keep that pace
    server._gc[1] = round(60 * 0.5 / ACCEPT_POLL_SECONDS) - 1
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": ACCEPT_POLL_SECONDS},
                              name="TlsAcceptor" if ssl_context else "Acceptor", daemon=True)
    thread.start()
    ae._servers.append(server)
    return server
