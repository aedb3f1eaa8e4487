"""The clean PACS simulator's lean C-STORE path (simulators/pacs.py _store_lean, lean_scan.lean_dataset,
Store.keep_encoded): the same statuses, the same stored bytes and the same index rows as the full path (pydicom),
every odd data set left to the full path, and what it acknowledged survives kill -9 and a restart."""

from __future__ import annotations

from io import BytesIO

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import UID, ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE
from pynetdicom.dsutils import encode

from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.simulators import lean_scan, received
from dicom_harness.simulators.pacs import PacsSimulator
from dicom_harness.simulators.store import Store, _index_row
from tests.lean_cases import varied_datasets


def _varied() -> list[Dataset]:
    return varied_datasets(seed=41, bad_series_uid=True)


def _bare(ds: Dataset, syntax: str = ExplicitVRLittleEndian) -> bytes:
    """The data set as a C-STORE carries it: no File Meta Information, in `syntax`."""
    syntax = UID(syntax)
    return encode(ds, syntax.is_implicit_VR, syntax.is_little_endian)


def test_a_lean_data_set_is_indexed_as_the_full_path_indexes_it():
    for ds in _varied()[:-1]:
        data = _bare(ds)
        lean = lean_scan.lean_dataset(data, ExplicitVRLittleEndian)
        assert lean is not None, ds.Modality
        whole = dcmread(BytesIO(received.part10_header_of(ds.SOPClassUID, ds.SOPInstanceUID, ExplicitVRLittleEndian)
                                + data), stop_before_pixels=True)
        row = _index_row("x", whole)
        assert (lean.sop_instance, lean.sop_class, ExplicitVRLittleEndian, lean.patient_id, lean.study, lean.series,
                "x", lean.attributes_json) == row


def test_odd_data_sets_are_left_to_the_full_path():
    factory = DatasetFactory(seed=42)
    data = _bare(factory.make("CT"))
    bad_uid = factory.make("CT")
    bad_uid.SOPInstanceUID = "1.2.abc"
    without_series = factory.make("CT")
    del without_series.SeriesInstanceUID
    for odd, syntax in ((data[:-3], ExplicitVRLittleEndian), (data, ImplicitVRLittleEndian),
                        (_bare(factory.make("CT"), ImplicitVRLittleEndian), ImplicitVRLittleEndian),
                        (data, ExplicitVRBigEndian), (data, "1.2.840.10008.1.2.1.99"), (data, "1.2.3"),
                        (_bare(bad_uid), ExplicitVRLittleEndian), (_bare(without_series), ExplicitVRLittleEndian),
                        (b"", ExplicitVRLittleEndian)):
        assert lean_scan.lean_dataset(odd, syntax) is None


@pytest.mark.parametrize("sop_class, sop_instance, syntax", [
    ("1.2.840.10008.5.1.4.1.1.2", "1.2.3.4", ExplicitVRLittleEndian),
    ("1.2.840.10008.5.1.4.1.1.4", "1.2.3.45", ImplicitVRLittleEndian),
    ("1.2.840.10008.5.1.4.1.1.2", "1.2.826.0.1.3680043.8.498.12345678901234567890", "1.2.840.10008.1.2.4.50")])
def test_part10_header_of_is_part10_header_of_the_file_meta(sop_class, sop_instance, syntax):
    class Context:
        transfer_syntax = syntax

    class Request:
        AffectedSOPClassUID = sop_class
        AffectedSOPInstanceUID = sop_instance

    class Event:
        context, request = Context(), Request()
    assert received.part10_header_of(sop_class, sop_instance, syntax) == received.part10_header(
        received.file_meta(Event()))


def _store_all(tmp_path, monkeypatch, way: str, datasets: list[Dataset], syntax: str) -> dict:
    store = Store(tmp_path / f"{way}-{syntax}")
    simulator = PacsSimulator(store)
    taken = []
    lean = simulator._store_lean

    def counted(event):
        kept = lean(event) if way == "lean" else None
        taken.append(kept is not None)
        return kept
    monkeypatch.setattr(simulator, "_store_lean", counted)
    simulator.start()
    try:
        ae = AE(ae_title="TEST_SCU")
        for klass in sorted({str(ds.SOPClassUID) for ds in datasets}):
            ae.add_requested_context(klass, [syntax])
        assoc = ae.associate("127.0.0.1", simulator.port, ae_title="DH_PACS")
        assert assoc.is_established
        statuses = [assoc.send_c_store(ds).Status for ds in datasets]
        assoc.release()
    finally:
        simulator.stop()
    store._settle()         # keep_journaled writes the lean path's files and rows after the answer
    rows = store._db.execute(f"SELECT {Store._COLUMNS} FROM instances ORDER BY sop_instance_uid").fetchall()
    files = {row[0]: (store.root / row[6]).read_bytes() for row in rows}
    store.close()
    return {"statuses": statuses, "rows": rows, "files": files, "taken": taken}


@pytest.mark.parametrize("syntax", [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
def test_the_lean_path_answers_and_keeps_what_the_full_path_does(tmp_path, monkeypatch, syntax):
    datasets = _varied()
    lean = _store_all(tmp_path, monkeypatch, "lean", datasets, syntax)
    full = _store_all(tmp_path, monkeypatch, "full", datasets, syntax)
    assert lean["statuses"] == full["statuses"]
    assert lean["statuses"][-1] != 0x0000 and set(lean["statuses"][:-1]) == {0x0000}
    assert lean["rows"] == full["rows"] and len(lean["rows"]) == len(datasets) - 1
    assert lean["files"] == full["files"]
    # the lean path took every good data set in Explicit VR Little Endian, none in Implicit VR
    expected = [True] * (len(datasets) - 1) + [False] if syntax == ExplicitVRLittleEndian else [False] * len(datasets)
    assert lean["taken"] == expected
