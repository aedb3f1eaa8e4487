"""The DICOMweb simulator on its own: in-process on port 0, shared store with the PACS simulator, and an
independent client (dicomweb-client from PyPI) storing, searching and retrieving against it."""

from __future__ import annotations

import uuid
from io import BytesIO

import httpx
import pytest

from dicom_harness.data.datasets import DatasetFactory, pixel_digest
from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.store import Store


def _part10(ds) -> bytes:
    buffer = BytesIO()
    ds.save_as(buffer, enforce_file_format=True)
    return buffer.getvalue()


def _stow_body(datasets, boundary):
    parts = [b"--" + boundary.encode() + b"\r\nContent-Type: application/dicom\r\n\r\n" + _part10(d) + b"\r\n"
             for d in datasets]
    return b"".join(parts) + b"--" + boundary.encode() + b"--\r\n"


@pytest.fixture
def web(tmp_path):
    store = Store(tmp_path / "store")
    simulator = DicomWebSimulator(store).start()
    yield simulator
    simulator.stop()
    store.close()


def test_port_zero_is_read_back_and_stow_is_durable_before_the_answer(web, tmp_path):
    factory = DatasetFactory(seed=11)
    study = factory.study()
    datasets = [factory.make("CT", study=study), factory.make("MF", study=study)]
    boundary = uuid.uuid4().hex
    response = httpx.post(f"{web.base_url}/studies", content=_stow_body(datasets, boundary), timeout=10,
                          headers={"Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}'})
    assert web.port and response.status_code == 200, response.text
    # Answered only after the files are in place: a fresh Store on the same folder sees both.
    again = Store(web.store.root)
    assert {i.sop_instance_uid for i in again.instances(study=study.StudyInstanceUID)} == {
        str(d.SOPInstanceUID) for d in datasets}
    again.close()
    frames = httpx.get(f"{web.base_url}/studies/{study.StudyInstanceUID}/series/{datasets[1].SeriesInstanceUID}"
                       f"/instances/{datasets[1].SOPInstanceUID}/frames/2", timeout=10)
    assert frames.status_code == 200 and datasets[1].PixelData[32 * 32:2 * 32 * 32] in frames.content


def test_instances_stored_by_c_store_are_served_over_the_web(tmp_path):
    from pynetdicom import AE

    from dicom_harness.simulators.pacs import PacsSimulator
    store = Store(tmp_path / "shared")
    pacs = PacsSimulator(store, ae_title="DH_PACS").start()
    web = DicomWebSimulator(store).start()
    try:
        ds = DatasetFactory(seed=12).make("CT")
        ae = AE(ae_title="TEST")
        ae.add_requested_context(ds.SOPClassUID, ds.file_meta.TransferSyntaxUID)
        assoc = ae.associate("127.0.0.1", pacs.port, ae_title="DH_PACS")
        assert assoc.is_established
        assert assoc.send_c_store(ds).Status == 0x0000
        assoc.release()
        found = httpx.get(f"{web.base_url}/instances", params={"SOPInstanceUID": ds.SOPInstanceUID}, timeout=10)
        assert found.status_code == 200 and len(found.json()) == 1
    finally:
        web.stop()
        pacs.stop()
        store.close()


def test_dicomweb_client_from_pypi_stores_searches_and_retrieves(web):
    """dicomweb-client (an independent implementation) against the simulator."""
    dicomweb_client = pytest.importorskip("dicomweb_client")
    client = dicomweb_client.DICOMwebClient(url=web.base_url)
    factory = DatasetFactory(seed=13)
    study = factory.study()
    datasets = [factory.make("CT", study=study), factory.make("MF", study=study)]
    client.store_instances(datasets=datasets)
    found = client.search_for_studies(search_filters={"PatientID": study.PatientID})
    assert [s["0020000D"]["Value"][0] for s in found] == [study.StudyInstanceUID]
    series = client.search_for_series(study_instance_uid=study.StudyInstanceUID)
    assert len(series) == 2
    instance = client.retrieve_instance(study.StudyInstanceUID, datasets[0].SeriesInstanceUID,
                                        datasets[0].SOPInstanceUID)
    assert pixel_digest(instance) == pixel_digest(datasets[0])
    metadata = client.retrieve_study_metadata(study.StudyInstanceUID)
    assert {m["00080018"]["Value"][0] for m in metadata} == {str(d.SOPInstanceUID) for d in datasets}
    frames = client.retrieve_instance_frames(study.StudyInstanceUID, datasets[1].SeriesInstanceUID,
                                             datasets[1].SOPInstanceUID, frame_numbers=[1, 3])
    assert frames == [datasets[1].PixelData[0:1024], datasets[1].PixelData[2048:3072]]
    study_instances = client.retrieve_study(study.StudyInstanceUID)
    assert sorted(str(i.SOPInstanceUID) for i in study_instances) == sorted(str(d.SOPInstanceUID) for d in datasets)


def test_simulate_dicomweb_command_refuses_a_busy_port(tmp_path):
    import socket

    from tests.conftest import run_cli
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        proc = run_cli("simulate", "dicomweb", "--port", str(sock.getsockname()[1]), "--store", str(tmp_path),
                       timeout=60)
    assert proc.returncode == 2 and "in use" in proc.stderr and "Traceback" not in proc.stderr
