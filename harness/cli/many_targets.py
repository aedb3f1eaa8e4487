"""`dicom-harness run --targets entries.toml`: many targets, each with its profile, a few at a time, then one
comparison report. Each entry runs as its own `dicom-harness run` process (pytest runs one session per
process), with its own report folder and log.

entries.toml:
    concurrency = 2                  # targets at a time (default 2)
    [[entry]]
    name = "Team A"                  # its label in the comparison
    target = "team-a.toml"           # a profile (relative to this file), a built-in target or docker:NAME
    [[entry]]
    name = "Team B"
    dimse = "TEAMB@10.0.0.7:104"     # or the quick forms (dimse, dicomweb)
    fault = ["store-discards"]       # simulators only
Entry keys are the run options that name a target (harness/plugin/options.py); --test, -k, --seed and --suite
apply to every entry.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from dicom_harness.errors import ProfileError
from dicom_harness.plugin.options import OPTIONS, TARGET_OPTIONS, arguments
from dicom_harness.plugin.roots import user_folders
from dicom_harness.reports.render import slug
from dicom_harness.targets.profile import BUILT_IN

ENTRY_KEYS = {"name"} | {option.key for option in TARGET_OPTIONS}    # name, target, dimse, dicomweb, fault
WORST_FIRST = (2, 3, 1, 4)        # the combined exit code: the first of these any entry returned
ENTRY_TIMEOUT = 3600.0            # seconds; one hung target must not hang the whole comparison
QUICK = tuple(option.key for option in TARGET_OPTIONS if option.quick)


@dataclass
class Entry:
    name: str
    values: dict = field(default_factory=dict)      # the target options of this entry, by key

    def arguments(self) -> list[str]:
        return arguments(TARGET_OPTIONS, self.values)


def load_entries(path: str | Path) -> tuple[list[Entry], int]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ProfileError(f"--targets {path}: not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"--targets {path}: not valid TOML: {exc}") from None
    concurrency = data.get("concurrency", 2)
    if not isinstance(concurrency, int) or concurrency < 1:
        raise ProfileError(f"--targets {path}: concurrency must be a whole number of at least 1")
    raw = data.get("entry", [])
    if not raw:
        raise ProfileError(f"--targets {path}: no [[entry]] tables; each needs a name and a target or dimse")
    entries, names = [], set()
    for number, item in enumerate(raw, 1):
        where = f"--targets {path}: entry {number}"
        unknown = set(item) - ENTRY_KEYS
        if unknown:
            raise ProfileError(f"{where}: unknown keys {sorted(unknown)}; known: {', '.join(sorted(ENTRY_KEYS))}")
        name = item.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ProfileError(f"{where}: needs name = \"...\"")
        if slug(name) in names:
            raise ProfileError(f"{where}: the name {name!r} is used twice")
        names.add(slug(name))
        target = item.get("target")
        if bool(target) == any(item.get(key) for key in QUICK):
            quick = " / ".join(f'{key} = "..."' for key in QUICK)
            raise ProfileError(f"{where} ({name}): give exactly one of target = \"...\" or the quick forms {quick}")
        if target and target not in BUILT_IN and not target.startswith("docker:"):
            target = str((path.parent / target).resolve())
            if not Path(target).exists():
                raise ProfileError(f"{where} ({name}): profile {item['target']} not found next to {path.name}")
        values = {option.dest: item.get(option.key) for option in TARGET_OPTIONS} | {"target": target}
        for option in TARGET_OPTIONS:
            if option.repeat and isinstance(values[option.dest], str):
                values[option.dest] = [values[option.dest]]
        entries.append(Entry(name=name, values=values))
    return entries, concurrency


def run_targets(args: argparse.Namespace) -> int:
    from dicom_harness.reports.compare import CompareError, load_run, write_comparison
    if any(getattr(args, option.dest) for option in TARGET_OPTIONS):
        raise ProfileError("--targets runs the targets its file names: leave out "
                           + ", ".join(option.flag for option in TARGET_OPTIONS))
    user_folders(args.suite)                          # a missing folder fails here, not once per entry
    entries, concurrency = load_entries(args.targets)
    jobs = args.jobs or concurrency
    out = Path(args.report_dir)
    out.mkdir(parents=True, exist_ok=True)
    passthrough = arguments([o for o in OPTIONS if o.dest in ("seed", "suite")], vars(args))
    for test in args.test:
        passthrough += ["--test", test]
    if args.k:
        passthrough += ["-k", args.k]
    print(f"dicom-harness: running {len(entries)} target(s), {jobs} at a time; reports in {out}/", flush=True)

    def one(entry: Entry) -> tuple[Entry, int, float]:
        folder = out / slug(entry.name)
        command = [sys.executable, "-m", "dicom_harness", "run", *entry.arguments(), "--report-dir", str(folder),
                   *passthrough]
        started = time.monotonic()
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "run.log", "w", encoding="utf-8") as log:
            try:
                code = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, timeout=ENTRY_TIMEOUT).returncode
            except subprocess.TimeoutExpired:
                log.write(f"\ndicom-harness: stopped after {ENTRY_TIMEOUT:.0f} s\n")
                code = 3
        elapsed = time.monotonic() - started
        last = (folder / "run.log").read_text(encoding="utf-8", errors="replace").strip().splitlines()
        summary = next((line for line in reversed(last) if line.startswith("dicom-harness:")), last[-1] if last else "")
        print(f"  {entry.name}: exit {code} in {elapsed:.1f} s; {summary}", flush=True)
        return entry, code, elapsed

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        finished = list(pool.map(one, entries))
    runs = []
    for entry, code, _ in finished:
        try:
            runs.append(load_run(out / slug(entry.name), label=entry.name))
        except CompareError:
            print(f"  {entry.name}: no results (see {out / slug(entry.name) / 'run.log'})", file=sys.stderr)
    if runs:
        page = write_comparison(runs, out / "index.html", title="DICOM conformance: targets compared")
        print(f"dicom-harness: comparison of {len(runs)} target(s): {page}")
    codes = {code for _, code, _ in finished}
    return next((code for code in WORST_FIRST if code in codes), 0)


