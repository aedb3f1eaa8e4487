"""Benchmark: C-STORE throughput into our PACS simulator, against dcmtk storescp and Orthanc measured in the
same run, beside two reference SCPs (tests/benchmarks/bare_scp.py: pynetdicom alone, and pynetdicom plus the
fsync an honest Success costs). Prints images/s (median of repeats), ratios and what each receiver syncs before
it answers; asserts nothing.

    .venv/bin/python -m tests.benchmarks.store_throughput [--images 100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.targets.orthanc import OrthancProcess
from dicom_harness.targets.ports import free_port
from tests.benchmarks import dcmtk
from tests.conftest import StandalonePacs

ENV = dict(os.environ, TCP_NODELAY="1")


def make_images(folder: Path, count: int) -> None:
    factory = DatasetFactory(seed=42)
    study = factory.study()
    series = factory.uid()
    for index in range(count):
        factory.make("CT", study=study, series_uid=series).save_as(folder / f"{index:05}.dcm", enforce_file_format=True)


def storescu_rate(folder: Path, ae: str, port: int, count: int) -> float:
    started = time.perf_counter()
    proc = subprocess.run([dcmtk("storescu"), "-aec", ae, "+sd", "127.0.0.1", str(port), str(folder)],
                          capture_output=True, text=True, env=ENV, timeout=600)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"storescu to {ae} failed: {proc.stderr[-500:]}")
    return count / elapsed


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process, all its threads (Linux /proc): a receiver's cost per image, which the
    machine's load does not change as much as its rate."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for tool in ("storescu", "storescp"):
        if not dcmtk(tool):
            print(f"{tool} missing: apt-get install dcmtk", file=sys.stderr)
            return 2
    work = Path(tempfile.mkdtemp(prefix="dh-bench-"))
    images = work / "images"
    images.mkdir()
    make_images(images, args.images)
    size_kb = sum(p.stat().st_size for p in images.iterdir()) / args.images / 1024
    rates = {}
    with contextlib.ExitStack() as running:
        running.callback(shutil.rmtree, work, ignore_errors=True)
        receivers = {}          # name -> (called AE, port), every receiver running before the first send
        port = free_port()
        received = work / "storescp"
        received.mkdir()
        storescp = subprocess.Popen([dcmtk("storescp"), "-od", str(received), "-aet", "STORESCP", str(port)], env=ENV,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        running.callback(_stop, storescp)
        receivers["dcmtk storescp"] = ("STORESCP", port, storescp.pid)
        (work / "bare").mkdir()
        for name, extra in (("bare pynetdicom SCP, no write", []),
                            ("bare pynetdicom SCP + fsync", ["--durable", str(work / "bare")])):
            port = free_port()
            bare = subprocess.Popen([sys.executable, "-m", "tests.benchmarks.bare_scp", str(port), *extra],
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            running.callback(_stop, bare)
            bare.stdout.readline()
            receivers[name] = ("BARE", port, bare.pid)
        pacs = running.enter_context(StandalonePacs(work / "sim-store"))
        receivers["dicom-harness PACS simulator"] = ("DH_PACS", pacs.port, pacs.process.pid)
        orthanc = OrthancProcess(dicomweb=False).start()
        running.callback(orthanc.stop)
        orthanc_sync = _orthanc_sync_note(orthanc)
        receivers["Orthanc 1.10.1"] = (orthanc.ae_title, orthanc.dicom_port, orthanc._process.pid)
        time.sleep(0.5)
        # Round robin: each repeat sends to every receiver in turn, so a change in the machine's load falls on all
        # of them alike (this machine is shared: one receiver after the other saw ratios move twofold)
        runs: dict[str, list[float]] = {name: [] for name in receivers}
        cpu: dict[str, float] = {name: 0.0 for name in receivers}
        for _ in range(args.repeats):
            for name, (ae, port, pid) in receivers.items():
                before = cpu_seconds(pid)
                runs[name].append(storescu_rate(images, ae, port, args.images))
                cpu[name] += cpu_seconds(pid) - before
        rates = {name: statistics.median(values) for name, values in runs.items()}
    load = os.getloadavg()[0]
    print(f"storescu -> receiver, {args.images} CT images of {size_kb:.0f} KiB, median of {args.repeats} rounds (each"
          f" receiver in turn), TCP_NODELAY=1,"
          f" load average {load:.1f} on {os.cpu_count()} CPUs at the end")
    ours = rates["dicom-harness PACS simulator"]
    for name, rate in rates.items():
        per_image = cpu[name] / (args.images * args.repeats) * 1000
        print(f"  {name:30} {rate:8.1f} images/s   simulator / this = {ours / rate:5.2f}   "
              f"receiver CPU {per_image:5.2f} ms/image")
    print("  durability: storescp syncs nothing; the bare SCP + fsync syncs each file and its folder; the simulator"
          " answers after one fdatasync of its journal (simulators/store.py Journal; the object file and index row are"
          " written after the answer, Store.keep_journaled); " + orthanc_sync)
    return 0


def _orthanc_sync_note(orthanc: OrthancProcess) -> str:
    """What our OrthancProcess config asks of Orthanc's disk writes (SyncStorageArea defaults to true since 1.7.4:
    fsync of every stored file; its SQLite index runs WAL with synchronous=NORMAL, as the simulator's)."""
    config = orthanc._config()
    sync = config.get("SyncStorageArea", True)
    source = "set" if "SyncStorageArea" in config else "not set, Orthanc's default"
    return (f"Orthanc: SyncStorageArea {str(sync).lower()} ({source}: "
            f"{'fsync of every stored file' if sync else 'no fsync'}), index SQLite WAL, synchronous=NORMAL")


if __name__ == "__main__":
    sys.exit(main())
