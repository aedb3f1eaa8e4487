"""Benchmark: what an idle DIMSE association costs, and how long a release and an abort take, with pynetdicom's
polling waits and with ours (harness/shared/reactor.py). Prints figures and ratios; asserts nothing.

    .venv/bin/python -m tests.benchmarks.idle_association [--seconds 5] [--rounds 20]
        [--baseline /path/to/another/checkout/.venv/bin/dicom-harness]

- simulator: `dicom-harness simulate pacs` with one association open and idle (after one C-ECHO): its process's
  CPU over the interval (user + system, all threads, /proc). `--baseline` starts another build's simulator too
  (say the main branch's), side by side, so the two are measured in the same minutes;
- client: this process holding one idle association to the simulator, plain pynetdicom and with the reactor
  handler, one after the other: this process's CPU over the interval;
- release / abort: wall time of associate + C-ECHO + release (or abort), median of `--rounds`, both ways."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from pynetdicom import AE
from pynetdicom.sop_class import Verification

from dicom_harness.shared.network import NODELAY_HANDLER
from dicom_harness.shared.reactor import REACTOR_HANDLER
from dicom_harness.targets.ports import free_port
from tests.benchmarks.store_throughput import cpu_seconds


def _start(command: str, store: Path) -> tuple[subprocess.Popen, int]:
    port = free_port()
    process = subprocess.Popen([command, "simulate", "pacs", "--port", str(port), "--store", str(store)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if _echo(port, []):
            return process, port
        time.sleep(0.2)
    process.terminate()
    raise SystemExit(f"{command} simulate pacs did not answer")


def _ae() -> AE:
    ae = AE(ae_title="BENCH")
    ae.add_requested_context(Verification)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = 10
    return ae


def _echo(port: int, handlers: list) -> bool:
    try:
        assoc = _ae().associate("127.0.0.1", port, ae_title="DH_PACS", evt_handlers=handlers)
    except OSError:
        return False
    if not assoc.is_established:
        return False
    assoc.send_c_echo()
    assoc.release()
    return True


def _process_cpu() -> float:
    return cpu_seconds(os.getpid())


def idle_cpu(pids: dict[str, int], port: int, handlers: list, seconds: float) -> dict[str, float]:
    """CPU % of each process in `pids` (and of this one, "client") while one association to `port` is idle."""
    assoc = _ae().associate("127.0.0.1", port, ae_title="DH_PACS", evt_handlers=handlers)
    assoc.send_c_echo()
    time.sleep(0.5)
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    mine = _process_cpu()
    started = time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    used = {name: 100 * (cpu_seconds(pid) - before[name]) / elapsed for name, pid in pids.items()}
    used["client"] = 100 * (_process_cpu() - mine) / elapsed
    assoc.release()
    return used


def ending(port: int, handlers: list, rounds: int, abort: bool) -> float:
    """Median wall ms of associate + C-ECHO + release (or abort), until the call returns."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        assoc = _ae().associate("127.0.0.1", port, ae_title="DH_PACS", evt_handlers=handlers)
        assoc.send_c_echo()
        if abort:
            assoc.abort()
        else:
            assoc.release()
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--baseline", help="another build's dicom-harness, started side by side")
    args = parser.parse_args()
    here = shutil.which("dicom-harness", path=str(Path(__import__("sys").executable).parent))
    folder = Path(tempfile.mkdtemp(prefix="dh-idle-"))
    simulators = {"this build": _start(here, folder / "this")}
    if args.baseline:
        simulators["baseline"] = _start(args.baseline, folder / "baseline")
    try:
        pids = {name: process.pid for name, (process, _) in simulators.items()}
        plain, ours = [NODELAY_HANDLER], [NODELAY_HANDLER, REACTOR_HANDLER]
        print(f"one idle association for {args.seconds:g} s (after a C-ECHO); CPU % of each process; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        for name, (_, port) in simulators.items():
            for label, handlers in (("pynetdicom's polling", plain), ("reactor.py", ours)):
                used = idle_cpu(pids, port, handlers, args.seconds)
                print(f"  association to {name:10} client {label:22} client {used['client']:5.1f} %   " +
                      "   ".join(f"simulator ({n}) {v:5.1f} %" for n, v in used.items() if n != "client"))
        _, port = simulators["this build"]
        print(f"wall time of associate + C-ECHO + release / abort, median of {args.rounds} (to this build)")
        for label, handlers in (("pynetdicom's polling", plain), ("reactor.py", ours)):
            release = ending(port, handlers, args.rounds, abort=False)
            abort = ending(port, handlers, args.rounds, abort=True)
            print(f"  client {label:22} release {release:6.1f} ms   abort {abort:6.1f} ms")
        print(f"load average {os.getloadavg()[0]:.1f} at the end")
    finally:
        for process, _ in simulators.values():
            process.terminate()
            process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
