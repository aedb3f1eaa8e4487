"""Calibration for `dicom-harness run`'s shards: how many seconds of CPU and of wall time each built-in suite
module takes (its tests' set-up, call and tear-down, the simulators' threads included), the median of a few runs
in one process against the simulators. Writes them to harness/cli/suite_seconds.json, whose sums per suite folder
sharded.py deals the folders out by; prints the table. Asserts nothing.

    .venv/bin/python -m tests.benchmarks.suite_seconds [--rounds 3] [--check]

--check: measure and print, but leave the file as it is.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

TABLE = Path(__file__).resolve().parents[2] / "harness" / "cli" / "suite_seconds.json"
MEASURED_INTO = "DH_SUITE_SECONDS_OUT"      # where the plugin below writes one run's figures


# --- the pytest plugin, loaded into the measured run with PYTEST_PLUGINS=tests.benchmarks.suite_seconds
_measured: dict[str, list[float]] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    wall, cpu = time.perf_counter(), time.process_time()
    yield
    module = item.nodeid.split("::", 1)[0]
    spent = _measured.setdefault(module, [0.0, 0.0])
    spent[0] += time.process_time() - cpu
    spent[1] += time.perf_counter() - wall


def pytest_sessionfinish(session):
    if os.environ.get(MEASURED_INTO):
        Path(os.environ[MEASURED_INTO]).write_text(json.dumps(_measured))


# --- the measurement
def one_run(folder: str, index: int) -> dict[str, list[float]]:
    out = Path(folder) / f"run-{index}.json"
    root = str(Path(__file__).resolve().parents[2])
    environment = {**os.environ, "PYTEST_PLUGINS": "tests.benchmarks.suite_seconds", MEASURED_INTO: str(out),
                   "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    proc = subprocess.run([sys.executable, "-m", "dicom_harness", "run", "--jobs", "1", "--report-dir",
                           str(Path(folder) / f"report-{index}")], capture_output=True, text=True, timeout=900,
                          env=environment, cwd=folder)
    if proc.returncode != 0 or not out.exists():
        raise SystemExit(f"the run exited {proc.returncode}: {(proc.stdout + proc.stderr)[-500:]}")
    return json.loads(out.read_text())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="measure and print; leave the table as it is")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dh-suite-seconds-") as folder:
        runs = [one_run(folder, index) for index in range(args.rounds)]
    modules = sorted(set().union(*runs))
    table = {module: [round(statistics.median(run[module][kind] for run in runs if module in run), 3)
                      for kind in (0, 1)] for module in modules}
    print(f"{'module':60s}   CPU s  wall s  (median of {args.rounds} runs, --jobs 1, load {os.getloadavg()[0]:.1f})")
    for module, (cpu, wall) in sorted(table.items(), key=lambda row: -row[1][0]):
        print(f"{module:60s} {cpu:7.3f} {wall:7.3f}")
    print(f"{'all':60s} {sum(c for c, _ in table.values()):7.3f} {sum(w for _, w in table.values()):7.3f}")
    if not args.check:
        rows = ",\n".join(f"{json.dumps(module)}: {json.dumps(table[module])}" for module in modules)
        TABLE.write_text("{\n" + rows + "\n}\n")
        print(f"written: {TABLE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
