"""Benchmark: a full `dicom-harness run` against the built-in simulators, in one process (`--jobs 1`) and spread
over processes (each build's default, or `--jobs N`), taking turns so that the machine's load falls on both
alike. Prints each run's wall time and CPU time (this process's children: pytest, the clients and the
simulators), the medians and their ratio; asserts nothing.

    .venv/bin/python -m tests.benchmarks.full_run [--rounds 3] [--jobs N] [--baseline OTHER/.venv/bin/python]
                                                   [--bytecode environment|cached]

--baseline: another checkout's interpreter (say the main branch's venv) runs the same two runs, in turn with this
one's, in every round (the spread one with its own default number of processes unless --jobs says); its lines and
this build's ratio to it follow.

--bytecode: `environment` (default) runs with this shell's environment as it is; where PYTHONDONTWRITEBYTECODE is
set, every process compiles the project's modules and rewrites the suites' asserts again (about 1 s of CPU per
process here). `cached` is Python's default behaviour: the variable is left out of the runs' environment and one
untimed run first writes the caches, as any user's first run does.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def one_run(jobs: int | None, folder: str, python: str = sys.executable,
            environment: dict[str, str] | None = None) -> tuple[float, float, str, int]:
    """Wall and CPU seconds, the summary line and the number of processes; jobs None: the build's default."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    chosen = ["--jobs", str(jobs)] if jobs else []
    proc = subprocess.run([python, "-m", "dicom_harness", "run", *chosen, "--report-dir",
                           os.path.join(folder, f"jobs-{jobs or 'default'}")], capture_output=True, text=True,
                          timeout=900, cwd=folder, env=environment)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = next((line for line in reversed(proc.stdout.splitlines()) if line.startswith("dicom-harness:")), "")
    if proc.returncode != 0:
        raise SystemExit(f"run --jobs {jobs or 'default'} exited {proc.returncode}: {summary or proc.stderr[-500:]}")
    processes = re.search(r"starting simulators in (\d+) processes", proc.stdout)
    return wall, cpu, summary, int(processes.group(1)) if processes else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None,
                        help="processes of the spread run (default: each build's own default)")
    parser.add_argument("--baseline", default=None, help="another checkout's python, run in turn with this one")
    parser.add_argument("--bytecode", choices=("environment", "cached"), default="environment",
                        help="environment: as this shell has it; cached: Python's default, caches written first")
    args = parser.parse_args()
    environment = dict(os.environ)
    if args.bytecode == "cached":
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
    bytecode = ("bytecode not cached (PYTHONDONTWRITEBYTECODE set)" if environment.get("PYTHONDONTWRITEBYTECODE")
                else "bytecode cached (Python's default)")
    builds = {"this build": sys.executable, **({"baseline": args.baseline} if args.baseline else {})}
    # "spread": --jobs N when given, else each build's own default (its process count is read from its output)
    runs: dict[tuple[str, str], list[tuple[float, float]]] = {
        (build, variant): [] for build in builds for variant in ("one", "spread")}
    processes: dict[str, int] = {}
    verdicts = ""
    with tempfile.TemporaryDirectory(prefix="dh-full-run-") as folder:
        if args.bytecode == "cached":
            for python in builds.values():
                one_run(1, folder, python, environment)     # untimed: writes the caches a first run writes
        load_before = os.getloadavg()[0]
        for _ in range(args.rounds):
            for build, variant in runs:
                wall, cpu, summary, count = one_run(1 if variant == "one" else args.jobs, folder, builds[build],
                                                    environment)
                runs[build, variant].append((wall, cpu))
                if variant == "spread":
                    processes[build] = count
                verdicts = re.sub(r" in [0-9.]+ s", "", summary.split(";")[0].removeprefix("dicom-harness: "))
    print(f"dicom-harness run against the simulators: {verdicts}; {args.rounds} rounds, taking turns; {bytecode}; "
          f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs")
    medians = {}
    for (build, variant), measured in runs.items():
        walls = ", ".join(f"{wall:.1f}" for wall, _ in measured)
        medians[build, variant] = (statistics.median(wall for wall, _ in measured),
                                   statistics.median(cpu for _, cpu in measured))
        jobs = 1 if variant == "one" else processes[build]
        chosen = "" if variant == "one" or args.jobs else " (its default)"
        label = f"{build + ' ' if args.baseline else ''}--jobs {jobs}{chosen}"
        print(f"  {label}: wall {walls} s (median {medians[build, variant][0]:.1f} s), "
              f"CPU {medians[build, variant][1]:.1f} s (median)")
    for build in builds:
        print(f"  {build + ' ' if args.baseline else ''}--jobs {processes[build]} / --jobs 1 wall time: "
              f"{medians[build, 'spread'][0] / medians[build, 'one'][0]:.2f}")
    if args.baseline:
        for variant in ("one", "spread"):
            (wall, cpu), (base_wall, base_cpu) = medians["this build", variant], medians["baseline", variant]
            which = "--jobs 1" if variant == "one" else (f"--jobs {args.jobs}" if args.jobs else "each its default")
            print(f"  this build / baseline, {which}: wall {wall / base_wall:.2f}, CPU {cpu / base_cpu:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
