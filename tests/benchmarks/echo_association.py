"""Benchmark: what one short DIMSE association costs (open, one C-ECHO, release), on each side, the way the
harness's clients open one (harness/clients/dimse.py: TCP_NODELAY and the event-driven reactor handlers) against
`dicom-harness simulate pacs`. Prints CPU and wall per association; asserts nothing.

    .venv/bin/python -m tests.benchmarks.echo_association [--associations 200] [--rounds 3]

client CPU is this process's (user + system, every thread, /proc), simulator CPU the simulator process's; the
median of the rounds is shown. Most tests of a full run open one or more such associations."""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from dicom_harness.shared.network import NODELAY_HANDLER
from dicom_harness.shared.reactor import REACTOR_HANDLER
from tests.benchmarks.idle_association import _ae, _start
from tests.benchmarks.store_throughput import _stop, cpu_seconds


def one_round(port: int, pid: int, associations: int) -> tuple[float, float, float]:
    """Client CPU, simulator CPU and wall, in ms per association."""
    ae = _ae()
    handlers = [NODELAY_HANDLER, REACTOR_HANDLER]
    client, server, started = cpu_seconds(os.getpid()), cpu_seconds(pid), time.monotonic()
    for _ in range(associations):
        assoc = ae.associate("127.0.0.1", port, ae_title="DH_PACS", evt_handlers=handlers)
        if not assoc.is_established:
            raise SystemExit("association not established")
        assoc.send_c_echo()
        assoc.release()
    wall = time.monotonic() - started
    return tuple(1000 * value / associations for value in
                 (cpu_seconds(os.getpid()) - client, cpu_seconds(pid) - server, wall))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--associations", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--command", default=str(Path(os.sys.executable).parent / "dicom-harness"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as store:
        process, port = _start(args.command, Path(store))
        try:
            one_round(port, process.pid, 20)        # warm both sides up
            rounds = [one_round(port, process.pid, args.associations) for _ in range(args.rounds)]
        finally:
            _stop(process)
    client, server, wall = (statistics.median(r[i] for r in rounds) for i in range(3))
    load = os.getloadavg()[0]
    print(f"associate + C-ECHO + release, {args.associations} associations, median of {args.rounds} rounds; "
          f"load average {load:.1f} on {os.cpu_count()} CPUs")
    print(f"  client CPU {client:.2f} ms   simulator CPU {server:.2f} ms   wall {wall:.2f} ms   per association")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
