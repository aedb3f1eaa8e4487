"""The store's journal: what the PACS simulator acknowledged survives kill -9 and a restart, even when the files
it wrote (unsynced, the journal holding them) are gone; a torn record is never replayed; a delete or a direct
write is not undone by a replay."""

from __future__ import annotations

import copy
import os
import signal
import sqlite3
import subprocess
import sys
from io import BytesIO
from pathlib import Path

from pydicom import dcmread

from dicom_harness.data.datasets import DatasetFactory, pixel_digest
from dicom_harness.simulators.store import Journal, Store
from tests.conftest import StandalonePacs, require_peer

DCMTK_ENV = dict(os.environ, TCP_NODELAY="1")


def _file_bytes(ds) -> bytes:
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _lose_what_was_not_synced(store: Path) -> None:
    """What a power cut may take when only the journal was synced: every object file and the index."""
    for path in (store / "objects").glob("*/*/*.dcm"):
        path.unlink()
    for name in ("index.sqlite", "index.sqlite-wal", "index.sqlite-shm"):
        (store / name).unlink(missing_ok=True)


def test_acknowledged_c_store_survives_kill_9_and_restart(tmp_path):
    """storescu gets Success for each image; the simulator is killed (SIGKILL: no checkpoint, no close), its
    unsynced files and index are removed; restarted, it gives every image back with its pixel data (getscu)."""
    storescu, getscu = (require_peer(b) for b in ("storescu", "getscu"))
    factory = DatasetFactory(seed=21)
    study, series = factory.study(), factory.uid()
    sent = tmp_path / "sent"
    sent.mkdir()
    images = [factory.make("CT", study=study, series_uid=series) for _ in range(5)]
    for number, image in enumerate(images):
        image.save_as(sent / f"{number}.dcm", enforce_file_format=True)
    store = tmp_path / "store"
    pacs = StandalonePacs(store)
    with pacs:
        stored = subprocess.run([storescu, "-aec", "DH_PACS", "+sd", "127.0.0.1", str(pacs.port), str(sent)],
                                capture_output=True, text=True, timeout=60, env=DCMTK_ENV)
        assert stored.returncode == 0, stored.stderr
        assert list((store / "journal").glob("*.journal")), "the simulator kept no journal"
        pacs.process.send_signal(signal.SIGKILL)
        pacs.process.wait(timeout=10)
        _lose_what_was_not_synced(store)
        pacs.process.send_signal = lambda _: None       # already dead: the context's Ctrl-C has nothing to stop
    out = tmp_path / "retrieved"
    out.mkdir()
    with StandalonePacs(store) as again:
        got = subprocess.run([getscu, "-aec", "DH_PACS", "-S", "-k", "QueryRetrieveLevel=SERIES",
                              "-k", f"StudyInstanceUID={study.StudyInstanceUID}", "-k", f"SeriesInstanceUID={series}",
                              "-od", str(out), "127.0.0.1", str(again.port)],
                             capture_output=True, text=True, timeout=60, env=DCMTK_ENV)
        assert got.returncode == 0, got.stderr
    retrieved = {ds.SOPInstanceUID: ds for ds in (dcmread(p) for p in out.iterdir())}
    assert set(retrieved) == {i.SOPInstanceUID for i in images}, got.stderr
    for image in images:
        assert pixel_digest(retrieved[image.SOPInstanceUID]) == pixel_digest(image)
    assert not list((store / "journal").glob("*.journal")), "the replayed journal was left behind"


def _orphan(tmp_path: Path, datasets, then=None) -> Path:
    """A store whose process 'died': its journal copied aside before close() checkpoints and removes it."""
    root = tmp_path / "store"
    store = Store(root)
    for ds in datasets:
        store.put_file(_file_bytes(ds), ds)
    if then is not None:
        then(store)
    journal = next((root / "journal").glob("*.journal"))
    kept = journal.read_bytes()
    store.close()
    journal.write_bytes(kept)
    _lose_what_was_not_synced(root)
    return journal


def test_a_torn_last_record_is_not_replayed(tmp_path):
    first, second = DatasetFactory(seed=22).make("CT"), DatasetFactory(seed=23).make("MR")
    journal = _orphan(tmp_path, [first, second])
    data = bytearray(journal.read_bytes())
    records = list(Journal._records(bytes(data)))
    assert [name for name, _ in records] and len(records) == 2
    end_of_second = Journal.HEADER + sum(Journal._RECORD.size + len(n) + len(p) + Journal._CRC.size
                                         for n, p in records)
    data[end_of_second - 10] ^= 0xFF           # the second record's last bytes never reached the disk
    journal.write_bytes(bytes(data))
    again = Store(tmp_path / "store")
    assert again.get(first.SOPInstanceUID) is not None
    assert again.get(second.SOPInstanceUID) is None
    assert dcmread(again.get(first.SOPInstanceUID).path).SOPInstanceUID == first.SOPInstanceUID
    again.close()


def test_a_replay_does_not_bring_back_a_deleted_instance(tmp_path):
    kept, deleted = DatasetFactory(seed=24).make("CT"), DatasetFactory(seed=25).make("CT")
    _orphan(tmp_path, [kept, deleted], then=lambda store: store.delete(deleted.SOPInstanceUID))
    again = Store(tmp_path / "store")
    assert again.get(kept.SOPInstanceUID) is not None
    assert again.get(deleted.SOPInstanceUID) is None
    again.close()


def test_a_replay_keeps_the_last_version_of_an_instance(tmp_path):
    ds = DatasetFactory(seed=26).make("CT")
    newer = copy.deepcopy(ds)
    newer.PatientID = "NEWER"
    _orphan(tmp_path, [ds, newer])
    again = Store(tmp_path / "store")
    assert again.get(ds.SOPInstanceUID).read().PatientID == "NEWER"
    again.close()


def test_a_live_stores_journal_is_left_alone(tmp_path):
    """Two stores on one root (two simulators): the second never replays the first's journal, which is held."""
    ds = DatasetFactory(seed=27).make("CT")
    first = Store(tmp_path)
    first.put_file(_file_bytes(ds), ds)
    journal = next((tmp_path / "journal").glob("*.journal"))
    second = Store(tmp_path)
    assert journal.exists()
    second.close()
    first.close()
    assert not journal.exists()


def _several_generations(monkeypatch, seed: int) -> list:
    """A small journal (64 to 128 KiB) and 40 CT instances of about 9 KiB each: enough for several generations."""
    monkeypatch.setattr(Journal, "FIRST_SIZE", 64 * 1024)
    monkeypatch.setattr(Journal, "MAX_SIZE", 128 * 1024)
    factory = DatasetFactory(seed=seed)
    return [factory.make("CT") for _ in range(40)]


def test_the_journal_checkpoints_when_full(tmp_path, monkeypatch):
    """Past its largest size the journal syncs what it covers and starts a new generation; every instance stays."""
    datasets = _several_generations(monkeypatch, seed=28)
    store = Store(tmp_path)
    for ds in datasets:
        store.put_file(_file_bytes(ds), ds)
    assert store._journal._generation > 1
    assert store.count() == 40
    store.close()
    again = Store(tmp_path)
    assert all(again.get(ds.SOPInstanceUID) is not None for ds in datasets)
    again.close()


def _keep_journaled(store: Store, ds) -> None:
    """What the PACS simulator's lean C-STORE path does: keep_journaled with the file's bytes and its index row."""
    from dicom_harness.simulators.store import _index_row
    row = _index_row("unused", ds)
    assert store.keep_journaled(str(ds.SOPInstanceUID), _file_bytes(ds), (*row[:6], row[7])) is None


def _no_writer_thread(monkeypatch) -> None:
    """keep_journaled's files are then written only by whoever settles the store (a read, a checkpoint, close)."""
    monkeypatch.setattr(Store, "_write_unwritten_forever", lambda self: None)


def test_journaled_instances_are_read_at_once(tmp_path, monkeypatch):
    """Acknowledged but not yet written into place: every read of the store finds them, file and row."""
    _no_writer_thread(monkeypatch)
    store = Store(tmp_path)
    datasets = [DatasetFactory(seed=30 + n).make("CT") for n in range(3)]
    for ds in datasets:
        _keep_journaled(store, ds)
    assert not list((tmp_path / "objects").glob("*/*/*.dcm")), "written before a read asked for them"
    assert [i.sop_instance_uid for i in store.instances()] == [ds.SOPInstanceUID for ds in datasets]
    for ds in datasets:
        assert store.get(ds.SOPInstanceUID).path.read_bytes() == _file_bytes(ds)
    store.close()


def test_the_checkpoint_writes_journaled_instances_first(tmp_path, monkeypatch):
    """A checkpoint ends the journal generation that held them: their files are written and synced before."""
    _no_writer_thread(monkeypatch)
    datasets = _several_generations(monkeypatch, seed=33)
    store = Store(tmp_path)
    for ds in datasets:
        _keep_journaled(store, ds)
    assert store._journal._generation > 1
    on_disk = len(list((tmp_path / "objects").glob("*/*/*.dcm")))
    assert 0 < on_disk < 40, on_disk        # the checkpoints wrote what their generations held, no more
    store.close()
    again = Store(tmp_path)
    assert all(again.get(ds.SOPInstanceUID).read().SOPInstanceUID == ds.SOPInstanceUID for ds in datasets)
    again.close()


def test_journaled_instances_survive_kill_9_before_they_are_written(tmp_path):
    """The process dies (os._exit: no close, no checkpoint) after keep_journaled returned and before any file
    was written into place: the next start replays them from the journal."""
    datasets = [DatasetFactory(seed=40 + n).make("MR") for n in range(3)]
    sent = tmp_path / "sent"
    sent.mkdir()
    for number, ds in enumerate(datasets):
        ds.save_as(sent / f"{number}.dcm", enforce_file_format=True)
    script = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from pydicom import dcmread\n"
        "from dicom_harness.simulators.store import Store\n"
        "import tests.test_store_journal as t\n"
        "Store._write_unwritten_forever = lambda self: None\n"
        "store = Store(sys.argv[1])\n"
        "for path in sorted(Path(sys.argv[2]).iterdir()):\n"
        "    t._keep_journaled(store, dcmread(path))\n"
        "assert not list(Path(sys.argv[1], 'objects').glob('*/*/*.dcm'))\n"
        "os._exit(0)\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "store"), str(sent)], capture_output=True,
                          text=True, timeout=60, cwd=Path(__file__).parent.parent)
    assert done.returncode == 0, done.stderr
    again = Store(tmp_path / "store")
    for ds in datasets:
        assert again.get(ds.SOPInstanceUID).path.read_bytes() == _file_bytes(ds)
    again.close()


def test_concurrent_appends_are_each_on_disk_when_they_return(tmp_path, monkeypatch):
    """Group commit: threads appending together share fdatasyncs, and each returns only after one that started
    after its own record was written."""
    import threading
    import time

    journal = Journal(tmp_path / "journal")
    events: list = []
    real = os.fdatasync

    def slow_sync(fd):
        written = journal._appended
        time.sleep(0.01)        # a slow disk: the other threads append meanwhile
        real(fd)
        events.append(("sync", written))
    monkeypatch.setattr("dicom_harness.simulators.store._datasync", slow_sync)

    def append(number):
        journal.append_all([(f"objects/0/0/{number:064x}.dcm", None, (bytes(100),))])
        events.append(("done", number))
    threads = [threading.Thread(target=append, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    syncs = [covered for kind, covered in events if kind == "sync"]
    assert len(syncs) < 16, "every append paid its own fdatasync"
    assert journal._synced == journal._appended == 16
    records = list(Journal._records((tmp_path / "journal" / journal._path.name).read_bytes()))
    assert len(records) == 16
    journal.close()


def test_with_another_process_on_the_store_an_instance_is_whole_before_the_answer(tmp_path, monkeypatch):
    """A second simulator process on the same store (`simulate dicomweb` beside `simulate pacs`) reads the index
    and the files itself and cannot settle this process's unwritten instances: keep_journaled then writes the
    file and the index row before it returns. A dead process's mark changes nothing."""
    _no_writer_thread(monkeypatch)
    store = Store(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / "processes" / dead.stdout.strip()).touch()
    first = DatasetFactory(seed=40).make("CT")
    _keep_journaled(store, first)
    assert store._unwritten, "a dead process's mark made the store keep instances whole"

    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    try:
        (tmp_path / "processes" / str(other.pid)).touch()
        second = DatasetFactory(seed=41).make("CT")
        _keep_journaled(store, second)
        seen = sqlite3.connect(tmp_path / "index.sqlite")       # as the other process sees the index
        rows = seen.execute("SELECT relative_path FROM instances WHERE sop_instance_uid = ?",
                            (str(second.SOPInstanceUID),)).fetchall()
        seen.close()
        assert len(rows) == 1 and (tmp_path / rows[0][0]).read_bytes() == _file_bytes(second)
    finally:
        other.stdin.close()
        other.wait(timeout=30)
    store.close()
    assert not (tmp_path / "processes" / str(os.getpid())).exists(), "the store's own mark left behind"
