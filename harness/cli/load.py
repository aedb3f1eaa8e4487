"""`dicom-harness load`: a load (or soak) against a target, on Locust used as a library."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from dicom_harness.errors import HarnessUserError

DESCRIPTION = """\
Put load on a target with Locust (as a library): weighted users for C-ECHO, C-STORE, C-FIND (study level),
C-GET of a stored study, STOW-RS, QIDO-RS and WADO-RS (study retrieve); p50/p95/p99 latency, throughput and
errors per operation on the terminal, in CSV (load_stats.csv, load_stats_history.csv, load_failures.csv) and in
load.html (Locust's report: self-contained, works offline) in --report-dir, beside the conformance report.

The target is named as for `run`. It is started (simulators, orthanc, dcmqrscp, docker:...) in a separate
process: Locust patches the load's process with gevent, and a pynetdicom server never runs under it. Each user
is a closed loop without waits; query and retrieve users first store a study of their own (C-STORE for C-FIND
and C-GET, STOW-RS for QIDO-RS and WADO-RS: 1 instance to find, 3 to retrieve), so every query matches one
study and every retrieve moves the same amount; this seeding is not in the statistics.

DIMSE associations (--association): 'user' (default) opens one association per user and keeps it across
tasks, so the figures are those of each operation on an open association (what a modality or PACS that keeps
its association sees, and what the target's DIMSE service itself costs); 'task' times associate + operation +
release, as a sender that opens an association per exchange sees it. Measured on the simulators (4 users,
echo=1,store=1, a busy 2-core machine): C-ECHO p50 10 ms per user against 180 ms per task, C-STORE 72 against
300 ms: with 'task' the association, not the operation, is what is measured. DICOMweb users keep one HTTP
connection pool per user.

--check: after the load, every instance the target acknowledged (C-STORE Success or Warning; STOW-RS 200/202
listing it in the Referenced SOP Sequence) is read back (C-GET or WADO-RS, by the protocol it was sent with)
and compared with what was sent (the data set's bytes as Explicit VR Little Endian, File Meta Information left
out). Lost or changed instances are listed and make the exit code 1. Acknowledgements travel from the workers
to the master as Locust messages, so remote workers are checked too.

More machines: `load --workers N --expect-workers M --master-bind-host 0.0.0.0 --master-port P` runs the
master with N local worker processes and waits for M workers in all; on each other machine
`dicom-harness load --worker --master-host HOST --master-port P` adds one (it learns the target from the
master; the target must be reachable from it)."""

EXIT_CODES = """exit codes:
  0  no failed operation, and with --check nothing lost or changed
  1  operations failed (the target's answers), or --check found lost or changed instances
  2  usage or profile error, or Locust is not installed
  3  target unreachable, or a local target could not be started
  4  nothing failed, but the harness hit errors (no operation ran, or a user's code raised)"""


def add_parser(sub) -> None:
    from dicom_harness.plugin.options import add_run_arguments
    load = sub.add_parser("load", help="load and soak tests against a target (Locust)", description=DESCRIPTION,
                          epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_run_arguments(load, only=("--target", "--dimse", "--dicomweb", "--fault", "--report-dir"))
    load.add_argument("--users", type=int, default=4, help="concurrent users (default 4)")
    load.add_argument("--spawn-rate", type=float, default=4.0, help="users started per second (default 4)")
    load.add_argument("--duration", type=float, default=10.0, metavar="SECONDS",
                      help="how long the load runs once started (default 10)")
    from dicom_harness.load.config import DEFAULT_MIX, OPERATIONS
    load.add_argument("--mix", default=None, metavar="OP=WEIGHT,...",
                      help=f"operations and their weights (default {DEFAULT_MIX!r}, the operations the target "
                           f"does not offer left out); operations: {', '.join(OPERATIONS)}")
    load.add_argument("--association", choices=("user", "task"), default="user",
                      help="DIMSE: one association per user kept open (default), or one per operation, timed")
    load.add_argument("--check", action="store_true",
                      help="after the load, read back every acknowledged instance and compare it with what was sent")
    load.add_argument("--workers", type=int, default=0, metavar="N",
                      help="run a Locust master and N local worker processes (default 0: one process)")
    load.add_argument("--expect-workers", type=int, default=0, metavar="M",
                      help="with remote workers: wait for M workers in all before starting (default --workers)")
    load.add_argument("--master-bind-host", default="127.0.0.1", metavar="ADDR",
                      help="address the master listens on for workers (default 127.0.0.1; 0.0.0.0 for remote ones)")
    load.add_argument("--master-port", type=int, default=0, metavar="PORT",
                      help="port the master listens on (default: a free one; give one for remote workers)")
    load.add_argument("--worker", action="store_true",
                      help="run as a Locust worker of a master elsewhere (with --master-host, --master-port)")
    load.add_argument("--master-host", default=None, metavar="HOST", help="the master a --worker connects to")
    # Locust patches this process with gevent, which must come before anything imports ssl (pydicom does)
    load.set_defaults(func=load_command, gevent_first=True)


def load_command(args: argparse.Namespace) -> int:
    try:
        import locust  # noqa: F401  first: its gevent monkey-patching must come before ssl and sockets are used
    except ImportError:
        raise HarnessUserError("load needs Locust: pip install 'dicom-harness[load]'") from None
    if args.worker:
        if not args.master_host or not args.master_port:
            raise HarnessUserError("load --worker needs --master-host and --master-port")
        from dicom_harness.load.runner import worker_main
        return worker_main(args.master_host, args.master_port)
    from dicom_harness.load.config import LoadConfig, parse_mix
    from dicom_harness.load.host import TargetProcess
    from dicom_harness.load.runner import Plan
    _check_numbers(args)
    parse_mix(args.mix, {"dimse", "web"})                # a misspelled operation: exit 2 before anything starts
    report_dir = Path(args.report_dir)
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise HarnessUserError(f"cannot write the report to {report_dir}: {exc.strerror}; pick --report-dir") from None
    quick = " ".join(f"--{form} {value}" for form, value in (("dimse", args.dimse), ("dicomweb", args.dicomweb)) if value)
    print(f"dicom-harness: starting {args.target or quick or 'simulators'} ...", flush=True)
    holder = TargetProcess(args.target, args.dimse, args.dicomweb, args.fault, report_dir)
    target = holder.start()
    try:
        available = {protocol for protocol, key in (("dimse", "dimse"), ("web", "dicomweb")) if target[key]}
        config = LoadConfig(run_id=os.urandom(4).hex().upper(), calling_ae=target["calling_ae"],
                            dimse=target["dimse"], dicomweb=target["dicomweb"], association=args.association,
                            weights=parse_mix(args.mix, available))
        plan = Plan(users=args.users, spawn_rate=args.spawn_rate, duration=args.duration, workers=args.workers,
                    expect_workers=args.expect_workers, master_bind_host=args.master_bind_host,
                    master_port=args.master_port)
        mix = ", ".join(f"{name}={weight}" for name, weight in config.weights.items())
        workers = f", {max(args.workers, args.expect_workers)} Locust workers" if plan.workers or plan.expect_workers else ""
        print(f"dicom-harness: load on {target['name']}: {args.users} users ({mix}), {args.duration:g} s"
              f"{workers}", flush=True)
        from dicom_harness.load.runner import run as run_load
        outcome = run_load(config, plan, report_dir)
        _print_table(outcome)
        result = None
        if args.check:
            result = _check(report_dir, target)
    finally:
        holder.stop()
    print(f"dicom-harness: CSV {report_dir / 'load_stats.csv'}, report {report_dir / 'load.html'}")
    return _exit_code(outcome, result)


def _check_numbers(args) -> None:
    for flag, value in (("--users", args.users), ("--spawn-rate", args.spawn_rate), ("--duration", args.duration)):
        if value <= 0:
            raise HarnessUserError(f"{flag} must be above 0")
    if args.workers < 0 or args.expect_workers < 0:
        raise HarnessUserError("--workers and --expect-workers must not be negative")


def _print_table(outcome) -> None:
    print(f"{'operation':10} {'requests':>9} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'ops/s':>8}")
    for row in [*outcome.rows, outcome.total]:
        print(f"{row.name:10} {row.requests:9d} {row.failures:7d} {row.p50:8.0f} {row.p95:8.0f} {row.p99:8.0f} "
              f"{row.rps:8.1f}")
    for failure in outcome.failures[:10]:
        print(f"  error: {failure}")
    for exception in outcome.exceptions[:3]:
        print(f"  harness error: {exception}", file=sys.stderr)


def _check(report_dir: Path, target: dict):
    from dicom_harness.load import ledger
    from dicom_harness.load.check import check
    from dicom_harness.load.runner import LEDGER_NAME
    records = ledger.read(report_dir / LEDGER_NAME)
    print(f"dicom-harness: check: reading back {len(records)} acknowledged instances ...", flush=True)
    result = check(records, target)
    (report_dir / "load-check.json").write_text(json.dumps(result.as_dict(), indent=1), encoding="utf-8")
    print(f"dicom-harness: check: {result.acknowledged} acknowledged, {result.identical} read back identical, "
          f"{len(result.lost)} lost, {len(result.changed)} changed")
    for kind, items in (("lost", result.lost), ("changed", result.changed)):
        for item in items[:20]:
            print(f"  {kind}: {item['sop']} (sent by {item['sent_by']}, study {item['study']}): {item['reason']}")
        if len(items) > 20:
            print(f"  ... {len(items) - 20} more {kind}: {report_dir / 'load-check.json'}")
    return result


def _exit_code(outcome, result) -> int:
    if outcome.total.failures or (result is not None and not result.ok):
        return 1
    if outcome.exceptions or not outcome.total.requests:
        if not outcome.total.requests:
            print("dicom-harness: load: no operation ran", file=sys.stderr)
        return 4
    return 0
