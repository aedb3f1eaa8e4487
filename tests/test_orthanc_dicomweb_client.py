"""Orthanc's own DICOMweb client (its REST API /dicom-web/servers/...) against our DICOMweb simulator:
STOW-RS from Orthanc into the simulator, QIDO-RS through Orthanc, WADO-RS from the simulator into Orthanc."""

from __future__ import annotations

import httpx
import pytest

from dicom_harness.clients.web import part10_bytes
from dicom_harness.data.datasets import DatasetFactory
from dicom_harness.simulators.dicomweb import DicomWebSimulator
from dicom_harness.simulators.store import Store
from tests.conftest import require_peer


@pytest.fixture
def simulator_and_orthanc(tmp_path):
    require_peer("/usr/sbin/Orthanc")
    from dicom_harness.targets.orthanc import OrthancProcess
    store = Store(tmp_path / "store")
    web = DicomWebSimulator(store).start()
    orthanc = OrthancProcess(ae_title="ORTHANC", dicomweb_servers={"simulator": web.base_url}).start()
    yield web, orthanc
    orthanc.stop()
    web.stop()
    store.close()


def test_orthanc_dicomweb_client_stores_searches_and_retrieves(simulator_and_orthanc):
    web, orthanc = simulator_and_orthanc
    rest = httpx.Client(base_url=orthanc.http_url, timeout=30)
    factory = DatasetFactory(seed=21)
    study = factory.study()
    first, second = factory.make("CT", study=study), factory.make("MR", study=study)
    assert rest.get("/dicom-web/servers").json() == ["simulator"]

    # STOW-RS: Orthanc sends an instance it holds to the simulator.
    uploaded = rest.post("/instances", content=part10_bytes(first)).json()
    stow = rest.post("/dicom-web/servers/simulator/stow", json={"Resources": [uploaded["ID"]], "Synchronous": True})
    assert stow.status_code == 200, stow.text
    kept = web.store.get(str(first.SOPInstanceUID))
    assert kept is not None and kept.read().PixelData == first.PixelData

    # QIDO-RS through Orthanc: the simulator's answer comes back as JSON.
    web.store.put_file(part10_bytes(second), second)
    found = rest.post("/dicom-web/servers/simulator/get",
                      json={"Uri": f"/studies/{study.StudyInstanceUID}/instances"}).json()
    assert sorted(i["00080018"]["Value"][0] for i in found) == sorted([str(first.SOPInstanceUID),
                                                                       str(second.SOPInstanceUID)])

    # WADO-RS: Orthanc retrieves the study from the simulator into its own store.
    rest.delete(f"/instances/{uploaded['ID']}")
    retrieve = rest.post("/dicom-web/servers/simulator/retrieve",
                         json={"Resources": [{"Study": str(study.StudyInstanceUID)}], "Synchronous": True})
    assert retrieve.status_code == 200, retrieve.text
    held = rest.post("/tools/find", json={"Level": "Instance", "Query": {"StudyInstanceUID": str(study.StudyInstanceUID)},
                                          "Expand": True}).json()
    assert sorted(i["MainDicomTags"]["SOPInstanceUID"] for i in held) == sorted(
        [str(first.SOPInstanceUID), str(second.SOPInstanceUID)])
