"""Run the suites with several faults, one after another, in one process: each run is the command line's
own `dicom-harness run --fault NAME --test SUITE...`, so results are the same as one process per fault, but
the interpreter and its imports start once. Each fault runs against the suites of fault_scope().

    python -m tests.fault_batch OUTDIR FAULT [FAULT ...]   writes OUTDIR/FAULT/results.json and exit_code"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    from dicom_harness.cli.main import main as cli_main
    from dicom_harness.simulators.faults import FAULTS, VIEWER_SUITES
    root = Path(argv[0])
    for name in argv[1:]:
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        if FAULTS[name].client and FAULTS[name].suites == VIEWER_SUITES:
            code = cli_main(listen_to_viewer(folder, name))
        elif FAULTS[name].client and "clients/query_retrieve" in FAULTS[name].suites:
            code = cli_main(listen_to_workstation(folder, name))
        elif FAULTS[name].client:
            code = cli_main(listen_to_modality(folder, name))
        else:
            scope = [f"--test={suite}" for suite in fault_scope(FAULTS[name])]
            code = cli_main(["run", "--fault", name, *scope, "--report-dir", str(folder)])
        (folder / "exit_code").write_text(str(code))
    return 0


def listen_to_modality(folder: Path, fault: str | None = None) -> list[str]:
    """`dicom-harness listen` arguments judging one acquisition of the modality simulator (with a client fault)."""
    drive = (f"{sys.executable} -m dicom_harness simulate modality --worklist {{ae}}@{{host}}:{{port}} "
             f"--store {{ae}}@{{host}}:{{port}} --timeout 5" + (f" --fault {fault}" if fault else ""))
    return ["listen", "--as", "pacs,ris", "--scenario", "worklist,mpps,store,commitment", "--port", "0",
            "--product", "modality simulator", "--report-dir", str(folder), "--drive", drive]


def listen_to_viewer(folder: Path, fault: str | None = None) -> list[str]:
    """`dicom-harness listen --as dicomweb` arguments judging one session of the viewer simulator (search,
    retrieve, store, then a UPS-RS pull of the workitem listen seeds), with a client fault."""
    drive = f"{sys.executable} -m dicom_harness simulate viewer --url {{url}} --study {{study}} --timeout 5 --ups" + (
        f" --fault {fault}" if fault else "")
    return ["listen", "--as", "dicomweb", "--web-port", "0", "--scenario", "web-search,web-retrieve,web-store,ups-pull",
            "--product", "viewer simulator", "--report-dir", str(folder), "--drive", drive]


def listen_to_workstation(folder: Path, fault: str | None = None) -> list[str]:
    """`dicom-harness listen` arguments judging one Q/R session of the workstation simulator (C-GET, then C-MOVE
    to its own storage listener, which listen's PACS knows by --move-dest), with a client fault."""
    from dicom_harness.targets.ports import free_port
    port = free_port()
    drive = (f"{sys.executable} -m dicom_harness simulate workstation --pacs {{ae}}@{{host}}:{{port}} --retrieve both "
             f"--port {port} --timeout 5" + (f" --fault {fault}" if fault else ""))
    return ["listen", "--as", "pacs", "--scenario", "query-retrieve", "--port", "0", "--move-dest",
            f"DH_WORKSTATION=127.0.0.1:{port}", "--product", "workstation simulator", "--report-dir", str(folder),
            "--drive", drive]


def fault_scope(fault) -> list[str]:
    """What a fault is run against: the suite files whose tests name the requirements it breaks (knock-ons
    included), within the suites it names if it names any, plus Verification as a bystander. The clean run covers
    every file; a fault run proves its requirements' tests fail and their neighbours' in those files do not. Where
    a requirement is not found in a file (an ID passed through a variable), the whole suites are run."""
    ids = (fault.breaks, *fault.also_breaks)
    files = _files_naming()
    within = tuple(f"{suite}/" for suite in fault.suites)
    chosen = {path for rid in ids for path in files.get(rid, ()) if not within or path.startswith(within)}
    if all(any(not within or path.startswith(within) for path in files.get(rid, ())) for rid in ids):
        return sorted(chosen) + ["verification"]
    return list(fault.suites) if fault.suites else _suites_of(ids)


def _suites_of(ids) -> list[str]:
    from dicom_harness.catalogue import load_catalogue
    catalogue = load_catalogue()
    return sorted({catalogue[rid].service for rid in ids} | {"verification"})


_FILES: dict[str, list[str]] = {}


def _files_naming() -> dict[str, list[str]]:
    """{requirement ID: suite files naming it}, paths relative to the built-in suites' root (read, not imported)."""
    if not _FILES:
        import dicom_harness.suites
        from dicom_harness.catalogue.coverage import named_in_sources
        root = Path(dicom_harness.suites.__file__).parent
        for rid, paths in named_in_sources([root]).items():
            _FILES[rid] = sorted({Path(path).relative_to(root).as_posix() for path in paths})
    return _FILES


SECONDS_PER_FAULT = 45.0      # a hang guard, far above a fault's few seconds on a loaded 2-core machine
SECONDS_PER_BATCH = 120.0     # ... plus this much, for the few faults that fail a hundred tests (store-discards)


def run_fault_batch(root: Path, names: list[str]) -> dict:
    """{fault: (CompletedProcess-like, records)} for each fault, run in one child process. A batch that hangs is
    stopped after SECONDS_PER_FAULT per fault; the faults it finished keep their results, the others fail alone."""
    args = [sys.executable, "-m", "tests.fault_batch", str(root), *names]
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=SECONDS_PER_BATCH + SECONDS_PER_FAULT * len(names),
                              cwd=Path(__file__).resolve().parent.parent)
        stdout, stderr, returncode = proc.stdout, proc.stderr, proc.returncode
    except subprocess.TimeoutExpired as exc:
        def text(value):
            return value.decode(errors="replace") if isinstance(value, bytes) else (value or "")
        stdout, returncode = text(exc.stdout), -1
        stderr = text(exc.stderr) + f"\nthe batch was stopped after {exc.timeout:.0f} s"
    runs = {}
    for name in names:
        folder = root / name
        code_file, results = folder / "exit_code", folder / "results.json"
        code = int(code_file.read_text()) if code_file.exists() else returncode or -1
        records = json.loads(results.read_text())["results"] if code_file.exists() and results.exists() else []
        runs[name] = (subprocess.CompletedProcess(args, code, stdout[-2000:], stderr[-2000:]), records)
    return runs

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
