"""`dicom-harness simulate ris` and `simulate modality`: the workflow simulators on the command line."""

from __future__ import annotations

import argparse
import logging
import signal
import threading
from pathlib import Path

from harness.errors import HarnessUserError


def _serve_until_stopped(stop_callback) -> None:
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    stop_callback()
    print("stopped", flush=True)


def _simulate_ris(args: argparse.Namespace) -> int:
    from harness.ports import port_in_use
    from simulators.faults import UnknownFault, check_faults
    from simulators.ris import RisSimulator, WorklistError, WorklistStore, parse_item

    try:
        check_faults(args.fault)
    except UnknownFault as exc:
        raise HarnessUserError(str(exc)) from None
    if port_in_use(args.port, args.host):
        raise HarnessUserError(f"port {args.port} is in use on {args.host}: stop what listens there or pick --port")
    worklist = WorklistStore(Path(args.worklist) if args.worklist else None)
    try:
        for text in args.item:
            worklist.add(parse_item(text))
        count = worklist.check()
    except WorklistError as exc:
        raise HarnessUserError(str(exc)) from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("pynetdicom").setLevel(logging.WARNING)
    ris = RisSimulator(worklist, ae_title=args.ae, host=args.host, port=args.port, faults=args.fault,
                       check_called_ae=not args.any_called_ae).start()
    print(f"RIS simulator {args.ae} on {args.host}:{ris.port}: Modality Worklist ({count} item(s)"
          + (f", folder {worklist.folder}" if worklist.folder else "") + ") and MPPS"
          + (f", faults: {', '.join(args.fault)}" if args.fault else "") + "; Ctrl-C to stop", flush=True)
    _serve_until_stopped(ris.stop)
    return 0


def add_parsers(sim_sub) -> None:
    ris = sim_sub.add_parser("ris", help="RIS: Modality Worklist C-FIND and MPPS (N-CREATE, N-SET)",
                             description="A RIS: answers Modality Worklist queries from a folder of worklist "
                                         "files (*.wl or *.dcm DICOM files, *.json DICOM JSON; re-read on every "
                                         "query) and items given with --item, and keeps MPPS instances with "
                                         "their state machine (IN PROGRESS -> COMPLETED or DISCONTINUED).")
    ris.add_argument("--port", type=int, default=11113, help="TCP port to listen on (default 11113)")
    ris.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    ris.add_argument("--ae", default="DH_RIS", help="AE title to answer to (default DH_RIS)")
    ris.add_argument("--worklist", default=None, metavar="DIR", help="folder of worklist files")
    ris.add_argument("--item", action="append", default=[], metavar="'Keyword=Value ...'",
                     help="add a worklist item, e.g. --item 'PatientName=DOE^JANE PatientID=P1 Modality=MR "
                          "ScheduledStationAETitle=CT1' (repeatable; unnamed attributes get defaults)")
    ris.add_argument("--any-called-ae", action="store_true", help="accept associations whatever called AE they name")
    ris.add_argument("--fault", action="append", default=[], metavar="NAME", help="switch on a named fault")
    ris.set_defaults(func=_simulate_ris)
