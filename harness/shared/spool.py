"""Large C-STORE data sets on disk, both ways, so memory stays flat whatever the size of the object.

Receiving: pynetdicom keeps a C-STORE data set in a BytesIO until its last fragment, or (with the process-wide
`_config.STORE_RECV_CHUNKED_DATASET`) writes every one to a temporary file in the system's temporary folder.
Here it is per association: `spool_large_datasets(event, directory)` (EVT_CONN_OPEN) gives the association's
DIMSE provider a mixin that leaves small data sets in memory, as before, and moves one to a file in `directory`
once SPOOL_AT bytes of it have arrived; the rest is written there as it comes, by pynetdicom's own code for
chunked data sets. The file is a Part 10 file (the File Meta Information pynetdicom would build, then the data
set as received); the C-STORE handler finds it as `event.request._dataset_path` (`spooled_path(event)`), and
pynetdicom closes and removes it after the handler unless the handler moved it away.

Sending: pynetdicom sends a file in fragments read from disk when `send_c_store` is given its path and
`_config.STORE_SEND_CHUNKED_DATASET` is set (`send_files_in_fragments()`, called explicitly, never at import:
it changes nothing for a data set passed as a Dataset, which is all the rest of the project passes). A C-GET
handler must yield a Dataset, so it yields a `StoredFile` (the attributes before the pixel data, and the
file's path) and `send_stored_files(assoc)` lets that association's send_c_store send it from the file when
a presentation context carries its transfer syntax as it is (else it is read whole and converted, as before).
What an association sends is paced to the network (`_PacedDul`): pynetdicom queues a message's fragments for
its DUL thread without bound, which for a file read from disk meant most of the object in memory."""

from __future__ import annotations

import os
import threading
import time
import weakref
from io import BytesIO
from pathlib import Path
from tempfile import NamedTemporaryFile

from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.filewriter import write_file_meta_info
from pynetdicom import _config, evt
from pynetdicom.dsutils import create_file_meta

# A data set of more than this is moved to disk while it arrives: far above the test objects, far below the
# memory a process may spend (issue 17: 150 MiB peak RSS with a 1 GiB object).
SPOOL_AT = 16 * 1024 * 1024


def is_large(size: int) -> bool:
    """Whether an object of `size` bytes is handled on disk (SPOOL_AT read at each call: a test may lower it)."""
    return size > SPOOL_AT


class _SpoolingDimse:
    """Mixin for a pynetdicom DIMSE provider: see the module's docstring."""

    _dh_spool_directory: Path | None = None

    def receive_primitive(self, primitive) -> None:
        super().receive_primitive(primitive)
        message = self.message
        if (message is not None and type(message).__name__ == "C_STORE_RQ" and message._data_set_file is None
                and message.context_id is not None and is_large(message.data_set.tell())):
            _spool(self, message)


def _spool(dimse, message) -> None:
    try:
        command = message.command_set
        context = dimse.assoc._accepted_cx[message.context_id]
        meta = create_file_meta(sop_class_uid=command.AffectedSOPClassUID,
                                sop_instance_uid=command.AffectedSOPInstanceUID,
                                transfer_syntax=context.transfer_syntax[0])
    except Exception:       # noqa: BLE001 - a command pynetdicom can hardly file: it stays in memory
        return
    handle = open_spool_file(dimse._dh_spool_directory, meta, message.data_set.getbuffer())
    message.data_set = BytesIO()
    message._data_set_file = handle         # pynetdicom appends the later fragments, then closes and unlinks it
    message._data_set_path = Path(handle.name)


def open_spool_file(directory: Path | None, meta: Dataset, received) -> "NamedTemporaryFile":
    """A Part 10 file in `directory` (None: the system's temporary folder) holding the File Meta Information
    `meta` and the data set bytes `received` so far, open for the rest to be appended."""
    handle = NamedTemporaryFile(dir=directory, prefix=f"{os.getpid()}-", suffix=".part", delete=False)
    try:
        handle.write(b"\x00" * 128 + b"DICM")
        write_file_meta_info(handle, meta)
        handle.write(received)
        handle.flush()
    except BaseException:
        handle.close()
        os.unlink(handle.name)
        raise
    return handle


_MIXED: dict[tuple[type, type], type] = {}


def spool_large_datasets(event, directory: str | Path | None = None) -> None:
    """EVT_CONN_OPEN: this association's large C-STORE data sets go to files in `directory` (None: the system's
    temporary folder), and what it sends is paced to the network (_PacedDul). Bind it after any handler that swaps
    the DIMSE provider's class (network.guard_dimse)."""
    dimse = event.assoc.dimse
    _mixed(dimse, _SpoolingDimse, "Spooling")
    _mixed(event.assoc.dul, _PacedDul, "Paced")
    dimse._dh_spool_directory = Path(directory) if directory is not None else None


def discard_unfinished(event) -> None:
    """EVT_CONN_CLOSE: the file of a data set whose association ended before its last fragment is removed
    (pynetdicom would leave it behind)."""
    message = getattr(getattr(event.assoc, "dimse", None), "message", None)
    handle = getattr(message, "_data_set_file", None)
    if handle is not None:
        handle.close()
        Path(handle.name).unlink(missing_ok=True)


def spool_handlers(directory: str | Path | None = None) -> list:
    """The handlers that spool an association's large C-STORE data sets to `directory` and clean up after it."""
    return [(evt.EVT_CONN_OPEN, spool_large_datasets, [directory]), (evt.EVT_CONN_CLOSE, discard_unfinished)]


# P-DATA primitives a sender may have queued for the DUL thread before it waits: 8 PDUs (512 KiB at 64 KiB).
PACED_QUEUE = 8


class _PacedDul:
    """Mixin for a pynetdicom DUL provider. pynetdicom's DIMSE provider puts every fragment of a message on the
    DUL's unbounded queue as fast as it can read or encode them, while the DUL thread sends them as fast as the
    network takes them: for a data set read from disk the queue held most of the object. A thread other than the
    DUL's own now waits while PACED_QUEUE P-DATA primitives are waiting (bounded by the association's end)."""

    def send_pdu(self, primitive) -> None:
        if type(primitive).__name__ == "P_DATA" and threading.current_thread() is not self:
            waiting = self.to_provider_queue
            while waiting.qsize() >= PACED_QUEUE and self.is_alive() and not self._kill_thread:
                time.sleep(0.0005)
        super().send_pdu(primitive)


def _mixed(instance, mixin: type, prefix: str) -> None:
    current = type(instance)
    if issubclass(current, mixin):
        return
    key = (mixin, current)
    if key not in _MIXED:
        _MIXED[key] = type(f"{prefix}{current.__name__}", (mixin, current), {})
    instance.__class__ = _MIXED[key]


def spooled_path(event) -> Path | None:
    """The Part 10 file a C-STORE request's data set was spooled to, or None (it is in memory)."""
    path = getattr(event.request, "_dataset_path", None)
    return path if isinstance(path, Path) else None


def data_offset(path: Path) -> int:
    """Where the data set starts in a Part 10 file (after preamble, prefix and File Meta Information)."""
    from pynetdicom.dsutils import split_dataset
    return split_dataset(path)[1]


# -- sending ----------------------------------------------------------------------------------------------------
def send_files_in_fragments() -> None:
    """pynetdicom's send_c_store sends a file given by its path in fragments read from disk (process-wide)."""
    _config.STORE_SEND_CHUNKED_DATASET = True


class StoredFile(Dataset):
    """A stored instance's attributes before the pixel data, and `path`, the Part 10 file to send."""

    path: Path

    @classmethod
    def read(cls, path: str | Path) -> "StoredFile":
        head = dcmread(path, stop_before_pixels=True)
        stored = cls(head)
        stored.file_meta = head.file_meta
        stored.path = Path(path)
        return stored


class _SendsStoredFiles:
    """Mixin for a pynetdicom Association: send_c_store sends a StoredFile from disk when a context carries its
    transfer syntax unchanged."""

    def send_c_store(self, dataset, *args, **kwargs):
        if isinstance(dataset, StoredFile):
            meta = dataset.file_meta
            syntax = meta.TransferSyntaxUID
            # pynetdicom takes the command's UIDs from the File Meta Information when it sends a file
            same_uids = (meta.get("MediaStorageSOPClassUID") == dataset.get("SOPClassUID")
                         and meta.get("MediaStorageSOPInstanceUID") == dataset.get("SOPInstanceUID"))
            exact = same_uids and any(c.abstract_syntax == dataset.SOPClassUID and c.transfer_syntax[0] == syntax
                                      and c.as_scu for c in self.accepted_contexts)
            dataset = dataset.path if exact and _config.STORE_SEND_CHUNKED_DATASET else dcmread(dataset.path)
        return super().send_c_store(dataset, *args, **kwargs)


def send_stored_files(assoc) -> None:
    """This association's send_c_store takes StoredFile data sets (see the module's docstring)."""
    _mixed(assoc, _SendsStoredFiles, "FileSending")


def read_lazily(kept: Path):
    """The Part 10 file `kept` as a data set whose large values stay on disk until used (`dataset.filename` is
    the file); the file is removed when the data set is collected, or at exit. A file that cannot be read is
    removed at once."""
    from pydicom import dcmread
    try:
        dataset = dcmread(kept, defer_size=64 * 1024)
    except BaseException:
        Path(kept).unlink(missing_ok=True)
        raise
    weakref.finalize(dataset, _remove_quietly, str(kept))
    return dataset


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
