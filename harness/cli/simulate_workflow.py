"""`dicom-harness simulate ris`, `simulate modality` and `simulate viewer`: the workflow simulators on the command line."""

from __future__ import annotations

import argparse
from pathlib import Path

from dicom_harness.errors import HarnessUserError


def _simulate_ris(args: argparse.Namespace) -> int:
    from dicom_harness.cli import serving
    from dicom_harness.targets.builtin import RisSimulator, WorklistError, WorklistStore, parse_item

    serving.check_listen_options(args)
    worklist = WorklistStore(Path(args.worklist) if args.worklist else None)
    try:
        for text in args.item:
            worklist.add(parse_item(text))
        count = worklist.check()
    except WorklistError as exc:
        raise HarnessUserError(str(exc)) from None
    serving.log_to_terminal()
    certificates = serving.tls_certificates(args)
    stop = serving.catch_stop_signals()
    ris = RisSimulator(worklist, ae_title=args.ae, host=args.host, port=args.port, faults=args.fault,
                       check_called_ae=not args.any_called_ae)
    ris.tls = certificates
    ris.start()
    print(f"RIS simulator {args.ae} on {args.host}:{ris.port}{' (TLS)' if certificates else ''}: Modality Worklist "
          f"({count} item(s)" + (f", folder {worklist.folder}" if worklist.folder else "") + ") and MPPS"
          + serving.faults_note(args) + "; Ctrl-C to stop" + serving.tls_note(certificates), flush=True)
    serving.serve_until_stopped(stop, ris.stop)
    return 0


def _endpoint(text: str | None, option: str):
    from dicom_harness.errors import ProfileError
    from dicom_harness.targets.profile import parse_dimse_address
    if text is None:
        return None
    try:
        endpoint = parse_dimse_address(text)
    except ProfileError as exc:
        raise HarnessUserError(str(exc).replace("--dimse", option)) from None
    return (endpoint.ae_title, endpoint.host, endpoint.port)


def _simulate_modality(args: argparse.Namespace) -> int:
    from dicom_harness.targets.builtin import ModalitySimulator, checked_faults
    from dicom_harness.targets.ports import port_in_use
    checked_faults(args.fault, carrier="modality")
    if args.port and port_in_use(args.port, args.host):
        raise HarnessUserError(f"port {args.port} is in use on {args.host}: pick another --port")
    match = {}
    for text in args.match:
        keyword, sep, value = text.partition("=")
        if not sep:
            raise HarnessUserError(f"--match {text!r}: expected Keyword=Value, e.g. Modality=CT")
        match[keyword] = value
    if args.station:
        match["ScheduledStationAETitle"] = args.station
    modality = ModalitySimulator(worklist=_endpoint(args.worklist, "--worklist"), store=_endpoint(args.store, "--store"),
                                 mpps=_endpoint(args.mpps, "--mpps"), commitment=_endpoint(args.commitment, "--commitment"),
                                 ae_title=args.ae, host=args.host, port=args.port, images=args.images,
                                 timeout=args.timeout, log=lambda line: print(line, flush=True), faults=args.fault)
    modality.start_listener()
    print(f"modality {args.ae}: listening for storage commitment results on {args.host}:{modality.port}", flush=True)
    try:
        result = modality.run(**match)
    finally:
        modality.stop()
    if result.ok:
        print(f"acquisition done: {len(result.stored)} image(s) stored and committed, MPPS {result.mpps}", flush=True)
        return 0
    print(f"acquisition incomplete: {'; '.join(result.problems) or 'storage commitment not confirmed'}", flush=True)
    return 1


def _simulate_viewer(args: argparse.Namespace) -> int:
    from dicom_harness.targets.builtin import ViewerSimulator, checked_faults
    checked_faults(args.fault, carrier="viewer")
    if not args.url.startswith(("http://", "https://")):
        raise HarnessUserError(f"--url {args.url}: expected the DICOMweb base URL, e.g. http://127.0.0.1:8080/dicom-web")
    viewer = ViewerSimulator(args.url, patient_name=args.patient_name, study=args.study, store=not args.no_store, timeout=args.timeout, ups=args.ups,
                             log=lambda line: print(line, flush=True), faults=args.fault)
    session = viewer.run()
    if session.ok:
        print(f"session done: {len(session.studies)} study(ies) found, {len(session.retrieved)} instance(s) "
              f"retrieved{', 1 stored' if session.stored else ''}"
              f"{f', workitem {session.completed} completed' if session.completed else ''}", flush=True)
        return 0
    print(f"session incomplete: {'; '.join(session.problems)}", flush=True)


def _simulate_workstation(args: argparse.Namespace) -> int:
    from dicom_harness.targets.builtin import WorkstationSimulator, checked_faults
    from dicom_harness.targets.ports import port_in_use
    checked_faults(args.fault, carrier="workstation")
    retrieve = "move" if args.move and args.retrieve == "get" else args.retrieve
    if args.port and port_in_use(args.port, args.host):
        raise HarnessUserError(f"port {args.port} is in use on {args.host}: pick another --port")
    workstation = WorkstationSimulator(pacs=_endpoint(args.pacs, "--pacs"), ae_title=args.ae, host=args.host,
                                       port=args.port, retrieve=retrieve, timeout=args.timeout,
                                       log=lambda line: print(line, flush=True), faults=args.fault)
    if retrieve != "get":
        workstation.start_listener()
        print(f"workstation {args.ae}: C-MOVE destination listening on {args.host}:{workstation.port} (the PACS "
              f"must know {args.ae} at this address)", flush=True)
    try:
        result = workstation.run(patient_id=args.patient_id)
    finally:
        workstation.stop()
    if result.ok:
        print(f"session done: {', '.join(f'{how} brought {n} instance(s)' for how, n in result.retrieved.items())}",
              flush=True)
        return 0
    print(f"session incomplete: {'; '.join(result.problems) or 'nothing retrieved'}", flush=True)
    return 1


def add_parsers(sim_sub) -> None:
    viewer = sim_sub.add_parser(
        "viewer", help="viewer: a DICOMweb user agent (QIDO-RS search, WADO-RS retrieve, STOW-RS store)",
        description="Play one reading session against a DICOMweb origin server with a readable log: QIDO-RS search "
                    "for studies -> WADO-RS retrieve of the first study found -> STOW-RS of one Secondary Capture "
                    "image into it. Exit 0 when every step succeeded, 1 otherwise.")
    viewer.add_argument("--url", required=True, metavar="URL", help="the DICOMweb base URL, e.g. "
                                                                   "http://127.0.0.1:8080/dicom-web")
    viewer.add_argument("--patient-name", default="DH^*", metavar="PATTERN",
                        help="the Patient Name to search for (default DH^*, a wildcard)")
    viewer.add_argument("--study", default="", metavar="UID",
                        help="the Study Instance UID to retrieve when the search finds none (a viewer opened on a "
                             "study)")
    viewer.add_argument("--no-store", action="store_true", help="search and retrieve only, no STOW-RS")
    viewer.add_argument("--ups", action="store_true",
                        help="then pull a UPS-RS workitem: search the worklist for a SCHEDULED one, claim it (IN "
                             "PROGRESS), update it and complete it, with one Transaction UID")
    viewer.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each answer (default 10)")
    viewer.add_argument("--fault", action="append", default=[], metavar="NAME",
                        help="behave as a faulty user agent: switch on a named client fault (see `dicom-harness "
                             "faults`)")
    viewer.set_defaults(func=_simulate_viewer)
    workstation = sim_sub.add_parser(
        "workstation", help="workstation: find a study (C-FIND STUDY, SERIES, IMAGE) and retrieve it (C-GET/C-MOVE)",
        description="Play one Query/Retrieve session with a readable log: C-FIND STUDY -> C-FIND SERIES of the "
                    "first study (cancelled after the first series) -> C-FIND IMAGE of that series -> C-GET and/or "
                    "C-MOVE of the study. Exit 0 when every retrieve succeeded and brought instances, 1 otherwise.")
    workstation.add_argument("--pacs", required=True, metavar="AET@HOST:PORT", help="the Query/Retrieve SCP")
    workstation.add_argument("--retrieve", choices=("get", "move", "both"), default="get",
                             help="how to retrieve the study: C-GET (default), C-MOVE to this AE, or both")
    workstation.add_argument("--move", action="store_true", help="retrieve with C-MOVE (--retrieve move)")
    workstation.add_argument("--ae", default="DH_WORKSTATION", help="this workstation's AE title (default DH_WORKSTATION)")
    workstation.add_argument("--host", default="127.0.0.1", help="address for the C-MOVE destination listener")
    workstation.add_argument("--port", type=int, default=0,
                             help="port for the C-MOVE destination listener (default: any free port; the PACS must "
                                  "know this AE title at this address)")
    workstation.add_argument("--patient-id", default="", metavar="ID", help="query for this Patient ID (default: any)")
    workstation.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each answer (default 10)")
    workstation.add_argument("--fault", action="append", default=[], metavar="NAME",
                             help="behave as a faulty client: switch on a named client fault (see `dicom-harness faults`)")
    workstation.set_defaults(func=_simulate_workstation)

    modality = sim_sub.add_parser(
        "modality", help="modality: play one acquisition (worklist, MPPS, C-STORE, storage commitment)",
        description="Play one acquisition with a readable log: worklist query -> MPPS IN PROGRESS -> C-STORE of "
                    "the images -> MPPS COMPLETED -> storage commitment and its result. Exit 0 when every "
                    "instance was committed, 1 otherwise. A peer that does not offer MPPS is skipped.")
    modality.add_argument("--worklist", required=True, metavar="AET@HOST:PORT", help="the worklist SCP (RIS)")
    modality.add_argument("--store", required=True, metavar="AET@HOST:PORT", help="the storage SCP (PACS)")
    modality.add_argument("--mpps", default=None, metavar="AET@HOST:PORT", help="the MPPS SCP (default: --worklist)")
    modality.add_argument("--commitment", default=None, metavar="AET@HOST:PORT",
                          help="the storage commitment SCP (default: --store)")
    modality.add_argument("--ae", default="DH_MODALITY", help="this modality's AE title (default DH_MODALITY)")
    modality.add_argument("--host", default="127.0.0.1", help="address for the commitment-result listener")
    modality.add_argument("--port", type=int, default=0,
                          help="port for the commitment-result listener (default: any free port; the PACS must "
                               "know this AE title at this address to answer on a new association)")
    modality.add_argument("--station", default=None, help="match worklist items scheduled for this station AE title")
    modality.add_argument("--match", action="append", default=[], metavar="Keyword=Value",
                          help="further worklist matching keys, e.g. --match PatientID=P1 --match Modality=CT")
    modality.add_argument("--images", type=int, default=3, help="number of CT images to acquire (default 3)")
    modality.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each answer (default 10)")
    modality.add_argument("--fault", action="append", default=[], metavar="NAME",
                          help="behave as a faulty client: switch on a named client fault (see `dicom-harness faults`)")
    modality.set_defaults(func=_simulate_modality)

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
    from dicom_harness.cli.serving import add_tls_arguments
    add_tls_arguments(ris)
    ris.set_defaults(func=_simulate_ris)


def add_commitment_arguments(pacs) -> None:
    """The PACS simulator's Storage Commitment options."""
    pacs.add_argument("--peer", action="append", default=[], metavar="AET@HOST:PORT",
                      help="a storage commitment requester's address, so results go on a new association to it "
                           "(repeatable; unknown requesters get the result on their own association)")
    pacs.add_argument("--commitment-delay", type=float, default=0.0, metavar="SECONDS",
                      help="wait this long before sending a storage commitment result (default 0)")
    pacs.add_argument("--commitment-same-association", action="store_true",
                      help="send storage commitment results on the request's association even for known peers")


def commitment_options(args: argparse.Namespace) -> dict:
    peers = {}
    for text in args.peer:
        ae_title, host, port = _endpoint(text, "--peer")
        peers[ae_title] = (host, port)
    return {"commitment_peers": peers, "commitment_delay": args.commitment_delay,
            "commitment_answer_on": "same" if args.commitment_same_association else "new"}
