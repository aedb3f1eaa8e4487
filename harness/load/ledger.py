"""The acknowledged instances of a load: one JSON line per instance the target said it kept (C-STORE Success or
Warning, STOW-RS 200/202 listing it as stored), with the digest of what was sent. A Locust worker sends its lines
to the master (a Locust message, so remote workers count too); the master, or a single-process load, appends
them to the ledger file that --check reads afterwards."""

from __future__ import annotations

import json
from pathlib import Path

MESSAGE = "dh-acknowledged"
_file: Path | None = None


def open_ledger(path: Path) -> None:
    global _file
    _file = path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("")


def append(record: dict) -> None:
    if _file is not None:
        with _file.open("a", encoding="utf-8") as out:
            out.write(json.dumps(record) + "\n")


def record(environment, ds, via: str) -> None:
    """Called in the process where the acknowledgement arrived."""
    from locust.runners import WorkerRunner

    from dicom_harness.load.wire import content_digest, pixel_digest
    entry = {"sop": str(ds.SOPInstanceUID), "study": str(ds.StudyInstanceUID), "via": via,
             "digest": content_digest(ds), "pixels": pixel_digest(ds)}
    if isinstance(environment.runner, WorkerRunner):
        environment.runner.send_message(MESSAGE, entry)
    else:
        append(entry)


def on_message(environment, msg, **_kwargs) -> None:
    """The master's handler for its workers' lines."""
    append(msg.data)


def read(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
