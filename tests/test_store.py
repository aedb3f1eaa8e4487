import copy
from io import BytesIO

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.simulators.store import Store


def _file_bytes(ds):
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def test_store_survives_restart(tmp_path):
    ds = DatasetFactory(seed=3).make("CT")
    store = Store(tmp_path)
    store.put_file(_file_bytes(ds), ds)
    store.close()
    again = Store(tmp_path)
    found = again.get(ds.SOPInstanceUID)
    assert found is not None and found.read().SOPInstanceUID == ds.SOPInstanceUID
    assert [i.sop_instance_uid for i in again.instances(study=ds.StudyInstanceUID)] == [ds.SOPInstanceUID]


def test_file_names_never_come_from_peer_data(tmp_path):
    ds = DatasetFactory(seed=4).make("SC")
    ds.SOPInstanceUID = "../../../../tmp/escape"
    store = Store(tmp_path / "root")
    kept = store.put_file(_file_bytes(ds), ds)
    assert kept.path.resolve().is_relative_to((tmp_path / "root").resolve())
    assert "escape" not in str(kept.path)
    assert not list((tmp_path / "root" / "incoming").iterdir()), "temporary files left behind"


def test_lost_index_rows_are_rebuilt_from_the_files(tmp_path):
    """The files are the record: an index that lost rows (a crash before its commit) is repaired at start."""
    ds = DatasetFactory(seed=6).make("MR")
    store = Store(tmp_path)
    store.put_file(_file_bytes(ds), ds)
    store._db.execute("DELETE FROM instances")
    store.close()
    again = Store(tmp_path)
    assert again.get(ds.SOPInstanceUID) is not None
    assert again.count() == 1


def _reference_index_attributes(dataset):
    """The index's DICOM JSON as it was first written: a slim copy through Dataset.to_json_dict."""
    from pydicom.dataset import Dataset
    slim = Dataset()
    for element in dataset:
        if element.tag.group in (0x0002, 0x7FE0) or element.tag.is_private:
            continue
        if element.VR in ("OB", "OW", "OF", "OD", "OL", "OV", "UN") and len(element.value or b"") > 1024:
            continue
        slim.add(element)
    return slim.to_json_dict(bulk_data_threshold=1024, bulk_data_element_handler=lambda e: "")


def test_index_attributes_are_what_pydicom_gives(tmp_path):
    """The lean index JSON (element by element, bulk skipped undecoded) equals pydicom's, for every kind the
    factory makes, read back from files in both VR encodings, with private, small OB and large OW elements."""
    from pydicom import dcmread
    from pydicom.uid import ImplicitVRLittleEndian

    from dicom_harness.data.datasets import KINDS
    from dicom_harness.simulators.store import _index_attributes
    factory = DatasetFactory(seed=11)
    for kind in KINDS:
        ds = factory.make(kind)
        ds.add_new(0x00091010, "LO", "private")
        ds.add_new(0x00091011, "OB", b"\x01" * 2000)
        ds.EncapsulatedDocument = b"%PDF" * 10               # small OB: kept in the index
        ds.add_new(0x00420012, "LO", "application/pdf")
        ds.add_new(0x00281201, "OW", b"\x02" * 4000)         # large OW: left out
        for syntax in (None, ImplicitVRLittleEndian):
            if syntax:
                ds.file_meta.TransferSyntaxUID = syntax
            read = dcmread(BytesIO(_file_bytes(ds)))
            expected = _reference_index_attributes(dcmread(BytesIO(_file_bytes(ds))))
            assert _index_attributes(read) == expected, (kind, syntax)
            assert "00091010" not in expected and "00281201" not in expected and "00420011" in expected


def test_a_new_store_makes_its_256_folders_once(tmp_path):
    """objects/<hex>/<hex>/: every folder made when the store is new, so a write never waits for a mkdir."""
    store = Store(tmp_path)
    folders = [p for p in (tmp_path / "objects").glob("*/*") if p.is_dir()]
    assert len(folders) == 256
    ds = DatasetFactory(seed=7).make("CT")
    kept = store.put_file(_file_bytes(ds), ds)
    assert kept.path.parent in folders
    store.close()


def test_a_throwaway_store_makes_each_folder_when_first_written_to(tmp_path):
    """folders_first=False (a run's store): no object folder until a write needs it, on each way in (a file put,
    a STOW-RS request's parts, a journaled C-STORE); everything kept reads back, and a store opened on it again
    keeps the 256-folder layout."""
    from dicom_harness.simulators.store import _index_row
    store = Store(tmp_path, folders_first=False)
    assert not list((tmp_path / "objects").iterdir())
    put, encoded, journaled = (DatasetFactory(seed=40 + n).make("CT") for n in range(3))
    store.put_file(_file_bytes(put), put)
    row = _index_row("unused", encoded)
    assert store.keep_encoded([(str(encoded.SOPInstanceUID), _file_bytes(encoded), (*row[:6], row[7]))]) == [None]
    row = _index_row("unused", journaled)
    assert store.keep_journaled(str(journaled.SOPInstanceUID), _file_bytes(journaled), (*row[:6], row[7])) is None
    for ds in (put, encoded, journaled):
        assert store.get(ds.SOPInstanceUID).path.read_bytes() == _file_bytes(ds)
    folders = {p for p in (tmp_path / "objects").glob("*/*") if p.is_dir()}
    assert 1 <= len(folders) <= 3 and all(len(p.name) == 1 == len(p.parent.name) for p in folders), folders
    store.close()
    again = Store(tmp_path)
    assert all(again.get(ds.SOPInstanceUID) is not None for ds in (put, encoded, journaled))
    again.close()


def test_a_store_of_the_older_layout_keeps_it(tmp_path):
    """A store whose files are under objects/<2 hex>/<2 hex>/ (made before the 256-folder layout) keeps naming
    new files that way, and an older copy under the other layout's name never replaces the indexed one."""
    factory = DatasetFactory(seed=8)
    first, second = factory.make("CT"), factory.make("CT")
    store = Store(tmp_path)
    store._fanout = 2       # as the store was made before
    old = store.put_file(_file_bytes(first), first)
    assert old.path.relative_to(tmp_path / "objects").parts[0] == old.path.name[:2]
    store.close()
    again = Store(tmp_path)
    assert again._fanout == 2
    kept = again.put_file(_file_bytes(second), second)
    assert kept.path.relative_to(tmp_path / "objects").parts[0] == kept.path.name[:2]
    # a newer version of `first` under the 256-folder name; the older file stays on disk beside it
    newer = copy.deepcopy(first)
    newer.PatientID = "NEWER"
    again._fanout = 1
    again.put_file(_file_bytes(newer), newer)
    again.close()
    third = Store(tmp_path)
    assert third.get(first.SOPInstanceUID).read().PatientID == "NEWER"
    assert third.count() == 2
    third.close()
