"""Benchmark: the DICOMweb simulator beside Orthanc 1.10.1 and its DICOMweb plugin, measured in the same run:
STOW-RS throughput (small CT instances, several per request, several concurrent clients), QIDO-RS latency of
study, series and instance searches over a store of 10,000 instances, and WADO-RS study retrieve throughput
(multipart/related; type="application/dicom"). Prints a table with ratios simulator/Orthanc; asserts nothing.

    .venv/bin/python -m tests.benchmarks.web_throughput [--stow 500] [--per-request 10] [--clients 4]
        [--instances 10000] [--study-size 100] [--queries 60] [--retrieves 20] [--quick]

The simulator runs as `dicom-harness simulate dicomweb` in a subprocess (--simulator-python replaces its
interpreter, e.g. ".venv/bin/python -m pyinstrument -r html -o prof.html" to profile it under this load), Orthanc
as harness/targets/orthanc.py starts it; both run the whole time and take turns within each phase (--rounds), so
a change in the machine's load weighs on both alike. Both get the same instances: the first --stow of them
through the timed STOW-RS, the rest (up to --instances) through STOW-RS in larger requests before the searches.
The corpus is studies of --study-size instances (4 series each), one patient per study."""

from __future__ import annotations

import argparse
import http.client
import os
import queue
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from urllib.parse import urlsplit

from pydicom.filewriter import dcmwrite

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.targets.orthanc import OrthancProcess
from dicom_harness.targets.ports import free_port

CLI = [sys.executable, "-m", "dicom_harness"]
SERIES_PER_STUDY = 4
TIMEOUT = 300


@dataclass
class Study:
    patient_id: str
    uid: str
    series: list[str] = field(default_factory=list)
    files: list[bytes] = field(default_factory=list)


def make_corpus(count: int, study_size: int) -> list[Study]:
    """Studies of study_size CT instances (SERIES_PER_STUDY series), count instances in all, each encoded once."""
    factory = DatasetFactory(seed=17)
    studies = []
    made = 0
    while made < count:
        context = factory.study()
        study = Study(str(context.PatientID), str(context.StudyInstanceUID))
        size = min(study_size, count - made)
        per_series = max(1, -(-size // SERIES_PER_STUDY))
        template = None
        for index in range(size):
            if index % per_series == 0:
                template = factory.make("CT", study=context)
                study.series.append(str(template.SeriesInstanceUID))
            template.SOPInstanceUID = factory.uid()
            template.InstanceNumber = index % per_series + 1
            buffer = BytesIO()
            dcmwrite(buffer, template, enforce_file_format=True)
            study.files.append(buffer.getvalue())
        studies.append(study)
        made += size
    return studies


def multipart(files: list[bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = b"".join(b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + f + b"\r\n"
                    for f in files) + b"--" + boundary.encode() + b"--\r\n"
    return body, f'multipart/related; type="application/dicom"; boundary={boundary}'


class Client:
    """One keep-alive HTTP/1.1 connection (http.client: the least client-side cost per request)."""

    def __init__(self, base_url: str):
        parts = urlsplit(base_url)
        self.path = parts.path.rstrip("/")
        self.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, int]:
        """(status, body length); the body is read whole and dropped in pieces."""
        self.connection.request(method, self.path + path, body=body, headers=headers or {})
        response = self.connection.getresponse()
        length = 0
        while True:
            piece = response.read(256 * 1024)
            if not piece:
                break
            length += len(piece)
        return response.status, length

    def close(self) -> None:
        self.connection.close()


def in_parallel(base_url: str, clients: int, jobs: list, run) -> float:
    """Run run(client, job) for every job on `clients` threads, each with its own connection; seconds taken."""
    work: queue.Queue = queue.Queue()
    for job in jobs:
        work.put(job)
    errors: list[str] = []

    def worker():
        client = Client(base_url)
        try:
            while not errors:
                try:
                    job = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    run(client, job)
                except Exception as exc:        # noqa: BLE001 - reported below, the run stops
                    errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            client.close()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{base_url}: {errors[0]}")
    return elapsed


def stow(base_url: str, bodies: list[tuple[bytes, str]], clients: int) -> float:
    def send(client: Client, job) -> None:
        body, content_type = job
        status, _ = client.request("POST", "/studies", body, {"Content-Type": content_type,
                                                              "Accept": "application/dicom+json"})
        if status != 200:
            raise RuntimeError(f"STOW-RS answered {status}")
    return in_parallel(base_url, clients, bodies, send)


def requests_of(files: list[bytes], per_request: int) -> list[tuple[bytes, str]]:
    return [multipart(files[i:i + per_request]) for i in range(0, len(files), per_request)]


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


QUERIES = {
    "study": lambda s: f"/studies?PatientID={s.patient_id}",
    "series": lambda s: f"/studies/{s.uid}/series",
    "instance": lambda s: f"/studies/{s.uid}/series/{s.series[0]}/instances",
}


def search(client: Client, kind: str, study: Study) -> float:
    """Milliseconds one search took."""
    started = time.perf_counter()
    status, _ = client.request("GET", QUERIES[kind](study), headers={"Accept": "application/dicom+json"})
    elapsed = time.perf_counter() - started
    if status != 200:
        raise SystemExit(f"QIDO-RS {kind} search answered {status}")
    return elapsed * 1000


def wado(base_url: str, studies: list[Study], clients: int) -> tuple[float, int]:
    """(seconds, bytes) of retrieving each study whole, `clients` at a time."""
    received = []

    def retrieve(client: Client, study: Study) -> None:
        status, length = client.request("GET", f"/studies/{study.uid}",
                                        headers={"Accept": 'multipart/related; type="application/dicom"'})
        if status != 200:
            raise RuntimeError(f"WADO-RS answered {status}")
        received.append(length)
    return in_parallel(base_url, clients, studies, retrieve), sum(received)


class Simulator:
    def __init__(self, store: Path, prefix: list[str]):
        self.port = free_port()
        self.process = subprocess.Popen([*(prefix or CLI[:1]), *CLI[1:], "simulate", "dicomweb", "--port", str(self.port),
                                         "--store", str(store)], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True)
        line = self.process.stdout.readline()
        if "DICOMweb simulator" not in line:
            raise SystemExit(f"the simulator did not start: {line}{self.process.stdout.read()[-2000:]}")
        self.base_url = f"http://127.0.0.1:{self.port}/dicom-web"

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Orthanc:
    def __init__(self):
        self.process = OrthancProcess(dicomweb=True).start()
        self.base_url = f"{self.process.http_url}/dicom-web"

    def stop(self) -> None:
        self.process.stop()


def measure(targets: dict, args, studies: list[Study], timed: list[bytes], rest: list[bytes]) -> dict:
    """Every figure of every target, the targets taking turns within each phase (their order swapped each round),
    so a change of the machine's load while the benchmark runs weighs on both alike."""
    figures = {name: {"stow": 0.0, "qido": {k: [] for k in QUERIES}, "wado": [0.0, 0]} for name in targets}

    def turns(round_: int) -> list:
        order = list(targets.items())
        return order if round_ % 2 == 0 else order[::-1]
    rounds = max(1, args.rounds)
    batch = -(-len(timed) // rounds)
    for round_ in range(rounds):
        requests = requests_of(timed[round_ * batch:(round_ + 1) * batch], args.per_request)
        for name, target in turns(round_):
            figures[name]["stow"] += stow(target.base_url, requests, args.clients)
    for name, target in targets.items():
        started = time.perf_counter()
        stow(target.base_url, requests_of(rest, 50), 2)
        figures[name]["load"] = time.perf_counter() - started
    clients = {name: Client(target.base_url) for name, target in targets.items()}
    try:
        for kind in QUERIES:
            for index in range(args.queries + 2):
                study = studies[(index * 7) % len(studies)]
                for name, _ in turns(index):
                    elapsed = search(clients[name], kind, study)
                    if index >= 2:      # the first two warm caches
                        figures[name]["qido"][kind].append(elapsed)
    finally:
        for client in clients.values():
            client.close()
    whole = [s for s in studies if len(s.files) == args.study_size]
    per_round = -(-args.retrieves // rounds)
    for round_ in range(rounds):
        chosen = [whole[(round_ * per_round + i) % len(whole)] for i in range(per_round)]
        for name, target in turns(round_):
            seconds, size = wado(target.base_url, chosen, args.clients)
            figures[name]["wado"][0] += seconds
            figures[name]["wado"][1] += size
    for name in targets:
        found = figures[name]
        found["stow"] = len(timed) / found["stow"]
        found["qido"] = {k: (statistics.median(v), percentile(v, 0.95)) for k, v in found["qido"].items()}
        seconds, size = found["wado"]
        found["wado"] = (per_round * rounds / seconds, size / seconds / 1e6)
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stow", type=int, help="instances sent by the timed STOW-RS (default 500)")
    parser.add_argument("--per-request", type=int, default=10, help="instances per STOW-RS request (default 10)")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients for STOW and WADO (default 4)")
    parser.add_argument("--instances", type=int, help="instances stored before QIDO (default 10000)")
    parser.add_argument("--study-size", type=int, default=100, help="instances per study (default 100)")
    parser.add_argument("--queries", type=int, help="searches of each kind (default 60)")
    parser.add_argument("--retrieves", type=int, help="whole-study retrieves (default 20)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="turns the targets take in the STOW and WADO phases (default 4)")
    parser.add_argument("--only", choices=("simulator", "orthanc"), help="measure one target only")
    parser.add_argument("--simulator-python", default="",
                        help="the command that runs the simulator's Python (a profiler); default this interpreter")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes for a smoke run (those not given): 200 STOW, 1000 instances, 20 queries, 8 retrieves")
    args = parser.parse_args()
    sizes = {"stow": 200, "instances": 1000, "queries": 20, "retrieves": 8} if args.quick else {
        "stow": 500, "instances": 10_000, "queries": 60, "retrieves": 20}
    for name, value in sizes.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.instances = max(args.instances, args.stow)
    print(f"making {args.instances} CT instances ...", flush=True)
    studies = make_corpus(args.instances, args.study_size)
    every = [f for s in studies for f in s.files]
    size_kib = sum(map(len, every)) / len(every) / 1024
    timed, rest = every[:args.stow], every[args.stow:]
    work = Path(tempfile.mkdtemp(prefix="dh-web-bench-"))
    loads = [os.getloadavg()[0]]
    running = {}
    try:
        if args.only != "orthanc":
            print("starting the simulator ...", flush=True)
            running["simulator"] = Simulator(work / "sim-store", shlex.split(args.simulator_python))
        if args.only != "simulator":
            print("starting Orthanc ...", flush=True)
            running["orthanc"] = Orthanc()
        print(f"measuring {' and '.join(running)} in turns ...", flush=True)
        results = measure(running, args, studies, timed, rest)
        loads.append(os.getloadavg()[0])
    finally:
        for target in running.values():
            target.stop()
        shutil.rmtree(work, ignore_errors=True)
    print()
    print(f"DICOMweb side by side: {args.instances} CT instances of {size_kib:.0f} KiB in studies of "
          f"{args.study_size}; load average {loads[0]:.1f} at the start, {loads[1]:.1f} at the end, on "
          f"{os.cpu_count()} CPUs")
    sim, orthanc = results.get("simulator"), results.get("orthanc")

    def row(label: str, unit: str, ours, theirs) -> None:
        ratio = f"{ours / theirs:6.2f}" if ours is not None and theirs else "     -"
        cells = [f"{v:10.1f}" if v is not None else "         -" for v in (ours, theirs)]
        print(f"  {label:52} {cells[0]} {cells[1]}  {ratio}   {unit}")
    print(f"  {'':52} {'simulator':>10} {'Orthanc':>10}  sim/Orthanc")

    def pick(figures, *keys):
        if figures is None:
            return None
        value = figures
        for key in keys:
            value = value[key]
        return value
    row(f"STOW-RS {args.stow} inst., {args.per_request}/request, {args.clients} clients", "instances/s (higher is better)",
        pick(sim, "stow"), pick(orthanc, "stow"))
    for kind in ("study", "series", "instance"):
        for index, name in ((0, "p50"), (1, "p95")):
            row(f"QIDO-RS {kind} search at {args.instances}, {name}", "ms (lower is better)",
                pick(sim, "qido", kind, index), pick(orthanc, "qido", kind, index))
    row(f"WADO-RS study of {args.study_size}, {args.clients} clients", "studies/s (higher is better)",
        pick(sim, "wado", 0), pick(orthanc, "wado", 0))
    row(f"WADO-RS study of {args.study_size}, {args.clients} clients", "MB/s (higher is better)",
        pick(sim, "wado", 1), pick(orthanc, "wado", 1))
    row(f"(loading the other {len(rest)} inst.: 50/request, 2 clients)", "s, not a target",
        pick(sim, "load"), pick(orthanc, "load"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
