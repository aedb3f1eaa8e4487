"""The shared instance store: DICOM files plus an SQLite index.

A write is durable before it returns (temporary file, fsync, rename, fsync of the folder), so a simulator
answers Success only for data that is on disk. File names are hashes of the SOP Instance UID: never peer
data, so a hostile UID cannot escape the storage root. The index is rebuilt from nothing but itself, so the
store survives a restart."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

from pydicom import dcmread
from pydicom.dataelem import RawDataElement
from pydicom.dataset import Dataset

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
    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()
        (self.root / "objects").mkdir(parents=True, exist_ok=True)
        (self.root / "incoming").mkdir(exist_ok=True)
        self._clean_incoming()
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.root / "index.sqlite", check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # The files are the record (each fsynced before Success); the index is rebuilt from them at start,
        # so its commits need not wait for the disk.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
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
            known = {row[0] for row in self._db.execute("SELECT relative_path FROM instances")}
        for path in (self.root / "objects").glob("*/*/*.dcm"):
            relative = path.relative_to(self.root).as_posix()
            if relative not in known:
                try:
                    dataset = dcmread(path, stop_before_pixels=True)
                except Exception:
                    continue   # not a file we can read: leave it, never delete data
                self._index(relative, dataset)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _relative_path(self, sop_instance_uid: str) -> str:
        digest = hashlib.sha256(sop_instance_uid.encode("ascii", "replace")).hexdigest()
        return f"objects/{digest[:2]}/{digest[2:4]}/{digest}.dcm"

    def _write_durably(self, relative: str, payload) -> Path:
        final = self.root / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        return write_durably(final, payload, self.incoming_path())

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
        sop_uid = str(dataset.SOPInstanceUID)
        tsyntax = str(getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", ""))
        attributes = _index_attributes(dataset)
        row = (
            sop_uid, str(dataset.get("SOPClassUID", "")), tsyntax, str(dataset.get("PatientID", "")),
            str(dataset.get("StudyInstanceUID", "")), str(dataset.get("SeriesInstanceUID", "")),
            relative, json.dumps(attributes),
        )
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO instances (sop_instance_uid, sop_class_uid, transfer_syntax_uid,"
                " patient_id, study_instance_uid, series_instance_uid, relative_path, attributes)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", row)
        return self._instance(row[:7] + (attributes,))

    def _instance(self, row: tuple) -> StoredInstance:
        sop, klass, ts, pid, study, series, relative, attributes = row[:8]
        return StoredInstance(sop, klass, ts, pid or "", study or "", series or "", self.root / relative,
                              json.loads(attributes) if isinstance(attributes, str) else attributes)

    _COLUMNS = ("sop_instance_uid, sop_class_uid, transfer_syntax_uid, patient_id, study_instance_uid,"
                " series_instance_uid, relative_path, attributes")

    def get(self, sop_instance_uid: str) -> StoredInstance | None:
        with self._lock:
            row = self._db.execute(f"SELECT {self._COLUMNS} FROM instances WHERE sop_instance_uid = ?",
                                   (sop_instance_uid,)).fetchone()
        return self._instance(row) if row else None

    def delete(self, sop_instance_uid: str) -> bool:
        found = self.get(sop_instance_uid)
        if not found:
            return False
        with self._lock:
            self._db.execute("DELETE FROM instances WHERE sop_instance_uid = ?", (sop_instance_uid,))
        found.path.unlink(missing_ok=True)
        return True

    def instances(self, *, study: str | None = None, series: str | None = None,
                  sop_instances: list[str] | None = None, patient_id: str | None = None) -> list[StoredInstance]:
        """Instances narrowed by the unique keys given (all given keys must hold)."""
        clauses, values = [], []
        for column, value in (("study_instance_uid", study), ("series_instance_uid", series),
                              ("patient_id", patient_id)):
            if value is not None:
                clauses.append(f"{column} = ?")
                values.append(value)
        if sop_instances is not None:
            if not sop_instances:
                return []
            clauses.append(f"sop_instance_uid IN ({','.join('?' * len(sop_instances))})")
            values.extend(sop_instances)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        with self._lock:
            rows = self._db.execute(f"SELECT {self._COLUMNS} FROM instances{where} ORDER BY rowid",
                                    values).fetchall()
        return [self._instance(r) for r in rows]

    def files(self, *, study: str | None = None, series: str | None = None,
              sop_instances: list[str] | None = None) -> list[StoredFile]:
        """Where the instances narrowed as by instances() are kept, in store order, without decoding their index
        attributes (what a retrieve needs: a study's worth of attributes costs more than streaming its files)."""
        clauses, values = [], []
        for column, value in (("study_instance_uid", study), ("series_instance_uid", series)):
            if value is not None:
                clauses.append(f"{column} = ?")
                values.append(value)
        if sop_instances is not None:
            if not sop_instances:
                return []
            clauses.append(f"sop_instance_uid IN ({','.join('?' * len(sop_instances))})")
            values.extend(sop_instances)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
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
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM instances").fetchone()[0]

    # -- streamed writers (the DICOMweb server): the body never sits whole in memory -------------------
    def incoming_path(self) -> Path:
        """A fresh path under incoming/ for a writer that streams a Part 10 file before adopting it."""
        return self.root / "incoming" / f"{os.getpid()}-{uuid.uuid4().hex}.part"

    def adopt_file(self, temporary: Path, dataset: Dataset) -> StoredInstance:
        """Make a Part 10 file written under incoming/ durable, move it into place and index it."""
        with open(temporary, "rb+") as handle:
            os.fsync(handle.fileno())
        sop_uid = str(dataset.SOPInstanceUID)
        relative = self._relative_path(sop_uid)
        final = self.root / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        move_into_place(temporary, final)
        return self._index(relative, dataset)


    def adopt_files(self, pending: list[tuple[Path, Dataset]]) -> list[StoredInstance | OSError]:
        """adopt_file for several files (the parts of one STOW-RS request), for each its StoredInstance or the
        OSError that kept it out. Every file is synced, moved into place and its folder synced before its index row
        is written; the syncs run side by side (the disk takes them together), the rows go in one transaction."""
        outcomes: list = list(_SYNCS.map(_synced_or_error, [temporary for temporary, _ in pending]))
        folders: dict[Path, list[int]] = {}
        for index, (temporary, dataset) in enumerate(pending):
            if isinstance(outcomes[index], OSError):
                continue
            final = self.root / self._relative_path(str(dataset.SOPInstanceUID))
            try:
                final.parent.mkdir(parents=True, exist_ok=True)
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
        if rows:
            with self._lock:
                self._db.execute("BEGIN")
                try:
                    self._db.executemany(
                        "INSERT OR REPLACE INTO instances (sop_instance_uid, sop_class_uid, transfer_syntax_uid,"
                        " patient_id, study_instance_uid, series_instance_uid, relative_path, attributes)"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                    self._db.execute("COMMIT")
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
        return [self._instance(o) if isinstance(o, tuple) else o for o in outcomes]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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


def _index_attributes(dataset: Dataset) -> dict:
    """DICOM JSON of the top-level attributes small enough to match on (no pixel data, no bulk): what
    Dataset.to_json_dict gives for them, element by element, without building a second data set. A bulk
    element's length is read from the undecoded element where it can be, so its value is never decoded."""
    attributes = {}
    try:
        for tag in sorted(dataset.keys()):
            group = tag >> 16
            if group in (0x0002, 0x7FE0) or group % 2:
                continue
            raw = dataset._dict[tag]
            raw_vr = getattr(raw, "VR", None)
            if raw_vr in _BULK_VRS and _INDEX_BULK_LIMIT < getattr(raw, "length", 0) != 0xFFFFFFFF:
                continue        # undecoded and too large: skip without decoding it
            element = dataset[tag]
            if element.VR in _BULK_VRS and len(element.value or b"") > _INDEX_BULK_LIMIT:
                continue
            attributes[f"{tag:08X}"] = element.to_json_dict(_no_bulk_uri, _INDEX_BULK_LIMIT)
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
    """The index row of a data set (as _index writes it), its attributes by _index_attributes_remembered."""
    return (str(dataset.SOPInstanceUID), str(dataset.get("SOPClassUID", "")),
            str(getattr(getattr(dataset, "file_meta", None), "TransferSyntaxUID", "")),
            str(dataset.get("PatientID", "")), str(dataset.get("StudyInstanceUID", "")),
            str(dataset.get("SeriesInstanceUID", "")), relative, json.dumps(_index_attributes_remembered(dataset)))


# entry of an element, by its encoding: (tag, VR, value bytes, Specific Character Set bytes, little, implicit)
_REMEMBERED: dict[tuple, dict | None] = {}
_REMEMBERED_LIMIT = 20_000


def _index_attributes_remembered(dataset: Dataset) -> dict:
    """_index_attributes, with each undecoded element's entry remembered by its encoding: the instances of a series
    repeat most of their attributes byte for byte, and pydicom's decoding of an element and its DICOM JSON cost
    more than the rest of storing a small instance. The entries are shared: callers serialize, never change them."""
    attributes = {}
    try:
        charset = getattr(dataset._dict.get(0x00080005), "value", None)
        charset = charset if isinstance(charset, (bytes, type(None))) else str(charset)
        for tag in sorted(dataset.keys()):
            group = tag >> 16
            if group in (0x0002, 0x7FE0) or group % 2:
                continue
            raw = dataset._dict[tag]
            key = None
            if isinstance(raw, RawDataElement) and isinstance(raw.value, bytes) and len(raw.value) <= _INDEX_BULK_LIMIT:
                key = (int(tag), raw.VR, raw.value, charset, raw.is_little_endian, raw.is_implicit_VR)
                if key in _REMEMBERED:
                    entry = _REMEMBERED[key]
                    if entry is not None:
                        attributes[f"{tag:08X}"] = entry
                    continue
            entry = _index_entry(dataset, tag, raw)
            if entry is not None:
                attributes[f"{tag:08X}"] = entry
            if key is not None:
                if len(_REMEMBERED) >= _REMEMBERED_LIMIT:
                    _REMEMBERED.clear()
                _REMEMBERED[key] = entry
    except Exception:  # a malformed attribute must not stop the instance being kept
        return {}
    return attributes


def _index_entry(dataset: Dataset, tag, raw) -> dict | None:
    """One element's entry in _index_attributes (None: left out)."""
    raw_vr = getattr(raw, "VR", None)
    if raw_vr in _BULK_VRS and _INDEX_BULK_LIMIT < getattr(raw, "length", 0) != 0xFFFFFFFF:
        return None
    element = dataset[tag]
    if element.VR in _BULK_VRS and len(element.value or b"") > _INDEX_BULK_LIMIT:
        return None
    return element.to_json_dict(_no_bulk_uri, _INDEX_BULK_LIMIT)
