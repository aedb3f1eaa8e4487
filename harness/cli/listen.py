"""`dicom-harness listen`: play the counterparts of a client product (a PACS, a RIS), record everything it sends,
then judge the recording with the client-side suites; `dicom-harness judge` judges a recording again.

Listening ends when --drive's command finishes, after --duration seconds, or on Ctrl-C / SIGTERM. The verdicts,
report folder, exit codes and comparison are those of `run`; the report names the product as the subject."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from dicom_harness.errors import HarnessUserError

DRIVE_TIMEOUT = 600.0       # --drive without --duration: the longest the command may take
QUIET_TIMEOUT = 10.0        # after --drive ends: how long associations still open may take to finish
RECORDING = "recording"     # the recording's folder inside the report folder
UPS_PULL_STEP = "ups-pull"  # with it, the DICOMweb counterpart's worklist holds one SCHEDULED workitem

EXIT_CODES = """exit codes (as for run):
  0  the product met every client-side requirement it was judged on
  1  the product failed one or more requirements
  2  usage error, or a recording that cannot be read
  3  the listening port is in use, or dciodvfy (dicom3tools) is missing
  4  no failures, but the harness hit errors (some verdicts are ERROR)"""


def add_parsers(sub) -> None:
    listen = sub.add_parser(
        "listen", help="judge a client: play its PACS/RIS, record what it sends, judge it",
        description="Start the counterparts a client product talks to (a PACS: storage, query/retrieve, storage "
                    "commitment; a RIS: worklist and MPPS; a DICOMweb origin server: QIDO-RS, WADO-RS, STOW-RS, UPS-RS), print where the product must connect, record every "
                    "association and message it sends, then judge the recording against the client-side "
                    "requirements and write the report. Listening ends when --drive's command finishes, after "
                    "--duration seconds, or on Ctrl-C.",
        epilog=EXIT_CODES + "\n\nexample:\n  dicom-harness listen --as pacs --drive 'storescu -aec {ae} {host} {port} "
               "ct.dcm'", formatter_class=argparse.RawDescriptionHelpFormatter)
    listen.add_argument("--as", dest="counterparts", action="append", default=[], metavar="ROLE",
                        help="the counterpart(s) to play: pacs, ris, or pacs,ris (one AE offering both); dicomweb (a "
                             "DICOMweb origin server, alone or beside them, e.g. pacs,dicomweb)")
    listen.add_argument("--scenario", default=None, metavar="STEPS",
                        help="what the product claims to do, comma-separated (steps: store, commitment, "
                             "query-retrieve with --as pacs; worklist, mpps with --as ris; web-search, web-retrieve, web-store, ups-pull with --as "
                             "dicomweb); a claimed step that never happens is a FAIL (default: store with --as pacs, "
                             "worklist,mpps with --as ris, web-search,web-retrieve with --as dicomweb)")
    listen.add_argument("--product", default="the product", metavar="NAME", help="the product's name in the report")
    listen.add_argument("--drive", default=None, metavar="CMD",
                        help="a shell command that makes the product act, run once the counterparts listen; "
                             "{ae} {host} {port} are replaced by where it must connect ({url}: the DICOMweb base URL, "
                             "{study}: the Study Instance UID it holds, {workitem}: the UPS workitem's UID); "
                             "listening ends when it ends")
    listen.add_argument("--duration", type=float, default=None, metavar="SECONDS",
                        help="listen this long (with --drive: the longest the command may take, default 600)")
    listen.add_argument("--ae", default=None, help="the counterparts' AE title (default DH_PACS, or DH_RIS as RIS only)")
    listen.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    listen.add_argument("--port", type=int, default=11112, help="TCP port to listen on (default 11112; 0: any free port)")
    listen.add_argument("--web-port", type=int, default=8080, metavar="PORT",
                        help="as dicomweb: the HTTP port (default 8080; 0: any free port)")
    listen.add_argument("--max-pdu", type=int, default=16384, metavar="BYTES",
                        help="the maximum PDU length the counterparts announce (default 16384, as dcmtk's)")
    listen.add_argument("--item", action="append", default=[], metavar="'Keyword=Value ...'",
                        help="as RIS: a worklist item to offer (repeatable; default one scheduled CT procedure)")
    from dicom_harness.cli import listen_qr
    listen_qr.add_arguments(listen)         # --move-dest: the C-MOVE destinations the PACS knows
    listen.add_argument("--report-dir", default="conformance-report", metavar="DIR",
                        help="where the report and the recording go (default ./conformance-report)")
    listen.add_argument("-v", "--verbose", action="store_true", help="one line per test, with tracebacks")
    listen.set_defaults(func=listen_command)

    judge = sub.add_parser(
        "judge", help="judge a recording `listen` made, again (e.g. after the catalogue grew)",
        description="Judge a recording made by `dicom-harness listen` with the client-side suites and write the "
                    "report, without listening again.", epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    judge.add_argument("recording", metavar="RECORDING", help="the recording folder (REPORT_DIR/recording)")
    judge.add_argument("--report-dir", default=None, metavar="DIR",
                       help="where the report goes (default: the folder holding the recording)")
    judge.add_argument("--test", action="append", default=[], metavar="NODE",
                       help="judge only this test, e.g. 'clients/storage/test_storage_scu.py::test_priority_is_low_medium_or_high'")
    judge.add_argument("-v", "--verbose", action="store_true", help="one line per test, with tracebacks")
    judge.set_defaults(func=judge_command)


def listen_command(args: argparse.Namespace) -> int:
    from dicom_harness.cli.run_suites import _check_writable
    from dicom_harness.targets.scenarios import parse_counterparts, parse_scenario
    counterparts = parse_counterparts(args.counterparts)
    scenario = parse_scenario(args.scenario, counterparts)
    if args.duration is not None and args.duration <= 0:
        raise HarnessUserError(f"--duration {args.duration:g}: give a number of seconds above 0")
    if not 0 <= args.port < 65536:
        raise HarnessUserError(f"--port {args.port}: not a TCP port")
    report_dir = Path(args.report_dir)
    _check_writable(report_dir)
    folder = _fresh_recording_folder(report_dir / RECORDING)
    ae_title = args.ae or ("DH_PACS" if "pacs" in counterparts else "DH_RIS")
    from dicom_harness.cli import listen_qr, serving
    listening = _Counterparts(counterparts, ae_title, args.host, args.port, args.max_pdu, args.item, folder,
                              move_destinations=serving.move_destinations(args.move_dest),
                              seed_study=listen_qr.wants_study(scenario))
    listening.web = _WebCounterpart(args.web_port, scenario) if "dicomweb" in counterparts else None
    listening.start()
    endpoint = {"ae": ae_title, "host": args.host, "port": listening.port}
    dimse = [c.upper() for c in counterparts if c != "dicomweb"]
    where = [f"AE {ae_title} at {args.host}:{listening.port}"] if dimse else []
    if listening.web is not None:
        endpoint = listening.web.endpoint(endpoint, args.host, bool(dimse))
        where.append(f"DICOMweb at {endpoint['url']}")
    print(f"dicom-harness: listening as {' and '.join(dimse + (['DICOMweb'] if listening.web else []))}: "
          f"{'; '.join(where)}; scenario: {', '.join(scenario) or 'none'}", flush=True)
    if listening.web is not None and listening.web.seeded:
        print(f"dicom-harness: the DICOMweb store holds study {listening.web.seeded} (patient "
              f"{listening.web.patient_id})", flush=True)
    if listening.web is not None and listening.web.workitem:
        print(f"dicom-harness: the UPS-RS worklist holds SCHEDULED workitem {listening.web.workitem}", flush=True)
    if listening.seeded is not None:
        print(f"dicom-harness: {listening.seeded.describe()}", flush=True)
    started = time.time()
    drive = None
    try:
        if args.drive:
            drive = _drive(args.drive, endpoint, args.duration or DRIVE_TIMEOUT)
        else:
            _wait(args.duration)
        if not listening.recorder.wait_idle(QUIET_TIMEOUT):
            print(f"dicom-harness: {listening.recorder.open_associations} association(s) still open after "
                  f"{QUIET_TIMEOUT:g} s; judging what arrived", flush=True)
    finally:
        listening.stop()
    listening.writer.write_subject({
        "product": args.product, "counterparts": list(counterparts), "scenario": list(scenario),
        "endpoint": endpoint, "drive": args.drive or "", "drive_exit_code": drive,
        "started": started, "ended": time.time(),
        **({"seeded": listening.seeded.as_subject()} if listening.seeded is not None else {}),
    })
    listening.writer.close()
    heard = f"{listening.recorder.associations} association(s)" if dimse else ""
    if listening.web is not None:
        heard = " and ".join(filter(None, (heard, f"{listening.web.requests} HTTP request(s)")))
    print(f"dicom-harness: heard {heard}; judging {args.product} ...", flush=True)
    return judge(folder, report_dir, [], args.verbose)


def judge_command(args: argparse.Namespace) -> int:
    from dicom_harness.shared.recording import Recording, RecordingError
    folder = Path(args.recording)
    try:
        Recording.read(folder)
    except RecordingError as exc:
        raise HarnessUserError(str(exc)) from None
    return judge(folder, Path(args.report_dir) if args.report_dir else folder.parent, args.test, args.verbose)


def judge(folder: Path, report_dir: Path, tests: list[str], verbose: bool) -> int:
    """The client-side suites over a recording, through pytest with the plugin, as `run` does for servers."""
    import pytest

    from dicom_harness.plugin.collection import CLIENT_SUITES
    from dicom_harness.plugin.roots import builtin_root
    from dicom_harness.reports.render import load_results
    from dicom_harness.shared.verdicts import exit_code
    from dicom_harness.validation import ValidatorMissing, validator_version
    if not validator_version():
        raise ValidatorMissing("dciodvfy is not installed: the client-side IOD checks need it "
                               "(Debian: apt-get install dicom3tools)")
    suites = builtin_root()
    results_file = report_dir / "results.jsonl"
    results_file.unlink(missing_ok=True)
    selected = [str(suites / node) for node in tests] or [str(suites / CLIENT_SUITES)]
    import dicom_harness.plugin as harness_plugin
    from dicom_harness.cli.run_suites import hypothesis_prepared, own_pytest_arguments
    with hypothesis_prepared():
        code = pytest.main([
            *own_pytest_arguments(suites), "--recording", str(folder.resolve()), "--report-dir", str(report_dir),
            "--results-file", str(results_file),
            "-o", "console_output_style=progress", *(["-v", "--tb=short"] if verbose else ["-q", "--tb=no", "-rN"]),
            *selected], plugins=[harness_plugin])
    if int(code) in (int(pytest.ExitCode.USAGE_ERROR), int(pytest.ExitCode.INTERNAL_ERROR)) or not results_file.exists():
        return 2
    results = load_results(results_file)["results"]
    if not results:
        print("dicom-harness: no test ran", file=sys.stderr)
        return 2
    return exit_code([r["verdict"] for r in results])


def _fresh_recording_folder(folder: Path) -> Path:
    """The report folder's recording/, emptied if it holds an earlier recording (and only then)."""
    from dicom_harness.shared.recording import EVENTS_FILE, SUBJECT_FILE
    if folder.exists():
        if not any((folder / name).exists() for name in (EVENTS_FILE, SUBJECT_FILE)) and any(folder.iterdir()):
            raise HarnessUserError(f"{folder} exists and is not a recording: pick another --report-dir")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    return folder


class PortInUse(HarnessUserError):
    exit_code = 3


class _Counterparts:
    """The simulators a product talks to, on one AE, with the recorder bound to it."""

    def __init__(self, counterparts, ae_title, host, port, max_pdu, items, folder: Path, move_destinations=None,
                 seed_study: bool = False):
        from dicom_harness.shared.recording import RecordingWriter
        from dicom_harness.targets.builtin import Recorder
        self.counterparts, self.ae_title, self.host, self.requested_port = counterparts, ae_title, host, port
        self.max_pdu, self.items = max_pdu, items
        self.writer = RecordingWriter(folder)
        self.recorder = Recorder(self.writer)
        self._store_dir = tempfile.mkdtemp(prefix="dh-listen-")
        self._store = self._pacs = None
        self.port = port
        self.web = None
        self.move_destinations, self.seed_study, self.seeded = move_destinations or {}, seed_study, None

    def start(self) -> None:
        from dicom_harness.targets.builtin import (
            PacsSimulator,
            RisService,
            Store,
            WorklistError,
            WorklistStore,
            parse_item,
        )
        from dicom_harness.targets.ports import port_in_use
        dimse = any(c in self.counterparts for c in ("pacs", "ris"))     # else DICOMweb alone: no AE
        if dimse and self.requested_port and port_in_use(self.requested_port, self.host):
            raise PortInUse(f"port {self.requested_port} is in use on {self.host}: stop what listens there or pick "
                            "--port (0: any free port)")
        # pynetdicom's own logging handlers run before the recorder's and choke on what faulty clients send (a
        # Priority of 3 raises in them), which stops the recorder's handler for that message: not in this process
        from pynetdicom import _config
        _config.LOG_HANDLER_LEVEL = "none"
        services = []
        if "ris" in self.counterparts:
            worklist = WorklistStore(None)
            try:
                for text in self.items or ["PatientName=DOE^JANE PatientID=DH-P1 Modality=CT"]:
                    worklist.add(parse_item(text))
            except WorklistError as exc:
                raise HarnessUserError(f"--item: {exc}") from None
            services.append(RisService(worklist))
        self._store = Store(Path(self._store_dir), folders_first=False)     # a throwaway store
        if self.seed_study:         # a Query/Retrieve SCU needs something to find (listen_qr.py)
            from dicom_harness.cli.listen_qr import seed
            self.seeded = seed(self._store)
        if self.web is not None:
            self.web.start(self._store, self.host, self.writer)
        if not dimse:
            return
        self._pacs = PacsSimulator(self._store, ae_title=self.ae_title, host=self.host, port=self.requested_port,
                                   check_called_ae=False, max_pdu=self.max_pdu, services=services,
                                   commitment_answer_on="same", recorder=self.recorder,
                                   move_destinations=self.move_destinations).start()
        self.port = self._pacs.port

    def stop(self) -> None:
        if self.web is not None:
            self.web.stop()
        if self._pacs is not None:
            self._pacs.stop()
            self._pacs = None
        if self._store is not None:
            self._store.close()
        shutil.rmtree(self._store_dir, ignore_errors=True)


class _WebCounterpart:
    """`--as dicomweb`: the DICOMweb simulator over the counterparts' store, every request recorded; with a
    scenario that searches or retrieves, the store first holds one small synthetic study to find."""

    SEEDING_STEPS = ("web-search", "web-retrieve")

    def __init__(self, port: int, scenario: tuple[str, ...]):
        if not 0 <= port < 65536:
            raise HarnessUserError(f"--web-port {port}: not a TCP port")
        self.requested_port, self.scenario = port, scenario
        self.seeded = self.patient_id = self.workitem = ""
        self._web = self._recorder = None

    def start(self, store, host: str, writer) -> None:
        from dicom_harness.targets.builtin import DicomWebSimulator
        from dicom_harness.targets.ports import port_in_use
        if self.requested_port and port_in_use(self.requested_port, host):
            raise PortInUse(f"port {self.requested_port} is in use on {host}: stop what listens there or pick "
                            "--web-port (0: any free port)")
        if any(step in self.scenario for step in self.SEEDING_STEPS):
            self._seed(store)
        if UPS_PULL_STEP in self.scenario:
            self._seed_workitem(store)
        self._web = DicomWebSimulator(store, host=host, port=self.requested_port, recorder=writer).start()
        self._recorder = self._web.http_recorder

    def _seed(self, store) -> None:
        """One patient, one study, two series (CT and MR), three instances."""
        from io import BytesIO

        from dicom_harness.data.datasets import DatasetFactory
        factory = DatasetFactory()
        study = factory.study()
        ct, mr = factory.uid(), factory.uid()
        for kind, series in (("CT", ct), ("CT", ct), ("MR", mr)):
            instance = factory.make(kind, study=study, series_uid=series)
            encoded = BytesIO()
            instance.save_as(encoded, enforce_file_format=True)
            store.put_file(encoded.getvalue(), instance)
        self.seeded, self.patient_id = str(study.StudyInstanceUID), str(study.PatientID)

    def _seed_workitem(self, store) -> None:
        """One SCHEDULED UPS workitem for a pull performer to find, claim and complete (PS3.4 CC.1.1); written
        before the server starts, which reads the worklist from the store's folder."""
        import datetime

        from dicom_harness.data.datasets import DatasetFactory
        from dicom_harness.shared.ups import new_workitem
        from dicom_harness.targets.builtin import UpsWorklist
        factory = DatasetFactory()
        study = factory.study()
        self.workitem = str(factory.uid())
        ds = new_workitem(uid=self.workitem, patient=(str(study.PatientName), str(study.PatientID)),
                          study_uid=self.seeded or str(study.StudyInstanceUID),
                          start=datetime.datetime.now().strftime("%Y%m%d%H%M%S"),
                          comments="dicom-harness listen: a workitem to pull")
        UpsWorklist(store.root).create(self.workitem, ds)

    def endpoint(self, endpoint: dict, host: str, with_dimse: bool) -> dict:
        """The --drive placeholders: {url}, and {host} {port} of the web server when there is no DIMSE side."""
        found = {**endpoint, "url": self._web.base_url, **({"study": self.seeded} if self.seeded else {}),
                 **({"workitem": self.workitem} if self.workitem else {})}
        return found if with_dimse else {**found, "port": self._web.port}

    @property
    def requests(self) -> int:
        return self._recorder.requests if self._recorder is not None else 0

    def stop(self) -> None:
        if self._web is not None:
            self._web.stop()
            self._web = None


def _wait(duration: float | None) -> None:
    """Until duration seconds pass, or Ctrl-C / SIGTERM."""
    from dicom_harness.cli.serving import catch_stop_signals
    stop = catch_stop_signals()
    if duration is None:
        print("dicom-harness: Ctrl-C ends listening and judges what arrived", flush=True)
    deadline = None if duration is None else time.monotonic() + duration
    while not stop.wait(timeout=1.0 if deadline is None else max(0.0, min(1.0, deadline - time.monotonic()))):
        if deadline is not None and time.monotonic() >= deadline:
            break


def _drive(template: str, endpoint: dict, timeout: float) -> int | None:
    """Run the --drive command with its placeholders filled; its output is shown as it comes, indented.
    Returns its exit code, or None if it was stopped after timeout seconds."""
    from dicom_harness.cli.serving import catch_stop_signals
    values = {key: shlex.quote(str(value)) for key, value in endpoint.items()}
    try:
        command = template.format(**values)
    except (KeyError, IndexError, ValueError) as exc:
        raise HarnessUserError(f"--drive: cannot fill in {exc}; the placeholders are {{ae}} {{host}} {{port}} "
                               "{{url}} {{study}} {{workitem}} (write {{ and }} for literal braces)") from None
    print(f"dicom-harness: driving: {command}", flush=True)
    stop = catch_stop_signals()
    proc = subprocess.Popen(command, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            errors="replace", start_new_session=True)
    reader = threading.Thread(target=_echo_lines, args=(proc.stdout,), daemon=True)
    reader.start()
    deadline = time.monotonic() + timeout
    while proc.poll() is None:
        if stop.is_set() or time.monotonic() >= deadline:
            why = "stopped" if stop.is_set() else f"still running after {timeout:g} s"
            print(f"dicom-harness: the --drive command is {why}; ending it", flush=True)
            _end(proc)
            break
        time.sleep(0.05)
    reader.join(timeout=2.0)
    code = proc.returncode
    print(f"dicom-harness: the --drive command ended with exit code {code}", flush=True)
    return code


def _echo_lines(stream) -> None:
    for line in stream:
        print(f"  | {line.rstrip()}", flush=True)


def _end(proc: subprocess.Popen) -> None:
    import signal
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=5)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
