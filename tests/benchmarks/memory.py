"""Benchmark: peak memory (RSS) of the simulators and of the harness's clients while one large multi-frame
instance goes through C-STORE, C-GET, STOW-RS and WADO-RS. Prints each peak; asserts nothing.

    .venv/bin/python -m tests.benchmarks.memory [--mib 1024] [--only C-STORE,C-GET]

The PACS and DICOMweb simulators run as `dicom-harness simulate ...` subprocesses; each client operation runs in
a fresh subprocess that reports its own peak (ru_maxrss). A simulator's peak is reset before each operation
(`5` written to /proc/PID/clear_refs, Linux) and read from VmHWM after it. "idle" rows are the same processes
doing nothing, so the difference is what the object costs. The issue's goal: every peak under 150 MiB at 1 GiB;
each row is marked PASS or OVER against it (printed, not asserted).

The instance is written to disk in pieces and the clients send it from the file and receive it to files, so no
process here needs the object in memory; each received copy is checked against the sent one by a SHA-256 of the
pixel data (the last bytes of both files), read in pieces."""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLI = [sys.executable, "-m", "dicom_harness"]
MIB = 1024 * 1024


def make_instance(path: Path, mib: int) -> None:
    """A Multi-frame Grayscale Byte SC image of `mib` frames of 1024 x 1024 (1 MiB each), written in pieces."""
    from pydicom.uid import ExplicitVRLittleEndian

    from dicom_harness.data.datasets import DatasetFactory
    ds = DatasetFactory(seed=7).make("MF")
    ds.Rows, ds.Columns, ds.NumberOfFrames = 1024, 1024, mib
    ds.SamplesPerPixel, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 1, 8, 8, 7
    ds.PixelRepresentation, ds.PhotometricInterpretation = 0, "MONOCHROME2"
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    if "PixelData" in ds:
        del ds.PixelData
    ds.save_as(path, enforce_file_format=True)
    frame = bytes(range(256)) * 4096
    with open(path, "ab") as handle:        # (7FE0,0010) OB, explicit VR little endian, then the frames
        handle.write(b"\xe0\x7f\x10\x00OB\x00\x00" + (mib * MIB).to_bytes(4, "little"))
        for _ in range(mib):
            handle.write(frame)


def peak_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmHWM")


def reset_peak(pid: int) -> None:
    Path(f"/proc/{pid}/clear_refs").write_text("5")


# -- client operations (each in its own process) ---------------------------------------------------------------
LIMIT = 150 * MIB


def tail_digest(path: str | Path, count: int) -> str:
    """SHA-256 of the last `count` bytes of a file, read 1 MiB at a time."""
    import hashlib
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        handle.seek(-count, 2)
        while chunk := handle.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


def _same_pixels(received: str | Path, sent: str, pixel_bytes: int) -> str:
    same = tail_digest(received, pixel_bytes) == tail_digest(sent, pixel_bytes)
    return f"{pixel_bytes // MIB} MiB of pixel data, {'identical' if same else 'DIFFERENT'}"


def client(operation: str, path: str, pacs_port: int, web_port: int) -> dict:
    from pydicom import dcmread

    from dicom_harness.clients.dimse import DimseClient
    from dicom_harness.clients.evidence import Evidence
    from dicom_harness.clients.web import DicomWebClient
    from dicom_harness.targets.profile import DimseEndpoint, Target, WebEndpoint
    target = Target(name="sim", dimse=DimseEndpoint("DH_PACS", "127.0.0.1", pacs_port, timeout=120))
    web = WebEndpoint(base_url=f"http://127.0.0.1:{web_port}/dicom-web", timeout=120)
    head = dcmread(path, stop_before_pixels=True)
    pixel_bytes = int(head.Rows) * int(head.Columns) * int(head.NumberOfFrames)
    outcome = ""
    if operation == "C-STORE":
        outcome = f"status 0x{DimseClient(target, Evidence()).store(path).status:04X}"
    elif operation == "C-GET":
        got = DimseClient(target, Evidence()).read_back(head)
        outcome = _same_pixels(got.filename, path, pixel_bytes)
    elif operation == "STOW-RS":
        outcome = f"HTTP {DicomWebClient(web, Evidence()).store(files=[path]).status_code}"
    elif operation == "WADO-RS":
        got = DicomWebClient(web, Evidence()).retrieve_instances(
            f"/studies/{head.StudyInstanceUID}/series/{head.SeriesInstanceUID}/instances/{head.SOPInstanceUID}")
        outcome = f"{len(got)} instance(s), " + _same_pixels(got[0].filename, path, pixel_bytes)
    return {"peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, "outcome": outcome}


def run_client(operation: str, path: Path, pacs_port: int, web_port: int) -> dict:
    proc = subprocess.run([sys.executable, "-m", "tests.benchmarks.memory", "--client", operation, str(path),
                           str(pacs_port), str(web_port)], capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise SystemExit(f"{operation} client failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def start(args: list[str], store: Path) -> subprocess.Popen:
    process = subprocess.Popen([*CLI, "simulate", *args, "--store", str(store)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    line = process.stdout.readline()
    if "listening" not in line and "simulator" not in line.lower():
        raise SystemExit(f"simulator did not start: {line}")
    time.sleep(0.5)
    return process


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mib", type=int, default=1024, help="size of the pixel data in MiB (default 1024)")
    parser.add_argument("--only", default="", help="comma-separated operations to run (default: all four)")
    parser.add_argument("--client", nargs=4, metavar=("OPERATION", "FILE", "PACS_PORT", "WEB_PORT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        operation, path, pacs_port, web_port = args.client
        print(json.dumps(client(operation, path, int(pacs_port), int(web_port)) if operation != "idle"
                         else {"peak": _idle_peak(), "outcome": "imports only"}))
        return 0
    from dicom_harness.targets.ports import free_port
    work = Path(tempfile.mkdtemp(prefix="dh-memory-"))
    instance = work / "large.dcm"
    make_instance(instance, args.mib)
    pacs_port, web_port = free_port(), free_port()
    pacs = start(["pacs", "--port", str(pacs_port), "--ae", "DH_PACS"], work / "pacs-store")
    web = start(["dicomweb", "--port", str(web_port)], work / "web-store")
    rows = []
    try:
        servers = {"C-STORE": pacs, "C-GET": pacs, "STOW-RS": web, "WADO-RS": web}
        if args.only:
            servers = {k: v for k, v in servers.items() if k in args.only.split(",")}
        rows.append(("idle", "PACS simulator", peak_of(pacs.pid), ""))
        rows.append(("idle", "DICOMweb simulator", peak_of(web.pid), ""))
        idle = run_client("idle", instance, pacs_port, web_port)
        rows.append(("idle", "harness client", idle["peak"], idle["outcome"]))
        for operation, server in servers.items():
            reset_peak(server.pid)
            result = run_client(operation, instance, pacs_port, web_port)
            name = "PACS simulator" if server is pacs else "DICOMweb simulator"
            rows.append((operation, name, peak_of(server.pid), ""))
            rows.append((operation, "harness client", result["peak"], result["outcome"]))
    finally:
        for process in (pacs, web):
            process.terminate()
            process.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)
    print(f"peak RSS, one instance of {args.mib} MiB of pixel data ({instance.name}), Python {sys.version.split()[0]}; "
          f"limit {LIMIT // MIB} MiB")
    for operation, who, peak, outcome in rows:
        mark = "PASS" if peak < LIMIT else "OVER"
        print(f"  {operation:8} {who:20} {peak / MIB:8.0f} MiB  {mark:4}  {outcome}".rstrip())
    return 0


def _idle_peak() -> int:
    import dicom_harness.clients.dimse  # noqa: F401
    import dicom_harness.clients.web  # noqa: F401
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


if __name__ == "__main__":
    sys.exit(main())
