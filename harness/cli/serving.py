"""What every `dicom-harness simulate ...` command shares: checking its options, opening its store, and
serving until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import threading

from dicom_harness.errors import HarnessUserError


def check_listen_options(args: argparse.Namespace) -> None:
    """Known faults and a free port, or one clear line saying what to change."""
    from dicom_harness.targets.builtin import checked_faults
    from dicom_harness.targets.ports import port_in_use
    checked_faults(args.fault)
    if port_in_use(args.port, args.host):
        raise HarnessUserError(f"port {args.port} is in use on {args.host}: stop what listens there or pick --port")


def log_to_terminal() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("pynetdicom").setLevel(logging.WARNING)


def faults_note(args: argparse.Namespace) -> str:
    return f", faults: {', '.join(args.fault)}" if args.fault else ""


def catch_stop_signals() -> threading.Event:
    """SIGTERM and Ctrl-C set the returned event. Installed before a simulator says it is ready, so a signal sent
    on that line is never lost; SIGINT explicitly, since a process started from a shell's background job
    inherits SIGINT ignored and would otherwise never see Ctrl-C."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    return stop


def serve_until_stopped(stop: threading.Event, *stop_callbacks) -> None:
    # What start-up made (modules, catalogues, the AE) lives as long as the process: moved out of the collector's
    # sight, so a full collection while serving scans only what serving made (measured under a C-STORE stream:
    # a 150 ms pause of the PACS simulator became 30 ms)
    gc.collect()
    gc.freeze()
    while not stop.wait(timeout=1.0):     # a bounded wait keeps the main thread free to run the handlers
        pass
    for callback in stop_callbacks:
        callback()
    print("stopped", flush=True)


def move_destinations(specs: list[str], option: str = "--move-dest") -> dict[str, tuple[str, int]]:
    """--move-dest AET=host:port, repeatable -> {AET: (host, port)}: the C-MOVE destinations a PACS knows."""
    import re
    found = {}
    for spec in specs:
        match = re.fullmatch(r"([^=]{1,16})=([^:]+):(\d{1,5})", spec)
        if not match or not 0 < int(match.group(3)) < 65536:
            raise HarnessUserError(f"{option} {spec!r}: expected AET=host:port, for example STORESCP=127.0.0.1:11113")
        found[match.group(1).strip()] = (match.group(2), int(match.group(3)))
    return found


def add_tls_arguments(parser: argparse.ArgumentParser, dimse: bool = True) -> None:
    """--tls [--cert F --key F --ca F] [--tls-dir DIR] of `simulate pacs|ris|dicomweb`."""
    parser.add_argument("--tls", action="store_true",
                        help="speak TLS (PS3.15 B.10 settings: TLS 1.2 or newer, the BCP 195 suites)"
                             + (", with a client certificate signed by the CA required" if dimse else " (HTTPS)"))
    parser.add_argument("--cert", metavar="FILE", help="with --tls: the server certificate (PEM); default: made for "
                                                        "this start, with a throw-away CA")
    parser.add_argument("--key", metavar="FILE", help="with --tls --cert: its private key (PEM)")
    parser.add_argument("--ca", metavar="FILE", help="with --tls --cert: the CA whose client certificates are "
                                                      "accepted" + (" (required then)" if dimse else ""))
    parser.add_argument("--tls-dir", default="./dh-tls", metavar="DIR",
                        help="with --tls and no --cert: where the certificates made for this start go, kept for "
                             "the next start while valid (default ./dh-tls)")


def tls_certificates(args: argparse.Namespace):
    """The Certificates of `--tls` (made in --tls-dir, or the files given), or None without --tls."""
    from pathlib import Path

    from dicom_harness.shared.tls import Certificates, generate
    given = [name for name in ("cert", "key", "ca") if getattr(args, name, None)]
    if not getattr(args, "tls", False):
        if given:
            raise HarnessUserError(f"--{given[0]} needs --tls")
        return None
    if args.cert or args.key:
        if not (args.cert and args.key):
            raise HarnessUserError("--cert and --key go together (the server certificate and its key)")
        for name in given:
            if not Path(getattr(args, name)).is_file():
                raise HarnessUserError(f"--{name} {getattr(args, name)}: no such file")
        return Certificates(ca=Path(args.ca) if args.ca else None, server_cert=Path(args.cert),
                            server_key=Path(args.key), client_cert=None, client_key=None)
    if args.ca:
        raise HarnessUserError("--ca goes with --cert and --key; without them a CA is made for this start")
    host = args.host if args.host not in ("0.0.0.0", "::", "") else "127.0.0.1"
    kept = _kept_certificates(Path(args.tls_dir))
    if kept is not None:
        return kept             # a restart keeps the CA clients were told to trust
    try:
        return generate(args.tls_dir, hosts=tuple(dict.fromkeys((host, "127.0.0.1", "localhost"))))
    except OSError as exc:
        raise HarnessUserError(f"--tls-dir {args.tls_dir}: {exc.strerror}") from None


def tls_note(certificates, dimse: bool = True) -> str:
    """What a client needs to know: the CA to trust and (DIMSE) the client certificate to present."""
    if certificates is None:
        return ""
    if certificates.client_cert is None:
        return (f"\nTLS: certificate {certificates.server_cert}"
                + (f"; client certificates signed by {certificates.ca} required" if certificates.ca and dimse else ""))
    return (f"\nTLS: trust the CA {certificates.ca.resolve()}"
            + (f"; present the client certificate {certificates.client_cert.resolve()} "
               f"(key {certificates.client_key.resolve()})" if dimse else ""))


def _kept_certificates(folder):
    """The certificates an earlier start made in `folder`, while the server's is still valid; else None."""
    import datetime

    from dicom_harness.shared.tls import Certificates
    names = ("ca.pem", "server.pem", "server.key", "client.pem", "client.key")
    if not all((folder / name).is_file() for name in names):
        return None
    from cryptography import x509
    try:
        server = x509.load_pem_x509_certificate((folder / "server.pem").read_bytes())
    except ValueError:
        return None
    if server.not_valid_after_utc <= datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1):
        return None
    return Certificates(*(folder / name for name in names))
