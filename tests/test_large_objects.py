"""Large objects kept on disk end to end (harness/shared/spool.py), with the size threshold lowered so that a small
test object takes that path: C-STORE from a file, spooled by the PACS simulator to its store's incoming/ and moved
into place; C-GET sent from the stored file and received to a file; STOW-RS of a file as a streamed body; WADO-RS
parts read from a body on disk. Every copy is compared with what was sent. (The figures for a 1 GiB object come
from tests/benchmarks/memory.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydicom import dcmread

from dicom_harness.clients.dimse import DimseClient
from dicom_harness.clients.evidence import Evidence
from dicom_harness.clients.web import DicomWebClient, study_paths
from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.shared import spool
from dicom_harness.targets.profile import DimseEndpoint, Target, WebEndpoint


@pytest.fixture
def on_disk(monkeypatch):
    monkeypatch.setattr(spool, "SPOOL_AT", 2048)


def _sent(tmp_path: Path, factory=None, study=None):
    ds = (factory or DatasetFactory(seed=5)).make("CT", study=study, matrix=(512, 512))
    path = tmp_path / f"{ds.SOPInstanceUID}.dcm"
    ds.save_as(path, enforce_file_format=True)
    assert path.stat().st_size > 4 * 65536          # several PDUs: the data set arrives in pieces
    return dcmread(path), path


def test_c_store_and_c_get_of_a_large_object_go_through_files(on_disk, pacs, tmp_path, monkeypatch):
    import pynetdicom.association
    sent, path = _sent(tmp_path)
    adopted, sent_from = [], []
    adopt = pacs.store.adopt_file
    monkeypatch.setattr(pacs.store, "adopt_file", lambda *a: adopted.append(a[0]) or adopt(*a))
    split = pynetdicom.association.split_dataset
    monkeypatch.setattr(pynetdicom.association, "split_dataset", lambda p: sent_from.append(p) or split(p))

    client = DimseClient(Target(name="sim", dimse=DimseEndpoint("DH_PACS", "127.0.0.1", pacs.port, timeout=30)),
                         Evidence())
    assert client.store(path).ok
    kept = pacs.store.get(str(sent.SOPInstanceUID))
    assert adopted and adopted[0].parent == pacs.store.root / "incoming"       # spooled there, then moved
    assert kept is not None and dcmread(kept.path).PixelData == sent.PixelData
    assert list((pacs.store.root / "incoming").iterdir()) == []

    got = client.read_back(sent)
    assert sent_from == [kept.path]                             # the simulator sent the stored file
    assert got.filename and Path(got.filename).is_file()        # the client kept what it received on disk
    assert got.SOPInstanceUID == sent.SOPInstanceUID and got.PixelData == sent.PixelData


def test_stow_rs_of_a_file_and_wado_rs_parts_on_disk(on_disk, tmp_path):
    from dicom_harness.simulators.dicomweb import DicomWebSimulator
    from dicom_harness.simulators.store import Store
    factory = DatasetFactory(seed=6)
    study = factory.study()
    sent, path = _sent(tmp_path, factory, study)
    store = Store(tmp_path / "store")
    simulator = DicomWebSimulator(store).start()
    evidence = Evidence()
    client = DicomWebClient(WebEndpoint(base_url=simulator.base_url, timeout=30), evidence)
    try:
        assert client.store(files=[path]).status_code == 200
        assert dcmread(store.get(str(sent.SOPInstanceUID)).path).PixelData == sent.PixelData
        second = factory.make("CT", study=study, matrix=(512, 512))
        assert client.store([second]).status_code == 200
        got = client.retrieve_instances(study_paths(sent)["study"])
    finally:
        client.close()
        simulator.stop()
        store.close()
    by_uid = {str(d.SOPInstanceUID): d for d in got}
    assert set(by_uid) == {str(sent.SOPInstanceUID), str(second.SOPInstanceUID)}
    assert by_uid[str(sent.SOPInstanceUID)].PixelData == sent.PixelData
    assert by_uid[str(second.SOPInstanceUID)].PixelData == second.PixelData
    assert all(d.filename and Path(d.filename).is_file() for d in got)      # each part read from a file of its own
    assert not [line for line in evidence.transcript() if "multipart finding" in line]


def test_a_large_data_set_that_cannot_be_parsed_is_refused_and_not_kept(on_disk, pacs, tmp_path):
    sent, path = _sent(tmp_path)
    with open(path, "ab") as handle:
        handle.write(b"\x01\x02\x03")          # stray bytes after the last element
    client = DimseClient(Target(name="sim", dimse=DimseEndpoint("DH_PACS", "127.0.0.1", pacs.port, timeout=30)),
                         Evidence())
    response = client.store(path)
    assert response.status is not None and response.status >> 12 == 0xC, hex(response.status or 0)
    assert pacs.store.get(str(sent.SOPInstanceUID)) is None
    assert list((pacs.store.root / "incoming").iterdir()) == []
