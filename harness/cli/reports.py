"""Command-line parts for reports people act on: `compare`, `run --baseline`, `run --targets`, `probe`.

Kept apart from harness/cli.py so that file only gains a few hook lines."""

from __future__ import annotations

import argparse
from pathlib import Path

from dicom_harness.errors import HarnessUserError

BASELINE_HELP = """with --baseline:
  0  no regressions against the baseline (old failures allowed)
  1  a test fails (FAIL or WARN) that did not fail in the baseline
  4  no regressions, but harness errors the baseline did not have"""
TARGETS_HELP = """with --targets: 2 if the entries file or an entry is malformed, else 3 if an entry was
unreachable, else 1 if an entry failed a requirement, else 4 if an entry hit harness errors, else 0"""


def add_run_options(run: argparse.ArgumentParser) -> None:
    run.epilog = f"{run.epilog}\n{BASELINE_HELP}\n{TARGETS_HELP}"
    run.add_argument("--baseline", default=None, metavar="RESULTS",
                     help="a results.json (or report folder) of an earlier run: exit 1 only on regressions against it "
                          "(tests failing now that did not fail then); writes baseline.html beside the report")
    run.add_argument("--targets", default=None, metavar="ENTRIES.TOML",
                     help="run many targets, each with its profile, a few at a time; one report folder per entry "
                          "and one comparison (index.html) in --report-dir")
    run.add_argument("--jobs", type=int, default=None, metavar="N",
                     help="with the simulators: how many processes share the suites, each with its own simulators "
                          "(default: one more than the number of CPUs, at most 4; 1 runs everything in this "
                          "process); with --targets: how many targets run at once (default: 'concurrency' in the "
                          "file, else 2)")
    run.add_argument("--shard", default=None, help=argparse.SUPPRESS)   # one process of a sharded run: its folders


def add_commands(sub) -> None:
    compare = sub.add_parser(
        "compare", help="compare runs: targets side by side (leaderboard) and version to version",
        description="Compare report folders of earlier runs: a leaderboard and requirement matrix across targets, "
                    "and what newly fails, got fixed or is unchanged from the first run to each later one.")
    compare.add_argument("runs", nargs="+", metavar="RUN_DIR", help="report folders (or results.json files); the first "
                                                                     "is the 'before' of the changes section")
    compare.add_argument("--output", "-o", default="comparison", metavar="DIR_OR_HTML",
                         help="where compare.html goes (a folder, or a .html file; default ./comparison)")
    compare.add_argument("--label", action="append", default=[], metavar="NAME",
                         help="a name for each run, in order (default: the target's name)")
    compare.set_defaults(func=compare_command)

    probe = sub.add_parser(
        "probe", help="negotiate a DIMSE target's SOP classes, transfer syntaxes and roles; draft its claims",
        description="Propose every known SOP class in every common transfer syntax (and SCP/SCU role selection), "
                    "record what the target accepts, and write a draft PS3.2-style conformance statement table "
                    "and a profile with a [claims] section to edit and reuse with 'run --target'.")
    probe.add_argument("address", metavar="AET@HOST:PORT", nargs="?", default=None)
    probe.add_argument("--dicomweb", default=None, metavar="URL",
                       help="also (or only) ask a DICOMweb service's resources how they answer: QIDO-RS, WADO-RS, "
                            "STOW-RS (an empty body: nothing is stored), UPS-RS, capabilities")
    probe.add_argument("--output", "-o", default="probe", metavar="DIR",
                       help="where conformance-statement.md, conformance-statement.html, profile.toml and "
                            "probe.json go (default ./probe)")
    probe.add_argument("--calling-ae", default="DICOM_HARNESS", help="our AE title (default DICOM_HARNESS)")
    probe.add_argument("--timeout", type=float, default=10.0, help="seconds for every network wait (default 10)")
    probe.add_argument("--name", default=None, help="the product's name in the profile (default: the address)")
    probe.set_defaults(func=probe_command)


# -- compare -------------------------------------------------------------------------------------------------
def compare_command(args: argparse.Namespace) -> int:
    from dicom_harness.reports.compare import CompareError, load_run, write_comparison
    if args.label and len(args.label) != len(args.runs):
        raise HarnessUserError(f"--label given {len(args.label)} time(s) for {len(args.runs)} run(s): give one per run")
    try:
        runs = [load_run(path, label) for path, label in zip(args.runs, args.label or [None] * len(args.runs))]
        page = write_comparison(runs, Path(args.output))
    except CompareError as exc:
        raise HarnessUserError(str(exc)) from None
    print(f"dicom-harness: compared {len(runs)} run(s): {page}")
    return 0


# -- run --baseline ------------------------------------------------------------------------------------------
def check_baseline(path: str | None):
    """Load the baseline before the run starts, so a bad path costs no run."""
    if not path:
        return None
    from dicom_harness.reports.compare import CompareError, load_run
    try:
        return load_run(path, label="baseline")
    except CompareError as exc:
        raise HarnessUserError(f"--baseline {exc}") from None


def baseline_exit(baseline, report_dir: Path) -> int:
    from dicom_harness.reports.compare import diff_runs, load_run, write_comparison
    current = load_run(report_dir, label="this run")
    changes = diff_runs(baseline, current)
    page = write_comparison([baseline, current], report_dir / "baseline.html",
                            links={"this run": "index.html"}, title="DICOM conformance: this run against the baseline")
    print(f"dicom-harness: against the baseline {baseline.source}: {len(changes.new_failures)} regression(s), "
          f"{len(changes.fixed)} fixed, {len(changes.still_failing)} still failing, "
          f"{len(changes.new_errors)} new harness error(s), {len(changes.added)} new test(s); {page}")
    index = (report_dir / "index.html").resolve()
    for pair in changes.new_failures:
        print(f"  REGRESSION {pair['before']} -> {pair['after']} {pair['test']}: {index.as_uri()}#{pair['anchor']}")
    if changes.new_failures:
        return 1
    return 4 if changes.new_errors else 0


# -- probe ---------------------------------------------------------------------------------------------------
def probe_command(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from dicom_harness.probe.dicomweb import probe_web
    from dicom_harness.probe.dimse import probe, write_probe
    from dicom_harness.targets.profile import parse_dicomweb_url, parse_dimse_address
    if not args.address and not args.dicomweb:
        raise HarnessUserError("probe what? give AET@HOST:PORT, --dicomweb URL, or both")
    endpoint = web_endpoint = None
    if args.address:
        endpoint = parse_dimse_address(args.address)                # bad address: exit 2
        endpoint = type(endpoint)(endpoint.ae_title, endpoint.host, endpoint.port, timeout=args.timeout)
    if args.dicomweb:
        web_endpoint = replace(parse_dicomweb_url(args.dicomweb), timeout=args.timeout)
    what = " and ".join(a for a in (args.address, args.dicomweb) if a)
    print(f"dicom-harness: probing {what} ...", flush=True)
    found = probe(endpoint, calling_ae=args.calling_ae) if endpoint else None     # unreachable: exit 3
    web = probe_web(web_endpoint) if web_endpoint else None
    written = write_probe(found, Path(args.output), name=args.name or what, web=web)
    for summary in (found.summary() if found else None, web.summary() if web else None):
        if summary:
            print(f"dicom-harness: {summary}")
    print(f"dicom-harness: wrote {', '.join(str(p) for p in written)}")
    return 0
