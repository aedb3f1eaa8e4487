"""Benchmark: where the PACS simulator's CPU per C-STORE goes: the clean simulator in this process, fed by dcmtk
storescu, with its C-STORE handler as it is and with a handler that answers Success at once (so the second row is
the DIMSE path alone: reading PDUs, the command set, the response). Prints CPU ms per image of this process (all
its threads) and images/s; asserts nothing. A third row has the handler without its lean path (pacs.py
_store_lean): every data set decoded through pydicom, as before the lean path.

    .venv/bin/python -m tests.benchmarks.store_path [--images 300] [--repeats 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tests.benchmarks import dcmtk
from tests.benchmarks.store_throughput import make_images


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    from dicom_harness.simulators.pacs import PacsSimulator
    from dicom_harness.simulators.store import Store
    parser = argparse.ArgumentParser()
    parser.add_argument("--images", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dh-store-path-"))
    try:
        (work / "images").mkdir()
        make_images(work / "images", args.images)
        results: dict[str, tuple[list, list]] = {"whole handler": ([], []), "handler, no lean path": ([], []),
                                                 "handler answering at once": ([], [])}
        for round_ in range(args.repeats):
            for label, (cpu, rates) in results.items():
                store = Store(work / f"store-{round_}-{len(cpu)}-{label[:5]}")
                simulator = PacsSimulator(store, ae_title="DH_PACS")
                if label == "handler, no lean path":
                    simulator._store_lean = lambda event: None      # the full path (pydicom) for every data set
                elif label != "whole handler":
                    simulator._on_store = lambda event: 0x0000
                simulator.start()
                before, started = _cpu(), time.perf_counter()
                subprocess.run([dcmtk("storescu"), "-aec", "DH_PACS", "+sd", "127.0.0.1", str(simulator.port),
                                str(work / "images")], check=True, capture_output=True,
                               env=dict(os.environ, TCP_NODELAY="1"))
                rates.append(args.images / (time.perf_counter() - started))
                cpu.append(1000 * (_cpu() - before) / args.images)
                simulator.stop()
                store.close()
        print(f"PACS simulator in this process, storescu of {args.images} CT images, median of {args.repeats}; "
              f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        for label, (cpu, rates) in results.items():
            print(f"  {label:27} CPU {statistics.median(cpu):5.2f} ms/image   {statistics.median(rates):7.1f} images/s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
