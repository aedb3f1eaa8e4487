"""What every `dicom-harness simulate ...` command shares: checking its options, opening its store, and
serving until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
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
