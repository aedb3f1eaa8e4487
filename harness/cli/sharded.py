"""`dicom-harness run` against the built-in simulators, spread over processes.

One Python process runs pytest, the harness's clients and the simulators under one interpreter lock, so a run
uses one core. With the simulators every process can start its own: the suite folders are dealt out to
`--jobs` processes (`dicom-harness run --shard FOLDERS`, each with its own simulators, store and ports), and
their result records are put back in the order one process would have written them, into one report. A
product under test is shared, and tests running side by side could see each other's data: those runs stay in
one process."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

# Seconds of CPU and of wall time each built-in suite module's tests take in one process against the simulators
# (tests/benchmarks/suite_seconds.py measures them and writes the file). Only the shards' balance depends on them.
SUITE_SECONDS_FILE = Path(__file__).with_name("suite_seconds.json")
MAX_DEFAULT_JOBS = 4
SHARDS_FOLDER = ".shards"
# Written by a shard once its records are complete, before it stops its simulators (a few tenths of a second: the
# DICOMweb server's shutdown alone waits two 0.1 s turns of uvicorn): the report is written meanwhile.
FINISHED_MARK = "finished"
# How long a shard that has finished its tests may take to stop its simulators before it is terminated.
STOP_TIMEOUT = 30.0


def mark_finished(shard_folder: Path) -> None:
    (shard_folder / FINISHED_MARK).touch()


def default_jobs() -> int:
    """One process per CPU and one more, at most MAX_DEFAULT_JOBS: a shard spends part of its time waiting for
    answers, when another can compute (on 2 CPUs, 3 processes finished a run 5-10% sooner than 2, for 5-20% more
    CPU). One CPU: one process."""
    cpus = os.cpu_count() or 1
    return 1 if cpus == 1 else min(cpus + 1, MAX_DEFAULT_JOBS)


def shardable(args: argparse.Namespace) -> bool:
    """Only the built-in simulators can be split (each process starts its own); --test and -v stay in one."""
    on_simulators = args.target in (None, "simulators") and not args.dimse and not args.dicomweb
    return (on_simulators and not args.test and not args.verbose and not args.shard
            and (args.jobs or default_jobs()) > 1)


def suite_seconds() -> dict[str, tuple[float, float]]:
    """Suite folder -> (CPU seconds, wall seconds), summed over its modules in SUITE_SECONDS_FILE; empty when the
    file cannot be read."""
    try:
        measured = json.loads(SUITE_SECONDS_FILE.read_text(encoding="utf-8"))
        folders: dict[str, tuple[float, float]] = {}
        for module, (cpu, wall) in measured.items():
            folder = module.split("/", 1)[0]
            spent = folders.get(folder, (0.0, 0.0))
            folders[folder] = (spent[0] + float(cpu), spent[1] + float(wall))
        return folders
    except (OSError, ValueError, TypeError):
        return {}


def lengths_in_a_shard(folders: list[str], jobs: int, seconds: dict[str, tuple[float, float]] | None = None,
                       cpus: int | None = None) -> dict[str, float]:
    """The time each folder takes in a shard: its wait for answers (wall less CPU seconds) and its CPU seconds,
    stretched by the sharing when there are more shards than CPUs (each then gets CPUs/jobs of a core while it
    computes). A folder not measured counts as a typical one."""
    seconds = suite_seconds() if seconds is None else seconds
    stretch = max(1.0, jobs / (cpus or os.cpu_count() or 1))
    measured = {folder: cpu * stretch + max(0.0, wall - cpu) for folder, (cpu, wall) in seconds.items()}
    ordered = sorted(measured.values())
    typical = ordered[len(ordered) // 2] if ordered else 1.0
    return {folder: measured.get(folder, typical) for folder in folders}


def deal(folders: list[str], jobs: int, seconds: dict[str, tuple[float, float]] | None = None,
         cpus: int | None = None) -> list[list[str]]:
    """The suite folders dealt out to at most `jobs` shards, the longest first (lengths_in_a_shard), each to the
    shard with least so far."""
    length = lengths_in_a_shard(folders, jobs, seconds, cpus)
    shards: list[list[str]] = [[] for _ in range(min(jobs, len(folders)))]
    load = [0.0] * len(shards)
    for folder in sorted(folders, key=lambda name: (-length[name], name)):
        lightest = load.index(min(load))
        shards[lightest].append(folder)
        load[lightest] += length[folder]
    return [sorted(shard) for shard in shards if shard]


def suite_folders(suites_dir: Path) -> list[str]:
    return sorted(path.name for path in suites_dir.iterdir()
                  if path.is_dir() and not path.name.startswith((".", "_")) and any(path.glob("test_*.py")))


class Shards:
    """The processes of a sharded run. Forked from this one once it has checked the command line, so that they
    start with its imports done (pydicom, pynetdicom, pytest, the simulators: a second or two of CPU each); where
    this process cannot fork safely (no os.fork, or a thread running), started as `dicom-harness run --shard`."""

    def __init__(self, args: argparse.Namespace, report_dir: Path):
        from dicom_harness.plugin.options import OPTIONS, arguments
        from dicom_harness.plugin.roots import builtin_root
        self.started = time.time()
        self.folders = suite_folders(builtin_root())
        shards = deal(self.folders, args.jobs or default_jobs())
        self.work = report_dir / SHARDS_FOLDER
        passed_on = arguments([o for o in OPTIONS if o.dest in ("fault", "tls", "seed", "data")], vars(args))
        if args.k:
            passed_on += ["-k", args.k]
        self.children = []
        for index, shard in enumerate(shards):
            folder = self.work / str(index)
            folder.mkdir(parents=True, exist_ok=True)
            # the user's own suites run in the first process, whose catalogue then holds their requirements
            own = arguments([o for o in OPTIONS if o.dest == "suite"], vars(args)) if index == 0 else []
            argv = ["run", "--shard", ",".join(shard), "--report-dir", str(folder), *passed_on, *own]
            log = open(folder / "run.log", "w", encoding="utf-8")
            if hasattr(os, "fork") and threading.active_count() == 1:
                child = _Forked(argv, log)
            else:
                child = subprocess.Popen([sys.executable, "-m", "dicom_harness", *argv], stdout=log,
                                         stderr=subprocess.STDOUT)
            self.children.append((folder, log, child))

    def stop(self) -> None:
        for _, log, child in self.children:
            if child.poll() is None:
                child.terminate()
                child.wait(timeout=10)
            log.close()

    def finish(self) -> list[str]:
        """Wait for the shards to stop their simulators (at most STOP_TIMEOUT each, then terminated): the tails of
        the logs of those that did not end cleanly."""
        troubles = []
        try:
            for folder, _, child in self.children:
                try:
                    child.wait(timeout=STOP_TIMEOUT)
                except subprocess.TimeoutExpired:
                    troubles.append(f"dicom-harness: a shard did not stop its simulators within {STOP_TIMEOUT:g} s")
                    continue
                if child.returncode not in (0, 1, 2, 4):    # 2 after the mark: a shard -k selected nothing from
                    tail = (folder / "run.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
                    troubles.append("\n".join(tail) or f"dicom-harness: a shard stopped with exit {child.returncode}")
        finally:
            self.stop()         # an interrupt while waiting leaves none behind
        return troubles


class _Forked:
    """A shard forked from this process: `dicom-harness ARGV` in the child, its output to `log`; poll(), wait()
    and terminate() as subprocess.Popen's."""

    def __init__(self, argv: list[str], log):
        sys.stdout.flush()
        sys.stderr.flush()
        self.returncode: int | None = None
        self.pid = os.fork()
        if self.pid == 0:
            code = 4
            try:
                os.dup2(log.fileno(), 1)
                os.dup2(log.fileno(), 2)
                # what `python -m dicom_harness ARGV` runs, in this process
                import runpy
                sys.argv = ["dicom-harness", *argv]
                runpy.run_module("dicom_harness", run_name="__main__")
            except SystemExit as exit:
                code = exit.code if isinstance(exit.code, int) else 4
            except BaseException:
                import traceback
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)      # never back into the parent's code: no atexit handler of its runs twice

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(f"shard {self.pid}", timeout)
            time.sleep(0.01)
        return self.returncode

    def terminate(self) -> None:
        if self.poll() is None:
            os.kill(self.pid, signal.SIGTERM)


def run_sharded(shards: Shards, args: argparse.Namespace, report_dir: Path) -> int:
    from dicom_harness.reports.render import compile_templates, load_results, write_reports
    from dicom_harness.shared.verdicts import exit_code

    children, folders, work, started = shards.children, shards.folders, shards.work, shards.started
    print(f"dicom-harness: starting simulators in {len(children)} processes (--jobs 1: one process) ...", flush=True)
    from dicom_harness.catalogue.coverage import named_in_sources
    from dicom_harness.plugin.roots import builtin_root, user_folders
    named = named_in_sources((builtin_root(), *user_folders(args.suite)))     # while the shards start
    compile_templates()
    try:
        _wait_showing_progress(children)
    except BaseException:
        shards.stop()
        raise
    parts = []
    for folder, _, child in children:
        results = folder / "results.jsonl"
        found = load_results(results) if results.exists() else None
        finished = (folder / FINISHED_MARK).exists() if child.poll() is None else child.returncode in (0, 1, 4)
        if found and finished:
            parts.append(found)
            continue
        try:
            child.wait(timeout=STOP_TIMEOUT)    # its exit code and its last words
        except subprocess.TimeoutExpired:
            pass
        log = (folder / "run.log").read_text(encoding="utf-8", errors="replace")
        if found and not found["results"] and "no test ran" in log:
            parts.append(found)         # a shard -k selected nothing from is not an error
            continue
        shards.stop()
        tail = log.strip().splitlines()[-5:]
        print("\n".join(tail) or f"dicom-harness: a shard stopped with exit {child.returncode}", file=sys.stderr)
        return child.returncode if child.returncode in (2, 3) else 4
    records = merged_records([part["results"] for part in parts], folders)
    if not records:
        shards.finish()
        return -1                   # the caller says that nothing ran
    header = next(part["run"] for part in parts if part["results"])
    run = {**header, "started": started, "duration": round(time.time() - started, 3),
           "catalogue": merged_catalogue([part["run"]["catalogue"] for part in parts], named)}
    _write_results_file(report_dir / "results.jsonl", run, records)
    report = write_reports({"run": run, "results": records}, report_dir)
    troubles = shards.finish()
    for line in summary_lines(run, records, report, time.time() - started):
        print(line)
    for trouble in troubles:
        print(trouble, file=sys.stderr)
    _remove_tree(work)
    code = exit_code([record["verdict"] for record in records])
    return 4 if troubles and code == 0 else code


def merged_records(parts: list[list[dict]], folders: list[str]) -> list[dict]:
    """The shards' records in the order one process collects them: the built-in suite folders alphabetically,
    then the user's suites; within a folder, the shard's own order."""
    position = {folder: index for index, folder in enumerate(folders)}

    def key(item: tuple[int, int, dict]) -> tuple[int, int, int]:
        shard, index, record = item
        return (position.get(record["nodeid"].split("/", 1)[0], len(folders)), shard, index)

    numbered = [(shard, index, record) for shard, part in enumerate(parts) for index, record in enumerate(part)]
    return [record for _, _, record in sorted(numbered, key=key)]


def merged_catalogue(catalogues: list[list[dict]], named: dict) -> list[dict]:
    """The catalogue of the first shard (the one running the user's suites, whose requirements it holds), each
    requirement tested when a shard's collected tests or the suite files (`named`) name it: as one process
    counts them. A requirement the catalogue declares untested keeps its declared status and reason."""
    from dicom_harness.catalogue import NOT_YET_TESTED, TESTED
    from dicom_harness.catalogue.coverage import NO_TEST
    tested = set(named) | {entry["id"] for catalogue in catalogues for entry in catalogue if entry["status"] == TESTED}
    return [{**entry, "status": TESTED, "reason": ""}
            if entry["id"] in tested and (entry["status"], entry["reason"]) == (NOT_YET_TESTED, NO_TEST) else entry
            for entry in catalogues[0]]


def summary_lines(run: dict, records: list[dict], report: Path, elapsed: float) -> list[str]:
    from dicom_harness.plugin.output import failure_links, summary_line
    return [summary_line(records, run.get("target", "?"), elapsed, run, report), *failure_links(records, report)]


def _write_results_file(path: Path, run: dict, records: list[dict]) -> None:
    from dicom_harness.reports import SCHEMA_VERSION
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps({"schema_version": SCHEMA_VERSION, "run": run}) + "\n")
        for record in records:
            handle.write(json.dumps(record) + "\n")


class _Progress:
    """The shards' progress characters (one per test, as a one-process run prints them) relayed to this terminal
    as they arrive, in lines ending with the count done of all the shards' tests."""

    WIDTH = 72

    def __init__(self, children: list):
        from dicom_harness.shared.verdicts import LETTER
        self.letters = set(LETTER.values()) | {"s", "x"}
        self.offsets = {folder: 0 for folder, _, _ in children}
        self.states = {folder: "head" for folder, _, _ in children}
        self.totals: dict[Path, int] = {}
        self.counts: dict[Path, str] = {}
        self.done = self.column = 0

    def poll(self, folder: Path) -> None:
        try:
            with open(folder / "run.log", "rb") as log:
                log.seek(self.offsets[folder])
                data = log.read()
        except OSError:
            return
        self.offsets[folder] += len(data)
        for char in data.decode("utf-8", "replace"):
            self._take(folder, char)

    def _take(self, folder: Path, char: str) -> None:
        state = self.states[folder]
        if state == "head":                 # the shard's own "starting ..." line
            self.states[folder] = "progress" if char == "\n" else "head"
        elif state == "count":              # pytest's "[ done/total]" at a line's end: the shard's total
            if char == "]":
                done, _, total = (part.strip() for part in self.counts.pop(folder).partition("/"))
                if total.isdigit():
                    self.totals[folder] = int(total)
                # the last line's count: what follows is the shard's summary, which this process writes itself
                self.states[folder] = "done" if done == total else "progress"
            else:
                self.counts[folder] += char
        elif state == "progress":
            if char in self.letters:
                self._emit(char)
            elif char == "[":
                self.states[folder], self.counts[folder] = "count", ""
            elif not char.isspace():
                self.states[folder] = "done"    # the shard's summary: this process writes its own

    def _emit(self, char: str) -> None:
        print(char, end="", flush=True)
        self.done += 1
        self.column += 1
        if self.column == self.WIDTH:
            self.end_line()

    def end_line(self) -> None:
        if self.column:
            total = sum(self.totals.values()) if len(self.totals) == len(self.offsets) else None
            print(f" [{self.done:>4}/{total}]" if total else "", flush=True)
            self.column = 0


def _wait_showing_progress(children: list) -> None:
    """Until every shard has finished its tests (or ended)."""
    progress = _Progress(children)
    while any(child.poll() is None and not (folder / FINISHED_MARK).exists() for folder, _, child in children):
        for folder, _, _ in children:
            progress.poll(folder)
        time.sleep(0.05)
    for folder, _, _ in children:
        progress.poll(folder)
    progress.end_line()


def _remove_tree(folder: Path) -> None:
    import shutil
    shutil.rmtree(folder, ignore_errors=True)
