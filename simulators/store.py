"""The shared instance store: DICOM files plus an SQLite index.

A write is durable before it returns, so a simulator answers Success only for data that would survive kill -9
and a restart. A small object is written into place and appended to the store's journal (one preallocated file,
one fdatasync: no file system metadata to commit); the journal is replayed at the next start if its process
died, and emptied once the files it covers are synced (a checkpoint: when it is full, before a delete or a
direct write of one of its instances, at close). A large object is written durably on its own (temporary file,
fsync, rename, fsync of the folder). File names are hashes of the SOP Instance UID: never peer data, so a
hostile UID cannot escape the storage root. The index is rebuilt from the files and the journal, so the store
survives a restart."""

from __future__ import annotations

import collections
import hashlib
import itertools
import json
import logging
import os
import sqlite3
import struct
import threading
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from pydicom import dcmread
from pydicom.dataset import Dataset

try:
    import fcntl
except ImportError:         # not POSIX: no journal, every write is durable on its own
    fcntl = None
_datasync = getattr(os, "fdatasync", os.fsync)      # macOS has no fdatasync
log = logging.getLogger("simulators.store")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS instances (
    sop_instance_uid TEXT PRIMARY KEY,
    sop_class_uid TEXT NOT NULL,
    transfer_syntax_uid TEXT NOT NULL,
    patient_id TEXT,
    study_instance_uid TEXT,
    series_instance_uid TEXT,
    relative_path TEXT NOT NULL,
    attributes TEXT NOT NULL,
    stored_at REAL NOT NULL DEFAULT (julianday('now'))
);
CREATE INDEX IF NOT EXISTS by_study ON instances (study_instance_uid);
CREATE INDEX IF NOT EXISTS by_series ON instances (series_instance_uid);
CREATE INDEX IF NOT EXISTS by_patient ON instances (patient_id);
"""

# Attributes larger than this are left out of the index copy used for matching.
_INDEX_BULK_LIMIT = 1024
_INSERT_ROW = ("INSERT OR REPLACE INTO instances (sop_instance_uid, sop_class_uid, transfer_syntax_uid, patient_id,"
               " study_instance_uid, series_instance_uid, relative_path, attributes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")


@dataclass(frozen=True)
class StoredInstance:
    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    patient_id: str
    study_instance_uid: str
    series_instance_uid: str
    path: Path
    attributes: dict   # DICOM JSON of the non-bulk top-level attributes, for matching

    def read(self) -> Dataset:
        return dcmread(self.path)


@dataclass(frozen=True)
class StoredFile:
    """Where an instance is kept and what names it, without its index attributes (Store.files)."""
    sop_instance_uid: str
    sop_class_uid: str
    transfer_syntax_uid: str
    patient_id: str
    study_instance_uid: str
    series_instance_uid: str
    location: str       # the file's path as text (a Path costs more to make than a small file to stream)

    @property
    def path(self) -> Path:
        return Path(self.location)


@dataclass(frozen=True)
class InstanceGroup:
    """A study, series or instance as the index sees it (Store.groups)."""
    first: StoredInstance       # its first instance in store order
    count: int                  # its instances
    series: int                 # its distinct series
    modalities: list[str]       # the distinct Modality values of its instances (study level; else empty)


class Store:
    def __init__(self, root: str | Path, *, folders_first: bool = True):
        """folders_first: a new store makes its 256 object folders at once, so that no write waits for a mkdir
        (a store served for long); without it each is made when first written to (a run's throwaway store, which
        would spend more on making and removing them than it ever writes)."""
        self.root = Path(root).resolve()
        objects = self.root / "objects"
        objects.mkdir(parents=True, exist_ok=True)
        # The layout: objects/<1st hex digit>/<2nd>/<SHA-256>.dcm, 256 folders; a store made before it
        # (objects/<2 digits>/<2 digits>/, 65,536 folders made as they fill) keeps its own, as the index and the
        # journal name every file by its path.
        with os.scandir(objects) as entries:
            found = [entry.name for entry in entries]
        self._fanout = 2 if any(len(name) == 2 for name in found) else 1
        (self.root / "incoming").mkdir(exist_ok=True)
        self._clean_incoming()
        # Each process on the store leaves its id under processes/: keep_journaled answers before the index row
        # is in, which only readers in this process are sure to wait for (_settle); with another simulator
        # process on the same store it keeps each instance whole before answering instead.
        (self.root / "processes").mkdir(exist_ok=True)
        self._process_mark = self.root / "processes" / str(os.getpid())
        self._process_mark.touch()
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.root / "index.sqlite", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # The files are the record (each fsynced before Success); the index is rebuilt from them at start,
        # so its commits need not wait for the disk.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._folders: set[Path] = set()          # object folders known to exist
        # keep_encoded's: the object folders known to exist by name, and its temporary files' names under incoming/
        # (the process id first, as incoming_path's, so that _clean_incoming knows whose they are)
        self._folder_names: set[str] = set()
        if not found and folders_first:
            for first in "0123456789abcdef":
                for second in "0123456789abcdef":
                    folder = objects / first / second
                    folder.mkdir(parents=True, exist_ok=True)
                    self._folders.add(folder)
                    self._folder_names.add(str(folder))
        self._incoming_prefix = f"{self.root}/incoming/{os.getpid()}-{uuid.uuid4().hex}-"
        self._incoming_count = itertools.count()
        # keep_journaled's instances, acknowledged (in the journal) but not yet written into place and indexed:
        # (final path, bytes, index row), written by a thread of their own or by whoever needs the store settled
        self._unwritten: collections.deque = collections.deque()
        self._unwritten_lock = threading.Lock()     # held while some are being written (a settle waits for it)
        self._writer_lock = threading.Lock()        # starting and ending the writer thread
        self._writer: threading.Thread | None = None
        self._writer_wake = threading.Event()
        self._closed = False
        self._replay_journals()
        self._journal = Journal(self.root / "journal", before_checkpoint=self._write_unwritten)
        self._index_unindexed_files()

    def _clean_incoming(self) -> None:
        """Remove what writers that are gone left under incoming/ (a process killed mid-upload). A file's name
        starts with the id of the process writing it; another live process's files (a second simulator on the
        same store) are left alone."""
        for path in (self.root / "incoming").iterdir():
            owner = path.name.split("-", 1)[0]
            if owner.isdigit() and int(owner) != os.getpid() and _alive(int(owner)):
                continue
            if owner.isdigit() and int(owner) == os.getpid():
                continue
            try:
                path.unlink()
            except OSError:
                pass

    def _index_unindexed_files(self) -> None:
        """Index files kept durably whose index rows were lost (a crash between fsync and commit)."""
        with self._lock:
            rows = self._db.execute("SELECT relative_path, sop_instance_uid FROM instances").fetchall()
        known = {row[0] for row in rows}
        indexed = {row[1] for row in rows}
        for path in (self.root / "objects").glob("*/*/*.dcm"):
            relative = path.relative_to(self.root).as_posix()
            if relative not in known:
                try:
                    dataset = dcmread(path, stop_before_pixels=True)
                except Exception:
                    continue   # not a file we can read: leave it, never delete data
                if str(dataset.get("SOPInstanceUID", "")) in indexed:
                    continue   # an older copy under the other layout's name: the index names the newer one
                self._index(relative, dataset)

    def _replay_journals(self) -> None:
        """Keep what journals of processes that died acknowledged (kill -9 before a checkpoint): each record's file
        is written durably again and indexed, then the journal is removed."""
        for path, records in Journal.orphans(self.root / "journal"):
            for relative, payload in records:
                if not _is_object_path(relative):
                    continue        # not a name this store makes: never write outside objects/
                write_durably(self._folder_for(relative) / Path(relative).name, payload, self.incoming_path())
                try:
                    self._index(relative, dcmread(self.root / relative, stop_before_pixels=True))
                except Exception:
                    continue        # unreadable: the file is kept, as _index_unindexed_files does
            path.unlink()

    def close(self) -> None:
        self._closed = True
        self._write_unwritten()
        self._writer_wake.set()         # the writer thread finds nothing left and ends
        self._journal.close()
        with self._lock:
            self._db.close()
        try:
            self._process_mark.unlink()
        except OSError:
            pass    # another Store of this process on the same root removed it first

    def _another_process_on_store(self) -> bool:
        """Another live process has this store open (a second simulator: `simulate dicomweb` beside `simulate
        pacs`, say). A dead process's mark is ignored."""
        with os.scandir(self.root / "processes") as entries:
            return any(entry.name.isdigit() and int(entry.name) != os.getpid() and _alive(int(entry.name))
                       for entry in entries)

    def _relative_path(self, sop_instance_uid: str) -> str:
        digest = hashlib.sha256(sop_instance_uid.encode("ascii", "replace")).hexdigest()
        if self._fanout == 1:
            return f"objects/{digest[0]}/{digest[1]}/{digest}.dcm"
        return f"objects/{digest[:2]}/{digest[2:4]}/{digest}.dcm"

    def _folder_for(self, relative: str) -> Path:
        folder = (self.root / relative).parent
        if folder not in self._folders:
            folder.mkdir(parents=True, exist_ok=True)
            self._folders.add(folder)
        return folder

    def _write_durably(self, relative: str, payload) -> Path:
        self._settle()
        pieces = (payload,) if isinstance(payload, (bytes, bytearray, memoryview)) else tuple(payload)
        final = self._folder_for(relative) / Path(relative).name
        if self._journal.takes(pieces):
            write_in_place(final, pieces, self.incoming_path())
            self._journal.append(relative, final, pieces)
            return final
        self._journal.forget(relative)       # a journal record of it must not be replayed over this write
        return write_durably(final, pieces, self.incoming_path())

    def put_file(self, encoded_file: bytes, dataset: Dataset | None = None) -> StoredInstance:
        """Keep a Part 10 file (preamble + meta + data set) and index it. Returns once it is on disk."""
        if dataset is None:
            dataset = dcmread(BytesIO(encoded_file), stop_before_pixels=True)
        sop_uid = str(dataset.SOPInstanceUID)
        relative = self._relative_path(sop_uid)
        self._write_durably(relative, encoded_file)
        return self._index(relative, dataset)

    def put_parts(self, parts, dataset: Dataset) -> StoredInstance:
        """Keep a Part 10 file given in pieces (bytes or memoryviews, written one after the other without being
        joined: a large object is never copied) and index it from `dataset`. Returns once it is on disk."""
        relative = self._relative_path(str(dataset.SOPInstanceUID))
        self._write_durably(relative, parts)
        return self._index(relative, dataset)

    def _index(self, relative: str, dataset: Dataset) -> StoredInstance:
        row = _index_row(relative, dataset)
        with self._lock:
            self._db.execute(_INSERT_ROW, row)
        return self._instance(row)     # its attributes read back from the text: never the cache's dicts

    def _instance(self, row: tuple) -> StoredInstance:
        sop, klass, ts, pid, study, series, relative, attributes = row[:8]
        return StoredInstance(sop, klass, ts, pid or "", study or "", series or "", self.root / relative,
                              json.loads(attributes) if isinstance(attributes, str) else attributes)

    _COLUMNS = ("sop_instance_uid, sop_class_uid, transfer_syntax_uid, patient_id, study_instance_uid,"
                " series_instance_uid, relative_path, attributes")

    def get(self, sop_instance_uid: str) -> StoredInstance | None:
        self._settle()
        with self._lock:
            row = self._db.execute(f"SELECT {self._COLUMNS} FROM instances WHERE sop_instance_uid = ?",
                                   (sop_instance_uid,)).fetchone()
        return self._instance(row) if row else None

    def delete(self, sop_instance_uid: str) -> bool:
        found = self.get(sop_instance_uid)
        if not found:
            return False
        self._journal.forget(found.path.relative_to(self.root).as_posix())    # not brought back by a replay
        with self._lock:
            self._db.execute("DELETE FROM instances WHERE sop_instance_uid = ?", (sop_instance_uid,))
        found.path.unlink(missing_ok=True)
        return True

    def instances(self, *, study: str | None = None, series: str | None = None,
                  sop_instances: list[str] | None = None, patient_id: str | None = None) -> list[StoredInstance]:
        """Instances narrowed by the unique keys given (all given keys must hold)."""
        if sop_instances is not None and not sop_instances:
            return []
        self._settle()
        where, values = _narrowed(study=study, series=series, patient_id=patient_id, sop_instances=sop_instances)
        with self._lock:
            rows = self._db.execute(f"SELECT {self._COLUMNS} FROM instances{where} ORDER BY rowid",
                                    values).fetchall()
        return [self._instance(r) for r in rows]

    def files(self, *, study: str | None = None, series: str | None = None,
              sop_instances: list[str] | None = None) -> list[StoredFile]:
        """Where the instances narrowed as by instances() are kept, in store order, without decoding their index
        attributes (what a retrieve needs: a study's worth of attributes costs more than streaming its files)."""
        if sop_instances is not None and not sop_instances:
            return []
        self._settle()
        where, values = _narrowed(study=study, series=series, sop_instances=sop_instances)
        with self._lock:
            rows = self._db.execute("SELECT sop_instance_uid, sop_class_uid, transfer_syntax_uid, patient_id,"
                                    f" study_instance_uid, series_instance_uid, relative_path FROM instances{where}"
                                    " ORDER BY rowid", values).fetchall()
        root = str(self.root)
        return [StoredFile(sop, klass, ts, pid or "", st or "", se or "", f"{root}/{relative}")
                for sop, klass, ts, pid, st, se, relative in rows]

    # The columns a search may narrow on before it matches (groups(any_of=...)), by the attribute they hold
    INDEXED_COLUMNS = {"PatientID": "patient_id", "StudyInstanceUID": "study_instance_uid",
                       "SeriesInstanceUID": "series_instance_uid", "SOPInstanceUID": "sop_instance_uid",
                       "SOPClassUID": "sop_class_uid"}
    _GROUP_KEYS = {"study": "study_instance_uid", "series": "series_instance_uid", "instance": "sop_instance_uid"}

    def groups(self, level: str, *, study: str | None = None, series: str | None = None,
               any_of: dict[str, list[str]] | None = None) -> list[InstanceGroup]:
        """The studies, series or instances (level) of the instances narrowed by study and series, in store order
        (of each one's first instance), each with its first instance and counts, answered from the index alone.
        any_of (column -> values): only the groups with an instance whose column holds one of the values or none
        (a search's unknown value matches): a superset of what matching those values against each group's first
        instance keeps, so a search may narrow with it before it matches."""
        key = self._GROUP_KEYS[level]
        self._settle()
        clauses, values = [], []
        for column, value in (("study_instance_uid", study), ("series_instance_uid", series)):
            if value is not None:
                clauses.append(f"{column} = ?")
                values.append(value)
        for column, wanted in (any_of or {}).items():
            if column not in self.INDEXED_COLUMNS.values():
                raise ValueError(f"not an indexed column: {column}")
            marks = ",".join("?" * (len(wanted) + 1))
            clauses.append(f"{key} IN (SELECT {key} FROM instances WHERE {column} IN ({marks}) OR {column} IS NULL)")
            values.extend([*wanted, ""])
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        columns = ", ".join(f"i.{c.strip()}" for c in self._COLUMNS.split(","))
        if level == "instance":
            sql = f"SELECT {columns}, 1, 1, NULL FROM instances AS i{where} ORDER BY i.rowid"
        else:
            modalities = ("json_group_array(DISTINCT json_extract(attributes, '$.\"00080060\".Value[0]'))"
                          if level == "study" else "NULL")
            sql = (f"SELECT {columns}, g.n, g.series, g.modalities FROM (SELECT MIN(rowid) AS first, COUNT(*) AS n,"
                   f" COUNT(DISTINCT series_instance_uid) AS series, {modalities} AS modalities FROM instances"
                   f"{where} GROUP BY {key}) AS g JOIN instances AS i ON i.rowid = g.first ORDER BY g.first")
        with self._lock:
            rows = self._db.execute(sql, values).fetchall()
        found = []
        for row in rows:
            modalities = sorted({m for m in json.loads(row[10]) if m}) if row[10] else []
            found.append(InstanceGroup(self._instance(row[:8]), row[8], row[9], modalities))
        return found

    def count(self) -> int:
        self._settle()
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM instances").fetchone()[0]

    # -- streamed writers (the DICOMweb server): the body never sits whole in memory -------------------
    def incoming_path(self) -> Path:
        """A fresh path under incoming/ for a writer that streams a Part 10 file before adopting it."""
        return self.root / "incoming" / f"{os.getpid()}-{uuid.uuid4().hex}.part"

    def incoming_name(self) -> str:
        """incoming_path as text, cheaper (a counter, not a fresh UUID each): the STOW-RS reader asks one a part."""
        return f"{self._incoming_prefix}{next(self._incoming_count)}.part"

    def adopt_file(self, temporary: Path, dataset: Dataset) -> StoredInstance:
        """Make a Part 10 file written under incoming/ durable, move it into place and index it."""
        self._settle()
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        sop_uid = str(dataset.SOPInstanceUID)
        relative = self._relative_path(sop_uid)
        final = self._folder_for(relative) / Path(relative).name
        self._journal.forget(relative)
        move_into_place(temporary, final)
        return self._index(relative, dataset)


    def adopt_files(self, pending: list[tuple[Path, Dataset]]) -> list[StoredInstance | OSError]:
        """adopt_file for several files (the parts of one STOW-RS request), for each its StoredInstance or the
        OSError that kept it out. Every file is synced, moved into place and its folder synced before its index row
        is written; the syncs run side by side (the disk takes them together), the rows go in one transaction."""
        self._settle()
        outcomes: list = list(_SYNCS.map(_synced_or_error, [temporary for temporary, _ in pending]))
        folders: dict[Path, list[int]] = {}
        for index, (temporary, dataset) in enumerate(pending):
            if isinstance(outcomes[index], OSError):
                continue
            relative = self._relative_path(str(dataset.SOPInstanceUID))
            try:
                final = self._folder_for(relative) / Path(relative).name
                self._journal.forget(relative)      # a journal record of it must not be replayed over this file
                os.replace(temporary, final)
            except OSError as exc:
                outcomes[index] = exc
                continue
            folders.setdefault(final.parent, []).append(index)
        for folder, problem in zip(folders, _SYNCS.map(_synced_or_error, folders)):
            for index in folders[folder]:
                outcomes[index] = problem
        rows = []
        for index, (_, dataset) in enumerate(pending):
            if outcomes[index] is None:
                relative = self._relative_path(str(dataset.SOPInstanceUID))
                rows.append(_index_row(relative, dataset))
                outcomes[index] = rows[-1]
        self._insert_rows(rows)
        return [self._instance(o) if isinstance(o, tuple) else o for o in outcomes]


    def keep_encoded(self, entries: list[tuple[str, bytes, tuple]]) -> list[OSError | None]:
        """Keep several Part 10 files at once (the parts of one STOW-RS request on the lean path), each given as
        (SOP Instance UID, its bytes, its index row without the path: store._index_row's columns but
        relative_path): for each None, or the OSError that kept it out. Each file is written into place unsynced,
        then all go into the journal with one fdatasync (a large one is written durably on its own) before their
        index rows are written, in one transaction."""
        self._settle()
        outcomes: list = [None] * len(entries)
        journaled = []
        rows = []
        root = str(self.root)
        for index, (sop_uid, encoded, row) in enumerate(entries):
            relative = self._relative_path(sop_uid)
            try:
                final = f"{root}/{relative}"
                folder = final.rpartition("/")[0]
                if folder not in self._folder_names:
                    try:
                        os.mkdir(folder)
                    except FileExistsError:
                        pass
                    except FileNotFoundError:
                        os.makedirs(folder, exist_ok=True)
                    self._folder_names.add(folder)
                if self._journal.takes((encoded,)):
                    _write_in_place(final, encoded, self.incoming_name())
                    journaled.append((relative, final, (encoded,)))
                else:
                    self._journal.forget(relative)
                    write_durably(Path(final), encoded, self.incoming_path())
            except OSError as exc:
                outcomes[index] = exc
                continue
            rows.append((index, (*row[:6], relative, row[6])))
        if journaled:
            try:
                self._journal.append_all(journaled)
            except OSError as exc:
                for index, _ in rows:
                    outcomes[index] = exc
                return outcomes
        self._insert_rows([row for _, row in rows])
        return outcomes

    # keep_journaled's unwritten instances: at most this many wait for the writer thread (then the keeper writes)
    UNWRITTEN_MOST = 256
    WRITER_IDLE = 2.0           # seconds the writer thread waits for more before it ends

    def keep_journaled(self, sop_uid: str, encoded: bytes, row: tuple) -> OSError | None:
        """keep_encoded for one file (a C-STORE's), journal first: durable, and so acknowledgeable, once its journal
        record is on disk (one fdatasync); the file is written into place and its index row inserted afterwards,
        by the writer thread, off the answer's path. Every read and direct write of the store settles them first
        (_settle), so nobody sees the store without them; the journal's checkpoint writes them before it syncs
        the files it covers. A file the journal does not take (a large one), or any file while another process has
        the store open (its readers cannot settle ours), is kept by keep_encoded."""
        relative = self._relative_path(sop_uid)
        if not self._journal.takes((encoded,)) or self._another_process_on_store():
            return self.keep_encoded([(sop_uid, encoded, row)])[0]
        final = f"{self.root}/{relative}"
        try:
            self._journal.append_all([(relative, final, (encoded,))])
        except OSError as exc:
            return exc
        with self._writer_lock:
            self._unwritten.append((final, encoded, (*row[:6], relative, row[6])))
            writer_behind = len(self._unwritten) >= self.UNWRITTEN_MOST
            if not writer_behind:
                self._writer_wake.set()
                if self._writer is None:
                    self._writer = threading.Thread(target=self._write_unwritten_forever, daemon=True,
                                                    name="store-writer")
                    self._writer.start()
        if writer_behind:       # this keeper writes them
            try:
                self._write_unwritten()
            except OSError as exc:
                log.error("cannot write kept instances into place (they are in the journal): %s", exc)
        return None

    def _settle(self) -> None:
        """keep_journaled's instances all written into place and indexed (waiting for the writer thread's)."""
        if self._unwritten or self._unwritten_lock.locked():
            self._write_unwritten()

    def _write_unwritten(self) -> None:
        with self._unwritten_lock:
            rows = []
            try:
                while self._unwritten:
                    final, encoded, row = self._unwritten[0]
                    folder = final.rpartition("/")[0]
                    if folder not in self._folder_names:
                        os.makedirs(folder, exist_ok=True)
                        self._folder_names.add(folder)
                    _write_in_place(final, encoded, self.incoming_name())
                    self._unwritten.popleft()
                    rows.append(row)
            finally:
                self._insert_rows(rows)

    def _write_unwritten_forever(self) -> None:
        """The writer thread: writes what keep_journaled queues, ends after WRITER_IDLE with nothing to do."""
        while True:
            woken = self._writer_wake.wait(self.WRITER_IDLE)
            self._writer_wake.clear()
            with self._writer_lock:
                if not self._unwritten and (not woken or self._closed):
                    self._writer = None
                    return
            try:
                self._write_unwritten()
            except Exception as exc:     # noqa: BLE001 - kept in the journal: retried, the checkpoint waits for it
                log.error("cannot write kept instances into place (they are in the journal): %s", exc)
                self._writer_wake.wait(self.WRITER_IDLE)

    def _insert_rows(self, rows: list[tuple]) -> None:
        """Index rows (_index_row's columns), all in one transaction."""
        if not rows:
            return
        if len(rows) == 1:      # one row (a C-STORE's): one statement is its own transaction
            with self._lock:
                self._db.execute(_INSERT_ROW, rows[0])
            return
        with self._lock:
            self._db.execute("BEGIN")
            try:
                self._db.executemany(_INSERT_ROW, rows)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise


def _write_in_place(final: str, encoded, temporary: str) -> None:
    """write_in_place for one bytes-like value, by path strings and plain file descriptors."""
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            with memoryview(encoded) as view:
                written = 0
                while written < len(view):
                    written += os.write(fd, view[written:])
        finally:
            os.close(fd)
        os.replace(temporary, final)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def _narrowed(*, study=None, series=None, patient_id=None, sop_instances=None) -> tuple[str, list]:
    """The WHERE clause (or "") and its values for the unique keys given (all must hold)."""
    clauses, values = [], []
    for column, value in (("study_instance_uid", study), ("series_instance_uid", series),
                          ("patient_id", patient_id)):
        if value is not None:
            clauses.append(f"{column} = ?")
            values.append(value)
    if sop_instances is not None:
        clauses.append(f"sop_instance_uid IN ({','.join('?' * len(sop_instances))})")
        values.extend(sop_instances)
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), values


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_object_path(relative: str) -> bool:
    parts = relative.split("/")
    return (len(parts) == 4 and parts[0] == "objects" and all(p and p not in (".", "..") for p in parts)
            and parts[3].endswith(".dcm"))


def write_in_place(final: Path, pieces, temporary: Path) -> Path:
    """Write pieces to temporary and rename it into place, unsynced (the journal makes it durable): a reader
    never sees a partial file."""
    try:
        with open(temporary, "wb") as handle:
            for piece in pieces:
                handle.write(piece)
        os.replace(temporary, final)
        return final
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


class Journal:
    """An append-only file of (relative path, file bytes) records, each one on disk (fdatasync) before its write is
    acknowledged. The file is preallocated with zeros and synced once, so appending changes no metadata and one
    fdatasync is the whole price of a write (a new file, its rename and its folder each need their own sync
    otherwise). A record carries the journal's generation and a CRC: a torn or stale record ends the replay.
    A checkpoint syncs the files written since the last one (sync(2): one call for all of them), then starts a
    new generation. The owner holds an flock on it: a journal nobody holds belongs to a process that died."""

    HEADER = 4096
    FIRST_SIZE = 1 << 20            # grows by doubling up to MAX_SIZE, then checkpoints
    MAX_SIZE = 32 << 20
    LARGEST_RECORD = 1 << 20        # larger objects are written durably on their own
    _HEAD = struct.Struct("<4sQ")                   # magic, generation
    _RECORD = struct.Struct("<4sQHQ")               # magic, generation, path length, payload length
    _CRC = struct.Struct("<I")

    def __init__(self, folder: Path, before_checkpoint=None):
        self.folder = folder
        # what must be on disk before the files written since the last checkpoint are synced (Store: the files
        # keep_journaled has not yet written into place)
        self._before_checkpoint = before_checkpoint
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._path: Path | None = None
        self._generation = 0
        self._size = 0
        self._at = self.HEADER
        self._pending: set[str] = set()         # relative paths written since the last checkpoint
        # group commit: appends are numbered; one fdatasync covers every append numbered before it started
        self._sync_lock = threading.Lock()
        self._appended = 0
        self._synced = 0

    def takes(self, pieces) -> bool:
        return fcntl is not None and hasattr(os, "pwritev") and sum(len(p) for p in pieces) <= self.LARGEST_RECORD

    def _open(self) -> None:
        self.folder.mkdir(exist_ok=True)
        self._path = self.folder / f"{os.getpid()}-{uuid.uuid4().hex}.journal"
        self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)
        self._generation = 1
        self._grow(self.FIRST_SIZE)
        _sync_folder(self.folder)

    def _grow(self, size: int) -> None:
        """Zeros written (not a sparse hole: filling a hole is a metadata change) and synced, size included."""
        zeros = bytes(1 << 20)
        at = self._size
        while at < size:
            at += os.pwrite(self._fd, zeros[:size - at], at)
        os.pwrite(self._fd, self._HEAD.pack(b"DHJH", self._generation), 0)
        os.fsync(self._fd)
        self._size = size

    def append(self, relative: str, final: Path, pieces) -> None:
        self.append_all([(relative, final, pieces)])

    def append_all(self, records: list) -> None:
        """append for several (relative, final, pieces) records, all on disk after one fdatasync."""
        with self._lock:
            if self._fd is None:
                self._open()
            for relative, _final, pieces in records:
                name = relative.encode("ascii")
                length = sum(len(p) for p in pieces)
                need = self._RECORD.size + len(name) + length + self._CRC.size
                if self._at + need > self._size:
                    if self._size < self.MAX_SIZE:
                        self._grow(min(self.MAX_SIZE, max(self._size * 2, self._at + need)))
                    else:
                        self._checkpoint()
                head = self._RECORD.pack(b"DHJR", self._generation, len(name), length)
                crc = zlib.crc32(name, zlib.crc32(head))
                for piece in pieces:
                    crc = zlib.crc32(piece, crc)
                _pwrite_all(self._fd, [head, name, *pieces, self._CRC.pack(crc)], self._at)
                self._at += need
                self._pending.add(relative)
            self._appended += 1
            ticket = self._appended
            fd = self._fd
        self._sync_through(ticket, fd)      # outside the lock: appends of other threads go on meanwhile

    def _sync_through(self, ticket: int, fd: int) -> None:
        """Return once the append numbered `ticket` is on disk. A group commit: while one thread's fdatasync runs,
        the threads that appended meanwhile wait for it, and the next fdatasync covers all of them at once (one
        cache flush of the disk for several requests, not one each)."""
        with self._sync_lock:
            if self._synced >= ticket:
                return          # an fdatasync that started after our append has finished
            with self._lock:
                target = self._appended     # every append up to here has written its record
            _datasync(fd)
            self._synced = target

    def forget(self, relative: str) -> None:
        """Before a delete or a direct write of `relative`: a tombstone record, so that no earlier record of it is
        replayed over what comes next."""
        name = relative.encode("ascii")
        with self._lock:
            if relative not in self._pending:
                return
            head = self._RECORD.pack(b"DHJT", self._generation, len(name), 0)
            need = len(head) + len(name) + self._CRC.size
            if self._at + need > self._size:
                self._checkpoint()
                return
            crc = zlib.crc32(name, zlib.crc32(head))
            _pwrite_all(self._fd, [head, name, self._CRC.pack(crc)], self._at)
            self._at += need
            self._pending.discard(relative)
            _datasync(self._fd)

    def _checkpoint(self) -> None:
        if self._fd is None:
            return
        if self._before_checkpoint is not None:
            self._before_checkpoint()
        self._sync_pending()
        self._generation += 1
        os.pwrite(self._fd, self._HEAD.pack(b"DHJH", self._generation), 0)
        _datasync(self._fd)
        self._at = self.HEADER
        self._pending.clear()

    def _sync_pending(self) -> None:
        """The files written since the last checkpoint, their renames and folders, on disk: one by one when they
        are few, else sync(2) once (a jbd2 commit per file would cost more than the journal saved)."""
        if len(self._pending) > 64:
            os.sync()
            return
        folders = set()
        for relative in self._pending:
            path = self.folder.parent / relative
            try:
                fd = os.open(path, os.O_RDONLY)
            except FileNotFoundError:
                continue
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
            folders.update((path.parent, path.parent.parent, path.parent.parent.parent))
        for folder in folders:
            _sync_folder(folder)

    def close(self) -> None:
        with self._lock:
            if self._fd is None:
                return
            if self._pending:
                self._checkpoint()
            os.unlink(self._path)
            os.close(self._fd)
            self._fd = None

    @classmethod
    def orphans(cls, folder: Path):
        """(path, [(relative, payload)]) for each journal no live process holds: the last record of each path, in
        journal order, without the paths whose last record is a tombstone (deleted or written directly since)."""
        if fcntl is None or not folder.is_dir():
            return
        for path in sorted(folder.glob("*.journal")):
            try:
                fd = os.open(path, os.O_RDONLY)
            except OSError:
                continue
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue        # its owner is alive
                with open(fd, "rb", closefd=False) as handle:
                    data = handle.read()
                last = {}
                for relative, payload in cls._records(data):
                    last.pop(relative, None)
                    last[relative] = payload
                yield path, [(relative, payload) for relative, payload in last.items() if payload is not None]
            finally:
                os.close(fd)

    @classmethod
    def _records(cls, data: bytes):
        if len(data) < cls.HEADER:
            return
        magic, generation = cls._HEAD.unpack_from(data, 0)
        if magic != b"DHJH":
            return
        at = cls.HEADER
        while at + cls._RECORD.size <= len(data):
            magic, record_generation, name_length, length = cls._RECORD.unpack_from(data, at)
            end = at + cls._RECORD.size + name_length + length
            if magic not in (b"DHJR", b"DHJT") or record_generation != generation or end + cls._CRC.size > len(data):
                return
            crc = zlib.crc32(data[at + cls._RECORD.size:end], zlib.crc32(data[at:at + cls._RECORD.size]))
            if cls._CRC.unpack_from(data, end)[0] != crc:
                return              # torn: never acknowledged
            name = data[at + cls._RECORD.size:at + cls._RECORD.size + name_length].decode("ascii", "replace")
            yield name, (data[at + cls._RECORD.size + name_length:end] if magic == b"DHJR" else None)
            at = end + cls._CRC.size


def _pwrite_all(fd: int, pieces: list, offset: int) -> None:
    views = [memoryview(p).cast("B") for p in pieces]
    while views:
        written = os.pwritev(fd, views, offset)
        offset += written
        while views and written >= len(views[0]):
            written -= len(views[0])
            views.pop(0)
        if views and written:
            views[0] = views[0][written:]


def _sync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_durably(final: Path, payload, temporary: Path) -> Path:
    """Write payload (bytes, or a sequence of bytes-like pieces) to temporary (on final's file system), sync it,
    and move it into place: on disk before anyone is told. A failed write leaves no temporary behind."""
    pieces = (payload,) if isinstance(payload, (bytes, bytearray, memoryview)) else payload
    try:
        with open(temporary, "wb") as handle:
            for piece in pieces:
                handle.write(piece)
            handle.flush()
            os.fsync(handle.fileno())
        return move_into_place(temporary, final)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def move_into_place(temporary: Path, final: Path) -> Path:
    """Rename a file already synced to disk into place, and sync its folder so the rename lasts."""
    os.replace(temporary, final)
    folder = os.open(final.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return final


_BULK_VRS = frozenset(("OB", "OW", "OF", "OD", "OL", "OV", "UN"))


def _no_bulk_uri(element) -> str:
    return ""


# DICOM JSON of one element, keyed by everything it depends on: tag, VR, encoded value, its encoding and the data
# set's character set. Most elements of a series are the same bytes from image to image (patient, study, series,
# equipment), so most of an instance's index entry is found here instead of decoded again.
_ELEMENT_JSON: dict = {}
_ELEMENT_JSON_LIMIT = 20000


_SKIPPED: dict = {}


def _element_json(dataset: Dataset, tag, raw, charset) -> dict:
    value = getattr(raw, "value", None)
    key = None
    if getattr(raw, "is_raw", False) and isinstance(value, bytes):
        key = (int(tag), raw.VR, value, raw.is_implicit_VR, raw.is_little_endian, charset)
        found = _ELEMENT_JSON.get(key)
        if found is not None:
            return found
    element = dataset[tag]
    if element.VR in _BULK_VRS and len(element.value or b"") > _INDEX_BULK_LIMIT:
        found = _SKIPPED        # bulk (an implicit VR element's raw VR is unknown until decoded)
    else:
        found = element.to_json_dict(_no_bulk_uri, _INDEX_BULK_LIMIT)
    if key is not None:
        if len(_ELEMENT_JSON) >= _ELEMENT_JSON_LIMIT:
            _ELEMENT_JSON.clear()
        _ELEMENT_JSON[key] = found
    return found


def _index_attributes(dataset: Dataset) -> dict:
    """DICOM JSON of the top-level attributes small enough to match on (no pixel data, no bulk): what
    Dataset.to_json_dict gives for them, element by element, without building a second data set. A bulk
    element's length is read from the undecoded element where it can be, so its value is never decoded.
    The dicts returned share values with a cache: read them, never change them."""
    attributes = {}
    try:
        charset = dataset._dict.get(0x00080005)
        charset = repr(getattr(charset, "value", None))
        for tag in sorted(dataset.keys()):
            group = tag >> 16
            if group in (0x0002, 0x7FE0) or group % 2:
                continue
            raw = dataset._dict[tag]
            raw_vr = getattr(raw, "VR", None)
            if raw_vr in _BULK_VRS and _INDEX_BULK_LIMIT < getattr(raw, "length", 0) != 0xFFFFFFFF:
                continue        # undecoded and too large: skip without decoding it
            found = _element_json(dataset, tag, raw, charset)
            if found is not _SKIPPED:
                attributes[f"{tag:08X}"] = found
    except Exception:  # a malformed attribute must not stop the instance being kept
        return {}
    return attributes


# -- the parts of one request, kept together (Store.adopt_files) ---------------------------------------------------
_SYNCS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="store-fsync")


def _synced_or_error(path: Path) -> OSError | None:
    """fsync a file or folder: None, or the OSError."""
    try:
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)
    except OSError as exc:
        return exc
    return None


def _index_row(relative: str, dataset: Dataset) -> tuple:
    """The index row of a data set: its columns, then the DICOM JSON of the attributes to match on."""
    attributes = _index_attributes(dataset)

    def column(keyword: str, tag: str) -> str:      # from the JSON when it has it: no second decoding
        found = attributes.get(tag)
        if found is not None and found.get("vr") in ("UI", "LO") and len(found.get("Value", ())) <= 1:
            return str((found.get("Value") or [""])[0] or "")
        return str(dataset.get(keyword, ""))
    return (str(dataset.SOPInstanceUID), column("SOPClassUID", "00080016"),
            str(getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", "")), column("PatientID", "00100020"),
            column("StudyInstanceUID", "0020000D"), column("SeriesInstanceUID", "0020000E"), relative,
            json.dumps(attributes))
