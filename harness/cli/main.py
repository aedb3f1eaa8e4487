"""The dicom-harness command line.

Exit codes: 0 no failures (declared deviations allowed), 1 failures, 2 usage or profile error,
3 target unreachable or could not be started, 4 no failures but the harness itself hit errors."""

from __future__ import annotations

import argparse
import os
import sys

from dicom_harness import __version__
from dicom_harness.errors import HarnessUserError

EXIT_CODES = """exit codes:
  0  no failures (declared deviations allowed)
  1  the target failed one or more requirements
  2  usage or profile error
  3  target unreachable, or a local target could not be started
  4  no failures, but the harness hit errors (some verdicts are ERROR)"""


def _run(args: argparse.Namespace) -> int:
    from dicom_harness.cli.run_suites import run
    return run(args)


def _simulate(args: argparse.Namespace) -> int:
    from dicom_harness.cli import serving
    from dicom_harness.cli.simulate_workflow import commitment_options
    from dicom_harness.targets.builtin import PacsSimulator, open_store

    serving.check_listen_options(args)
    destinations = serving.move_destinations(args.move_dest)
    store = open_store(args.store)
    serving.log_to_terminal()
    certificates = serving.tls_certificates(args)
    stop = serving.catch_stop_signals()
    pacs = PacsSimulator(store, ae_title=args.ae, host=args.host, port=args.port, faults=args.fault,
                         check_called_ae=not args.any_called_ae, move_destinations=destinations,
                         **commitment_options(args))
    pacs.tls = certificates
    pacs.start()
    print(f"PACS simulator {args.ae} on {args.host}:{pacs.port}{' (TLS)' if certificates else ''}, store "
          f"{store.root} ({store.count()} instances)" + serving.faults_note(args) + "; Ctrl-C to stop"
          + serving.tls_note(certificates), flush=True)
    serving.serve_until_stopped(stop, pacs.stop, store.close)
    return 0


def _simulate_dicomweb(args: argparse.Namespace) -> int:
    from dicom_harness.cli import serving
    from dicom_harness.targets.builtin import DicomWebSimulator, open_store

    serving.check_listen_options(args)
    store = open_store(args.store)
    serving.log_to_terminal()
    stop = serving.catch_stop_signals()
    secrets = {}
    for key, variable in (("token", args.token_env), ("user", args.user_env), ("password", args.password_env)):
        if variable:
            if variable not in os.environ:
                raise HarnessUserError(f"--{key}-env {variable}: that environment variable is not set")
            secrets[key] = os.environ[variable]
    certificates = serving.tls_certificates(args)
    context = None
    if certificates is not None:
        from dicom_harness.shared.tls import server_context
        context = server_context(certificates.server_cert, certificates.server_key)
    web = DicomWebSimulator(store, host=args.host, port=args.port, faults=args.fault, tls_context=context,
                            **secrets).start()
    print(f"DICOMweb simulator at {web.base_url} (WADO-URI {web.wado_uri_url}), store {store.root} "
          f"({store.count()} instances)" + serving.faults_note(args) + "; Ctrl-C to stop"
          + serving.tls_note(certificates, dimse=False), flush=True)
    workitems = len(list((store.root / "workitems").glob("*.json")))
    print(f"UPS-RS worklist at {web.base_url}/workitems ({workitems} workitems); event channels at "
          f"{web.base_url.replace('http', 'ws', 1)}/ws/subscribers/{{aetitle}}", flush=True)
    serving.serve_until_stopped(stop, web.stop, store.close)
    return 0



def _faults(args: argparse.Namespace) -> int:
    from dicom_harness.targets.builtin import FAULTS
    name_width = max(len(f.name) for f in FAULTS.values())
    breaks_width = max(len(f.breaks) for f in FAULTS.values())
    headings = {
        "server": "Server faults: `dicom-harness run --fault NAME`, or `simulate pacs|ris|dicomweb --fault NAME`",
        "modality": "Client faults of the modality: `simulate modality --fault NAME`, judged by `dicom-harness listen`",
        "workstation": "Client faults of the workstation (Q/R SCU): `simulate workstation --fault NAME`, judged by "
                       "`dicom-harness listen`",
        "viewer": "Client faults of the viewer (DICOMweb user agent): `simulate viewer --fault NAME`, judged by "
                  "`dicom-harness listen --as dicomweb`",
    }
    for carrier, heading in headings.items():
        faults = [fault for fault in FAULTS.values() if fault.carrier == carrier]
        if not faults:
            continue
        print(("\n" if carrier != "server" else "") + f"{heading} ({len(faults)}):")
        for fault in faults:
            print(f"  {fault.name:{name_width}} breaks {fault.breaks:{breaks_width}} {fault.description}")
    return 0


STATUS_FILTERS = {"tested": "tested", "untested": "not yet tested", "not-testable": "not testable"}


def _requirements(args: argparse.Namespace) -> int:
    """The catalogue with each requirement's status. Which requirements have a test is read from the suite files
    (ast, nothing imported); a declaration a test contradicts is a warning here, an error in a run."""
    from dicom_harness.catalogue import load_catalogue
    from dicom_harness.catalogue.coverage import derive, named_in_sources, stale
    from dicom_harness.plugin.roots import builtin_root, user_folders
    folders = user_folders(args.suite)
    catalogue = load_catalogue(folders)
    named = named_in_sources((builtin_root(), *folders))
    for message in stale(catalogue, named):
        print(f"dicom-harness: warning: {message}", file=sys.stderr)
    coverage = derive(catalogue, named)
    wanted = STATUS_FILTERS.get(args.status)
    for req in catalogue.values():
        status, reason = coverage[req.id].status, coverage[req.id].reason
        if wanted and status != wanted:
            continue
        why = f" [{reason}]" if reason else ""
        print(f"{req.id:34} {req.level:6} {req.clause:16} {status:14} {req.statement}{why}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dicom-harness",
        description="DICOM conformance harness: runs the conformance suites against a target and writes an HTML, "
                    "JUnit XML and JSON report; runs stand-in DICOM products (simulators).",
        epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"dicom-harness {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run", help="run the conformance suites against a target",
        description="Run the conformance suites. With no target, the built-in simulators are started on free "
                    "loopback ports and tested.", epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    from dicom_harness.plugin.options import add_run_arguments
    add_run_arguments(run)          # --target, --dimse, --dicomweb, --fault, --suite, --seed, --report-dir
    run.add_argument("--test", action="append", default=[], metavar="NODE",
                     help="run only this test, named by its path in its suite root (the built-in suites, or a "
                          "--suite folder, looked in first), e.g. "
                          "'storage/test_c_store.py::test_stored_instance_reads_back_identical'")
    run.add_argument("-k", default=None, metavar="EXPR", help="run only tests whose names match (pytest -k)")
    run.add_argument("-v", "--verbose", action="store_true", help="one line per test, with tracebacks")
    run.set_defaults(func=_run)
    from dicom_harness.cli.reports import add_commands, add_run_options
    add_run_options(run)

    simulate = sub.add_parser("simulate", help="run a simulator standalone until Ctrl-C",
                              description="Run a stand-in DICOM product on this machine until Ctrl-C.")
    sim_sub = simulate.add_subparsers(dest="simulator", metavar="SIMULATOR", required=True)
    pacs = sim_sub.add_parser("pacs", help="PACS: C-ECHO, C-STORE, C-FIND, C-MOVE and C-GET over a store that survives restarts")
    pacs.add_argument("--port", type=int, default=11112, help="TCP port to listen on (default 11112)")
    pacs.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    pacs.add_argument("--ae", default="DH_PACS", help="AE title to answer to (default DH_PACS)")
    pacs.add_argument("--store", default="./dh-store", help="folder for the stored files and index (default ./dh-store)")
    pacs.add_argument("--any-called-ae", action="store_true", help="accept associations whatever called AE they name")
    pacs.add_argument("--fault", action="append", default=[], metavar="NAME", help="switch on a named fault")
    pacs.add_argument("--move-dest", action="append", default=[], metavar="AET=HOST:PORT",
                      help="a C-MOVE destination the PACS knows (repeatable); others get A801")
    from dicom_harness.cli.serving import add_tls_arguments
    add_tls_arguments(pacs)
    pacs.set_defaults(func=_simulate)
    from dicom_harness.cli.simulate_workflow import add_commitment_arguments
    add_commitment_arguments(pacs)
    from dicom_harness.cli.simulate_workflow import add_parsers as add_workflow_simulators
    add_workflow_simulators(sim_sub)

    web = sim_sub.add_parser("dicomweb", help="DICOMweb server: QIDO-RS, WADO-RS, STOW-RS, UPS-RS with WebSocket events, WADO-URI, capabilities")
    web.add_argument("--port", type=int, default=8042, help="TCP port to listen on (default 8042)")
    web.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    web.add_argument("--store", default="./dh-store", help="folder for the stored files and index (default ./dh-store)")
    web.add_argument("--fault", action="append", default=[], metavar="NAME", help="switch on a named fault")
    web.add_argument("--token-env", default=None, metavar="VAR",
                     help="require 'Authorization: Bearer <token>', the token read from this environment variable")
    web.add_argument("--user-env", default=None, metavar="VAR", help="require HTTP basic auth: user from this variable")
    web.add_argument("--password-env", default=None, metavar="VAR", help="... and the password from this variable")
    add_tls_arguments(web, dimse=False)
    web.set_defaults(func=_simulate_dicomweb)

    faults = sub.add_parser("faults", help="list the simulators' named faults and the requirement each breaks")
    faults.set_defaults(func=_faults)
    reqs = sub.add_parser("requirements", help="list the requirement catalogue")
    add_run_arguments(reqs, only=("--suite",))
    reqs.add_argument("--status", choices=list(STATUS_FILTERS), default=None,
                      help="only requirements with a test (tested), without one yet (untested), or that cannot be "
                           "tested from the harness's side (not-testable)")
    reqs.set_defaults(func=_requirements)
    add_commands(sub)
    from dicom_harness.cli.listen import add_parsers as add_listen_commands
    add_listen_commands(sub)
    from dicom_harness.cli.images import add_parser as add_images_command
    add_images_command(sub)
    from dicom_harness.cli.load import add_parser as add_load_command
    add_load_command(sub)
    return parser


def without_pydicom_value_warnings() -> None:
    """pydicom checks every value it sets, reads or makes a UID of against its VR, and warns (WARN, the default:
    it changes nothing). The harness judges values by its own checks, which name a requirement; the warnings
    reached nobody and the checks took a twentieth of a run's CPU."""
    from pydicom import config
    config.settings.reading_validation_mode = config.IGNORE
    config.settings.writing_validation_mode = config.IGNORE


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if not getattr(args, "gevent_first", False):
        without_pydicom_value_warnings()
    try:
        code = args.func(args)
        sys.stdout.flush()          # inside the try: a reader that went away is a BrokenPipeError handled below
        return code
    except HarnessUserError as exc:
        print(f"dicom-harness: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("dicom-harness: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`dicom-harness requirements | head`): stop quietly, as a C tool would on SIGPIPE.
        # Python would otherwise fail again flushing stdout at exit, so stdout is pointed at /dev/null first.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + 13


if __name__ == "__main__":
    sys.exit(main())
