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
