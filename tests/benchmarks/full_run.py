"""Benchmark: a full `dicom-harness run` against the built-in simulators, in one process (`--jobs 1`) and spread
over processes (`--jobs N`, the default), taking turns so that the machine's load falls on both alike. Prints
each run's wall time and CPU time (this process's children: pytest, the clients and the simulators), the
medians and their ratio; asserts nothing.

    .venv/bin/python -m tests.benchmarks.full_run [--rounds 3] [--jobs N]
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


def one_run(jobs: int, folder: str) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "dicom_harness", "run", "--jobs", str(jobs), "--report-dir",
                           os.path.join(folder, f"jobs-{jobs}")], capture_output=True, text=True, timeout=900)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = next((line for line in reversed(proc.stdout.splitlines()) if line.startswith("dicom-harness:")), "")
    if proc.returncode != 0:
        raise SystemExit(f"run --jobs {jobs} exited {proc.returncode}: {summary or proc.stderr[-500:]}")
    return wall, cpu, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=None, help="processes of the spread run (default: run's own)")
    args = parser.parse_args()
    from dicom_harness.cli.sharded import default_jobs
    jobs = args.jobs or default_jobs()
    runs: dict[int, list[tuple[float, float]]] = {1: [], jobs: []}
    verdicts = ""
    with tempfile.TemporaryDirectory(prefix="dh-full-run-") as folder:
        load_before = os.getloadavg()[0]
        for _ in range(args.rounds):
            for count in runs:
                wall, cpu, summary = one_run(count, folder)
                runs[count].append((wall, cpu))
                verdicts = re.sub(r" in [0-9.]+ s", "", summary.split(";")[0].removeprefix("dicom-harness: "))
    print(f"dicom-harness run against the simulators: {verdicts}; {args.rounds} rounds, taking turns; load average "
          f"{load_before:.1f} before, {os.getloadavg()[0]:.1f} after, on {os.cpu_count()} CPUs")
    medians = {}
    for count, measured in runs.items():
        walls = ", ".join(f"{wall:.1f}" for wall, _ in measured)
        medians[count] = statistics.median(wall for wall, _ in measured)
        cpu = statistics.median(cpu for _, cpu in measured)
        print(f"  --jobs {count}: wall {walls} s (median {medians[count]:.1f} s), CPU {cpu:.1f} s (median)")
    if jobs != 1:
        print(f"  --jobs {jobs} / --jobs 1 wall time: {medians[jobs] / medians[1]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
