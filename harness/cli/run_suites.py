"""`dicom-harness run`: start the target, run the suites (and the user's --suite folders) through pytest with the
plugin, and turn the verdicts into the exit code."""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager
from pathlib import Path

from dicom_harness.errors import HarnessUserError


def own_pytest_arguments(suites_dir: Path) -> list[str]:
    """What the harness's own pytest runs (run, listen) start with. Its plugin is given to pytest.main, and only
    it: none that happens to be installed beside it can reorder, reseed or slow a run (nor scan every installed
    package for entry points, a tenth of a second in each process). The unraisable-exception plugin's garbage
    collection at the end (another tenth) looks for errors nobody reads here."""
    return ["-p", "no:cacheprovider", "--rootdir", str(suites_dir), "-c", os.devnull,
            "--disable-plugin-autoload", "-p", "no:unraisableexception"]


def run(args: argparse.Namespace) -> int:
    if args.target in (None, "simulators") and not (args.targets or args.dimse or args.dicomweb):
        from dicom_harness.shared.tls import prepare_rsa_keys
        prepare_rsa_keys()      # the simulators' certificates: made while the imports below run
    import pytest

    import dicom_harness.plugin as harness_plugin
    from dicom_harness.catalogue import load_catalogue
    from dicom_harness.cli import reports as cli_reports
    from dicom_harness.plugin.options import OPTIONS, arguments
    from dicom_harness.plugin.roots import builtin_root, user_folders
    from dicom_harness.reports.render import load_results
    from dicom_harness.shared.verdicts import exit_code
    from dicom_harness.targets.profile import check_deviations
    from dicom_harness.targets.providers import make_provider
    if args.targets:
        from dicom_harness.cli.many_targets import run_targets
        return run_targets(args)
    folders = user_folders(args.suite)                     # a missing folder: exit 2
    known = load_catalogue(folders)                        # their requirements: a bad or duplicate one, exit 2
    baseline = cli_reports.check_baseline(args.baseline)
    report_dir = Path(args.report_dir)
    _check_writable(report_dir)
    if getattr(args, "data", None):                                           # no DICOM files there: exit 2
        from dicom_harness.data.corpus import describe_corpus, read_corpus
        print(f"dicom-harness: test data: {describe_corpus(args.data, read_corpus(args.data))}", flush=True)
    provider = make_provider(args.target, args.dimse, tuple(args.fault), args.dicomweb,   # bad input: exit 2
                             tls=args.tls)
    check_deviations(provider.profile, known)                                 # a misspelled ID: exit 2
    from dicom_harness.cli import sharded
    if sharded.shardable(args):
        import hypothesis  # noqa: F401  (every shard imports it before its tests: once here, before forking them)
        settle_garbage_collector()      # the imports, shared by every shard
        from dicom_harness.shared.tls import rsa_keys_ready
        rsa_keys_ready()                # no thread running: the shards are forked
        code = sharded.run_sharded(sharded.Shards(args, report_dir), args, report_dir)
        return _nothing_ran(args) if code == -1 else (cli_reports.baseline_exit(baseline, report_dir)
                                                     if baseline is not None and code in (0, 1, 4) else code)
    quick = " ".join(f"--{form} {value}" for form, value in (("dimse", args.dimse), ("dicomweb", args.dicomweb)) if value)
    print(f"dicom-harness: starting {args.target or quick or 'simulators'} ...", flush=True)
    provider.log_folder = report_dir
    running = provider.start()                                                # unreachable: exit 3
    suites_dir = builtin_root()
    tests, folders = _selected(args.test, folders, suites_dir)
    if args.shard:          # one process of a sharded run (sharded.py): these built-in suite folders only
        tests = [str(suites_dir / name) for name in args.shard.split(",")] + tests[1:]
    results_file = report_dir / "results.jsonl"
    values = {**vars(args), "suite": [str(folder) for folder in folders],
              # a shard writes its records only; the process that started it writes the report
              **({"report_dir": None} if args.shard else {})}
    pytest_args = [
        *own_pytest_arguments(suites_dir),
        *arguments([o for o in OPTIONS if o.cli], values), "--results-file", str(results_file),
        "-o", f"console_output_style={'count' if args.shard else 'progress'}",
    ]
    if args.k:
        pytest_args += ["-k", args.k]
    pytest_args += ["-v"] if args.verbose else ["-q"]
    pytest_args += ["--tb=no", "-rN"] if not args.verbose else ["--tb=short"]
    results_file.unlink(missing_ok=True)
    try:
        with hypothesis_prepared():
            code = pytest.main(pytest_args + tests, plugins=[harness_plugin, _StartedTarget(running, provider,
                                                                                             not args.shard)])
        if args.shard and code in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED) and results_file.exists():
            sharded.mark_finished(report_dir)   # its records are complete: the report need not wait for the stop
    finally:
        provider.stop()
    if code in (2, 3) and not results_file.exists():
        return int(code)          # the plugin stopped the session with a user error (2) or unreachable target (3)
    if int(code) == int(pytest.ExitCode.USAGE_ERROR) or int(code) == int(pytest.ExitCode.INTERNAL_ERROR):
        return 2
    results = load_results(results_file)["results"] if results_file.exists() else []
    if not results:
        return _nothing_ran(args)
    if baseline is not None:
        return cli_reports.baseline_exit(baseline, report_dir)
    return exit_code([r["verdict"] for r in results])


@contextmanager
def hypothesis_prepared():
    """Hypothesis for a run of the suites. It keeps what it derives once (which characters a codec encodes:
    seconds of CPU; the constants of each module it draws for) in its storage folder, ./.hypothesis unless
    HYPOTHESIS_STORAGE_DIRECTORY says otherwise: a run in a fresh folder derived them again and left the folder
    behind, so a run keeps them in the user's cache instead (the same values: only where they are kept changes).
    Imported before pytest starts: pytest rewrites the asserts of every module of a package that has a pytest
    plugin (hypothesis has one), about a second per process, and no check asserts inside hypothesis."""
    import hypothesis  # noqa: F401
    from hypothesis.configuration import set_hypothesis_home_dir
    chosen = not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
    if chosen:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        set_hypothesis_home_dir(cache / "dicom-harness" / "hypothesis")
    try:
        yield
    finally:
        if chosen:
            set_hypothesis_home_dir(None)       # a later pytest session in this process: hypothesis's default


def _nothing_ran(args: argparse.Namespace) -> int:
    """A run that executed nothing is not a pass."""
    selection = " ".join(f"{flag} {value!r}" for flag, value in (("-k", args.k), ("--test", " ".join(args.test)))
                         if value)
    print(f"dicom-harness: no test ran{': ' + selection + ' selected none' if selection else ''}; "
          "`dicom-harness run --help` shows how to select tests", file=sys.stderr)
    return 2


def _check_writable(report_dir: Path) -> None:
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        (report_dir / ".write-check").touch()
        (report_dir / ".write-check").unlink()
    except OSError as exc:
        raise HarnessUserError(f"cannot write the report to {report_dir}: {exc.strerror}; pick --report-dir") from None


def _selected(tests: list[str], folders: tuple[Path, ...], suites_dir: Path) -> tuple[list[str], tuple[Path, ...]]:
    """What pytest collects, and which --suite folders the run uses. Without --test: the built-in suites and
    every --suite folder. With --test NODE (a path relative to its suite root): the first --suite folder
    holding that file, else the built-in suites; only the folders holding a named test are used, so the
    plugin does not add the others."""
    if not tests:
        return [str(suites_dir), *map(str, folders)], folders
    paths, used = [], []
    for node in tests:
        file = node.split("::", 1)[0]
        folder = next((f for f in folders if (f / file).exists()), suites_dir)
        paths.append(str(folder / node))
        if folder != suites_dir:
            used.append(folder)
    return paths, tuple(dict.fromkeys(used))


class _StartedTarget:
    """Hands the target the command line already started to the plugin's target fixture."""

    def __init__(self, target, provider=None, read_sources: bool = True):
        self.target = target
        self.provider = provider
        self.read_sources = read_sources

    def pytest_configure(self, config):
        from dicom_harness.plugin.state import hand_over
        hand_over(config, self.target, self.provider, self.read_sources)

    def pytest_collection_finish(self, session):
        settle_garbage_collector()


# A run allocates millions of short-lived objects (data sets, PDUs, hypothesis's draws) beside some 150,000 that
# live to its end (modules, collected tests). With the collector's defaults every full collection walked those
# again: 0.8-0.9 s of each shard's CPU, measured with gc.callbacks. Frozen once the tests are collected, and with
# young collections rarer, 0.35 s. Nothing of the tests changes: cycles are still collected, only less often.
YOUNG_COLLECTION_THRESHOLD = 10_000


def settle_garbage_collector() -> None:
    """What is alive now lives to the run's end: out of the collector's walks from here on."""
    import gc
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, older, oldest)
